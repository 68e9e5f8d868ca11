/* test_proto: the control protocol's parsers, writer and limits. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/json.h"
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

/* The whole reply in one call, from a fresh parser state. */
static int
parse_all(const char *buf, size_t len, size_t max, struct proto_reply *rep)
{
	char err[128];

	proto_reply_init(rep);
	return proto_reply_parse(buf, len, max, rep, err, sizeof(err));
}

static void
test_reply_roundtrip(void **state)
{
	const char *body = "phase=running\nevil=a b c\n \n";
	struct proto_out o;
	struct proto_reply rep;
	char *buf;
	size_t len;

	proto_out_init(&o);
	proto_out_ok(&o);
	proto_out_kv(&o, "phase", "%s", "running");
	proto_out_kv(&o, "evil", "a\nb\rc");	/* control chars flattened */
	proto_out_line(&o, "");		/* must not end the reply */
	proto_out_end(&o);
	assert_non_null(buf = proto_out_take(&o, &len));
	assert_int_equal(parse_all(buf, len, len, &rep), 1);
	assert_true(rep.ok);
	assert_int_equal(rep.lines, 3);
	assert_int_equal(rep.bodylen, strlen(body));
	assert_memory_equal(buf + rep.bodyoff, body, rep.bodylen);
	/* Every prefix is incomplete, never an error. */
	for (size_t i = 0; i < len; i++)
		assert_int_equal(parse_all(buf, i, len, &rep), 0);
	free(buf);

	proto_out_init(&o);
	proto_out_err(&o, PROTO_ERR_RELOAD, "reload failed: x.conf:3: bad");
	proto_out_kv(&o, "diag", "x.conf:3: bad");
	proto_out_end(&o);
	assert_non_null(buf = proto_out_take(&o, &len));
	assert_int_equal(parse_all(buf, len, PROTO_REPLY_MAX, &rep), 1);
	assert_false(rep.ok);
	assert_int_equal(rep.code, 422);
	assert_int_equal(rep.msglen, strlen("reload failed: x.conf:3: bad"));
	assert_memory_equal(buf + rep.msgoff, "reload failed: x.conf:3: bad",
	    rep.msglen);
	assert_int_equal(rep.lines, 1);
	free(buf);
}

static void
test_reply_bad(void **state)
{
	const char *bad[] = { "YES\n\n", "ERR 42 short\n\n", "ERR abc x\n\n",
	    "\n", "OK\nk=\001\n\n",
	    /* DEL, C1 CSI as UTF-8 and as a byte, 0xff, a cut sequence */
	    "OK\nk=\177\n\n", "OK\nk=\302\2332J\n\n", "OK\nk=\2332J\n\n",
	    "OK\nk=\377\n\n", "OK\nk=\303\n\n", "ERR 500 \302\233\n\n" };
	struct proto_reply rep;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_all(bad[i], strlen(bad[i]),
		    PROTO_REPLY_MAX, &rep), -1);
}

/* Replies are text: DEL, C1 controls and bytes that are not UTF-8 are
 * flattened by the writer (so echod's replies parse), refused by the
 * reader (they reached the terminal raw: only bytes below 0x20 were), and
 * UTF-8 text is neither. */
static void
test_reply_text_only(void **state)
{
	const char *body = "k=a b c d e\nname=caf\303\251 \344\275\240 \302\240\n";
	const char *utf8 = "OK\nname=caf\303\251 \344\275\240 \302\240\n\n";
	struct proto_out o;
	struct proto_reply rep;
	char *buf;
	size_t len;

	proto_out_init(&o);
	proto_out_ok(&o);
	proto_out_kv(&o, "k", "%s", "a\177b\302\233c\377d\233e");
	proto_out_kv(&o, "name", "%s", "caf\303\251 \344\275\240 \302\240");
	proto_out_end(&o);
	assert_non_null(buf = proto_out_take(&o, &len));
	assert_int_equal(parse_all(buf, len, len, &rep), 1);
	assert_int_equal(rep.bodylen, strlen(body));
	assert_memory_equal(buf + rep.bodyoff, body, rep.bodylen);
	free(buf);
	assert_int_equal(parse_all(utf8, strlen(utf8), PROTO_REPLY_MAX, &rep),
	    1);
}

/* 100,000 lines (far past the old 2,048-line ceiling) written, then read
 * back in pieces of every size from 1 byte: the same reply each time, and
 * the resumed parse never rescans what it already checked. */
