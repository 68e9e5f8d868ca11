/*
 * log: the one logging API of echod and echoctl.
 *
 * An event is a priority (syslog levels), a kind (a stable identity used as
 * the journal MESSAGE_ID and as "event=" on a terminal), a human message and
 * a few key=value fields.  Sinks are pluggable: the stderr sink writes one
 * "key=value" line per event; other sinks (the journal, see service.c) are
 * registered with log_set_sink().  A logger is a value owned by its program's
 * state struct; there is no global logger.  Emitting is thread-safe as long
 * as the sink is (both built-in sinks are: one write per line).
 */
#ifndef ECHOD_LOG_H
#define ECHOD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/tbucket.h"

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* Kinds of events.  Each has a stable 128-bit MESSAGE_ID (log.c) and a catalog
 * entry (systemd/echod.catalog).  Never renumber: append. */
enum log_event {
	LOG_EV_GENERIC = 0,
	LOG_EV_STARTING,
	LOG_EV_LISTENING,
	LOG_EV_CONN_OPEN,
	LOG_EV_CONN_CLOSE,
	LOG_EV_DGRAM_DROP,
	LOG_EV_LIMIT,
	LOG_EV_RELOAD_OK,
	LOG_EV_RELOAD_FAIL,
	LOG_EV_DRAINING,
	LOG_EV_STOPPED,
	LOG_EV_PEER_ERROR,
	LOG_EV_CONFIG_ERROR,
	LOG_EV_LISTENER_CLOSED,
	LOG_EV_SUMMARY,
	LOG_EV_COUNT
};

/* One structured field.  Keys are lower-case ("listener", "peer_address");
 * the journal sink upper-cases them into field names (LISTENER=...). */
struct log_field {
	const char *key;
	const char *value;
};

struct logger;
typedef void log_sink_fn(struct logger *lg, int level, enum log_event ev,
    const struct log_field *fields, size_t nfields, const char *msg);

struct logger {
	int level;		/* events above this level are dropped; atomic access */
	const char *ident;	/* SYSLOG_IDENTIFIER, "echod" */
	log_sink_fn *sink;
	void *sink_data;
	int fd;			/* stderr sink target */
	int with_time;		/* stderr sink: prefix an ISO-8601 timestamp */
};

void log_init(struct logger *lg, const char *ident, int level);
void log_set_level(struct logger *lg, int level);
void log_set_sink(struct logger *lg, log_sink_fn *sink, void *data);
static inline int
log_enabled(const struct logger *lg, int level)
{
	return level <= __atomic_load_n(&lg->level, __ATOMIC_RELAXED);
}

/* Emit an event with fields.  The message is printf-formatted. */
void log_event(struct logger *lg, int level, enum log_event ev,
    const struct log_field *fields, size_t nfields, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void log_eventv(struct logger *lg, int level, enum log_event ev,
    const struct log_field *fields, size_t nfields, const char *fmt,
    va_list ap) __attribute__((format(printf, 6, 0)));

#define log_err(lg, ...) log_event((lg), LOG_LVL_ERR, LOG_EV_GENERIC, NULL, 0, __VA_ARGS__)
#define log_warn(lg, ...) log_event((lg), LOG_LVL_WARNING, LOG_EV_GENERIC, NULL, 0, __VA_ARGS__)
#define log_notice(lg, ...) log_event((lg), LOG_LVL_NOTICE, LOG_EV_GENERIC, NULL, 0, __VA_ARGS__)
#define log_info(lg, ...) log_event((lg), LOG_LVL_INFO, LOG_EV_GENERIC, NULL, 0, __VA_ARGS__)
#define log_debug(lg, ...) log_event((lg), LOG_LVL_DEBUG, LOG_EV_GENERIC, NULL, 0, __VA_ARGS__)

/* Names and ids. */
const char *log_event_name(enum log_event ev);		/* "conn_open" */
const char *log_event_message_id(enum log_event ev);	/* 32 hex digits */
const char *log_level_name(int level);			/* "notice" */

/* The default sink: one line "ts level=... event=... msg=... k=v" to lg->fd. */
void log_sink_stderr(struct logger *lg, int level, enum log_event ev,
    const struct log_field *fields, size_t nfields, const char *msg);

/* The longest message kept whole; a longer one is cut and says so. */
#define LOG_MSG_MAX 65536

/*
 * Text from outside (configuration, paths, names as written) made safe to
 * show: s into dst (cap bytes, NUL-terminated when cap > 0) with every
 * control character (below 0x20, and 0x7f) as \xNN, so it can never end a
 * log line, a journal field or an sd_notify assignment early, nor drive a
 * terminal.  Returns the length the whole result needs (as snprintf);
 * dst may be NULL when cap is 0.
 */
size_t log_escape(char *dst, size_t cap, const char *s);

/* A configuration value quoted in a message, at most `max` bytes of it and
 * "..." when there was more, so the message fits its buffer whole instead
 * of being cut where it happens to end: printf("'%.*s%s'",
 * LOG_EXCERPT(v, 64)). */
#define LOG_EXCERPT(s, max) \
	(int)(strlen(s) > (max) ? (max) : strlen(s)), (s), \
	(strlen(s) > (max) ? "..." : "")

/*
 * A token bucket for peer-triggered messages: at most `burst` events, refilled
 * at `rate` per second.  log_ratelimit_ok() returns 1 when the event may be
 * logged; suppressed events are counted and reported with the next one that
 * passes ("suppressed=N").  `now` is the monotonic clock in seconds
 * (clock.h): a step of the wall clock must not silence the log for the
 * length of the step.  Not thread-safe: keep one per worker.
 */
struct log_ratelimit {
	double rate, burst;
	struct tbucket bucket;
	bool started;
	uint64_t suppressed;
};
void log_ratelimit_init(struct log_ratelimit *rl, double rate, double burst);
int log_ratelimit_ok(struct log_ratelimit *rl, double now, uint64_t *suppressed);

#endif
