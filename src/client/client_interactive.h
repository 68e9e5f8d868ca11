/*
 * client_interactive: `echoctl tcp|udp` when stdin is a terminal: a
 * prompt, line editing and history, each echo shown as it arrives.
 */
#ifndef ECHOD_CLIENT_INTERACTIVE_H
#define ECHOD_CLIENT_INTERACTIVE_H

#include "client/client_opts.h"
#include "common/addr.h"

/* Run over the connected socket fd; the exit status. */
int client_interactive_run(struct client_opts *o, int fd,
    const struct addr *peer);

#endif
