/*
 * service: sd_notify readiness/status, socket-activation fds.  The only
 * includer of <systemd/...> headers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "service.h"

struct service {
	struct ev_loop *loop;
	struct logger *log;
	struct service_fd *fds;
	size_t nfds;
	bool fds_taken;
};

struct service *
service_new(struct ev_loop *loop, struct logger *lg)
{
	struct service *sv = calloc(1, sizeof(*sv));

	if (sv == NULL)
		return NULL;
	sv->loop = loop;
	sv->log = lg;
	return sv;
}

void
service_free(struct service *sv)
{
	if (sv == NULL)
		return;
	free(sv->fds);
	free(sv);
}

struct service_fd *
service_listen_fds(struct service *sv, size_t *n)
{
	char **names = NULL;
	int cnt;

	if (sv->fds_taken) {
		*n = sv->nfds;
		return sv->fds;
	}
	sv->fds_taken = true;
	cnt = sd_listen_fds_with_names(1, &names);
	if (cnt <= 0) {
		*n = 0;
		return NULL;
	}
	sv->fds = calloc((size_t)cnt, sizeof(*sv->fds));
	if (sv->fds == NULL) {
		*n = 0;
		goto out;
	}
	for (int i = 0; i < cnt; i++) {
		struct service_fd *f = &sv->fds[i];
		socklen_t len = sizeof(f->type);

		f->fd = SD_LISTEN_FDS_START + i;
		if (names != NULL && names[i] != NULL && strcmp(names[i], "unknown") != 0)
			snprintf(f->name, sizeof(f->name), "%s", names[i]);
		if (getsockopt(f->fd, SOL_SOCKET, SO_TYPE, &f->type, &len) < 0)
			f->type = -1;
		f->addr.len = sizeof(f->addr.u);
		if (getsockname(f->fd, &f->addr.u.sa, &f->addr.len) < 0)
			f->addr.len = 0;
	}
	sv->nfds = (size_t)cnt;
	*n = sv->nfds;
out:
	if (names != NULL) {
		for (int i = 0; i < cnt; i++)
			free(names[i]);
		free(names);
	}
	return sv->fds;
}

static void
notify(const char *state, const char *status)
{
	if (status != NULL)
		sd_notifyf(0, "%s\nSTATUS=%s", state, status);
	else
		sd_notify(0, state);
}

void
service_ready(struct service *sv, const char *status)
{
	notify("READY=1", status);
}

void
service_reloading(struct service *sv, const char *status)
{
	struct timespec ts;
	char buf[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	notify(buf, status);
}

void
service_stopping(struct service *sv, const char *status)
{
	notify("STOPPING=1", status);
}

void
service_status(struct service *sv, const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

void
service_watchdog_start(struct service *sv)
{
	/* TODO(systemd issue): WATCHDOG=1 from a loop timer. */
}

bool
service_stderr_is_journal(void)
{
	return false;
}

void
service_log_to_journal(struct logger *lg)
{
}
