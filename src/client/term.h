/*
 * term: how echoctl shows bytes from the network on a terminal: control
 * characters and non-ASCII bytes escaped (C style), or a hex dump.  Pure
 * formatting into a caller's FILE; no terminal state.
 */
#ifndef ECHOD_TERM_H
#define ECHOD_TERM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* "a\tb\x01" for a, TAB, b, 0x01; printable ASCII and space as is,
 * backslash doubled.  Returns the number of characters written. */
size_t term_write_escaped(FILE *f, const void *data, size_t len);
/* hexdump -C style lines, offsets counted from `base`. */
void term_write_hex(FILE *f, const void *data, size_t len, uint64_t base);

#endif
