/*
 * tcp_batch: echo the connections that one loop iteration found readable
 * with one io_uring submission for all their reads and one for all their
 * writes, when there are enough of them for that to pay.
 *
 * A batch saves the kernel entries of the system calls it replaces, but
 * each operation costs the ring some bookkeeping, and each connection
 * reads into its own slice of the arena, which large reads pull through
 * the cache.  bench/batch_cost times both ways on the server side (thread CPU
 * time, loopback, this 2-CPU VM on Linux 6.18): against recv+send, a batch
 * costs 1.16x at 1 readable connection, 1.05x at 4, 1.01x at 12-16, 0.97x
 * at 24, 0.94x at 32 and 0.90x at 64 for 64-byte messages; for 16 KiB and
 * more it costs 1.03-1.34x at every count (the slices).  So fewer than
 * TCP_BATCH_MIN queued connections take the plain path, and a connection
 * whose last read was TCP_BULK_READ or more never queues (tcp_conn.h).
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
/* A read per connection per batch.  The batch is for small messages: a
 * read of TCP_BULK_READ or more takes the connection off it, so a slice
 * need not hold more than a few of those, and the arena's pages (touched
 * once, resident from then on) stay at 512 KiB per worker. */
#define TCP_BATCH_SLICE (16 * 1024)
/* Fewer queued connections than this: each takes the plain path. */
#define TCP_BATCH_MIN 20

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

/* Too few for a batch to pay: the plain read-and-echo for each. */
static bool
batch_plain(struct worker *w)
{
	struct tcp_worker *tw = tcp_worker_of(w);
	size_t live = 0;

	for (size_t i = 0; i < tw->nbatch; i++)
		live += tw->batch[i] != NULL;
	if (live >= TCP_BATCH_MIN)
		return false;
	for (size_t i = 0; i < tw->nbatch; i++) {
		struct conn *c = tw->batch[i];

		if (c == NULL)
			continue;
		tw->batch[i] = NULL;
		c->batched = 0;
		conn_step(w, c, EV_READ);
	}
	tw->nbatch = 0;
	return true;
}

static void
tcp_batch_run(struct worker *w)
{
	struct tcp_worker *tw = tcp_worker_of(w);
	struct conn *cs[TCP_BATCH_MAX];
	struct iobatch_op ops[TCP_BATCH_MAX];
	size_t n, ns = 0;

	if (batch_plain(w) || (n = batch_take(w, cs, ops)) == 0)
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
