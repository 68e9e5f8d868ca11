/*
 * fuzz_proto: libFuzzer target for the control protocol (proto.c).  Feeds
 * the input to both parsers, and checks the writer's promise: whatever
 * bytes go into a reply as values, the reply parses back, complete, with
 * the same number of lines.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
roundtrip(const char *s)
{
	static char buf[PROTO_LINE_MAX * 8];
	struct proto_reply rep;
	struct proto_out o;
	char err[128];

	proto_out_init(&o, buf, sizeof(buf));
	proto_out_err(&o, PROTO_ERR_RELOAD, s);
	proto_out_kv(&o, "diag", "%s", s);
	proto_out_line(&o, s);
	proto_out_end(&o);
	if (o.overflow)
		abort();
	if (proto_reply_parse(buf, o.len, &rep, err, sizeof(err)) != 1 ||
	    rep.ok || rep.code != PROTO_ERR_RELOAD || rep.lines != 2)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req;
	struct proto_reply rep;
	char err[128], *s;
	int code;

	if (proto_request_parse((const char *)data, size, &req, &code, err,
	    sizeof(err)) == 1 && req.verb >= PROTO_VERB_COUNT)
		abort();
	(void)proto_reply_parse((const char *)data, size, &rep, err, sizeof(err));
	if (size < PROTO_LINE_MAX / 2 && (s = malloc(size + 1)) != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
		roundtrip(s);
		free(s);
	}
	return 0;
}
