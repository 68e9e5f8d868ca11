/*
 * fuzz_proto: libFuzzer target for the control protocol (proto.c).  Feeds
 * the input to both parsers, checks that the reply parser resumed after a
 * cut gives what one call gives, and checks the writer's promise: whatever
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
	struct proto_reply rep;
	struct proto_out o;
	char err[128], *buf;
	size_t len;

	proto_out_init(&o);
	proto_out_err(&o, PROTO_ERR_RELOAD, s);
	proto_out_kv(&o, "diag", "%s", s);
	proto_out_line(&o, s);
	proto_out_end(&o);
	if ((buf = proto_out_take(&o, &len)) == NULL)
		abort();
	proto_reply_init(&rep);
	if (proto_reply_parse(buf, len, len, &rep, err, sizeof(err)) != 1 ||
	    rep.ok || rep.code != PROTO_ERR_RELOAD || rep.lines != 2 ||
	    rep.pos != len)
		abort();
	free(buf);
}

/* The input read in two pieces, split where its first byte says, must
 * parse exactly as in one piece: resuming is invisible. */
static void
resumed(const char *data, size_t size, size_t max)
{
	struct proto_reply one, two;
	char err[128];
	size_t cut = size ? (unsigned char)data[0] * size / 256 : 0;
	int r1, r2;

	proto_reply_init(&one);
	r1 = proto_reply_parse(data, size, max, &one, err, sizeof(err));
	proto_reply_init(&two);
	r2 = proto_reply_parse(data, cut, max, &two, err, sizeof(err));
	if (r2 == 0)
		r2 = proto_reply_parse(data, size, max, &two, err, sizeof(err));
	else if (r2 == 1 && r1 != 1)
		abort();	/* complete in a prefix, not in the whole */
	if (r1 != r2 || (r1 == 1 && (one.ok != two.ok || one.code != two.code ||
	    one.lines != two.lines || one.bodyoff != two.bodyoff ||
	    one.bodylen != two.bodylen || one.pos != two.pos)))
		abort();
	if (r1 == 1 && (one.pos > size || one.pos > max))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req;
	char err[128], *s;
	int code;

	if (proto_request_parse((const char *)data, size, &req, &code, err,
	    sizeof(err)) == 1 && req.verb >= PROTO_VERB_COUNT)
		abort();
	resumed((const char *)data, size, PROTO_REPLY_MAX);
	resumed((const char *)data, size, size / 2 + 1);
	if (size < PROTO_LINE_MAX / 2 && (s = malloc(size + 1)) != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
		roundtrip(s);
		free(s);
	}
	return 0;
}
