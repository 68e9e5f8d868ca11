/*
 * log: levels, event kinds and their stable message ids, the stderr
 * key=value sink, and a token-bucket rate limiter for peer-caused messages.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

static const struct {
	const char *name;
	const char *id;
} events[LOG_EV_COUNT] = {
	[LOG_EV_GENERIC] = { "message", "533167dd58ae49bc89ff2004f2b556a2" },
	[LOG_EV_STARTING] = { "starting", "a4ed2bdb096a47df95238870d68d689c" },
	[LOG_EV_LISTENING] = { "listening", "bb8275a2d6c148a68d18b27ff560090b" },
	[LOG_EV_CONN_OPEN] = { "conn_open", "ac97f21c09c74fa799010233b222b36b" },
	[LOG_EV_CONN_CLOSE] = { "conn_close", "be20fbc8457f46808460a6381239145b" },
	[LOG_EV_DGRAM_DROP] = { "dgram_drop", "e6784db4185c43fdb8986afc169916e5" },
	[LOG_EV_LIMIT] = { "limit", "1a274aa342a84c94b16d48eba71c3239" },
	[LOG_EV_RELOAD_OK] = { "reload_ok", "39c7f1e53e704aaf8ec2fe799c0766c0" },
	[LOG_EV_RELOAD_FAIL] = { "reload_failed", "21ba6d5840e842649b707a0d043cc22b" },
	[LOG_EV_DRAINING] = { "draining", "f0a4c91df7644a57bab808fcb1581117" },
	[LOG_EV_STOPPED] = { "stopped", "251b85cca2444d22b1864e594c9120fa" },
	[LOG_EV_PEER_ERROR] = { "peer_error", "19f9c766dacd4e738a63e539c949f5c7" },
	[LOG_EV_CONFIG_ERROR] = { "config_error", "dcfaaf7e433644849ec94f3e38e8aa23" },
	[LOG_EV_LISTENER_CLOSED] = { "listener_closed", "cf8706c2c2344e5a8447f9ac15c03c64" },
	[LOG_EV_SUMMARY] = { "summary", "65233321ced940238d17605a25c5a3a1" },
};

static const char *const level_names[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"
};

void
log_init(struct logger *lg, const char *ident, int level)
{
	memset(lg, 0, sizeof(*lg));
	lg->ident = ident;
	lg->level = level;
	lg->sink = log_sink_stderr;
	lg->fd = STDERR_FILENO;
	lg->with_time = isatty(STDERR_FILENO);
}

void
log_set_level(struct logger *lg, int level)
{
	__atomic_store_n(&lg->level, level, __ATOMIC_RELAXED);
}

void
log_set_sink(struct logger *lg, log_sink_fn *sink, void *data)
{
	lg->sink = sink;
	lg->sink_data = data;
}

const char *
log_event_name(enum log_event ev)
{
	return ev < LOG_EV_COUNT ? events[ev].name : "message";
}

const char *
log_event_message_id(enum log_event ev)
{
	return ev < LOG_EV_COUNT ? events[ev].id : events[0].id;
}

const char *
log_level_name(int level)
{
	return level >= 0 && level < 8 ? level_names[level] : "debug";
}

size_t
log_escape(char *dst, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
		bool ctl = c < 0x20 || c == 0x7f;

		for (size_t i = 0; i < (ctl ? 4u : 1u); i++, n++)
			if (n + 1 < cap)
				dst[n] = ctl ? e[i] : (char)c;
	}
	if (cap > 0)
		dst[n < cap ? n : cap - 1] = '\0';
	return n;
}

/* A message longer than the stack buffer is built on the heap, up to
 * LOG_MSG_MAX; beyond that it is cut, and says so. */
