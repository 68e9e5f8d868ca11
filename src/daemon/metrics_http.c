/*
 * metrics_http: owns the metrics HTTP server: its libmicrohttpd daemon and
 * listening socket, and the handoff between libmicrohttpd's thread (which
 * asks) and the main loop (which renders); see metrics_http.h.
 *
 * The main loop accepts, and hands each connection to libmicrohttpd
 * (MHD_add_connection): libmicrohttpd 0.9.75's own accept, out of
 * descriptors with no connection open, retries at once for as long as it
 * lasts (seen: its thread at a core while echod was at EMFILE); ours
 * pauses METRICS_HTTP_NOFD_RETRY like the echo listeners.  It also stops
 * at METRICS_HTTP_CONNS open connections, so further ones wait in the
 * backlog as they did, and resumes when libmicrohttpd closes one.
 */
#include "config.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/metrics.h"
#include "daemon/metrics_http.h"

struct metrics_http {
	struct ev_loop *loop;
	ev_async wake;			/* HTTP thread -> main: render */
	metrics_http_render_fn *render;
	void *ctx;
	struct MHD_Daemon *mhd;
	int fd;				/* the listening socket */
	ev_io accept_io;
	ev_timer retry;			/* re-arm accept_io after EMFILE */
	ev_async resume;		/* HTTP thread -> main: one closed */
	unsigned started, closed;	/* connections; atomic */
	pthread_mutex_t mu;		/* guards what follows */
	pthread_cond_t done;		/* main -> HTTP thread: rendered */
	uint64_t asked, answered;	/* request generations */
	char *text;			/* the last rendering, or NULL */
	size_t len;
	int stopping;
};

/* Main loop: render for every request asked so far. */
static void
on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
	struct metrics_http *h = w->data;
	uint64_t want;
	size_t len = 0;
	char *text;

	pthread_mutex_lock(&h->mu);
	want = h->asked;
	pthread_mutex_unlock(&h->mu);
	text = h->render(h->ctx, &len);
	pthread_mutex_lock(&h->mu);
	free(h->text);
	h->text = text;
	h->len = text != NULL ? len : 0;
	h->answered = want;
	pthread_cond_broadcast(&h->done);
	pthread_mutex_unlock(&h->mu);
}

/* HTTP thread: a fresh copy of the text, or NULL (timeout, stop, failure). */
static char *
ask(struct metrics_http *h, size_t *len)
{
	struct timespec until;
	uint64_t mine;
	char *copy = NULL;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += METRICS_HTTP_RENDER_WAIT;
	pthread_mutex_lock(&h->mu);
	mine = ++h->asked;
	ev_async_send(h->loop, &h->wake);
	while (h->answered < mine && !h->stopping && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&h->done, &h->mu, &until);
	if (h->answered >= mine && h->text != NULL &&
	    (copy = malloc(h->len ? h->len : 1)) != NULL) {
		memcpy(copy, h->text, h->len);
		*len = h->len;
	}
	pthread_mutex_unlock(&h->mu);
	return copy;
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
    enum MHD_ResponseMemoryMode mode, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, mode);
	if (r == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
plain(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return reply(c, status, (char *)msg, strlen(msg), MHD_RESPMEM_PERSISTENT,
	    "text/plain; charset=utf-8");
}

static bool
has_body(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);

	/* "0", "00", ...: a length of zero however written (RFC 9110: 1*DIGIT). */
	return (cl != NULL && (cl[0] == '\0' || cl[strspn(cl, "0")] != '\0')) ||
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req)
{
	struct metrics_http *h = cls;
	size_t len = 0;
	char *text;

	if (*req == NULL) {
		/* First call, headers only: refuse before any body is read. */
		*req = h;	/* any non-NULL: the first call is over */
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return plain(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "only GET and HEAD\n");
		if (has_body(c))
			return plain(c, MHD_HTTP_CONTENT_TOO_LARGE,
			    "no body expected\n");
		return MHD_YES;
	}
	if (*upload_size != 0)	/* a body after all: refuse it */
		return MHD_NO;
	if (strcmp(url, "/metrics") != 0)
		return plain(c, MHD_HTTP_NOT_FOUND, "try /metrics\n");
	if ((text = ask(h, &len)) == NULL)
		return plain(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "metrics not available now\n");
	return reply(c, MHD_HTTP_OK, text, len, MHD_RESPMEM_MUST_FREE,
	    METRICS_CONTENT_TYPE);
}

static unsigned
open_conns(struct metrics_http *h)
{
	return __atomic_load_n(&h->started, __ATOMIC_ACQUIRE) -
	    __atomic_load_n(&h->closed, __ATOMIC_ACQUIRE);
}

