/*
 * test_log: what the log does with text from outside.  log_escape writes
 * every control character as \xNN (so configuration text can end no log
 * line, journal field or sd_notify assignment); LOG_EXCERPT quotes a long
 * value visibly cut; a message longer than the stack buffer reaches the
 * sink whole, and the stderr sink writes it on one line, not cut; beyond
 * LOG_MSG_MAX the message is cut and says so.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"

static void
test_escape(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(log_escape(buf, sizeof(buf), "x\nSTOPPING=1\ny"), 20);
	assert_string_equal(buf, "x\\x0aSTOPPING=1\\x0ay");
	assert_int_equal(log_escape(buf, sizeof(buf), "tab\there\x7f\x1b]2;t\a"),
	    27);
	assert_string_equal(buf, "tab\\x09here\\x7f\\x1b]2;t\\x07");
	/* Not control characters: left alone (UTF-8 too). */
	assert_int_equal(log_escape(buf, sizeof(buf), "caf\xc3\xa9 \\ \""), 9);
	assert_string_equal(buf, "caf\xc3\xa9 \\ \"");
	/* Too small: cut but NUL-terminated, and the whole length said. */
	assert_int_equal(log_escape(buf, 6, "a\nbcdef"), 10);
	assert_string_equal(buf, "a\\x0a");
	assert_int_equal(log_escape(NULL, 0, "\n\n"), 8);
}

static void
test_excerpt(void **state)
{
	char buf[64], v[200];

	(void)state;
	snprintf(buf, sizeof(buf), "'%.*s%s'", LOG_EXCERPT("short", 8));
	assert_string_equal(buf, "'short'");
	memset(v, 'v', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	snprintf(buf, sizeof(buf), "'%.*s%s'", LOG_EXCERPT(v, 8));
	assert_string_equal(buf, "'vvvvvvvv...'");
}

/* A sink that keeps the last message. */
static char *got;

static void
keep_sink(struct logger *lg, int level, enum log_event ev,
    const struct log_field *fields, size_t nfields, const char *msg)
{
	(void)lg, (void)level, (void)ev, (void)fields, (void)nfields;
	free(got);
	got = strdup(msg);
}

static void
test_long_message(void **state)
{
	struct logger lg;
	char *v = malloc(LOG_MSG_MAX * 2);

	(void)state;
	assert_non_null(v);
	log_init(&lg, "test", LOG_LVL_INFO);
	log_set_sink(&lg, keep_sink, NULL);
	memset(v, 'a', 5000);
	v[5000] = '\0';
	log_event(&lg, LOG_LVL_INFO, LOG_EV_GENERIC, NULL, 0, "<%s>", v);
	assert_int_equal(strlen(got), 5002);
	assert_int_equal(got[5001], '>');
	memset(v, 'b', LOG_MSG_MAX * 2 - 1);
	v[LOG_MSG_MAX * 2 - 1] = '\0';
	log_event(&lg, LOG_LVL_INFO, LOG_EV_GENERIC, NULL, 0, "%s", v);
	assert_int_equal(strlen(got), LOG_MSG_MAX - 1);
	assert_non_null(strstr(got, "[message cut]"));
	free(v);
	free(got);
	got = NULL;
}

/* The stderr sink: a 5000-byte message with newlines, one line, whole. */
static void
test_stderr_line(void **state)
{
	struct logger lg;
	char v[5001], *out = malloc(65536);
	struct log_field f[1] = { { "name", "x\ny" } };
	int p[2];
	ssize_t n;

	(void)state;
	assert_non_null(out);
	assert_int_equal(pipe(p), 0);
	log_init(&lg, "test", LOG_LVL_INFO);
	lg.fd = p[1];
	lg.with_time = 0;
	memset(v, 'c', 5000);
	v[0] = '\n';
	v[5000] = '\0';
	log_event(&lg, LOG_LVL_INFO, LOG_EV_GENERIC, f, 1, "%s", v);
	close(p[1]);
	n = read(p[0], out, 65535);
	close(p[0]);
	assert_true(n > 5000);
	out[n] = '\0';
	assert_non_null(strchr(out, '\n'));
	assert_true(strchr(out, '\n') == out + n - 1);	/* one line */
	assert_non_null(strstr(out, "name=\"x\\x0ay\""));
	assert_non_null(strstr(out, "ccccc\" name="));	/* not cut */
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_excerpt),
		cmocka_unit_test(test_long_message),
		cmocka_unit_test(test_stderr_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
