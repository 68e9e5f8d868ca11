/*
 * ctl_commands: the contents of control replies (see ctl_commands.h).
 * Every reply is built into one buffer sized from the snapshot and capped
 * at PROTO_REPLY_MAX; a reply that would not fit becomes "ERR 500".
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/ctl_commands.h"
#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "common/proto.h"
#include "common/version.h"

#define CTLREPLY_LINE_EST 256		/* generous bytes per status line */
#define CTLREPLY_ERR_MAX 8192		/* reload diagnostics */

static void
kv_stats(struct proto_out *o, const char *prefix, const struct stats *st)
{
	char key[CONF_NAME_MAX + 64];

	for (int i = 0; i < ST_COUNT; i++) {
		snprintf(key, sizeof(key), "%s%s", prefix, stat_name((enum stat_id)i));
		proto_out_kv(o, key, "%" PRIu64, stat_get(st, (enum stat_id)i));
	}
	snprintf(key, sizeof(key), "%sdrops", prefix);
	proto_out_kv(o, key, "%" PRIu64, stats_drops(st));
}

static void
kv_status(struct proto_out *o, const struct daemon_status *st, bool full)
{
	char prefix[CONF_NAME_MAX + 16];

	if (full) {
		proto_out_kv(o, "phase", "%s", st->phase);
		proto_out_kv(o, "uptime_sec", "%.1f", st->uptime);
		proto_out_kv(o, "workers", "%" PRIu32, st->workers);
		proto_out_kv(o, "reloads", "%" PRIu64, st->reloads);
		proto_out_kv(o, "reload_failures", "%" PRIu64, st->reload_failures);
		proto_out_kv(o, "last_reload_error", "%s", st->last_reload_error);
		proto_out_kv(o, "open_conns", "%" PRIu32, st->open_conns);
		proto_out_kv(o, "listeners", "%zu", st->nlisteners);
	}
	kv_stats(o, "total.", &st->total);
	for (size_t i = 0; i < st->nlisteners; i++) {
		const struct listener_status *l = &st->listeners[i];

		snprintf(prefix, sizeof(prefix), "listener.%s.", l->name);
		if (full) {
			char key[sizeof(prefix) + 16];

			snprintf(key, sizeof(key), "%sprotocol", prefix);
			proto_out_kv(o, key, "%s", conf_proto_name(l->proto));
			snprintf(key, sizeof(key), "%saddress", prefix);
			proto_out_kv(o, key, "%s", l->address);
			snprintf(key, sizeof(key), "%sinherited", prefix);
			proto_out_kv(o, key, "%s", l->inherited ? "yes" : "no");
			snprintf(key, sizeof(key), "%sopen_conns", prefix);
			proto_out_kv(o, key, "%" PRIu32, l->open_conns);
		}
		kv_stats(o, prefix, &l->st);
	}
}

/* {"conn_accepted":1,...,"drops":0} */
static void
json_stats(char *buf, size_t len, const struct stats *st)
{
	size_t pos = 0;

	for (int i = 0; i < ST_COUNT && pos < len; i++)
		pos += (size_t)snprintf(buf + pos, len - pos, "%s\"%s\":%" PRIu64,
		    i == 0 ? "{" : ",", stat_name((enum stat_id)i),
		    stat_get(st, (enum stat_id)i));
	if (pos < len)
		snprintf(buf + pos, len - pos, ",\"drops\":%" PRIu64 "}",
		    stats_drops(st));
}

static void
json_listener(struct proto_out *o, const struct listener_status *l,
    bool full, bool last)
{
	char name[CONF_NAME_MAX * 6 + 1], sts[1024], line[PROTO_LINE_MAX];

	proto_json_escape(l->name, name, sizeof(name));
	json_stats(sts, sizeof(sts), &l->st);
	if (full)
		snprintf(line, sizeof(line), "{\"name\":\"%s\",\"protocol\":\"%s\","
		    "\"address\":\"%s\",\"inherited\":%s,\"open_conns\":%" PRIu32
		    ",\"stats\":%s}%s", name, conf_proto_name(l->proto), l->address,
		    l->inherited ? "true" : "false", l->open_conns, sts,
		    last ? "" : ",");
	else
		snprintf(line, sizeof(line), "{\"name\":\"%s\",\"stats\":%s}%s",
		    name, sts, last ? "" : ",");
	proto_out_line(o, line);
}

static void
json_status(struct proto_out *o, const struct daemon_status *st, bool full)
{
	char esc[1024], line[PROTO_LINE_MAX], sts[1024];

	proto_out_line(o, "{");
	if (full) {
		proto_json_escape(st->last_reload_error, esc, sizeof(esc));
		snprintf(line, sizeof(line), "\"phase\":\"%s\",\"uptime_sec\":%.1f,"
		    "\"workers\":%" PRIu32 ",\"reloads\":%" PRIu64
		    ",\"reload_failures\":%" PRIu64 ",\"last_reload_error\":\"%s\","
		    "\"open_conns\":%" PRIu32 ",", st->phase, st->uptime,
		    st->workers, st->reloads, st->reload_failures, esc,
		    st->open_conns);
		proto_out_line(o, line);
	}
	json_stats(sts, sizeof(sts), &st->total);
	snprintf(line, sizeof(line), "\"total\":%s,", sts);
	proto_out_line(o, line);
	proto_out_line(o, "\"listeners\":[");
	for (size_t i = 0; i < st->nlisteners; i++)
		json_listener(o, &st->listeners[i], full, i + 1 == st->nlisteners);
	proto_out_line(o, "]}");
}

