/*
 * bench_pattern: the bytes the load generator sends.  Byte `off` of stream
 * `id` is a fixed pseudo-random table entry at (off + seed(id)) mod P, with P
 * prime, so a byte echoed out of order, from another connection or corrupted
 * is caught with one memcmp against the table, and sending needs no copy.
 * The bytes are printable ASCII (64 symbols) so that servers which decode
 * text, like the seed's Python one, can be measured too.
 */
#ifndef ECHOD_BENCH_PATTERN_H
#define ECHOD_BENCH_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_PATTERN_PERIOD 65521u	/* largest prime below 2^16 */
#define BENCH_PATTERN_SPAN 65536u	/* longest run readable at one offset */

struct bench_pattern {
	uint8_t table[BENCH_PATTERN_PERIOD + BENCH_PATTERN_SPAN];
};

void bench_pattern_init(struct bench_pattern *p);
/* Contiguous pattern bytes of stream `id` from `off`; at most SPAN long. */
const uint8_t *bench_pattern_at(const struct bench_pattern *p, uint32_t id,
    uint64_t off);
/* Compare `len` received bytes with the pattern; returns how many differ. */
size_t bench_pattern_check(const struct bench_pattern *p, uint32_t id,
    uint64_t off, const uint8_t *buf, size_t len);

#endif
