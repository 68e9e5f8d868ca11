/*
 * tcp: the echo state machine of a connection: echo, backpressure,
 * half-close, idle timeout (its queues: idleq.c), drain, and the limits
 * no event reports (max_lifetime, stall_timeout, access re-check after a
 * reload).
 *
 * Life of a connection: accepted by a worker (tcp_accept.c) -> OPEN: each
 * readable event reads once into the worker's scratch buffer (or, batched
 * with the other readable connections of the loop iteration, into a slice
 * of the worker's arena: tcp_batch.c) and writes it straight back;
 * leftovers go to a per-connection ring (taken from a small per-worker
 * pool) and the connection reads again only while the ring has room -> the
 * peer's FIN makes it PEER_EOF: flush, shutdown(SHUT_WR), close.  Drain
 * and oneshot end in LINGER instead: we flushed and sent our FIN, and
 * discard input until the peer's FIN (TCP_LINGER_MAX at most), so that
 * close() does not reset data still in flight.
 * A connection is freed only at the end of the callback that decided so.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/tcp_conn.h"

static const char *const close_reason_names[] = {
	"none", "done", "idle_timeout", "peer_error", "out_of_memory", "shutdown",
	"acl", "max_lifetime", "max_bytes", "stall_timeout", "linger_timeout",
};

/* The counter of a close forced by a limit (ST_COUNT: none). */
static const enum stat_id close_reason_stats[] = {
	ST_COUNT, ST_COUNT, ST_COUNT, ST_COUNT, ST_DROP_NO_MEMORY, ST_COUNT,
	ST_DROP_ACL_RELOAD, ST_DROP_LIFETIME, ST_DROP_MAX_BYTES, ST_DROP_STALL,
	ST_DROP_LINGER,
};
_Static_assert(sizeof(close_reason_names) / sizeof(close_reason_names[0]) ==
    CLOSE_REASONS, "a close reason without a name");
_Static_assert(sizeof(close_reason_stats) / sizeof(close_reason_stats[0]) ==
    CLOSE_REASONS, "a close reason without its counter");

/* Freed buffers kept for the next connection: at most SPARE_MAX, and at
 * most SPARE_BYTES together, so that a listener of 16 MiB buffers keeps
 * none idle.  All of one size: a buffer of another size (a reload changed
 * buffer_size, or listeners differ) replaces them. */
#define SPARE_MAX 16
#define SPARE_BYTES (1024 * 1024)

struct buf *
tcp_buf_get(struct tcp_worker *tw, size_t cap)
{
	if (tw->nspare > 0 && tw->spare[tw->nspare - 1]->cap == cap)
		return tw->spare[--tw->nspare];
	return buf_new(cap);
}

static void
spare_flush(struct tcp_worker *tw)
{
	while (tw->nspare > 0)
		buf_free(tw->spare[--tw->nspare]);
}

void
tcp_buf_put(struct tcp_worker *tw, struct buf *b)
{
	if (tw->nspare > 0 && tw->spare[0]->cap != b->cap)
		spare_flush(tw);
	if ((tw->nspare + 1) * b->cap > SPARE_BYTES) {
		buf_free(b);
		return;
	}
	if (tw->nspare == tw->spare_cap && tw->spare_cap < SPARE_MAX) {
		size_t ncap = tw->spare_cap ? tw->spare_cap * 2 : 4;
		struct buf **ns = realloc(tw->spare, ncap * sizeof(*ns));

		if (ns != NULL) {
			tw->spare = ns;
			tw->spare_cap = ncap;
		}
	}
	if (tw->nspare < tw->spare_cap) {
		b->head = b->len = 0;
		tw->spare[tw->nspare++] = b;
	} else {
		buf_free(b);
	}
}

/* A connection's addresses as text, for its log lines. */
struct conn_names {
	char host[ADDR_STRLEN], port[8];
	char phost[ADDR_STRLEN], pport[8];	/* the balancer, if any */
	char via[ADDR_STRLEN + 24];		/* " via HOST port N" or "" */
};

/* The journal fields of a connection (4, or 6 with its balancer); f has
 * room for CONN_FIELDS_MAX. */
