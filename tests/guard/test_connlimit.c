/* test_connlimit: per-source open-connection caps and connection rates. */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guard/connlimit.h"

#include "test_sa.h"

static struct connlimit *
mk(uint32_t per_source, double rate, double burst, uint32_t size)
{
	struct connlimit_conf c;
	char err[256];
	struct connlimit *cl;

	connlimit_conf_defaults(&c);
	c.per_source = per_source;
	c.rate = rate;
	c.burst = burst;
	cl = connlimit_new(&c, size, err, sizeof(err));
	if (cl == NULL)
		fail_msg("connlimit_new: %s", err);
	return cl;
}

static void
test_count(void **state)
{
	struct connlimit *cl = mk(3, 0, 0, 1024);
	struct connlimit_ticket t[5];

	for (int i = 0; i < 3; i++)
		assert_int_equal(connlimit_acquire(cl, SA("192.0.2.1"), 1.0, &t[i]),
		    CONNLIMIT_PASS);
	assert_int_equal(connlimit_acquire(cl, SA("192.0.2.1"), 1.0, &t[3]),
	    CONNLIMIT_COUNT);
	assert_false(t[3].tracked);
	assert_int_equal(connlimit_count(cl, SA("192.0.2.1")), 3);
	assert_int_equal(connlimit_acquire(cl, SA("192.0.2.2"), 1.0, &t[4]),
	    CONNLIMIT_PASS);
	connlimit_release(cl, SA("192.0.2.1"), &t[1]);
	assert_false(t[1].tracked);
	connlimit_release(cl, SA("192.0.2.1"), &t[1]);	/* twice is harmless */
	assert_int_equal(connlimit_count(cl, SA("192.0.2.1")), 2);
	assert_int_equal(connlimit_acquire(cl, SA("::ffff:192.0.2.1"), 1.0,
	    &t[1]), CONNLIMIT_PASS);
	assert_int_equal(connlimit_count(cl, SA("192.0.2.1")), 3);
	for (int i = 0; i < 3; i++)
		connlimit_release(cl, SA("192.0.2.1"), &t[i]);
	connlimit_release(cl, SA("192.0.2.2"), &t[4]);
	assert_int_equal(connlimit_count(cl, SA("192.0.2.1")), 0);
	connlimit_free(cl);
}

static void
test_rate(void **state)
{
	struct connlimit *cl = mk(0, 1, 2, 1024);
	struct connlimit_ticket t;
	int pass = 0;

	for (int i = 0; i < 5; i++) {
		if (connlimit_acquire(cl, SA("2001:db8:1:2::5"), 10.0, &t) ==
		    CONNLIMIT_PASS) {
			pass++;
			connlimit_release(cl, SA("2001:db8:1:2::5"), &t);
		}
	}
	assert_int_equal(pass, 2);
	/* Same /64, same bucket. */
	assert_int_equal(connlimit_acquire(cl, SA("2001:db8:1:2::6"), 10.0, &t),
	    CONNLIMIT_RATE);
	assert_int_equal(connlimit_acquire(cl, SA("2001:db8:1:2::6"), 11.0, &t),
	    CONNLIMIT_PASS);
	connlimit_release(cl, SA("2001:db8:1:2::6"), &t);
	assert_int_equal(connlimit_acquire(cl, SA("2001:db8:1:3::6"), 11.0, &t),
	    CONNLIMIT_PASS);
	connlimit_release(cl, SA("2001:db8:1:3::6"), &t);
	connlimit_free(cl);
}

static void
test_loopback(void **state)
{
	struct connlimit *cl = mk(1, 1, 1, 64);
	struct connlimit_ticket t[10];

	for (int i = 0; i < 10; i++) {
		assert_int_equal(connlimit_acquire(cl, SA("127.0.0.1"), 1.0, &t[i]),
		    CONNLIMIT_PASS);
		assert_false(t[i].tracked);
	}
	assert_int_equal(connlimit_count(cl, SA("127.0.0.1")), 0);
	connlimit_free(cl);
}

/* A full window of connected sources refuses new sources until one closes;
 * sources without connections are evicted. */
