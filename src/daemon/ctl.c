/*
 * ctl: the daemon side of the control socket.  Owns the listening AF_UNIX
 * socket (mode 0600, in the runtime directory), the connected clients and
 * their fixed-size buffers.  One request per connection: read a line, check
 * who sent it, answer (see proto.h), close.
 *
 * Bounds: at most CTL_MAX_CLIENTS at once (more are closed at accept), a
 * request is at most PROTO_LINE_MAX bytes, each client has CTL_TIMEOUT
 * seconds to send its request and read the reply.  Only root and echod's
 * own uid are served (SO_PEERCRED), whatever the socket mode says.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/proto.h"
#include "daemon/ctl.h"

#define CTL_MAX_CLIENTS 8
#define CTL_TIMEOUT 30.0	/* a reload may take a while; echoctl waits */
/* A request is one short line, sent at once: a client that has not sent
 * it by then holds one of the CTL_MAX_CLIENTS slots for nothing. */
#define CTL_REQUEST_TIMEOUT 5.0
#define CTL_NOFD_RETRY 0.5	/* accept paused after EMFILE/ENFILE, as TCP's */

struct ctl_client {
	struct ctl *ctl;
	struct ctl_client *next;
	int fd;
	ev_io io;
	ev_timer timer;
	uid_t uid;
	pid_t pid;
	bool denied;		/* answered 403 once its request is read */
	char in[PROTO_LINE_MAX];
	size_t inlen;
	char *out;		/* the whole reply, once built */
	size_t outlen, outpos;
};

struct ctl {
	struct logger *log;
	ctl_handler_fn *handler;
	void *ctx;
	struct ev_loop *loop;
	char *path;
	int fd;
	ev_io io;
	ev_timer retry;			/* re-arm io after running out of fds */
	struct ctl_client *clients;
	size_t nclients;
	struct log_ratelimit rl;	/* refused peers */
};

static void ctl_client_io_cb(struct ev_loop *loop, ev_io *w, int revents);
static void ctl_refuse(struct ctl *c, struct ctl_client *cl);

static void
ctl_client_free(struct ctl_client *cl)
{
	struct ctl *c = cl->ctl;

	for (struct ctl_client **p = &c->clients; *p != NULL; p = &(*p)->next) {
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	}
	c->nclients--;
	ev_io_stop(c->loop, &cl->io);
	ev_timer_stop(c->loop, &cl->timer);
	close(cl->fd);
	free(cl->out);
	free(cl);
}

static void
ctl_client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctl_client *cl = w->data;

	log_debug(cl->ctl->log, "control client pid %ld timed out",
	    (long)cl->pid);
	ctl_client_free(cl);
}

