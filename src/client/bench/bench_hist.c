/*
 * bench_hist: log-linear histogram.  Bucket i < 32 holds the value i; above,
 * each power of two [2^e, 2^(e+1)) is split into 32 equal buckets.
 */
#include "config.h"

#include <string.h>

#include "client/bench/bench_hist.h"

#define SUB (1u << BENCH_HIST_SUB_BITS)

static unsigned
bench_hist_index(uint64_t v)
{
	unsigned e, idx;

	if (v < SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);
	if (e > BENCH_HIST_MAX_EXP)
		return BENCH_HIST_BUCKETS - 1;
	idx = ((e - BENCH_HIST_SUB_BITS + 1) << BENCH_HIST_SUB_BITS) +
	    (unsigned)((v >> (e - BENCH_HIST_SUB_BITS)) & (SUB - 1));
	return idx < BENCH_HIST_BUCKETS ? idx : BENCH_HIST_BUCKETS - 1;
}

/* Midpoint of bucket idx. */
static uint64_t
bench_hist_value(unsigned idx)
{
	unsigned e, sub;
	uint64_t width;

	if (idx < SUB)
		return idx;
	e = (idx >> BENCH_HIST_SUB_BITS) + BENCH_HIST_SUB_BITS - 1;
	sub = idx & (SUB - 1);
	width = 1ull << (e - BENCH_HIST_SUB_BITS);
	return ((uint64_t)(SUB + sub) << (e - BENCH_HIST_SUB_BITS)) + width / 2;
}

void
bench_hist_init(struct bench_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
bench_hist_record(struct bench_hist *h, uint64_t v)
{
	h->buckets[bench_hist_index(v)]++;
	h->count++;
	h->sum += (double)v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void
bench_hist_merge(struct bench_hist *into, const struct bench_hist *from)
{
	unsigned i;

	for (i = 0; i < BENCH_HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
	into->count += from->count;
	into->sum += from->sum;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}

uint64_t
bench_hist_quantile(const struct bench_hist *h, double q)
{
	uint64_t rank, seen = 0, v;
	unsigned i;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if (rank >= h->count)
		rank = h->count - 1;
	for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen > rank)
			break;
	}
	v = bench_hist_value(i < BENCH_HIST_BUCKETS ? i : BENCH_HIST_BUCKETS - 1);
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}

double
bench_hist_mean(const struct bench_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0.0;
}
