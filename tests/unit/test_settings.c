/*
 * test_settings: the settings tables and the value checks behind them:
 * every table row is consistent (types, member sizes, ranges, defaults),
 * the misspelling distance and hints, and every value type (including the
 * list types no core setting uses yet) through conf_parse_value with rows
 * of a test struct.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf/conf.h"
#include "conf/settings.h"

static void
print_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("diag: %s\n", d->msgs[i]);
}

static void
test_tables(void **state)
{
	(void)state;
	for (size_t k = 0; settings_tables[k] != NULL; k++) {
		for (const struct setting *s = settings_tables[k]; s->name; s++) {
			const char *n = s->name;

			assert_ptr_equal(settings_find(n), s);	/* unique */
			assert_true(strlen(n) > 0 && strlen(n) < 64);
			assert_non_null(s->help);
			assert_null(strpbrk(s->help, "\t\n"));
			assert_true(s->min <= s->max);
			if (s->flags & SETTING_REQUIRED) {
				assert_int_equal(s->scope, SETTING_LISTENER_ONLY);
				assert_null(s->def);
			} else {
				assert_non_null(s->def);
			}
			if (s->scope != SETTING_GLOBAL)
				assert_int_not_equal(s->protos, 0);
			switch (s->type) {
			case SETTING_INT:
			case SETTING_SIZE:
				assert_true(s->size == 1 || s->size == 2 ||
				    s->size == 4 || s->size == 8);
				assert_true(s->min >= 0);
				assert_true(s->max < 18446744073709551616.0 &&
				    (s->size == 8 ||
				    s->max < (double)(1ULL << (8 * s->size))));
				break;
			case SETTING_BOOL:
				assert_int_equal(s->size, sizeof(bool));
				break;
			case SETTING_ENUM:
				assert_int_equal(s->size, sizeof(int));
				assert_non_null(s->choices);
				break;
			case SETTING_DURATION:
				assert_int_equal(s->size, sizeof(double));
				break;
			case SETTING_INT_LIST:
				assert_int_equal(s->size,
				    sizeof(struct setting_ints));
				assert_true(s->max_items > 0);
				break;
			case SETTING_STR_LIST:
				assert_int_equal(s->size,
				    sizeof(struct setting_strs));
				assert_true(s->max_items > 0);
				break;
			case SETTING_STRING:
				break;
			}
		}
	}
}

static void
test_distance(void **state)
{
	(void)state;
	assert_int_equal(settings_distance("port", "port"), 0);
	assert_int_equal(settings_distance("prot", "port"), 1);
	assert_int_equal(settings_distance("idel_timeout", "idle_timeout"), 1);
	assert_int_equal(settings_distance("worker", "workers"), 1);
	assert_int_equal(settings_distance("adress", "address"), 1);
	assert_int_equal(settings_distance("buffersize", "buffer_size"), 1);
	assert_int_equal(settings_distance("abc", "xyz"), 3);
	assert_int_equal(settings_distance("", "name"), 4);
}

/* A struct with one member of every storage type, and rows pointing at it. */
struct fake {
	uint8_t u8;
	uint16_t u16;
	uint64_t u64;
	bool b;
	char arr[8];
	char *ptr;
	int e;
	double dur;
	uint32_t sz;
	struct setting_ints ints;
	struct setting_strs strs;
};

static int
check_even_length(const char *v, char *err, size_t errlen)
{
	if (strlen(v) % 2 == 0)
		return 0;
	snprintf(err, errlen, "'%s' has an odd length", v);
	return -1;
}

static const struct setting_choice fake_choices[] = {
	{ "one", 1 }, { "two", 2 }, { NULL, 0 },
};

