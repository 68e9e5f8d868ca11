/*
 * worker: one thread with its own libev loop, serving its share of every
 * listener (its own SO_REUSEPORT socket, or the shared systemd fd).  The
 * worker owns the thread, the loop, the command mailbox and the set of
 * listeners it watches; what happens on a socket belongs to the listener's
 * protocol (tcp*.c, udp.c), which the worker knows only through the table
 * of hooks below.  So the protocols depend on the worker, never the
 * reverse.
 *
 * The main thread talks to a worker only through its mailbox: it posts a
 * command (worker_post), wakes the worker with ev_async and waits for the
 * acknowledgement (worker_wait) for a bounded time; the worker also tells
 * the main loop (env->acked) whenever it acknowledged, so a late worker
 * is caught up with instead of being raced.  A posted listener set is
 * never overwritten before the worker took it: a second one is refused
 * while the first is unacknowledged.  Drain and stop are flags, which a
 * later post never undoes.  Nothing else is shared but the listener
 * objects (immutable settings; counters with one writer per worker), the
 * logger and what the daemon put in struct worker_env.
 */
#ifndef ECHOD_WORKER_H
#define ECHOD_WORKER_H

#include <ev.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/stats.h"
#include "conf/conf.h"
#include "daemon/fdstore.h"

struct listener;
struct worker;
struct tcp_totals;

/* The worker's view of one listener: the watcher on its socket. */
struct wlistener {
	ev_io io;			/* first: the callback casts back */
	struct worker *w;
	struct listener *l;
	struct stats *st;		/* this worker's counters for l */
	void *state;			/* the protocol's, for this pair */
};

/* A connection on its way to or from the next echod (handover.c). */
struct worker_handoff {
	struct fdstore_conn rec;	/* its socket and state */
	char listener[CONF_NAME_MAX];	/* take: its listener's name */
	struct listener *l;		/* adopt: the listener it joins */
};
struct worker_handoffs {
	struct worker_handoff *v;
	size_t n, cap;
};

/* What a protocol gives the workers.  Every hook runs on the worker's
 * thread; only readable_cb is required. */
struct worker_proto {
	/* The listening socket is readable (wl->io). */
	void (*readable_cb)(struct ev_loop *loop, ev_io *io, int revents);
	/* Per-worker state in w->state[proto]: 0, or -1 with err (the worker
	 * is not created).  fini also runs after a failed init. */
	int (*worker_init)(struct worker *w, char *err, size_t errlen);
	void (*worker_fini)(struct worker *w);
	/* Per-listener state in wl->state: 0, or -1 with err (the worker
	 * then does not serve that listener). */
	int (*listener_init)(struct wlistener *wl, char *err, size_t errlen);
	void (*listener_fini)(struct wlistener *wl);
	/* The listener set changed (a reload was applied). */
	void (*applied)(struct worker *w);
	/* Drain: stop reading, finish what is pending, end gracefully. */
	void (*drain)(struct worker *w);
	/* Close everything now (the worker is stopping). */
	void (*stop)(struct worker *w);
	/* Once per loop iteration, after libev invoked every callback. */
	void (*after_callbacks)(struct worker *w);
	/* A restart's hand-over: stop reading, write out what is pending. */
	void (*handover)(struct worker *w);
	/* Connections still writing out. */
	size_t (*handover_pending)(struct worker *w);
	/* Give up (append to hs, without closing) every connection that
	 * wrote everything out; close the others as a drain deadline does.
	 * -1 when out of memory (what was not appended is closed). */
	int (*handover_take)(struct worker *w, struct worker_handoffs *hs);
	/* Take over a connection of the previous echod into wl: h->rec.fd
	 * belongs to the protocol from then on. */
	void (*adopt)(struct wlistener *wl, const struct worker_handoff *h);
};

/* What the daemon gives every worker; it outlives them. */
struct worker_env {
	struct logger *log;
	uint32_t nworkers;
	bool io_uring;			/* the setting, as read at start */
	bool splice;			/* likewise */
	struct ev_loop *main_loop;
	ev_async *drained;		/* sent when a worker finished draining */
	ev_async *acked;		/* sent when a worker acknowledged */
	struct tcp_totals *tcp_totals;	/* connection counts of all workers */
	const struct worker_proto *protos[CONF_PROTO_COUNT];
};

