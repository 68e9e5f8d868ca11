/*
 * client_verify: `echoctl verify tcp|udp HOST PORT`.  Sends a seeded
 * pseudo-random pattern (client_pattern.c) and checks every echoed byte
 * against it.  TCP (here): -n BYTES as one stream, then FIN; the result is
 * the offset of the first mismatch, a truncation (the server closed early),
 * a timeout (-t without progress) or extra bytes.  UDP (client_verify_udp.c):
 * -c datagrams of -s bytes, each holding its index; the result counts lost,
 * truncated, corrupt (with the first mismatch offset in the stream) and
 * duplicated datagrams.  Memory is O(1) for TCP and one byte plus one
 * timestamp per datagram for UDP (-c is bounded).  The report is
 * client_verify_out.c's.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_loop.h"
#include "client/client_net.h"
#include "client/client_pattern.h"
#include "client/client_verify.h"
#include "client/client_verify_out.h"
#include "client/client_verify_udp.h"
#include "common/clock.h"

#define VERIFY_CHUNK	65536
#define VERIFY_INFLIGHT	(4u << 20)	/* TCP bytes sent but not echoed */

struct verify {
	struct client_loop l;
	struct verify_result r;
	const struct client_opts *o;
	int fd;
	uint64_t wr;		/* TCP: bytes sent */
	int fin;		/* TCP: our FIN is sent */
	struct verify_udp u;
};

/* The first result is the run's, and ends it. */
static void
verify_finish(struct verify *v, const char *result)
{
	if (v->r.result == NULL)
		v->r.result = result;
	client_loop_finish(&v->l, EX_OK, NULL);
}

static void
verify_tcp_send(struct verify *v)
{
	struct verify_result *r = &v->r;
	unsigned char buf[VERIFY_CHUNK];

	while (v->wr < r->total && v->wr - r->cmp < VERIFY_INFLIGHT) {
		size_t n = r->total - v->wr < sizeof(buf) ?
		    (size_t)(r->total - v->wr) : sizeof(buf);
		ssize_t w;

		client_pattern_fill(v->o->seed, v->wr, buf, n);
		w = send(v->fd, buf, n, MSG_NOSIGNAL);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (w == -1) {
			snprintf(r->why, sizeof(r->why), "send: %s",
			    strerror(errno));
			verify_finish(v, "error");
			return;
		}
		v->wr += (uint64_t)w;
	}
	if (v->wr == r->total && !v->fin) {
		shutdown(v->fd, SHUT_WR);
		v->fin = 1;
	}
	client_loop_want_write(&v->l, v->wr < r->total &&
	    v->wr - r->cmp < VERIFY_INFLIGHT);
}

static void
verify_tcp_check(struct verify *v, const unsigned char *b, size_t n)
{
	struct verify_result *r = &v->r;
	size_t mine = r->cmp + n > r->total ? (size_t)(r->total - r->cmp) : n;
	size_t k = client_pattern_check(v->o->seed, r->cmp, b, mine);

	if (k < mine) {
		unsigned char want;

		client_pattern_fill(v->o->seed, r->cmp + k, &want, 1);
		r->mismatch_at = r->cmp + k;
		snprintf(r->why, sizeof(r->why), "first mismatch at byte offset "
		    "%llu: sent 0x%02x, got 0x%02x",
		    (unsigned long long)r->mismatch_at, want, b[k]);
		r->cmp += k;
		verify_finish(v, "mismatch");
		return;
	}
	r->cmp += mine;
	if (n > mine) {
		r->extra = n - mine;
		snprintf(r->why, sizeof(r->why), "the server sent bytes beyond "
		    "the %llu sent", (unsigned long long)r->total);
		verify_finish(v, "extra");
	}
}

static void
verify_tcp_read(struct verify *v)
{
	struct verify_result *r = &v->r;
	unsigned char buf[VERIFY_CHUNK];
	ssize_t n = recv(v->fd, buf, sizeof(buf), 0);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (r->cmp == r->total && n == 0) {
			verify_finish(v, "ok");
			return;
		}
		snprintf(r->why, sizeof(r->why), "%s after %llu of %llu bytes "
		    "were echoed", n == 0 ? "the server closed the connection" :
		    strerror(errno), (unsigned long long)r->cmp,
		    (unsigned long long)r->total);
		verify_finish(v, "truncated");
		return;
	}
	verify_tcp_check(v, buf, (size_t)n);
	if (r->result != NULL)
		return;
	/* All back: wait only briefly for the close (or extra bytes). */
	client_loop_timer(&v->l, r->cmp == r->total && v->o->timeout > 0.5 ?
	    0.5 : v->o->timeout);
	verify_tcp_send(v);
}

