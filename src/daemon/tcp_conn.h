/*
 * tcp_conn: what the TCP modules share (tcp.c: the echo state machine,
 * tcp_accept.c: the listening socket and accept pausing, tcp_admit.c:
 * admission, tcp_proxy.c: the PROXY header phase, tcp_batch.c: io_uring
 * batches, tcp_worker.c: a worker's TCP state).  Private to them: nothing
 * else includes this.
 */
#ifndef ECHOD_TCP_CONN_H
#define ECHOD_TCP_CONN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "daemon/buf.h"
#include "daemon/listener.h"
#include "daemon/protect.h"
#include "daemon/tcp.h"
#include "daemon/worker.h"

struct iobatch;
struct pconn;

union conn_addr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

enum conn_state { CONN_OPEN, CONN_PEER_EOF, CONN_DRAINING, CONN_LINGER };

enum close_reason {
	CLOSE_NONE,
	CLOSE_DONE,		/* both sides finished */
	CLOSE_IDLE,
	CLOSE_PEER_ERROR,
	CLOSE_NOMEM,
	CLOSE_SHUTDOWN,
	CLOSE_ACL,		/* denied by the access list after a reload */
	CLOSE_LIFETIME,
	CLOSE_MAX_BYTES,
	CLOSE_STALL,		/* buffer full, the peer reads nothing */
	CLOSE_LINGER,		/* no FIN from the peer in TCP_LINGER_MAX */
	CLOSE_REASONS		/* how many there are */
};

/* Connections with the same idle timeout, least recently active first:
 * one timer per queue instead of one per connection (libev's "be smart
 * about timeouts", strategy 4).  A queue is held by the listeners of its
 * timeout and by its connections, and freed when the last one goes, so a
 * reload that changes idle_timeout leaves nothing behind. */
struct idleq {
	TAILQ_HEAD(, conn) conns;
	LIST_ENTRY(idleq) link;		/* in the worker's list */
	double timeout;			/* 0: never times out */
	uint32_t refs;
	ev_timer timer;
	struct tcp_worker *tw;
	/* Closes a connection idle too long (conn_close: idleq.c must not
	 * depend on tcp.c, which depends on it). */
	void (*close)(struct worker *, struct conn *, enum close_reason);
};

/* A worker's TCP state (w->state[CONF_TCP]). */
struct tcp_worker {
	struct worker *w;
	LIST_HEAD(, idleq) idleqs;
	/* Read here first; a connection gets its own buffer only when the
	 * peer does not take the echo at once. */
	unsigned char *scratch;
	size_t scratch_size;
	struct buf **spare;		/* free buffers, all of one size */
	size_t nspare, spare_cap;
	/* TCP echoes of this loop iteration (tcp_batch.c); iob NULL: one
	 * system call per read and write. */
	struct iobatch *iob;
	struct conn **batch;
	size_t nbatch;
	unsigned char *arena;		/* a read buffer per queued connection */
	char iob_why[128];		/* why iob is NULL */
	/* Set when batching: takes a readable connection instead of the
	 * plain read-and-echo (tcp_batch_add), so tcp.c needs no batch. */
	void (*queue_read)(struct worker *w, struct conn *c);
	/* Set when splicing (tcp_splice.c): echoes a bulk connection with
	 * nothing pending instead of the read into scratch (0, *why set), or
	 * finds that splice does not work here (-1: read as without it). */
	int (*bulk_echo)(struct worker *w, struct conn *c,
	    enum close_reason *why);
	int pipe[2];			/* empty between two bulk_echo calls */
	size_t pipe_size;
	char splice_why[128];		/* why bulk_echo is NULL */
	ev_timer sweep;			/* max_lifetime, stall_timeout */
	LIST_HEAD(, pconn) pending;	/* waiting for their PROXY header */
	/* A restart's hand-over (tcp_worker.c): connections only write out
	 * what is pending, then wait to be given to the next echod. */
	bool handing_over;
};

/* A listener's TCP state in one worker (wl->state): accept pausing. */
struct tcp_wl {
	struct wlistener *wl;
	struct idleq *q;		/* the queue of the listener's timeout */
	ev_timer retry;			/* re-arm after EMFILE or the limits */
	int paused;			/* at a limit or out of fds */
	int at_limit;			/* paused by a connection limit, logged */
};

/*
 * Kept small on purpose (152 bytes, a 160-byte malloc chunk): an idle
 * connection costs this, its libev fd slot and nothing else.  What can be
 * derived is not stored: bytes out = bytes in - bytes still pending -
 * bytes a failed send never sent.
 */
