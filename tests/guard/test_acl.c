/* test_acl: CIDR parsing, matching, allow/deny semantics, v4-mapped. */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guard/acl.h"

#include "test_sa.h"

static void
roundtrip(const char *in, const char *want)
{
	struct acl_cidr c;
	char err[256], out[128];

	assert_int_equal(acl_cidr_parse(in, &c, err, sizeof(err)), 0);
	acl_cidr_format(&c, out, sizeof(out));
	assert_string_equal(out, want);
}

static void
test_parse_good(void **state)
{
	roundtrip("10.0.0.0/8", "10.0.0.0/8");
	roundtrip("192.0.2.7", "192.0.2.7/32");
	roundtrip("0.0.0.0/0", "0.0.0.0/0");
	roundtrip("2001:db8::/32", "2001:db8::/32");
	roundtrip("::1", "::1/128");
	roundtrip("::/0", "::/0");
	roundtrip("::ffff:10.0.0.0/104", "10.0.0.0/8");
	roundtrip("::ffff:192.0.2.1", "192.0.2.1/32");
	roundtrip("2001:db8:1:2:3:4:5:6/128", "2001:db8:1:2:3:4:5:6/128");
	roundtrip("172.16.0.0/12", "172.16.0.0/12");
}

static void
expect_bad(const char *in, const char *needle)
{
	struct acl_cidr c;
	char err[256] = "";

	assert_int_equal(acl_cidr_parse(in, &c, err, sizeof(err)), -1);
	if (strstr(err, needle) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", in, err, needle);
}

static void
test_parse_bad(void **state)
{
	expect_bad("", "not an IPv4 or IPv6");
	expect_bad("/8", "not an IPv4 or IPv6");
	expect_bad("10.0.0.0/33", "prefix length must be 0-32");
	expect_bad("2001:db8::/129", "prefix length must be 0-128");
	expect_bad("10.0.0.0/", "prefix length");
	expect_bad("10.0.0.0/08", "prefix length");
	expect_bad("10.0.0.0/-1", "prefix length");
	expect_bad("10.0.0.0/8x", "prefix length");
	expect_bad("10/8", "not an IPv4 or IPv6");
	expect_bad("10.0.0.1/8", "bits set beyond the /8");
	expect_bad("2001:db8::1/64", "bits set beyond the /64");
	expect_bad("example.com", "not an IPv4 or IPv6");
	expect_bad(" 10.0.0.0/8", "not an IPv4 or IPv6");
	expect_bad("fe80::1%eth0", "not an IPv4 or IPv6");
	expect_bad("1.2.3.4.5", "not an IPv4 or IPv6");
	expect_bad("10.0.0.0/8/8", "prefix length");
}

static void
test_match(void **state)
{
	struct acl_cidr c;
	char err[256];

	assert_int_equal(acl_cidr_parse("10.1.0.0/16", &c, err, sizeof(err)), 0);
	assert_true(acl_cidr_match(&c, SA("10.1.255.3")));
	assert_false(acl_cidr_match(&c, SA("10.2.0.1")));
	assert_true(acl_cidr_match(&c, SA("::ffff:10.1.2.3")));
	assert_false(acl_cidr_match(&c, SA("::a01:203")));	/* not mapped */
	assert_int_equal(acl_cidr_parse("192.0.2.128/25", &c, err, sizeof(err)), 0);
	assert_true(acl_cidr_match(&c, SA("192.0.2.200")));
	assert_false(acl_cidr_match(&c, SA("192.0.2.127")));
	assert_int_equal(acl_cidr_parse("2001:db8:ab00::/40", &c, err, sizeof(err)), 0);
	assert_true(acl_cidr_match(&c, SA("2001:db8:abff::1")));
	assert_false(acl_cidr_match(&c, SA("2001:db8:ac00::1")));
	assert_false(acl_cidr_match(&c, SA("10.0.0.1")));
	assert_int_equal(acl_cidr_parse("0.0.0.0/0", &c, err, sizeof(err)), 0);
	assert_true(acl_cidr_match(&c, SA("203.0.113.9")));
	assert_true(acl_cidr_match(&c, SA("::ffff:203.0.113.9")));
	assert_false(acl_cidr_match(&c, SA("2001:db8::1")));
}

static void
test_semantics(void **state)
{
	struct acl a;
	char err[256];

	acl_init(&a);
	assert_true(acl_is_empty(&a));
	assert_true(acl_permits(&a, SA("198.51.100.1")));	/* empty: all */
	assert_int_equal(acl_list_add(&a.deny, "198.51.100.0/24", err, sizeof(err)), 0);
	assert_false(acl_permits(&a, SA("198.51.100.1")));
	assert_false(acl_permits(&a, SA("::ffff:198.51.100.1")));
	assert_true(acl_permits(&a, SA("198.51.101.1")));	/* no allow list */
	assert_int_equal(acl_list_add(&a.allow, "198.51.0.0/16", err, sizeof(err)), 0);
	assert_int_equal(acl_list_add(&a.allow, "2001:db8::/32", err, sizeof(err)), 0);
	assert_true(acl_permits(&a, SA("198.51.101.1")));
	assert_false(acl_permits(&a, SA("198.51.100.1")));	/* deny wins */
	assert_false(acl_permits(&a, SA("203.0.113.1")));	/* not allowed */
	assert_true(acl_permits(&a, SA("2001:db8::5")));
	assert_false(acl_permits(&a, SA("2001:db9::5")));
	assert_int_equal(acl_list_add(&a.allow, "nonsense", err, sizeof(err)), -1);
	assert_int_equal(a.allow.n, 2);	/* a bad entry adds nothing */
	acl_free(&a);
	assert_true(acl_is_empty(&a));
}

static void
test_copy_equal(void **state)
{
	struct acl a, b;
	char err[256];

	acl_init(&a);
	for (int i = 0; i < 100; i++) {
		char cidr[32];

		snprintf(cidr, sizeof(cidr), "10.%d.0.0/16", i);
		assert_int_equal(acl_list_add(&a.allow, cidr, err, sizeof(err)), 0);
	}
	assert_int_equal(acl_copy(&b, &a), 0);
	assert_true(acl_equal(&a, &b));
	assert_true(acl_permits(&b, SA("10.99.1.1")));
	assert_false(acl_permits(&b, SA("10.100.1.1")));
	assert_int_equal(acl_list_add(&b.deny, "10.99.0.0/16", err, sizeof(err)), 0);
	assert_false(acl_equal(&a, &b));
	acl_free(&a);
	acl_free(&b);
}

static void
test_list_bound(void **state)
{
	struct acl_list l = { 0 };
	char err[256];

	for (int i = 0; i < ACL_MAX_ENTRIES; i++)
		assert_int_equal(acl_list_add(&l, "10.0.0.0/8", err, sizeof(err)), 0);
	assert_int_equal(acl_list_add(&l, "10.0.0.0/8", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many entries"));
	free(l.v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_copy_equal),
		cmocka_unit_test(test_list_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