/* Write what we can; 1 when done, 0 to wait for POLLOUT, -1 on error. */
static int
ctl_client_flush(struct ctl_client *cl)
{
	while (cl->outpos < cl->outlen) {
		ssize_t n = send(cl->fd, cl->out + cl->outpos,
		    cl->outlen - cl->outpos, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -1;
		cl->outpos += (size_t)n;
	}
	return 1;
}

/* Take the built reply and start sending it; frees the client when done. */
static void
ctl_client_send(struct ctl_client *cl, char *out, size_t len)
{
	int r;

	cl->out = out;
	cl->outlen = len;
	cl->outpos = 0;
	r = ctl_client_flush(cl);
	if (r != 0) {
		ctl_client_free(cl);
		return;
	}
	/* A full deadline for the reply, however long a reload took. */
	ev_timer_stop(cl->ctl->loop, &cl->timer);
	ev_timer_set(&cl->timer, CTL_TIMEOUT, 0.);
	ev_timer_start(cl->ctl->loop, &cl->timer);
	ev_io_stop(cl->ctl->loop, &cl->io);
	ev_io_set(&cl->io, cl->fd, EV_WRITE);
	ev_io_start(cl->ctl->loop, &cl->io);
}

static void
ctl_client_error(struct ctl_client *cl, int code, const char *msg)
{
	struct proto_out o;
	char *buf;
	size_t len;

	proto_out_init(&o);
	proto_out_err(&o, code, msg);
	proto_out_end(&o);
	if ((buf = proto_out_take(&o, &len)) == NULL) {
		ctl_client_free(cl);
		return;
	}
	ctl_client_send(cl, buf, len);
}

static void
ctl_client_request(struct ctl_client *cl, const struct proto_request *req)
{
	struct ctl *c = cl->ctl;
	char *out = NULL;
	size_t len = 0;

	if (cl->denied) {
		ctl_refuse(c, cl);
		return;
	}
	/* Monitoring may poll status often; a reload is worth a notice. */
	log_event(c->log, req->verb == PROTO_RELOAD ? LOG_LVL_NOTICE :
	    LOG_LVL_DEBUG, LOG_EV_GENERIC, NULL, 0, "control: %s%s from uid %ld pid %ld",
	    proto_verb_name(req->verb), req->json ? " json" : "",
	    (long)cl->uid, (long)cl->pid);
	if (c->handler(c->ctx, req, &out, &len) < 0) {
		ctl_client_error(cl, PROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	ctl_client_send(cl, out, len);
}

static void
ctl_client_read(struct ctl_client *cl)
{
	struct proto_request req;
	char err[128];
	ssize_t n;
	int code, r;

	n = recv(cl->fd, cl->in + cl->inlen, sizeof(cl->in) - cl->inlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		ctl_client_free(cl);	/* gone before asking anything */
		return;
	}
	cl->inlen += (size_t)n;
	r = proto_request_parse(cl->in, cl->inlen, &req, &code, err, sizeof(err));
	if (r == 0)
		return;
	if (r < 0 && cl->denied)
		ctl_refuse(cl->ctl, cl);
	else if (r < 0)
		ctl_client_error(cl, code, err);
	else
		ctl_client_request(cl, &req);
}

static void
ctl_client_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl_client *cl = w->data;

	if (cl->out == NULL) {
		ctl_client_read(cl);
		return;
	}
	if (ctl_client_flush(cl) != 0)
		ctl_client_free(cl);
}

/* 0 when the peer may use the socket: root or our own uid. */
static int
ctl_peer_allowed(struct ctl_client *cl)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(cl->fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return -1;
	cl->uid = uc.uid;
	cl->pid = uc.pid;
	return uc.uid == 0 || uc.uid == geteuid() ? 0 : -1;
}

static void
ctl_refuse(struct ctl *c, struct ctl_client *cl)
{
	uint64_t suppressed = 0;

	if (log_ratelimit_ok(&c->rl, clock_mono(), &suppressed))
		log_warn(c->log, "control: refused uid %ld pid %ld "
		    "(only root and uid %ld may use %s) suppressed=%llu",
		    (long)cl->uid, (long)cl->pid, (long)geteuid(), c->path,
		    (unsigned long long)suppressed);
	ctl_client_error(cl, PROTO_ERR_DENIED, "permission denied");
}

static void
ctl_accept_one(struct ctl *c, int fd)
{
	struct ctl_client *cl = NULL;
	uint64_t suppressed = 0;

	if (c->nclients >= CTL_MAX_CLIENTS ||
	    (cl = calloc(1, sizeof(*cl))) == NULL) {
		/* A limit hit is said (rate-limited), never silent. */
		if (log_ratelimit_ok(&c->rl, clock_mono(), &suppressed))
			log_warn(c->log, "control: closing a new client: %s "
			    "(at most %d at once; %llu similar messages "
			    "suppressed)", c->nclients >= CTL_MAX_CLIENTS ?
			    "too many clients" : "out of memory",
			    CTL_MAX_CLIENTS, (unsigned long long)suppressed);
		close(fd);
		return;
	}
	cl->ctl = c;
	cl->fd = fd;
	cl->uid = (uid_t)-1;
	cl->next = c->clients;
	c->clients = cl;
	c->nclients++;
	ev_io_init(&cl->io, ctl_client_io_cb, fd, EV_READ);
	cl->io.data = cl;
	ev_timer_init(&cl->timer, ctl_client_timeout_cb, CTL_REQUEST_TIMEOUT, 0.);
	cl->timer.data = cl;
	ev_timer_start(c->loop, &cl->timer);
	/* A refused peer still gets its request read before the answer, so
	 * that closing does not reset the connection under the reply. */
	cl->denied = ctl_peer_allowed(cl) < 0;
	ev_io_start(c->loop, &cl->io);
}

static void
ctl_retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ctl *c = t->data;

	(void)revents;
	ev_io_start(loop, &c->io);
}

static void
ctl_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct ctl *c = w->data;

	/* Bounded: never more than the client limit per wakeup. */
	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			int err = errno;
			uint64_t suppressed = 0;

			if (err == EAGAIN || err == EWOULDBLOCK ||
			    err == EINTR || err == ECONNABORTED)
				return;
			/* The peer stays queued and the socket readable: a
			 * level-triggered watcher would fire again at once
			 * (seen: a core and a million log lines a second). */
			ev_io_stop(loop, w);
			/* set again: a one-shot timer restarted as is fires
			 * at once (libev keeps what was left of its delay) */
			ev_timer_set(&c->retry, CTL_NOFD_RETRY, 0.);
			ev_timer_start(loop, &c->retry);
			if (log_ratelimit_ok(&c->rl, clock_mono(), &suppressed))
				log_warn(c->log, "control: accept: %s, pausing "
				    "%.1fs suppressed=%llu", strerror(err),
				    CTL_NOFD_RETRY,
				    (unsigned long long)suppressed);
			return;
		}
		ctl_accept_one(c, fd);
	}
}

