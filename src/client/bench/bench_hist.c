/*
 * bench_hist: log-linear histogram.  Bucket i < 32 holds the value i; above,
 * each power of two [2^e, 2^(e+1)) is split into 32 equal buckets.  The
 * text chart's row bounds are steps of one series (hist_fine, which holds
 * hist_coarse); a bucket is at most 1/32 wide and the steps at least 20%
 * apart, so a bucket holds at most one step inside it, and each bucket
 * also counts its samples below that step: every sample is charted in the
 * row whose bounds contain it (a bucket's midpoint put 200.3 ms in the
 * "100 - 200" row).
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

static uint64_t hist_split(unsigned idx);

void
bench_hist_init(struct bench_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
bench_hist_record(struct bench_hist *h, uint64_t v)
{
	unsigned idx = bench_hist_index(v);

	h->buckets[idx]++;
	if (v < hist_split(idx))
		h->below[idx]++;
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

	for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
		into->buckets[i] += from->buckets[i];
		into->below[i] += from->below[i];
	}
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

/* Steps of a row's bounds within a decade, coarse and fine. */
static const unsigned hist_coarse[] = { 10, 20, 50 };
static const unsigned hist_fine[] = { 10, 12, 15, 20, 25, 30, 40, 50, 60, 80 };

/* The step after v in the series (x10 per decade); v >= 1.  Near
 * UINT64_MAX the next step does not fit: then UINT64_MAX, which is not
 * above v when v is UINT64_MAX, so the callers' loops stop there (a
 * decade * 10 or v * 10 that wrapped made them run forever). */
static uint64_t
hist_step_next(uint64_t v, const unsigned *m, size_t nm)
{
	uint64_t decade = 1, step;

	while (decade <= v / 10)
		decade *= 10;
	for (size_t i = 0; i < nm; i++) {
		if (__builtin_mul_overflow((uint64_t)m[i], decade, &step))
			return UINT64_MAX;
		/* v * 10 < step, without the product */
		if (v < step / 10 + (step % 10 != 0))
			return step / 10 > v ? step / 10 : v + 1;
	}
	return decade > UINT64_MAX / 10 ? UINT64_MAX : 10 * decade;
}

/* The step of hist_fine strictly inside bucket idx (above its lowest
 * value, at most its highest), or 0 when there is none: buckets below SUB
 * hold one value, and the last one (saturated) is charted by its midpoint. */
static uint64_t
hist_split(unsigned idx)
{
	uint64_t lo, width, step;
	unsigned e;

	if (idx < SUB || idx >= BENCH_HIST_BUCKETS - 1)
		return 0;
	e = (idx >> BENCH_HIST_SUB_BITS) + BENCH_HIST_SUB_BITS - 1;
	width = 1ull << (e - BENCH_HIST_SUB_BITS);
	lo = (uint64_t)(SUB + (idx & (SUB - 1))) << (e - BENCH_HIST_SUB_BITS);
	step = hist_step_next(lo, hist_fine, sizeof(hist_fine) / sizeof(hist_fine[0]));
	return step - lo < width ? step : 0;
}

/* The row of bounds b[0..n] that holds v: the first when v is below it,
 * the last when above (the rows ran out). */
static int
hist_row(const uint64_t *b, int n, uint64_t v)
{
	int r = 0;

	while (r < n - 1 && v >= b[r + 1])
		r++;
	return r;
}

/* Bounds from the step at or below lo to the first above hi (or to
 * UINT64_MAX, which the last row then holds); rows. */
static int
hist_series(uint64_t lo, uint64_t hi, const unsigned *m, size_t nm,
    uint64_t *b)
{
	uint64_t v = 1, next;
	int n = 0;

	while ((next = hist_step_next(v, m, nm)) <= lo && next > v &&
	    next != UINT64_MAX)		/* a row above b[0], even for lo = max */
		v = next;
	b[n++] = v;
	while (b[n - 1] <= hi && n <= BENCH_HIST_ROWS_MAX) {
		if ((next = hist_step_next(v, m, nm)) == v)
			break;
		v = next;
		b[n++] = v;
	}
	return n - 1;
}

/* The 1-2-5 steps, or finer ones when those give fewer than 4 rows. */
static int
hist_bounds(uint64_t lo, uint64_t hi, uint64_t *b)
{
	int n = hist_series(lo, hi, hist_coarse, 3, b);

	if (n >= 4)
		return n;
	return hist_series(lo, hi, hist_fine, 10, b);
}

int
bench_hist_rows(const struct bench_hist *h,
    uint64_t bound[BENCH_HIST_ROWS_MAX + 1], uint64_t rows[BENCH_HIST_ROWS_MAX])
{
	int n;

	if (h->count == 0)
		return 0;
	n = hist_bounds(h->min, h->max, bound);
	memset(rows, 0, sizeof(rows[0]) * BENCH_HIST_ROWS_MAX);
	for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++) {
		uint64_t v, split;

		if (h->buckets[i] == 0)
			continue;
		if ((split = hist_split(i)) != 0) {
			/* no other bound inside: all of those below the
			 * step are in the row of split - 1, the rest in
			 * the row of split */
			rows[hist_row(bound, n, split - 1)] += h->below[i];
			rows[hist_row(bound, n, split)] +=
			    h->buckets[i] - h->below[i];
			continue;
		}
		v = bench_hist_value(i);
		v = v < h->min ? h->min : v > h->max ? h->max : v;
		rows[hist_row(bound, n, v)] += h->buckets[i];
	}
	return n;
}

/* Three significant digits: neighbouring bounds of the log-linear rows
 * differ by a few percent, and must not print the same. */
static void
hist_fmt(char *buf, size_t len, double v)
{
	int decimals = 0;

	for (double m = 100; v > 0 && v < m && decimals < 6; m /= 10)
		decimals++;
	snprintf(buf, len, "%.*f", decimals, v);
}

void
bench_hist_bars(const struct bench_hist *h, double unit,
    const char *unit_name, const char *indent, FILE *out)
{
	uint64_t bound[BENCH_HIST_ROWS_MAX + 1], rows[BENCH_HIST_ROWS_MAX];
	uint64_t top = 0;
	int n = bench_hist_rows(h, bound, rows);

	for (int i = 0; i < n; i++)
		top = rows[i] > top ? rows[i] : top;
	if (n > 0)
		fprintf(out, "%slatency histogram (%s):\n", indent, unit_name);
	for (int i = 0; i < n; i++) {
		char lo[24], hi[24], bar[41];
		int w = (int)((rows[i] * 40 + top - 1) / top);

		hist_fmt(lo, sizeof(lo), (double)bound[i] / unit);
		hist_fmt(hi, sizeof(hi), (double)bound[i + 1] / unit);
		memset(bar, '#', (size_t)w);
		bar[w] = '\0';
		fprintf(out, "%s%9s - %-9s |%-40s %llu (%.1f%%)\n", indent, lo,
		    hi, bar, (unsigned long long)rows[i],
		    100.0 * (double)rows[i] / (double)h->count);
	}
}
