/*
 * bench_hist: a log-linear latency histogram (HdrHistogram-like): 32 linear
 * sub-buckets per power of two, so every recorded value is kept to within
 * about 3% using 22 KiB and no allocation.  Values are nanoseconds.
 */
#ifndef ECHOD_BENCH_HIST_H
#define ECHOD_BENCH_HIST_H

#include <stdint.h>
#include <stdio.h>

#define BENCH_HIST_SUB_BITS 5
#define BENCH_HIST_MAX_EXP 47		/* values >= 2^47 ns (~39 h) saturate */
#define BENCH_HIST_BUCKETS ((BENCH_HIST_MAX_EXP - BENCH_HIST_SUB_BITS + 1) << BENCH_HIST_SUB_BITS)

struct bench_hist {
	uint64_t count;
	uint64_t min, max;
	double sum;
	uint64_t buckets[BENCH_HIST_BUCKETS];
	/* Of buckets[i], those below the chart's row bound inside bucket i
	 * (bench_hist_rows), for the buckets that hold one. */
	uint64_t below[BENCH_HIST_BUCKETS];
};

void bench_hist_init(struct bench_hist *h);
void bench_hist_record(struct bench_hist *h, uint64_t v);
void bench_hist_merge(struct bench_hist *into, const struct bench_hist *from);
/* The value below which `q` (0..1) of the samples lie; 0 when empty. */
uint64_t bench_hist_quantile(const struct bench_hist *h, double q);
double bench_hist_mean(const struct bench_hist *h);

#define BENCH_HIST_ROWS_MAX 24

/* The samples in rows for a text chart: rows[i] counts those in
 * [bound[i], bound[i+1]) (the last row includes its upper bound).  Rows
 * follow the 1-2-5 steps (1, 2, 5, 10, 20 ...) from the fastest sample to
 * the slowest, or finer steps (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 ...)
 * when those give fewer than 4.  Returns the number of rows (0 when empty). */
int bench_hist_rows(const struct bench_hist *h,
    uint64_t bound[BENCH_HIST_ROWS_MAX + 1], uint64_t rows[BENCH_HIST_ROWS_MAX]);
/* Those rows as text bars, like hey's or ping's summaries: each row's
 * bounds divided by `unit` and named `unit_name`, a bar, its count and
 * share; every line starts with `indent`. */
void bench_hist_bars(const struct bench_hist *h, double unit,
    const char *unit_name, const char *indent, FILE *out);

#endif
