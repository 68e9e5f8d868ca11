/* test_ratelimit: per-source buckets, prefixes, global cap, fixed table. */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guard/ratelimit.h"
#include "guard/srctable.h"

#include "test_sa.h"

static struct ratelimit_conf
conf_src(double pps, double burst)
{
	struct ratelimit_conf c;

	ratelimit_conf_defaults(&c);
	c.pps = pps;
	c.pps_burst = burst;
	c.bps = 0;
	c.global_pps = 0;
	c.global_bps = 0;
	return c;
}

static struct ratelimit *
mk(const struct ratelimit_conf *c, double share)
{
	char err[256];
	struct ratelimit *rl = ratelimit_new(c, share, err, sizeof(err));

	if (rl == NULL)
		fail_msg("ratelimit_new: %s", err);
	return rl;
}

static int
count_pass(struct ratelimit *rl, const char *host, int n, size_t bytes,
    double now)
{
	int pass = 0;

	for (int i = 0; i < n; i++)
		pass += ratelimit_check(rl, SA(host), bytes, now) == RATELIMIT_PASS;
	return pass;
}

static void
test_defaults_valid(void **state)
{
	struct ratelimit_conf c;
	struct ratelimit *rl;

	ratelimit_conf_defaults(&c);
	assert_true(c.pps > 0 && c.bps > 0 && c.global_pps > 0 && c.global_bps > 0);
	assert_int_equal(c.v4_prefix, 32);
	assert_int_equal(c.v6_prefix, 64);
	assert_true(c.exempt_loopback);
	rl = mk(&c, 1);
	assert_int_equal(ratelimit_table_bytes(rl), 16384 * 40);
	ratelimit_free(rl);
}

static void
test_packets(void **state)
{
	struct ratelimit_conf c = conf_src(10, 20);
	struct ratelimit *rl = mk(&c, 1);

	assert_int_equal(count_pass(rl, "192.0.2.1", 50, 100, 1000.0), 20);
	assert_int_equal(ratelimit_check(rl, SA("192.0.2.1"), 1, 1000.0),
	    RATELIMIT_SOURCE);
	/* Another source has its own bucket. */
	assert_int_equal(count_pass(rl, "192.0.2.2", 50, 100, 1000.0), 20);
	/* Half a second refills five. */
	assert_int_equal(count_pass(rl, "192.0.2.1", 50, 100, 1000.5), 5);
	/* A long pause refills only up to the burst. */
	assert_int_equal(count_pass(rl, "192.0.2.1", 50, 100, 2000.0), 20);
	ratelimit_free(rl);
}

static void
test_bytes(void **state)
{
	struct ratelimit_conf c = conf_src(0, 0);
	struct ratelimit *rl;

	c.bps = 1000;
	c.bps_burst = 1000;
	rl = mk(&c, 1);
	/* Larger than the burst: passes once, into debt. */
	assert_int_equal(ratelimit_check(rl, SA("2001:db8::1"), 1500, 10.0),
	    RATELIMIT_PASS);
	assert_int_equal(ratelimit_check(rl, SA("2001:db8::1"), 1, 10.0),
	    RATELIMIT_SOURCE);
	/* Debt of 500 repaid after 0.5 s: still nothing at 0.4 s. */
	assert_int_equal(ratelimit_check(rl, SA("2001:db8::1"), 1, 10.4),
	    RATELIMIT_SOURCE);
	assert_int_equal(ratelimit_check(rl, SA("2001:db8::1"), 1, 10.6),
	    RATELIMIT_PASS);
	/* Average stays at the rate: 10 s of 100-byte datagrams. */
	{
		int pass = 0;

		for (int i = 0; i < 10000; i++)
			pass += ratelimit_check(rl, SA("2001:db8::2"), 100,
			    100.0 + i * 0.001) == RATELIMIT_PASS;
		assert_in_range(pass, 105, 112);
	}
	ratelimit_free(rl);
}