static void
verify_sock(void *arg, int revents)
{
	struct verify *v = arg;

	if (v->o->proto == CLIENT_UDP) {
		verify_udp_sock(&v->u, revents);
		if (v->r.result != NULL)
			verify_finish(v, v->r.result);
		return;
	}
	if (revents & EV_READ)
		verify_tcp_read(v);
	if ((revents & EV_WRITE) && v->r.result == NULL)
		verify_tcp_send(v);
}

static void
verify_timer(void *arg)
{
	struct verify *v = arg;
	struct verify_result *r = &v->r;

	if (v->o->proto == CLIENT_UDP) {
		verify_udp_sweep(&v->u);
		if (r->result != NULL)
			verify_finish(v, r->result);
		return;
	}
	if (r->cmp == r->total) {
		verify_finish(v, "ok");
		return;
	}
	snprintf(r->why, sizeof(r->why), "no progress for %gs: %llu of %llu "
	    "bytes echoed", v->o->timeout, (unsigned long long)r->cmp,
	    (unsigned long long)r->total);
	verify_finish(v, "timeout");
}

static void
verify_signal(void *arg, int signum)
{
	struct verify *v = arg;

	snprintf(v->r.why, sizeof(v->r.why), "interrupted");
	verify_finish(v, "interrupted");
}

static int
verify_status(const struct verify *v)
{
	if (strcmp(v->r.result, "refused") == 0)
		return EXITCODE_CONNECT;
	return strcmp(v->r.result, "ok") == 0 ? EX_OK : EXITCODE_LOSS;
}

/* Set up the engine of the protocol and send the first bytes; -1 when the
 * UDP engine could not start (said why). */
static int
verify_start(struct verify *v)
{
	v->r.start = clock_mono();
	if (v->o->proto == CLIENT_UDP) {
		v->u.l = &v->l;
		v->u.r = &v->r;
		v->u.o = v->o;
		v->u.fd = v->fd;
		client_loop_timer(&v->l, 0.02);		/* the loss sweep */
		if (verify_udp_start(&v->u) == -1)
			return -1;
		if (v->r.result != NULL)
			verify_finish(v, v->r.result);
		return 0;
	}
	v->r.total = v->o->bytes;
	client_loop_timer(&v->l, v->o->timeout);
	verify_tcp_send(v);
	if (v->r.total == 0)
		verify_finish(v, "ok");
	return 0;
}

static int
verify_run(struct verify *v)
{
	static const struct client_loop_ops ops = {
		.sock = verify_sock, .timer = verify_timer,
		.signal = verify_signal,
	};
	struct addr peer;
	int rc = EXITCODE_LOSS;

	v->fd = client_net_connect(v->o, &peer);
	if (v->fd == -1)
		return EXITCODE_CONNECT;
	addr_format(&peer.u.sa, v->r.peer, sizeof(v->r.peer));
	if (client_loop_init(&v->l, v->fd, v->r.peer, &ops, v) == -1 ||
	    verify_start(v) == -1)
		goto out;
	(void)client_loop_run(&v->l);
	v->r.end = clock_mono();
	if (v->o->proto == CLIENT_UDP)
		verify_udp_result(&v->u);
	verify_report(&v->r);
	rc = verify_status(v);
out:
	close(v->fd);
	verify_udp_free(&v->u);
	return rc;
}

int
client_verify_run(struct client_opts *o)
{
	struct verify *v;
	int rc;

	if (!o->have_seed)	/* any value will do, as long as runs differ */
		o->seed = (clock_mono_ns() ^ ((uint64_t)getpid() << 32)) &
		    0x7fffffffffffffffULL;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return EXITCODE_LOSS;
	v->o = o;
	v->r.o = o;
	v->fd = -1;
	rc = verify_run(v);
	free(v);
	return rc;
}
