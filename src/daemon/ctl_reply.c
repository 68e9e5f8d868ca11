/*
 * ctl_reply: status and stats reply bodies.  See ctl_reply.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "common/json.h"
#include "common/proto.h"
#include "daemon/ctl_reply.h"
#include "daemon/daemon.h"

/* No JSON reply of echod is anywhere near this; it only stops a runaway. */
#define CTL_REPLY_JSON_MAX ((size_t)1 << 30)

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
kv_listener(struct proto_out *o, const struct listener_status *l, bool full)
{
	char prefix[CONF_NAME_MAX + 16], key[CONF_NAME_MAX + 32];

	snprintf(prefix, sizeof(prefix), "listener.%s.", l->name);
	if (full) {
		snprintf(key, sizeof(key), "%sprotocol", prefix);
		proto_out_kv(o, key, "%s", conf_proto_name(l->proto));
		snprintf(key, sizeof(key), "%saddress", prefix);
		proto_out_kv(o, key, "%s", l->address);
		snprintf(key, sizeof(key), "%sinherited", prefix);
		proto_out_kv(o, key, "%s", l->inherited ? "yes" : "no");
		if (l->proto == CONF_TCP) {
			snprintf(key, sizeof(key), "%sproxy_protocol", prefix);
			proto_out_kv(o, key, "%s",
			    conf_proxy_name(l->proxy_protocol));
		}
		snprintf(key, sizeof(key), "%sopen_conns", prefix);
		proto_out_kv(o, key, "%" PRIu32, l->open_conns);
	}
	kv_stats(o, prefix, &l->st);
}

void
ctl_reply_kv(struct proto_out *o, const struct daemon_status *st, bool full)
{
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
	for (size_t i = 0; i < st->nlisteners; i++)
		kv_listener(o, &st->listeners[i], full);
}

/* "key":{"conn_accepted":1,...,"drops":0}, on a line of its own. */
static void
json_stats(struct json *j, const char *key, const struct stats *st)
{
	json_newline(j);
	json_object_begin(j, key);
	for (int i = 0; i < ST_COUNT; i++)
		json_u64(j, stat_name((enum stat_id)i),
		    stat_get(st, (enum stat_id)i));
	json_u64(j, "drops", stats_drops(st));
	json_object_end(j);
}

/* The longest prefix of s whose JSON form surely fits `room` bytes: every
 * byte that may need an escape (a control character, or one of a sequence
 * that is not UTF-8) counts as "\ufffd".  Only a reload error this long
 * and this odd is ever cut. */
static size_t
json_fit(const char *s, size_t room)
{
	size_t n = 0, used = 2;

	for (; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];

		used += c < 0x20 || c >= 0x7f ? 6 : c == '"' || c == '\\' ? 2 : 1;
		if (used > room)
			break;
	}
	return n;
}

static void
json_listener(struct json *j, const struct listener_status *l, bool full)
{
	json_newline(j);
	json_object_begin(j, NULL);
	json_str(j, "name", l->name);
	if (full) {
		json_str(j, "protocol", conf_proto_name(l->proto));
		json_str(j, "address", l->address);
		json_bool(j, "inherited", l->inherited);
		if (l->proto == CONF_TCP)
			json_str(j, "proxy_protocol",
			    conf_proxy_name(l->proxy_protocol));
		json_u64(j, "open_conns", l->open_conns);
	}
	json_stats(j, "stats", &l->st);
	json_object_end(j);
}

void
ctl_reply_json(struct proto_out *o, const struct daemon_status *st, bool full)
{
	struct json j;

	json_init(&j, CTL_REPLY_JSON_MAX);
	json_object_begin(&j, NULL);
	if (full) {
		json_newline(&j);
		json_str(&j, "phase", st->phase);
		json_num(&j, "uptime_sec", st->uptime, 1);
		json_u64(&j, "workers", st->workers);
		json_u64(&j, "reloads", st->reloads);
		json_u64(&j, "reload_failures", st->reload_failures);
		json_newline(&j);
		json_strn(&j, "last_reload_error", st->last_reload_error,
		    json_fit(st->last_reload_error, PROTO_LINE_MAX - 64));
		json_newline(&j);
		json_u64(&j, "open_conns", st->open_conns);
	}
	json_stats(&j, "total", &st->total);
	json_newline(&j);
	json_array_begin(&j, "listeners");
	for (size_t i = 0; i < st->nlisteners; i++)
		json_listener(&j, &st->listeners[i], full);
	json_newline(&j);
	json_array_end(&j);
	json_object_end(&j);
	proto_out_json(o, &j);
	json_free(&j);
}
