/*
 * ctl_commands: what echod answers on the control socket.  Turns one parsed
 * request into a complete reply (proto.h format): ping, status and stats
 * from a daemon_status snapshot, as key=value or JSON, metrics as the
 * Prometheus text (metrics.h) of one, and reload, which
 * runs daemon_reload() synchronously and answers with its diagnostics.
 */
#ifndef ECHOD_CTL_COMMANDS_H
#define ECHOD_CTL_COMMANDS_H

#include "daemon/ctl.h"

/* The ctl_handler_fn (ctl.h) that the daemon gives the control socket;
 * its context is the struct echod. */
ctl_handler_fn ctl_commands_answer;

#endif