static const struct setting fake_rows[] = {
	{ .name = "u8", .type = SETTING_INT, SETTING_AT(struct fake, u8),
	  .min = 1, .max = 200 },
	{ .name = "u16", .type = SETTING_INT, SETTING_AT(struct fake, u16),
	  .min = 0, .max = 65535, .allowed = "0 = off" },
	{ .name = "u64", .type = SETTING_INT, SETTING_AT(struct fake, u64),
	  .min = 0, .max = SETTING_NOMAX },
	{ .name = "b", .type = SETTING_BOOL, SETTING_AT(struct fake, b) },
	{ .name = "arr", .type = SETTING_STRING, SETTING_AT(struct fake, arr),
	  .check = check_even_length, .allowed = "an even length" },
	{ .name = "ptr", .type = SETTING_STRING, SETTING_STRP(struct fake, ptr) },
	{ .name = "e", .type = SETTING_ENUM, SETTING_AT(struct fake, e),
	  .choices = fake_choices },
	{ .name = "dur", .type = SETTING_DURATION, SETTING_AT(struct fake, dur),
	  .min = 0.5, .max = 3600 },
	{ .name = "sz", .type = SETTING_SIZE, SETTING_AT(struct fake, sz),
	  .min = 0, .max = 1048576 },
	{ .name = "ints", .type = SETTING_INT_LIST, SETTING_AT(struct fake, ints),
	  .min = 1, .max = 65535, .max_items = 3 },
	{ .name = "strs", .type = SETTING_STR_LIST, SETTING_AT(struct fake, strs),
	  .check = check_even_length, .allowed = "even lengths", .max_items = 2 },
};

static const struct setting *
fake_row(const char *name)
{
	for (size_t i = 0; i < sizeof(fake_rows) / sizeof(fake_rows[0]); i++)
		if (strcmp(fake_rows[i].name, name) == 0)
			return &fake_rows[i];
	fail_msg("no fake row %s", name);
	return NULL;
}

static void
parse_ok(struct fake *f, const char *name, const char *value)
{
	struct diags d;

	diags_init(&d);
	if (conf_parse_value(fake_row(name), value, f, &d) != 0) {
		print_diags(&d);
		fail_msg("%s = %s rejected", name, value);
	}
	diags_free(&d);
}

static void
parse_bad(struct fake *f, const char *name, const char *value,
    const char *expected)
{
	struct diags d;

	diags_init(&d);
	assert_int_equal(conf_parse_value(fake_row(name), value, f, &d), -1);
	if (d.n != 1 || strcmp(d.msgs[0], expected) != 0) {
		print_diags(&d);
		fail_msg("%s = %s: expected '%s'", name, value, expected);
	}
	diags_free(&d);
}

static void
fake_release(struct fake *f)
{
	for (size_t i = 0; i < sizeof(fake_rows) / sizeof(fake_rows[0]); i++)
		settings_release(&fake_rows[i], f);
}

