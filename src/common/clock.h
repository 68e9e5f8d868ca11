/*
 * clock: the one place that reads the clocks.  Durations, deadlines, rates
 * and timeouts use the monotonic clock, which no NTP step, `date -s` or VM
 * resume moves; the wall clock is for log timestamps and for the absolute
 * times a protocol carries (STAMP), never for a duration.
 */
#ifndef ECHOD_CLOCK_H
#define ECHOD_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/timex.h>
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

/* CLOCK_REALTIME: the absolute times a protocol carries (STAMP's
 * timestamps, which the other end compares with its own clock) and log
 * lines; never a duration. */
static inline void
clock_wall(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

/* What the kernel knows of the wall clock's discipline (adjtimex, read
 * only): whether NTP or PTP synchronizes it, its estimated error in seconds
 * (the maximum error when it is not synchronized), and TAI - UTC. */
struct clock_sync {
	bool synced;
	double error;
	int tai_offset;
};

static inline void
clock_wall_sync(struct clock_sync *cs)
{
	struct timex tx = { .modes = 0 };
	int state = ntp_adjtime(&tx);

	cs->synced = state != -1 && state != TIME_ERROR &&
	    !(tx.status & STA_UNSYNC);
	cs->error = state == -1 ? 16.0 :
	    (double)(cs->synced ? tx.esterror : tx.maxerror) / 1e6;
	cs->tai_offset = state == -1 ? 0 : tx.tai;
}

#endif
