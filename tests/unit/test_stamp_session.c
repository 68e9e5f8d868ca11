/*
 * test_stamp_session: the stateful reflector's session table.  Each
 * 5-tuple counts from zero; any change of address or port is another
 * session (IPv4 and its v4-mapped form are one); an idle session ends; a
 * full window evicts the least recently seen session, which then starts
 * again at zero; the table's memory is fixed whatever the traffic.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "common/addr.h"
#include "daemon/stamp_session.h"

static struct addr
ap(const char *host, uint16_t port)
{
	struct addr a;
	char err[128];

	assert_int_equal(addr_parse(host, port, &a, NULL, err, sizeof(err)), 0);
	return a;
}

#define SA(h, p) (&(struct addr[]){ ap(h, p) }[0].u.sa)

static struct stamp_session_stats
st(const struct stamp_session *t)
{
	struct stamp_session_stats s;

	stamp_session_stats(t, &s);
	return s;
}

static void
test_numbering(void **state)
{
	struct stamp_session *t = stamp_session_new(1024, 1000);
	const struct sockaddr *dst = SA("127.0.0.1", 862);

	(void)state;
	assert_non_null(t);
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(stamp_session_next(t, SA("127.0.0.1", 40000),
		    dst, 1.0 + i), i);
	/* Another source port, source address, or destination: new. */
	assert_int_equal(stamp_session_next(t, SA("127.0.0.1", 40001), dst, 200),
	    0);
	assert_int_equal(stamp_session_next(t, SA("127.0.0.2", 40000), dst, 200),
	    0);
	assert_int_equal(stamp_session_next(t, SA("127.0.0.1", 40000),
	    SA("127.0.0.1", 863), 200), 0);
	assert_int_equal(stamp_session_next(t, SA("127.0.0.1", 40000),
	    SA("127.0.0.3", 862), 200), 0);
	/* The first one goes on; its v4-mapped form is the same session. */
	assert_int_equal(stamp_session_next(t, SA("127.0.0.1", 40000), dst, 200),
	    100);
	assert_int_equal(stamp_session_next(t, SA("::ffff:127.0.0.1", 40000),
	    SA("::ffff:127.0.0.1", 862), 200), 101);
	assert_int_equal(stamp_session_next(t, SA("::1", 40000), SA("::1", 862),
	    200), 0);
	assert_int_equal(st(t).used, 6);
	assert_int_equal(st(t).started, 6);
	assert_int_equal(st(t).evictions, 0);
	stamp_session_free(t);
}

static void
test_idle(void **state)
{
	struct stamp_session *t = stamp_session_new(64, 10);
	const struct sockaddr *src = SA("192.0.2.1", 5000);
	const struct sockaddr *dst = SA("192.0.2.2", 862);

	(void)state;
	assert_int_equal(stamp_session_next(t, src, dst, 100), 0);
	assert_int_equal(stamp_session_next(t, src, dst, 110), 1); /* 10 s */
	assert_int_equal(stamp_session_next(t, src, dst, 120.5), 0); /* ended */
	assert_int_equal(stamp_session_next(t, src, dst, 121), 1);
	assert_int_equal(st(t).used, 1);
	assert_int_equal(st(t).started, 2);
	stamp_session_free(t);
}

static void
test_eviction(void **state)
{
	/* 8 slots: the whole table is one window. */
	struct stamp_session *t = stamp_session_new(8, 1000);
	const struct sockaddr *dst = SA("198.51.100.1", 862);
	size_t bytes = st(t).table_bytes;

	(void)state;
	for (uint16_t p = 0; p < 8; p++) {
		assert_int_equal(stamp_session_next(t, SA("203.0.113.9",
		    1000 + p), dst, 1 + p), 0);
		assert_int_equal(stamp_session_next(t, SA("203.0.113.9",
		    1000 + p), dst, 1 + p), 1);
	}
	assert_int_equal(st(t).used, 8);
	/* A ninth session evicts the least recently seen (port 1000). */
	assert_int_equal(stamp_session_next(t, SA("203.0.113.9", 2000), dst, 20),
	    0);
	assert_int_equal(st(t).evictions, 1);
	assert_int_equal(stamp_session_next(t, SA("203.0.113.9", 1001), dst, 21),
	    2);
	assert_int_equal(stamp_session_next(t, SA("203.0.113.9", 1000), dst, 22),
	    0);
	/* A flood of one-packet sessions: memory stays what it was. */
	for (uint32_t i = 0; i < 100000; i++)
		(void)stamp_session_next(t, SA("203.0.113.10", (uint16_t)i),
		    dst, 30 + i * 1e-3);
	assert_int_equal(st(t).used, 8);
	assert_int_equal(st(t).table_bytes, bytes);
	assert_true(st(t).evictions > 99990);
	stamp_session_free(t);
}

static void
test_bad_args(void **state)
{
	(void)state;
	assert_null(stamp_session_new(7, 60));
	assert_null(stamp_session_new(STAMP_SESSION_MAX + 1, 60));
	assert_null(stamp_session_new(64, 0));
	assert_null(stamp_session_new(64, -1));
	stamp_session_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbering),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
