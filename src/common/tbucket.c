/*
 * tbucket: token bucket arithmetic.  See tbucket.h.
 */
#include "config.h"

#include "common/tbucket.h"

void
tbucket_init(struct tbucket *b, double burst, double now)
{
	b->tokens = burst;
	b->last = now;
}

void
tbucket_refill(struct tbucket *b, double rate, double burst, double now)
{
	b->tokens = tbucket_accrue(b->tokens, rate, burst, now - b->last);
	if (now > b->last)
		b->last = now;
}

bool
tbucket_take(struct tbucket *b, double rate, double burst, double now)
{
	tbucket_refill(b, rate, burst, now);
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}