#define CONN_FIELDS_MAX 6
static size_t
conn_fields(const struct conn *c, struct log_field *f, struct conn_names *n)
{
	const struct sockaddr *proxy = conn_proxy_addr(c);

	addr_format_host(&c->peer.sa, n->host, sizeof(n->host));
	snprintf(n->port, sizeof(n->port), "%u", addr_port(&c->peer.sa));
	f[0] = (struct log_field){ "listener", c->l->conf.name };
	f[1] = (struct log_field){ "protocol", "tcp" };
	f[2] = (struct log_field){ "peer_address", n->host };
	f[3] = (struct log_field){ "peer_port", n->port };
	n->via[0] = '\0';
	if (proxy == NULL)
		return 4;
	addr_format_host(proxy, n->phost, sizeof(n->phost));
	snprintf(n->pport, sizeof(n->pport), "%u", addr_port(proxy));
	snprintf(n->via, sizeof(n->via), " via %s port %s", n->phost, n->pport);
	f[4] = (struct log_field){ "proxy_address", n->phost };
	f[5] = (struct log_field){ "proxy_port", n->pport };
	return 6;
}

struct wlistener *
tcp_wl_for(struct worker *w, const struct listener *l)
{
	for (size_t i = 0; i < w->nwls; i++)
		if (w->wls[i]->l->counters == l->counters)
			return w->wls[i];
	return NULL;
}

void
conn_log_open(struct worker *w, const struct conn *c)
{
	struct log_field f[CONN_FIELDS_MAX];
	struct conn_names n;
	size_t nf;

	if (!log_enabled(w->log, LOG_LVL_INFO))
		return;
	nf = conn_fields(c, f, &n);
	log_event(w->log, LOG_LVL_INFO, LOG_EV_CONN_OPEN, f, nf,
	    "connection from %s port %s%s on %s", n.host, n.port, n.via,
	    c->l->conf.name);
}

static void
conn_log_close(struct worker *w, const struct conn *c, enum close_reason why)
{
	char in[24], out[24], dur[24];
	struct log_field f[CONN_FIELDS_MAX + 4];
	double secs = w->now - c->created;
	struct conn_names n;
	size_t nf;

	if (!log_enabled(w->log, LOG_LVL_INFO))
		return;
	nf = conn_fields(c, f, &n);
	snprintf(in, sizeof(in), "%llu", (unsigned long long)c->bytes_in);
	snprintf(out, sizeof(out), "%llu", (unsigned long long)conn_bytes_out(c));
	snprintf(dur, sizeof(dur), "%llu", (unsigned long long)(secs * 1e6));
	f[nf++] = (struct log_field){ "bytes_in", in };
	f[nf++] = (struct log_field){ "bytes_out", out };
	f[nf++] = (struct log_field){ "duration_usec", dur };
	f[nf++] = (struct log_field){ "reason", close_reason_names[why] };
	log_event(w->log, LOG_LVL_INFO, LOG_EV_CONN_CLOSE, f, nf,
	    "connection from %s port %s%s closed (%s): %s bytes in, %s out, "
	    "%.3fs%s%s", n.host, n.port, n.via, close_reason_names[why], in, out,
	    secs, c->err ? ": " : "", c->err ? strerror(c->err) : "");
}

void
conn_touch(struct worker *w, struct conn *c)
{
	struct idleq *q = c->q;

	c->last_active = w->now;
	if (TAILQ_NEXT(c, link) != NULL) {
		TAILQ_REMOVE(&q->conns, c, link);
		TAILQ_INSERT_TAIL(&q->conns, c, link);
	}
}

/* What closing and giving up share: out of the loop, the queues, the
 * limits and the counts; then freed. */
static void
conn_forget(struct worker *w, struct conn *c)
{
	struct tcp_worker *tw = tcp_worker_of(w);
	struct tcp_totals *totals = w->env->tcp_totals;
	struct wlistener *wl;

	if (c->batched)
		tcp_batch_forget(tw, c);
	ev_io_stop(w->loop, &c->io);
	TAILQ_REMOVE(&c->q->conns, c, link);
	idleq_unref(c->q);
	if (c->buf != NULL)
		tcp_buf_put(tw, c->buf);
	if (c->l->counters->by_source != NULL)
		connlimit_release(c->l->counters->by_source, &c->peer.sa,
		    &c->ticket);
	__atomic_sub_fetch(&totals->open, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&c->l->counters->conns, 1, __ATOMIC_RELAXED);
	if ((wl = conn_wl(w, c)) != NULL && tcp_wl_of(wl)->paused)
		tcp_wl_resume(tcp_wl_of(wl));
	listener_unref(c->l);
	free(c);
	worker_conn_closed(w);
}

