/*
 * ratelimit: the per-source bucket table.  Slots hold float tokens to keep
 * one slot at 32 bytes (the default table is 512 KiB per worker).
 *
 * Defaults, chosen for a host on the open internet:
 *   100 datagrams/s (burst 200) and 64 KiB/s (burst 128 KiB) per source:
 *     far above what a person or a monitoring probe sends, and low enough
 *     that a victim whose address is spoofed receives at most ~0.5 Mbit/s
 *     from this host.
 *   global 10000 datagrams/s and 8 MiB/s (64 Mbit/s): bounds what echod can
 *     be made to send in total, whatever the number of spoofed sources.
 *   /32 and /64 keys, 16384 slots, loopback exempt (the guard accepts
 *     127/8 and ::1 only on the loopback interface, so they cannot be
 *     spoofed from outside, and local benchmarks are not throttled).
 */
#include "config.h"

#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/tbucket.h"
#include "guard/ratelimit.h"

#define RATELIMIT_MAX_SLOTS (1u << 24)

struct slot {
	uint64_t key[2];
	double last;		/* last refill = last time seen; 0 = free */
	float pkt, byte;	/* tokens */
};

struct ratelimit {
	struct ratelimit_conf c;	/* rates already scaled by share */
	struct slot *tab;
	uint32_t mask;
	size_t used;
	uint64_t evictions;
	uint64_t seed[2];
	struct tbucket gpkt, gbyte;
	bool started;
};

void
ratelimit_conf_defaults(struct ratelimit_conf *c)
{
	c->pps = 100;
	c->pps_burst = 200;
	c->bps = 64 * 1024;
	c->bps_burst = 128 * 1024;
	c->global_pps = 10000;
	c->global_bps = 8 * 1024 * 1024;
	c->v4_prefix = 32;
	c->v6_prefix = 64;
	c->exempt_loopback = true;
	c->table_size = 16384;
}

void
ratelimit_seed(uint64_t seed[2])
{
	if (getrandom(seed, 2 * sizeof(seed[0]), GRND_NONBLOCK) !=
	    (ssize_t)(2 * sizeof(seed[0]))) {
		/* Only predictable placement, not wrong results. */
		seed[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
		seed[1] = (uint64_t)getpid() * 0xc2b2ae3d27d4eb4fULL;
	}
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

uint64_t
ratelimit_hash(const uint64_t key[2], const uint64_t seed[2])
{
	return mix64(mix64(key[0] ^ seed[0]) ^ key[1] ^ seed[1]);
}

static void
mask_key(uint64_t key[2], unsigned prefix)
{
	if (prefix == 0) {
		key[0] = key[1] = 0;
	} else if (prefix <= 64) {
		key[0] &= prefix == 64 ? ~0ULL : ~(~0ULL >> prefix);
		key[1] = 0;
	} else if (prefix < 128) {
		key[1] &= ~(~0ULL >> (prefix - 64));
	}
}

static uint64_t
load_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int
ratelimit_source_key(const struct sockaddr *sa, unsigned v4_prefix,
    unsigned v6_prefix, uint64_t key[2])
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
	const uint8_t *b;

	if (sa->sa_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		key[0] = 0;
		key[1] = 0xffff00000000ULL | (uint64_t)b[0] << 24 |
		    (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
	} else if (sa->sa_family == AF_INET6) {
		key[0] = load_be64(in6->sin6_addr.s6_addr);
		key[1] = load_be64(in6->sin6_addr.s6_addr + 8);
	} else {
		return -1;
	}
	if (key[0] == 0 && (key[1] >> 32) == 0xffff)
		mask_key(key, 96 + (v4_prefix > 32 ? 32 : v4_prefix));
	else
		mask_key(key, v6_prefix > 128 ? 128 : v6_prefix);
	return 0;
}

bool
ratelimit_is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
	const uint8_t *b;

	if (sa->sa_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		return b[0] == 127;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
		return in6->sin6_addr.s6_addr[12] == 127;
	return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}

static int
conf_check(const struct ratelimit_conf *c, double share, char *err,
    size_t errlen)
{
	const double v[] = { c->pps, c->pps_burst, c->bps, c->bps_burst,
	    c->global_pps, c->global_bps, share };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!isfinite(v[i]) || v[i] < 0) {
			snprintf(err, errlen, "rates must be finite and >= 0");
			return -1;
		}
	if (share <= 0 || share > 1) {
		snprintf(err, errlen, "share must be in (0, 1]");
		return -1;
	}
	if ((c->pps > 0 && c->pps_burst < 1) || (c->bps > 0 && c->bps_burst < 1)) {
		snprintf(err, errlen, "a burst must be at least 1");
		return -1;
	}
	if (c->v4_prefix > 32 || c->v6_prefix > 128) {
		snprintf(err, errlen, "prefix lengths: IPv4 0-32, IPv6 0-128");
		return -1;
	}
	if (c->table_size < RATELIMIT_PROBE || c->table_size > RATELIMIT_MAX_SLOTS) {
		snprintf(err, errlen, "table size must be %d-%u", RATELIMIT_PROBE,
		    RATELIMIT_MAX_SLOTS);
		return -1;
	}
	return 0;
}

struct ratelimit *
ratelimit_new(const struct ratelimit_conf *c, double share, char *err,
    size_t errlen)
{
	struct ratelimit *rl;
	uint32_t n = RATELIMIT_PROBE;

	if (conf_check(c, share, err, errlen) == -1)
		return NULL;
	while (n < c->table_size)
		n <<= 1;
	rl = calloc(1, sizeof(*rl));
	if (rl == NULL || (rl->tab = calloc(n, sizeof(*rl->tab))) == NULL) {
		free(rl);
		snprintf(err, errlen, "out of memory for %u rate limit slots", n);
		return NULL;
	}
	rl->c = *c;
	rl->c.global_pps *= share;
	rl->c.global_bps *= share;
	rl->mask = n - 1;
	ratelimit_seed(rl->seed);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->tab);
	free(rl);
}

