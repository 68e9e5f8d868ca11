/*
 * service: everything systemd.  The only file that includes libsystemd
 * headers.  Readiness and status (sd_notify), the watchdog timer, the fds
 * passed by socket activation, and the journal log sink.  Every function is
 * harmless when echod does not run under systemd.
 */
#ifndef ECHOD_SERVICE_H
#define ECHOD_SERVICE_H

#include <ev.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/addr.h"
#include "common/log.h"
#include "daemon/fdstore.h"

struct service;

/* A socket passed in LISTEN_FDS. */
struct service_fd {
	int fd;
	char name[64];		/* FileDescriptorName, "" if unnamed */
	int type;		/* SOCK_STREAM or SOCK_DGRAM */
	struct addr addr;	/* getsockname() */
	bool used;		/* matched to a listener */
	enum fdstore_kind kind;	/* FOREIGN: a socket unit's; else from the
				 * fd store, left there by the previous echod */
	char listener[64];	/* LISTENER, CONNS: whose it is */
};

struct service *service_new(struct ev_loop *loop, struct logger *lg);
void service_free(struct service *sv);

/* The fds systemd passed (taken once, at startup; LISTEN_* is unset),
 * already made non-blocking (and close-on-exec, by sd_listen_fds). */
struct service_fd *service_listen_fds(struct service *sv, size_t *n);

void service_ready(struct service *sv, const char *status);
void service_reloading(struct service *sv, const char *status);
void service_stopping(struct service *sv, const char *status);
void service_status(struct service *sv, const char *status);
/* Start WATCHDOG=1 pings from the loop if WatchdogSec is set. */
void service_watchdog_start(struct service *sv);

/* The fd store (systemd's FDSTORE=1), for the hand-over at a restart
 * (fdstore.h).  Everything is sent with FDPOLL=0; systemd keeps its own
 * copies until removed.  0/-1 (-1 also when there is no NOTIFY_SOCKET). */
bool service_can_store(void);
int service_fdstore_add(struct service *sv, const char *name, const int *fds,
    size_t n);
int service_fdstore_remove(struct service *sv, const char *name);
/* Wait until PID 1 has processed everything sent so far (bounded). */
int service_fdstore_sync(struct service *sv);

/*
 * `echod --stop-helper PID`, run by the units as ExecStop=+ (as root,
 * before systemd sends SIGTERM): when the job that stops PID's unit is a
 * restart and its fd store has room, send PID the hand-over request
 * (SIGUSR2 carrying the number of free slots) and wait for PID to exit.
 * Otherwise return at once, so that SIGTERM drains as always.  Logs to
 * stderr; returns 0 whatever happens (a helper must not fail the unit).
 */
int service_stop_helper(pid_t pid);
#define SERVICE_HANDOVER_SIGNAL SIGUSR2

/* Journal logging: true when stderr is the journal (JOURNAL_STREAM). */
bool service_stderr_is_journal(void);
/* Route lg to the journal (sd_journal_send with MESSAGE_ID and fields). */
void service_log_to_journal(struct logger *lg);

#endif
