/*
 * ctl: the daemon side of the control socket (AF_UNIX stream in the runtime
 * directory).  It accepts `echoctl` requests on the main loop, checks who
 * sent them and hands each parsed request to a handler that builds the
 * reply (ctl_commands.c); it knows nothing of what the requests do.  See
 * proto.h for the wire format.
 */
#ifndef ECHOD_CTL_H
#define ECHOD_CTL_H

#include <ev.h>
#include <stddef.h>

#include "common/log.h"

struct ctl;
struct proto_request;

/* Builds the whole reply to one request: *out is malloc'd (ctl frees it)
 * and holds *len bytes.  0, or -1 when even an error reply could not be
 * allocated. */
typedef int ctl_handler_fn(void *ctx, const struct proto_request *req,
    char **out, size_t *len);

/* Open the socket at `path` and start serving on `loop`; NULL (logged) on
 * failure. */
struct ctl *ctl_new(struct ev_loop *loop, struct logger *log,
    const char *path, ctl_handler_fn *handler, void *ctx);
void ctl_free(struct ctl *c);
/* Where it listens; "" for NULL (no control socket). */
const char *ctl_path(const struct ctl *c);

#endif