static void
test_reply_large_incremental(void **state)
{
	const size_t steps[] = { 1, 7, 4096, 65536 };
	struct proto_out o;
	struct proto_reply rep;
	char *buf, err[128];
	size_t len;

	proto_out_init(&o);
	proto_out_ok(&o);
	for (int i = 0; i < 100000; i++)
		proto_out_kv(&o, "listener.l", "%d", i);
	proto_out_end(&o);
	assert_false(o.failed);
	assert_non_null(buf = proto_out_take(&o, &len));
	assert_true(len > 1000000);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		size_t have = 0;
		int r = 0;

		proto_reply_init(&rep);
		while (r == 0 && have < len) {
			have += steps[k];
			if (have > len)
				have = len;
			r = proto_reply_parse(buf, have, PROTO_REPLY_MAX, &rep,
			    err, sizeof(err));
			assert_true(rep.pos <= have);
		}
		assert_int_equal(r, 1);
		assert_int_equal(have, len);
		assert_int_equal(rep.lines, 100000);
		assert_int_equal(rep.bodyoff, 3);
		assert_int_equal(rep.bodylen, len - 4);
	}
	free(buf);
}

static void
test_reply_limits(void **state)
{
	char *buf = malloc(PROTO_LINE_MAX * 4), err[128];
	struct proto_reply rep;
	size_t n;

	/* Complete in exactly max bytes: fine; one byte over: an error, not
	 * a wait for more. */
	memcpy(buf, "OK\na=1\nb=2\n\n", 12);
	assert_int_equal(parse_all(buf, 12, 12, &rep), 1);
	assert_int_equal(parse_all(buf, 12, 11, &rep), -1);
	assert_int_equal(parse_all(buf, 11, 11, &rep), -1);
	assert_int_equal(parse_all(buf, 10, 11, &rep), 0);
	proto_reply_init(&rep);
	assert_int_equal(proto_reply_parse(buf, 11, 11, &rep, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "reply larger than 11 bytes");

	/* A line without LF at the line limit is an error, not a wait. */
	memcpy(buf, "OK\n", 3);
	memset(buf + 3, 'x', PROTO_LINE_MAX);
	assert_int_equal(parse_all(buf, 3 + PROTO_LINE_MAX, PROTO_REPLY_MAX,
	    &rep), -1);
	/* One just under it is a line. */
	n = 3 + PROTO_LINE_MAX - 1;
	buf[n - 1] = '\n';
	buf[n++] = '\n';
	assert_int_equal(parse_all(buf, n, PROTO_REPLY_MAX, &rep), 1);
	assert_int_equal(rep.lines, 1);

	/* The writer cuts a key=value line at the limit, keeps the reply
	 * whole. */
	{
		struct proto_out o;
		char *out;
		size_t len;

		memset(buf, 'v', PROTO_LINE_MAX * 2);
		buf[PROTO_LINE_MAX * 2] = '\0';
		proto_out_init(&o);
		proto_out_ok(&o);
		proto_out_kv(&o, "k", "%s", buf);
		proto_out_end(&o);
		assert_non_null(out = proto_out_take(&o, &len));
		assert_int_equal(len, 3 + PROTO_LINE_MAX + 1);
		assert_int_equal(parse_all(out, len, len, &rep), 1);
		free(out);
	}
	free(buf);
}

/* OK, the document as body lines, the end; the writer's JSON freed. */
static void
json_reply(struct proto_out *o, struct json *j)
{
	proto_out_init(o);
	proto_out_ok(o);
	proto_out_json(o, j);
	proto_out_end(o);
	json_free(j);
}

/* JSON goes in as lines split at the writer's line breaks; a line that
 * would not fit fails the reply instead of cutting the document. */
static void
test_reply_json(void **state)
{
	struct proto_reply rep;
	struct proto_out o;
	struct json j;
	char *out, *big;
	size_t len;

	json_init(&j, 1 << 20);
	json_object_begin(&j, NULL);
	json_newline(&j);
	json_str(&j, "a", "x\ny");
	json_newline(&j);
	json_array_begin(&j, "l");
	json_newline(&j);
	json_u64(&j, NULL, 1);
	json_newline(&j);
	json_array_end(&j);
	json_object_end(&j);
	json_reply(&o, &j);
	assert_non_null(out = proto_out_take(&o, &len));
	assert_int_equal(parse_all(out, len, len, &rep), 1);
	assert_int_equal(rep.bodylen, strlen("{\n\"a\":\"x\\ny\",\n\"l\":[\n1\n]}\n"));
	assert_memory_equal(out + rep.bodyoff,
	    "{\n\"a\":\"x\\ny\",\n\"l\":[\n1\n]}\n", rep.bodylen);
	free(out);

	big = malloc(PROTO_LINE_MAX + 1);
	memset(big, 'b', PROTO_LINE_MAX);
	big[PROTO_LINE_MAX] = '\0';
	json_init(&j, 1 << 20);
	json_object_begin(&j, NULL);
	json_str(&j, "big", big);
	json_object_end(&j);
	json_reply(&o, &j);
	assert_true(o.failed);
	assert_null(proto_out_take(&o, &len));
	free(big);
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
		cmocka_unit_test(test_reply_large_incremental),
		cmocka_unit_test(test_reply_limits),
		cmocka_unit_test(test_reply_text_only),
		cmocka_unit_test(test_reply_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
