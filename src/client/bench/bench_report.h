/*
 * bench_report: merging per-thread results and printing them, as text for
 * people or as one JSON object for scripts/bench.
 */
#ifndef ECHOD_BENCH_REPORT_H
#define ECHOD_BENCH_REPORT_H

#include <stdio.h>
#include <sys/resource.h>

#include "client/bench/bench_run.h"

void bench_report_merge(struct bench_stats *into, const struct bench_stats *from);
/* Print; returns the exit status the run deserves: EX_OK, EXITCODE_LOSS
 * for errors, mismatches or an incomplete run, EXITCODE_CONNECT when
 * nothing was echoed because of errors. */
int bench_report(const struct bench_opts *o, const struct bench_stats *st,
    const struct rusage *ru, int json, FILE *f);

#endif
