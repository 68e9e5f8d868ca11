/*
 * client_stamp_out: what `echoctl probe stamp` prints.  Text is ping-like:
 * one line per answer or fault, then a summary with the round trip, the
 * forward and backward delays (and the clock caveat they need), jitter and
 * the loss split by direction.  --json is NDJSON: one object per event and
 * a final {"type":"summary",...}.
 */
#include "config.h"

#include <stdio.h>

#include "client/client_stamp.h"
#include "common/json.h"

#define STAMP_JSON_MAX	8192

static const char stamp_caveat[] =
    "forward and backward delays compare this host's clock with the "
    "reflector's: they are only as accurate as the two clocks' "
    "synchronization; the round trip does not depend on it";

/* Print and free one JSON document (a line). */
static void
stamp_json_emit(struct json *j)
{
	if (json_failed(j) || json_print(j, stdout) == -1)
		fprintf(stderr, "echoctl: could not write the JSON output\n");
	json_free(j);
	fflush(stdout);
}

void
stamp_out_start(struct stamp_probe *p)
{
	if (!p->o->json)
		printf("STAMP %s: %zu-octet test packets, unauthenticated, NTP "
		    "timestamps\n", p->peer, p->o->size);
	fflush(stdout);
}

void
stamp_out_answer(struct stamp_probe *p, const struct stamp_result *r)
{
	struct json j;

	if (!p->o->json) {
		printf("%zu bytes from %s: seq=%u rtt=%.3f ms fwd=%.3f ms "
		    "bwd=%.3f ms reflector seq=%u ttl=%u%s\n", r->bytes,
		    p->peer, r->seq, r->rtt, r->fwd, r->bwd, r->refl_seq,
		    r->ttl, r->dup ? " (DUP!)" : r->late ? " (late: after the "
		    "timeout)" : r->reordered ? " (reordered)" : "");
		fflush(stdout);
		return;
	}
	json_init(&j, STAMP_JSON_MAX);
	json_object_begin(&j, NULL);
	json_str(&j, "type", "answer");
	json_u64(&j, "seq", r->seq);
	json_u64(&j, "reflector_seq", r->refl_seq);
	json_u64(&j, "bytes", r->bytes);
	json_num(&j, "rtt_ms", r->rtt, 3);
	json_num(&j, "forward_ms", r->fwd, 3);
	json_num(&j, "backward_ms", r->bwd, 3);
	json_num(&j, "reflector_ms", r->residence, 3);
	json_u64(&j, "ttl", r->ttl);
	json_bool(&j, "dup", r->dup);
	json_bool(&j, "late", r->late);
	json_bool(&j, "reordered", r->reordered);
	json_object_end(&j);
	stamp_json_emit(&j);
}

static void
stamp_out_fault(const char *type, uint32_t seq, const char *detail)
{
	struct json j;

	json_init(&j, STAMP_JSON_MAX);
	json_object_begin(&j, NULL);
	json_str(&j, "type", type);
	if (seq != UINT32_MAX)
		json_u64(&j, "seq", seq);
	if (detail != NULL)
		json_str(&j, "detail", detail);
	json_object_end(&j);
	stamp_json_emit(&j);
}

void
stamp_out_timeout(struct stamp_probe *p, uint32_t seq)
{
	if (p->o->json) {
		stamp_out_fault("timeout", seq, NULL);
		return;
	}
	printf("no answer from %s for seq=%u within %gs\n", p->peer, seq,
	    p->o->wait);
	fflush(stdout);
}

void
stamp_out_error(struct stamp_probe *p, uint32_t seq, const char *what)
{
	if (p->o->json) {
		stamp_out_fault("error", seq, what);
		return;
	}
	if (seq != UINT32_MAX)
		printf("%s: seq=%u: %s\n", p->peer, seq, what);
	else
		printf("%s: %s\n", p->peer, what);
	fflush(stdout);
}

static double
stamp_loss_pct(const struct stamp_probe *p)
{
	return p->next_seq == 0 ? 0 : 100.0 * (double)(p->next_seq -
	    p->received) / (double)p->next_seq;
}

static double
ipdv_mean(const struct stamp_ipdv *j)
{
	return j->n == 0 ? 0 : j->sum / (double)j->n;
}

static const char *
stamp_numbering(const struct stamp_probe *p)
{
	if (p->numbering_bad)
		return "inconsistent";
	return p->numbering_own ? "own" : "copied";
}

static void
stamp_text_delays(FILE *f, const char *what, const struct client_stats *st)
{
	struct client_stats_summary s;

	(void)client_stats_summary(st, &s);
	if (s.n > 0)
		fprintf(f, "%s min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms, "
		    "p50/p90/p99 = %.3f/%.3f/%.3f ms\n", what, s.min, s.avg,
		    s.max, s.mdev, s.p50, s.p90, s.p99);
}

static void
stamp_text_loss(const struct stamp_probe *p, FILE *f)
{
	struct stamp_loss l;

	stamp_probe_loss(p, &l);
	if (l.known)
		fprintf(f, "loss by direction: forward %llu, backward %llu, "
		    "unknown %llu (after the last answer)\n",
		    (unsigned long long)l.forward,
		    (unsigned long long)l.backward,
		    (unsigned long long)l.unknown);
	else if (p->numbering_bad)
		fprintf(f, "loss by direction: unknown (the reflector's numbers "
		    "did not start at zero for this session)\n");
	else if (p->any_answer && p->received < p->next_seq)
		fprintf(f, "loss by direction: unknown (the reflector's numbers "
		    "equal ours: stateless, or stateful and nothing was lost "
		    "on the way there; --stateful says which)\n");
}

