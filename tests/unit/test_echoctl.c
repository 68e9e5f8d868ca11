/*
 * test_echoctl: unit tests of echoctl's pure modules: RTT statistics
 * (client_stats), the verify pattern (client_pattern), escaping and hex
 * dumps (term) and the command line (client_opts).
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "client/client_opts.h"
#include "client/client_pattern.h"
#include "client/client_stats.h"
#include "client/term.h"

static void
test_stats_ping_figures(void **state)
{
	struct client_stats st;
	struct client_stats_summary s;
	double v[] = { 1.0, 2.0, 3.0, 4.0 };
	size_t i;

	assert_int_equal(client_stats_init(&st, 100), 0);
	for (i = 0; i < 4; i++)
		client_stats_add(&st, v[i]);
	assert_int_equal(client_stats_summary(&st, &s), 0);
	assert_int_equal(s.n, 4);
	assert_true(s.min == 1.0 && s.max == 4.0 && s.avg == 2.5);
	/* ping: sqrt(mean(x^2) - mean(x)^2) = sqrt(7.5 - 6.25) */
	assert_true(fabs(s.mdev - sqrt(1.25)) < 1e-9);
	assert_true(s.p50 == 2.0 && s.p90 == 4.0 && s.p99 == 4.0);
	client_stats_free(&st);
}

static void
test_stats_percentiles_nearest_rank(void **state)
{
	struct client_stats st;
	struct client_stats_summary s;
	int i;

	assert_int_equal(client_stats_init(&st, 1000), 0);
	for (i = 100; i >= 1; i--)	/* order must not matter */
		client_stats_add(&st, (double)i);
	assert_int_equal(client_stats_summary(&st, &s), 0);
	assert_true(s.p50 == 50.0 && s.p90 == 90.0 && s.p99 == 99.0);
	client_stats_free(&st);
}

static void
test_stats_bounded_reservoir(void **state)
{
	struct client_stats st;
	struct client_stats_summary s;
	int i;

	assert_int_equal(client_stats_init(&st, 64), 0);
	for (i = 0; i < 100000; i++)
		client_stats_add(&st, (double)(i % 1000));
	assert_int_equal(st.len, 64);	/* memory stays at cap */
	assert_int_equal(client_stats_summary(&st, &s), 0);
	assert_int_equal(s.n, 100000);
	assert_true(s.min == 0.0 && s.max == 999.0);
	assert_true(fabs(s.avg - 499.5) < 1e-6);
	assert_true(s.p50 >= 0.0 && s.p50 <= 999.0);
	client_stats_free(&st);
}

static void
test_stats_empty(void **state)
{
	struct client_stats st;
	struct client_stats_summary s;

	assert_int_equal(client_stats_init(&st, 8), 0);
	assert_int_equal(client_stats_summary(&st, &s), 0);
	assert_int_equal(s.n, 0);
	assert_true(s.avg == 0.0 && s.p99 == 0.0);
	client_stats_free(&st);
}

static void
test_pattern_seekable(void **state)
{
	unsigned char a[1000], b[300];

	client_pattern_fill(7, 0, a, sizeof(a));
	client_pattern_fill(7, 333, b, sizeof(b));
	assert_memory_equal(a + 333, b, sizeof(b));
	assert_int_equal(client_pattern_check(7, 0, a, sizeof(a)), sizeof(a));
	assert_int_equal(client_pattern_check(7, 333, b, sizeof(b)), sizeof(b));
}

static void
test_pattern_mismatch_and_seed(void **state)
{
	unsigned char a[256], c[256];

	client_pattern_fill(1, 4096, a, sizeof(a));
	a[77] ^= 0x01;
	assert_int_equal(client_pattern_check(1, 4096, a, sizeof(a)), 77);
	client_pattern_fill(1, 0, a, sizeof(a));
	client_pattern_fill(2, 0, c, sizeof(c));
	assert_memory_not_equal(a, c, sizeof(a));
}

static char *
term_render(int hex, const void *p, size_t n)
{
	static char out[1024];
	FILE *f = fmemopen(out, sizeof(out), "w");

	assert_non_null(f);
	if (hex)
		term_write_hex(f, p, n, 16);
	else
		term_write_escaped(f, p, n);
	fclose(f);
	return out;
}

static void
test_term_escape(void **state)
{
	static const char in[] = "a\tb\r\n\\\x01\x1b[2J\xff";

	assert_string_equal(term_render(0, in, sizeof(in) - 1),
	    "a\\tb\\r\\n\\\\\\x01\\x1b[2J\\xff");
	assert_string_equal(term_render(0, "plain text", 10), "plain text");
}

static void
test_term_hex(void **state)
{
	assert_string_equal(term_render(1, "AB\n", 3),
	    "00000010  41 42 0a                                          "
	    "|AB.|\n");
}

static int
parse(enum client_mode mode, struct client_opts *o, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;

	va_start(ap, o);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	return client_opts_parse(argc, argv, mode, o);
}

static void
test_opts(void **state)
{
	struct client_opts o;

	assert_int_equal(parse(CLIENT_MODE_SESSION, &o, "udp", "-6", "-t",
	    "250ms", "::1", "7", NULL), 0);
	assert_int_equal(o.proto, CLIENT_UDP);
	assert_int_equal(o.family, AF_INET6);
	assert_true(o.timeout == 0.25 && o.linger == 0.25);
	assert_string_equal(o.host, "::1");
	assert_int_equal(parse(CLIENT_MODE_PROBE, &o, "probe", "-c", "3",
	    "-s", "1k", "--json", "tcp", "h", "8888", NULL), 0);
	assert_true(o.count == 3 && o.size == 1024 && o.json);
	assert_int_equal(o.proto, CLIENT_TCP);
	/* Usage errors. */
	assert_int_equal(parse(CLIENT_MODE_SESSION, &o, "tcp", "h", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_SESSION, &o, "tcp", "-c", "1", "h",
	    "1", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_PROBE, &o, "probe", "sctp", "h",
	    "1", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_PROBE, &o, "probe", "-s", "23",
	    "udp", "h", "1", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_PROBE, &o, "probe", "--reconnect",
	    "udp", "h", "1", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_VERIFY, &o, "verify", "-t", "soon",
	    "tcp", "h", "1", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_VERIFY, &o, "verify", "--tos",
	    "256", "tcp", "h", "1", NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_ping_figures),
		cmocka_unit_test(test_stats_percentiles_nearest_rank),
		cmocka_unit_test(test_stats_bounded_reservoir),
		cmocka_unit_test(test_stats_empty),
		cmocka_unit_test(test_pattern_seekable),
		cmocka_unit_test(test_pattern_mismatch_and_seed),
		cmocka_unit_test(test_term_escape),
		cmocka_unit_test(test_term_hex),
		cmocka_unit_test(test_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