/* Called by libmicrohttpd, on its thread or inside MHD_add_connection on
 * ours: hence the atomics. */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct metrics_http *h = cls;

	(void)c;
	(void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		__atomic_add_fetch(&h->started, 1, __ATOMIC_ACQ_REL);
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		__atomic_add_fetch(&h->closed, 1, __ATOMIC_ACQ_REL);
		ev_async_send(h->loop, &h->resume);
	}
}

static void
on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct metrics_http *h = w->data;
	struct sockaddr_storage ss;

	(void)revents;
	for (int i = 0; i < METRICS_HTTP_CONNS; i++) {
		socklen_t len = sizeof(ss);
		int fd;

		if (open_conns(h) >= METRICS_HTTP_CONNS) {
			ev_io_stop(loop, w);	/* on_resume starts it */
			return;
		}
		fd = accept4(h->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				ev_io_stop(loop, w);
				ev_timer_set(&h->retry, METRICS_HTTP_NOFD_RETRY, 0.);
				ev_timer_start(loop, &h->retry);
			}
			return;
		}
		/* libmicrohttpd owns fd from here, and closes it on failure
		 * (the per-address limit, no memory). */
		(void)MHD_add_connection(h->mhd, fd, (struct sockaddr *)&ss, len);
	}
}

static void
on_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct metrics_http *h = t->data;

	(void)revents;
	ev_io_start(loop, &h->accept_io);
}

static void
on_resume(struct ev_loop *loop, ev_async *w, int revents)
{
	struct metrics_http *h = w->data;

	(void)revents;
	if (!ev_is_active(&h->retry) && open_conns(h) < METRICS_HTTP_CONNS)
		ev_io_start(loop, &h->accept_io);
}

static int
listen_on(const struct addr *a, char *err, size_t errlen)
{
	char name[ADDR_STRLEN];
	int fd, one = 1;

	addr_format(&a->u.sa, name, sizeof(name));
	fd = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) < 0 || bind(fd, &a->u.sa, a->len) < 0 ||
	    listen(fd, METRICS_HTTP_CONNS) < 0) {
		snprintf(err, errlen, "metrics_listen %s: %s", name,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct metrics_http *
metrics_http_start(struct ev_loop *loop, const struct addr *a,
    metrics_http_render_fn *render, void *ctx, char *err, size_t errlen)
{
	struct metrics_http *h = calloc(1, sizeof(*h));
	pthread_condattr_t ca;
	sigset_t all, old;
	int fd;

	if (h == NULL) {
		snprintf(err, errlen, "metrics_listen: out of memory");
		return NULL;
	}
	if ((fd = listen_on(a, err, errlen)) < 0) {
		free(h);
		return NULL;
	}
	h->loop = loop;
	h->render = render;
	h->ctx = ctx;
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->done, &ca);
	pthread_condattr_destroy(&ca);
	h->fd = fd;
	ev_async_init(&h->wake, on_wake);
	h->wake.data = h;
	ev_async_start(loop, &h->wake);
	ev_async_init(&h->resume, on_resume);
	h->resume.data = h;
	ev_async_start(loop, &h->resume);
	ev_io_init(&h->accept_io, on_accept, fd, EV_READ);
	h->accept_io.data = h;
	ev_timer_init(&h->retry, on_retry, METRICS_HTTP_NOFD_RETRY, 0.);
	h->retry.data = h;
	/* Its thread takes no signal: they belong to the main loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	h->mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD |
	    MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC, 0, NULL, NULL,
	    on_request, h,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
	    /* Ours is the limit (on_accept).  libmicrohttpd counts a closed
	     * connection until just after it told us, so a connection we
	     * accept in between would find its own limit still full and be
	     * reset (seen: 7-8 of 30 times, the 17th connection of
	     * t-metrics-http); it cleans one connection at a time. */
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_CONNS + 1,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_HTTP_MEMORY,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (h->mhd == NULL) {
		snprintf(err, errlen, "metrics_listen: libmicrohttpd did not start");
		metrics_http_stop(h);
		return NULL;
	}
	ev_io_start(loop, &h->accept_io);
	return h;
}

void
metrics_http_stop(struct metrics_http *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->stopping = 1;
	pthread_cond_broadcast(&h->done);
	pthread_mutex_unlock(&h->mu);
	ev_io_stop(h->loop, &h->accept_io);
	ev_timer_stop(h->loop, &h->retry);
	if (h->mhd != NULL)
		MHD_stop_daemon(h->mhd);	/* joins its thread, closes the
						 * connections */
	close(h->fd);
	ev_async_stop(h->loop, &h->resume);
	ev_async_stop(h->loop, &h->wake);
	pthread_cond_destroy(&h->done);
	pthread_mutex_destroy(&h->mu);
	free(h->text);
	free(h);
}
