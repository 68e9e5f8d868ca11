/*
 * ctlclient: echoctl's side of the control socket.  Sends one request
 * (proto.h), waits for the whole reply within a deadline, prints it and
 * maps the result to a sysexits code.
 */
#ifndef ECHOD_CTLCLIENT_H
#define ECHOD_CTLCLIENT_H

/* Compiled-in default socket path, the same as the config's default. */
#define CTLCLIENT_DEFAULT_SOCKET RUNSTATEDIR "/echod/control.sock"

/*
 * `echoctl VERB [--socket PATH] [--json] [--timeout SECS]`; argv[0] is the
 * verb (ping, status, stats, reload).  Returns the exit code: 0, EX_USAGE,
 * EX_UNAVAILABLE (daemon unreachable or no answer), EX_NOPERM (refused),
 * EX_CONFIG (reload rejected), EX_TEMPFAIL (busy), EX_PROTOCOL (bad reply).
 */
int ctlclient_main(int argc, char **argv);

#endif
