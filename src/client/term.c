/*
 * term: escaping and hex dumps of received bytes, so that an echo can never
 * move the cursor, change colours or otherwise drive the user's terminal.
 * Characters are decoded with mbrtowc() in the LC_CTYPE locale: in the C
 * locale every byte above 0x7f is escaped, in a UTF-8 one valid, printable
 * UTF-8 is shown as text.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "client/term.h"

/* Bidirectional embeddings, overrides and isolates: printable to
 * iswprint(), but they reorder what follows them on terminals that
 * implement bidi, so a line could show other than what it holds. */
static int
term_bidi(wchar_t wc)
{
	return (wc >= 0x202a && wc <= 0x202e) || (wc >= 0x2066 && wc <= 0x2069);
}

/* What starts at p: the length of a character shown as is (1..n), 0 for
 * a byte to escape, or -1 when the n bytes are the start of a character
 * that goes on past them. */
static int
term_char(const unsigned char *p, size_t n)
{
	mbstate_t st;
	wchar_t wc;
	size_t r;

	if (p[0] < 0x80)
		return p[0] >= 0x20 && p[0] < 0x7f && p[0] != '\\' ? 1 : 0;
	if (MB_CUR_MAX == 1)
		return 0;
	memset(&st, 0, sizeof(st));
	r = mbrtowc(&wc, (const char *)p, n, &st);
	if (r == (size_t)-2)
		return -1;
	if (r == (size_t)-1 || r == 0 || !iswprint((wint_t)wc) ||
	    term_bidi(wc))
		return 0;
	return (int)r;
}

static size_t
term_escape_byte(FILE *f, unsigned char c)
{
	const char *esc = NULL;

	switch (c) {
	case '\n': esc = "\\n"; break;
	case '\r': esc = "\\r"; break;
	case '\t': esc = "\\t"; break;
	case '\\': esc = "\\\\"; break;
	}
	if (esc != NULL) {
		fputs(esc, f);
		return 2;
	}
	fprintf(f, "\\x%02x", c);
	return 4;
}

/* Write p[0..n) escaped ('\n' as a line break if `lines`); when `more`
 * may follow, stop before a character the bytes end inside.  Returns the
 * bytes of p consumed; *out counts the bytes written. */
static size_t
term_escape(FILE *f, const unsigned char *p, size_t n, int lines, int more,
    size_t *out)
{
	size_t i = 0;

	while (i < n) {
		int k = term_char(p + i, n - i);

		if (k < 0 && more)
			break;
		if (k > 0) {
			fwrite(p + i, 1, (size_t)k, f);
			*out += (size_t)k;
			i += (size_t)k;
		} else if (p[i] == '\n' && lines) {
			fputc('\n', f);
			*out += 1;
			i++;
		} else {
			*out += term_escape_byte(f, p[i++]);
		}
	}
	return i;
}

size_t
term_write_escaped(FILE *f, const void *data, size_t len)
{
	size_t out = 0;

	(void)term_escape(f, data, len, 0, 0, &out);
	return out;
}

void
term_stream_write(struct term_stream *ts, FILE *f, const void *data,
    size_t len)
{
	const unsigned char *p = data;
	size_t out = 0, used;

	/* Finish the character the last write ended inside, a byte at a
	 * time: it completes, or turns out invalid and is escaped. */
	while (ts->nheld > 0 && len > 0) {
		ts->held[ts->nheld++] = *p++;
		len--;
		used = term_escape(f, ts->held, ts->nheld, 1,
		    ts->nheld < sizeof(ts->held), &out);
		memmove(ts->held, ts->held + used, ts->nheld - used);
		ts->nheld -= used;
	}
	used = term_escape(f, p, len, 1, 1, &out);
	memcpy(ts->held + ts->nheld, p + used, len - used);
	ts->nheld += len - used;
}

void
term_stream_end(struct term_stream *ts, FILE *f)
{
	size_t out = 0;

	(void)term_escape(f, ts->held, ts->nheld, 1, 0, &out);
	ts->nheld = 0;
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
