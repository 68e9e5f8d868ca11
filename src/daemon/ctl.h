/*
 * ctl: the daemon side of the control socket (AF_UNIX stream in the runtime
 * directory).  It accepts `echoctl` requests on the main loop and answers
 * status, stats, reload and ping.  See proto.h for the wire format.
 */
#ifndef ECHOD_CTL_H
#define ECHOD_CTL_H

struct echod;
struct ctl;

/* Open the socket at `path` and start serving; NULL (logged) on failure. */
struct ctl *ctl_new(struct echod *d, const char *path);
void ctl_free(struct ctl *c);

#endif