static void
test_value_numbers(void **state)
{
	struct fake f;

	(void)state;
	memset(&f, 0, sizeof(f));
	parse_ok(&f, "u8", "200");
	assert_int_equal(f.u8, 200);
	parse_bad(&f, "u8", "201",
	    "<value>:1: u8: 201 is out of range (allowed: 1 .. 200)");
	parse_bad(&f, "u8", "0",
	    "<value>:1: u8: 0 is out of range (allowed: 1 .. 200)");
	parse_bad(&f, "u8", "\"5\"", "<value>:1: u8: expected an integer, "
	    "got a string (allowed: 1 .. 200)");
	parse_bad(&f, "u8", "1.5", "<value>:1: u8: expected an integer, "
	    "got a float (allowed: 1 .. 200)");
	assert_int_equal(f.u8, 200);	/* a rejected value changes nothing */
	parse_ok(&f, "u16", "65535");
	assert_int_equal(f.u16, 65535);
	parse_bad(&f, "u16", "65536", "<value>:1: u16: 65536 is out of range "
	    "(allowed: 0 .. 65535; 0 = off)");
	parse_ok(&f, "u64", "5000000000L");
	assert_true(f.u64 == 5000000000ULL);
	parse_bad(&f, "u64", "-1",
	    "<value>:1: u64: -1 is out of range (allowed: 0 or more)");
	parse_ok(&f, "dur", "1");
	assert_true(f.dur == 1.0);
	parse_ok(&f, "dur", "2.5");
	assert_true(f.dur == 2.5);
	parse_ok(&f, "dur", "\"1h\"");
	assert_true(f.dur == 3600.0);
	parse_ok(&f, "dur", "\"500ms\"");
	assert_true(f.dur == 0.5);
	parse_bad(&f, "dur", "\"250ms\"", "<value>:1: dur: \"250ms\" is out of "
	    "range (allowed: 500ms .. 1h)");
	parse_bad(&f, "dur", "\"2h\"", "<value>:1: dur: \"2h\" is out of "
	    "range (allowed: 500ms .. 1h)");
	parse_bad(&f, "dur", "-1",
	    "<value>:1: dur: -1 is out of range (allowed: 500ms .. 1h)");
	parse_bad(&f, "dur", "\"5x\"", "<value>:1: dur: unknown duration unit "
	    "'x' in '5x' (use ms, s, m, h or d) (allowed: 500ms .. 1h)");
	parse_bad(&f, "dur", "\"-1s\"", "<value>:1: dur: '-1s' is not a number "
	    "with an optional unit (allowed: 500ms .. 1h)");
	parse_bad(&f, "dur", "true", "<value>:1: dur: expected a duration (a "
	    "number of seconds or a string like \"30s\"), got a boolean "
	    "(allowed: 500ms .. 1h)");
	assert_true(f.dur == 0.5);
	parse_ok(&f, "sz", "\"1M\"");
	assert_int_equal(f.sz, 1048576);
	parse_ok(&f, "sz", "0");
	assert_int_equal(f.sz, 0);
	parse_bad(&f, "sz", "\"1025k\"", "<value>:1: sz: \"1025k\" is out of "
	    "range (allowed: 0 .. 1M)");
	parse_bad(&f, "sz", "-5",
	    "<value>:1: sz: -5 is out of range (allowed: 0 .. 1M)");
	parse_bad(&f, "sz", "1.5", "<value>:1: sz: expected a size (a number "
	    "of bytes or a string like \"64k\"), got a float (allowed: 0 .. 1M)");
	parse_bad(&f, "sz", "\"64kb\"", "<value>:1: sz: unknown size unit 'kb' "
	    "in '64kb' (use k, M or G; 1k = 1024) (allowed: 0 .. 1M)");
	parse_bad(&f, "sz", "\"99999999999999999999\"", "<value>:1: sz: size "
	    "'99999999999999999999' is too large (allowed: 0 .. 1M)");
}

static void
test_value_others(void **state)
{
	struct fake f;

	(void)state;
	memset(&f, 0, sizeof(f));
	parse_ok(&f, "b", "true");
	assert_true(f.b);
	parse_bad(&f, "b", "1", "<value>:1: b: expected a boolean (true or "
	    "false), got an integer (allowed: true or false)");
	parse_ok(&f, "arr", "\"abcdef\"");
	assert_string_equal(f.arr, "abcdef");
	parse_bad(&f, "arr", "\"abc\"", "<value>:1: arr: 'abc' has an odd "
	    "length (allowed: an even length)");
	parse_bad(&f, "arr", "\"abcdefgh\"", "<value>:1: arr: too long: 8 bytes "
	    "(at most 7) (allowed: an even length)");
	parse_bad(&f, "arr", "[\"ab\"]", "<value>:1: arr: expected a string, "
	    "got an array (allowed: an even length)");
	assert_string_equal(f.arr, "abcdef");
	parse_ok(&f, "ptr", "\"x\"");
	parse_ok(&f, "ptr", "\"yy\"");	/* replaces: LeakSanitizer watches */
	assert_string_equal(f.ptr, "yy");
	parse_ok(&f, "e", "\"two\"");
	assert_int_equal(f.e, 2);
	parse_bad(&f, "e", "\"three\"", "<value>:1: e: unknown value \"three\" "
	    "(allowed: one, two)");
	parse_bad(&f, "e", "2", "<value>:1: e: expected a string, got an "
	    "integer (allowed: one, two)");
	assert_int_equal(f.e, 2);
	fake_release(&f);
	assert_null(f.ptr);
}

