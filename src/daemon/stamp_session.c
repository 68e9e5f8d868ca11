/*
 * stamp_session: the stateful reflector's session table (contract in
 * stamp_session.h), on a srctable keyed by a digest of the 5-tuple.  A
 * slot is 32 bytes; the default 4096 slots per worker are 128 KiB.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common/addr.h"
#include "daemon/stamp_session.h"
#include "guard/srctable.h"

struct sslot {
	struct srctable_slot h;		/* h.last: the session's last packet */
	uint32_t next;			/* the reflector's next sequence number */
};

struct stamp_session {
	struct srctable tab;
	uint64_t started;		/* sessions begun, restarts included */
};

struct stamp_session *
stamp_session_new(uint32_t slots, double idle)
{
	struct stamp_session *t;
	char err[128];

	if (slots < STAMP_SESSION_PROBE || slots > STAMP_SESSION_MAX ||
	    !(idle > 0))
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if (srctable_init(&t->tab, slots, sizeof(struct sslot), err,
	    sizeof(err)) < 0) {
		free(t);
		return NULL;
	}
	t->tab.idle = idle;
	return t;
}

void
stamp_session_free(struct stamp_session *t)
{
	if (t == NULL)
		return;
	srctable_fini(&t->tab);
	free(t);
}

/* Full addresses (prefixes 32 and 128) and both ports; a non-IP family
 * keys as address zero. */
static void
session_key(const struct stamp_session *t, const struct sockaddr *src,
    const struct sockaddr *dst, uint64_t key[2])
{
	uint64_t w[5] = { 0, 0, 0, 0, 0 };

	if (srctable_key(src, 32, 128, w) == -1)
		w[0] = w[1] = 0;
	if (srctable_key(dst, 32, 128, w + 2) == -1)
		w[2] = w[3] = 0;
	w[4] = (uint64_t)addr_port(src) << 16 | addr_port(dst);
	srctable_digest(&t->tab, w, 5, key);
}

uint32_t
stamp_session_next(struct stamp_session *t, const struct sockaddr *src,
    const struct sockaddr *dst, double now)
{
	uint64_t key[2];
	struct sslot *s;

	session_key(t, src, dst, key);
	s = srctable_lookup(&t->tab, key, now);
	/* A new session: a free or ended slot, else the least recently
	 * seen one (evicted; it starts again at zero). */
	if (s == NULL) {
		s = srctable_claim(&t->tab, key, now, NULL);
		t->started++;
	}
	s->h.last = now > 0 ? now : 1e-9;	/* 0 marks a free slot */
	return s->next++;
}

void
stamp_session_stats(const struct stamp_session *t,
    struct stamp_session_stats *out)
{
	out->used = t->tab.used;
	out->started = t->started;
	out->evictions = t->tab.evictions;
	out->table_bytes = srctable_bytes(&t->tab);
}
