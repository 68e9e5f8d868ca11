/*
 * client_probe: `echoctl probe tcp|udp HOST PORT`, a ping for echo
 * services.
 */
#ifndef ECHOD_CLIENT_PROBE_H
#define ECHOD_CLIENT_PROBE_H

#include "client/client_opts.h"

/* Run with the parsed command line; the exit status. */
int client_probe_run(struct client_opts *o);

#endif