struct conn {
	ev_io io;			/* first: callbacks cast back */
	TAILQ_ENTRY(conn) link;		/* in its idle queue, LRU first */
	struct listener *l;
	struct idleq *q;
	struct buf *buf;		/* NULL unless an echo is pending */
	uint64_t bytes_in;
	double created, last_active;	/* the worker's monotonic now */
	union conn_addr peer;		/* the client (named by a PROXY header) */
	uint8_t state;
	uint8_t oneshot_done;
	uint8_t err;			/* errno of a peer error */
	uint8_t batched;		/* queued in the worker's TCP batch */
	uint8_t bulk;			/* the last read was TCP_BULK_READ+ */
	struct connlimit_ticket ticket;	/* per-source count (protect.h) */
	uint32_t proxied : 1;		/* a struct conn_proxy follows */
	/* Read, then lost to a failed send: one read at most (the
	 * connection closes then), and no read is CONN_UNSENT_MAX bytes. */
	uint32_t unsent : 23;
};
#define CONN_UNSENT_MAX (1u << 23)

/* After the struct conn of a connection that came through a balancer (in
 * the same allocation), so the others pay nothing for it. */
struct conn_proxy {
	union conn_addr balancer;	/* the socket's real peer */
};

#if defined(__x86_64__) || defined(__aarch64__)
/* What the comment above, ARCHITECTURE.md and scripts/memtest's figures
 * count on: 152 bytes plus malloc's 8 fit a 160-byte chunk. */
_Static_assert(sizeof(struct conn) <= 152, "struct conn outgrew its chunk");
#endif

static inline struct tcp_worker *
tcp_worker_of(const struct worker *w)
{
	return w->state[CONF_TCP];
}

static inline struct tcp_wl *
tcp_wl_of(const struct wlistener *wl)
{
	return wl->state;
}

/* The balancer a connection came through, or NULL. */
static inline const struct sockaddr *
conn_proxy_addr(const struct conn *c)
{
	return c->proxied ? &((const struct conn_proxy *)(c + 1))->balancer.sa :
	    NULL;
}

static inline uint64_t
conn_bytes_out(const struct conn *c)
{
	return c->bytes_in - (c->buf != NULL ? buf_len(c->buf) : 0) -
	    c->unsent;
}

static inline struct stats *
conn_stats(struct worker *w, const struct conn *c)
{
	return &c->l->counters->stats[w->index];
}

/* Readable with nothing pending: the plain read-and-echo, which a batch
 * (tcp_batch.c) can do for many connections at once. */
static inline bool
conn_batchable(const struct conn *c)
{
	return c->state == CONN_OPEN && c->buf == NULL && !c->oneshot_done;
}

/* A read of at least this much marks the connection as moving bulk: it
 * reads and echoes at once through the worker's scratch buffer, never
 * through the batch (tcp_batch.c says why). */
#define TCP_BULK_READ (4 * 1024)

/* After our FIN (oneshot, max_bytes, the drain) a connection waits at most
 * this long for the peer's, discarding what the peer still sends, so that
 * close() does not reset an echo the peer has yet to read; then it closes
 * anyway.  Without a bound a peer past max_bytes that never sends its FIN
 * could keep echod reading forever.  nginx waits as long by default
 * (lingering_timeout 5s).  In LINGER, last_active is when it began. */
#define TCP_LINGER_MAX 5.0

/* The accept watcher is on again (a connection closed, or the pause
 * ran out). */
static inline void
tcp_wl_resume(struct tcp_wl *t)
{
	ev_timer_stop(t->wl->w->loop, &t->retry);
	t->paused = 0;
	worker_watch(t->wl, true);
}

/* A queued connection is being closed: it leaves the batch. */
static inline void
tcp_batch_forget(struct tcp_worker *tw, struct conn *c)
{
	for (size_t i = 0; i < tw->nbatch; i++)
		if (tw->batch[i] == c)
			tw->batch[i] = NULL;
	c->batched = 0;
}

/* tcp.c: admit an accepted socket (proxy: the balancer it came through,
 * or NULL): NULL when out of memory (the caller closes fd and gives back
 * what it reserved). */
struct conn *conn_new(struct worker *w, struct wlistener *wl, int fd,
    const struct sockaddr *peer, socklen_t peerlen,
    const struct connlimit_ticket *ticket, const struct sockaddr *proxy);
void conn_log_open(struct worker *w, const struct conn *c);
void conn_close(struct worker *w, struct conn *c, enum close_reason why);
/* Give the connection up without closing its socket (a hand-over: the
 * socket goes to the next echod).  Everything else is as conn_close. */
void conn_release(struct worker *w, struct conn *c);
/* The worker's wlistener for the counters of listener l (l itself, or its
 * successor after a reload), or NULL if it was removed. */
