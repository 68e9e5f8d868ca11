/*
 * json: the writer.  See json.h.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

void
json_init(struct json *j, size_t max)
{
	memset(j, 0, sizeof(*j));
	j->max = max;
}

void
json_free(struct json *j)
{
	free(j->buf);
	j->buf = NULL;
	j->len = j->cap = 0;
}

bool
json_failed(const struct json *j)
{
	return j->failed;
}

const char *
json_text(const struct json *j)
{
	return j->buf != NULL ? j->buf : "";
}

size_t
json_len(const struct json *j)
{
	return j->len;
}

/* Room for n more bytes and the NUL. */
static bool
json_reserve(struct json *j, size_t n)
{
	size_t want = j->len + n + 1, ncap;
	char *nb;

	if (j->failed)
		return false;
	if (want > j->max + 1) {
		j->failed = true;
		return false;
	}
	if (want <= j->cap)
		return true;
	ncap = j->cap ? j->cap : 256;
	while (ncap < want)
		ncap *= 2;
	if (ncap > j->max + 1)
		ncap = j->max + 1;
	if ((nb = realloc(j->buf, ncap)) == NULL) {
		j->failed = true;
		return false;
	}
	j->buf = nb;
	j->cap = ncap;
	return true;
}

static void
json_put(struct json *j, const char *s, size_t n)
{
	if (!json_reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void
json_putf(struct json *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
json_putf(struct json *j, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		j->failed = true;
	else
		json_put(j, tmp, (size_t)n);
}

size_t
json_utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void
json_quote(struct json *j, const char *v, size_t n)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t i = 0;

	json_put(j, "\"", 1);
	while (i < n && !j->failed) {
		size_t run = i, len;

		/* Copy plain text in runs, not a byte at a time. */
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f &&
		    s[run] != '"' && s[run] != '\\')
			run++;
		json_put(j, v + i, run - i);
		if ((i = run) == n)
			break;
		if (s[i] == '"' || s[i] == '\\') {
			json_put(j, s[i] == '"' ? "\\\"" : "\\\\", 2);
			i++;
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			const char *e = s[i] == '\n' ? "\\n" : s[i] == '\t' ?
			    "\\t" : s[i] == '\r' ? "\\r" : NULL;

			if (e != NULL)
				json_put(j, e, 2);
			else
				json_putf(j, "\\u%04x", s[i]);
			i++;
		} else if ((len = json_utf8_len(s + i, n - i)) == 2 &&
		    s[i] == 0xc2 && s[i + 1] < 0xa0) {
			/* C1 (U+0080..U+009F): controls, escaped as C0 */
			json_putf(j, "\\u%04x", s[i + 1]);
			i += len;
		} else if (len > 0) {
			json_put(j, v + i, len);
			i += len;
		} else {
			json_put(j, "\\ufffd", 6);
			i++;
		}
	}
	json_put(j, "\"", 1);
}

/* The comma before a member and its key. */
static void
json_member(struct json *j, const char *key)
{
	if (j->more[j->depth])
		json_put(j, ",", 1);
	j->more[j->depth] = true;
	if (j->newline) {
		json_put(j, "\n", 1);
		j->newline = false;
	}
	if (key != NULL) {
		json_quote(j, key, strlen(key));
		json_put(j, ":", 1);
	}
}

static void
json_open(struct json *j, const char *key, const char *brace)
{
	json_member(j, key);
	if (j->depth + 1 >= JSON_MAX_DEPTH) {
		j->failed = true;
		return;
	}
	json_put(j, brace, 1);
	j->more[++j->depth] = false;
}

static void
json_close(struct json *j, const char *brace)
{
	if (j->depth == 0) {
		j->failed = true;
		return;
	}
	j->depth--;
	if (j->newline) {
		json_put(j, "\n", 1);
		j->newline = false;
	}
	json_put(j, brace, 1);
}

void
json_object_begin(struct json *j, const char *key)
{
	json_open(j, key, "{");
}

void
json_object_end(struct json *j)
{
	json_close(j, "}");
}

void
json_array_begin(struct json *j, const char *key)
{
	json_open(j, key, "[");
}

void
json_array_end(struct json *j)
{
	json_close(j, "]");
}

void
json_strn(struct json *j, const char *key, const char *v, size_t n)
{
	json_member(j, key);
	json_quote(j, v, n);
}

void
json_str(struct json *j, const char *key, const char *v)
{
	json_strn(j, key, v, strlen(v));
}

void
json_u64(struct json *j, const char *key, uint64_t v)
{
	json_member(j, key);
	json_putf(j, "%llu", (unsigned long long)v);
}

void
json_i64(struct json *j, const char *key, int64_t v)
{
	json_member(j, key);
	json_putf(j, "%lld", (long long)v);
}

void
json_num(struct json *j, const char *key, double v, int decimals)
{
	json_member(j, key);
	if (!isfinite(v))
		json_put(j, "null", 4);
	else if (fabs(v) >= 1e15)
		json_putf(j, "%.17g", v);	/* "1e+20" is JSON too */
	else
		json_putf(j, "%.*f", decimals, v);
}

void
json_u64_members(struct json *j, const struct json_u64_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_u64(j, m[i].key, m[i].v);
}

void
json_num_members(struct json *j, const struct json_num_member *m, size_t n,
    int decimals)
{
	for (size_t i = 0; i < n; i++)
		json_num(j, m[i].key, m[i].v, decimals);
}

void
json_bool(struct json *j, const char *key, bool v)
{
	json_member(j, key);
	json_put(j, v ? "true" : "false", v ? 4 : 5);
}

void
json_null(struct json *j, const char *key)
{
	json_member(j, key);
	json_put(j, "null", 4);
}

void
json_newline(struct json *j)
{
	j->newline = true;
}

int
json_print(const struct json *j, FILE *out)
{
	if (j->failed || j->depth != 0)
		return -1;
	if (fwrite(json_text(j), 1, j->len, out) != j->len ||
	    fputc('\n', out) == EOF)
		return -1;
	return 0;
}

void
json_print_free(struct json *j, FILE *out, const char *who)
{
	if (json_print(j, out) == -1)
		fprintf(stderr, "%s: cannot write the JSON output\n", who);
	json_free(j);
}
