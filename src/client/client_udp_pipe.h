/*
 * client_udp_pipe: `echoctl udp` when stdin is not a terminal, and -m:
 * each input line a datagram, each echo matched to one sent.
 */
#ifndef ECHOD_CLIENT_UDP_PIPE_H
#define ECHOD_CLIENT_UDP_PIPE_H

#include "client/client_opts.h"
#include "common/addr.h"

/* Run over the connected socket fd; the exit status. */
int client_udp_pipe_run(struct client_opts *o, int fd, const struct addr *peer);

#endif
