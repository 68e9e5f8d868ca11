/*
 * fuzz: the libFuzzer entry point every target defines, and a helper that
 * turns the raw input into a NUL-terminated string.  The same targets build
 * without libFuzzer against fuzz/replay.c, which runs them over the seed
 * corpus in make check (so CI replays the corpus under the sanitizers).
 */
#ifndef ECHOD_FUZZ_H
#define ECHOD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd copy of data with a terminating NUL (embedded NULs cut the
 * string short, as they would in a config file).  NULL if out of memory. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* Invariant violated: crash so libFuzzer saves the input. */
#define FUZZ_CHECK(cond) do { if (!(cond)) abort(); } while (0)

#endif
