/*
 * iobatch: many non-blocking recv or send calls in one system call, through
 * an io_uring.  On this kind of machine a loopback echo of a small message
 * costs two system calls, and entering the kernel is a large share of them:
 * a worker that gathers the connections one epoll_wait found readable and
 * issues their reads (then their writes) as one batch saves most of it.
 *
 * Every operation carries MSG_DONTWAIT, so none is ever left in flight: the
 * kernel tries each one at once and reports EAGAIN instead of waiting, and
 * iobatch_run returns only when all have completed.  The caller's buffers
 * are therefore free again when it returns, exactly as after recv(2).
 */
#ifndef ECHOD_IOBATCH_H
#define ECHOD_IOBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct iobatch;

enum iobatch_kind { IOBATCH_RECV, IOBATCH_SEND };

struct iobatch_op {
	int fd;
	void *buf;
	size_t len;
	ssize_t res;		/* out: bytes, or -errno */
};

/* An operation's outcome as its system call reports it: bytes, or -1 with
 * *err set (0 otherwise), so callers share the plain path's handling. */
static inline ssize_t
iobatch_result(const struct iobatch_op *op, int *err)
{
	*err = op->res < 0 ? (int)-op->res : 0;
	return op->res < 0 ? -1 : op->res;
}

/* NULL when io_uring cannot be used here (not built in, kernel too old,
 * disabled by sysctl or a seccomp filter): err says why. */
struct iobatch *iobatch_new(unsigned depth, char *err, size_t errlen);
void iobatch_free(struct iobatch *b);
/* Run n operations of one kind, n at most the depth given to iobatch_new;
 * each op's res is set.  An operation the kernel did not take reports
 * -EAGAIN, so the caller treats it as "try later", like a full socket. */
void iobatch_run(struct iobatch *b, enum iobatch_kind kind,
    struct iobatch_op *ops, size_t n);
/* True once the ring failed in a way that leaves entries behind (it is
 * then never used again, every run reports -EAGAIN): the caller should
 * say so and go back to plain system calls. */
bool iobatch_broken(const struct iobatch *b);

#endif
