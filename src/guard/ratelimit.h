/*
 * ratelimit: per-source token buckets for UDP (datagrams/s and bytes/s) in a
 * fixed-size table, with a global cap on top.
 *
 * Sources and the table are srctable's (a prefix of the address; a fixed
 * size; a new source takes a free slot in its window or evicts the one
 * seen least recently).  A flooding source is seen constantly and so keeps its drained
 * bucket, while spoofed one-packet sources only evict each other; what they
 * get through is bounded by the global cap, which no spoofing avoids.
 *
 * Buckets may go into debt by one datagram: a datagram passes while the byte
 * bucket is positive, so a datagram larger than the burst still passes at the
 * configured average rate.
 *
 * One table has one owner (a worker); it takes no locks and never allocates
 * after ratelimit_new.  The global cap is divided among the workers
 * (`share`), so the total holds however the kernel spreads datagrams.  The
 * per-source limits are not divided: SO_REUSEPORT keeps one flow (address
 * and port pair) on one worker, so an ordinary client gets exactly the
 * configured rate; a spoofer varying its source port can reach several
 * workers and get up to workers x the per-source rate, still under the
 * global cap.
 */
#ifndef ECHOD_RATELIMIT_H
#define ECHOD_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ratelimit_conf {
	double pps, pps_burst;		/* per source; pps 0 = no limit */
	double bps, bps_burst;		/* per source, bytes; 0 = no limit */
	double global_pps, global_bps;	/* 0 = no cap; burst = 1 s worth */
	unsigned v4_prefix, v6_prefix;	/* source granularity: 0-32, 0-128 */
	bool exempt_loopback;		/* 127/8 and ::1 pass untouched */
	uint32_t table_size;		/* slots; rounded up to a power of 2 */
};

enum ratelimit_verdict {
	RATELIMIT_PASS,
	RATELIMIT_SOURCE,	/* the source's bucket is empty */
	RATELIMIT_GLOBAL,	/* the global cap is reached */
};

struct ratelimit;

/* The defaults for an internet-facing host (see ratelimit.c). */
void ratelimit_conf_defaults(struct ratelimit_conf *c);
/* NULL if c is invalid (text in err) or memory is short.  `share` in (0,1]
 * scales the global cap (1/number of workers). */
struct ratelimit *ratelimit_new(const struct ratelimit_conf *c, double share,
    char *err, size_t errlen);
void ratelimit_free(struct ratelimit *rl);
/* Account one datagram of `bytes` from `src` at time `now` (seconds, any
 * monotonic origin).  No allocation, no system call. */
enum ratelimit_verdict ratelimit_check(struct ratelimit *rl,
    const struct sockaddr *src, size_t bytes, double now);
/* Slots in use and evictions so far (for status and tests). */
size_t ratelimit_used(const struct ratelimit *rl);
uint64_t ratelimit_evictions(const struct ratelimit *rl);
size_t ratelimit_table_bytes(const struct ratelimit *rl);

#endif