static void
test_value_lists(void **state)
{
	struct fake f;

	(void)state;
	memset(&f, 0, sizeof(f));
	parse_ok(&f, "ints", "[7, 9, 19]");
	assert_int_equal(f.ints.n, 3);
	assert_int_equal(f.ints.v[0], 7);
	assert_int_equal(f.ints.v[2], 19);
	parse_ok(&f, "ints", "(1, 65535)");
	assert_int_equal(f.ints.n, 2);
	assert_int_equal(f.ints.v[1], 65535);
	parse_ok(&f, "ints", "[]");
	assert_int_equal(f.ints.n, 0);
	parse_bad(&f, "ints", "[1, 2, 3, 4]", "<value>:1: ints: 4 elements are "
	    "too many (allowed: 1 .. 65535 each, at most 3)");
	parse_bad(&f, "ints", "[2, 0]", "<value>:1: ints[1]: 0 is out of range "
	    "(allowed: 1 .. 65535 each, at most 3)");
	parse_bad(&f, "ints", "[\"a\"]",
	    "<value>:1: ints[0]: expected an integer, got a string");
	parse_bad(&f, "ints", "5", "<value>:1: ints: expected a list of "
	    "integers like [7, 9], got an integer (allowed: 1 .. 65535 each, "
	    "at most 3)");
	parse_ok(&f, "strs", "[\"ab\", \"cdef\"]");
	assert_int_equal(f.strs.n, 2);
	assert_string_equal(f.strs.v[1], "cdef");
	parse_bad(&f, "strs", "[\"ab\", \"abc\"]", "<value>:1: strs[1]: 'abc' "
	    "has an odd length (allowed: even lengths)");
	parse_bad(&f, "strs", "[1]",
	    "<value>:1: strs[0]: expected a string, got an integer");
	parse_bad(&f, "strs", "[\"a\", \"b\", \"c\"]", "<value>:1: strs: 3 "
	    "elements are too many (allowed: even lengths)");
	fake_release(&f);
	assert_null(f.ints.v);
	assert_null(f.strs.v);
}

/* A listener setting that is a list is deep-copied into each listener. */
static void
test_value_copy(void **state)
{
	struct fake a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	parse_ok(&a, "strs", "[\"ab\", \"cd\"]");
	parse_ok(&a, "ints", "[3]");
	parse_ok(&a, "ptr", "\"zz\"");
	for (size_t i = 0; i < sizeof(fake_rows) / sizeof(fake_rows[0]); i++)
		assert_int_equal(settings_copy(&fake_rows[i], &b, &a), 0);
	assert_ptr_not_equal(a.strs.v, b.strs.v);
	assert_string_equal(b.strs.v[1], "cd");
	assert_int_equal(b.ints.v[0], 3);
	assert_ptr_not_equal(a.ptr, b.ptr);
	assert_string_equal(b.ptr, "zz");
	fake_release(&a);
	assert_string_equal(b.strs.v[0], "ab");
	fake_release(&b);
}

static void
test_hints(void **state)
{
	char buf[1024];

	(void)state;
	assert_string_equal(settings_suggest("workrs", SETTING_AT_TOP),
	    "workers");
	assert_string_equal(settings_suggest("listener", SETTING_AT_TOP),
	    "listeners");
	assert_string_equal(settings_suggest("prot", SETTING_IN_LISTENER),
	    "port");
	/* a listener name is not offered at the top level */
	assert_null(settings_suggest("prot", SETTING_AT_TOP));
	assert_null(settings_suggest("nmae", SETTING_IN_DEFAULTS));
	assert_string_equal(settings_suggest("nmae", SETTING_IN_LISTENER),
	    "name");
	assert_null(settings_suggest("x", SETTING_IN_LISTENER));
	assert_null(settings_suggest("colour", SETTING_AT_TOP));
	settings_names(SETTING_IN_DEFAULTS, buf, sizeof(buf));
	/* core rows first, in table order; other tables may follow */
	assert_true(strncmp(buf, "idle_timeout, max_connections, buffer_size, "
	    "max_datagram, oneshot, oneshot_size", 66) == 0);
	assert_null(strstr(buf, "address"));	/* listener-only */
	assert_null(strstr(buf, "workers"));
	settings_names(SETTING_AT_TOP, buf, sizeof(buf));
	assert_true(strncmp(buf, "log_level, ", 11) == 0);
	assert_non_null(strstr(buf, ", defaults, listeners"));
	assert_null(strstr(buf, "idle_timeout"));
	settings_names(SETTING_AT_TOP, buf, 20);	/* truncates safely */
	assert_int_equal(strlen(buf), 19);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_value_numbers),
		cmocka_unit_test(test_value_others),
		cmocka_unit_test(test_value_lists),
		cmocka_unit_test(test_value_copy),
	};

	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
