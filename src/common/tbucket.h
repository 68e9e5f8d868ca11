/*
 * tbucket: the token bucket, the one copy of it.  A bucket holds at most
 * `burst` tokens and gains `rate` tokens a second; time is a monotonic
 * clock in seconds (clock.h), so a step of the wall clock neither empties
 * nor fills it.  Tables that keep many buckets compactly (floats, several
 * buckets sharing one timestamp) use tbucket_accrue() on their own fields.
 */
#ifndef ECHOD_TBUCKET_H
#define ECHOD_TBUCKET_H

#include <stdbool.h>

struct tbucket {
	double tokens, last;
};

/* Tokens after `elapsed` seconds: tokens + rate * elapsed, at most burst
 * (and unchanged when elapsed is not positive). */
static inline double
tbucket_accrue(double tokens, double rate, double burst, double elapsed)
{
	if (elapsed > 0) {
		tokens += rate * elapsed;
		if (tokens > burst)
			tokens = burst;
	}
	return tokens;
}

/* A full bucket at `now`. */
void tbucket_init(struct tbucket *b, double burst, double now);
/* Add what accrued since the last refill.  Time never runs backwards for
 * the bucket: an earlier `now` than the last one is taken as no time. */
void tbucket_refill(struct tbucket *b, double rate, double burst, double now);
/* Refill, then take one token if a whole one is there. */
bool tbucket_take(struct tbucket *b, double rate, double burst, double now);

#endif
