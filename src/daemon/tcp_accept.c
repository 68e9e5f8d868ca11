/*
 * tcp_accept: the listening socket.  A slot under max_connections and
 * max_connections_total is reserved before accept4 (several workers share
 * those limits); the accepted socket then goes to admission (tcp_admit.c)
 * at once, or (proxy_protocol) once its PROXY header names the client
 * (tcp_proxy.c).  A full listener or a lack of descriptors pauses
 * accepting for a while instead of spinning on a readable listening
 * socket.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/tcp_conn.h"

#define ACCEPT_BATCH 32
#define MAXCONN_RETRY_SEC 0.1	/* re-check a full listener */
#define NOFD_RETRY_SEC 0.5	/* back off after EMFILE/ENFILE */

static void
accept_pause(struct tcp_wl *t, double retry_after)
{
	struct ev_loop *loop = t->wl->w->loop;

	worker_watch(t->wl, false);
	t->paused = 1;
	ev_timer_stop(loop, &t->retry);
	ev_timer_set(&t->retry, retry_after, 0);
	ev_timer_start(loop, &t->retry);
}

static void
retry_cb(struct ev_loop *loop, ev_timer *timer, int revents)
{
	tcp_wl_resume((struct tcp_wl *)((char *)timer -
	    offsetof(struct tcp_wl, retry)));
}

int
tcp_wl_init(struct wlistener *wl, char *err, size_t errlen)
{
	struct tcp_wl *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->q = idleq_get(tcp_worker_of(wl->w),
	    wl->l->conf.idle_timeout, conn_close)) == NULL) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->wl = wl;
	ev_timer_init(&t->retry, retry_cb, 0, 0);
	wl->state = t;
	return 0;
}

void
tcp_wl_fini(struct wlistener *wl)
{
	struct tcp_wl *t = tcp_wl_of(wl);

	ev_timer_stop(wl->w->loop, &t->retry);
	idleq_unref(t->q);
	free(t);
	wl->state = NULL;
}

void
tcp_wl_drain(struct wlistener *wl)
{
	ev_timer_stop(wl->w->loop, &tcp_wl_of(wl)->retry);
}

static void
accept_limit(struct worker *w, struct wlistener *wl, bool total)
{
	struct tcp_wl *t = tcp_wl_of(wl);
	uint64_t suppressed;

	accept_pause(t, MAXCONN_RETRY_SEC);
	if (t->at_limit)
		return;		/* still full at a re-check: said already */
	t->at_limit = 1;
	stat_add(wl->st, ST_ACCEPT_PAUSED, 1);
	if (log_ratelimit_ok(&w->peer_rl, w->now, &suppressed)) {
		struct log_field f[2] = {
			{ "listener", wl->l->conf.name }, { "protocol", "tcp" },
		};
		log_event(w->log, LOG_LVL_WARNING, LOG_EV_LIMIT, f, 2,
		    "%s: %s (%u) reached, not accepting for now "
		    "(%llu similar messages suppressed)", wl->l->conf.name,
		    total ? "max_connections_total" : "max_connections",
		    total ? __atomic_load_n(&w->env->tcp_totals->max,
		    __ATOMIC_RELAXED) : wl->l->conf.max_connections,
		    (unsigned long long)suppressed);
	}
}

static void
accept_error(struct worker *w, struct wlistener *wl, int err)
{
	uint64_t suppressed;

	stat_add(wl->st, ST_ACCEPT_ERRORS, 1);
	accept_pause(tcp_wl_of(wl), NOFD_RETRY_SEC);
	if (log_ratelimit_ok(&w->peer_rl, w->now, &suppressed)) {
		struct log_field f[2] = {
			{ "listener", wl->l->conf.name }, { "protocol", "tcp" },
		};
		log_event(w->log, LOG_LVL_WARNING, LOG_EV_LIMIT, f, 2,
		    "%s: accept: %s; pausing %.1fs (%llu similar messages "
		    "suppressed)", wl->l->conf.name, strerror(err),
		    NOFD_RETRY_SEC, (unsigned long long)suppressed);
	}
}

