/*
 * proto: the control protocol between echod (ctl.c) and echoctl
 * (ctlclient.c).  No I/O and no logging, so both sides and the fuzzer share
 * exactly the same code; the parsers never allocate, the reply writer grows
 * its own buffer.
 *
 * One request per connection, text lines, debuggable with socat:
 *
 *	request:  VERB [json] LF                 (<= PROTO_LINE_MAX bytes)
 *	reply:    OK LF  |  ERR <code> <message> LF
 *	          key=value LF ...               (any number of lines,
 *	          LF                              each <= PROTO_LINE_MAX)
 *
 * A reply has no line-count limit: its size follows the daemon's state (a
 * status of 2,000 listeners is about 2 MB).  The reader is bounded all the
 * same: it refuses a reply larger than the `max` its caller gives
 * (echoctl: PROTO_REPLY_MAX) with a clear error, and parses incrementally,
 * so reading a large reply costs linear time.
 *
 * A line is UTF-8 text without control characters (C0, DEL, C1): the
 * writer replaces them and bytes that are not UTF-8 with spaces, and the
 * reader refuses a reply that has any, so echoctl can print it as is.
 * With "json" the body is one JSON object (common/json.h) spread over
 * lines (one per member or listener, so no line hits the limit).  Values
 * never contain LF or other control characters (the writer replaces
 * them), so a reply always splits back into its lines.
 */
#ifndef ECHOD_PROTO_H
#define ECHOD_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#define PROTO_LINE_MAX 2048	/* bytes per line, LF included */
/* The largest reply echoctl reads: far above any real daemon's (1 KiB to
 * 3.5 KiB per listener: 256 MiB is more than 75,000 listeners of the
 * longest names), and a bound on what a broken or hostile daemon can make
 * echoctl hold. */
#define PROTO_REPLY_MAX ((size_t)256 << 20)

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

struct json;

/* A reply being built into a buffer that grows as needed. */
struct proto_out {
	char *buf;
	size_t cap, len;
	size_t lines;
	bool failed;		/* out of memory, or a JSON line too long */
};

/* An empty reply; proto_out_free (or proto_out_take) when done. */
void proto_out_init(struct proto_out *o);
void proto_out_free(struct proto_out *o);
/* Hand the text (malloc'd, o->len bytes) to the caller; NULL if the
 * writer failed.  The writer is empty again afterwards. */
char *proto_out_take(struct proto_out *o, size_t *len);
/* Start again from nothing (to answer an error instead). */
void proto_out_reset(struct proto_out *o);
void proto_out_ok(struct proto_out *o);
void proto_out_err(struct proto_out *o, int code, const char *msg);
/* key=value; value is printf-formatted, control characters become ' ',
 * the line is cut at PROTO_LINE_MAX. */
void proto_out_kv(struct proto_out *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A raw body line; control characters become ' ', an empty line ' '. */
void proto_out_line(struct proto_out *o, const char *line);
/* A JSON document as body lines, split where the writer put line breaks
 * (json_newline); a line over PROTO_LINE_MAX fails the writer rather
 * than cutting the document. */
void proto_out_json(struct proto_out *o, const struct json *j);
/* The closing empty line. */
void proto_out_end(struct proto_out *o);

/* A parsed reply, with offsets into the caller's buffer (which may move
 * between calls, as it grows). */
struct proto_reply {
	bool ok;
	int code;			/* 0 for OK */
	size_t msgoff, msglen;		/* ERR message, not NUL-terminated */
	size_t bodyoff, bodylen;	/* body lines, each ending in LF */
	size_t lines;
	size_t pos;			/* parser state: bytes checked */
};

/* Before the first proto_reply_parse of a reply. */
void proto_reply_init(struct proto_reply *rep);
/*
 * Parse a reply in buf[0..len), resuming where the previous call on the
 * same reply stopped (buf holds the same bytes as then, and more).  1 when
 * complete (up to and including the empty line), 0 when more bytes are
 * needed, -1 with err set when it is malformed, or when it is not
 * complete within `max` bytes.
 */
int proto_reply_parse(const char *buf, size_t len, size_t max,
    struct proto_reply *rep, char *err, size_t errlen);

#endif
