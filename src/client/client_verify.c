/*
 * client_verify: `echoctl verify tcp|udp HOST PORT`.  Sends a seeded
 * pseudo-random pattern (client_pattern.c) and checks every echoed byte
 * against it.  TCP: -n BYTES as one stream, then FIN; the result is the
 * offset of the first mismatch, a truncation (the server closed early), a
 * timeout (-t without progress) or extra bytes.  UDP: -c datagrams of -s
 * bytes, each holding its index, at most VERIFY_WINDOW in flight; the result
 * counts lost, truncated, corrupt (with the first mismatch offset in the
 * stream) and duplicated datagrams.  Memory is O(1) for TCP and one byte plus
 * one timestamp per datagram for UDP (-c is bounded).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_opts.h"
#include "client/client_pattern.h"
#include "client/client_verify.h"
#include "common/clock.h"

#define VERIFY_CHUNK	65536
#define VERIFY_INFLIGHT	(4u << 20)	/* TCP bytes sent but not echoed */

static void
verify_finish(struct verify *v, const char *result)
{
	if (v->result != NULL)
		return;
	v->result = result;
	ev_break(v->loop, EVBREAK_ALL);
}

static void
verify_tcp_send(struct verify *v)
{
	unsigned char buf[VERIFY_CHUNK];

	while (v->wr < v->total && v->wr - v->cmp < VERIFY_INFLIGHT) {
		size_t n = v->total - v->wr < sizeof(buf) ?
		    (size_t)(v->total - v->wr) : sizeof(buf);
		ssize_t w;

		client_pattern_fill(v->o->seed, v->wr, buf, n);
		w = send(v->fd, buf, n, MSG_NOSIGNAL);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (w == -1) {
			snprintf(v->why, sizeof(v->why), "send: %s",
			    strerror(errno));
			verify_finish(v, "error");
			return;
		}
		v->wr += (uint64_t)w;
	}
	if (v->wr == v->total && !v->fin) {
		shutdown(v->fd, SHUT_WR);
		v->fin = 1;
	}
	if (v->wr < v->total && v->wr - v->cmp < VERIFY_INFLIGHT)
		ev_io_start(v->loop, &v->w);
	else
		ev_io_stop(v->loop, &v->w);
}

static void
verify_tcp_check(struct verify *v, const unsigned char *b, size_t n)
{
	size_t mine = v->cmp + n > v->total ? (size_t)(v->total - v->cmp) : n;
	size_t k = client_pattern_check(v->o->seed, v->cmp, b, mine);

	if (k < mine) {
		unsigned char want;

		client_pattern_fill(v->o->seed, v->cmp + k, &want, 1);
		v->mismatch_at = v->cmp + k;
		snprintf(v->why, sizeof(v->why), "first mismatch at byte offset "
		    "%llu: sent 0x%02x, got 0x%02x",
		    (unsigned long long)v->mismatch_at, want, b[k]);
		v->cmp += k;
		verify_finish(v, "mismatch");
		return;
	}
	v->cmp += mine;
	if (n > mine) {
		v->extra = n - mine;
		snprintf(v->why, sizeof(v->why), "the server sent bytes beyond "
		    "the %llu sent", (unsigned long long)v->total);
		verify_finish(v, "extra");
	}
}

static void
verify_tcp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct verify *v = w->data;
	unsigned char buf[VERIFY_CHUNK];
	ssize_t n = recv(v->fd, buf, sizeof(buf), 0);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (v->cmp == v->total && n == 0) {
			verify_finish(v, "ok");
			return;
		}
		snprintf(v->why, sizeof(v->why), "%s after %llu of %llu bytes "
		    "were echoed", n == 0 ? "the server closed the connection" :
		    strerror(errno), (unsigned long long)v->cmp,
		    (unsigned long long)v->total);
		verify_finish(v, "truncated");
		return;
	}
	verify_tcp_check(v, buf, (size_t)n);
	if (v->result != NULL)
		return;
	/* All back: wait only briefly for the close (or extra bytes). */
	v->timer.repeat = v->cmp == v->total && v->o->timeout > 0.5 ? 0.5 :
	    v->o->timeout;
	ev_timer_again(loop, &v->timer);
	verify_tcp_send(v);
}

