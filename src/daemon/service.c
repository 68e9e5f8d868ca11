/*
 * service: sd_notify readiness/status, the watchdog timer, socket-activation
 * fds, the fd store, the stop helper's D-Bus query and the journal log
 * sink.  The only includer of <systemd/...> headers.
 * Without systemd (no NOTIFY_SOCKET, LISTEN_FDS, WATCHDOG_USEC or journal)
 * every function does nothing and costs nothing.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#define SD_JOURNAL_SUPPRESS_LOCATION	/* CODE_* would name this file only */
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#include "daemon/service.h"

#define SERVICE_JOURNAL_FIELDS 16	/* structured fields kept per event */
#define SERVICE_FIELD_MAX 512		/* bytes per journal field */
#define SERVICE_JOURNAL_SOCKET "/run/systemd/journal/socket"
#define SERVICE_BARRIER_USEC (5 * 1000000ULL)	/* PID 1 answers in ms */
#define SERVICE_HELPER_WAIT_MS (600 * 1000)	/* TimeoutStopSec= is lower */
#define SERVICE_BUS_USEC (5 * 1000000ULL)	/* each D-Bus call */

struct service {
	struct ev_loop *loop;
	struct logger *log;
	struct service_fd *fds;
	size_t nfds;
	bool fds_taken;
	ev_timer watchdog;
	uint64_t watchdog_usec;
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
	if (ev_is_active(&sv->watchdog)) {
		ev_ref(sv->loop);	/* balances the ev_unref at start */
		ev_timer_stop(sv->loop, &sv->watchdog);
	}
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
		struct stat st;

		f->fd = SD_LISTEN_FDS_START + i;
		/* Not open when we came to life (the number may now be our
		 * own loop's): never touch it. */
		if (fstat(f->fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
			log_warn(sv->log, "fd %d in LISTEN_FDS is not a socket; "
			    "ignored", f->fd);
			f->fd = -1;
			f->used = true;
			continue;
		}
		/* systemd passes blocking sockets; every worker watches an
		 * inherited socket, and the one that loses the race must get
		 * EAGAIN instead of blocking its loop in accept(). */
		if (fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) | O_NONBLOCK) < 0)
			log_warn(sv->log, "fd %d from systemd: cannot make it "
			    "non-blocking: %s", f->fd, strerror(errno));
		if (names != NULL && names[i] != NULL && strcmp(names[i], "unknown") != 0)
			snprintf(f->name, sizeof(f->name), "%s", names[i]);
		f->kind = fdstore_parse_name(f->name, f->listener,
		    sizeof(f->listener));
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

/* STATUS= text is ours but quotes configuration (a reload's error): a
 * newline in it would start an assignment of its own ("STOPPING=1"), so
 * control characters go as \xNN. */
static void
notify(const char *state, const char *status)
{
	char esc[1024];

	if (status != NULL) {
		log_escape(esc, sizeof(esc), status);
		sd_notifyf(0, "%s\nSTATUS=%s", state, esc);
	} else {
		sd_notify(0, state);
	}
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
	char esc[1024];

	log_escape(esc, sizeof(esc), status);
	sd_notifyf(0, "STATUS=%s", esc);
}

bool
service_can_store(void)
{
	const char *e = getenv("NOTIFY_SOCKET");

	return e != NULL && e[0] != '\0';
}

