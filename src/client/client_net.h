/*
 * client_net: echoctl's sockets: resolving, binding --source, --tos/--ttl,
 * connecting within -t, and writing all of a buffer to a descriptor that
 * may be non-blocking.
 */
#ifndef ECHOD_CLIENT_NET_H
#define ECHOD_CLIENT_NET_H

#include <stddef.h>

#include "client/client_opts.h"
#include "common/addr.h"

/* Resolve o->host/o->port and connect a non-blocking socket (TCP within
 * o->timeout; UDP is connect()ed so ICMP errors come back as errno).  Tries
 * every address getaddrinfo returns.  The peer is stored in *peer.  On failure
 * the reason is printed and -1 returned (exit EXITCODE_CONNECT). */
int client_net_connect(const struct client_opts *o, struct addr *peer);
/* "tcp 127.0.0.1:8888" for messages. */
void client_net_describe(const struct client_opts *o, const struct addr *peer,
    char *buf, size_t len);
/* Write all n bytes to fd (a socket: without SIGPIPE), waiting while it is
 * full, until the clock_mono() `deadline` (0: no limit).  0, or -1 with
 * errno (ETIMEDOUT when the deadline passed). */
int client_net_write_all(int fd, const void *buf, size_t n, double deadline);

#endif