static void
verify_tcp_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	verify_tcp_send(w->data);
}

static void
verify_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct verify *v = w->data;

	if (v->o->proto == CLIENT_UDP) {
		verify_udp_sweep(v);
		return;
	}
	if (v->cmp == v->total) {
		verify_finish(v, "ok");
		return;
	}
	snprintf(v->why, sizeof(v->why), "no progress for %gs: %llu of %llu "
	    "bytes echoed", v->o->timeout, (unsigned long long)v->cmp,
	    (unsigned long long)v->total);
	verify_finish(v, "timeout");
}

static void
verify_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct verify *v = w->data;

	snprintf(v->why, sizeof(v->why), "interrupted");
	verify_finish(v, "interrupted");
}

static void
verify_watchers(struct verify *v)
{
	ev_io_init(&v->r, v->o->proto == CLIENT_TCP ? verify_tcp_read_cb :
	    verify_udp_read_cb, v->fd, EV_READ);
	ev_io_init(&v->w, v->o->proto == CLIENT_TCP ? verify_tcp_write_cb :
	    verify_udp_write_cb, v->fd, EV_WRITE);
	ev_init(&v->timer, verify_timer_cb);
	v->timer.repeat = v->o->proto == CLIENT_TCP ? v->o->timeout : 0.02;
	ev_signal_init(&v->sigint, verify_signal_cb, SIGINT);
	ev_signal_init(&v->sigterm, verify_signal_cb, SIGTERM);
	v->r.data = v->w.data = v->timer.data = v;
	v->sigint.data = v->sigterm.data = v;
	ev_io_start(v->loop, &v->r);
	ev_timer_again(v->loop, &v->timer);
	ev_signal_start(v->loop, &v->sigint);
	ev_signal_start(v->loop, &v->sigterm);
}

static int
verify_status(const struct verify *v)
{
	if (strcmp(v->result, "refused") == 0)
		return EXITCODE_CONNECT;
	return strcmp(v->result, "ok") == 0 ? EX_OK : EXITCODE_LOSS;
}

static int
verify_run(struct verify *v)
{
	struct addr peer;

	v->fd = client_net_connect(v->o, &peer);
	if (v->fd == -1)
		return EXITCODE_CONNECT;
	addr_format(&peer.u.sa, v->peer, sizeof(v->peer));
	v->loop = ev_default_loop(EVBACKEND_POLL);
	v->start = clock_mono();
	verify_watchers(v);
	if (v->o->proto == CLIENT_TCP) {
		v->total = v->o->bytes;
		verify_tcp_send(v);
		if (v->total == 0)
			verify_finish(v, "ok");
	} else if (verify_udp_start(v) == -1) {
		close(v->fd);
		return EXITCODE_LOSS;
	}
	if (v->result == NULL)
		ev_run(v->loop, 0);
	v->end = clock_mono();
	if (v->o->proto == CLIENT_UDP)
		verify_udp_result(v);
	verify_report(v);
	close(v->fd);
	verify_udp_free(v);
	return verify_status(v);
}

int
client_verify_main(int argc, char **argv)
{
	struct client_opts o;
	struct verify *v;
	int rc;

	rc = client_opts_parse(argc, argv, CLIENT_MODE_VERIFY, &o);
	if (rc != 0)
		return rc == 1 ? EX_OK : EX_USAGE;
	if (!o.have_seed)	/* any value will do, as long as runs differ */
		o.seed = (clock_mono_ns() ^ ((uint64_t)getpid() << 32)) &
		    0x7fffffffffffffffULL;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return EXITCODE_LOSS;
	v->o = &o;
	v->fd = -1;
	rc = verify_run(v);
	free(v);
	return rc;
}
