/*
 * json: the one JSON writer, shared by the control replies, echoctl's
 * --json outputs and the benchmark reports.  It builds one document into a
 * growable buffer with a hard size limit, escapes every string (quotes,
 * backslashes, control characters; bytes that are not UTF-8 become
 * U+FFFD, so the output is always valid JSON), and places the commas.
 *
 * Every call takes the member's key, or NULL inside an array and at the
 * top.  A writer that ran out of memory or past its limit stops writing and
 * says so in json_failed(); the caller reports that instead of sending a
 * truncated document.  Numbers never depend on the locale: only LC_CTYPE
 * is ever set (echoctl), so printf's decimal point stays '.'.
 */
#ifndef ECHOD_JSON_H
#define ECHOD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	char *buf;
	size_t len, cap, max;
	unsigned depth;
	bool failed;
	bool newline;			/* json_newline() before the next member */
	bool more[JSON_MAX_DEPTH];	/* a member was written at this depth */
};

/* An empty writer that will hold at most max bytes of text. */
void json_init(struct json *j, size_t max);
void json_free(struct json *j);
bool json_failed(const struct json *j);
/* The text so far, NUL-terminated ("" before the first call). */
const char *json_text(const struct json *j);
size_t json_len(const struct json *j);

void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);

void json_str(struct json *j, const char *key, const char *v);
void json_strn(struct json *j, const char *key, const char *v, size_t n);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
/* A number with `decimals` digits after the point (very large ones in
 * exponent form); NaN and infinities, which JSON cannot say, become null. */
void json_num(struct json *j, const char *key, double v, int decimals);
void json_bool(struct json *j, const char *key, bool v);
/* A run of members from a table, in its order (a report's counters or
 * figures): as many json_u64() or json_num() calls. */
struct json_u64_member {
	const char *key;
	uint64_t v;
};
struct json_num_member {
	const char *key;
	double v;
};
void json_u64_members(struct json *j, const struct json_u64_member *m,
    size_t n);
void json_num_members(struct json *j, const struct json_num_member *m,
    size_t n, int decimals);
void json_null(struct json *j, const char *key);
/* Length of the valid UTF-8 sequence at s[0..n) (1-4; n >= 1), or 0 if it
 * is not one (overlong, surrogate, above U+10FFFF, cut short). */
size_t json_utf8_len(const unsigned char *s, size_t n);
/* A line break (whitespace to JSON) after the next comma, so that
 * line-based transports such as the control protocol keep each line short
 * and every line but the last ends with a comma. */
void json_newline(struct json *j);

/* Write the text and a newline.  0, or -1 when the writer failed or the
 * write did. */
int json_print(const struct json *j, FILE *out);
/* json_print, then json_free; a failure is said on stderr as
 * "WHO: cannot write the JSON output" (for one-shot outputs). */
void json_print_free(struct json *j, FILE *out, const char *who);

#endif