static void
stamp_text_summary(struct stamp_probe *p, FILE *f)
{
	fprintf(f, "\n--- %s stamp statistics ---\n", p->peer);
	fprintf(f, "%u packets sent, %llu answers, %.1f%% loss, %llu "
	    "duplicates, %llu reordered, %llu late, %llu malformed, time "
	    "%.0fms\n", p->next_seq, (unsigned long long)p->received,
	    stamp_loss_pct(p), (unsigned long long)p->dup,
	    (unsigned long long)p->reordered, (unsigned long long)p->late,
	    (unsigned long long)p->malformed, (p->end - p->start) * 1000.0);
	stamp_text_loss(p, f);
	stamp_text_delays(f, "round trip", &p->rtt);
	stamp_text_delays(f, "forward", &p->fwd);
	stamp_text_delays(f, "backward", &p->bwd);
	if (p->j_rtt.n > 0)
		fprintf(f, "jitter (mean change between consecutive answers): "
		    "round trip %.3f ms, forward %.3f ms, backward %.3f ms\n",
		    ipdv_mean(&p->j_rtt), ipdv_mean(&p->j_fwd),
		    ipdv_mean(&p->j_bwd));
	if (p->any_answer)
		fprintf(f, "clocks: here %s (error estimate %.3g s), reflector "
		    "%s (%.3g s); %s\n", p->sync.synced ? "synchronized" :
		    "not synchronized", p->sync.error,
		    p->refl_err & STAMP_ERR_S ? "synchronized" :
		    "not synchronized", stamp_err_seconds(p->refl_err),
		    stamp_caveat);
	if (p->refused > 0 || p->stray > 0)
		fprintf(f, "%llu ICMP port unreachable, %llu answers to no "
		    "packet of ours\n", (unsigned long long)p->refused,
		    (unsigned long long)p->stray);
}

static void
stamp_json_delays(struct json *j, const char *key,
    const struct client_stats *st)
{
	struct client_stats_summary s;

	(void)client_stats_summary(st, &s);
	if (s.n == 0)
		return;
	json_object_begin(j, key);
	json_num(j, "min", s.min, 3);
	json_num(j, "avg", s.avg, 3);
	json_num(j, "max", s.max, 3);
	json_num(j, "mdev", s.mdev, 3);
	json_num(j, "p50", s.p50, 3);
	json_num(j, "p90", s.p90, 3);
	json_num(j, "p99", s.p99, 3);
	json_object_end(j);
}

static void
stamp_json_loss(const struct stamp_probe *p, struct json *j)
{
	struct stamp_loss l;

	stamp_probe_loss(p, &l);
	json_str(j, "reflector_numbering", stamp_numbering(p));
	if (!l.known) {
		json_null(j, "loss_direction");
		return;
	}
	json_object_begin(j, "loss_direction");
	json_u64(j, "forward", l.forward);
	json_u64(j, "backward", l.backward);
	json_u64(j, "unknown", l.unknown);
	json_object_end(j);
}

static void
stamp_json_clocks(const struct stamp_probe *p, struct json *j)
{
	json_object_begin(j, "clocks");
	json_bool(j, "synchronized", p->sync.synced);
	json_num(j, "error_s", p->sync.error, 9);
	if (p->any_answer) {
		json_bool(j, "reflector_synchronized",
		    (p->refl_err & STAMP_ERR_S) != 0);
		json_num(j, "reflector_error_s",
		    stamp_err_seconds(p->refl_err), 12);
	}
	json_str(j, "caveat", stamp_caveat);
	json_object_end(j);
}

void
stamp_out_summary(struct stamp_probe *p)
{
	struct json j;

	if (!p->o->json) {
		stamp_text_summary(p, stdout);
		fflush(stdout);
		return;
	}
	json_init(&j, STAMP_JSON_MAX);
	json_object_begin(&j, NULL);
	json_str(&j, "type", "summary");
	json_str(&j, "peer", p->peer);
	json_str(&j, "proto", "stamp");
	json_u64(&j, "sent", p->next_seq);
	json_u64(&j, "received", p->received);
	json_num(&j, "loss_pct", stamp_loss_pct(p), 1);
	json_u64(&j, "duplicates", p->dup);
	json_u64(&j, "reordered", p->reordered);
	json_u64(&j, "late", p->late);
	json_u64(&j, "malformed", p->malformed);
	json_u64(&j, "stray", p->stray);
	json_u64(&j, "icmp_unreachable", p->refused);
	json_num(&j, "time_ms", (p->end - p->start) * 1000.0, 0);
	stamp_json_loss(p, &j);
	stamp_json_delays(&j, "rtt_ms", &p->rtt);
	stamp_json_delays(&j, "forward_ms", &p->fwd);
	stamp_json_delays(&j, "backward_ms", &p->bwd);
	if (p->j_rtt.n > 0) {
		json_object_begin(&j, "jitter_ms");
		json_num(&j, "rtt", ipdv_mean(&p->j_rtt), 3);
		json_num(&j, "forward", ipdv_mean(&p->j_fwd), 3);
		json_num(&j, "backward", ipdv_mean(&p->j_bwd), 3);
		json_object_end(&j);
	}
	stamp_json_clocks(p, &j);
	json_i64(&j, "exit", p->status);
	json_object_end(&j);
	stamp_json_emit(&j);
}

/* SIGQUIT, like ping: one line on stderr, the run goes on. */
void
stamp_out_interim(struct stamp_probe *p)
{
	struct client_stats_summary r;

	(void)client_stats_summary(&p->rtt, &r);
	fprintf(stderr, "%llu/%u answers, %.1f%% loss, round trip "
	    "min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n",
	    (unsigned long long)p->received, p->next_seq, stamp_loss_pct(p),
	    r.min, r.avg, r.max, r.mdev);
}
