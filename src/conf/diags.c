/*
 * diags: the growable list of diagnostic lines and its sort by line.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "conf/diags.h"

void
diags_init(struct diags *d)
{
	memset(d, 0, sizeof(*d));
}

void
diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	free(d->lines);
	diags_init(d);
}

static int
diags_grow(struct diags *d)
{
	size_t cap = d->cap ? d->cap * 2 : 8;
	char **m;
	int *l;

	if ((m = realloc(d->msgs, cap * sizeof(*m))) == NULL)
		return -1;
	d->msgs = m;
	if ((l = realloc(d->lines, cap * sizeof(*l))) == NULL)
		return -1;
	d->lines = l;
	d->cap = cap;
	return 0;
}

/* A diagnostic quotes the configuration as written: its control
 * characters become \xNN here, once, so no line it reaches (the log,
 * STATUS=, a control reply, echod -t) can be split or spoofed by them. */
static char *
diags_escape(char *msg)
{
	size_t n = log_escape(NULL, 0, msg);
	char *esc;

	if (n == strlen(msg))
		return msg;
	if ((esc = malloc(n + 1)) == NULL) {
		for (char *p = msg; *p != '\0'; p++)	/* no memory: blank them */
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		return msg;
	}
	log_escape(esc, n + 1, msg);
	free(msg);
	return esc;
}

static void __attribute__((format(printf, 3, 0)))
diags_addv(struct diags *d, int line, const char *fmt, va_list ap)
{
	char *msg;

	if (d->n == d->cap && diags_grow(d) < 0)
		return;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	d->lines[d->n] = line;
	d->msgs[d->n++] = diags_escape(msg);
}

void
diags_add(struct diags *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diags_addv(d, 0, fmt, ap);
	va_end(ap);
}

void
diags_add_line(struct diags *d, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diags_addv(d, line, fmt, ap);
	va_end(ap);
}

void
diags_sort(struct diags *d, size_t from)
{
	/* insertion sort: stable, so one line's problems keep their order */
	for (size_t i = from + 1; i < d->n; i++) {
		char *msg = d->msgs[i];
		int line = d->lines[i];
		size_t j = i;

		for (; j > from && d->lines[j - 1] > line; j--) {
			d->msgs[j] = d->msgs[j - 1];
			d->lines[j] = d->lines[j - 1];
		}
		d->msgs[j] = msg;
		d->lines[j] = line;
	}
}
