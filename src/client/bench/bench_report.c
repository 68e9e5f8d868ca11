/*
 * bench_report: results of a run.  Rates use the measured load time of the
 * slowest thread; latency percentiles come from the merged histogram.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "common/addr.h"
#include "client/bench/bench_report.h"
#include "common/exitcode.h"
#include "common/json.h"

void
bench_report_merge(struct bench_stats *into, const struct bench_stats *from)
{
	into->messages += from->messages;
	into->bytes += from->bytes;
	into->errors += from->errors;
	into->mismatches += from->mismatches;
	into->udp_sent += from->udp_sent;
	into->udp_lost += from->udp_lost;
	into->udp_late += from->udp_late;
	into->udp_dup += from->udp_dup;
	into->udp_blocked += from->udp_blocked;
	into->established += from->established;
	if (from->elapsed > into->elapsed)
		into->elapsed = from->elapsed;
	bench_hist_merge(&into->hist, &from->hist);
}

/* How the client made its system calls. */
static const char *
bench_client_kind(const struct bench_opts *o)
{
	if (o->plain)
		return "plain";
	return o->io_uring || o->mode == BENCH_UDP ? "batching" : "no-io-uring";
}

/* Below this much load time the CPU share is not printed: the CPU times
 * are charged by the clock tick (10 ms at HZ=100), and a run refused at
 * once said "1330% of one core" with one thread. */
#define BENCH_CPU_MIN_S 0.01

struct bench_figures {
	double rate, mbps, loss_pct, cpu_s;
	double cpu_pct;		/* NAN: the run was too short to tell */
	double p50, p90, p99, p999, max, mean;	/* microseconds */
};

static void
bench_figures(const struct bench_stats *st, const struct rusage *ru,
    struct bench_figures *f)
{
	const struct bench_hist *h = &st->hist;
	double t = st->elapsed > 0 ? st->elapsed : 1e-9;

