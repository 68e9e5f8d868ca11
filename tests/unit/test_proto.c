/* test_proto: the control protocol's parsers, writer and limits. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/proto.h"

static int
parse_req(const char *s, struct proto_request *req, int *code)
{
	char err[128];

	return proto_request_parse(s, strlen(s), req, code, err, sizeof(err));
}

static void
test_request_ok(void **state)
{
	struct proto_request req;
	int code = 0;

	assert_int_equal(parse_req("ping\n", &req, &code), 1);
	assert_int_equal(req.verb, PROTO_PING);
	assert_false(req.json);
	assert_int_equal(parse_req("status json\r\n", &req, &code), 1);
	assert_int_equal(req.verb, PROTO_STATUS);
	assert_true(req.json);
	assert_int_equal(parse_req("  stats \t json  \n", &req, &code), 1);
	assert_int_equal(req.verb, PROTO_STATS);
	assert_true(req.json);
	assert_int_equal(parse_req("reload\nextra", &req, &code), 1);
	assert_int_equal(req.verb, PROTO_RELOAD);
}

static void
test_request_incomplete(void **state)
{
	struct proto_request req;
	int code = 0;

	assert_int_equal(parse_req("", &req, &code), 0);
	assert_int_equal(parse_req("stat", &req, &code), 0);
}

static void
test_request_bad(void **state)
{
	struct proto_request req;
	int code = 0;

	assert_int_equal(parse_req("\n", &req, &code), -1);
	assert_int_equal(code, PROTO_ERR_REQUEST);
	assert_int_equal(parse_req("shutdown\n", &req, &code), -1);
	assert_int_equal(code, PROTO_ERR_REQUEST);
	assert_int_equal(parse_req("status xml\n", &req, &code), -1);
	assert_int_equal(parse_req("status json x\n", &req, &code), -1);
	assert_int_equal(parse_req("sta\001tus\n", &req, &code), -1);
	assert_int_equal(code, PROTO_ERR_REQUEST);
	assert_int_equal(parse_req("PING\n", &req, &code), -1);
}

static void
test_request_too_long(void **state)
{
	char *big = malloc(PROTO_LINE_MAX + 10);
	struct proto_request req;
	char err[128];
	int code = 0;

	memset(big, 'a', PROTO_LINE_MAX + 10);
	/* Below the limit and no LF yet: wait for more. */
	assert_int_equal(proto_request_parse(big, PROTO_LINE_MAX - 1, &req,
	    &code, err, sizeof(err)), 0);
	/* At the limit without LF: refuse, do not wait for more. */
	assert_int_equal(proto_request_parse(big, PROTO_LINE_MAX, &req,
	    &code, err, sizeof(err)), -1);
	assert_int_equal(code, PROTO_ERR_TOO_LONG);
	/* LF beyond the limit does not make it acceptable. */
	big[PROTO_LINE_MAX + 5] = '\n';
	assert_int_equal(proto_request_parse(big, PROTO_LINE_MAX + 10, &req,
	    &code, err, sizeof(err)), -1);
	free(big);
}

static void
test_request_roundtrip(void **state)
{
	for (int v = 0; v < PROTO_VERB_COUNT; v++) {
		for (int j = 0; j < 2; j++) {
			struct proto_request in = { (enum proto_verb)v, j == 1 }, out;
			char buf[64];
			int code;

			assert_int_equal(proto_request_format(&in, buf, sizeof(buf)), 0);
			assert_int_equal(parse_req(buf, &out, &code), 1);
			assert_int_equal(out.verb, in.verb);
			assert_int_equal(out.json, in.json);
		}
		assert_int_equal(proto_verb_lookup(proto_verb_name((enum proto_verb)v)), v);
	}
	assert_int_equal(proto_verb_lookup("nope"), -1);
}

