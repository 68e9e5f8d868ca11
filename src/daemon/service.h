/*
 * service: everything systemd.  The only file that includes libsystemd
 * headers.  Readiness and status (sd_notify), the watchdog timer, the fds
 * passed by socket activation, and the journal log sink.  Every function is
 * harmless when echod does not run under systemd.
 */
#ifndef ECHOD_SERVICE_H
#define ECHOD_SERVICE_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/addr.h"
#include "common/log.h"

struct service;

/* A socket passed in LISTEN_FDS. */
struct service_fd {
	int fd;
	char name[64];		/* FileDescriptorName, "" if unnamed */
	int type;		/* SOCK_STREAM or SOCK_DGRAM */
	struct addr addr;	/* getsockname() */
	bool used;		/* matched to a listener */
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

/* Journal logging: true when stderr is the journal (JOURNAL_STREAM). */
bool service_stderr_is_journal(void);
/* Route lg to the journal (sd_journal_send with MESSAGE_ID and fields). */
void service_log_to_journal(struct logger *lg);

#endif