	f->rate = (double)st->messages / t;
	f->mbps = (double)st->bytes / t / 1e6;
	f->loss_pct = st->udp_sent ?
	    100.0 * (double)st->udp_lost / (double)st->udp_sent : 0.0;
	f->cpu_s = (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 +
	    (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
	f->cpu_pct = st->elapsed >= BENCH_CPU_MIN_S ? 100.0 * f->cpu_s / t :
	    NAN;		/* JSON: null */
	f->p50 = (double)bench_hist_quantile(h, 0.50) / 1e3;
	f->p90 = (double)bench_hist_quantile(h, 0.90) / 1e3;
	f->p99 = (double)bench_hist_quantile(h, 0.99) / 1e3;
	f->p999 = (double)bench_hist_quantile(h, 0.999) / 1e3;
	f->max = h->count ? (double)h->max / 1e3 : 0.0;
	f->mean = bench_hist_mean(h) / 1e3;
}

static void
bench_report_json(const struct bench_opts *o, const struct bench_stats *st,
    const struct bench_figures *f, const char *target, FILE *out)
{
	const struct json_u64_member shape[] = {
		{ "conns", o->conns }, { "size", o->size },
		{ "depth", o->depth }, { "threads", o->threads },
	};
	const struct json_num_member latency[] = {
		{ "p50", f->p50 }, { "p90", f->p90 }, { "p99", f->p99 },
		{ "p99.9", f->p999 }, { "max", f->max }, { "mean", f->mean },
	};
	const struct json_u64_member counts[] = {
		{ "errors", st->errors }, { "mismatches", st->mismatches },
		{ "udp_sent", st->udp_sent }, { "udp_lost", st->udp_lost },
		{ "udp_late", st->udp_late }, { "udp_duplicated", st->udp_dup },
		{ "udp_blocked", st->udp_blocked },
	};
	struct json j;

	json_init(&j, 65536);
	json_object_begin(&j, NULL);
	json_str(&j, "mode", bench_mode_name(o->mode));
	json_str(&j, "target", target);
	json_str(&j, "client", bench_client_kind(o));
	json_u64_members(&j, shape, sizeof(shape) / sizeof(shape[0]));
	json_num(&j, "elapsed_s", st->elapsed, 6);
	json_u64(&j, "messages", st->messages);
	json_u64(&j, "bytes", st->bytes);
	json_num(&j, "msg_per_s", f->rate, 1);
	json_num(&j, "mb_per_s", f->mbps, 3);
	json_object_begin(&j, "latency_us");
	json_num_members(&j, latency, sizeof(latency) / sizeof(latency[0]), 1);
	json_object_end(&j);
	json_u64_members(&j, counts, sizeof(counts) / sizeof(counts[0]));
	json_num(&j, "loss_pct", f->loss_pct, 3);
	json_u64(&j, "established", st->established);
	json_num(&j, "client_cpu_s", f->cpu_s, 3);
	json_num(&j, "client_cpu_pct", f->cpu_pct, 1);
	json_object_end(&j);
	json_print_free(&j, out, "bench");
}

static void
bench_report_text(const struct bench_opts *o, const struct bench_stats *st,
    const struct bench_figures *f, const char *target, FILE *out)
{
	fprintf(out, "%s %s: %u %s x %u B, depth %u, %u thread(s), %s client,"
	    " %.2f s\n", bench_mode_name(o->mode), target, o->conns,
	    o->mode == BENCH_UDP ? "sockets" : "conns", o->size, o->depth,
	    o->threads, bench_client_kind(o), st->elapsed);
	fprintf(out, "  %-11s %llu (%.0f/s), %.2f MB/s echoed, every byte"
	    " checked\n", o->mode == BENCH_CHURN ? "cycles" : "messages",
	    (unsigned long long)st->messages, f->rate, f->mbps);
	fprintf(out, "  latency us  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f"
	    "  max %.1f\n", f->p50, f->p90, f->p99, f->p999, f->max);
	bench_hist_bars(&st->hist, 1e3, "us", "  ", out);
	if (o->mode == BENCH_UDP)
		fprintf(out, "  udp         sent %llu, lost %llu (%.2f%%), late %llu,"
		    " duplicated %llu, send blocked %llu\n",
		    (unsigned long long)st->udp_sent,
		    (unsigned long long)st->udp_lost, f->loss_pct,
		    (unsigned long long)st->udp_late,
		    (unsigned long long)st->udp_dup,
		    (unsigned long long)st->udp_blocked);
	if (o->mode == BENCH_IDLE)
		fprintf(out, "  established %llu of %u\n",
		    (unsigned long long)st->established, o->conns);
	fprintf(out, "  errors %llu, mismatched bytes %llu, client cpu %.2f s",
	    (unsigned long long)st->errors,
	    (unsigned long long)st->mismatches, f->cpu_s);
	if (isnan(f->cpu_pct))
		fprintf(out, " (share of one core n/a: under %.0f ms of load)\n",
		    BENCH_CPU_MIN_S * 1e3);
	else
		fprintf(out, " (%.0f%% of one core)\n", f->cpu_pct);
}

int
bench_report(const struct bench_opts *o, const struct bench_stats *st,
    const struct rusage *ru, int json, FILE *out)
{
	struct bench_figures f;
	char target[ADDR_STRLEN];
	int rc = EX_OK;

	addr_format(&o->target.u.sa, target, sizeof(target));
	bench_figures(st, ru, &f);
	if (json)
		bench_report_json(o, st, &f, target, out);
	else
		bench_report_text(o, st, &f, target, out);
	/* An echo server answers each datagram once: more is its fault. */
	if (st->errors || st->mismatches || st->udp_dup)
		rc = EXITCODE_LOSS;
	if (o->mode == BENCH_IDLE ? st->established < o->conns : st->messages == 0)
		rc = EXITCODE_LOSS;
	if (o->count && o->mode != BENCH_IDLE && st->messages < o->count) {
		fprintf(stderr, "bench: stopped after %llu of"
		    " %llu messages (time limit or errors)\n",
		    (unsigned long long)st->messages,
		    (unsigned long long)o->count);
		rc = EXITCODE_LOSS;
	}
	/* Nothing echoed and errors: the server is not there (echoctl's 2). */
	if (st->errors && !st->mismatches && st->messages == 0 &&
	    st->established == 0)
		rc = EXITCODE_CONNECT;
	fflush(out);
	return rc;
}
