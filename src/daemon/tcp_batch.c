/*
 * tcp_batch: echo the connections that one loop iteration found readable
 * with one io_uring submission for all their reads and one for all their
 * writes.  On a loopback ping-pong the two system calls per message are
 * most of the server's work, and entering the kernel is a large part of
 * each (scripts/bench: about half the CPU per message goes away).
 *
 * conn_cb queues a readable connection that has nothing pending (the same
 * case the plain path reads straight into scratch); after libev invoked
 * every callback of the iteration, tcp_batch_run_all runs the queue.
 * Each connection reads into its own slice of the worker's arena and the
 * echo is written from there; from the write on, everything is the plain
 * path's (conn_direct_sent, conn_finish).  A connection closed while queued
 * (idle timer, a limit, the drain) leaves the queue in conn_close; one that
 * changed state while queued takes the plain path.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/iobatch.h"
#include "daemon/tcp_conn.h"

#define TCP_BATCH_MAX 32
#define TCP_BATCH_SLICE (64 * 1024)	/* a read per connection per batch */

int
tcp_batch_init(struct tcp_worker *tw, bool want, char *err, size_t errlen)
{
	if (!want) {
		snprintf(err, errlen, "io_uring = false");
		return -1;
	}
	tw->iob = iobatch_new(TCP_BATCH_MAX, err, errlen);
	if (tw->iob == NULL)
		return -1;
	/* calloc: pages stay untouched (no memory) until a batch uses them,
	 * and memcheck sees the arena as defined although the kernel, not
	 * our code, writes it. */
	tw->batch = calloc(TCP_BATCH_MAX, sizeof(*tw->batch));
	tw->arena = calloc(TCP_BATCH_MAX, TCP_BATCH_SLICE);
	if (tw->batch == NULL || tw->arena == NULL) {
		snprintf(err, errlen, "io_uring: out of memory");
		tcp_batch_free(tw);
		return -1;
	}
	return 0;
}

void
tcp_batch_free(struct tcp_worker *tw)
{
	iobatch_free(tw->iob);
	tw->iob = NULL;
	free(tw->batch);
	tw->batch = NULL;
	tw->nbatch = 0;
	free(tw->arena);
	tw->arena = NULL;
}

/* Take the queue: the connections to read, each with its slice. */
static size_t
batch_take(struct worker *w, struct conn **cs, struct iobatch_op *ops)
{
	struct tcp_worker *tw = tcp_worker_of(w);
	size_t n = 0;

	for (size_t i = 0; i < tw->nbatch; i++) {
		struct conn *c = tw->batch[i];
		size_t max;

		if (c == NULL)
			continue;
		tw->batch[i] = NULL;
		c->batched = 0;
		max = conn_batchable(c) ?
		    conn_direct_max(c, TCP_BATCH_SLICE) : 0;
		if (max == 0) {
			conn_step(w, c, EV_READ);
			continue;
		}
		conn_touch(w, c);
		ops[n] = (struct iobatch_op){ .fd = c->io.fd,
		    .buf = tw->arena + n * TCP_BATCH_SLICE, .len = max };
		cs[n++] = c;
	}
	tw->nbatch = 0;
	return n;
}

/* A kernel that broke the ring (iobatch.h) will not be trusted again. */
static void
batch_check_ring(struct worker *w)
{
	struct tcp_worker *tw = tcp_worker_of(w);

	if (!iobatch_broken(tw->iob))
		return;
	log_warn(w->log, "worker %u: io_uring failed; back to one system "
	    "call per read and write", w->index);
	iobatch_free(tw->iob);
	tw->iob = NULL;
}

static void
tcp_batch_run(struct worker *w)
{
	struct tcp_worker *tw = tcp_worker_of(w);
	struct conn *cs[TCP_BATCH_MAX];
	struct iobatch_op ops[TCP_BATCH_MAX];
	size_t n = batch_take(w, cs, ops), ns = 0;

	if (n == 0)
		return;
	iobatch_run(tw->iob, IOBATCH_RECV, ops, n);
	for (size_t i = 0; i < n; i++) {
		int err;
		ssize_t r = iobatch_result(&ops[i], &err);
		enum close_reason why = conn_direct_got(w, cs[i], r, err);

		if (why != CLOSE_NONE || r <= 0) {
			conn_finish(w, cs[i], why);
			continue;
		}
		ops[ns] = ops[i];
		ops[ns].len = (size_t)r;
		cs[ns++] = cs[i];
	}
	if (ns > 0)
		iobatch_run(tw->iob, IOBATCH_SEND, ops, ns);
	for (size_t i = 0; i < ns; i++) {
		int err;
		ssize_t m = iobatch_result(&ops[i], &err);

		conn_finish(w, cs[i], conn_direct_sent(w, cs[i], ops[i].buf,
		    ops[i].len, m, err));
	}
	batch_check_ring(w);
}

void
tcp_batch_add(struct worker *w, struct conn *c)
{
	struct tcp_worker *tw = tcp_worker_of(w);

	if (tw->nbatch == TCP_BATCH_MAX)
		tcp_batch_run(w);
	if (tw->iob == NULL) {		/* the ring just failed */
		conn_step(w, c, EV_READ);
		return;
	}
	tw->batch[tw->nbatch++] = c;
	c->batched = 1;
}

void
tcp_batch_run_all(struct worker *w)
{
	while (tcp_worker_of(w)->nbatch > 0) {
		tcp_batch_run(w);
		ev_invoke_pending(w->loop);
	}
}
