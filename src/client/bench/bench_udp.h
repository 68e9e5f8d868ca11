/*
 * bench_udp: the UDP load engine (bench_udp.c).
 */
#ifndef ECHOD_BENCH_UDP_H
#define ECHOD_BENCH_UDP_H

#include "client/bench/bench_run.h"

/* Run one share to completion on the calling thread.  0/-1 (-1 only when
 * it could not start at all; load errors are counted). */
int bench_udp_run(struct bench_share *sh);

#endif
