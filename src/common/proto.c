/*
 * proto: the control protocol's verb table, request and reply parsers and
 * the bounded reply writer.  See proto.h for the wire format.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
proto_out_init(struct proto_out *o, char *buf, size_t cap)
{
	o->buf = buf;
	o->cap = cap;
	o->len = 0;
	o->lines = 0;
	o->overflow = false;
}

/* Append one line; the last byte of the buffer stays reserved for the
 * closing empty line, so proto_out_end always succeeds. */
static void
out_append(struct proto_out *o, const char *s, size_t n)
{
	if (n > PROTO_LINE_MAX - 1)
		n = PROTO_LINE_MAX - 1;
	if (o->overflow || o->lines >= PROTO_MAX_LINES + 1 ||
	    o->cap < 1 || n + 1 > o->cap - 1 - o->len) {
		o->overflow = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		o->buf[o->len++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
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
		o->overflow = true;
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
proto_out_end(struct proto_out *o)
{
	if (o->cap > o->len)
		o->buf[o->len++] = '\n';
}

void
proto_json_escape(const char *s, char *buf, size_t len)
{
	size_t pos = 0;

	if (len == 0)
		return;
	for (; *s != '\0' && pos + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[pos++] = '\\';
			buf[pos++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			pos += (size_t)snprintf(buf + pos, len - pos,
			    "\\u%04x", c);
		} else {
			buf[pos++] = (char)c;
		}
	}
	buf[pos] = '\0';
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
	rep->msg = line + 8;
	rep->msglen = n - 8;
	return 0;
}

int
proto_reply_parse(const char *buf, size_t len, struct proto_reply *rep,
    char *err, size_t errlen)
{
	size_t pos = 0, nlines = 0;

	memset(rep, 0, sizeof(*rep));
	while (pos < len) {
		size_t avail = len - pos, n;
		const char *nl = memchr(buf + pos, '\n',
		    avail < PROTO_LINE_MAX ? avail : PROTO_LINE_MAX);

		if (nl == NULL)
			return avail < PROTO_LINE_MAX ? 0 :
			    reply_fail(err, errlen, "reply line too long");
		n = (size_t)(nl - (buf + pos));
		if (nlines == 0) {
			if (reply_status(buf + pos, n, rep, err, errlen) < 0)
				return -1;
			rep->body = nl + 1;
		} else if (n == 0) {
			rep->bodylen = (size_t)(buf + pos - rep->body);
			rep->lines = nlines - 1;
			return 1;
		} else if (nlines > PROTO_MAX_LINES) {
			return reply_fail(err, errlen, "reply has too many lines");
		}
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)buf[pos + i] < 0x20)
				return reply_fail(err, errlen,
				    "control character in reply");
		nlines++;
		pos += n + 1;
	}
	return 0;
}