static void
test_table_full(void **state)
{
	struct connlimit *cl = mk(0, 0, 0, 8);	/* one window = whole table */
	struct connlimit_ticket t[9], u;
	char host[32];

	for (int i = 0; i < 8; i++) {
		snprintf(host, sizeof(host), "198.51.100.%d", i + 1);
		assert_int_equal(connlimit_acquire(cl, SA(host), 1.0, &t[i]),
		    CONNLIMIT_PASS);
	}
	assert_int_equal(connlimit_acquire(cl, SA("203.0.113.1"), 1.0, &t[8]),
	    CONNLIMIT_TABLE_FULL);
	/* A known source still gets in. */
	assert_int_equal(connlimit_acquire(cl, SA("198.51.100.3"), 1.0, &u),
	    CONNLIMIT_PASS);
	connlimit_release(cl, SA("198.51.100.3"), &u);
	connlimit_release(cl, SA("198.51.100.5"), &t[4]);
	assert_int_equal(connlimit_acquire(cl, SA("203.0.113.1"), 2.0, &t[8]),
	    CONNLIMIT_PASS);
	/* The evicted source had no connections: nothing lost. */
	for (int i = 0; i < 8; i++) {
		snprintf(host, sizeof(host), "198.51.100.%d", i + 1);
		connlimit_release(cl, SA(host), &t[i]);
	}
	connlimit_release(cl, SA("203.0.113.1"), &t[8]);
	for (int i = 0; i < 8; i++) {
		snprintf(host, sizeof(host), "198.51.100.%d", i + 1);
		assert_int_equal(connlimit_count(cl, SA(host)), 0);
	}
	connlimit_free(cl);
}

static void
test_reconfigure(void **state)
{
	struct connlimit *cl = mk(1, 0, 0, 64);
	struct connlimit_conf c;
	struct connlimit_ticket t[3];
	char err[256];

	assert_int_equal(connlimit_acquire(cl, SA("192.0.2.9"), 1.0, &t[0]),
	    CONNLIMIT_PASS);
	assert_int_equal(connlimit_acquire(cl, SA("192.0.2.9"), 1.0, &t[1]),
	    CONNLIMIT_COUNT);
	connlimit_conf_defaults(&c);
	c.per_source = 2;
	c.rate = 0;
	c.v4_prefix = 24;
	assert_int_equal(connlimit_configure(cl, &c, err, sizeof(err)), 0);
	assert_int_equal(connlimit_acquire(cl, SA("192.0.2.10"), 1.0, &t[1]),
	    CONNLIMIT_PASS);
	assert_int_equal(connlimit_acquire(cl, SA("192.0.2.11"), 1.0, &t[2]),
	    CONNLIMIT_PASS);
	assert_int_equal(connlimit_count(cl, SA("192.0.2.1")), 2);
	/* The ticket from before the reload still releases its own /32. */
	connlimit_release(cl, SA("192.0.2.9"), &t[0]);
	connlimit_release(cl, SA("192.0.2.10"), &t[1]);
	connlimit_release(cl, SA("192.0.2.11"), &t[2]);
	assert_int_equal(connlimit_count(cl, SA("192.0.2.1")), 0);
	c.v4_prefix = 32;
	assert_int_equal(connlimit_configure(cl, &c, err, sizeof(err)), 0);
	assert_int_equal(connlimit_count(cl, SA("192.0.2.9")), 0);
	c.v4_prefix = 24;
	c.rate = -1;
	assert_int_equal(connlimit_configure(cl, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rate"));
	connlimit_free(cl);
}

struct worker_arg {
	struct connlimit *cl;
	const char *host;
};

static void *
churn(void *p)
{
	struct worker_arg *a = p;
	struct connlimit_ticket t[4];

	for (int i = 0; i < 20000; i++) {
		for (int j = 0; j < 4; j++)
			if (connlimit_acquire(a->cl, SA(a->host), 1.0, &t[j]) !=
			    CONNLIMIT_PASS)
				t[j].tracked = false;
		for (int j = 0; j < 4; j++)
			connlimit_release(a->cl, SA(a->host), &t[j]);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct connlimit *cl = mk(6, 0, 0, 64);
	struct worker_arg a = { cl, "192.0.2.50" };
	pthread_t th[3];

	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, churn, &a), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(connlimit_count(cl, SA("192.0.2.50")), 0);
	connlimit_free(cl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_reconfigure),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