void
conn_close(struct worker *w, struct conn *c, enum close_reason why)
{
	struct stats *st = conn_stats(w, c);

	close(c->io.fd);
	conn_log_close(w, c, why);
	stat_add(st, ST_CONN_CLOSED, 1);
	if (why == CLOSE_IDLE)
		stat_add(st, ST_IDLE_TIMEOUTS, 1);
	else if (why == CLOSE_PEER_ERROR)
		stat_add(st, ST_PEER_ERRORS, 1);
	else if (close_reason_stats[why] != ST_COUNT)
		stat_add(st, close_reason_stats[why], 1);
	conn_forget(w, c);
}

void
conn_release(struct worker *w, struct conn *c)
{
	conn_forget(w, c);
}

static enum close_reason
conn_peer_error(struct worker *w, struct conn *c, int err)
{
	uint64_t suppressed;

	c->err = (uint8_t)err;
	if (log_enabled(w->log, LOG_LVL_INFO) &&
	    log_ratelimit_ok(&w->peer_rl, w->now, &suppressed)) {
		struct log_field f[CONN_FIELDS_MAX];
		struct conn_names n;
		size_t nf = conn_fields(c, f, &n);

		log_event(w->log, LOG_LVL_INFO, LOG_EV_PEER_ERROR, f, nf,
		    "peer %s port %s%s: %s (%llu similar messages suppressed)",
		    n.host, n.port, n.via, strerror(c->err),
		    (unsigned long long)suppressed);
	}
	return CLOSE_PEER_ERROR;
}

/* No memory for the buffer of an echo the peer did not take: the limit is
 * counted (drop_no_memory) and said, rate-limited, at warning. */
static enum close_reason
conn_no_memory(struct worker *w, struct conn *c)
{
	uint64_t suppressed;

	if (log_ratelimit_ok(&w->peer_rl, w->now, &suppressed)) {
		struct log_field f[CONN_FIELDS_MAX];
		struct conn_names n;
		size_t nf = conn_fields(c, f, &n);

		log_event(w->log, LOG_LVL_WARNING, LOG_EV_LIMIT, f, nf,
		    "%s: no memory for a buffer of %u bytes: closing the "
		    "connection from %s port %s%s (%llu similar messages "
		    "suppressed)", c->l->conf.name, c->l->conf.buffer_size,
		    n.host, n.port, n.via, (unsigned long long)suppressed);
	}
	return CLOSE_NOMEM;
}

static int
is_transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* max_bytes: at most this much more may be read (SIZE_MAX: no limit). */
static size_t
conn_read_allowance(const struct conn *c)
{
	uint64_t max = c->l->conf.guard.max_bytes;

	if (max == 0)
		return SIZE_MAX;
	return c->bytes_in >= max ? 0 : (size_t)(max - c->bytes_in);
}

/* After a read: at max_bytes, echo what is pending, then close (as
 * oneshot does: our FIN, then the peer's). */
static void
conn_check_allowance(struct conn *c, struct stats *st)
{
	if (conn_read_allowance(c) == 0 && !c->oneshot_done) {
		c->oneshot_done = 1;
		stat_add(st, ST_DROP_MAX_BYTES, 1);
	}
}

size_t
conn_direct_max(const struct conn *c, size_t room)
{
	const struct lconf *lc = &c->l->conf;
	size_t max = room;

	if (max > lc->buffer_size)
		max = lc->buffer_size;
	if (lc->oneshot && max > lc->oneshot_size)
		max = lc->oneshot_size;
	if (max > conn_read_allowance(c))
		max = conn_read_allowance(c);
	return max;
}

/* What a read of n bytes (or -1 with err) means: the peer's FIN, a peer
 * error, or bytes in (counted against max_bytes). */
static enum close_reason
conn_got(struct worker *w, struct conn *c, ssize_t n, int err)
{
	if (n == 0) {
		c->state = CONN_PEER_EOF;
		return CLOSE_NONE;
	}
	if (n < 0)
		return is_transient(err) ? CLOSE_NONE : conn_peer_error(w, c, err);
	c->bytes_in += (uint64_t)n;
	stat_add(conn_stats(w, c), ST_BYTES_IN, (uint64_t)n);
	conn_check_allowance(c, conn_stats(w, c));
	return CLOSE_NONE;
}

enum close_reason
conn_direct_got(struct worker *w, struct conn *c, ssize_t n, int err)
{
	enum close_reason why = conn_got(w, c, n, err);

	if (n > 0)
		c->bulk = n >= TCP_BULK_READ;
	if (n > 0 && c->l->conf.oneshot)
		c->oneshot_done = 1;
	return why;
}