enum worker_cmd {
	WORKER_APPLY,	/* serve exactly the listeners in cmd_set */
	WORKER_DRAIN,	/* stop accepting, finish connections gracefully */
	WORKER_STOP,	/* close everything now and leave the loop */
	WORKER_HANDOVER,/* a restart: stop accepting and reading, write out */
	WORKER_TAKE,	/* give up the written-out connections (cmd_take) */
	WORKER_ADOPT,	/* take over the connections in cmd_adopt */
};

struct worker {
	const struct worker_env *env;
	struct logger *log;
	uint32_t index;
	struct ev_loop *loop;
	/* The monotonic clock (clock.h), read once per loop iteration before
	 * the callbacks run: every duration, age, rate and timeout on this
	 * thread is measured with it.  libev's ev_now() is the wall clock,
	 * which a step of the system time moves (ev_timer intervals are
	 * monotonic, but a stored timestamp compared with ev_now() is not). */
	double now;
	pthread_t thread;
	int started;

	/* command mailbox (main -> worker), under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* on CLOCK_MONOTONIC */
	ev_async cmd_async;
	struct listener **cmd_set;	/* WORKER_APPLY: the set to serve */
	size_t cmd_nset;
	bool cmd_apply, cmd_drain, cmd_stop;	/* posted, not yet taken */
	bool cmd_handover;
	struct worker_handoffs *cmd_take, *cmd_adopt;	/* NULL: none */
	uint64_t cmd_seq, cmd_done;	/* commands posted, acknowledged */

	struct wlistener **wls;		/* listeners being served */
	size_t nwls;
	void *state[CONF_PROTO_COUNT];	/* each protocol's (worker_init) */
	uint32_t nconns;		/* open connections, all protocols */
	int draining;
	int drained;			/* atomic: read by main */
	int handing_over;
	uint32_t flushing;		/* atomic: connections still writing
					 * out in a hand-over, read by main */
	struct log_ratelimit peer_rl;	/* peer-caused messages */
};

struct worker *worker_new(const struct worker_env *env, uint32_t index,
    char *err, size_t errlen);
int worker_start(struct worker *w);
/* Post a command without waiting.  For WORKER_APPLY, `set` holds
 * references the caller keeps until the worker acknowledged; -1 (nothing
 * posted) while an earlier set is unacknowledged.  DRAIN and STOP always
 * post.  0/-1. */
int worker_post(struct worker *w, enum worker_cmd cmd,
    struct listener **set, size_t nset);
/* Wait until the worker acknowledged everything posted, or until
 * `deadline` (clock_mono() seconds): 0 acknowledged, -1 not yet. */
int worker_wait(struct worker *w, double deadline);
/* Everything posted has been acknowledged. */
bool worker_idle(struct worker *w);
/* Post, then wait WORKER_COMMAND_WAIT seconds.  0/-1. */
#define WORKER_COMMAND_WAIT 10.0
int worker_command(struct worker *w, enum worker_cmd cmd,
    struct listener **set, size_t nset);
/* Post WORKER_HANDOVER, WORKER_TAKE or WORKER_ADOPT (with hs) and wait
 * WORKER_COMMAND_WAIT seconds.  0/-1. */
int worker_command_handoff(struct worker *w, enum worker_cmd cmd,
    struct worker_handoffs *hs);
/* In a hand-over: connections of w still writing out. */
uint32_t worker_flushing(struct worker *w);
void worker_join(struct worker *w);
void worker_free(struct worker *w);
int worker_is_drained(struct worker *w);

/* For the protocols: a connection opened or closed (the drain finished
 * when none is left), and start or stop watching a listening socket. */
void worker_conn_opened(struct worker *w);
void worker_conn_closed(struct worker *w);
void worker_watch(struct wlistener *wl, bool on);
/* A peer refused or a datagram dropped, at info and rate-limited per
 * worker (the counters see every one): "WHAT from HOST port N on
 * LISTENER: REASON", with the journal fields of a peer. */
/* The same for a connection that came through a balancer (proxy: its
 * address, in the journal as PROXY_ADDRESS; NULL: none), with a detail
 * after the reason (NULL: none). */
void worker_log_drop_via(struct wlistener *wl, const struct sockaddr *peer,
    const struct sockaddr *proxy, enum stat_id why, enum log_event ev,
    const char *what, const char *detail);
void worker_log_drop(struct wlistener *wl, const struct sockaddr *peer,
    enum stat_id why, enum log_event ev, const char *what);

#endif
