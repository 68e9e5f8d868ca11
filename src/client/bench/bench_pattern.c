/*
 * bench_pattern: the expected byte stream of each connection or socket.
 */
#include "config.h"

#include <string.h>

#include "client/bench/bench_pattern.h"

/* Printable ASCII, so text-minded servers (Python's decode()) echo it too. */
static const char bench_pattern_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
bench_pattern_init(struct bench_pattern *p)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t i;

	for (i = 0; i < BENCH_PATTERN_PERIOD; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p->table[i] = (uint8_t)bench_pattern_chars[(x >> 24) & 63];
	}
	/* The tail repeats the start (SPAN > PERIOD: the copy overlaps, so it
	 * must run forwards byte by byte). */
	for (i = BENCH_PATTERN_PERIOD; i < sizeof(p->table); i++)
		p->table[i] = p->table[i - BENCH_PATTERN_PERIOD];
}

const uint8_t *
bench_pattern_at(const struct bench_pattern *p, uint32_t id, uint64_t off)
{
	uint64_t seed = ((uint64_t)id * 40503u) % BENCH_PATTERN_PERIOD;

	return p->table + (off + seed) % BENCH_PATTERN_PERIOD;
}

size_t
bench_pattern_check(const struct bench_pattern *p, uint32_t id, uint64_t off,
    const uint8_t *buf, size_t len)
{
	const uint8_t *want;
	size_t n, i, bad = 0;

	while (len > 0) {
		n = len < BENCH_PATTERN_SPAN ? len : BENCH_PATTERN_SPAN;
		want = bench_pattern_at(p, id, off);
		if (memcmp(want, buf, n) != 0) {
			for (i = 0; i < n; i++)
				bad += want[i] != buf[i];
		}
		buf += n;
		off += n;
		len -= n;
	}
	return bad;
}
