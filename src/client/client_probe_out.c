/*
 * client_probe_out: what `echoctl probe` prints.  Text is ping-like: one
 * line per reply or fault, then a summary.  --json is NDJSON: one object per
 * event and a final {"type":"summary",...}.  --csv has one row per event
 * (header first) and puts the summary, in text, on stderr.
 */
#include "config.h"

#include <stdio.h>

#include "client/client_probe_out.h"
#include "common/json.h"

#define PROBE_JSON_MAX	65536	/* one line; ours are a few hundred bytes */

static const char *const probe_ev_name[] = {
	[PROBE_EV_REPLY] = "reply",
	[PROBE_EV_CORRUPT] = "corrupt",
	[PROBE_EV_TRUNCATED] = "truncated",
	[PROBE_EV_TIMEOUT] = "timeout",
	[PROBE_EV_ERROR] = "error",
};

void
probe_out_start(const struct probe_tally *t)
{
	const struct client_opts *o = t->o;

	if (o->csv)
		printf("type,seq,bytes,rtt_ms,connect_ms,flags,detail\n");
	else if (!o->json)
		printf("PROBE %s (%s%s): %zu bytes per probe\n", t->peer,
		    o->proto == CLIENT_TCP ? "tcp" : "udp",
		    o->reconnect ? ", new connection per probe" : "", o->size);
	fflush(stdout);
}

static const char *
probe_flag_text(int flags)
{
	if (flags & PROBE_F_DUP)
		return " (DUP!)";
	if (flags & PROBE_F_LATE)
		return " (late: after the timeout)";
	if (flags & PROBE_F_REORDERED)
		return " (reordered)";
	return "";
}

static void
probe_out_json(const struct probe_tally *t, enum probe_event ev, uint32_t seq,
    size_t bytes, double rtt_ms, double connect_ms, int flags,
    const char *detail)
{
	struct json j;

	json_init(&j, PROBE_JSON_MAX);
	json_object_begin(&j, NULL);
	json_str(&j, "type", probe_ev_name[ev]);
	if (seq != UINT32_MAX)
		json_u64(&j, "seq", seq);
	if (ev != PROBE_EV_TIMEOUT && ev != PROBE_EV_ERROR)
		json_u64(&j, "bytes", bytes);
	if (ev == PROBE_EV_REPLY) {
		json_num(&j, "rtt_ms", rtt_ms, 3);
		json_bool(&j, "dup", flags & PROBE_F_DUP);
		json_bool(&j, "reordered", flags & PROBE_F_REORDERED);
		json_bool(&j, "late", flags & PROBE_F_LATE);
	}
	if (connect_ms >= 0)
		json_num(&j, "connect_ms", connect_ms, 3);
	if (detail != NULL)
		json_str(&j, "detail", detail);
	json_object_end(&j);
	json_print_free(&j, stdout, "echoctl: probe");
}

void
probe_out_event(const struct probe_tally *t, enum probe_event ev, uint32_t seq,
    size_t bytes, double rtt_ms, double connect_ms, int flags,
    const char *detail)
{
	char conn[48] = "";

	if (t->o->json)
		probe_out_json(t, ev, seq, bytes, rtt_ms, connect_ms, flags,
		    detail);
	else if (t->o->csv) {
		printf("%s,", probe_ev_name[ev]);
		if (seq != UINT32_MAX)
			printf("%u", seq);
		printf(",%zu,", bytes);
		if (ev == PROBE_EV_REPLY)
			printf("%.3f", rtt_ms);
		putchar(',');
		if (connect_ms >= 0)
			printf("%.3f", connect_ms);
		printf(",%s,%s\n", flags & PROBE_F_DUP ? "dup" : flags &
		    PROBE_F_LATE ? "late" : flags & PROBE_F_REORDERED ?
		    "reordered" : "", detail != NULL ? detail : "");
	} else {
		if (connect_ms >= 0)
			snprintf(conn, sizeof(conn), " connect=%.3f ms",
			    connect_ms);
		switch (ev) {
		case PROBE_EV_REPLY:
			printf("%zu bytes from %s: seq=%u time=%.3f ms%s%s\n",
			    bytes, t->peer, seq, rtt_ms, conn,
			    probe_flag_text(flags));
			break;
		case PROBE_EV_TIMEOUT:
			printf("no reply from %s for seq=%u within %gs\n",
			    t->peer, seq, t->o->wait);
			break;
		case PROBE_EV_CORRUPT:
		case PROBE_EV_TRUNCATED:
			printf("%zu bytes from %s:", bytes, t->peer);
			if (seq != UINT32_MAX)
				printf(" seq=%u", seq);
			printf(" %s reply: %s\n", probe_ev_name[ev], detail);
			break;
		case PROBE_EV_ERROR:
			printf("%s: seq=%u: %s\n", t->peer, seq, detail);
			break;
		}
	}
	fflush(stdout);
}

