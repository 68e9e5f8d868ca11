/*
 * protect: a listener's guard, access list and limits built from its
 * settings, and the checks in the order that keeps the common path cheap:
 * the loop guard (no state), the access list, then the rate limits (which
 * touch state, so a datagram dropped earlier costs no bucket tokens).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/protect.h"

static int
build_acl(struct protect *p, const struct guard_lconf *g, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < g->allow.n; i++)
		if (acl_list_add(&p->acl.allow, g->allow.v[i], err, errlen) < 0)
			return -1;
	for (size_t i = 0; i < g->deny.n; i++)
		if (acl_list_add(&p->acl.deny, g->deny.v[i], err, errlen) < 0)
			return -1;
	p->any_acl = !acl_is_empty(&p->acl);
	for (size_t i = 0; i < g->proxy_protocol_from.n; i++)
		if (acl_list_add(&p->proxy_from.allow, g->proxy_protocol_from.v[i],
		    err, errlen) < 0)
			return -1;
	return 0;
}

/* The source ports dropped: the configured list and, while it is not
 * empty, the ports the configuration answers UDP on (struct
 * protect_ports).  A UDP echo listener drops them all whatever the source
 * address: an echod elsewhere on the same ports (a fleet) answers back, so
 * a datagram spoofed from one member's port to another's would bounce
 * between them until a rate limit cut in.  A STAMP listener drops the UDP
 * echo ports the same way, the other STAMP listeners' ports only from this
 * host (in on lo: two reflectors of one echod answering each other), and
 * not its own: Session-Senders send from 862 too (stamp-suite's does by
 * default), and must be answered. */
static int
build_ports(struct udp_guard *ug, const struct lconf *lc,
    const struct protect_ports *own)
{
	uint16_t self = lc->port;
	struct protect_ports alone = {
		.echo = lc->proto == CONF_UDP ? &self : NULL,
		.necho = lc->proto == CONF_UDP,
		.stamp = lc->proto == CONF_STAMP ? &self : NULL,
		.nstamp = lc->proto == CONF_STAMP,
	};

	if (own == NULL)
		own = &alone;
	for (size_t i = 0; i < own->necho; i++)
		udp_guard_port_set(ug, own->echo[i], true);
	for (size_t i = 0; i < own->nstamp; i++) {
		if (lc->proto != CONF_STAMP)
			udp_guard_port_set(ug, own->stamp[i], true);
		else if (own->stamp[i] != lc->port &&
		    udp_guard_lo_port_add(ug, own->stamp[i]) < 0)
			return -1;
	}
	return 0;
}

static int
build_guard(struct udp_guard *ug, const struct lconf *lc,
    const struct protect_ports *own, char *err, size_t errlen)
{
	const struct guard_lconf *g = &lc->guard;

	udp_guard_init(ug);
	memset(ug->ports, 0, sizeof(ug->ports));
	for (size_t i = 0; i < g->udp_drop_source_ports.n; i++) {
		int64_t port = g->udp_drop_source_ports.v[i];

		if (port < 0 || port > 65535) {
			snprintf(err, errlen, "source port %lld out of range",
			    (long long)port);
			return -1;
		}
		udp_guard_port_set(ug, (uint16_t)port, true);
	}
	ug->check_src_port = g->udp_drop_source_ports.n > 0;
	if (ug->check_src_port && lc->proto != CONF_TCP &&
	    build_ports(ug, lc, own) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ug->check_bogon_src = g->udp_drop_bogon_sources;
	ug->check_dst = g->udp_drop_broadcast;
	ug->check_loopback = g->udp_loopback_only_on_lo;
	return 0;
}

static void
ports_add(uint16_t *v, size_t *n, uint16_t port)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == port)
			return;
	v[(*n)++] = port;
}

int
protect_ports_init(struct protect_ports *own, const struct conf *c)
{
	size_t n = c->nlisteners ? c->nlisteners : 1;

	memset(own, 0, sizeof(*own));
	own->echo = malloc(n * sizeof(*own->echo));
	own->stamp = malloc(n * sizeof(*own->stamp));
	if (own->echo == NULL || own->stamp == NULL) {
		protect_ports_free(own);
		return -1;
	}
	for (size_t i = 0; i < c->nlisteners; i++) {
		const struct lconf *lc = &c->listeners[i];

		if (lc->proto == CONF_UDP)
			ports_add(own->echo, &own->necho, lc->port);
		else if (lc->proto == CONF_STAMP)
			ports_add(own->stamp, &own->nstamp, lc->port);
	}
	return 0;
}

void
protect_ports_free(struct protect_ports *own)
{
	free(own->echo);
	free(own->stamp);
	memset(own, 0, sizeof(*own));
}

