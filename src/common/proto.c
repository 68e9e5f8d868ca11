/*
 * proto: the control protocol's verb table, request and reply parsers and
 * the reply writer.  See proto.h for the wire format.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/proto.h"

static const struct {
	const char *name;
	const char *help;
} verbs[PROTO_VERB_COUNT] = {
	[PROTO_PING] = { "ping", "check that echod answers" },
	[PROTO_STATUS] = { "status", "phase, listeners, connections and counters" },
	[PROTO_STATS] = { "stats", "counters only, total and per listener" },
	[PROTO_RELOAD] = { "reload", "reload the configuration and wait for the result" },
	[PROTO_METRICS] = { "metrics", "the counters in the Prometheus text format" },
};

const char *
proto_verb_name(enum proto_verb v)
{
	return v < PROTO_VERB_COUNT ? verbs[v].name : "?";
}

const char *
proto_verb_help(enum proto_verb v)
{
	return v < PROTO_VERB_COUNT ? verbs[v].help : "";
}

int
proto_verb_lookup(const char *name)
{
	for (int i = 0; i < PROTO_VERB_COUNT; i++)
		if (strcmp(name, verbs[i].name) == 0)
			return i;
	return -1;
}

static int
request_fail(int *code, int c, char *err, size_t errlen, const char *msg)
{
	*code = c;
	snprintf(err, errlen, "%s", msg);
	return -1;
}

/* Split the line into at most two words; anything else is an error. */
static int
request_words(char *line, char **w, size_t *n)
{
	char *save = NULL;

	*n = 0;
	for (char *t = strtok_r(line, " \t", &save); t != NULL;
	    t = strtok_r(NULL, " \t", &save)) {
		if (*n == 2)
			return -1;
		w[(*n)++] = t;
	}
	return 0;
}

int
proto_request_parse(const char *buf, size_t len, struct proto_request *req,
    int *code, char *err, size_t errlen)
{
	char line[PROTO_LINE_MAX];
	const char *nl;
	char *w[2];
	size_t n, linelen;
	int v;

	nl = memchr(buf, '\n', len < PROTO_LINE_MAX ? len : PROTO_LINE_MAX);
	if (nl == NULL)
		return len < PROTO_LINE_MAX ? 0 : request_fail(code,
		    PROTO_ERR_TOO_LONG, err, errlen, "request line too long");
	linelen = (size_t)(nl - buf);
	if (linelen > 0 && buf[linelen - 1] == '\r')
		linelen--;	/* tolerate socat's crlf option */
	for (size_t i = 0; i < linelen; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t')
			return request_fail(code, PROTO_ERR_REQUEST, err,
			    errlen, "control character in request");
	memcpy(line, buf, linelen);
	line[linelen] = '\0';
	if (request_words(line, w, &n) < 0)
		return request_fail(code, PROTO_ERR_REQUEST, err, errlen,
		    "too many arguments");
	if (n == 0)
		return request_fail(code, PROTO_ERR_REQUEST, err, errlen,
		    "empty request");
	if ((v = proto_verb_lookup(w[0])) < 0)
		return request_fail(code, PROTO_ERR_REQUEST, err, errlen,
		    "unknown verb (ping, status, stats, reload)");
	req->verb = (enum proto_verb)v;
	req->json = false;
	if (n == 2) {
		if (strcmp(w[1], "json") != 0)
			return request_fail(code, PROTO_ERR_REQUEST, err,
			    errlen, "unknown argument (only \"json\")");
		req->json = true;
	}
	return 1;
}

int
proto_request_format(const struct proto_request *req, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%s%s\n", proto_verb_name(req->verb),
	    req->json ? " json" : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

void
proto_out_init(struct proto_out *o)
{
	memset(o, 0, sizeof(*o));
}

void
proto_out_free(struct proto_out *o)
{
	free(o->buf);
	proto_out_init(o);
}

void
proto_out_reset(struct proto_out *o)
{
	o->len = 0;
	o->lines = 0;
	o->failed = false;
}

char *
proto_out_take(struct proto_out *o, size_t *len)
{
	char *buf = o->failed ? NULL : o->buf;

	*len = o->len;
	if (buf == NULL)
		free(o->buf);
	proto_out_init(o);
	return buf;
}

/* Room for n more bytes. */
static bool
out_reserve(struct proto_out *o, size_t n)
{
	size_t ncap;
	char *nb;

	if (o->failed)
		return false;
	if (n <= o->cap - o->len)
		return true;
	ncap = o->cap ? o->cap : 4096;
	while (ncap - o->len < n) {
		if (ncap > SIZE_MAX / 2) {
			o->failed = true;
			return false;
		}
		ncap *= 2;
	}
	if ((nb = realloc(o->buf, ncap)) == NULL) {
		o->failed = true;
		return false;
	}
	o->buf = nb;
	o->cap = ncap;
	return true;
}

/* Of the text at s[0..n) (n >= 1): the length of its first character when
 * that is valid UTF-8 and no control (C0, DEL, C1), else 0.  What a reply
 * line may hold (proto.h). */
static size_t
text_char(const unsigned char *s, size_t n)
{
	size_t len = json_utf8_len(s, n);

	if (len == 1 && (s[0] < 0x20 || s[0] == 0x7f))
		return 0;
	if (len == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return 0;	/* U+0080..U+009F */
	return len;
}

/* Append one line, cut at the line limit, control characters and bytes
 * that are not UTF-8 flattened to spaces (a character each). */
static void
out_append(struct proto_out *o, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n > PROTO_LINE_MAX - 1)
		n = PROTO_LINE_MAX - 1;
	if (!out_reserve(o, n + 1))
		return;
	for (size_t i = 0, k; i < n; i += k) {
		if ((k = text_char(u + i, n - i)) == 0) {
			/* a C1 control is two bytes, one space */
			k = json_utf8_len(u + i, n - i);
			k = k > 0 ? k : 1;
			o->buf[o->len++] = ' ';
			continue;
		}
		memcpy(o->buf + o->len, s + i, k);
		o->len += k;
	}
	o->buf[o->len++] = '\n';
	o->lines++;
}

void
proto_out_ok(struct proto_out *o)
{
	out_append(o, "OK", 2);
}

void
proto_out_err(struct proto_out *o, int code, const char *msg)
{
	char line[PROTO_LINE_MAX];
	int n;

	n = snprintf(line, sizeof(line), "ERR %d %s", code, msg);
	if (n > 0)
		out_append(o, line, strnlen(line, sizeof(line)));
}

void
proto_out_kv(struct proto_out *o, const char *key, const char *fmt, ...)
{
	char line[PROTO_LINE_MAX];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "%s=", key);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		o->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	out_append(o, line, strnlen(line, sizeof(line)));
}

void
proto_out_line(struct proto_out *o, const char *line)
{
	/* An empty line would end the reply early. */
	if (*line == '\0')
		line = " ";
	out_append(o, line, strlen(line));
}

void
proto_out_json(struct proto_out *o, const struct json *j)
{
	const char *s = json_text(j), *end = s + json_len(j);

	if (json_failed(j)) {
		o->failed = true;
		return;
	}
	while (s < end && !o->failed) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)((nl != NULL ? nl : end) - s);

		if (n > PROTO_LINE_MAX - 1)
			o->failed = true;
		else if (n > 0)
			out_append(o, s, n);
		s += n + 1;
	}
}

