/*
 * test_units: durations and sizes, strict parsing (whole string, no sign, no
 * junk, no overflow) and the short forms used in messages and the sample.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/units.h"

static double
dur(const char *s)
{
	char err[128];
	double v = -1;

	if (units_parse_duration(s, &v, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", s, err);
	return v;
}

static uint64_t
size(const char *s)
{
	char err[128];
	uint64_t v = 0;

	if (units_parse_size(s, &v, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", s, err);
	return v;
}

static void
dur_bad(const char *s, const char *expected)
{
	char err[128] = "";
	double v = 42;

	assert_int_equal(units_parse_duration(s, &v, err, sizeof(err)), -1);
	assert_true(v == 42);	/* untouched on error */
	assert_string_equal(err, expected);
}

static void
size_bad(const char *s, const char *expected)
{
	char err[128] = "";
	uint64_t v = 42;

	assert_int_equal(units_parse_size(s, &v, err, sizeof(err)), -1);
	assert_true(v == 42);
	assert_string_equal(err, expected);
}

static void
test_durations(void **state)
{
	(void)state;
	assert_true(dur("0") == 0);
	assert_true(dur("10") == 10);
	assert_true(dur("2.5") == 2.5);
	assert_true(dur("30s") == 30);
	assert_true(dur("250ms") == 0.25);
	assert_true(dur("1500us") == 0.0015);
	assert_true(dur("5m") == 300);
	assert_true(dur("2min") == 120);
	assert_true(dur("1h") == 3600);
	assert_true(dur("1d") == 86400);
	assert_true(dur("1.5s") == 1.5);
	assert_true(dur("0.5h") == 1800);
	assert_true(dur(".5s") == 0.5);	/* a leading dot is a number too */
}

static void
test_durations_bad(void **state)
{
	(void)state;
	dur_bad("", "'' is not a number with an optional unit");
	dur_bad("s", "'s' is not a number with an optional unit");
	dur_bad("-1s", "'-1s' is not a number with an optional unit");
	dur_bad("+1s", "'+1s' is not a number with an optional unit");
	dur_bad("1.s", "'1.s' is not a number with an optional unit");
	dur_bad(" 1s", "' 1s' is not a number with an optional unit");
	dur_bad("1s ", "unknown duration unit 's ' in '1s ' (use ms, s, m, h or d)");
	dur_bad("1x", "unknown duration unit 'x' in '1x' (use ms, s, m, h or d)");
	dur_bad("1e3", "unknown duration unit 'e3' in '1e3' (use ms, s, m, h or d)");
	dur_bad("1S", "unknown duration unit 'S' in '1S' (use ms, s, m, h or d)");
	dur_bad("1w", "unknown duration unit 'w' in '1w' (use ms, s, m, h or d)");
	dur_bad("12000d", "duration '12000d' is too long");
	dur_bad("1000000001", "duration '1000000001' is too long");
	/* more digits than the parser's buffer: rejected, not truncated */
	dur_bad("1111111111111111111111111111111111111111111111111111111111111111s",
	    "'1111111111111111111111111111111111111111111111111111111111111111s'"
	    " is not a number with an optional unit");
}

static void
test_sizes(void **state)
{
	(void)state;
	assert_true(size("0") == 0);
	assert_true(size("512") == 512);
	assert_true(size("512b") == 512);
	assert_true(size("64k") == 65536);
	assert_true(size("64K") == 65536);
	assert_true(size("64KiB") == 65536);
	assert_true(size("1M") == 1048576);
	assert_true(size("16MiB") == 16777216);
	assert_true(size("1G") == 1073741824ULL);
	assert_true(size("3GB") == 3221225472ULL);
	assert_true(size("9007199254740991") == 9007199254740991ULL);
	assert_true(size("8388607G") == 8388607ULL << 30);
}

static void
test_sizes_bad(void **state)
{
	(void)state;
	size_bad("", "'' is not a number with an optional unit");
	size_bad("-1", "'-1' is not a number with an optional unit");
	size_bad("k", "'k' is not a number with an optional unit");
	size_bad("1.5k", "unknown size unit '.5k' in '1.5k' (use k, M or G; 1k = 1024)");
	size_bad("1T", "unknown size unit 'T' in '1T' (use k, M or G; 1k = 1024)");
	size_bad("64kb", "unknown size unit 'kb' in '64kb' (use k, M or G; 1k = 1024)");
	/* 2^53 and beyond are not exact in a double: overflow, not rounding */
	size_bad("9007199254740992", "size '9007199254740992' is too large");
	size_bad("8388608G", "size '8388608G' is too large");
	size_bad("99999999999999999999999", "size '99999999999999999999999' is too large");
}

static void
check_fmt_dur(double v, const char *expected)
{
	char buf[32];

	units_format_duration(v, buf, sizeof(buf));
	assert_string_equal(buf, expected);
	assert_true(dur(buf) == v);	/* what we print parses back */
}

static void
check_fmt_size(uint64_t v, const char *expected)
{
	char buf[32];

	units_format_size(v, buf, sizeof(buf));
	assert_string_equal(buf, expected);
	assert_true(size(buf) == v);
}

static void
test_format(void **state)
{
	char small[4];

	(void)state;
	check_fmt_dur(0, "0s");
	check_fmt_dur(0.25, "250ms");
	check_fmt_dur(1.5, "1.5s");
	check_fmt_dur(90, "90s");
	check_fmt_dur(300, "5m");
	check_fmt_dur(3600, "1h");
	check_fmt_dur(86400, "1d");
	check_fmt_dur(172800, "2d");
	check_fmt_size(0, "0");
	check_fmt_size(1000, "1000");
	check_fmt_size(1536, "1536");
	check_fmt_size(65536, "64k");
	check_fmt_size(1048576, "1M");
	check_fmt_size(16777216, "16M");
	check_fmt_size(1ULL << 30, "1G");
	units_format_size(123456789, small, sizeof(small));
	assert_string_equal(small, "123");	/* truncated, terminated */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_durations_bad),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_sizes_bad),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
