/*
 * conf_file: the files a configuration is read from, checked before
 * libconfig reads them.  The file and every file it @includes, at any
 * depth, must be a regular file no larger than CONF_MAX_BYTES: a FIFO or a
 * device named by mistake would block libconfig's read (at a reload, the
 * daemon's main loop with it, signals and the control socket included)
 * or never end.  No libconfig here: a plain scan of @include lines, as
 * libconfig 1.5 finds them (a line that starts, after blanks, with
 * @include "name"; name relative to the config file's directory).
 */
#ifndef ECHOD_CONF_FILE_H
#define ECHOD_CONF_FILE_H

struct diags;

#define CONF_MAX_BYTES (1024 * 1024)	/* a config file is never bigger */

/* The whole file, NUL-terminated (malloc'd), or NULL with a diagnostic:
 * cannot open, not a regular file, too large, not text.  Never blocks. */
char *conf_file_read(const char *path, struct diags *d);
/* Every @include of `text` (named `name` in diagnostics), and theirs,
 * relative to incdir: 0, or -1 with a diagnostic "name:line: ..." for each
 * one that is not a regular file or cannot be read.  A missing file is
 * left to libconfig ("cannot open include file"), as is a chain deeper
 * than its limit. */
int conf_file_includes(const char *text, const char *name,
    const char *incdir, struct diags *d);

#endif