enum close_reason
conn_direct_sent(struct worker *w, struct conn *c, const unsigned char *p,
    size_t n, ssize_t m, int err)
{
	if (m < 0) {
		if (!is_transient(err)) {
			c->unsent = (uint32_t)n;	/* never sent */
			return conn_peer_error(w, c, err);
		}
		m = 0;
	}
	stat_add(conn_stats(w, c), ST_BYTES_OUT, (uint64_t)m);
	if ((size_t)m < n) {
		c->buf = tcp_buf_get(tcp_worker_of(w), c->l->conf.buffer_size);
		if (c->buf == NULL) {
			c->unsent = (uint32_t)(n - (size_t)m);
			return conn_no_memory(w, c);
		}
		buf_put(c->buf, p + m, n - (size_t)m);
	}
	return CLOSE_NONE;
}

/* Nothing pending: read into scratch and echo at once; keep what the peer
 * did not take. */
static enum close_reason
conn_read_direct(struct worker *w, struct conn *c)
{
	struct tcp_worker *tw = tcp_worker_of(w);
	ssize_t n, m;
	enum close_reason why;

	if (c->bulk && tw->bulk_echo != NULL &&
	    tw->bulk_echo(w, c, &why) == 0)
		return why;
	n = recv(c->io.fd, tw->scratch, conn_direct_max(c, tw->scratch_size), 0);
	why = conn_direct_got(w, c, n, errno);
	if (why != CLOSE_NONE || n <= 0)
		return why;
	m = send(c->io.fd, tw->scratch, (size_t)n, MSG_NOSIGNAL);
	return conn_direct_sent(w, c, tw->scratch, (size_t)n, m, errno);
}

static enum close_reason
conn_read(struct worker *w, struct conn *c)
{
	struct tcp_worker *tw = tcp_worker_of(w);
	ssize_t n;

	if (c->state == CONN_LINGER) {	/* not a touch: see TCP_LINGER_MAX */
		n = read(c->io.fd, tw->scratch, tw->scratch_size);
		if (n == 0)
			return CLOSE_DONE;
		if (n < 0 && !is_transient(errno))
			return conn_peer_error(w, c, errno);
		return CLOSE_NONE;
	}
	conn_touch(w, c);
	if (c->buf == NULL)
		return conn_read_direct(w, c);
	if (buf_room(c->buf) == 0 || conn_read_allowance(c) == 0)
		return CLOSE_NONE;
	if (conn_read_allowance(c) < buf_room(c->buf)) {
		n = read(c->io.fd, tw->scratch, conn_read_allowance(c) <
		    tw->scratch_size ? conn_read_allowance(c) : tw->scratch_size);
		if (n > 0)
			buf_put(c->buf, tw->scratch, (size_t)n);
	} else {
		n = buf_read_fd(c->buf, c->io.fd);
	}
	return conn_got(w, c, n, errno);
}

static enum close_reason
conn_flush(struct worker *w, struct conn *c)
{
	ssize_t n = buf_write_fd(c->buf, c->io.fd);

	if (n < 0)
		return is_transient(errno) ? CLOSE_NONE : conn_peer_error(w, c, errno);
	stat_add(conn_stats(w, c), ST_BYTES_OUT, (uint64_t)n);
	if (n > 0)
		conn_touch(w, c);
	if (buf_is_empty(c->buf)) {
		tcp_buf_put(tcp_worker_of(w), c->buf);
		c->buf = NULL;
	}
	return CLOSE_NONE;
}

/* Bytes the kernel has received for us and we have not read yet. */
static int
conn_unread(const struct conn *c)
{
	int n = 0;

	return ioctl(c->io.fd, FIONREAD, &n) == 0 && n > 0;
}

/* Once everything is echoed: answer the peer's FIN with ours and close,
 * or (drain, oneshot) send our FIN and wait for the peer's.  A draining
 * connection first echoes what the peer had already sent: those bytes
 * were acknowledged to it, so dropping them would lose data silently. */
