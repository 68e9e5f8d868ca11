/*
 * proto: the control protocol between echod (ctl.c) and echoctl
 * (ctlclient.c).  Pure: no I/O, no allocation, no logging, so both sides
 * and the fuzzer share exactly the same parsers.
 *
 * One request per connection, text lines, debuggable with socat:
 *
 *	request:  VERB [json] LF                 (<= PROTO_LINE_MAX bytes)
 *	reply:    OK LF  |  ERR <code> <message> LF
 *	          key=value LF ...               (<= PROTO_MAX_LINES lines,
 *	          LF                              each <= PROTO_LINE_MAX)
 *
 * With "json" the body is one JSON object spread over lines (one line per
 * member or listener, so no line hits the limit).  Values never
 * contain LF or other control characters (proto_reply_kv replaces them), so
 * a reply always splits back into its lines.  Every parser stops at its
 * limits instead of growing: a peer cannot make either side allocate.
 */
#ifndef ECHOD_PROTO_H
#define ECHOD_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#define PROTO_LINE_MAX 2048	/* bytes per line, LF included */
#define PROTO_MAX_LINES 2048	/* body lines per reply */
#define PROTO_REPLY_MAX (PROTO_LINE_MAX * (PROTO_MAX_LINES + 2))

enum proto_verb {
	PROTO_PING,
	PROTO_STATUS,
	PROTO_STATS,
	PROTO_RELOAD,
	PROTO_METRICS,
	PROTO_VERB_COUNT
};

/* Error codes of "ERR <code> <message>" (HTTP-like, so they read well). */
enum proto_code {
	PROTO_ERR_REQUEST = 400,	/* malformed request, unknown verb */
	PROTO_ERR_DENIED = 403,		/* peer uid is neither root nor ours */
	PROTO_ERR_BUSY = 409,		/* a reload is already running */
	PROTO_ERR_TOO_LONG = 413,	/* request line over PROTO_LINE_MAX */
	PROTO_ERR_RELOAD = 422,		/* reload rejected; diagnostics follow */
	PROTO_ERR_INTERNAL = 500,	/* snapshot or allocation failed */
};

struct proto_request {
	enum proto_verb verb;
	bool json;
};

/* The verb table, shared by the dispatcher and echoctl's usage text. */
const char *proto_verb_name(enum proto_verb v);
const char *proto_verb_help(enum proto_verb v);
/* -1 if unknown. */
int proto_verb_lookup(const char *name);

/*
 * Parse the request at the start of buf[0..len).  Returns 1 with *req set
 * when a whole line is there, 0 when more bytes are needed (and len is still
 * below PROTO_LINE_MAX), -1 with *code and err set when the request is
 * malformed or too long.
 */
int proto_request_parse(const char *buf, size_t len, struct proto_request *req,
    int *code, char *err, size_t errlen);
/* "status json\n" into buf; 0, or -1 if it does not fit. */
int proto_request_format(const struct proto_request *req, char *buf,
    size_t len);

/* A reply being built into a caller-owned fixed buffer. */
struct proto_out {
	char *buf;
	size_t cap, len;
	size_t lines;
	bool overflow;		/* something did not fit: reply truncated */
};

void proto_out_init(struct proto_out *o, char *buf, size_t cap);
void proto_out_ok(struct proto_out *o);
void proto_out_err(struct proto_out *o, int code, const char *msg);
/* key=value; value is printf-formatted, control characters become ' '. */
void proto_out_kv(struct proto_out *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A raw body line (JSON); control characters become ' '. */
void proto_out_line(struct proto_out *o, const char *line);
/* The closing empty line; always fits (room is reserved for it). */
void proto_out_end(struct proto_out *o);

/* JSON string escaping into buf (always NUL-terminated, may truncate). */
void proto_json_escape(const char *s, char *buf, size_t len);

/* A parsed reply: views into the caller's buffer. */
struct proto_reply {
	bool ok;
	int code;			/* 0 for OK */
	const char *msg;		/* ERR message, not NUL-terminated */
	size_t msglen;
	const char *body;		/* body lines, each ending in LF */
	size_t bodylen;
	size_t lines;
};

/*
 * Parse a reply in buf[0..len).  1 when complete (up to and including the
 * empty line), 0 when more bytes are needed, -1 with err set when it is
 * malformed or over the limits.
 */
int proto_reply_parse(const char *buf, size_t len, struct proto_reply *rep,
    char *err, size_t errlen);

#endif
