/*
 * bench_tcp: the TCP load engine (bench_tcp.c).
 */
#ifndef ECHOD_BENCH_TCP_H
#define ECHOD_BENCH_TCP_H

#include "client/bench/bench_run.h"

/* Run one share to completion on the calling thread.  0/-1 (-1 only when
 * it could not start at all; load errors are counted). */
int bench_tcp_run(struct bench_share *sh);

#endif
