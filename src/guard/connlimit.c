/*
 * connlimit: the shared per-source connection table.
 *
 * Defaults, for a host on the open internet: 32 open connections and 10 new
 * connections/s (burst 20) per /32 or /64.  An echo client needs one or two
 * connections; 32 leaves room for a NAT gateway full of users, while one
 * source can hold at most 32 buffers (32 x buffer_size of memory) and cannot
 * churn through accept() faster than 10/s.  Loopback is exempt.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tbucket.h"
#include "guard/connlimit.h"
#include "guard/srctable.h"

struct cslot {
	struct srctable_slot h;	/* h.last: last refill */
	float tokens;
	uint32_t count;		/* open connections */
};

struct connlimit {
	pthread_mutex_t lock;
	struct connlimit_conf c;
	struct srctable tab;
};

void
connlimit_conf_defaults(struct connlimit_conf *c)
{
	c->per_source = 32;
	c->rate = 10;
	c->burst = 20;
	c->v4_prefix = 32;
	c->v6_prefix = 64;
	c->exempt_loopback = true;
}

static int
conf_check(const struct connlimit_conf *c, char *err, size_t errlen)
{
	if (!isfinite(c->rate) || c->rate < 0 || !isfinite(c->burst) ||
	    (c->rate > 0 && c->burst < 1)) {
		snprintf(err, errlen, "connection rate must be >= 0 with a "
		    "burst >= 1");
		return -1;
	}
	if (srctable_check_prefixes(c->v4_prefix, c->v6_prefix, err,
	    errlen) < 0)
		return -1;
	return 0;
}

struct connlimit *
connlimit_new(const struct connlimit_conf *c, uint32_t table_size, char *err,
    size_t errlen)
{
	struct connlimit *cl;

	if (conf_check(c, err, errlen) == -1)
		return NULL;
	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (srctable_init(&cl->tab, table_size, sizeof(struct cslot), err,
	    errlen) < 0) {
		free(cl);
		return NULL;
	}
	if (pthread_mutex_init(&cl->lock, NULL) != 0) {
		srctable_fini(&cl->tab);
		free(cl);
		snprintf(err, errlen, "cannot create a mutex");
		return NULL;
	}
	cl->c = *c;
	return cl;
}

void
connlimit_free(struct connlimit *cl)
{
	if (cl == NULL)
		return;
	pthread_mutex_destroy(&cl->lock);
	srctable_fini(&cl->tab);
	free(cl);
}

int
connlimit_configure(struct connlimit *cl, const struct connlimit_conf *c,
    char *err, size_t errlen)
{
	if (conf_check(c, err, errlen) == -1)
		return -1;
	pthread_mutex_lock(&cl->lock);
	cl->c = *c;
	pthread_mutex_unlock(&cl->lock);
	return 0;
}

/* A source with open connections keeps its slot, so counts stay right. */
static bool
evictable(const void *slot)
{
	return ((const struct cslot *)slot)->count == 0;
}

static enum connlimit_verdict
acquire_locked(struct connlimit *cl, const uint64_t key[2], double now)
{
	const struct connlimit_conf *c = &cl->c;
	struct cslot *s = srctable_lookup(&cl->tab, key, now);

	if (s == NULL) {
		if ((s = srctable_claim(&cl->tab, key, now, evictable)) == NULL)
			return CONNLIMIT_TABLE_FULL;
		s->tokens = (float)c->burst;
	}
	if (now > s->h.last) {
		s->tokens = (float)tbucket_accrue(s->tokens, c->rate, c->burst,
		    now - s->h.last);
		s->h.last = now;
	}
	if (c->rate > 0 && s->tokens < 1)
		return CONNLIMIT_RATE;
	if (c->per_source > 0 && s->count >= c->per_source)
		return CONNLIMIT_COUNT;
	if (c->rate > 0)
		s->tokens -= 1;
	s->count++;
	return CONNLIMIT_PASS;
}

enum connlimit_verdict
connlimit_acquire(struct connlimit *cl, const struct sockaddr *src,
    double now, struct connlimit_ticket *t)
{
	enum connlimit_verdict v;
	uint64_t key[2];

	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&cl->lock);
	t->p4 = (uint8_t)cl->c.v4_prefix;
	t->p6 = (uint8_t)cl->c.v6_prefix;
	if ((cl->c.exempt_loopback && srctable_is_loopback(src)) ||
	    srctable_key(src, t->p4, t->p6, key) == -1) {
		pthread_mutex_unlock(&cl->lock);
		return CONNLIMIT_PASS;
	}
	v = acquire_locked(cl, key, now);
	t->tracked = v == CONNLIMIT_PASS;
	pthread_mutex_unlock(&cl->lock);
	return v;
}

void
connlimit_release(struct connlimit *cl, const struct sockaddr *src,
    struct connlimit_ticket *t)
{
	struct cslot *s;
	uint64_t key[2];

	if (!t->tracked || srctable_key(src, t->p4, t->p6, key) == -1)
		return;
	pthread_mutex_lock(&cl->lock);
	s = srctable_lookup(&cl->tab, key, 0);
	/* Open connections pin their slot, so it is always found. */
	if (s != NULL && s->count > 0)
		s->count--;
	pthread_mutex_unlock(&cl->lock);
	t->tracked = false;
}

uint32_t
connlimit_count(struct connlimit *cl, const struct sockaddr *src)
{
	uint64_t key[2];
	struct cslot *s;
	uint32_t n = 0;

	pthread_mutex_lock(&cl->lock);
	if (srctable_key(src, cl->c.v4_prefix, cl->c.v6_prefix,
	    key) == 0 && (s = srctable_lookup(&cl->tab, key, 0)) != NULL)
		n = s->count;
	pthread_mutex_unlock(&cl->lock);
	return n;
}
