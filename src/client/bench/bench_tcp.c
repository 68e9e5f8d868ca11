/*
 * bench_tcp: the TCP load engine of one thread: ping-pong, pipelined,
 * stream, connect churn and idle holding, all as one state machine per
 * connection on a level-triggered epoll loop.
 *
 * A connection's byte stream is a sequence of `size`-byte messages.  It may
 * have `depth` messages committed but not yet echoed (the window); a message
 * is timestamped when it is committed and its latency recorded when its last
 * byte comes back.  Every byte read is checked against the pattern at its
 * stream offset.  Churn keeps a slot's offset running across its successive
 * connections, so an echo from a stale connection is caught too.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/bench/bench_poll.h"
#include "client/bench/bench_tcp.h"
#include "common/clock.h"
#include "common/iobatch.h"

#define TCP_RBUF (256 * 1024)
#define TCP_MAX_CONNECTING 512	/* stay below the server's listen backlog */
#define TCP_EVENTS 256
#define TCP_BATCH 64			/* connections per io_uring batch */
#define TCP_SLICE (64 * 1024)		/* a batched read per connection */

enum tcp_state {
	TCP_IDLE_SLOT,		/* no socket; may connect */
	TCP_CONNECTING,
	TCP_OPEN,
	TCP_DEAD,		/* failed; not reused (except churn) */
};

struct tcp_conn {
	struct bench_sock sock;
	enum tcp_state state;
	uint32_t id;
	uint64_t committed;	/* bytes of messages started */
	uint64_t sent;
	uint64_t recvd;		/* bytes echoed and checked */
	uint64_t cycle_start;	/* churn: when this connect began */
	uint64_t *ts;		/* depth commit times, by message number */
};

struct tcp_ctx {
	struct bench_share *sh;
	const struct bench_opts *o;
	struct bench_poll poll;
	struct tcp_conn *conns;
	uint64_t *ts;
	uint8_t *rbuf;
	struct iobatch *iob;	/* NULL: a recv and a send per event */
	uint8_t *arena;		/* TCP_BATCH read slices */
	uint64_t now, start, deadline;
	uint64_t budget_left;
	uint32_t connecting, open, ready;
	int running;		/* all connected, load started */
	int stopping;
};

static void
tcp_set_events(struct tcp_ctx *x, struct tcp_conn *c, uint32_t ev)
{
	/* Churn registers everything edge-triggered once (tcp_connect). */
	if (x->o->mode != BENCH_CHURN)
		bench_poll_want(&x->poll, (uint32_t)(c - x->conns), &c->sock,
		    ev);
}

static void
tcp_close(struct tcp_ctx *x, struct tcp_conn *c, enum tcp_state next)
{
	if (c->state == TCP_CONNECTING)
		x->connecting--;
	else if (c->state == TCP_OPEN)
		x->open--;
	bench_sock_close(&c->sock);
	c->state = next;
	/* Unechoed bytes of a closed connection are forgotten. */
	c->sent = c->committed = c->recvd;
}

/* Give up on a connection; `counted` says the caller already counted the
 * problem (as mismatched bytes), so it is not an error too. */
static void
tcp_drop(struct tcp_ctx *x, struct tcp_conn *c, const char *what, int err,
    int counted)
{
	if (!counted)
		x->sh->stats.errors++;
	if (!x->o->quiet && x->sh->stats.errors + x->sh->stats.mismatches <= 5)
		fprintf(stderr, "bench: conn %u: %s: %s\n", c->id, what,
		    err ? strerror(err) : "unexpected end of stream");
	tcp_close(x, c, x->o->mode == BENCH_CHURN ? TCP_IDLE_SLOT : TCP_DEAD);
}

static void
tcp_fail(struct tcp_ctx *x, struct tcp_conn *c, const char *what, int err)
{
	tcp_drop(x, c, what, err, 0);
}

