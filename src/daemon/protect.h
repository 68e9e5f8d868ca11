/*
 * protect: what the daemon core calls to apply the guard to a listener.  A
 * `struct protect` is built from one listener's settings (its struct
 * guard_lconf) and is immutable afterwards, like the listener object that
 * owns it; every worker reads it without locks.  Mutable state lives with
 * its owner: a worker's UDP source table (struct ratelimit, one per worker
 * and listener) and the listener's TCP source table (struct connlimit,
 * shared by the successive objects of one listener across reloads).
 *
 * The per-datagram call, protect_udp(), allocates nothing and formats
 * nothing; its cost is a few comparisons, a bitmap test, an ACL scan (empty
 * by default) and one hashed table probe.
 */
#ifndef ECHOD_PROTECT_H
#define ECHOD_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "guard/acl.h"
#include "guard/connlimit.h"
#include "guard/udp_guard.h"
#include "guard/ratelimit.h"
#include "common/stats.h"

struct lconf;

struct protect {
	struct acl acl;
	struct acl proxy_from;		/* allow list only: proxy_protocol_from */
	struct udp_guard guard;
	struct ratelimit_conf udp;	/* template for each worker's table */
	struct connlimit_conf tcp;
	bool any_acl;
};

/* The ports a configuration answers UDP on: its UDP echo listeners' and
 * its STAMP listeners'.  A datagram from one of them is an answer of ours,
 * or claims to be; echoing it would start a loop, here between two of the
 * listeners or across a fleet that runs the same configuration. */
struct protect_ports {
	uint16_t *echo;
	size_t necho;
	uint16_t *stamp;
	size_t nstamp;
};

struct conf;
/* 0, or -1 when out of memory. */
int protect_ports_init(struct protect_ports *own, const struct conf *c);
void protect_ports_free(struct protect_ports *own);

/* NULL (reason in err) if a setting cannot be applied or memory is short.
 * own: the ports of lc's configuration, NULL for lc's own alone. */
struct protect *protect_new(const struct lconf *lc,
    const struct protect_ports *own, char *err, size_t errlen);
/* Would protect_new(lc, own) drop other source ports than p does?  Then a
 * listener whose settings did not change still needs a new guard. */
bool protect_ports_changed(const struct protect *p, const struct lconf *lc,
    const struct protect_ports *own);
void protect_free(struct protect *p);

/* May this source use the listener at all? */
static inline bool
protect_permits(const struct protect *p, const struct sockaddr *src)
{
	return !p->any_acl || acl_permits(&p->acl, src);
}

/* May this source send a PROXY header (proxy_protocol_from)?  An empty
 * list believes nobody. */
static inline bool
protect_proxy_from(const struct protect *p, const struct sockaddr *src)
{
	return acl_list_match(&p->proxy_from.allow, src);
}

/* UDP: does the guard need each datagram's destination (pktinfo)? */
static inline bool
protect_udp_wants_dst(const struct protect *p)
{
	return p->guard.check_dst || p->guard.check_loopback;
}

/* UDP: a worker's source table for this listener; rates are divided among
 * nworkers so the configured totals hold.  NULL on no memory. */
struct ratelimit *protect_udp_limiter(const struct protect *p,
    uint32_t nworkers, char *err, size_t errlen);
/* One received datagram (h: its recvmsg header with control data, or NULL
 * when the socket has no pktinfo).  ST_COUNT to echo it, else the drop
 * reason to count.  rl may be NULL (no rate limits). */
enum stat_id protect_udp(const struct protect *p, struct ratelimit *rl,
    const struct sockaddr *src, const struct msghdr *h, size_t len,
    double now);

/* TCP: the source table of a listener, and its limits after a reload. */
struct connlimit *protect_tcp_table(const struct protect *p,
    uint32_t max_connections, char *err, size_t errlen);
int protect_tcp_configure(const struct protect *p, struct connlimit *cl,
    char *err, size_t errlen);
/* A new connection: ST_COUNT to keep it (then hand *t to connlimit_release
 * when it closes), else the reason to refuse it. */
enum stat_id protect_tcp_admit(const struct protect *p, struct connlimit *cl,
    const struct sockaddr *src, double now, struct connlimit_ticket *t);

#endif
