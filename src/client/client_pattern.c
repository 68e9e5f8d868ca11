/*
 * client_pattern: byte k of the stream is byte (k mod 8) of
 * splitmix64(seed + k / 8): random-looking, seekable, no state.
 */
#include "config.h"

#include "client/client_pattern.h"

static uint64_t
client_pattern_word(uint64_t seed, uint64_t index)
{
	uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
client_pattern_fill(uint64_t seed, uint64_t off, unsigned char *buf, size_t n)
{
	uint64_t w = client_pattern_word(seed, off >> 3);
	size_t i;

	for (i = 0; i < n; i++, off++) {
		if ((off & 7) == 0)
			w = client_pattern_word(seed, off >> 3);
		buf[i] = (unsigned char)(w >> ((off & 7) * 8));
	}
}

size_t
client_pattern_check(uint64_t seed, uint64_t off, const unsigned char *buf,
    size_t n)
{
	uint64_t w = client_pattern_word(seed, off >> 3);
	size_t i;

	for (i = 0; i < n; i++, off++) {
		if ((off & 7) == 0)
			w = client_pattern_word(seed, off >> 3);
		if (buf[i] != (unsigned char)(w >> ((off & 7) * 8)))
			return i;
	}
	return n;
}
