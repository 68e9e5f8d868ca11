/*
 * worker: one thread with its own libev loop, serving its share of every
 * listener (its own SO_REUSEPORT socket, or the shared systemd fd) and
 * owning the TCP connections it accepted.
 *
 * The main thread talks to a worker only through worker_command(): it posts
 * one command, wakes the worker with ev_async and waits for the worker to
 * acknowledge.  Nothing else is shared but the listener objects (immutable
 * settings; counters with one writer per worker) and the logger.
 */
#ifndef ECHOD_WORKER_H
#define ECHOD_WORKER_H

#include <ev.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "common/log.h"
#include "common/stats.h"

struct echod;
struct listener;
struct conn;
struct buf;
struct iobatch;

/* The worker's view of one listener: the watcher on its socket. */
struct wlistener {
	ev_io io;			/* first: the callback casts back */
	ev_timer retry;			/* re-arm after EMFILE or max_connections */
	struct worker *w;
	struct listener *l;
	struct stats *st;		/* this worker's counters for l */
	struct ratelimit *rl;		/* UDP per-source limits (protect.h) */
	int paused;			/* at max_connections or out of fds */
	int at_limit;			/* paused by max_connections, logged */
};

/* Connections with the same idle timeout, least recently active first:
 * one timer per queue instead of one per connection (libev's "be smart
 * about timeouts", strategy 4). */
struct idleq {
	TAILQ_HEAD(, conn) conns;
	double timeout;			/* 0: never times out */
	ev_timer timer;
	struct worker *w;
};

#define WORKER_MAX_IDLEQS 255	/* distinct idle timeouts; an index fits a byte */

enum worker_cmd {
	WORKER_APPLY,	/* serve exactly the listeners in cmd_set */
	WORKER_DRAIN,	/* stop accepting, finish connections gracefully */
	WORKER_STOP,	/* close everything now and leave the loop */
};

struct worker {
	struct echod *d;
	struct logger *log;
	uint32_t index;
	struct ev_loop *loop;
	pthread_t thread;
	int started;

	/* command mailbox (main -> worker) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	ev_async cmd_async;
	enum worker_cmd cmd;
	struct listener **cmd_set;
	size_t cmd_nset;
	uint64_t cmd_seq, cmd_done;

	struct wlistener **wls;		/* listeners being served */
	size_t nwls;
	struct idleq **idleqs;		/* indexed by conn->qi */
	size_t nidleqs;
	uint32_t nconns;
	int draining;
	int drained;			/* atomic: read by main */

	/* TCP: read here first; a connection gets its own buffer only when
	 * the peer does not take the echo at once. */
	unsigned char *scratch;
	size_t scratch_size;
	struct buf **spare;		/* free buffers of the default size */
	size_t nspare, spare_cap;
	struct udp_batch *udp;		/* UDP receive/send batch (udp.c) */
	/* TCP echoes of this loop iteration (tcp_batch.c); iob NULL: one
	 * system call per read and write. */
	struct iobatch *iob;
	struct conn **batch;
	size_t nbatch;
	unsigned char *arena;		/* a read buffer per queued connection */
	char iob_why[128];		/* why iob is NULL */
	struct log_ratelimit peer_rl;	/* peer-caused messages */
	ev_timer sweep;			/* TCP max_lifetime, stall_timeout */
};

struct worker *worker_new(struct echod *d, uint32_t index);
int worker_start(struct worker *w);
/* Post a command and wait for the acknowledgement (bounded wait).  For
 * WORKER_APPLY, `set` holds references the caller keeps. 0/-1. */
int worker_command(struct worker *w, enum worker_cmd cmd,
    struct listener **set, size_t nset);
void worker_join(struct worker *w);
void worker_free(struct worker *w);
int worker_is_drained(struct worker *w);

/* For tcp.c: pause or resume accepting on a listener. */
void worker_pause_accept(struct wlistener *wl, double retry_after);
void worker_resume_accept(struct wlistener *wl);
/* For tcp.c and udp.c: the drain finished when this reaches zero. */
void worker_conn_closed(struct worker *w);
/* Index of the idle queue for `timeout` (created on first use), or -1. */
int worker_idleq(struct worker *w, double timeout);

#endif