/* The slot of key: its own, a free one, or the least recently seen one in
 * its window (evicted).  Never fails. */
static struct slot *
slot_find(struct ratelimit *rl, const uint64_t key[2], double now)
{
	uint32_t h = (uint32_t)ratelimit_hash(key, rl->seed);
	struct slot *s, *free_slot = NULL, *oldest = NULL;

	for (uint32_t i = 0; i < RATELIMIT_PROBE; i++) {
		s = &rl->tab[(h + i) & rl->mask];
		if (s->last != 0 && s->key[0] == key[0] && s->key[1] == key[1])
			return s;
		if (s->last == 0) {
			if (free_slot == NULL)
				free_slot = s;
		} else if (oldest == NULL || s->last < oldest->last) {
			oldest = s;
		}
	}
	if (free_slot != NULL) {
		rl->used++;
		s = free_slot;
	} else {
		rl->evictions++;
		s = oldest;
	}
	s->key[0] = key[0];
	s->key[1] = key[1];
	s->pkt = (float)rl->c.pps_burst;
	s->byte = (float)rl->c.bps_burst;
	s->last = now > 0 ? now : 1e-9;	/* 0 marks a free slot */
	return s;
}

static void
slot_refill(const struct ratelimit *rl, struct slot *s, double now)
{
	double dt = now - s->last;

	if (dt > 0) {
		s->pkt = (float)tbucket_accrue(s->pkt, rl->c.pps,
		    rl->c.pps_burst, dt);
		s->byte = (float)tbucket_accrue(s->byte, rl->c.bps,
		    rl->c.bps_burst, dt);
		s->last = now;
	}
}

enum ratelimit_verdict
ratelimit_check(struct ratelimit *rl, const struct sockaddr *src,
    size_t bytes, double now)
{
	const struct ratelimit_conf *c = &rl->c;
	uint64_t key[2];
	struct slot *s = NULL;
	bool gp = c->global_pps > 0, gb = c->global_bps > 0;

	if (c->exempt_loopback && ratelimit_is_loopback(src))
		return RATELIMIT_PASS;
	if (!rl->started) {
		tbucket_init(&rl->gpkt, c->global_pps, now);
		tbucket_init(&rl->gbyte, c->global_bps, now);
		rl->started = true;
	}
	if ((c->pps > 0 || c->bps > 0) &&
	    ratelimit_source_key(src, c->v4_prefix, c->v6_prefix, key) == 0) {
		s = slot_find(rl, key, now);
		slot_refill(rl, s, now);
		if ((c->pps > 0 && s->pkt <= 0) || (c->bps > 0 && s->byte <= 0))
			return RATELIMIT_SOURCE;
	}
	if (gp)
		tbucket_refill(&rl->gpkt, c->global_pps, c->global_pps, now);
	if (gb)
		tbucket_refill(&rl->gbyte, c->global_bps, c->global_bps, now);
	if ((gp && rl->gpkt.tokens <= 0) || (gb && rl->gbyte.tokens <= 0))
		return RATELIMIT_GLOBAL;
	if (s != NULL && c->pps > 0)
		s->pkt -= 1;
	if (s != NULL && c->bps > 0)
		s->byte -= (float)bytes;
	if (gp)
		rl->gpkt.tokens -= 1;
	if (gb)
		rl->gbyte.tokens -= (double)bytes;
	return RATELIMIT_PASS;
}

size_t
ratelimit_used(const struct ratelimit *rl)
{
	return rl->used;
}

uint64_t
ratelimit_evictions(const struct ratelimit *rl)
{
	return rl->evictions;
}

size_t
ratelimit_table_bytes(const struct ratelimit *rl)
{
	return ((size_t)rl->mask + 1) * sizeof(struct slot);
}
