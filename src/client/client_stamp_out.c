/*
 * client_stamp_out: what `echoctl probe stamp` prints.  Text is ping-like:
 * one line per answer or fault, then a summary with the round trip, the
 * forward and backward delays (and the clock caveat they need), jitter and
 * the loss split by direction.  --json is NDJSON: one object per event and
 * a final {"type":"summary",...}.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/bench/bench_hist.h"
#include "client/client_stamp_out.h"
#include "common/stamp.h"
#include "common/json.h"

#define STAMP_JSON_MAX	8192

static const char stamp_caveat[] =
    "forward and backward delays compare this host's clock with the "
    "reflector's: they are only as accurate as the two clocks' "
    "synchronization; the round trip does not depend on it";

/* One NDJSON line, at once. */
static void
stamp_json_emit(struct json *j)
{
	json_print_free(j, stdout, "echoctl: probe stamp");
	fflush(stdout);
}

void
stamp_out_start(const struct stamp_tally *t)
{
	if (!t->o->json)
		printf("STAMP %s: %zu-octet test packets, unauthenticated, NTP "
		    "timestamps\n", t->peer, t->o->size);
	fflush(stdout);
}

void
stamp_out_answer(const struct stamp_tally *t, const struct stamp_result *r)
{
	const struct json_num_member delays[] = {
		{ "rtt_ms", r->rtt }, { "forward_ms", r->fwd },
		{ "backward_ms", r->bwd }, { "reflector_ms", r->residence },
	};
	struct json j;

	if (!t->o->json) {
		printf("%zu bytes from %s: seq=%u rtt=%.3f ms fwd=%.3f ms "
		    "bwd=%.3f ms reflector seq=%u ttl=%u%s\n", r->bytes,
		    t->peer, r->seq, r->rtt, r->fwd, r->bwd, r->refl_seq,
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
	json_num_members(&j, delays, sizeof(delays) / sizeof(delays[0]), 3);
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
stamp_out_timeout(const struct stamp_tally *t, uint32_t seq)
{
	if (t->o->json) {
		stamp_out_fault("timeout", seq, NULL);
		return;
	}
	printf("no answer from %s for seq=%u within %gs\n", t->peer, seq,
	    t->o->wait);
	fflush(stdout);
}

void
stamp_out_error(const struct stamp_tally *t, uint32_t seq, const char *what)
{
	if (t->o->json) {
		stamp_out_fault("error", seq, what);
		return;
	}
	if (seq != UINT32_MAX)
		printf("%s: seq=%u: %s\n", t->peer, seq, what);
	else
		printf("%s: %s\n", t->peer, what);
	fflush(stdout);
}

/* The loss split as far as the reflector's numbering allows. */
struct stamp_loss {
	bool known;			/* a stateful reflector answered */
	uint64_t forward, backward, unknown;
};

/* A stateful reflector numbers its own answers from zero, so gaps in its
 * numbers against ours tell forward from backward loss. */
static void
stamp_out_loss(const struct stamp_tally *t, struct stamp_loss *l)
{
	memset(l, 0, sizeof(*l));
	if (!t->any_answer || t->numbering_bad ||
	    (!t->numbering_own && !t->o->stateful))
		return;
	l->known = true;
	/* Of our first max_sseq + 1 packets the reflector saw max_rseq + 1;
	 * of those, `received` came back; later ones: no answer says. */
	l->forward = (uint64_t)t->max_sseq - t->max_rseq;
	l->backward = (uint64_t)t->max_rseq + 1 - t->series->answered;
	l->unknown = (uint64_t)t->series->sent - t->max_sseq - 1;
}

static double
stamp_loss_pct(const struct stamp_tally *t)
{
	return client_series_loss_pct(t->series);
}

static double
ipdv_mean(const struct stamp_ipdv *j)
{
	return j->n == 0 ? 0 : j->sum / (double)j->n;
}

static const char *
stamp_numbering(const struct stamp_tally *t)
{
	if (t->numbering_bad)
		return "inconsistent";
	return t->numbering_own ? "own" : "copied";
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
stamp_text_loss(const struct stamp_tally *t, FILE *f)
{
	struct stamp_loss l;

	stamp_out_loss(t, &l);
	if (l.known)
		fprintf(f, "loss by direction: forward %llu, backward %llu, "
		    "unknown %llu (after the last answer)\n",
		    (unsigned long long)l.forward,
		    (unsigned long long)l.backward,
		    (unsigned long long)l.unknown);
	else if (t->numbering_bad)
		fprintf(f, "loss by direction: unknown (the reflector's numbers "
		    "did not start at zero for this session)\n");
	else if (t->any_answer && t->series->answered < t->series->sent)
		fprintf(f, "loss by direction: unknown (the reflector's numbers "
		    "equal ours: stateless, or stateful and nothing was lost "
		    "on the way there; --stateful says which)\n");
}

static void
stamp_text_summary(const struct stamp_tally *t, FILE *f)
{
	fprintf(f, "\n--- %s stamp statistics ---\n", t->peer);
	fprintf(f, "%u packets sent, %llu answers, %.1f%% loss, %llu "
	    "duplicates, %llu reordered, %llu late, %llu malformed, %llu with "
	    "inconsistent timestamps, time %.0fms\n", t->series->sent,
	    (unsigned long long)t->series->answered, stamp_loss_pct(t),
	    (unsigned long long)t->dup, (unsigned long long)t->reordered,
	    (unsigned long long)t->late, (unsigned long long)t->malformed,
	    (unsigned long long)t->inconsistent,
	    (t->series->end - t->series->start) * 1000.0);
	stamp_text_loss(t, f);
	stamp_text_delays(f, "round trip", &t->series->rtt);
	if (t->series->rtt.n > 0)
		bench_hist_bars(&t->series->rtt_hist, 1e6, "round trip, ms", "",
		    f);
	stamp_text_delays(f, "forward", &t->fwd);
	stamp_text_delays(f, "backward", &t->bwd);
	if (t->j_rtt.n > 0)
		fprintf(f, "jitter (mean change between consecutive answers): "
		    "round trip %.3f ms, forward %.3f ms, backward %.3f ms\n",
		    ipdv_mean(&t->j_rtt), ipdv_mean(&t->j_fwd),
		    ipdv_mean(&t->j_bwd));
	if (t->any_answer)
		fprintf(f, "clocks: here %s (error estimate %.3g s), reflector "
		    "%s (%.3g s); %s\n", t->sync.synced ? "synchronized" :
		    "not synchronized", t->sync.error,
		    t->refl_err & STAMP_ERR_S ? "synchronized" :
		    "not synchronized", stamp_err_seconds(t->refl_err),
		    stamp_caveat);
	if (t->refused > 0 || t->stray > 0)
		fprintf(f, "%llu ICMP port unreachable, %llu answers to no "
		    "packet of ours\n", (unsigned long long)t->refused,
		    (unsigned long long)t->stray);
}

static void
stamp_json_loss(const struct stamp_tally *t, struct json *j)
{
	struct stamp_loss l;

	stamp_out_loss(t, &l);
	json_str(j, "reflector_numbering", stamp_numbering(t));
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
stamp_json_clocks(const struct stamp_tally *t, struct json *j)
{
	json_object_begin(j, "clocks");
	json_bool(j, "synchronized", t->sync.synced);
	json_num(j, "error_s", t->sync.error, 9);
	if (t->any_answer) {
		json_bool(j, "reflector_synchronized",
		    (t->refl_err & STAMP_ERR_S) != 0);
		json_num(j, "reflector_error_s",
		    stamp_err_seconds(t->refl_err), 12);
	}
	json_str(j, "caveat", stamp_caveat);
	json_object_end(j);
}

static void
stamp_json_summary(const struct stamp_tally *t)
{
	const struct json_u64_member counts[] = {
		{ "duplicates", t->dup }, { "reordered", t->reordered },
		{ "late", t->late }, { "malformed", t->malformed },
		{ "stray", t->stray }, { "icmp_unreachable", t->refused },
		{ "inconsistent", t->inconsistent },
	};
	struct json j;

	client_series_json_summary(t->series, &j, STAMP_JSON_MAX, t->peer,
	    "stamp", counts, sizeof(counts) / sizeof(counts[0]));
	stamp_json_loss(t, &j);
	client_stats_json(&t->series->rtt, &j, "rtt_ms");
	client_stats_json(&t->fwd, &j, "forward_ms");
	client_stats_json(&t->bwd, &j, "backward_ms");
	if (t->j_rtt.n > 0) {
		json_object_begin(&j, "jitter_ms");
		json_num(&j, "rtt", ipdv_mean(&t->j_rtt), 3);
		json_num(&j, "forward", ipdv_mean(&t->j_fwd), 3);
		json_num(&j, "backward", ipdv_mean(&t->j_bwd), 3);
		json_object_end(&j);
	}
	stamp_json_clocks(t, &j);
	json_i64(&j, "exit", t->status);
	json_object_end(&j);
	stamp_json_emit(&j);
}

void
stamp_out_summary(const struct stamp_tally *t)
{
	if (t->o->json)
		stamp_json_summary(t);
	else
		stamp_text_summary(t, stdout);
	fflush(stdout);
}
