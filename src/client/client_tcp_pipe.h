/*
 * client_tcp_pipe: `echoctl tcp` when stdin is not a terminal, and -m:
 * input to the server, the echo to stdout, every byte compared.
 */
#ifndef ECHOD_CLIENT_TCP_PIPE_H
#define ECHOD_CLIENT_TCP_PIPE_H

#include "client/client_opts.h"
#include "common/addr.h"

/* Run over the connected socket fd; the exit status. */
int client_tcp_pipe_run(struct client_opts *o, int fd, const struct addr *peer);

#endif
