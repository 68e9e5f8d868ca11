/*
 * conf_file: reading a configuration's files safely.  See conf_file.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf_file.h"
#include "conf/diags.h"

#define CONF_INCLUDE_DEPTH 10	/* libconfig 1.5's MAX_INCLUDE_DEPTH */
#define CONF_INCLUDE_FILES 256	/* files scanned per load, at most */

/* Open without blocking (a FIFO without a writer would block open() and
 * read()), then insist on a regular file.  -1 with errno: EISDIR for a
 * directory, EINVAL for another file that is not regular. */
static int
open_regular(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	return fd;
}

char *
conf_file_read(const char *path, struct diags *d)
{
	struct stat st;
	char *text = NULL;
	size_t n = 0;
	ssize_t r = 1;
	int fd;

	if ((fd = open_regular(path, &st)) < 0) {
		diags_add(d, "%s: cannot read: %s", path, errno == EINVAL ?
		    "not a regular file (allowed: a regular file, not a FIFO, "
		    "device or directory)" : strerror(errno));
		return NULL;
	}
	if ((text = malloc(CONF_MAX_BYTES + 1)) == NULL) {
		diags_add(d, "%s: out of memory", path);
		goto fail;
	}
	while (r > 0 && n <= CONF_MAX_BYTES) {
		r = read(fd, text + n, CONF_MAX_BYTES + 1 - n);
		if (r < 0 && errno == EINTR)
			r = 1;
		else if (r > 0)
			n += (size_t)r;
	}
	if (r < 0) {
		diags_add(d, "%s: cannot read: %s", path, strerror(errno));
		goto fail;
	}
	if (n > CONF_MAX_BYTES) {
		diags_add(d, "%s: cannot read: larger than %d bytes", path,
		    CONF_MAX_BYTES);
		goto fail;
	}
	if (memchr(text, '\0', n) != NULL) {
		diags_add(d, "%s: cannot read: not a text file (NUL byte)",
		    path);
		goto fail;
	}
	close(fd);
	text[n] = '\0';
	return text;
fail:
	close(fd);
	free(text);
	return NULL;
}

/* The name of the @include on this line (NUL-terminated into buf), or
 * NULL when the line has none. */
static const char *
include_name(const char *line, const char *end, char *buf, size_t len)
{
	const char *p = line, *q;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) < 9 || memcmp(p, "@include", 8) != 0 ||
	    (p[8] != ' ' && p[8] != '\t'))
		return NULL;
	for (p += 8; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if (p == end || *p != '"' || (q = memchr(p + 1, '"', (size_t)(end -
	    p - 1))) == NULL || (size_t)(q - p - 1) >= len)
		return NULL;
	memcpy(buf, p + 1, (size_t)(q - p - 1));
	buf[q - p - 1] = '\0';
	return buf;
}

struct scan {
	const char *incdir;
	struct diags *d;
	unsigned files;
	int too_many;
	int bad;
};

static void scan_text(struct scan *s, const char *text, const char *name,
    unsigned depth);

/* One @include: a regular file is scanned in turn; anything else is an
 * error at the line that names it. */
static void
scan_include(struct scan *s, const char *name, int line, const char *inc,
    unsigned depth)
{
	char path[4096], *text;
	struct stat st;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", s->incdir, inc) >=
	    (int)sizeof(path))
		return;		/* libconfig cannot open it either */
	if ((fd = open_regular(path, &st)) < 0) {
		if (errno == EINVAL || errno == EISDIR) {
			diags_add_line(s->d, line, "%s:%d: @include \"%s\": not "
			    "a regular file (allowed: a regular file, not a "
			    "FIFO, device or directory)", name, line, inc);
			s->bad = 1;
		}
		return;		/* missing: libconfig says so */
	}
	close(fd);
	if (depth >= CONF_INCLUDE_DEPTH)
		return;		/* libconfig stops the chain itself */
	/* libconfig has no such limit: past it, it would open what was not
	 * checked (a FIFO blocks the reload), and includes that fan out
	 * (each file including the next one twenty times) take time without
	 * bound.  Each @include counts, so the scan is bounded too. */
	if (++s->files > CONF_INCLUDE_FILES) {
		if (!s->too_many)
			diags_add_line(s->d, line, "%s:%d: @include \"%s\": more "
			    "than %d files included in all (allowed: at most %d "
			    "@include directives followed per load)", name, line,
			    inc, CONF_INCLUDE_FILES, CONF_INCLUDE_FILES);
		s->too_many = 1;
		s->bad = 1;
		return;
	}
	if ((text = conf_file_read(path, s->d)) == NULL) {
		s->bad = 1;
		return;
	}
	scan_text(s, text, inc, depth + 1);
	free(text);
}

static void
scan_text(struct scan *s, const char *text, const char *name, unsigned depth)
{
	const char *line = text;
	char inc[1024];

	for (int n = 1; *line != '\0'; n++) {
		const char *end = strchr(line, '\n');

		if (end == NULL)
			end = line + strlen(line);
		if (include_name(line, end, inc, sizeof(inc)) != NULL)
			scan_include(s, name, n, inc, depth);
		line = *end == '\n' ? end + 1 : end;
	}
}

int
conf_file_includes(const char *text, const char *name, const char *incdir,
    struct diags *d)
{
	struct scan s = { .incdir = incdir, .d = d };

	scan_text(&s, text, name, 0);
	return s.bad ? -1 : 0;
}