int
service_fdstore_add(struct service *sv, const char *name, const int *fds,
    size_t n)
{
	char msg[64 + FDSTORE_NAME_MAX];

	if (!fdstore_name_valid(name)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s\nFDPOLL=0", name);
	for (size_t i = 0; i < n; i += FDSTORE_PER_MSG) {
		size_t k = n - i < FDSTORE_PER_MSG ? n - i : FDSTORE_PER_MSG;
		int r = sd_pid_notify_with_fds(0, 0, msg, fds + i, (unsigned)k);

		if (r <= 0) {
			errno = r < 0 ? -r : ENOTCONN;
			return -1;
		}
	}
	return 0;
}

int
service_fdstore_remove(struct service *sv, const char *name)
{
	int r;

	if (!fdstore_name_valid(name)) {
		errno = EINVAL;
		return -1;
	}
	r = sd_notifyf(0, "FDSTOREREMOVE=1\nFDNAME=%s", name);
	if (r <= 0) {
		errno = r < 0 ? -r : ENOTCONN;
		return -1;
	}
	return 0;
}

int
service_fdstore_sync(struct service *sv)
{
	int r = sd_notify_barrier(0, SERVICE_BARRIER_USEC);

	if (r <= 0) {
		errno = r < 0 ? -r : ENOTCONN;
		return -1;
	}
	return 0;
}

/* The stop helper's questions to systemd about PID's unit: the type of the
 * job that stops it ("" when none) and the free slots of its fd store. */
static int
helper_query(sd_bus *bus, pid_t pid, char *job, size_t joblen,
    uint32_t *free_slots)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL;
	const char *unit = NULL, *jpath = NULL;
	char *type = NULL, *upath = NULL;
	uint32_t jid = 0, max = 0, used = 0;
	int r;

	job[0] = '\0';
	*free_slots = 0;
	r = sd_bus_call_method(bus, "org.freedesktop.systemd1",
	    "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
	    "GetUnitByPID", &e, &m, "u", (uint32_t)pid);
	if (r < 0 || (r = sd_bus_message_read(m, "o", &unit)) < 0 ||
	    (upath = strdup(unit)) == NULL)
		goto fail;
	m = sd_bus_message_unref(m);
	r = sd_bus_get_property(bus, "org.freedesktop.systemd1", upath,
	    "org.freedesktop.systemd1.Unit", "Job", &e, &m, "(uo)");
	if (r < 0 || (r = sd_bus_message_read(m, "(uo)", &jid, &jpath)) < 0)
		goto fail;
	if (jid != 0) {
		r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1",
		    jpath, "org.freedesktop.systemd1.Job", "JobType", &e, &type);
		if (r < 0)
			goto fail;
		snprintf(job, joblen, "%s", type);
	}
	r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1", upath,
	    "org.freedesktop.systemd1.Service", "FileDescriptorStoreMax", &e,
	    'u', &max);
	if (r >= 0)
		r = sd_bus_get_property_trivial(bus, "org.freedesktop.systemd1",
		    upath, "org.freedesktop.systemd1.Service",
		    "NFileDescriptorStore", &e, 'u', &used);
	if (r < 0)
		goto fail;
	*free_slots = max > used ? max - used : 0;
	r = 0;
	goto out;
fail:
	fprintf(stderr, "echod stop helper: asking systemd about pid %ld: %s\n",
	    (long)pid, sd_bus_error_is_set(&e) ? e.message : strerror(-r));
	r = -1;
out:
	sd_bus_error_free(&e);
	sd_bus_message_unref(m);
	free(type);
	free(upath);
	return r;
}

/* Until pid has exited (or the wait is over). */
static void
helper_wait(int pidfd, pid_t pid)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, SERVICE_HELPER_WAIT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		fprintf(stderr, "echod stop helper: pid %ld still runs after "
		    "%d s; leaving it to systemd\n", (long)pid,
		    SERVICE_HELPER_WAIT_MS / 1000);
}

/* Does pid take the hand-over request?  An echod that does blocks the
 * signal (and reads it from a signalfd); one that does not (an older
 * version during an upgrade) would be killed by it. */
static bool
helper_pid_takes_request(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask = 0, bit = 1ULL << (SERVICE_HANDOVER_SIGNAL - 1);
	bool takes = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if ((sscanf(line, "SigBlk: %llx", &mask) == 1 ||
		    sscanf(line, "SigCgt: %llx", &mask) == 1) && (mask & bit))
			takes = true;
	fclose(f);
	return takes;
}

int
service_stop_helper(pid_t pid)
{
	sd_bus *bus = NULL;
	char job[32];
	uint32_t slots = 0;
	union sigval v;
	int pidfd, r;

	/* Opened first: the signal and the wait then concern that process,
	 * whatever happens to the number. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pid <= 0 || pidfd < 0) {
		fprintf(stderr, "echod stop helper: no process %ld: %s\n",
		    (long)pid, strerror(errno));
		return 0;
	}
	r = sd_bus_open_system(&bus);
	if (r < 0) {
		fprintf(stderr, "echod stop helper: system bus: %s; echod "
		    "drains\n", strerror(-r));
		goto out;
	}
	(void)sd_bus_set_method_call_timeout(bus, SERVICE_BUS_USEC);
	if (helper_query(bus, pid, job, sizeof(job), &slots) < 0)
		goto out;
	if (strcmp(job, "restart") != 0) {
		/* stop, a conflicting start, shutdown, systemctl kill (no
		 * job): SIGTERM follows and echod drains. */
		fprintf(stderr, "echod stop helper: job '%s': echod drains\n",
		    job[0] ? job : "none");
		goto out;
	}
	if (slots == 0) {
		fprintf(stderr, "echod stop helper: restart, but the unit's fd "
		    "store has no room (FileDescriptorStoreMax=): echod "
		    "drains\n");
		goto out;
	}
	if (!helper_pid_takes_request(pid)) {
		fprintf(stderr, "echod stop helper: pid %ld does not take "
		    "hand-over requests (an older echod?): it drains\n",
		    (long)pid);
		goto out;
	}
	v.sival_int = slots > INT32_MAX ? INT32_MAX : (int)slots;
	if (sigqueue(pid, SERVICE_HANDOVER_SIGNAL, v) < 0) {
		fprintf(stderr, "echod stop helper: signalling pid %ld: %s\n",
		    (long)pid, strerror(errno));
		goto out;
	}
	helper_wait(pidfd, pid);
