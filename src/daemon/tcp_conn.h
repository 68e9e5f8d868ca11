/*
 * tcp_conn: what the TCP modules (tcp.c: the echo state machine,
 * tcp_accept.c: admission, tcp_batch.c: io_uring batches) share about a
 * connection.  Private to them: nothing else includes this.
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
#include "daemon/worker.h"

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
};

/*
 * Kept small on purpose (144 bytes, a 160-byte malloc chunk): an idle
 * connection costs this, its libev fd slot and nothing else.  What can be
 * derived is not stored: bytes out = bytes in - bytes still pending.
 */
struct conn {
	ev_io io;			/* first: callbacks cast back */
	TAILQ_ENTRY(conn) link;		/* in its idle queue, LRU first */
	struct listener *l;
	struct buf *buf;		/* NULL unless an echo is pending */
	uint64_t bytes_in;
	ev_tstamp created, last_active;
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} peer;
	uint8_t state;
	uint8_t oneshot_done;
	uint8_t err;			/* errno of a peer error */
	uint8_t qi;			/* index of the idle queue */
	struct connlimit_ticket ticket;	/* per-source count (protect.h) */
	uint8_t batched;		/* queued in the worker's TCP batch */
};

static inline struct idleq *
conn_q(struct worker *w, const struct conn *c)
{
	return w->idleqs[c->qi];
}

static inline uint64_t
conn_bytes_out(const struct conn *c)
{
	return c->bytes_in - (c->buf != NULL ? buf_len(c->buf) : 0);
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

/* Admit an accepted socket: NULL when out of memory (the caller closes
 * fd and gives back what it reserved). */
struct conn *conn_new(struct worker *w, struct wlistener *wl, int fd,
    const struct sockaddr *peer, socklen_t peerlen,
    const struct connlimit_ticket *ticket);
void conn_log_open(struct worker *w, const struct conn *c);
/* Handle revents (EV_READ, EV_WRITE or 0: re-evaluate). */
void conn_step(struct worker *w, struct conn *c, int revents);
/* Activity: the connection moves to the end of its idle queue. */
void conn_touch(struct worker *w, struct conn *c);

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

#endif
