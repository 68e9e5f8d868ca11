/*
 * test_json: the JSON writer: commas and nesting, string escaping (quotes,
 * control characters, invalid UTF-8), numbers that JSON cannot say, and
 * the size limit (a writer past it reports failure, never half a text).
 * Every document is also checked by python3's json module when it is
 * there, so "valid JSON" is judged by a parser we did not write.
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

#include "common/json.h"

/* python3 parses the text (skipped when python3 is missing). */
static void
assert_parses(const char *text)
{
	char path[] = "/tmp/test_json.XXXXXX", cmd[256];
	int fd = mkstemp(path), rc;
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		unlink(path);
		return;
	}
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys; "
	    "json.load(open(sys.argv[1], encoding=\"utf-8\"))' %s", path);
	rc = system(cmd);
	unlink(path);
	assert_int_equal(rc, 0);
}

static void
test_structure(void **state)
{
	struct json j;

	json_init(&j, 4096);
	json_object_begin(&j, NULL);
	json_str(&j, "name", "tcp-main");
	json_u64(&j, "n", 18446744073709551615ULL);
	json_i64(&j, "neg", -5);
	json_bool(&j, "yes", true);
	json_null(&j, "none");
	json_array_begin(&j, "list");
	json_u64(&j, NULL, 1);
	json_newline(&j);
	json_object_begin(&j, NULL);
	json_object_end(&j);
	json_array_begin(&j, NULL);
	json_array_end(&j);
	json_array_end(&j);
	json_num(&j, "pi", 3.14159, 2);
	json_object_end(&j);
	assert_false(json_failed(&j));
	assert_string_equal(json_text(&j), "{\"name\":\"tcp-main\","
	    "\"n\":18446744073709551615,\"neg\":-5,\"yes\":true,\"none\":null,"
	    "\"list\":[1,\n{},[]],\"pi\":3.14}");
	assert_parses(json_text(&j));
	json_free(&j);
}

static void
test_escaping(void **state)
{
	struct json j;
	/* quote, backslash, newline, ESC ] 2 ; title BEL, DEL, valid UTF-8,
	 * a lone continuation byte, a truncated sequence, an overlong '/'. */
	const char in[] = "a\"b\\c\nd\x1b]2;t\x07\x7f 你好 caf\xc3\xa9 "
	    "\x80 \xe4\xbd \xc0\xaf";

	json_init(&j, 4096);
	json_str(&j, NULL, in);
	assert_false(json_failed(&j));
	assert_string_equal(json_text(&j), "\"a\\\"b\\\\c\\nd\\u001b]2;t"
	    "\\u0007\\u007f 你好 café \\ufffd \\ufffd\\ufffd \\ufffd\\ufffd\"");
	assert_parses(json_text(&j));
	json_free(&j);

	/* C1 controls (U+0080..U+009F: U+009B is CSI) are escaped like C0;
	 * U+00A0 is text. */
	json_init(&j, 4096);
	json_str(&j, NULL, "a\302\233" "2J\302\205b\302\240");
	assert_string_equal(json_text(&j), "\"a\\u009b2J\\u0085b\302\240\"");
	assert_parses(json_text(&j));
	json_free(&j);

	/* Keys are escaped too; embedded NULs with json_strn. */
	json_init(&j, 4096);
	json_object_begin(&j, NULL);
	json_strn(&j, "k\"ey", "a\0b", 3);
	json_object_end(&j);
	assert_string_equal(json_text(&j), "{\"k\\\"ey\":\"a\\u0000b\"}");
	assert_parses(json_text(&j));
	json_free(&j);
}

static void
test_numbers(void **state)
{
	struct json j;

	json_init(&j, 4096);
	json_array_begin(&j, NULL);
	json_num(&j, NULL, 0.0 / 0.0, 1);
	json_num(&j, NULL, 1.0 / 0.0, 1);
	json_num(&j, NULL, -1.0 / 0.0, 1);
	json_num(&j, NULL, 1e300, 1);
	json_num(&j, NULL, -2.5, 1);
	json_array_end(&j);
	assert_false(json_failed(&j));
	assert_string_equal(json_text(&j),
	    "[null,null,null,1.0000000000000001e+300,-2.5]");
	assert_parses(json_text(&j));
	json_free(&j);
}

static void
test_limit(void **state)
{
	struct json j;

	/* Exactly at the limit is fine; one byte more fails. */
	json_init(&j, 7);
	json_str(&j, NULL, "abcde");
	assert_false(json_failed(&j));
	assert_int_equal(json_len(&j), 7);
	json_free(&j);

	json_init(&j, 7);
	json_str(&j, NULL, "abcdef");
	assert_true(json_failed(&j));
	assert_int_equal(json_print(&j, stdout), -1);
	json_free(&j);

	/* A large document grows past the first buffer. */
	json_init(&j, 1 << 20);
	json_array_begin(&j, NULL);
	for (int i = 0; i < 10000; i++)
		json_u64(&j, NULL, (uint64_t)i);
	json_array_end(&j);
	assert_false(json_failed(&j));
	assert_parses(json_text(&j));
	json_free(&j);

	/* Unbalanced or too deep: failure, not bad JSON. */
	json_init(&j, 4096);
	json_object_end(&j);
	assert_true(json_failed(&j));
	json_free(&j);
	json_init(&j, 4096);
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_array_begin(&j, NULL);
	assert_true(json_failed(&j));
	json_free(&j);
	json_init(&j, 4096);
	json_array_begin(&j, NULL);
	assert_int_equal(json_print(&j, stdout), -1);	/* not closed */
	json_free(&j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