static void
test_prefixes(void **state)
{
	struct ratelimit_conf c = conf_src(1, 5);
	struct ratelimit *rl = mk(&c, 1);

	/* /64: the whole subnet shares one bucket. */
	assert_int_equal(count_pass(rl, "2001:db8:0:1::1", 3, 1, 5.0), 3);
	assert_int_equal(count_pass(rl, "2001:db8:0:1:ffff::9", 5, 1, 5.0), 2);
	assert_int_equal(count_pass(rl, "2001:db8:0:2::1", 5, 1, 5.0), 5);
	/* /32: neighbours are separate. */
	assert_int_equal(count_pass(rl, "198.51.100.1", 9, 1, 5.0), 5);
	assert_int_equal(count_pass(rl, "198.51.100.2", 9, 1, 5.0), 5);
	/* v4-mapped is the same source as plain IPv4. */
	assert_int_equal(count_pass(rl, "::ffff:198.51.100.2", 9, 1, 5.0), 0);
	ratelimit_free(rl);

	c.v4_prefix = 24;
	c.v6_prefix = 128;
	rl = mk(&c, 1);
	assert_int_equal(count_pass(rl, "198.51.100.1", 3, 1, 5.0), 3);
	assert_int_equal(count_pass(rl, "198.51.100.200", 9, 1, 5.0), 2);
	assert_int_equal(count_pass(rl, "2001:db8::1", 9, 1, 5.0), 5);
	assert_int_equal(count_pass(rl, "2001:db8::2", 9, 1, 5.0), 5);
	ratelimit_free(rl);
}

static void
test_loopback(void **state)
{
	struct ratelimit_conf c = conf_src(1, 1);
	struct ratelimit *rl = mk(&c, 1);

	assert_int_equal(count_pass(rl, "127.0.0.9", 1000, 1, 1.0), 1000);
	assert_int_equal(count_pass(rl, "::1", 1000, 1, 1.0), 1000);
	assert_int_equal(count_pass(rl, "::ffff:127.0.0.1", 1000, 1, 1.0), 1000);
	assert_int_equal(ratelimit_used(rl), 0);
	ratelimit_free(rl);
	c.exempt_loopback = false;
	rl = mk(&c, 1);
	assert_int_equal(count_pass(rl, "127.0.0.9", 1000, 1, 1.0), 1);
	ratelimit_free(rl);
}

static void
test_global(void **state)
{
	struct ratelimit_conf c = conf_src(0, 0);
	struct ratelimit *rl;
	char host[32];
	int pass = 0;

	c.global_pps = 100;
	rl = mk(&c, 1);
	for (int i = 0; i < 1000; i++) {
		snprintf(host, sizeof(host), "10.0.%d.%d", i / 250, i % 250 + 1);
		pass += ratelimit_check(rl, SA(host), 10, 7.0) == RATELIMIT_PASS;
	}
	assert_int_equal(pass, 100);
	assert_int_equal(ratelimit_check(rl, SA("10.9.9.9"), 10, 7.0),
	    RATELIMIT_GLOBAL);
	assert_int_equal(ratelimit_check(rl, SA("10.9.9.9"), 10, 7.1),
	    RATELIMIT_PASS);
	ratelimit_free(rl);

	/* Bytes, and a source drop does not use up the global cap. */
	c = conf_src(1, 1);
	c.global_bps = 1000;
	rl = mk(&c, 1);
	assert_int_equal(count_pass(rl, "10.0.0.1", 100, 100, 3.0), 1);
	for (int i = 2; i < 11; i++) {
		snprintf(host, sizeof(host), "10.0.0.%d", i);
		assert_int_equal(ratelimit_check(rl, SA(host), 100, 3.0),
		    RATELIMIT_PASS);
	}
	assert_int_equal(ratelimit_check(rl, SA("10.0.0.99"), 100, 3.0),
	    RATELIMIT_GLOBAL);
	ratelimit_free(rl);
}

/* A worker's share scales the global cap, not the per-source limits. */
static void
test_share(void **state)
{
	struct ratelimit_conf c = conf_src(10, 20);
	struct ratelimit *rl;
	char host[32];
	int pass = 0;

	c.global_pps = 400;
	rl = mk(&c, 0.25);
	assert_int_equal(count_pass(rl, "192.0.2.1", 50, 1, 1.0), 20);
	for (int i = 0; i < 300; i++) {
		snprintf(host, sizeof(host), "198.51.100.%d", i % 250 + 1);
		pass += ratelimit_check(rl, SA(host), 1, 1.0) == RATELIMIT_PASS;
	}
	assert_int_equal(pass, 100 - 20);	/* 400 / 4, 20 taken above */
	ratelimit_free(rl);
}

/* A spoofed flood of one-off sources neither grows the table nor frees a
 * real flooding source from its drained bucket. */
