/*
 * ctl_commands: what echod answers on the control socket.  Turns one parsed
 * request into a complete reply (proto.h format): ping, status and stats
 * from a daemon_status snapshot, as key=value or JSON, and reload, which
 * runs daemon_reload() synchronously and answers with its diagnostics.
 */
#ifndef ECHOD_CTL_COMMANDS_H
#define ECHOD_CTL_COMMANDS_H

#include <stddef.h>

struct echod;
struct proto_request;

/* *out is malloc'd (caller frees) and holds *len bytes.  0, or -1 when
 * even an error reply could not be allocated. */
int ctl_commands_answer(struct echod *d, const struct proto_request *req,
    char **out, size_t *len);

#endif