static double
probe_loss_pct(const struct probe_tally *t)
{
	return client_series_loss_pct(t->series);
}

static void
probe_out_text_summary(const struct probe_tally *t, FILE *f)
{
	struct client_stats_summary r, c;

	(void)client_stats_summary(&t->series->rtt, &r);
	(void)client_stats_summary(&t->conn, &c);
	fprintf(f, "\n--- %s %s echo probe statistics ---\n", t->peer,
	    t->o->proto == CLIENT_TCP ? "tcp" : "udp");
	fprintf(f, "%u probes sent, %llu replies, %.1f%% loss, %llu duplicates, "
	    "%llu reordered, %llu corrupt, %llu truncated, %llu late, "
	    "time %.0fms\n", t->series->sent, (unsigned long long)t->series->answered,
	    probe_loss_pct(t), (unsigned long long)t->dup,
	    (unsigned long long)t->reordered, (unsigned long long)t->corrupt,
	    (unsigned long long)t->truncated, (unsigned long long)t->late,
	    (t->series->end - t->series->start) * 1000.0);
	if (r.n > 0) {
		fprintf(f, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n",
		    r.min, r.avg, r.max, r.mdev);
		fprintf(f, "rtt p50/p90/p99 = %.3f/%.3f/%.3f ms\n", r.p50,
		    r.p90, r.p99);
		bench_hist_bars(&t->series->rtt_hist, 1e6, "rtt, ms", "", f);
	}
	if (c.n > 0)
		fprintf(f, "connect min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms, "
		    "p50/p90/p99 = %.3f/%.3f/%.3f ms\n", c.min, c.avg, c.max,
		    c.mdev, c.p50, c.p90, c.p99);
	if (t->connfail > 0 || t->refused > 0)
		fprintf(f, "%llu connect failures, %llu ICMP port unreachable\n",
		    (unsigned long long)t->connfail,
		    (unsigned long long)t->refused);
}

static void
probe_out_json_summary(const struct probe_tally *t)
{
	const struct json_u64_member counts[] = {
		{ "duplicates", t->dup }, { "reordered", t->reordered },
		{ "corrupt", t->corrupt }, { "truncated", t->truncated },
		{ "late", t->late }, { "connect_failures", t->connfail },
		{ "icmp_unreachable", t->refused },
	};
	struct json j;

	client_series_json_summary(t->series, &j, PROBE_JSON_MAX, t->peer,
	    t->o->proto == CLIENT_TCP ? "tcp" : "udp", counts,
	    sizeof(counts) / sizeof(counts[0]));
	client_stats_json(&t->series->rtt, &j, "rtt_ms");
	client_stats_json(&t->conn, &j, "connect_ms");
	json_i64(&j, "exit", t->status);
	json_object_end(&j);
	json_print_free(&j, stdout, "echoctl: probe");
}

void
probe_out_summary(const struct probe_tally *t)
{
	if (t->o->json)
		probe_out_json_summary(t);
	else
		probe_out_text_summary(t, t->o->csv ? stderr : stdout);
	fflush(stdout);
}