static int
tcp_connect(struct tcp_ctx *x, struct tcp_conn *c)
{
	const struct addr *t = &x->o->target;
	int one = 1, churn = x->o->mode == BENCH_CHURN;

	c->sock.fd = socket(t->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->sock.fd < 0) {
		tcp_fail(x, c, "socket", errno);
		return -1;
	}
	/* Churn pays for every system call once per cycle: it sends a single
	 * message (Nagle never delays that), and registers for both events
	 * edge-triggered so the watch never changes. */
	if (!churn)
		(void)setsockopt(c->sock.fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	c->state = TCP_CONNECTING;
	x->connecting++;
	c->cycle_start = x->now;
	if (connect(c->sock.fd, &t->u.sa, t->len) < 0 && errno != EINPROGRESS) {
		tcp_fail(x, c, "connect", errno);
		return -1;
	}
	if (bench_poll_watch(&x->poll, (uint32_t)(c - x->conns), &c->sock,
	    churn ? EPOLLIN | EPOLLOUT | EPOLLET : EPOLLOUT) < 0) {
		tcp_fail(x, c, "epoll_ctl", errno);
		return -1;
	}
	return 0;
}

/* Commit as many new messages as window, budget and mode allow. */
static void
tcp_commit(struct tcp_ctx *x, struct tcp_conn *c)
{
	const struct bench_opts *o = x->o;
	uint64_t window = (uint64_t)o->depth * o->size, m, k;

	if (x->running && !x->stopping && c->committed - c->recvd < window) {
		m = (window - (c->committed - c->recvd)) / o->size;
		if (m > x->budget_left)
			m = x->budget_left;
		if (o->mode == BENCH_IDLE && c->committed > 0)
			m = 0;
		for (k = c->committed / o->size; m > 0; m--, k++) {
			c->ts[k % o->depth] = x->now;
			c->committed += o->size;
			x->budget_left--;
		}
	}
}

/* The next bytes to send: committed and unsent, up to a pattern span (a
 * plain client: up to the end of the current message). */
static size_t
tcp_unsent(const struct tcp_ctx *x, const struct tcp_conn *c,
    const uint8_t **p)
{
	uint64_t len = c->committed - c->sent, max = BENCH_PATTERN_SPAN;

	if (x->o->plain && x->o->size - c->sent % x->o->size < max)
		max = x->o->size - c->sent % x->o->size;
	*p = bench_pattern_at(x->o->pat, c->id, c->sent);
	return len > max ? (size_t)max : (size_t)len;
}

/* Commit, then write what is committed and unsent until the socket is
 * full. */
static void
tcp_fill(struct tcp_ctx *x, struct tcp_conn *c)
{
	const uint8_t *p;
	size_t len;
	ssize_t n;

	tcp_commit(x, c);
	while (c->sent < c->committed) {
		len = tcp_unsent(x, c, &p);
		n = send(c->sock.fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			tcp_fail(x, c, "send", errno);
			return;
		}
		c->sent += (uint64_t)n;
	}
	tcp_set_events(x, c, EPOLLIN | (c->sent < c->committed ? EPOLLOUT : 0));
}

/* Messages whose last byte arrived with this read: record their latency. */
static void
tcp_complete(struct tcp_ctx *x, struct tcp_conn *c, uint64_t before)
{
	const struct bench_opts *o = x->o;
	uint64_t k, t0;

	for (k = before / o->size; (k + 1) * o->size <= c->recvd; k++) {
		t0 = o->mode == BENCH_CHURN ? c->cycle_start : c->ts[k % o->depth];
		bench_hist_record(&x->sh->stats.hist, x->now - t0);
		if (!x->stopping)
			x->sh->stats.messages++;
	}
}

/* A read returned n bytes at buf (or -1 with err): check them, record the
 * completed messages.  1: the connection goes on and may send more. */
static int
tcp_got(struct tcp_ctx *x, struct tcp_conn *c, const uint8_t *buf,
    ssize_t n, int err)
{
	struct bench_stats *st = &x->sh->stats;
	uint64_t before = c->recvd;
	size_t bad;

	if (n < 0) {
		if (err != EAGAIN && err != EINTR)
			tcp_fail(x, c, "recv", err);
		return 0;
	}
	if (n == 0) {
		tcp_fail(x, c, "recv", 0);
		return 0;
	}
	if (c->recvd + (uint64_t)n > c->sent) {
		st->mismatches += c->recvd + (uint64_t)n - c->sent;
		tcp_drop(x, c, "more bytes echoed than sent", EPROTO, 1);
		return 0;
	}
	bad = bench_pattern_check(x->o->pat, c->id, c->recvd, buf, (size_t)n);
	c->recvd += (uint64_t)n;
	if (!x->stopping)
		st->bytes += (uint64_t)n;
	if (bad > 0) {
		st->mismatches += bad;
		tcp_drop(x, c, "echoed bytes differ from those sent", EPROTO, 1);
		return 0;
	}
	tcp_complete(x, c, before);
	if (x->o->mode == BENCH_CHURN && c->recvd == c->committed) {
		tcp_close(x, c, TCP_IDLE_SLOT);
		return 0;
	}
	if (x->o->mode == BENCH_IDLE && c->recvd == c->committed &&
	    c->committed > 0 && before < c->committed)
		x->ready++;
	return 1;
}

static void
tcp_read(struct tcp_ctx *x, struct tcp_conn *c)
{
	ssize_t n = recv(c->sock.fd, x->rbuf, TCP_RBUF, 0);

	if (tcp_got(x, c, x->rbuf, n, errno))
		tcp_fill(x, c);
}

static void
tcp_connected(struct tcp_ctx *x, struct tcp_conn *c, uint32_t ev)
{
	int err = 0;
	socklen_t len = sizeof(err);

	/* Writable without error means connected (saves a call per churn
	 * cycle); otherwise ask why. */
	if ((ev & (EPOLLERR | EPOLLHUP)) &&
	    getsockopt(c->sock.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if ((ev & (EPOLLERR | EPOLLHUP)) && err == 0)
		err = ECONNREFUSED;
	if (err != 0) {
		tcp_fail(x, c, "connect", err);
		return;
	}
	x->connecting--;
	x->open++;
	c->state = TCP_OPEN;
	tcp_fill(x, c);
}

static void
tcp_event(struct tcp_ctx *x, struct tcp_conn *c, uint32_t ev)
{
	if (c->state == TCP_CONNECTING) {
		if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			tcp_connected(x, c, ev);
		if (c->state != TCP_OPEN || !(ev & EPOLLIN))
			return;
	}
	if (c->state != TCP_OPEN)
		return;
	if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
		tcp_read(x, c);
	if (c->state == TCP_OPEN && (ev & EPOLLOUT))
		tcp_fill(x, c);
}

/* Open idle slots: all of them up front, churn slots again after each
 * cycle, never more than TCP_MAX_CONNECTING at once. */
static void
tcp_connect_slots(struct tcp_ctx *x)
{
	uint32_t i;

	if (x->stopping)
		return;
	if (x->o->mode == BENCH_CHURN && x->budget_left == 0)
		return;
	for (i = 0; i < x->sh->conns; i++) {
		if (x->connecting >= TCP_MAX_CONNECTING)
			return;
		if (x->conns[i].state == TCP_IDLE_SLOT)
			(void)tcp_connect(x, &x->conns[i]);
	}
}

static void
tcp_start_load(struct tcp_ctx *x)
{
	uint32_t i;

	x->running = 1;
	x->start = x->now;
	if (x->o->mode != BENCH_IDLE)
		x->deadline = x->now + (uint64_t)(x->o->duration * 1e9);
	for (i = 0; i < x->sh->conns; i++)
		if (x->conns[i].state == TCP_OPEN)
			tcp_fill(x, &x->conns[i]);
}

static int
tcp_outstanding(const struct tcp_ctx *x)
{
	uint32_t i;

	if (x->connecting > 0)
		return 1;
	for (i = 0; i < x->sh->conns; i++)
		if (x->conns[i].state == TCP_OPEN &&
		    x->conns[i].recvd < x->conns[i].committed)
			return 1;
	return 0;
}

/* Idle mode: say so once every connection answered, then hold them. */
static void
tcp_idle_ready(struct tcp_ctx *x)
{
	printf("ready %u\n", x->ready);
	fflush(stdout);
	x->deadline = x->now + (uint64_t)(x->o->hold * 1e9);
	x->stopping = 1;
}

static int
tcp_done(struct tcp_ctx *x)
{
	int churn = x->o->mode == BENCH_CHURN;

	if (x->now >= x->deadline)
		return 1;
	if (x->o->mode == BENCH_IDLE)
		return !x->stopping && x->open + x->connecting == 0;
	if (!x->running && !churn && x->connecting == 0) {
		if (x->open == 0)
			return 1;
		tcp_start_load(x);
	}
	if (x->open + x->connecting == 0 && (!churn || x->budget_left == 0))
		return 1;
	return x->budget_left == 0 && !tcp_outstanding(x);
}

/* Reads of every readable connection in one system call, then the writes
 * they allow in another (iobatch.h); the rest as tcp_event does it. */
static void
tcp_batch(struct tcp_ctx *x, struct tcp_conn **cs, size_t n)
{
	struct iobatch_op ops[TCP_BATCH];
	size_t ns = 0;

	for (size_t i = 0; i < n; i++)
		ops[i] = (struct iobatch_op){ .fd = cs[i]->sock.fd,
		    .buf = x->arena + i * TCP_SLICE, .len = TCP_SLICE };
	iobatch_run(x->iob, IOBATCH_RECV, ops, n);
	for (size_t i = 0; i < n; i++) {
		int err;
		ssize_t r = iobatch_result(&ops[i], &err);
		const uint8_t *p;

		if (!tcp_got(x, cs[i], ops[i].buf, r, err))
			continue;
		tcp_commit(x, cs[i]);
		if (cs[i]->sent == cs[i]->committed) {
			tcp_fill(x, cs[i]);
			continue;
		}
		ops[ns].fd = cs[i]->sock.fd;
		ops[ns].len = tcp_unsent(x, cs[i], &p);
		ops[ns].buf = (void *)(uintptr_t)p;	/* only read */
		cs[ns++] = cs[i];
	}
	iobatch_run(x->iob, IOBATCH_SEND, ops, ns);
	for (size_t i = 0; i < ns; i++) {
		int err;
		ssize_t m = iobatch_result(&ops[i], &err);

		if (m < 0 && err != EAGAIN && err != EINTR) {
			tcp_fail(x, cs[i], "send", err);
			continue;
		}
		if (m > 0)
			cs[i]->sent += (uint64_t)m;
		tcp_fill(x, cs[i]);	/* the rest, if any, and the events */
	}
}

static void
tcp_events_batched(struct tcp_ctx *x, const struct epoll_event *evs, int n)
{
	struct tcp_conn *cs[TCP_BATCH];
	size_t nb = 0;

	for (int i = 0; i < n; i++) {
		struct tcp_conn *c = &x->conns[evs[i].data.u64];
		uint32_t ev = evs[i].events;

		if (c->state != TCP_OPEN || (ev & (EPOLLERR | EPOLLHUP)) ||
		    !(ev & EPOLLIN)) {
			tcp_event(x, c, ev);
			continue;
		}
		cs[nb++] = c;
		if (nb == TCP_BATCH) {
			tcp_batch(x, cs, nb);
			nb = 0;
		}
	}
	if (nb > 0)
		tcp_batch(x, cs, nb);
}

static void
tcp_loop(struct tcp_ctx *x)
{
	struct epoll_event evs[TCP_EVENTS];
	uint64_t left;
	int n, i, timeout;

	for (;;) {
		tcp_connect_slots(x);
		if (tcp_done(x))
			break;
		if (x->o->mode == BENCH_IDLE && !x->stopping &&
		    x->connecting == 0 && x->ready == x->open)
			tcp_idle_ready(x);
		left = x->deadline > x->now ? x->deadline - x->now : 0;
		timeout = left > 10000000 ? 10 : (int)(left / 1000000) + 1;
		n = epoll_wait(x->poll.ep, evs, TCP_EVENTS, timeout);
		x->now = clock_mono_ns();
		if (x->iob != NULL) {
			tcp_events_batched(x, evs, n);
			continue;
		}
		for (i = 0; i < n; i++)
			tcp_event(x, &x->conns[evs[i].data.u64], evs[i].events);
	}
	/* A connection that never completed (a full accept queue drops the
	 * SYNs) is an error: without it the run said "errors 0".  Churn's
	 * connects in flight at the end are its load cut off, not errors. */
	for (i = 0; i < (int)x->sh->conns; i++)
		if (x->o->mode != BENCH_CHURN &&
		    x->conns[i].state == TCP_CONNECTING)
			tcp_drop(x, &x->conns[i], "connect",
			    ETIMEDOUT, 0);
	x->sh->stats.elapsed = (double)(x->now - x->start) / 1e9;
	if (x->o->mode == BENCH_IDLE)
		x->sh->stats.established = x->ready;
}

static int
tcp_setup(struct tcp_ctx *x, struct bench_share *sh)
{
	const struct bench_opts *o = sh->opts;
	uint32_t i;

	memset(x, 0, sizeof(*x));
	x->sh = sh;
	x->o = o;
	x->budget_left = sh->budget ? sh->budget : UINT64_MAX;
	x->now = x->start = clock_mono_ns();
	/* Churn connects as its load, and idle mode spends all of --duration
	 * connecting.  The others get --duration to open their connections,
	 * then --duration of load: a floor of 10 s for the first made -t 2
	 * run 10 s against a listener that never accepts. */
	x->deadline = x->now + (uint64_t)(o->duration * 1e9);
	x->conns = calloc(sh->conns, sizeof(*x->conns));
	x->ts = calloc((size_t)sh->conns * o->depth, sizeof(*x->ts));
	x->rbuf = malloc(TCP_RBUF);
	if (bench_poll_open(&x->poll, sh->conns) < 0 || !x->conns || !x->ts ||
	    !x->rbuf) {
		fprintf(stderr, "bench: out of memory or epoll: %s\n",
		    strerror(errno));
		return -1;
	}
	if (o->io_uring) {
		char err[128];

		/* calloc: untouched pages cost nothing until a batch uses
		 * them. */
		x->arena = calloc(TCP_BATCH, TCP_SLICE);
		if (x->arena != NULL)
			x->iob = iobatch_new(TCP_BATCH, err, sizeof(err));
		if (x->iob == NULL && sh->first_id == 0 && !o->quiet)
			fprintf(stderr, "bench: a recv and a send per event: "
			    "%s\n", x->arena ? err : "out of memory");
	}
	for (i = 0; i < sh->conns; i++) {
		x->conns[i].sock.fd = -1;
		x->conns[i].id = sh->first_id + i;
		x->conns[i].ts = x->ts + (size_t)i * o->depth;
	}
	/* Churn and idle load each connection as soon as it is open; the
	 * others start together once all are open. */
	if (o->mode == BENCH_CHURN || o->mode == BENCH_IDLE)
		x->running = 1;
	return 0;
}

int
bench_tcp_run(struct bench_share *sh)
{
	struct tcp_ctx x;
	int rc = -1;

	if (tcp_setup(&x, sh) < 0)
		goto out;
	tcp_loop(&x);
	rc = 0;
out:
	/* In the reverse order of tcp_setup: the set before the connections
	 * its sockets are in. */
	iobatch_free(x.iob);
	free(x.arena);
	bench_poll_free(&x.poll);
	free(x.rbuf);
	free(x.ts);
	free(x.conns);
	return rc;
}
