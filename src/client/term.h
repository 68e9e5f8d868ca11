/*
 * term: how echoctl shows bytes from the network on a terminal.  Text in
 * the terminal's character set (the LC_CTYPE locale, the only category
 * echoctl sets) is shown as is where it is printable; control characters
 * (C0, DEL and C1), bidirectional overrides, bytes that are not valid in
 * the character set and the backslash are escaped C style, so an echo can
 * never move the cursor, set the window title or otherwise drive the
 * terminal.  Or a hex dump.  Formatting into a caller's FILE; no terminal
 * state.
 */
#ifndef ECHOD_TERM_H
#define ECHOD_TERM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* "a\tb\x01 café" for a, TAB, b, 0x01, space, café (in a UTF-8 locale;
 * in the C locale "caf\xc3\xa9").  Returns the number of bytes written. */
size_t term_write_escaped(FILE *f, const void *data, size_t len);

/* A byte stream escaped as it comes (pipe mode with stdout a terminal):
 * '\n' stays a line break, and a character cut between two writes waits
 * for its end; everything else is as term_write_escaped.  Zero it before
 * the first write; term_stream_end() writes what still waits (escaped:
 * the stream ended inside a character). */
struct term_stream {
	unsigned char held[8];
	size_t nheld;
};

void term_stream_write(struct term_stream *ts, FILE *f, const void *data,
    size_t len);
void term_stream_end(struct term_stream *ts, FILE *f);

/* hexdump -C style lines, offsets counted from `base`. */
void term_write_hex(FILE *f, const void *data, size_t len, uint64_t base);

#endif
