/*
 * metrics: owns the mapping from echod's counters to Prometheus metric
 * families (see metrics.h): their names, help texts and types, which
 * protocol each applies to, and the label escaping.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "common/version.h"

#define NONE (-1)

/* A per-listener family: the counter behind it on TCP, UDP and STAMP
 * listeners (STAMP runs on the UDP path and counts what UDP counts). */
struct family {
	const char *name, *type, *help;
	int tcp, udp, stamp;	/* enum stat_id, or NONE */
};

static const struct family families[] = {
	{ "echod_connections_accepted_total", "counter",
	    "TCP connections accepted.", ST_CONN_ACCEPTED, NONE, NONE },
	{ "echod_connections_closed_total", "counter",
	    "TCP connections closed, for any reason.", ST_CONN_CLOSED, NONE,
	    NONE },
	{ "echod_bytes_received_total", "counter",
	    "Bytes read from peers (TCP stream bytes, UDP payload bytes).",
	    ST_BYTES_IN, ST_DGRAM_BYTES_IN, ST_DGRAM_BYTES_IN },
	{ "echod_bytes_echoed_total", "counter",
	    "Bytes echoed back to peers.", ST_BYTES_OUT, ST_DGRAM_BYTES_OUT,
	    ST_DGRAM_BYTES_OUT },
	{ "echod_datagrams_received_total", "counter",
	    "UDP datagrams received.", NONE, ST_DGRAMS_IN, ST_DGRAMS_IN },
	{ "echod_datagrams_echoed_total", "counter",
	    "UDP datagrams echoed (STAMP: answered).", NONE, ST_DGRAMS_OUT,
	    ST_DGRAMS_OUT },
	{ "echod_idle_timeouts_total", "counter",
	    "TCP connections closed for idleness.", ST_IDLE_TIMEOUTS, NONE,
	    NONE },
	{ "echod_peer_errors_total", "counter",
	    "TCP connections ended by a reset or another socket error.",
	    ST_PEER_ERRORS, NONE, NONE },
	{ "echod_accept_paused_total", "counter",
	    "Times accepting paused at max_connections.", ST_ACCEPT_PAUSED,
	    NONE, NONE },
	{ "echod_accept_errors_total", "counter",
	    "accept() failures for lack of descriptors or buffers.",
	    ST_ACCEPT_ERRORS, NONE, NONE },
	{ "echod_stamp_sessions_total", "counter",
	    "STAMP sessions a stateful reflector began numbering from 0.",
	    NONE, NONE, ST_STAMP_SESSIONS },
	{ "echod_stamp_evictions_total", "counter",
	    "Live STAMP sessions pushed out of a full session table.",
	    NONE, NONE, ST_STAMP_EVICTIONS },
};

/* Which drop reasons each protocol counts (the rest stay 0 there). */
static const unsigned char drop_side[ST_COUNT] = {
#define T 1
#define U 2
	[ST_DROP_TOO_BIG] = U,
	[ST_DROP_WOULD_BLOCK] = U,
	[ST_DROP_SEND_ERROR] = U,
	[ST_DROP_SRC_PORT] = U,
	[ST_DROP_BOGON_SRC] = U,
	[ST_DROP_BCAST_DST] = U,
	[ST_DROP_LOOPBACK_SRC] = U,
	[ST_DROP_ACL] = T | U,
	[ST_DROP_RATE_SOURCE] = U,
	[ST_DROP_RATE_GLOBAL] = U,
	[ST_DROP_CONN_PER_SOURCE] = T,
	[ST_DROP_CONN_RATE] = T,
	[ST_DROP_CONN_TABLE] = T,
	[ST_DROP_ACL_RELOAD] = T,
	[ST_DROP_LIFETIME] = T,
	[ST_DROP_MAX_BYTES] = T,
	[ST_DROP_STALL] = T,
	[ST_DROP_LINGER] = T,
	[ST_DROP_STAMP_SHORT] = U,
	[ST_DROP_PROXY_HEADER] = T,
	[ST_DROP_PROXY_FROM] = T,
	[ST_DROP_PROXY_TIMEOUT] = T,
	[ST_DROP_RCVBUF] = U,
	[ST_DROP_NO_MEMORY] = T,
	[ST_DROP_RESTART_LIMIT] = T,
#undef T
#undef U
};

bool
metrics_drop_applies(enum stat_id id, bool stream)
{
	if (id < ST_DROP_FIRST || id >= ST_COUNT)
		return false;
	return (drop_side[id] & (stream ? 1 : 2)) != 0;
}

/* A label value with \, " and newline escaped; always NUL-terminated. */
static void
escape(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
}