/* Refuse to steal the socket of a running echod; remove a stale one. */
static int
ctl_clear_path(struct ctl *c, const struct sockaddr_un *sun)
{
	struct stat st;
	int probe, live;

	if (lstat(c->path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -1;
	live = connect(probe, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(probe);
	if (live) {
		errno = EADDRINUSE;
		return -1;
	}
	return unlink(c->path);
}

/* Outside systemd there is no RuntimeDirectory=: create the socket's own
 * directory (one level, like sshd's /run/sshd), never a whole tree. */
static int
ctl_make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;	/* relative name or in "/": nothing to make */
	*slash = '\0';
	return mkdir(dir, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int
ctl_listen(struct ctl *c)
{
	struct sockaddr_un sun;
	mode_t old;
	int r;

	if (addr_unix(&sun, c->path) < 0)
		return -1;
	if (ctl_clear_path(c, &sun) < 0)
		return -1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	if (ctl_make_parent(c->path) < 0)
		return -1;
	/* Never let the socket exist with a wider mode, not even briefly. */
	old = umask(0177);
	r = bind(c->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r < 0 || chmod(c->path, 0600) < 0 || listen(c->fd, 16) < 0)
		return -1;
	return 0;
}

struct ctl *
ctl_new(struct ev_loop *loop, struct logger *log, const char *path,
    ctl_handler_fn *handler, void *ctx)
{
	struct ctl *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->path = strdup(path)) == NULL) {
		log_err(log, "control socket %s: out of memory", path);
		free(c);
		return NULL;
	}
	c->log = log;
	c->handler = handler;
	c->ctx = ctx;
	c->loop = loop;
	c->fd = -1;
	log_ratelimit_init(&c->rl, 1.0, 5.0);
	if (ctl_listen(c) < 0) {
		log_err(log, "control socket %s: %s", path, strerror(errno));
		if (c->fd >= 0)
			close(c->fd);
		free(c->path);
		free(c);
		return NULL;
	}
	ev_io_init(&c->io, ctl_accept_cb, c->fd, EV_READ);
	c->io.data = c;
	ev_timer_init(&c->retry, ctl_retry_cb, CTL_NOFD_RETRY, 0.);
	c->retry.data = c;
	ev_io_start(c->loop, &c->io);
	log_info(log, "control socket listening on %s", path);
	return c;
}

const char *
ctl_path(const struct ctl *c)
{
	return c != NULL ? c->path : "";
}

void
ctl_free(struct ctl *c)
{
	if (c == NULL)
		return;
	while (c->clients != NULL)
		ctl_client_free(c->clients);
	ev_io_stop(c->loop, &c->io);
	ev_timer_stop(c->loop, &c->retry);
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c);
}
