/*
 * bench_hist: a log-linear latency histogram (HdrHistogram-like): 32 linear
 * sub-buckets per power of two, so every recorded value is kept to within
 * about 3% using 11 KiB and no allocation.  Values are nanoseconds.
 */
#ifndef ECHOD_BENCH_HIST_H
#define ECHOD_BENCH_HIST_H

#include <stdint.h>

#define BENCH_HIST_SUB_BITS 5
#define BENCH_HIST_MAX_EXP 47		/* values >= 2^47 ns (~39 h) saturate */
#define BENCH_HIST_BUCKETS ((BENCH_HIST_MAX_EXP - BENCH_HIST_SUB_BITS + 1) << BENCH_HIST_SUB_BITS)

struct bench_hist {
	uint64_t count;
	uint64_t min, max;
	double sum;
	uint64_t buckets[BENCH_HIST_BUCKETS];
};

void bench_hist_init(struct bench_hist *h);
void bench_hist_record(struct bench_hist *h, uint64_t v);
void bench_hist_merge(struct bench_hist *into, const struct bench_hist *from);
/* The value below which `q` (0..1) of the samples lie; 0 when empty. */
uint64_t bench_hist_quantile(const struct bench_hist *h, double q);
double bench_hist_mean(const struct bench_hist *h);

#endif