static void
test_reply_roundtrip(void **state)
{
	char buf[4096], err[128];
	struct proto_out o;
	struct proto_reply rep;

	proto_out_init(&o, buf, sizeof(buf));
	proto_out_ok(&o);
	proto_out_kv(&o, "phase", "%s", "running");
	proto_out_kv(&o, "evil", "a\nb\rc");	/* control chars flattened */
	proto_out_line(&o, "");		/* must not end the reply */
	proto_out_end(&o);
	assert_false(o.overflow);
	assert_int_equal(proto_reply_parse(buf, o.len, &rep, err, sizeof(err)), 1);
	assert_true(rep.ok);
	assert_int_equal(rep.lines, 3);
	assert_int_equal(rep.bodylen, strlen("phase=running\nevil=a b c\n \n"));
	assert_memory_equal(rep.body, "phase=running\nevil=a b c\n \n", rep.bodylen);
	/* Every prefix is incomplete, never an error. */
	for (size_t i = 0; i < o.len; i++)
		assert_int_equal(proto_reply_parse(buf, i, &rep, err, sizeof(err)), 0);

	proto_out_init(&o, buf, sizeof(buf));
	proto_out_err(&o, PROTO_ERR_RELOAD, "reload failed: x.conf:3: bad");
	proto_out_kv(&o, "diag", "x.conf:3: bad");
	proto_out_end(&o);
	assert_int_equal(proto_reply_parse(buf, o.len, &rep, err, sizeof(err)), 1);
	assert_false(rep.ok);
	assert_int_equal(rep.code, 422);
	assert_int_equal(rep.msglen, strlen("reload failed: x.conf:3: bad"));
	assert_memory_equal(rep.msg, "reload failed: x.conf:3: bad", rep.msglen);
	assert_int_equal(rep.lines, 1);
}

static void
test_reply_bad(void **state)
{
	const char *bad[] = { "YES\n\n", "ERR 42 short\n\n", "ERR abc x\n\n",
	    "\n", "OK\nk=\001\n\n" };
	struct proto_reply rep;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(proto_reply_parse(bad[i], strlen(bad[i]), &rep,
		    err, sizeof(err)), -1);
}

static void
test_reply_limits(void **state)
{
	size_t cap = PROTO_LINE_MAX * 4, n = 0;
	char *buf = malloc(PROTO_REPLY_MAX + 16), err[128];
	struct proto_reply rep;
	struct proto_out o;

	/* The writer stops at its buffer and says so. */
	proto_out_init(&o, buf, cap);
	proto_out_ok(&o);
	for (int i = 0; i < 1000; i++)
		proto_out_kv(&o, "k", "%0100d", i);
	assert_true(o.overflow);
	assert_true(o.len < cap);
	proto_out_end(&o);
	assert_true(o.len <= cap);
	assert_int_equal(proto_reply_parse(buf, o.len, &rep, err, sizeof(err)), 1);

	/* Too many lines: the reader refuses instead of growing. */
	memcpy(buf, "OK\n", 3);
	n = 3;
	for (int i = 0; i <= PROTO_MAX_LINES; i++) {
		memcpy(buf + n, "a=1\n", 4);
		n += 4;
	}
	buf[n++] = '\n';
	assert_int_equal(proto_reply_parse(buf, n, &rep, err, sizeof(err)), -1);
	/* Exactly at the limit is fine. */
	n -= 5;
	buf[n++] = '\n';
	assert_int_equal(proto_reply_parse(buf, n, &rep, err, sizeof(err)), 1);
	assert_int_equal(rep.lines, PROTO_MAX_LINES);

	/* A line without LF at the line limit is an error, not a wait. */
	memcpy(buf, "OK\n", 3);
	memset(buf + 3, 'x', PROTO_LINE_MAX);
	assert_int_equal(proto_reply_parse(buf, 3 + PROTO_LINE_MAX, &rep, err,
	    sizeof(err)), -1);
	free(buf);
}

static void
test_json_escape(void **state)
{
	char buf[64];

	proto_json_escape("a\"b\\c\nd", buf, sizeof(buf));
	assert_string_equal(buf, "a\\\"b\\\\c\\u000ad");
	proto_json_escape("0123456789", buf, 8);
	assert_true(strlen(buf) < 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_ok),
		cmocka_unit_test(test_request_incomplete),
		cmocka_unit_test(test_request_bad),
		cmocka_unit_test(test_request_too_long),
		cmocka_unit_test(test_request_roundtrip),
		cmocka_unit_test(test_reply_roundtrip),
		cmocka_unit_test(test_reply_bad),
		cmocka_unit_test(test_reply_limits),
		cmocka_unit_test(test_json_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
