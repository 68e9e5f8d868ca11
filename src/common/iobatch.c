/*
 * iobatch: the io_uring behind batched recv/send (see iobatch.h), used by
 * echod's workers and by echoctl bench.  The only file that includes
 * liburing; without it, iobatch_new says so and the callers make plain
 * system calls.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/iobatch.h"

#ifdef HAVE_LIBURING
#include <liburing.h>

struct iobatch {
	struct io_uring ring;
	/* The kernel took only part of a batch, or a completion could not be
	 * reaped: what is left in the ring points at buffers the caller will
	 * reuse, so the ring is never entered again. */
	bool broken;
};

/* RECV and SEND arrived in Linux 5.6; a kernel without them would fail
 * every operation, so probe before trusting the ring. */
static int
iobatch_probe(struct io_uring *ring, char *err, size_t errlen)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(ring);
	int ok;

	if (p == NULL) {
		snprintf(err, errlen, "io_uring: cannot probe operations");
		return -1;
	}
	ok = io_uring_opcode_supported(p, IORING_OP_RECV) &&
	    io_uring_opcode_supported(p, IORING_OP_SEND);
	io_uring_free_probe(p);
	if (!ok) {
		snprintf(err, errlen, "io_uring: kernel lacks recv/send");
		return -1;
	}
	return 0;
}

struct iobatch *
iobatch_new(unsigned depth, char *err, size_t errlen)
{
	struct iobatch *b = calloc(1, sizeof(*b));
	int rc;

	if (b == NULL) {
		snprintf(err, errlen, "io_uring: out of memory");
		return NULL;
	}
	/* SUBMIT_ALL: one bad entry must not stop the rest of a batch;
	 * COOP_TASKRUN: no interrupt to post completions, we wait anyway.
	 * Older kernels refuse the flags: retry without. */
	rc = io_uring_queue_init(depth, &b->ring,
	    IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN);
	if (rc == -EINVAL)
		rc = io_uring_queue_init(depth, &b->ring, 0);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring: %s", strerror(-rc));
		free(b);
		return NULL;
	}
	if (iobatch_probe(&b->ring, err, errlen) < 0) {
		io_uring_queue_exit(&b->ring);
		free(b);
		return NULL;
	}
	return b;
}

void
iobatch_free(struct iobatch *b)
{
	if (b == NULL)
		return;
	io_uring_queue_exit(&b->ring);
	free(b);
}

void
iobatch_run(struct iobatch *b, enum iobatch_kind kind,
    struct iobatch_op *ops, size_t n)
{
	struct io_uring_cqe *cqe;
	size_t queued = 0;
	int submitted, rc;

	for (size_t i = 0; i < n; i++)
		ops[i].res = -EAGAIN;
	if (b->broken || n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);

		if (sqe == NULL)
			break;
		if (kind == IOBATCH_RECV)
			io_uring_prep_recv(sqe, ops[i].fd, ops[i].buf,
			    ops[i].len, MSG_DONTWAIT);
		else
			io_uring_prep_send(sqe, ops[i].fd, ops[i].buf,
			    ops[i].len, MSG_DONTWAIT | MSG_NOSIGNAL);
		io_uring_sqe_set_data64(sqe, i);
		queued++;
	}
	do
		submitted = io_uring_submit(&b->ring);
	while (submitted == -EINTR);
	if (submitted < 0 || (size_t)submitted != queued)
		b->broken = true;
	for (int k = 0; k < submitted; k++) {
		do
			rc = io_uring_wait_cqe(&b->ring, &cqe);
		while (rc == -EINTR);
		if (rc < 0) {
			b->broken = true;
			return;
		}
		if (cqe->user_data < n)
			ops[cqe->user_data].res = cqe->res;
		io_uring_cqe_seen(&b->ring, cqe);
	}
}

bool
iobatch_broken(const struct iobatch *b)
{
	return b->broken;
}

#else /* !HAVE_LIBURING */

struct iobatch *
iobatch_new(unsigned depth, char *err, size_t errlen)
{
	(void)depth;
	snprintf(err, errlen, "built without io_uring (liburing)");
	return NULL;
}

void
iobatch_free(struct iobatch *b)
{
	(void)b;
}

void
iobatch_run(struct iobatch *b, enum iobatch_kind kind,
    struct iobatch_op *ops, size_t n)
{
	(void)b;
	(void)kind;
	for (size_t i = 0; i < n; i++)
		ops[i].res = -EAGAIN;
}

bool
iobatch_broken(const struct iobatch *b)
{
	(void)b;
	return true;
}

#endif
