/*
 * listener: one configured listener at run time: its sockets (one per worker
 * with SO_REUSEPORT when echod binds them itself, or the single fd systemd
 * passed in), an immutable copy of its settings, and its counters.
 *
 * A listener object never changes its settings.  A reload that changes a
 * listener's settings but not its socket makes a new object that takes over
 * the sockets and the counters (struct lcounters, shared by name), so
 * connections accepted before the reload keep the settings they started
 * with.  Objects are reference-counted: the running set holds one reference
 * and each open connection one, so a removed listener lives until its last
 * connection closes.
 */
#ifndef ECHOD_LISTENER_H
#define ECHOD_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "common/stats.h"
#include "daemon/protect.h"

struct echod;
struct service_fd;
struct protect;
struct connlimit;

/* Counters of a listener name, shared by the successive objects of that
 * listener across reloads.  stats[i] is written by worker i only. */
struct lcounters {
	int refs;			/* atomic */
	uint32_t conns;			/* open TCP connections, atomic */
	struct connlimit *by_source;	/* TCP per-source limits (protect.h) */
	struct lcounters *next_retired;	/* daemon's list of removed ones */
	uint32_t nworkers;
	struct stats stats[];
};

struct listener {
	int refs;			/* atomic: the set + open connections */
	struct lconf conf;		/* settings, immutable */
	char bound[ADDR_STRLEN];	/* "127.0.0.1:8888" as actually bound */
	int *fds;			/* nfds sockets: one per worker, or one shared */
	uint32_t nfds;
	bool inherited;			/* fds[0] came from systemd */
	/* Datagrams: the sockets are bound to a wildcard (read back from
	 * the socket, not the config: an inherited one may differ), so
	 * replies carry pktinfo to leave from the address each request was
	 * sent to. */
	bool reply_pktinfo;
	/* Datagrams: per socket in fds, the kernel's count of datagrams
	 * dropped on a full receive buffer that the counters already hold
	 * (atomic; the workers sharing an inherited socket share its slot).
	 * Moves with the sockets. */
	uint32_t *rcvbuf_seen;
	bool stored;			/* fds came from the fd store (the previous
					 * echod's): owned, closed on retire */
	struct service_fd *sfd;		/* the inherited fd's record, else NULL */
	struct lcounters *counters;
	struct protect *prot;		/* ACL, UDP guard, limits (protect.h) */
};

/* Open (or adopt from `sfds`) the sockets for `lc`, with new counters, or
 * with `counters` (a listener that keeps its name and moves to another
 * socket carries its counts on).  `own`: the ports lc's configuration
 * answers UDP on, for the guard (protect.h).  `share`: a UDP socket binds
 * beside running ones of ours on its port (listener_udp_share).  NULL with
 * a reason in err on failure (nothing is left open). */
struct listener *listener_open(const struct lconf *lc,
    const struct protect_ports *own, uint32_t nworkers,
    struct service_fd *sfds, size_t nsfds, struct lcounters *counters,
    bool share, char *err, size_t errlen);
/* UDP sockets are exclusive (no SO_REUSEADDR: another user could bind a
 * more specific address on the port).  A reload that replaces one by a new
 * socket on the same port (another address on it, a udp listener turned
 * stamp) turns it on for the moment of the new bind, then off again. */
void listener_udp_share(struct listener *l, bool on);
/* A new object with settings `lc` and no sockets yet (for a reload). */
struct listener *listener_new(const struct lconf *lc,
    const struct protect_ports *own);
/* l takes over old's sockets and counters; old keeps no fds.  Never fails,
 * so a reload can commit after everything that can fail has been done. */
void listener_take_over(struct listener *l, struct listener *old);
/* Close the sockets (inherited ones are left open and returned to the pool
 * of unused systemd fds), then drop the set's reference. */
void listener_retire(struct listener *l);
void listener_ref(struct listener *l);
void listener_unref(struct listener *l);
/* The fd worker `index` watches, and its rcvbuf_seen slot (NULL if the
 * listener has none). */
int listener_fd(const struct listener *l, uint32_t index);
uint32_t *listener_rcvbuf_seen(const struct listener *l, uint32_t index);

void lcounters_ref(struct lcounters *c);
void lcounters_unref(struct lcounters *c);
void lcounters_sum(const struct lcounters *c, struct stats *out);


#endif
