/*
 * test_iobatch: batched recv/send through a real io_uring on real socket
 * pairs: every operation's result lands in its own slot, an empty socket
 * reports EAGAIN instead of waiting, a closed peer reads 0, a full socket
 * takes part of a send, and a batch writes where each op says.  Skipped
 * where io_uring is not available (kernel, sysctl or seccomp).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/iobatch.h"

#define NPAIRS 4

static struct iobatch *
ring_or_skip(void)
{
	char err[128];
	struct iobatch *b = iobatch_new(8, err, sizeof(err));

	if (b == NULL) {
		print_message("io_uring unavailable here: %s\n", err);
		skip();
	}
	return b;
}

static void
pairs(int sv[NPAIRS][2])
{
	for (int i = 0; i < NPAIRS; i++)
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
}

static void
unpair(int sv[NPAIRS][2])
{
	for (int i = 0; i < NPAIRS; i++) {
		close(sv[i][0]);
		if (sv[i][1] >= 0)
			close(sv[i][1]);
	}
}

static void
test_recv_results(void **state)
{
	struct iobatch *b = ring_or_skip();
	int sv[NPAIRS][2];
	char bufs[NPAIRS][64];
	struct iobatch_op ops[NPAIRS];

	(void)state;
	pairs(sv);
	assert_int_equal(write(sv[0][1], "alpha", 5), 5);
	/* sv[1]: nothing written: EAGAIN, not a wait */
	assert_int_equal(write(sv[2][1], "gamma-gamma", 11), 11);
	close(sv[3][1]);	/* sv[3]: peer gone: 0 */
	sv[3][1] = -1;
	for (int i = 0; i < NPAIRS; i++)
		ops[i] = (struct iobatch_op){ .fd = sv[i][0], .buf = bufs[i],
		    .len = sizeof(bufs[i]) };
	iobatch_run(b, IOBATCH_RECV, ops, NPAIRS);
	assert_int_equal(ops[0].res, 5);
	assert_memory_equal(bufs[0], "alpha", 5);
	assert_int_equal(ops[1].res, -EAGAIN);
	assert_int_equal(ops[2].res, 11);
	assert_memory_equal(bufs[2], "gamma-gamma", 11);
	assert_int_equal(ops[3].res, 0);
	assert_false(iobatch_broken(b));
	unpair(sv);
	iobatch_free(b);
}

static void
test_send_partial(void **state)
{
	struct iobatch *b = ring_or_skip();
	int sv[NPAIRS][2], small = 4096;
	static char big[1 << 20];
	char got[16];
	struct iobatch_op ops[2];
	ssize_t n;

	(void)state;
	pairs(sv);
	assert_int_equal(setsockopt(sv[1][0], SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)), 0);
	memset(big, 'x', sizeof(big));
	ops[0] = (struct iobatch_op){ .fd = sv[0][0], .buf = "hello", .len = 5 };
	ops[1] = (struct iobatch_op){ .fd = sv[1][0], .buf = big,
	    .len = sizeof(big) };
	iobatch_run(b, IOBATCH_SEND, ops, 2);
	assert_int_equal(ops[0].res, 5);
	/* A full socket takes what fits, never blocks the batch. */
	assert_true(ops[1].res > 0 && (size_t)ops[1].res < sizeof(big));
	n = read(sv[0][1], got, sizeof(got));
	assert_int_equal(n, 5);
	assert_memory_equal(got, "hello", 5);
	ops[0] = (struct iobatch_op){ .fd = sv[1][0], .buf = big,
	    .len = sizeof(big) };
	iobatch_run(b, IOBATCH_SEND, ops, 1);
	assert_int_equal(ops[0].res, -EAGAIN);
	unpair(sv);
	iobatch_free(b);
}

static void
test_many_batches(void **state)
{
	struct iobatch *b = ring_or_skip();
	int sv[NPAIRS][2];
	char out[NPAIRS][32], in[NPAIRS][32];
	struct iobatch_op ops[NPAIRS];

	(void)state;
	pairs(sv);
	/* More batches than the ring has entries: nothing is left behind. */
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < NPAIRS; i++) {
			int len = snprintf(out[i], sizeof(out[i]), "r%d-p%d",
			    round, i);

			ops[i] = (struct iobatch_op){ .fd = sv[i][1],
			    .buf = out[i], .len = (size_t)len };
		}
		iobatch_run(b, IOBATCH_SEND, ops, NPAIRS);
		for (int i = 0; i < NPAIRS; i++)
			ops[i] = (struct iobatch_op){ .fd = sv[i][0],
			    .buf = in[i], .len = sizeof(in[i]) };
		iobatch_run(b, IOBATCH_RECV, ops, NPAIRS);
		for (int i = 0; i < NPAIRS; i++) {
			assert_int_equal(ops[i].res, (ssize_t)strlen(out[i]));
			assert_memory_equal(in[i], out[i], strlen(out[i]));
		}
	}
	assert_false(iobatch_broken(b));
	unpair(sv);
	iobatch_free(b);
}

static void
test_bad_fd(void **state)
{
	struct iobatch *b = ring_or_skip();
	char buf[8];
	struct iobatch_op op = { .fd = 1000000, .buf = buf, .len = sizeof(buf) };

	(void)state;
	iobatch_run(b, IOBATCH_RECV, &op, 1);
	assert_int_equal(op.res, -EBADF);
	assert_false(iobatch_broken(b));
	iobatch_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recv_results),
		cmocka_unit_test(test_send_partial),
		cmocka_unit_test(test_many_batches),
		cmocka_unit_test(test_bad_fd),
	};

	return cmocka_run_group_tests_name("iobatch", tests, NULL, NULL);
}