out:
	sd_bus_unref(bus);
	close(pidfd);
	return 0;
}

static void
service_watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	sd_notify(0, "WATCHDOG=1");
}

void
service_watchdog_start(struct service *sv)
{
	uint64_t usec = 0;
	double every;

	/* sd_watchdog_enabled() also checks WATCHDOG_PID is us. */
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return;
	sv->watchdog_usec = usec;
	/* Ping at a third of the limit: two pings may be late before
	 * systemd gives up.  The ping comes from the main loop, so a wedged
	 * loop stops pinging, which is the point. */
	every = (double)usec / 3e6;
	ev_timer_init(&sv->watchdog, service_watchdog_cb, 0., every);
	ev_timer_again(sv->loop, &sv->watchdog);
	ev_unref(sv->loop);	/* the watchdog alone keeps no loop alive */
	sd_notify(0, "WATCHDOG=1");
	log_info(sv->log, "watchdog: pinging every %.3fs (limit %.3fs)",
	    every, (double)usec / 1e6);
}

bool
service_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (e == NULL || sscanf(e, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* "peer_address" -> "PEER_ADDRESS"; journal field names allow only
 * A-Z, 0-9 and '_', and may not start with '_' or a digit. */
static size_t
service_field_name(const char *key, char *buf, size_t len)
{
	size_t n = 0;

	for (; *key != '\0' && n + 1 < len && n < 64; key++) {
		unsigned char c = (unsigned char)*key;

		if (isalnum(c))
			buf[n++] = (char)toupper(c);
		else if (n > 0)
			buf[n++] = '_';
	}
	if (n > 0 && isdigit((unsigned char)buf[0]))
		n = 0;
	buf[n] = '\0';
	return n;
}

/* "NAME=value" with value's control characters as \xNN (log_escape): one
 * line per entry in journalctl and in whatever forwards the journal to
 * syslog.  Into buf when it fits, else on the heap (*heap, to free). */
static char *
journal_field(char *buf, size_t len, const char *name, const char *value,
    char **heap)
{
	size_t n = strlen(name) + 1, need = n + log_escape(NULL, 0, value) + 1;
	char *f = buf;

	*heap = NULL;
	if (need > len && (*heap = malloc(need)) != NULL) {
		f = *heap;
		len = need;
	}
	snprintf(f, len, "%s=", name);
	if (len > n)
		log_escape(f + n, len - n, value);
	return f;
}

static void
service_journal_sink(struct logger *lg, int level, enum log_event ev,
    const struct log_field *fields, size_t nfields, const char *msg)
{
	char head[4][SERVICE_FIELD_MAX], fld[SERVICE_JOURNAL_FIELDS][SERVICE_FIELD_MAX];
	struct iovec iov[4 + SERVICE_JOURNAL_FIELDS];
	char *msg_heap;
	size_t n = 0;

	/* The message is never cut (LOG_MSG_MAX bounds it). */
	iov[n].iov_base = journal_field(head[0], sizeof(head[0]), "MESSAGE",
	    msg, &msg_heap);
	iov[n].iov_len = strlen(iov[n].iov_base);
	n++;
	snprintf(head[1], sizeof(head[1]), "PRIORITY=%d", level);
	snprintf(head[2], sizeof(head[2]), "SYSLOG_IDENTIFIER=%s", lg->ident);
	snprintf(head[3], sizeof(head[3]), "MESSAGE_ID=%s",
	    log_event_message_id(ev));
	for (int i = 1; i < 4; i++) {
		iov[n].iov_base = head[i];
		iov[n++].iov_len = strlen(head[i]);
	}
	for (size_t i = 0; i < nfields && n < 4 + SERVICE_JOURNAL_FIELDS; i++) {
		char name[80];
		char *f = fld[n - 4];

		if (fields[i].value == NULL ||
		    service_field_name(fields[i].key, name, sizeof(name)) == 0)
			continue;
		/* Field values are short (names, addresses, numbers): cut to
		 * SERVICE_FIELD_MAX; the message holds them in full. */
		log_escape(f + snprintf(f, SERVICE_FIELD_MAX, "%s=", name),
		    SERVICE_FIELD_MAX - strlen(name) - 1, fields[i].value);
		iov[n].iov_base = f;
		iov[n++].iov_len = strlen(f);
	}
	/* No journal (log_target = "journal" without one; sd_journal_sendv
	 * then drops the entry and reports success) or a failed send: lose
	 * nothing, write the line to stderr instead. */
	if (access(SERVICE_JOURNAL_SOCKET, F_OK) < 0 ||
	    sd_journal_sendv(iov, (int)n) < 0)
		log_sink_stderr(lg, level, ev, fields, nfields, msg);
	free(msg_heap);
}

void
service_log_to_journal(struct logger *lg)
{
	log_set_sink(lg, service_journal_sink, NULL);
}
