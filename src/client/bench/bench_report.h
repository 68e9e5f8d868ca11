/*
 * bench_report: merging per-thread results and printing them, as text for
 * people or as one JSON object for scripts/bench.
 */
#ifndef ECHOD_BENCH_REPORT_H
#define ECHOD_BENCH_REPORT_H

#include <stdio.h>
#include <sys/resource.h>

#include "client/bench/bench_run.h"

const char *bench_mode_name(enum bench_mode m);
void bench_report_merge(struct bench_stats *into, const struct bench_stats *from);
/* Print; returns the exit status the run deserves: 0 ok, 1 errors,
 * mismatches or an incomplete run, 2 nothing echoed because of errors. */
int bench_report(const struct bench_opts *o, const struct bench_stats *st,
    const struct rusage *ru, int json, FILE *f);

#endif
