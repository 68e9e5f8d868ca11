/*
 * tcp_proxy: owns the PROXY protocol phase of a TCP connection on a
 * listener with proxy_protocol, from accept until its header is complete.
 *
 * Such a connection (struct pconn) is not admitted yet: it holds its slot
 * under max_connections and max_connections_total, but no per-source count
 * and no idle queue place.  It reads with MSG_PEEK, feeds the parser
 * (common/proxy_header.h) and consumes exactly the header bytes, so the
 * payload stays in the socket for the echo and a partial header never sits
 * there to make the socket readable forever.  Once the header is complete
 * the client it names (the balancer itself for LOCAL, UNKNOWN and UNSPEC)
 * goes through the admission a direct connection gets at accept (access
 * list, per-source limits: tcp_admit), and the balancer stays with the
 * connection for its logs.  Refused and counted: a sender outside
 * proxy_protocol_from (at accept, before any byte is read), a bad header
 * or a close before a complete one (proxy_header), and a header not
 * complete after proxy_header_timeout (proxy_timeout).
 *
 * A pending connection keeps the listener object it was accepted on, so a
 * reload that switches proxy_protocol leaves it parsing as it started.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/proxy_header.h"
#include "daemon/tcp_conn.h"

#define PEEK_MAX 1024	/* header bytes looked at per read */

struct pconn {
	ev_io io;			/* first: the callback casts back */
	ev_timer timer;			/* proxy_header_timeout */
	LIST_ENTRY(pconn) link;		/* in the worker's pending list */
	struct listener *l;		/* accepted on (a reference) */
	struct proxy_parser parser;
	union conn_addr balancer;	/* the connection's real peer */
	socklen_t len;
};

static void
pconn_free(struct worker *w, struct pconn *p)
{
	ev_io_stop(w->loop, &p->io);
	ev_timer_stop(w->loop, &p->timer);
	LIST_REMOVE(p, link);
	listener_unref(p->l);
	free(p);
	worker_conn_closed(w);
}

/* Close without a word (drain, stop, a listener removed meanwhile). */
static void
pconn_drop(struct worker *w, struct pconn *p)
{
	close(p->io.fd);
	tcp_unreserve(w, p->l);
	pconn_free(w, p);
}

static void
pconn_refuse(struct worker *w, struct pconn *p, enum stat_id why,
    const char *detail)
{
	struct wlistener *wl = tcp_wl_for(w, p->l);

	if (wl == NULL) {
		pconn_drop(w, p);
		return;
	}
	tcp_refuse(w, wl, p->io.fd, &p->balancer.sa, NULL, why, detail);
	pconn_free(w, p);
}

/* The header is complete: admit the client it names. */
static void
pconn_done(struct worker *w, struct pconn *p, const struct proxy_header *h)
{
	struct wlistener *wl = tcp_wl_for(w, p->l);
	const struct sockaddr *client = h->has_addr ? &h->src.u.sa :
	    &p->balancer.sa;
	socklen_t len = h->has_addr ? h->src.len : p->len;

	if (wl == NULL) {
		pconn_drop(w, p);
		return;
	}
	ev_io_stop(w->loop, &p->io);	/* the connection takes the fd over */
	(void)tcp_admit(w, wl, p->io.fd, client, len, &p->balancer.sa, NULL);
	pconn_free(w, p);
}

static void
pconn_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct worker *w = ev_userdata(loop);
	struct pconn *p = (struct pconn *)io;
	unsigned char buf[PEEK_MAX];
	enum proxy_result r = PROXY_MORE;
	struct proxy_header h;
	size_t used;
	ssize_t n;

	while (r == PROXY_MORE) {
		n = recv(io->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			pconn_refuse(w, p, ST_DROP_PROXY_HEADER, n == 0 ?
			    "closed before a complete PROXY header" :
			    strerror(errno));
			return;
		}
		r = proxy_parser_feed(&p->parser, buf, (size_t)n, &used, &h);
		/* Consume what was header; MSG_PEEK left it all there. */
		if (used > 0 && recv(io->fd, buf, used, MSG_DONTWAIT) !=
		    (ssize_t)used) {
			pconn_refuse(w, p, ST_DROP_PROXY_HEADER,
			    "the header could not be consumed");
			return;
		}
	}
	if (r == PROXY_ERROR)
		pconn_refuse(w, p, ST_DROP_PROXY_HEADER,
		    proxy_parser_error(&p->parser));
	else
		pconn_done(w, p, &h);
}

static void
pconn_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct pconn *p = (struct pconn *)((char *)t -
	    offsetof(struct pconn, timer));
	char detail[96];

	snprintf(detail, sizeof(detail), "no complete PROXY header after %gs "
	    "(%u bytes of one)", p->l->conf.proxy_header_timeout,
	    (unsigned)proxy_parser_seen(&p->parser));
	pconn_refuse(ev_userdata(loop), p, ST_DROP_PROXY_TIMEOUT, detail);
}

void
tcp_proxy_start(struct worker *w, struct wlistener *wl, int fd,
    const struct sockaddr *peer, socklen_t len)
{
	struct tcp_worker *tw = tcp_worker_of(w);
	const struct lconf *lc = &wl->l->conf;
	struct pconn *p;

	if (!protect_proxy_from(wl->l->prot, peer)) {
		tcp_refuse(w, wl, fd, peer, NULL, ST_DROP_PROXY_FROM,
		    "a PROXY header is believed only from proxy_protocol_from");
		return;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		close(fd);
		tcp_unreserve(w, wl->l);
		tcp_no_memory(w, wl, "a PROXY header wait");
		return;
	}
	proxy_parser_init(&p->parser, (unsigned)lc->proxy_protocol, true);
	if (len > sizeof(p->balancer))
		len = sizeof(p->balancer);
	memcpy(&p->balancer, peer, len);
	p->len = len;
	p->l = wl->l;
	listener_ref(p->l);
	ev_io_init(&p->io, pconn_cb, fd, EV_READ);
	ev_io_start(w->loop, &p->io);
	ev_timer_init(&p->timer, pconn_timeout_cb, lc->proxy_header_timeout, 0);
	ev_timer_start(w->loop, &p->timer);
	LIST_INSERT_HEAD(&tw->pending, p, link);
	worker_conn_opened(w);
}

void
tcp_proxy_close_all(struct worker *w)
{
	struct tcp_worker *tw = tcp_worker_of(w);
	struct pconn *p;

	while ((p = LIST_FIRST(&tw->pending)) != NULL)
		pconn_drop(w, p);
}
