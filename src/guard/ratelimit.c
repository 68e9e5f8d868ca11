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
#include <stdio.h>
#include <stdlib.h>

#include "common/tbucket.h"
#include "guard/ratelimit.h"
#include "guard/srctable.h"

struct slot {
	struct srctable_slot h;	/* h.last: last refill = last time seen */
	float pkt, byte;	/* tokens */
};

struct ratelimit {
	struct ratelimit_conf c;	/* rates already scaled by share */
	struct srctable tab;
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
	if (srctable_check_prefixes(c->v4_prefix, c->v6_prefix, err,
	    errlen) < 0)
		return -1;
	if (c->table_size < SRCTABLE_PROBE || c->table_size > SRCTABLE_MAX_SLOTS) {
		snprintf(err, errlen, "table size must be %d-%u", SRCTABLE_PROBE,
		    SRCTABLE_MAX_SLOTS);
		return -1;
	}
	return 0;
}

struct ratelimit *
ratelimit_new(const struct ratelimit_conf *c, double share, char *err,
    size_t errlen)
{
	struct ratelimit *rl;

	if (conf_check(c, share, err, errlen) == -1)
		return NULL;
	if ((rl = calloc(1, sizeof(*rl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (srctable_init(&rl->tab, c->table_size, sizeof(struct slot), err,
	    errlen) < 0) {
		free(rl);
		return NULL;
	}
	rl->c = *c;
	rl->c.global_pps *= share;
	rl->c.global_bps *= share;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	srctable_fini(&rl->tab);
	free(rl);
}

/* The slot of key: its own, a free one, or the least recently seen one in
 * its window (evicted).  Never fails. */
static struct slot *
slot_find(struct ratelimit *rl, const uint64_t key[2], double now)
{
	struct slot *s = srctable_lookup(&rl->tab, key, now);

	if (s == NULL) {
		s = srctable_claim(&rl->tab, key, now, NULL);
		s->pkt = (float)rl->c.pps_burst;
		s->byte = (float)rl->c.bps_burst;
	}
	return s;
}

static void
slot_refill(const struct ratelimit *rl, struct slot *s, double now)
{
	double dt = now - s->h.last;

	if (dt > 0) {
		s->pkt = (float)tbucket_accrue(s->pkt, rl->c.pps,
		    rl->c.pps_burst, dt);
		s->byte = (float)tbucket_accrue(s->byte, rl->c.bps,
		    rl->c.bps_burst, dt);
		s->h.last = now;
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

	if (c->exempt_loopback && srctable_is_loopback(src))
		return RATELIMIT_PASS;
	if (!rl->started) {
		tbucket_init(&rl->gpkt, c->global_pps, now);
		tbucket_init(&rl->gbyte, c->global_bps, now);
		rl->started = true;
	}
	if ((c->pps > 0 || c->bps > 0) &&
	    srctable_key(src, c->v4_prefix, c->v6_prefix, key) == 0) {
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
	return rl->tab.used;
}

uint64_t
ratelimit_evictions(const struct ratelimit *rl)
{
	return rl->tab.evictions;
}

size_t
ratelimit_table_bytes(const struct ratelimit *rl)
{
	return srctable_bytes(&rl->tab);
}