static void
head(metrics_emit_fn *emit, void *ctx, const char *name, const char *type,
    const char *help)
{
	char line[METRICS_LINE_MAX];

	snprintf(line, sizeof(line), "# HELP %s %s", name, help);
	emit(ctx, line);
	snprintf(line, sizeof(line), "# TYPE %s %s", name, type);
	emit(ctx, line);
}

static void
scalar(metrics_emit_fn *emit, void *ctx, const char *name, const char *type,
    const char *help, uint64_t v)
{
	char line[METRICS_LINE_MAX];

	head(emit, ctx, name, type, help);
	snprintf(line, sizeof(line), "%s %" PRIu64, name, v);
	emit(ctx, line);
}

/* name{listener="x",protocol="tcp"[,reason="r"]} v */
static void
sample(metrics_emit_fn *emit, void *ctx, const char *name,
    const struct listener_status *l, const char *reason, uint64_t v)
{
	char line[METRICS_LINE_MAX], lname[2 * CONF_NAME_MAX];

	escape(l->name, lname, sizeof(lname));
	snprintf(line, sizeof(line), "%s{listener=\"%s\",protocol=\"%s\"%s%s%s} %"
	    PRIu64, name, lname, conf_proto_name(l->proto),
	    reason != NULL ? ",reason=\"" : "", reason != NULL ? reason : "",
	    reason != NULL ? "\"" : "", v);
	emit(ctx, line);
}

static void
daemon_families(const struct daemon_status *st, metrics_emit_fn *emit,
    void *ctx)
{
	char line[METRICS_LINE_MAX], ver[64], feat[256];

	head(emit, ctx, "echod_build_info", "gauge",
	    "Always 1; the version and compiled-in features as labels.");
	escape(version_string(), ver, sizeof(ver));
	escape(version_features(), feat, sizeof(feat));
	snprintf(line, sizeof(line), "echod_build_info{version=\"%s\","
	    "features=\"%s\"} 1", ver, feat);
	emit(ctx, line);
	head(emit, ctx, "echod_uptime_seconds", "gauge",
	    "Seconds since echod started.");
	snprintf(line, sizeof(line), "echod_uptime_seconds %.3f", st->uptime);
	emit(ctx, line);
	scalar(emit, ctx, "echod_workers", "gauge", "Worker threads.",
	    st->workers);
	scalar(emit, ctx, "echod_reloads_total", "counter",
	    "Configuration reloads that took effect.", st->reloads);
	scalar(emit, ctx, "echod_reload_failures_total", "counter",
	    "Configuration reloads refused (the old configuration kept running).",
	    st->reload_failures);
}

static void
drops(const struct daemon_status *st, metrics_emit_fn *emit, void *ctx,
    bool stream)
{
	const char *name = stream ? "echod_connections_dropped_total" :
	    "echod_datagrams_dropped_total";

	head(emit, ctx, name, "counter", stream ?
	    "TCP connections refused or closed by a limit, by reason." :
	    "UDP (and STAMP) datagrams dropped unanswered, by reason.");
	for (size_t i = 0; i < st->nlisteners; i++) {
		const struct listener_status *l = &st->listeners[i];

		if ((l->proto == CONF_TCP) != stream)
			continue;
		for (int id = ST_DROP_FIRST; id < ST_COUNT; id++)
			if (metrics_drop_applies((enum stat_id)id, stream))
				sample(emit, ctx, name, l,
				    stat_drop_reason((enum stat_id)id),
				    stat_get(&l->st, (enum stat_id)id));
	}
}

void
metrics_format(const struct daemon_status *st, metrics_emit_fn *emit,
    void *ctx)
{
	daemon_families(st, emit, ctx);
	head(emit, ctx, "echod_open_connections", "gauge",
	    "TCP connections open now.");
	for (size_t i = 0; i < st->nlisteners; i++)
		if (st->listeners[i].proto == CONF_TCP)
			sample(emit, ctx, "echod_open_connections",
			    &st->listeners[i], NULL, st->listeners[i].open_conns);
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		const struct family *fm = &families[f];

		head(emit, ctx, fm->name, fm->type, fm->help);
		for (size_t i = 0; i < st->nlisteners; i++) {
			const struct listener_status *l = &st->listeners[i];
			int id = l->proto == CONF_TCP ? fm->tcp :
			    l->proto == CONF_UDP ? fm->udp : fm->stamp;

			if (id != NONE)
				sample(emit, ctx, fm->name, l, NULL,
				    stat_get(&l->st, (enum stat_id)id));
		}
	}
	drops(st, emit, ctx, true);
	drops(st, emit, ctx, false);
}
