/*
 * client_stats: round-trip time statistics for echoctl probe: min/avg/max,
 * mdev as ping defines it (sqrt(mean(x^2) - mean(x)^2)) and percentiles.
 * Memory is bounded: up to `cap` samples are kept exactly; beyond that a
 * uniform reservoir sample of `cap` stands in for the percentiles (min, max,
 * avg and mdev stay exact).  Pure: no I/O (the JSON form is written into
 * a caller's writer).
 */
#ifndef ECHOD_CLIENT_STATS_H
#define ECHOD_CLIENT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "common/json.h"

struct client_stats {
	uint64_t n;
	double min, max, sum, sum2;
	double *samples;
	size_t cap, len;
	uint64_t rng;		/* reservoir sampling state */
};

struct client_stats_summary {
	uint64_t n;
	double min, avg, max, mdev, p50, p90, p99;
};

int client_stats_init(struct client_stats *st, size_t cap);	/* 0/-1 */
void client_stats_add(struct client_stats *st, double v);
/* Fills *out; all zero when there are no samples.  0/-1 (no memory). */
int client_stats_summary(const struct client_stats *st,
    struct client_stats_summary *out);
void client_stats_free(struct client_stats *st);
/* The summary as the JSON member `key`: {"min":..,"avg":..,"max":..,
 * "mdev":..,"p50":..,"p90":..,"p99":..} with 3 decimals (milliseconds in
 * every use); nothing when there are no samples. */
void client_stats_json(const struct client_stats *st, struct json *j,
    const char *key);

#endif
