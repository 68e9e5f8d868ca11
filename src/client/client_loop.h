/*
 * client_loop: the event loop each echoctl network mode (interactive, the
 * TCP and UDP pipes, probe, verify) runs on.  It owns the socket's one
 * watcher (reading always, writing while the mode asks), standard input's,
 * one timer, SIGINT and SIGTERM, and the end of the run, which happens once
 * and with one exit status.  The mode embeds a struct client_loop, names
 * its callbacks in client_loop_ops and gets its own state back as `arg`;
 * after each event its update callback decides what comes next.
 */
#ifndef ECHOD_CLIENT_LOOP_H
#define ECHOD_CLIENT_LOOP_H

#include <ev.h>

#include "client/client_opts.h"
#include "common/addr.h"

#define CLIENT_LOOP_CHUNK	65536	/* what one data() call gets at most */

struct client_loop_ops {
	/* What the socket gave: n > 0 bytes, or n == 0: the end of a stream
	 * or an empty datagram.  The loop reads once per readiness, and "not
	 * yet" (EAGAIN, EINTR) is no call. */
	void (*data)(void *arg, const unsigned char *b, size_t n);
	/* Reading failed with errno `err`.  NULL: the run ends with exit 1,
	 * saying "receive: REASON". */
	void (*error)(void *arg, int err);
	/* Instead of data() and error(), for a mode that needs more than the
	 * bytes (STAMP: the kernel's receive timestamps): the socket is
	 * readable, the mode reads it. */
	void (*read)(void *arg);
	void (*write)(void *arg);	/* writable, when that is wanted */
	void (*input)(void *arg);	/* stdin is readable */
	void (*timer)(void *arg);
	/* After each socket, stdin or timer event, unless the run has
	 * finished: decide what to do and wait for next. */
	void (*update)(void *arg);
	/* SIGINT or SIGTERM; NULL ends the run as interrupted (exit 1). */
	void (*signal)(void *arg, int signum);
};

struct client_loop {
	struct ev_loop *loop;
	const struct client_loop_ops *ops;	/* NULL members: nothing */
	void *arg;
	int fd;				/* the socket, or -1 */
	char peer[ADDR_STRLEN + 8];	/* for messages: "tcp 127.0.0.1:7" */
	ev_io sock, in;
	ev_timer timer;
	ev_signal sigint, sigterm;
	int done, status;
};

/* Get the default loop and start reading fd (if fd >= 0) and watching the
 * signals.  The peer, if given, names the run in its messages; a run
 * without one says nothing itself (the mode reports), not even on a
 * signal.  0, or -1 when libev has no loop to give. */
int client_loop_init(struct client_loop *l, const struct client_opts *o,
    int fd, const struct addr *peer, const struct client_loop_ops *ops,
    void *arg);
/* Whether the socket's writability or stdin are wanted (idempotent). */
void client_loop_want_write(struct client_loop *l, int on);
void client_loop_want_input(struct client_loop *l, int on);
/* (Re)start the timer: it fires `after` seconds from now, then every
 * `after` seconds until restarted. */
void client_loop_timer(struct client_loop *l, double after);
/* End the run with this status (only the first call counts); `why`, when
 * not NULL and the run has a peer, is printed to stderr as
 * "echoctl: PEER: WHY". */
void client_loop_finish(struct client_loop *l, int status, const char *why);
/* Run until client_loop_finish(); the status it was given.  Returns at
 * once when the run already finished during setup. */
int client_loop_run(struct client_loop *l);

#endif
