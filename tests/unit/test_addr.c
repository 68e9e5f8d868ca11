/*
 * test_addr: numeric addresses to sockaddrs and back: IPv4, IPv6, scoped
 * IPv6, the "*" dual-stack wildcard, v4-mapped unmapping and equality.
 */
#include "config.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/un.h>

#include <cmocka.h>

#include "common/addr.h"

static struct addr
parse(const char *host, uint16_t port, bool *dual)
{
	struct addr a;
	char err[128];

	if (addr_parse(host, port, &a, dual, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", host, err);
	return a;
}

static void
check_format(const struct addr *a, const char *full, const char *host)
{
	char buf[ADDR_STRLEN];

	addr_format(&a->u.sa, buf, sizeof(buf));
	assert_string_equal(buf, full);
	addr_format_host(&a->u.sa, buf, sizeof(buf));
	assert_string_equal(buf, host);
}

static void
test_ipv4(void **state)
{
	bool dual = true;
	struct addr a = parse("127.0.0.1", 8888, &dual);

	(void)state;
	assert_false(dual);
	assert_int_equal(a.u.sa.sa_family, AF_INET);
	assert_int_equal(a.len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohl(a.u.in4.sin_addr.s_addr), 0x7f000001);
	assert_int_equal(addr_port(&a.u.sa), 8888);
	check_format(&a, "127.0.0.1:8888", "127.0.0.1");
	assert_false(addr_is_wildcard(&a.u.sa));
	a = parse("0.0.0.0", 7, NULL);
	assert_true(addr_is_wildcard(&a.u.sa));
	check_format(&a, "0.0.0.0:7", "0.0.0.0");
}

static void
test_ipv6(void **state)
{
	struct addr a = parse("::1", 9999, NULL);

	(void)state;
	assert_int_equal(a.u.sa.sa_family, AF_INET6);
	assert_int_equal(a.len, sizeof(struct sockaddr_in6));
	assert_true(IN6_IS_ADDR_LOOPBACK(&a.u.in6.sin6_addr));
	check_format(&a, "[::1]:9999", "::1");
	a = parse("2001:DB8:0:0::42", 1, NULL);
	check_format(&a, "[2001:db8::42]:1", "2001:db8::42");
	a = parse("::", 65535, NULL);
	assert_true(addr_is_wildcard(&a.u.sa));
	check_format(&a, "[::]:65535", "::");
}

static void
test_scoped(void **state)
{
	struct addr a = parse("fe80::1%1", 7, NULL);
	unsigned lo = if_nametoindex("lo");

	(void)state;
	assert_int_equal(a.u.in6.sin6_scope_id, 1);
	check_format(&a, "[fe80::1%1]:7", "fe80::1%1");
	if (lo != 0) {	/* every Linux has lo, but do not assume its index */
		char want[64];

		a = parse("fe80::2%lo", 7, NULL);
		assert_int_equal(a.u.in6.sin6_scope_id, lo);
		snprintf(want, sizeof(want), "fe80::2%%%u", lo);
		addr_format_host(&a.u.sa, want + 32, 32);
		assert_string_equal(want + 32, want);
	}
}

static void
test_wildcard(void **state)
{
	bool dual = false;
	struct addr a, b;

	(void)state;
	a = parse("*", 7, &dual);
	assert_true(dual);
	assert_int_equal(a.u.sa.sa_family, AF_INET6);
	assert_true(addr_is_wildcard(&a.u.sa));
	assert_int_equal(addr_port(&a.u.sa), 7);
	b = parse("::", 7, &dual);
	assert_false(dual);
	assert_true(addr_equal(&a.u.sa, &b.u.sa));	/* same sockaddr */
	assert_int_equal(addr_parse("*", 7, &a, NULL, NULL, 0), 0);
}

static void
test_v4mapped(void **state)
{
	struct addr a = parse("::ffff:10.1.2.3", 7, NULL);
	struct addr b = parse("10.1.2.3", 7, NULL);

	(void)state;
	assert_int_equal(a.u.sa.sa_family, AF_INET6);
	check_format(&a, "10.1.2.3:7", "10.1.2.3");	/* shown unmapped */
	assert_true(addr_equal(&a.u.sa, &b.u.sa));
	assert_true(addr_equal(&b.u.sa, &a.u.sa));
	addr_unmap(&a);
	assert_int_equal(a.u.sa.sa_family, AF_INET);
	assert_int_equal(a.len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohl(a.u.in4.sin_addr.s_addr), 0x0a010203);
	assert_int_equal(addr_port(&a.u.sa), 7);
	addr_unmap(&b);		/* no-op on plain IPv4 */
	assert_int_equal(b.u.sa.sa_family, AF_INET);
	a = parse("::1", 7, NULL);
	addr_unmap(&a);		/* no-op on plain IPv6 */
	assert_int_equal(a.u.sa.sa_family, AF_INET6);
}

static void
test_equality(void **state)
{
	struct addr a = parse("127.0.0.1", 7, NULL);
	struct addr b = parse("127.0.0.1", 8, NULL);
	struct addr c = parse("127.0.0.2", 7, NULL);
	struct addr d = parse("::1", 7, NULL);
	struct addr e = parse("fe80::1%1", 7, NULL);
	struct addr f = parse("fe80::1%2", 7, NULL);
	struct addr g = parse("0:0::1", 7, NULL);

	(void)state;
	assert_true(addr_equal(&a.u.sa, &a.u.sa));
	assert_false(addr_equal(&a.u.sa, &b.u.sa));	/* port */
	assert_false(addr_equal(&a.u.sa, &c.u.sa));	/* address */
	assert_false(addr_equal(&a.u.sa, &d.u.sa));	/* family */
	assert_false(addr_equal(&e.u.sa, &f.u.sa));	/* scope */
	assert_true(addr_equal(&d.u.sa, &g.u.sa));	/* spelling */
}

static void
test_bad(void **state)
{
	const char *bad[] = { "localhost", "", "::1::2", "127.0.0.256",
	    "[::1]", "127.0.0.1:7", "1.2.3.4 ", "fe80::1%nosuchif0" };
	struct addr a;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool dual = true;

		err[0] = '\0';
		if (addr_parse(bad[i], 7, &a, &dual, err, sizeof(err)) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_false(dual);
		assert_non_null(strstr(err, bad[i]));
	}
	assert_int_equal(addr_parse("localhost", 7, &a, NULL, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "'localhost' is not a numeric IPv4 or IPv6 "
	    "address (or \"*\" for all)");
}

static void
test_hostport(void **state)
{
	static const char *const bad[] = {
		"", ":9641", "127.0.0.1:", "127.0.0.1:x", "127.0.0.1:65536",
		"127.0.0.1:-1", "127.0.0.1: 1", "[::1]", "[::1]x", "[::1:9641",
		"::1:9641x", "*:9641", "localhost:9641", "127.0.0.1:0",
		"[]:1", "127.0.0.1:+5",
	};
	struct addr a;
	char err[128], buf[ADDR_STRLEN];

	assert_int_equal(addr_parse_hostport("127.0.0.1:9641", true, &a, err,
	    sizeof(err)), 0);
	addr_format(&a.u.sa, buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1:9641");
	assert_int_equal(addr_parse_hostport("[::1]:9641", true, &a, err,
	    sizeof(err)), 0);
	addr_format(&a.u.sa, buf, sizeof(buf));
	assert_string_equal(buf, "[::1]:9641");
	/* Without the port requirement: a bare address, v4 or v6. */
	assert_int_equal(addr_parse_hostport("::1", false, &a, err, sizeof(err)), 0);
	assert_int_equal(addr_port(&a.u.sa), 0);
	assert_int_equal(addr_parse_hostport("127.0.0.2", false, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(addr_parse_hostport("[::1]", false, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(addr_parse_hostport("::1", true, &a, err, sizeof(err)), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (addr_parse_hostport(bad[i], strcmp(bad[i], "[::1]") == 0 ||
		    strcmp(bad[i], "127.0.0.1:0") == 0, &a, err, sizeof(err)) == 0)
			fail_msg("accepted '%s'", bad[i]);
	assert_non_null(strstr(err, "is not"));
}

static void
test_other_family(void **state)
{
	struct sockaddr_un un;
	char buf[ADDR_STRLEN];

	(void)state;
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	addr_format((struct sockaddr *)&un, buf, sizeof(buf));
	assert_string_equal(buf, "unix");
	assert_int_equal(addr_port((struct sockaddr *)&un), 0);
	assert_false(addr_is_wildcard((struct sockaddr *)&un));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_scoped),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_v4mapped),
		cmocka_unit_test(test_equality),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_other_family),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