/* Reserve a slot under max_connections and max_connections_total before
 * accepting, so several workers sharing the limits never overshoot them.
 * -1: the listener is full, -2: the daemon is. */
static int
accept_reserve(struct wlistener *wl)
{
	struct tcp_totals *totals = wl->w->env->tcp_totals;
	uint32_t max = wl->l->conf.max_connections;
	uint32_t tmax = __atomic_load_n(&totals->max, __ATOMIC_RELAXED);
	uint32_t n = __atomic_add_fetch(&wl->l->counters->conns, 1,
	    __ATOMIC_RELAXED);

	if (max != 0 && n > max) {
		__atomic_sub_fetch(&wl->l->counters->conns, 1, __ATOMIC_RELAXED);
		return -1;
	}
	n = __atomic_add_fetch(&totals->open, 1, __ATOMIC_RELAXED);
	if (tmax != 0 && n > tmax) {
		tcp_unreserve(wl->w, wl->l);
		return -2;
	}
	return 0;
}

void
tcp_accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct wlistener *wl = (struct wlistener *)io;
	struct worker *w = wl->w;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rc;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		if ((rc = accept_reserve(wl)) < 0) {
			accept_limit(w, wl, rc == -2);
			return;
		}
		len = sizeof(ss);
		fd = accept4(io->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			int err = errno;

			tcp_unreserve(w, wl->l);
			if (err == EMFILE || err == ENFILE || err == ENOBUFS ||
			    err == ENOMEM)
				accept_error(w, wl, err);
			if (err == EINTR || err == ECONNABORTED || err == EPROTO ||
			    err == EPERM)
				continue;
			return;	/* EAGAIN: the backlog is empty */
		}
		if (wl->l->conf.proxy_protocol != 0)
			tcp_proxy_start(w, wl, fd, (struct sockaddr *)&ss, len);
		else if (tcp_admit(w, wl, fd, (struct sockaddr *)&ss, len,
		    NULL, NULL) < 0) {
			/* Out of memory (counted and said): as for ENOMEM. */
			accept_pause(tcp_wl_of(wl), NOFD_RETRY_SEC);
			return;
		}
	}
}

void
tcp_adopt(struct wlistener *wl, const struct worker_handoff *h)
{
	struct worker *w = wl->w;
	const struct fdstore_conn *r = &h->rec;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const struct sockaddr *peer = (const struct sockaddr *)&ss, *proxy = NULL;
	int fd = r->fd, fl = fcntl(fd, F_GETFL);
	struct conn *c;

	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0 || fl < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(fd);	/* reset meanwhile, or not a socket */
		return;
	}
	/* One that came through a balancer: its client as the PROXY header
	 * named it, the socket's peer being the balancer. */
	if (r->peer.sa.sa_family != AF_UNSPEC && r->proxied) {
		proxy = peer;
		peer = &r->peer.sa;
		len = r->peer.sa.sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	}
	if (accept_reserve(wl) < 0) {
		/* Over max_connections(_total) as configured now. */
		close(fd);
		stat_add(wl->st, ST_DROP_RESTART_LIMIT, 1);
		worker_log_drop_via(wl, peer, proxy, ST_DROP_RESTART_LIMIT,
		    LOG_EV_LIMIT, "refused a connection of the previous echod",
		    NULL);
		return;
	}
	if (tcp_admit(w, wl, fd, peer, len, proxy, &c) < 0 || c == NULL)
		return;
	/* Its age and bytes go on (max_lifetime, max_bytes, the close
	 * log); its idle time starts again now. */
	c->created = w->now - (double)r->age_ns / 1e9;
	c->bytes_in = r->bytes_in;
	c->oneshot_done = (r->flags & FDSTORE_F_ONESHOT_DONE) != 0;
	if (r->flags & FDSTORE_F_LINGER)
		c->state = CONN_LINGER;
	conn_step(w, c, 0);	/* the watcher for its state; bytes waiting in
				 * the kernel make it readable at once */
}
