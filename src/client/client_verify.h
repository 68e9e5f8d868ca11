/*
 * client_verify: `echoctl verify tcp|udp HOST PORT`: a seeded pattern
 * sent and every echoed byte checked against it.
 */
#ifndef ECHOD_CLIENT_VERIFY_H
#define ECHOD_CLIENT_VERIFY_H

#include "client/client_opts.h"

/* Run with the parsed command line; the exit status. */
int client_verify_run(struct client_opts *o);

#endif