static void
test_fixed_table(void **state)
{
	struct ratelimit_conf c = conf_src(10, 10);
	struct ratelimit *rl;
	char host[48];
	double now = 50.0;
	int heavy = 0;

	c.table_size = 100;	/* rounds up to 128 */
	rl = mk(&c, 1);
	assert_int_equal(ratelimit_table_bytes(rl), 128 * 40);
	for (int i = 0; i < 20000; i++) {
		now += 0.0005;
		heavy += ratelimit_check(rl, SA("203.0.113.77"), 1, now) ==
		    RATELIMIT_PASS;
		for (int j = 0; j < 3; j++) {
			unsigned v = (unsigned)(i * 3 + j);

			snprintf(host, sizeof(host), "2001:db8:%x:%x::1",
			    v >> 16, v & 0xffff);
			(void)ratelimit_check(rl, SA(host), 1, now);
		}
	}
	assert_true(ratelimit_used(rl) <= 128);
	assert_true(ratelimit_evictions(rl) >= 59000);
	assert_int_equal(ratelimit_table_bytes(rl), 128 * 40);
	/* 10 s at 10/s plus a burst of 10; an eviction would add 10 more. */
	assert_in_range(heavy, 100, 115);
	ratelimit_free(rl);
}

/* The same when the datagrams come in batches that share one clock
 * reading (recvmmsg: 32 a batch): the flooder and the newcomers of a batch
 * are all "seen at" the same time, and a newcomer must still evict another
 * newcomer, never the flooder that was looked up after it. */
static void
test_fixed_table_batches(void **state)
{
	struct ratelimit_conf c = conf_src(10, 10);
	struct ratelimit *rl;
	char host[48];
	double now = 50.0;
	int heavy = 0;

	c.table_size = 8;
	rl = mk(&c, 1);
	for (int i = 0; i < 20000; i++) {
		if (i % 8 == 0)
			now += 0.004;	/* 8 x 4 datagrams a batch */
		for (int j = 0; j < 3; j++) {
			unsigned v = (unsigned)(i * 3 + j);

			snprintf(host, sizeof(host), "2001:db8:%x:%x::1",
			    v >> 16, v & 0xffff);
			(void)ratelimit_check(rl, SA(host), 1, now);
		}
		heavy += ratelimit_check(rl, SA("203.0.113.77"), 1, now) ==
		    RATELIMIT_PASS;
	}
	assert_true(ratelimit_used(rl) <= 8);
	/* 10 s at 10/s plus a burst of 10. */
	assert_in_range(heavy, 100, 115);
	ratelimit_free(rl);
}

static void
expect_bad(struct ratelimit_conf c, double share, const char *needle)
{
	char err[256] = "";

	assert_null(ratelimit_new(&c, share, err, sizeof(err)));
	if (strstr(err, needle) == NULL)
		fail_msg("error '%s' lacks '%s'", err, needle);
}

static void
test_bad_conf(void **state)
{
	struct ratelimit_conf c;

	ratelimit_conf_defaults(&c);
	c.pps = -1;
	expect_bad(c, 1, "finite");
	ratelimit_conf_defaults(&c);
	c.pps_burst = 0.5;
	expect_bad(c, 1, "burst");
	ratelimit_conf_defaults(&c);
	c.v4_prefix = 33;
	expect_bad(c, 1, "prefix");
	ratelimit_conf_defaults(&c);
	c.table_size = 1;
	expect_bad(c, 1, "table size");
	ratelimit_conf_defaults(&c);
	expect_bad(c, 0, "share");
	expect_bad(c, 1.5, "share");
}

static void
test_keys(void **state)
{
	uint64_t k[2];

	assert_int_equal(srctable_key(SA("192.0.2.1"), 32, 64, k), 0);
	assert_true(k[0] == 0 && k[1] == 0xffffc0000201ULL);
	assert_int_equal(srctable_key(SA("192.0.2.1"), 0, 64, k), 0);
	assert_true(k[0] == 0 && k[1] == 0xffff00000000ULL);
	assert_int_equal(srctable_key(SA("2001:db8::ff"), 32, 56, k), 0);
	assert_true(k[0] == 0x20010db800000000ULL && k[1] == 0);
	assert_int_equal(srctable_key(SA("2001:db8::ff"), 32, 120, k), 0);
	assert_true(k[1] == 0);
	assert_int_equal(srctable_key(SA("2001:db8::1ff"), 32, 120, k), 0);
	assert_true(k[1] == 0x100);
	assert_true(srctable_is_loopback(SA("127.1.2.3")));
	assert_false(srctable_is_loopback(SA("128.0.0.1")));
	assert_false(srctable_is_loopback(SA("::2")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_valid),
		cmocka_unit_test(test_packets),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_fixed_table),
		cmocka_unit_test(test_fixed_table_batches),
		cmocka_unit_test(test_bad_conf),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