static size_t
reply_cap(size_t lines)
{
	size_t cap = lines * CTLREPLY_LINE_EST + PROTO_LINE_MAX;

	return cap < PROTO_REPLY_MAX ? cap : PROTO_REPLY_MAX;
}

/* Fills a reply's body from a snapshot. */
typedef void reply_fill_fn(struct proto_out *o, const struct daemon_status *st,
    const struct proto_request *req);

/* OK and the body `fill` writes from a fresh snapshot, in a buffer sized
 * for `per_listener` lines per listener; ERR 500 `too_large` if it does
 * not fit.  NULL if the snapshot or the buffer could not be had. */
static char *
reply_snapshot(struct echod *d, const struct proto_request *req,
    size_t per_listener, reply_fill_fn *fill, const char *too_large,
    size_t *len)
{
	struct daemon_status st;
	struct proto_out o;
	char *buf;
	size_t cap;

	if (daemon_status_snapshot(d, &st) < 0)
		return NULL;
	cap = reply_cap(64 + (st.nlisteners + 1) * per_listener);
	if ((buf = malloc(cap)) != NULL) {
		proto_out_init(&o, buf, cap);
		proto_out_ok(&o);
		fill(&o, &st, req);
		if (o.overflow) {
			proto_out_init(&o, buf, cap);
			proto_out_err(&o, PROTO_ERR_INTERNAL, too_large);
		}
		proto_out_end(&o);
		*len = o.len;
	}
	daemon_status_free(&st);
	return buf;
}

static void
fill_status(struct proto_out *o, const struct daemon_status *st,
    const struct proto_request *req)
{
	if (req->json)
		json_status(o, st, req->verb == PROTO_STATUS);
	else
		kv_status(o, st, req->verb == PROTO_STATUS);
}

static void
metrics_line(void *ctx, const char *line)
{
	proto_out_line(ctx, line);
}

/* The Prometheus text as body lines (no line of it is empty, so none ends
 * the reply early). */
static void
fill_metrics(struct proto_out *o, const struct daemon_status *st,
    const struct proto_request *req)
{
	metrics_format(st, metrics_line, o);
}

/* The diagnostics, one "diag=" line each, and the first as the summary. */
static void
reload_failed(struct proto_out *o, char *err)
{
	char first[PROTO_LINE_MAX];
	char *save = NULL;

	snprintf(first, sizeof(first), "reload failed: %.*s",
	    (int)strcspn(err, "\n"), err);
	proto_out_err(o, PROTO_ERR_RELOAD, first);
	for (char *l = strtok_r(err, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save))
		proto_out_kv(o, "diag", "%s", l);
}

static char *
reply_reload(struct echod *d, size_t *len)
{
	char err[CTLREPLY_ERR_MAX], status[PROTO_LINE_MAX];
	size_t cap = reply_cap(64) + CTLREPLY_ERR_MAX;
	char *buf = malloc(cap);
	struct proto_out o;

	if (buf == NULL)
		return NULL;
	proto_out_init(&o, buf, cap);
	if (d->phase == DAEMON_DRAINING || d->phase == DAEMON_RELOADING) {
		proto_out_err(&o, PROTO_ERR_BUSY, d->phase == DAEMON_DRAINING ?
		    "echod is draining" : "a reload is already running");
		goto out;
	}
	/* daemon_reload() itself sends RELOADING=1 and READY=1 around the
	 * reload, with STATUS= saying why when it failed. */
	err[0] = '\0';
	if (daemon_reload(d, err, sizeof(err)) == 0) {
		daemon_status_line(d, status, sizeof(status));
		proto_out_ok(&o);
		proto_out_kv(&o, "reloads", "%" PRIu64, d->reloads);
		proto_out_kv(&o, "status", "%s", status);
	} else {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "unknown error");
		reload_failed(&o, err);
	}
out:
	proto_out_end(&o);
	*len = o.len;
	return buf;
}

static char *
reply_ping(size_t *len)
{
	char *buf = malloc(PROTO_LINE_MAX * 4);
	struct proto_out o;

	if (buf == NULL)
		return NULL;
	proto_out_init(&o, buf, PROTO_LINE_MAX * 4);
	proto_out_ok(&o);
	proto_out_kv(&o, "version", "%s", version_string());
	proto_out_kv(&o, "pid", "%ld", (long)getpid());
	proto_out_end(&o);
	*len = o.len;
	return buf;
}

int
ctl_commands_answer(void *echod, const struct proto_request *req,
    char **out, size_t *len)
{
	struct echod *d = echod;
	char *buf = NULL;
	struct proto_out o;

	switch (req->verb) {
	case PROTO_PING:
		buf = reply_ping(len);
		break;
	case PROTO_STATUS:
	case PROTO_STATS:
		buf = reply_snapshot(d, req, ST_COUNT + 8, fill_status,
		    "reply too large", len);
		break;
	case PROTO_RELOAD:
		buf = reply_reload(d, len);
		break;
	case PROTO_METRICS:
		buf = reply_snapshot(d, req, ST_COUNT + 16, fill_metrics,
		    "metrics do not fit a control reply; use metrics_listen", len);
		break;
	case PROTO_VERB_COUNT:
		break;
	}
	if (buf == NULL) {
		if ((buf = malloc(PROTO_LINE_MAX)) == NULL)
			return -1;
		proto_out_init(&o, buf, PROTO_LINE_MAX);
		proto_out_err(&o, PROTO_ERR_INTERNAL, "status snapshot failed");
		proto_out_end(&o);
		*len = o.len;
	}
	*out = buf;
	return 0;
}
