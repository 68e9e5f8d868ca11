/*
 * clock: the one place that reads the clocks.  Durations, deadlines, rates
 * and timeouts use the monotonic clock, which no NTP step, `date -s` or VM
 * resume moves; the wall clock is for log timestamps only.
 */
#ifndef ECHOD_CLOCK_H
#define ECHOD_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds (origin: some point before boot). */
static inline uint64_t
clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC in seconds. */
static inline double
clock_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
