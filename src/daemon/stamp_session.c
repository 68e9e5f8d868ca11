/*
 * stamp_session: the stateful reflector's session table (contract in
 * stamp_session.h).  A slot is 48 bytes; the default 4096 slots per worker
 * are 192 KiB.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common/addr.h"
#include "daemon/stamp_session.h"
#include "guard/ratelimit.h"

struct sslot {
	uint64_t src[2], dst[2];	/* full addresses, IPv4 as v4-mapped */
	uint32_t ports;			/* source port << 16 | destination */
	uint32_t next;			/* the reflector's next sequence number */
	double last;			/* last packet; 0 = free */
};

struct stamp_session {
	struct sslot *tab;
	uint32_t mask;
	double idle;
	size_t used;
	uint64_t evictions;
	uint64_t seed[2];
};

struct skey {
	uint64_t src[2], dst[2];
	uint32_t ports;
};

struct stamp_session *
stamp_session_new(uint32_t slots, double idle)
{
	struct stamp_session *t;
	uint32_t n = STAMP_SESSION_PROBE;

	if (slots < STAMP_SESSION_PROBE || slots > STAMP_SESSION_MAX ||
	    !(idle > 0))
		return NULL;
	while (n < slots)
		n <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->tab = calloc(n, sizeof(*t->tab))) == NULL) {
		free(t);
		return NULL;
	}
	t->mask = n - 1;
	t->idle = idle;
	ratelimit_seed(t->seed);
	return t;
}

void
stamp_session_free(struct stamp_session *t)
{
	if (t == NULL)
		return;
	free(t->tab);
	free(t);
}

static void
skey_make(struct skey *k, const struct sockaddr *src,
    const struct sockaddr *dst)
{
	/* Full addresses (prefix 32 / 128); a non-IP family keys as zero. */
	if (ratelimit_source_key(src, 32, 128, k->src) == -1)
		k->src[0] = k->src[1] = 0;
	if (ratelimit_source_key(dst, 32, 128, k->dst) == -1)
		k->dst[0] = k->dst[1] = 0;
	k->ports = (uint32_t)addr_port(src) << 16 | addr_port(dst);
}

static bool
sslot_is(const struct sslot *s, const struct skey *k)
{
	return s->src[0] == k->src[0] && s->src[1] == k->src[1] &&
	    s->dst[0] == k->dst[0] && s->dst[1] == k->dst[1] &&
	    s->ports == k->ports;
}

static uint32_t
skey_hash(const struct stamp_session *t, const struct skey *k)
{
	uint64_t mixed[2] = {
		k->dst[0] ^ ((uint64_t)k->ports << 17),
		k->dst[1] ^ ratelimit_hash(k->src, t->seed),
	};

	return (uint32_t)ratelimit_hash(mixed, t->seed);
}

/* The session's slot: its own if live, else a free or expired one of the
 * window (a new session), else the least recently seen (evicted). */
static struct sslot *
sslot_find(struct stamp_session *t, const struct skey *k, double now)
{
	uint32_t h = skey_hash(t, k);
	struct sslot *s, *free_slot = NULL, *oldest = NULL;

	for (uint32_t i = 0; i < STAMP_SESSION_PROBE; i++) {
		s = &t->tab[(h + i) & t->mask];
		if (s->last != 0 && now - s->last > t->idle) {
			s->last = 0;	/* ended: free again */
			t->used--;
		}
		if (s->last != 0 && sslot_is(s, k))
			return s;
		if (s->last == 0) {
			if (free_slot == NULL)
				free_slot = s;
		} else if (oldest == NULL || s->last < oldest->last) {
			oldest = s;
		}
	}
	if (free_slot != NULL) {
		t->used++;
		s = free_slot;
	} else {
		t->evictions++;
		s = oldest;
	}
	s->src[0] = k->src[0];
	s->src[1] = k->src[1];
	s->dst[0] = k->dst[0];
	s->dst[1] = k->dst[1];
	s->ports = k->ports;
	s->next = 0;
	return s;
}

uint32_t
stamp_session_next(struct stamp_session *t, const struct sockaddr *src,
    const struct sockaddr *dst, double now)
{
	struct skey k;
	struct sslot *s;

	skey_make(&k, src, dst);
	s = sslot_find(t, &k, now);
	s->last = now > 0 ? now : 1e-9;	/* 0 marks a free slot */
	return s->next++;
}

void
stamp_session_stats(const struct stamp_session *t,
    struct stamp_session_stats *out)
{
	out->used = t->used;
	out->evictions = t->evictions;
	out->table_bytes = ((size_t)t->mask + 1) * sizeof(struct sslot);
}
