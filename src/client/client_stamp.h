/*
 * client_stamp: `echoctl probe stamp HOST PORT`, an RFC 8762
 * Session-Sender in unauthenticated mode.
 */
#ifndef ECHOD_CLIENT_STAMP_H
#define ECHOD_CLIENT_STAMP_H

#include "client/client_opts.h"

/* Run with the parsed command line; the exit status. */
int client_stamp_run(struct client_opts *o);

#endif
