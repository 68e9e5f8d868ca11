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
tcp_admit(struct worker *w, struct wlistener *wl, int fd,
    const struct sockaddr *peer, socklen_t len, const struct sockaddr *proxy)
{
	struct connlimit_ticket ticket;
	enum stat_id why;
	struct conn *c;

	why = protect_tcp_admit(wl->l->prot, wl->l->counters->by_source, peer,
	    w->now, &ticket);
	if (why != ST_COUNT) {
		tcp_refuse(w, wl, fd, peer, proxy, why, NULL);
		return;
	}
	c = conn_new(w, wl, fd, peer, len, &ticket, proxy);
	if (c == NULL) {
		close(fd);
		if (wl->l->counters->by_source != NULL)
			connlimit_release(wl->l->counters->by_source, peer,
			    &ticket);
		tcp_unreserve(w, wl->l);
		return;
	}
	tcp_wl_of(wl)->at_limit = 0;
	stat_add(wl->st, ST_CONN_ACCEPTED, 1);
	conn_log_open(w, c);
}
