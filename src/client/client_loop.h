/*
 * client_loop: the event loop each echoctl network mode (interactive, the
 * TCP and UDP pipes, probe, verify) runs on.  It owns the socket's one
 * watcher (reading always, writing while the mode asks), standard input's,
 * one timer, SIGINT and SIGTERM, and the end of the run, which happens once
 * and with one exit status.  The mode embeds a struct client_loop, names
 * its callbacks in client_loop_ops and gets its own state back as `arg`.
 */
#ifndef ECHOD_CLIENT_LOOP_H
#define ECHOD_CLIENT_LOOP_H

#include <ev.h>

#include "common/addr.h"

struct client_loop_ops {
	/* The socket is readable and/or (when asked for) writable:
	 * revents holds EV_READ and EV_WRITE as libev reported them. */
	void (*sock)(void *arg, int revents);
	void (*input)(void *arg);		/* stdin readable; may be NULL */
	void (*timer)(void *arg);		/* may be NULL */
	/* SIGINT or SIGTERM; NULL ends the run as interrupted (exit 1). */
	void (*signal)(void *arg, int signum);
};

struct client_loop {
	struct ev_loop *loop;
	const struct client_loop_ops *ops;
	void *arg;
	char peer[ADDR_STRLEN + 8];	/* for messages: "tcp 127.0.0.1:7" */
	ev_io sock, in;
	ev_timer timer;
	ev_signal sigint, sigterm;
	int done, status;
};

/* Get the default loop and start reading fd (if fd >= 0) and watching the
 * signals.  0, or -1 when libev has no loop to give. */
int client_loop_init(struct client_loop *l, int fd, const char *peer,
    const struct client_loop_ops *ops, void *arg);
/* Whether the socket's writability or stdin are wanted (idempotent). */
void client_loop_want_write(struct client_loop *l, int on);
void client_loop_want_input(struct client_loop *l, int on);
/* (Re)start the timer: it fires `after` seconds from now, then every
 * `after` seconds until restarted. */
void client_loop_timer(struct client_loop *l, double after);
/* End the run with this status (only the first call counts); `why`, when
 * not NULL, is printed to stderr as "echoctl: PEER: WHY". */
void client_loop_finish(struct client_loop *l, int status, const char *why);
/* Run until client_loop_finish(); the status it was given.  Returns at
 * once when the run already finished during setup. */
int client_loop_run(struct client_loop *l);

#endif