void
log_eventv(struct logger *lg, int level, enum log_event ev,
    const struct log_field *fields, size_t nfields, const char *fmt, va_list ap)
{
	static const char cut[] = " [message cut]";
	char buf[1024], *msg = buf;
	size_t want, size = sizeof(buf);
	int saved = errno, n;
	va_list again;

	if (!log_enabled(lg, level))
		return;
	va_copy(again, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	want = n > 0 ? (size_t)n + 1 : 1;
	if (want > sizeof(buf)) {
		if (want > LOG_MSG_MAX)
			want = LOG_MSG_MAX;
		if ((msg = malloc(want)) != NULL) {
			vsnprintf(msg, want, fmt, again);
			size = want;
		} else {
			msg = buf;
		}
		if ((size_t)n + 1 > size)	/* say that it was cut */
			memcpy(msg + size - sizeof(cut), cut, sizeof(cut));
	}
	va_end(again);
	lg->sink(lg, level, ev, fields, nfields, msg);
	if (msg != buf)
		free(msg);
	errno = saved;
}

void
log_event(struct logger *lg, int level, enum log_event ev,
    const struct log_field *fields, size_t nfields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_eventv(lg, level, ev, fields, nfields, fmt, ap);
	va_end(ap);
}

/* Append `s` to the line, quoted when it holds spaces, quotes, '=' or
 * control characters, so every line splits back into its fields. */
static size_t
append_value(char *line, size_t pos, size_t cap, const char *s)
{
	int quote = (*s == '\0');

	for (const char *p = s; *p && !quote; p++)
		if (*p == ' ' || *p == '"' || *p == '=' || (unsigned char)*p < 0x20 || *p == 0x7f)
			quote = 1;
	if (!quote) {
		int n = snprintf(line + pos, cap - pos, "%s", s);
		return n < 0 ? pos : pos + (size_t)n;
	}
	if (pos < cap - 1)
		line[pos++] = '"';
	for (const char *p = s; *p && pos < cap - 5; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			line[pos++] = '\\';
			line[pos++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			pos += (size_t)snprintf(line + pos, cap - pos, "\\x%02x", c);
		} else {
			line[pos++] = (char)c;
		}
	}
	if (pos < cap - 1)
		line[pos++] = '"';
	line[pos] = '\0';
	return pos;
}

void
log_sink_stderr(struct logger *lg, int level, enum log_event ev,
    const struct log_field *fields, size_t nfields, const char *msg)
{
	char buf[2048], *line = buf;
	size_t pos = 0, cap = sizeof(buf) - 1;	/* room for the newline */
	size_t need = 64 + 4 * strlen(msg) + 3;
	int n;

	/* Quoting and \xNN escapes at most quadruple a value: a line that
	 * may not fit the stack buffer is built on the heap (the message is
	 * at most LOG_MSG_MAX), so it is never cut. */
	for (size_t i = 0; i < nfields; i++)
		if (fields[i].value != NULL)
			need += strlen(fields[i].key) + 4 * strlen(fields[i].value)
			    + 5;
	if (need > sizeof(buf) && (line = malloc(need)) != NULL)
		cap = need - 1;
	else
		line = buf;

	if (lg->with_time) {
		struct timeval tv;
		struct tm tm;

		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		pos = strftime(line, cap, "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line + pos, cap - pos, ".%03ldZ ", (long)tv.tv_usec / 1000);
		pos += n > 0 ? (size_t)n : 0;
	}
	n = snprintf(line + pos, cap - pos, "level=%s event=%s msg=",
	    log_level_name(level), log_event_name(ev));
	pos += n > 0 ? (size_t)n : 0;
	pos = append_value(line, pos, cap, msg);
	for (size_t i = 0; i < nfields && pos < cap - 2; i++) {
		if (fields[i].value == NULL)
			continue;
		n = snprintf(line + pos, cap - pos, " %s=", fields[i].key);
		pos += n > 0 ? (size_t)n : 0;
		if (pos >= cap)
			break;
		pos = append_value(line, pos, cap, fields[i].value);
	}
	if (pos > cap)
		pos = cap;
	line[pos++] = '\n';
	/* One write per line keeps lines whole between threads. */
	(void)!write(lg->fd, line, pos);
	if (line != buf)
		free(line);
}

void
log_ratelimit_init(struct log_ratelimit *rl, double rate, double burst)
{
	rl->rate = rate;
	rl->burst = burst;
	rl->started = false;
	rl->suppressed = 0;
}

int
log_ratelimit_ok(struct log_ratelimit *rl, double now, uint64_t *suppressed)
{
	if (!rl->started) {
		tbucket_init(&rl->bucket, rl->burst, now);
		rl->started = true;
	}
	if (!tbucket_take(&rl->bucket, rl->rate, rl->burst, now)) {
		rl->suppressed++;
		return 0;
	}
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return 1;
}