struct wlistener *tcp_wl_for(struct worker *w, const struct listener *l);
static inline struct wlistener *
conn_wl(struct worker *w, const struct conn *c)
{
	return tcp_wl_for(w, c->l);
}
/* Handle revents (EV_READ, EV_WRITE or 0: re-evaluate). */
void conn_step(struct worker *w, struct conn *c, int revents);
/* Activity: the connection moves to the end of its idle queue. */
void conn_touch(struct worker *w, struct conn *c);
/* Limits no event reports (max_lifetime, stall_timeout): the reason to
 * close the connection now, or CLOSE_NONE. */
enum close_reason conn_overdue(const struct conn *c, double now);

/* The echo of one read, split where tcp_batch.c puts its system calls:
 * conn_direct_max bytes may be read into a buffer of `room`;
 * conn_direct_got takes the result of that read (n, or -1 with err), and
 * when it returns CLOSE_NONE with n > 0, those n bytes at p are sent and
 * conn_direct_sent takes that result (m, or -1 with err) and keeps what
 * the peer did not take.  conn_finish then does the rest of the step
 * (flush, settle, close or update the watcher). */
size_t conn_direct_max(const struct conn *c, size_t room);
enum close_reason conn_direct_got(struct worker *w, struct conn *c,
    ssize_t n, int err);
enum close_reason conn_direct_sent(struct worker *w, struct conn *c,
    const unsigned char *p, size_t n, ssize_t m, int err);
void conn_finish(struct worker *w, struct conn *c, enum close_reason why);

/* tcp.c: buffers from the worker's pool, idle queues. */
struct buf *tcp_buf_get(struct tcp_worker *tw, size_t cap);
void tcp_buf_put(struct tcp_worker *tw, struct buf *b);
/* The queue for `timeout`, with a reference for the caller; NULL on no
 * memory. */
struct idleq *idleq_get(struct tcp_worker *tw, double timeout,
    void (*close)(struct worker *, struct conn *, enum close_reason));
void idleq_unref(struct idleq *q);
/* Start the queue's timer for its least recently active connection. */
void idleq_arm(struct idleq *q);

/* tcp_accept.c: the listening socket's callback and accept pausing. */
void tcp_accept_cb(struct ev_loop *loop, ev_io *io, int revents);
int tcp_wl_init(struct wlistener *wl, char *err, size_t errlen);
void tcp_wl_fini(struct wlistener *wl);
void tcp_wl_drain(struct wlistener *wl);
/* Admit a connection of the previous echod (a hand-over) into wl with its
 * state, against the limits and access list of now. */
void tcp_adopt(struct wlistener *wl, const struct worker_handoff *h);

/* tcp_admit.c: admission of an accepted socket whose peer is known (at accept, or after
 * its PROXY header: proxy is then the balancer): the access list and the
 * per-source limits decide, then it becomes a connection (into *made,
 * unless NULL; *made is NULL when it did not). */
int tcp_admit(struct worker *w, struct wlistener *wl, int fd,
    const struct sockaddr *peer, socklen_t len, const struct sockaddr *proxy,
    struct conn **made);
/* No memory for `what` of an accepted connection, which is closed: counted
 * (accept_errors) and said at warning, rate-limited.  tcp_admit returns
 * -1 after that (0 when it admitted or refused), so accepting can pause. */
void tcp_no_memory(struct worker *w, struct wlistener *wl, const char *what);
/* Close an accepted socket before any echo, count why, log (rate-limited)
 * with the balancer (or NULL) and a detail (or NULL); gives its slot back. */
void tcp_refuse(struct worker *w, struct wlistener *wl, int fd,
    const struct sockaddr *peer, const struct sockaddr *proxy,
    enum stat_id why, const char *detail);
/* Give back the slot reserved under max_connections(_total) for l. */
void tcp_unreserve(struct worker *w, struct listener *l);

/* tcp_proxy.c: an accepted socket on a proxy_protocol listener waits for
 * its PROXY header (then tcp_admit); close_all ends every such wait. */
void tcp_proxy_start(struct worker *w, struct wlistener *wl, int fd,
    const struct sockaddr *peer, socklen_t len);
void tcp_proxy_close_all(struct worker *w);

/* tcp_splice.c: see there.  init leaves bulk_echo NULL when want is
 * false or no pipe could be made (why in err). */
int tcp_splice_init(struct tcp_worker *tw, bool want, char *err,
    size_t errlen);
void tcp_splice_free(struct tcp_worker *tw);

/* tcp_batch.c: see there. */
int tcp_batch_init(struct tcp_worker *tw, bool want, char *err,
    size_t errlen);
void tcp_batch_free(struct tcp_worker *tw);
/* Queue a readable connection (conn_batchable); runs the batch first if
 * it is full. */
void tcp_batch_add(struct worker *w, struct conn *c);
/* After libev's callbacks: run what they queued. */
void tcp_batch_run_all(struct worker *w);

#endif
