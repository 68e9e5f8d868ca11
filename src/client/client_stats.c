/*
 * client_stats: running sums for the exact figures, a bounded reservoir for
 * the percentiles (nearest-rank on a sorted copy, computed on demand).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_stats.h"

int
client_stats_init(struct client_stats *st, size_t cap)
{
	memset(st, 0, sizeof(*st));
	st->cap = cap > 0 ? cap : 1;
	st->rng = 0x9e3779b97f4a7c15ULL;
	st->samples = malloc(st->cap * sizeof(double));
	return st->samples == NULL ? -1 : 0;
}

static uint64_t
client_stats_next(struct client_stats *st)
{
	/* xorshift64: plenty for picking reservoir slots. */
	st->rng ^= st->rng << 13;
	st->rng ^= st->rng >> 7;
	st->rng ^= st->rng << 17;
	return st->rng;
}

void
client_stats_add(struct client_stats *st, double v)
{
	if (st->n == 0 || v < st->min)
		st->min = v;
	if (st->n == 0 || v > st->max)
		st->max = v;
	st->n++;
	st->sum += v;
	st->sum2 += v * v;
	if (st->len < st->cap)
		st->samples[st->len++] = v;
	else {
		uint64_t j = client_stats_next(st) % st->n;

		if (j < st->cap)
			st->samples[j] = v;
	}
}

static int
client_stats_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least p% at or below it. */
static double
client_stats_rank(const double *sorted, size_t n, double p)
{
	size_t k = (size_t)ceil(p / 100.0 * (double)n);

	return sorted[k > 0 ? k - 1 : 0];
}

int
client_stats_summary(const struct client_stats *st,
    struct client_stats_summary *out)
{
	double *sorted, var;

	memset(out, 0, sizeof(*out));
	if (st->n == 0)
		return 0;
	out->n = st->n;
	out->min = st->min;
	out->max = st->max;
	out->avg = st->sum / (double)st->n;
	var = st->sum2 / (double)st->n - out->avg * out->avg;
	out->mdev = var > 0 ? sqrt(var) : 0;
	sorted = malloc(st->len * sizeof(double));
	if (sorted == NULL)
		return -1;
	memcpy(sorted, st->samples, st->len * sizeof(double));
	qsort(sorted, st->len, sizeof(double), client_stats_cmp);
	out->p50 = client_stats_rank(sorted, st->len, 50);
	out->p90 = client_stats_rank(sorted, st->len, 90);
	out->p99 = client_stats_rank(sorted, st->len, 99);
	free(sorted);
	return 0;
}

void
client_stats_json(const struct client_stats *st, struct json *j,
    const char *key)
{
	struct client_stats_summary s;

	if (client_stats_summary(st, &s) == -1 || s.n == 0)
		return;
	const struct json_num_member m[] = {
		{ "min", s.min }, { "avg", s.avg }, { "max", s.max },
		{ "mdev", s.mdev }, { "p50", s.p50 }, { "p90", s.p90 },
		{ "p99", s.p99 },
	};

	json_object_begin(j, key);
	json_num_members(j, m, sizeof(m) / sizeof(m[0]), 3);
	json_object_end(j);
}

void
client_stats_free(struct client_stats *st)
{
	free(st->samples);
	st->samples = NULL;
}
