/*
 * client_pattern: the seeded pseudo-random byte stream of echoctl verify.
 * Any byte is computable from (seed, offset) alone, so the sender and the
 * checker need no buffer of what was sent: memory stays O(1) whatever the
 * length.  Pure.
 */
#ifndef ECHOD_CLIENT_PATTERN_H
#define ECHOD_CLIENT_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* n bytes of the stream starting at offset off. */
void client_pattern_fill(uint64_t seed, uint64_t off, unsigned char *buf,
    size_t n);
/* Offset (from 0) of the first byte of buf that differs from the stream at
 * off, or n when all n match. */
size_t client_pattern_check(uint64_t seed, uint64_t off,
    const unsigned char *buf, size_t n);

#endif
