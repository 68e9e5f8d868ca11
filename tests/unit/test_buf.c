/*
 * test_buf: the per-connection ring: put/consume, wrap-around, the iovecs
 * over free space and pending bytes, and readv/writev through a socketpair.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/buf.h"

/* The pending bytes, in order, gathered through buf_data_iov. */
static size_t
pending(const struct buf *b, char *out, size_t len)
{
	struct iovec iov[2];
	int n = buf_data_iov(b, iov);
	size_t total = 0;

	for (int i = 0; i < n; i++) {
		assert_true(total + iov[i].iov_len <= len);
		memcpy(out + total, iov[i].iov_base, iov[i].iov_len);
		total += iov[i].iov_len;
	}
	assert_int_equal(total, buf_len(b));
	return total;
}

static void
test_put_consume(void **state)
{
	struct buf *b = buf_new(8);
	char out[16];

	(void)state;
	assert_non_null(b);
	assert_true(buf_is_empty(b));
	assert_int_equal(buf_room(b), 8);
	assert_int_equal(buf_put(b, "hello", 5), 5);
	assert_int_equal(buf_len(b), 5);
	assert_int_equal(buf_room(b), 3);
	assert_int_equal(pending(b, out, sizeof(out)), 5);
	assert_memory_equal(out, "hello", 5);
	buf_consume(b, 2);
	assert_int_equal(pending(b, out, sizeof(out)), 3);
	assert_memory_equal(out, "llo", 3);
	assert_int_equal(buf_put(b, "0123456789", 10), 5);	/* only room */
	assert_true(buf_is_full(b));
	assert_int_equal(buf_put(b, "x", 1), 0);
	assert_int_equal(pending(b, out, sizeof(out)), 8);
	assert_memory_equal(out, "llo01234", 8);
	buf_consume(b, 8);
	assert_true(buf_is_empty(b));
	assert_int_equal(b->head, 0);	/* an emptied ring rewinds */
	buf_free(b);
}

static void
test_wrap_iovecs(void **state)
{
	struct buf *b = buf_new(8);
	struct iovec iov[2];
	char out[16];

	(void)state;
	assert_int_equal(buf_put(b, "abcdef", 6), 6);
	buf_consume(b, 4);			/* head 4, "ef" pending */
	assert_int_equal(buf_free_iov(b, iov), 2);	/* [6,8) and [0,4) */
	assert_ptr_equal(iov[0].iov_base, b->data + 6);
	assert_int_equal(iov[0].iov_len, 2);
	assert_ptr_equal(iov[1].iov_base, b->data);
	assert_int_equal(iov[1].iov_len, 4);
	memcpy(iov[0].iov_base, "gh", 2);
	memcpy(iov[1].iov_base, "ijk", 3);
	buf_commit(b, 5);
	assert_int_equal(buf_len(b), 7);
	assert_int_equal(buf_data_iov(b, iov), 2);	/* [4,8) and [0,3) */
	assert_int_equal(iov[0].iov_len, 4);
	assert_int_equal(iov[1].iov_len, 3);
	assert_int_equal(pending(b, out, sizeof(out)), 7);
	assert_memory_equal(out, "efghijk", 7);
	assert_int_equal(buf_free_iov(b, iov), 1);	/* [3,4) */
	assert_ptr_equal(iov[0].iov_base, b->data + 3);
	assert_int_equal(iov[0].iov_len, 1);
	buf_consume(b, 5);			/* head wraps to 1 */
	assert_int_equal(b->head, 1);
	assert_int_equal(buf_data_iov(b, iov), 1);
	assert_memory_equal(iov[0].iov_base, "jk", 2);
	assert_int_equal(buf_put(b, "lmnopq", 6), 6);
	assert_true(buf_is_full(b));
	assert_int_equal(buf_free_iov(b, iov), 0);
	assert_int_equal(pending(b, out, sizeof(out)), 8);
	assert_memory_equal(out, "jklmnopq", 8);
	buf_free(b);
}

/* Bytes through the ring and a socketpair, with wraps, arrive in order. */
static void
test_readv_writev(void **state)
{
	struct buf *b = buf_new(7);	/* odd size: wraps at many offsets */
	int in[2], out[2];
	unsigned char src[1000], dst[1000];
	size_t sent = 0, got = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    in), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    out), 0);
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 3);
	for (int rounds = 0; got < sizeof(src) && rounds < 10000; rounds++) {
		size_t chunk = 1 + (size_t)rounds % 5;
		ssize_t n;

		if (sent < sizeof(src)) {
			if (chunk > sizeof(src) - sent)
				chunk = sizeof(src) - sent;
			assert_int_equal(write(in[0], src + sent, chunk),
			    (ssize_t)chunk);
			sent += chunk;
		}
		n = buf_read_fd(b, in[1]);
		assert_true(n >= 0 || errno == EAGAIN);
		if (rounds % 3 == 0)
			continue;	/* let it fill up and wrap */
		n = buf_write_fd(b, out[0]);
		assert_true(n >= 0);
		n = read(out[1], dst + got, sizeof(dst) - got);
		if (n > 0)
			got += (size_t)n;
	}
	assert_int_equal(got, sizeof(src));
	assert_memory_equal(src, dst, sizeof(src));
	assert_true(buf_is_empty(b));
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
	buf_free(b);
}

static void
test_full_and_empty_fd(void **state)
{
	struct buf *b = buf_new(4);
	int sv[2];
	char c;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(buf_write_fd(b, sv[0]), 0);	/* nothing pending */
	assert_int_equal(write(sv[1], "abcdef", 6), 6);
	assert_int_equal(buf_read_fd(b, sv[0]), 4);
	assert_int_equal(buf_read_fd(b, sv[0]), 0);	/* full: no read */
	assert_int_equal(read(sv[0], &c, 1), 1);	/* "e" still queued */
	assert_int_equal(c, 'e');
	close(sv[1]);
	buf_consume(b, 4);
	assert_int_equal(read(sv[0], &c, 1), 1);
	assert_int_equal(buf_read_fd(b, sv[0]), 0);	/* EOF */
	close(sv[0]);
	assert_int_equal(buf_put(b, "xy", 2), 2);
	errno = 0;
	assert_int_equal(buf_write_fd(b, sv[0]), -1);	/* closed fd */
	assert_int_equal(errno, EBADF);
	assert_int_equal(buf_len(b), 2);		/* nothing lost */
	buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_consume),
		cmocka_unit_test(test_wrap_iovecs),
		cmocka_unit_test(test_readv_writev),
		cmocka_unit_test(test_full_and_empty_fd),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
