/*
 * client_verify_tcp: the TCP engine of `echoctl verify`.  The result is
 * the offset of the first mismatch, a truncation (the server closed
 * early), a timeout (-t without progress) or extra bytes.  At most
 * VERIFY_INFLIGHT bytes are sent and not yet echoed, and nothing is kept
 * of what was sent: each echoed byte is checked against the stream.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "client/client_pattern.h"
#include "client/client_verify_tcp.h"

#define VERIFY_CHUNK	65536		/* sent at a time */
#define VERIFY_INFLIGHT	(4u << 20)	/* bytes sent but not echoed */

static void
verify_tcp_send(void *arg)
{
	struct verify_tcp *t = arg;
	struct verify_result *r = t->r;
	unsigned char buf[VERIFY_CHUNK];

	while (t->wr < r->total && t->wr - r->cmp < VERIFY_INFLIGHT) {
		size_t n = r->total - t->wr < sizeof(buf) ?
		    (size_t)(r->total - t->wr) : sizeof(buf);
		ssize_t w;

		client_pattern_fill(t->o->seed, t->wr, buf, n);
		w = send(t->l->fd, buf, n, MSG_NOSIGNAL);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (w == -1) {
			snprintf(r->why, sizeof(r->why), "send: %s",
			    strerror(errno));
			verify_result_end(r, t->l, "error");
			return;
		}
		t->wr += (uint64_t)w;
	}
	if (t->wr == r->total && !t->fin) {
		shutdown(t->l->fd, SHUT_WR);
		t->fin = 1;
	}
	client_loop_want_write(t->l, t->wr < r->total &&
	    t->wr - r->cmp < VERIFY_INFLIGHT);
}

static void
verify_tcp_check(struct verify_tcp *t, const unsigned char *b, size_t n)
{
	struct verify_result *r = t->r;
	size_t mine = r->cmp + n > r->total ? (size_t)(r->total - r->cmp) : n;
	size_t k = client_pattern_check(t->o->seed, r->cmp, b, mine);

	if (k < mine) {
		unsigned char want;

		client_pattern_fill(t->o->seed, r->cmp + k, &want, 1);
		r->mismatch_at = r->cmp + k;
		snprintf(r->why, sizeof(r->why), "first mismatch at byte offset "
		    "%llu: sent 0x%02x, got 0x%02x",
		    (unsigned long long)r->mismatch_at, want, b[k]);
		r->cmp += k;
		verify_result_end(r, t->l, "mismatch");
		return;
	}
	r->cmp += mine;
	if (n > mine) {
		r->extra = n - mine;
		snprintf(r->why, sizeof(r->why), "the server sent bytes beyond "
		    "the %llu sent", (unsigned long long)r->total);
		verify_result_end(r, t->l, "extra");
	}
}

/* The echo stopped before all of it came back: a close or an error. */
static void
verify_tcp_cut(struct verify_tcp *t, const char *why)
{
	struct verify_result *r = t->r;

	snprintf(r->why, sizeof(r->why), "%s after %llu of %llu bytes were "
	    "echoed", why, (unsigned long long)r->cmp,
	    (unsigned long long)r->total);
	verify_result_end(r, t->l, "truncated");
}

static void
verify_tcp_error(void *arg, int err)
{
	verify_tcp_cut(arg, strerror(err));
}

static void
verify_tcp_data(void *arg, const unsigned char *b, size_t n)
{
	struct verify_tcp *t = arg;
	struct verify_result *r = t->r;

	if (n == 0 && r->cmp == r->total) {
		verify_result_end(r, t->l, "ok");
		return;
	}
	if (n == 0) {
		verify_tcp_cut(t, "the server closed the connection");
		return;
	}
	verify_tcp_check(t, b, n);
	if (r->result != NULL)
		return;
	/* All back: wait only briefly for the close (or extra bytes). */
	client_loop_timer(t->l, r->cmp == r->total && t->o->timeout > 0.5 ?
	    0.5 : t->o->timeout);
	verify_tcp_send(t);
}

/* -t passed without progress. */
static void
verify_tcp_timer(void *arg)
{
	struct verify_tcp *t = arg;
	struct verify_result *r = t->r;

	if (r->cmp == r->total) {
		verify_result_end(r, t->l, "ok");
		return;
	}
	snprintf(r->why, sizeof(r->why), "no progress for %gs: %llu of %llu "
	    "bytes echoed", t->o->timeout, (unsigned long long)r->cmp,
	    (unsigned long long)r->total);
	verify_result_end(r, t->l, "timeout");
}

const struct client_loop_ops verify_tcp_ops = {
	.data = verify_tcp_data, .error = verify_tcp_error,
	.write = verify_tcp_send, .timer = verify_tcp_timer,
};

void
verify_tcp_start(struct verify_tcp *t)
{
	t->r->total = t->o->bytes;
	client_loop_timer(t->l, t->o->timeout);
	verify_tcp_send(t);
	if (t->r->total == 0)
		verify_result_end(t->r, t->l, "ok");
}