static enum close_reason
conn_settle(struct worker *w, struct conn *c)
{
	if (c->buf != NULL)
		return CLOSE_NONE;
	if (c->state == CONN_PEER_EOF)
		return CLOSE_DONE;	/* all read: close() sends our FIN */
	if (tcp_worker_of(w)->handing_over)
		return CLOSE_NONE;	/* written out: the next echod goes on */
	if (c->state == CONN_DRAINING && conn_unread(c))
		return CLOSE_NONE;
	if (c->state == CONN_DRAINING ||
	    (c->state == CONN_OPEN && c->oneshot_done)) {
		if (shutdown(c->io.fd, SHUT_WR) < 0)
			return CLOSE_DONE;
		c->state = CONN_LINGER;
		conn_touch(w, c);	/* the linger's start */
	}
	return CLOSE_NONE;
}

static void
conn_update_events(struct worker *w, struct conn *c)
{
	int want = 0;

	if (tcp_worker_of(w)->handing_over)
		want = 0;	/* a hand-over reads nothing more */
	else if (c->state == CONN_LINGER ||
	    ((c->state == CONN_OPEN || c->state == CONN_DRAINING) &&
	    !c->oneshot_done &&
	    (c->buf == NULL || buf_room(c->buf) > 0)))
		want |= EV_READ;
	if (c->buf != NULL)
		want |= EV_WRITE;
	if (want == (c->io.events & (EV_READ | EV_WRITE)))
		return;
	ev_io_stop(w->loop, &c->io);
	ev_io_set(&c->io, c->io.fd, want);
	if (want != 0)
		ev_io_start(w->loop, &c->io);
}

void
conn_finish(struct worker *w, struct conn *c, enum close_reason why)
{
	if (why == CLOSE_NONE && c->buf != NULL)
		why = conn_flush(w, c);
	if (why == CLOSE_NONE)
		why = conn_settle(w, c);
	if (why != CLOSE_NONE)
		conn_close(w, c, why);
	else
		conn_update_events(w, c);
}

void
conn_step(struct worker *w, struct conn *c, int revents)
{
	conn_finish(w, c, (revents & EV_READ) ? conn_read(w, c) : CLOSE_NONE);
}

static void
conn_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker *w = ev_userdata(loop);
	struct conn *c = (struct conn *)io;
	struct tcp_worker *tw = tcp_worker_of(w);

	if (tw->queue_read != NULL && revents == EV_READ && !c->bulk &&
	    conn_batchable(c))
		tw->queue_read(w, c);
	else
		conn_step(w, c, revents);
}

struct conn *
conn_new(struct worker *w, struct wlistener *wl, int fd,
    const struct sockaddr *peer, socklen_t peerlen,
    const struct connlimit_ticket *ticket, const struct sockaddr *proxy)
{
	struct idleq *q = tcp_wl_of(wl)->q;
	struct conn *c;

	if ((c = calloc(1, sizeof(*c) + (proxy != NULL ?
	    sizeof(struct conn_proxy) : 0))) == NULL)
		return NULL;
	if (proxy != NULL) {
		struct conn_proxy *cp = (struct conn_proxy *)(c + 1);

		memcpy(&cp->balancer, proxy, proxy->sa_family == AF_INET6 ?
		    sizeof(cp->balancer.in6) : sizeof(cp->balancer.in4));
		c->proxied = 1;
	}
	c->q = q;
	q->refs++;
	if (peerlen > sizeof(c->peer))
		peerlen = sizeof(c->peer);
	memcpy(&c->peer, peer, peerlen);
	c->ticket = *ticket;
	c->l = wl->l;
	listener_ref(c->l);
	c->created = c->last_active = w->now;
	TAILQ_INSERT_TAIL(&q->conns, c, link);
	idleq_arm(q);
	ev_io_init(&c->io, conn_cb, fd, EV_READ);
	ev_io_start(w->loop, &c->io);
	worker_conn_opened(w);
	return c;
}

/* Limits no event reports: max_lifetime, stall_timeout (the buffer is
 * full and the peer has taken nothing for that long; while full, nothing
 * is read, so last_active is the last write progress), and the end of a
 * linger (TCP_LINGER_MAX). */
enum close_reason
conn_overdue(const struct conn *c, double now)
{
	const struct guard_lconf *g = &c->l->conf.guard;

	if (g->max_lifetime > 0 && now - c->created >= g->max_lifetime)
		return CLOSE_LIFETIME;
	if (g->stall_timeout > 0 && c->buf != NULL && buf_room(c->buf) == 0 &&
	    now - c->last_active >= g->stall_timeout)
		return CLOSE_STALL;
	if (c->state == CONN_LINGER && now - c->last_active >= TCP_LINGER_MAX)
		return CLOSE_LINGER;
	return CLOSE_NONE;
}