void
proto_out_end(struct proto_out *o)
{
	if (out_reserve(o, 1))
		o->buf[o->len++] = '\n';
}

static int
reply_fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

/* The status line: "OK" or "ERR <3 digits> <message>". */
static int
reply_status(const char *line, size_t n, struct proto_reply *rep, char *err,
    size_t errlen)
{
	if (n == 2 && memcmp(line, "OK", 2) == 0) {
		rep->ok = true;
		rep->code = 0;
		return 0;
	}
	if (n < 8 || memcmp(line, "ERR ", 4) != 0 || line[7] != ' ')
		return reply_fail(err, errlen, "bad status line");
	rep->code = 0;
	for (int i = 4; i < 7; i++) {
		if (line[i] < '0' || line[i] > '9')
			return reply_fail(err, errlen, "bad error code");
		rep->code = rep->code * 10 + (line[i] - '0');
	}
	rep->ok = false;
	rep->msgoff = 8;
	rep->msglen = n - 8;
	return 0;
}

void
proto_reply_init(struct proto_reply *rep)
{
	memset(rep, 0, sizeof(*rep));
}

int
proto_reply_parse(const char *buf, size_t len, size_t max,
    struct proto_reply *rep, char *err, size_t errlen)
{
	size_t pos = rep->pos;

	while (pos < len) {
		size_t avail = len - pos, n;
		const char *nl = memchr(buf + pos, '\n',
		    avail < PROTO_LINE_MAX ? avail : PROTO_LINE_MAX);

		if (nl == NULL) {
			if (avail >= PROTO_LINE_MAX)
				return reply_fail(err, errlen,
				    "reply line too long");
			break;
		}
		n = (size_t)(nl - (buf + pos));
		if (pos + n + 1 > max)
			break;
		/* Only text: DEL and C1 (U+009B is CSI) drive a terminal
		 * as C0 does, and echod writes none of them, nor bytes
		 * that are not UTF-8. */
		for (size_t i = 0, k; i < n; i += k)
			if ((k = text_char((const unsigned char *)buf + pos + i,
			    n - i)) == 0)
				return reply_fail(err, errlen,
				    "control character or invalid UTF-8 in "
				    "reply");
		if (pos == 0) {
			if (reply_status(buf, n, rep, err, errlen) < 0)
				return -1;
			rep->bodyoff = n + 1;
		} else if (n == 0) {
			rep->bodylen = pos - rep->bodyoff;
			rep->pos = pos + 1;
			return 1;
		} else {
			rep->lines++;
		}
		pos += n + 1;
	}
	rep->pos = pos;
	if (len >= max) {
		snprintf(err, errlen, "reply larger than %zu bytes", max);
		return -1;
	}
	return 0;
}
