/*
 * tcp_admit: admission of an accepted TCP socket whose client is known (at
 * accept, or after its PROXY header): the access list and the per-source
 * limits decide whether it becomes a connection; a refusal closes it
 * before any echo, counts and logs why, and gives its slot under the
 * connection limits back.  Used by tcp_accept.c and tcp_proxy.c.
 */
#include "config.h"

#include <unistd.h>

#include "daemon/tcp_conn.h"

void
tcp_unreserve(struct worker *w, struct listener *l)
{
	__atomic_sub_fetch(&w->env->tcp_totals->open, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&l->counters->conns, 1, __ATOMIC_RELAXED);
}

/* Over a per-source limit or denied: close at once (the peer sees EOF
 * before any echo), count, and say so now and then. */
void
tcp_refuse(struct worker *w, struct wlistener *wl, int fd,
    const struct sockaddr *peer, const struct sockaddr *proxy,
    enum stat_id why, const char *detail)
{
	close(fd);
	tcp_unreserve(w, wl->l);
	stat_add(wl->st, why, 1);
	worker_log_drop_via(wl, peer, proxy, why, LOG_EV_LIMIT,
	    "refused a connection", detail);
}

void
tcp_no_memory(struct worker *w, struct wlistener *wl, const char *what)
{
	uint64_t suppressed;

	stat_add(wl->st, ST_ACCEPT_ERRORS, 1);
	if (log_ratelimit_ok(&w->peer_rl, w->now, &suppressed)) {
		struct log_field f[2] = {
			{ "listener", wl->l->conf.name }, { "protocol", "tcp" },
		};
		log_event(w->log, LOG_LVL_WARNING, LOG_EV_LIMIT, f, 2,
		    "%s: no memory for %s: closed an accepted connection "
		    "(%llu similar messages suppressed)", wl->l->conf.name,
		    what, (unsigned long long)suppressed);
	}
}

int
tcp_admit(struct worker *w, struct wlistener *wl, int fd,
    const struct sockaddr *peer, socklen_t len, const struct sockaddr *proxy,
    struct conn **made)
{
	struct connlimit_ticket ticket;
	enum stat_id why;
	struct conn *c;

	why = protect_tcp_admit(wl->l->prot, wl->l->counters->by_source, peer,
	    w->now, &ticket);
	if (why != ST_COUNT) {
		tcp_refuse(w, wl, fd, peer, proxy, why, NULL);
		if (made != NULL)
			*made = NULL;
		return 0;
	}
	c = conn_new(w, wl, fd, peer, len, &ticket, proxy);
	if (c == NULL) {
		close(fd);
		if (wl->l->counters->by_source != NULL)
			connlimit_release(wl->l->counters->by_source, peer,
			    &ticket);
		tcp_unreserve(w, wl->l);
		tcp_no_memory(w, wl, "a connection");
		if (made != NULL)
			*made = NULL;
		return -1;
	}
	tcp_wl_of(wl)->at_limit = 0;
	stat_add(wl->st, ST_CONN_ACCEPTED, 1);
	conn_log_open(w, c);
	if (made != NULL)
		*made = c;
	return 0;
}