bool
protect_ports_changed(const struct protect *p, const struct lconf *lc,
    const struct protect_ports *own)
{
	struct udp_guard *ug = malloc(sizeof(*ug));
	char err[128];
	bool changed = true;

	/* Out of memory: "changed", and the new guard's allocation fails
	 * the reload with its reason. */
	if (ug != NULL && build_guard(ug, lc, own, err, sizeof(err)) == 0)
		changed = !udp_guard_same_ports(&p->guard, ug);
	if (ug != NULL)
		udp_guard_fini(ug);
	free(ug);
	return changed;
}

static void
build_limits(struct protect *p, const struct guard_lconf *g)
{
	struct ratelimit_conf *u = &p->udp;
	struct connlimit_conf *t = &p->tcp;

	u->pps = g->udp_source_rate;
	u->pps_burst = g->udp_source_burst;
	u->bps = g->udp_source_bytes;
	u->bps_burst = g->udp_source_bytes_burst;
	u->global_pps = g->udp_total_rate;
	u->global_bps = g->udp_total_bytes;
	u->v4_prefix = g->source_prefix4;
	u->v6_prefix = g->source_prefix6;
	u->exempt_loopback = !g->limit_loopback;
	u->table_size = g->udp_sources_tracked;
	t->per_source = g->max_connections_per_source;
	t->rate = g->connection_rate;
	t->burst = g->connection_burst;
	t->v4_prefix = g->source_prefix4;
	t->v6_prefix = g->source_prefix6;
	t->exempt_loopback = !g->limit_loopback;
}

struct protect *
protect_new(const struct lconf *lc, const struct protect_ports *own,
    char *err, size_t errlen)
{
	struct protect *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	acl_init(&p->acl);
	acl_init(&p->proxy_from);
	if (build_acl(p, &lc->guard, err, errlen) < 0 ||
	    build_guard(&p->guard, lc, own, err, errlen) < 0) {
		protect_free(p);
		return NULL;
	}
	build_limits(p, &lc->guard);
	return p;
}

void
protect_free(struct protect *p)
{
	if (p == NULL)
		return;
	acl_free(&p->acl);
	acl_free(&p->proxy_from);
	udp_guard_fini(&p->guard);
	free(p);
}

struct ratelimit *
protect_udp_limiter(const struct protect *p, uint32_t nworkers, char *err,
    size_t errlen)
{
	const struct ratelimit_conf *u = &p->udp;

	if (u->pps == 0 && u->bps == 0 && u->global_pps == 0 &&
	    u->global_bps == 0)
		return NULL;
	return ratelimit_new(u, 1.0 / (nworkers > 0 ? nworkers : 1), err,
	    errlen);
}

enum stat_id
protect_udp(const struct protect *p, struct ratelimit *rl,
    const struct sockaddr *src, const struct msghdr *h, size_t len,
    double now)
{
	struct udp_guard_dst dst;
	enum udp_guard_verdict v;

	if (h != NULL && h->msg_controllen > 0) {
		udp_guard_dst_parse(h, &dst);
		v = udp_guard_check(&p->guard, src, &dst);
	} else {
		v = udp_guard_check(&p->guard, src, NULL);
	}
	if (v != UDP_GUARD_PASS)
		return udp_guard_stat(v);
	if (!protect_permits(p, src))
		return ST_DROP_ACL;
	if (rl != NULL) {
		switch (ratelimit_check(rl, src, len, now)) {
		case RATELIMIT_SOURCE:
			return ST_DROP_RATE_SOURCE;
		case RATELIMIT_GLOBAL:
			return ST_DROP_RATE_GLOBAL;
		case RATELIMIT_PASS:
			break;
		}
	}
	return ST_COUNT;
}

struct connlimit *
protect_tcp_table(const struct protect *p, uint32_t max_connections,
    char *err, size_t errlen)
{
	uint32_t size = 4096;

	/* Four slots per possible connection keep probe windows mostly free,
	 * so CONNLIMIT_TABLE_FULL needs an unusual crowd of real peers. */
	while (max_connections != 0 && size / 4 < max_connections &&
	    size < (1u << 22))
		size <<= 1;
	if (max_connections == 0)
		size = 1u << 16;
	return connlimit_new(&p->tcp, size, err, errlen);
}

int
protect_tcp_configure(const struct protect *p, struct connlimit *cl,
    char *err, size_t errlen)
{
	return connlimit_configure(cl, &p->tcp, err, errlen);
}

enum stat_id
protect_tcp_admit(const struct protect *p, struct connlimit *cl,
    const struct sockaddr *src, double now, struct connlimit_ticket *t)
{
	memset(t, 0, sizeof(*t));
	if (!protect_permits(p, src))
		return ST_DROP_ACL;
	if (cl == NULL)
		return ST_COUNT;
	switch (connlimit_acquire(cl, src, now, t)) {
	case CONNLIMIT_PASS:
		return ST_COUNT;
	case CONNLIMIT_COUNT:
		return ST_DROP_CONN_PER_SOURCE;
	case CONNLIMIT_RATE:
		return ST_DROP_CONN_RATE;
	case CONNLIMIT_TABLE_FULL:
		break;
	}
	return ST_DROP_CONN_TABLE;
}
