/*
 * diags: a list of diagnostic lines ("file:line: setting: problem") that a
 * pure module fills instead of logging, so a caller decides where they go
 * and a test can compare them exactly.  Each line may carry the source line
 * it is about, so a range of them can be put in file order.  A message
 * never holds a control character: those of the configuration it quotes
 * are written \xNN (log_escape).
 */
#ifndef ECHOD_DIAGS_H
#define ECHOD_DIAGS_H

#include <stddef.h>

struct diags {
	char **msgs;
	size_t n, cap;
	int *lines;		/* parallel to msgs; 0 = not about a line */
};

void diags_init(struct diags *d);
void diags_free(struct diags *d);
/* Append one message.  On allocation failure the message is dropped. */
void diags_add(struct diags *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void diags_add_line(struct diags *d, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Stable sort of msgs[from..n) by line; messages without a line first. */
void diags_sort(struct diags *d, size_t from);

#endif
