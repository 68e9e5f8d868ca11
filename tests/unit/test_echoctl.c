/*
 * test_echoctl: unit tests of echoctl's pure modules: RTT statistics
 * (client_stats), the verify pattern (client_pattern), escaping and hex
 * dumps (term, in the C locale and in a UTF-8 one), the command line
 * (client_opts) and the rows of the latency chart (bench_hist).
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
#include <unistd.h>

#include <cmocka.h>
#include <locale.h>

#include "client/bench/bench_hist.h"
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

/* The stream form: pieces written one by one, then the end. */
static char *
term_render_stream(const char *const *pieces, size_t n)
{
	static char out[1024];
	struct term_stream ts = { .nheld = 0 };
	FILE *f = fmemopen(out, sizeof(out), "w");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		term_stream_write(&ts, f, pieces[i], strlen(pieces[i]));
	term_stream_end(&ts, f);
	fclose(f);
	return out;
}

/* A UTF-8 locale for the test, or skip. */
static int
utf8_locale(void)
{
	return setlocale(LC_CTYPE, "C.UTF-8") != NULL ||
	    setlocale(LC_CTYPE, "C.utf8") != NULL ||
	    setlocale(LC_CTYPE, "en_US.UTF-8") != NULL;
}

static void
test_term_utf8(void **state)
{
	if (!utf8_locale())
		skip();
	/* Text shows as text... */
	assert_string_equal(term_render(0, "你好 café", strlen("你好 café")),
	    "你好 café");
	/* ... controls, in C0, DEL and C1 (U+009B is CSI), do not. */
	assert_string_equal(term_render(0, "\x1b]2;t\x07\x7f\xc2\x9b", 9),
	    "\\x1b]2;t\\x07\\x7f\\xc2\\x9b");
	/* Not UTF-8: a stray byte, an overlong '/', a surrogate, beyond
	 * U+10FFFF; and a right-to-left override. */
	assert_string_equal(term_render(0, "\xff\xc0\xaf", 3),
	    "\\xff\\xc0\\xaf");
	assert_string_equal(term_render(0, "\xed\xa0\x80", 3),
	    "\\xed\\xa0\\x80");
	assert_string_equal(term_render(0, "\xf4\x90\x80\x80", 4),
	    "\\xf4\\x90\\x80\\x80");
	assert_string_equal(term_render(0, "a\xe2\x80\xae" "b", 5),
	    "a\\xe2\\x80\\xaeb");
	/* A character cut at the end of the bytes is not a character. */
	assert_string_equal(term_render(0, "caf\xc3", 4), "caf\\xc3");
	setlocale(LC_CTYPE, "C");
	/* In the C locale every byte above 0x7f is escaped. */
	assert_string_equal(term_render(0, "café", strlen("café")),
	    "caf\\xc3\\xa9");
}

static void
test_term_stream(void **state)
{
	static const char *const cut[] = {
		"caf\xc3", "\xa9 a\xe4\xbd", "\240b\n",
	};
	static const char *const c1[] = { "x\xc2", "\x9by" };
	static const char *const end[] = { "ok \xe4\xbd" };
	static const char *const esc[] = { "\x1b", "]2;t\x07\r\n" };

	if (!utf8_locale())
		skip();
	/* A character cut between two reads is shown whole; '\n' stays a
	 * line break. */
	assert_string_equal(term_render_stream(cut, 3), "café a你b\n");
	/* A C1 control cut in two is still escaped. */
	assert_string_equal(term_render_stream(c1, 2), "x\\xc2\\x9by");
	/* The stream ends inside a character: its bytes, escaped. */
	assert_string_equal(term_render_stream(end, 1), "ok \\xe4\\xbd");
	assert_string_equal(term_render_stream(esc, 2),
	    "\\x1b]2;t\\x07\\r\n");
	setlocale(LC_CTYPE, "C");
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
	assert_int_equal(parse(CLIENT_MODE_PROBE, &o, "probe", "-i", "0",
	    "udp", "h", "1", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_PROBE, &o, "probe", "-i", "0ms",
	    "stamp", "h", "1", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_PROBE, &o, "probe", "-i", "0.5ms",
	    "udp", "h", "1", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_PROBE, &o, "probe", "-s", "23",
	    "udp", "h", "1", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_PROBE, &o, "probe", "--reconnect",
	    "udp", "h", "1", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_VERIFY, &o, "verify", "-t", "soon",
	    "tcp", "h", "1", NULL), -1);
	assert_int_equal(parse(CLIENT_MODE_VERIFY, &o, "verify", "--tos",
	    "256", "tcp", "h", "1", NULL), -1);
}

