/*
 * term: escaping and hex dumps of received bytes, so that an echo can never
 * move the cursor, change colours or otherwise drive the user's terminal.
 */
#include "config.h"

#include <ctype.h>

#include "client/term.h"

size_t
term_write_escaped(FILE *f, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = p[i];
		const char *esc = NULL;

		switch (c) {
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\\': esc = "\\\\"; break;
		}
		if (esc != NULL) {
			fputs(esc, f);
			n += 2;
		} else if (c >= 0x20 && c < 0x7f) {
			fputc(c, f);
			n++;
		} else {
			fprintf(f, "\\x%02x", c);
			n += 4;
		}
	}
	return n;
}

void
term_write_hex(FILE *f, const void *data, size_t len, uint64_t base)
{
	const unsigned char *p = data;
	size_t i, j;

	for (i = 0; i < len; i += 16) {
		fprintf(f, "%08llx ", (unsigned long long)(base + i));
		for (j = 0; j < 16; j++) {
			if (j == 8)
				fputc(' ', f);
			if (i + j < len)
				fprintf(f, " %02x", p[i + j]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (j = 0; j < 16 && i + j < len; j++)
			fputc(isprint(p[i + j]) && p[i + j] < 0x7f ?
			    p[i + j] : '.', f);
		fputs("|\n", f);
	}
}