/* Every uint64 value gets its row, and the rows end: a round trip that
 * went negative, cast, is near UINT64_MAX, and the steps' arithmetic
 * wrapped there and never reached it (echoctl spun at 100% CPU). */
static void
test_hist_rows_any_value(void **state)
{
	const uint64_t v[][2] = {
		{ UINT64_MAX, UINT64_MAX }, { UINT64_MAX - 1, UINT64_MAX },
		{ 18446744073609551616ull, UINT64_MAX }, { 1, UINT64_MAX },
		{ 10000000000000000000ull, 10000000000000000000ull },
		{ 1000000, 18000000000000000000ull }, { 1, 1 },
	};
	uint64_t bound[BENCH_HIST_ROWS_MAX + 1], rows[BENCH_HIST_ROWS_MAX];

	alarm(10);	/* a loop that does not end fails, not hangs */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct bench_hist h;
		uint64_t sum = 0;
		int n;

		bench_hist_init(&h);
		bench_hist_record(&h, v[i][0]);
		bench_hist_record(&h, v[i][1]);
		n = bench_hist_rows(&h, bound, rows);
		assert_true(n >= 1 && n <= BENCH_HIST_ROWS_MAX);
		for (int r = 0; r < n; r++) {
			assert_true(bound[r] < bound[r + 1]);
			sum += rows[r];
		}
		/* the slowest is in the chart, or past its last row's bound
		 * when the rows ran out (that row holds it, below) */
		assert_true(v[i][1] <= bound[n] || n == BENCH_HIST_ROWS_MAX);
		assert_int_equal(sum, 2);
	}
	alarm(0);
}

/* Each sample is counted in the row whose printed bounds contain it, also
 * when its bucket straddles a bound: probe's RTTs of 200.3 and 201.1 ms
 * were in the "100 - 200" row (the bucket's midpoint is 199.2 ms). */
static void
test_hist_rows_exact_bounds(void **state)
{
	const uint64_t v[][6] = {
		{ 150000000, 199900000, 200000000, 200300000, 201100000, 450000000 },
		{ 11999, 12000, 12001, 14999, 15000, 19999 },
		{ 999999, 1000000, 1000001, 1999999, 2000000, 5000001 },
		{ 24999, 25000, 29999, 30000, 39999, 40000 },
	};
	uint64_t bound[BENCH_HIST_ROWS_MAX + 1], rows[BENCH_HIST_ROWS_MAX];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct bench_hist h;
		int n;

		bench_hist_init(&h);
		for (size_t j = 0; j < 6; j++)
			bench_hist_record(&h, v[i][j]);
		n = bench_hist_rows(&h, bound, rows);
		assert_true(n >= 1);
		for (int r = 0; r < n; r++) {
			uint64_t want = 0;

			for (size_t j = 0; j < 6; j++)
				want += v[i][j] >= bound[r] &&
				    v[i][j] < bound[r + 1];
			if (want != rows[r])
				fail_msg("set %zu row %llu - %llu: %llu, not %llu",
				    i, (unsigned long long)bound[r],
				    (unsigned long long)bound[r + 1],
				    (unsigned long long)rows[r],
				    (unsigned long long)want);
		}
	}
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
		cmocka_unit_test(test_term_utf8),
		cmocka_unit_test(test_term_stream),
		cmocka_unit_test(test_term_hex),
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_hist_rows_any_value),
		cmocka_unit_test(test_hist_rows_exact_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
