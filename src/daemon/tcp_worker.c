/*
 * tcp_worker: a worker's TCP state (struct tcp_worker) and what the worker
 * asks of TCP through tcp_proto: setting the state up, the sweep of the
 * limits no event reports (max_lifetime, stall_timeout), the access
 * re-check after a reload, drain and stop.  The top of the TCP files:
 * it uses tcp.c, tcp_accept.c and tcp_batch.c, and none of them uses it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/tcp_conn.h"

#define SCRATCH_SIZE (128 * 1024)
/* A read is at most the scratch buffer (or a smaller batch slice), and
 * struct conn counts a lost one in 23 bits. */
_Static_assert(SCRATCH_SIZE < CONN_UNSENT_MAX, "a read outgrows conn.unsent");
#define SWEEP_SEC 0.5

/* Call fn on every connection of the worker; fn may close it. */
static void
tcp_each_conn(struct tcp_worker *tw, void (*fn)(struct worker *,
    struct conn *, void *), void *arg)
{
	struct idleq *q = LIST_FIRST(&tw->idleqs), *nq;

	for (; q != NULL; q = nq) {
		struct conn *c = TAILQ_FIRST(&q->conns), *next;

		q->refs++;
		for (; c != NULL; c = next) {
			next = TAILQ_NEXT(c, link);
			fn(tw->w, c, arg);
		}
		nq = LIST_NEXT(q, link);
		idleq_unref(q);
	}
}

static void
sweep_one(struct worker *w, struct conn *c, void *now)
{
	enum close_reason why = conn_overdue(c, *(double *)now);

	if (why != CLOSE_NONE)
		conn_close(w, c, why);
}

static void
sweep_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker *w = ev_userdata(loop);

	tcp_each_conn(tcp_worker_of(w), sweep_one, &w->now);
}

static void
recheck_one(struct worker *w, struct conn *c, void *arg)
{
	struct wlistener *wl = conn_wl(w, c);

	if (wl != NULL && wl->l != c->l &&
	    !protect_permits(wl->l->prot, &c->peer.sa))
		conn_close(w, c, CLOSE_ACL);
}

/* After a reload: close connections the new access lists deny. */
static void
tcp_applied(struct worker *w)
{
	tcp_each_conn(tcp_worker_of(w), recheck_one, NULL);
}

static void
drain_one(struct worker *w, struct conn *c, void *arg)
{
	if (c->state == CONN_OPEN)
		c->state = CONN_DRAINING;
	conn_step(w, c, 0);
}

/* Stop accepting, flush what is pending, send FIN, wait for the peers'
 * FIN (until the daemon's deadline). */
static void
tcp_drain(struct worker *w)
{
	for (size_t i = 0; i < w->nwls; i++)
		if (w->wls[i]->l->conf.proto == CONF_TCP)
			tcp_wl_drain(w->wls[i]);
	tcp_proxy_close_all(w);
	tcp_each_conn(tcp_worker_of(w), drain_one, NULL);
}

static void
handover_one(struct worker *w, struct conn *c, void *arg)
{
	if (c->batched)
		tcp_batch_forget(tcp_worker_of(w), c);
	conn_step(w, c, 0);	/* stops reading; a pending echo goes on */
}

/* A restart: accepting stopped (worker.c); stop reading, write out what
 * each connection has pending.  What the peers send from now on waits in
 * the kernel for the next echod. */
static void
tcp_handover(struct worker *w)
{
	struct tcp_worker *tw = tcp_worker_of(w);

	tw->handing_over = true;
	for (size_t i = 0; i < w->nwls; i++)
		if (w->wls[i]->l->conf.proto == CONF_TCP)
			tcp_wl_drain(w->wls[i]);
	/* Still waiting for a PROXY header: part of it may have been read,
	 * so no next echod could go on with it; closed as a drain does. */
	tcp_proxy_close_all(w);
	tcp_each_conn(tw, handover_one, NULL);
}

static void
pending_one(struct worker *w, struct conn *c, void *n)
{
	if (c->buf != NULL)
		(*(size_t *)n)++;
}

static size_t
tcp_handover_pending(struct worker *w)
{
	size_t n = 0;

	tcp_each_conn(tcp_worker_of(w), pending_one, &n);
	return n;
}

struct take {
	struct worker_handoffs *hs;
	int rc;
};

static uint64_t
ns_since(double then, double now)
{
	return now > then ? (uint64_t)((now - then) * 1e9) : 0;
}

static void
take_one(struct worker *w, struct conn *c, void *arg)
{
	struct take *t = arg;
	struct worker_handoffs *hs = t->hs;
	struct wlistener *wl = conn_wl(w, c);
	struct worker_handoff *h;
	double now = w->now;

	if (c->buf != NULL) {
		conn_close(w, c, CLOSE_SHUTDOWN);	/* not written out */
		return;
	}
	if (hs->n == hs->cap) {
		size_t ncap = hs->cap ? hs->cap * 2 : 64;
		struct worker_handoff *v = realloc(hs->v, ncap * sizeof(*v));

		if (v == NULL) {
			t->rc = -1;
			conn_close(w, c, CLOSE_NOMEM);
			return;
		}
		hs->v = v;
		hs->cap = ncap;
	}
	h = &hs->v[hs->n++];
	memset(h, 0, sizeof(*h));
	h->rec.fd = c->io.fd;
	h->rec.age_ns = ns_since(c->created, now);
	h->rec.idle_ns = ns_since(c->last_active, now);
	h->rec.bytes_in = c->bytes_in;
	h->rec.bytes_out = conn_bytes_out(c);
	h->rec.flags = (c->oneshot_done ? FDSTORE_F_ONESHOT_DONE : 0) |
	    (c->state == CONN_LINGER ? FDSTORE_F_LINGER : 0);
	/* The client as we know it: for one that came through a balancer,
	 * what its PROXY header said (the socket only knows the balancer). */
	h->rec.proxied = conn_proxy_addr(c) != NULL;
	_Static_assert(sizeof(h->rec.peer) == sizeof(c->peer), "two unions");
	memcpy(&h->rec.peer, &c->peer, sizeof(h->rec.peer));
	/* Its listener as the running set names it (a reload may have
	 * renamed the one it was accepted on). */
	snprintf(h->listener, sizeof(h->listener), "%s",
	    (wl != NULL ? wl->l : c->l)->conf.name);
	conn_release(w, c);
}

static int
tcp_handover_take(struct worker *w, struct worker_handoffs *hs)
{
	struct take t = { hs, 0 };

	tcp_each_conn(tcp_worker_of(w), take_one, &t);
	return t.rc;
}

static void
close_one(struct worker *w, struct conn *c, void *arg)
{
	conn_close(w, c, CLOSE_SHUTDOWN);
}

static void
tcp_stop(struct worker *w)
{
	tcp_proxy_close_all(w);
	tcp_each_conn(tcp_worker_of(w), close_one, NULL);
}

static void
tcp_worker_fini(struct worker *w)
{
	struct tcp_worker *tw = tcp_worker_of(w);

	if (tw == NULL)
		return;
	ev_timer_stop(w->loop, &tw->sweep);
	for (size_t i = 0; i < tw->nspare; i++)
		buf_free(tw->spare[i]);
	free(tw->spare);
	tcp_batch_free(tw);
	tcp_splice_free(tw);
	free(tw->scratch);
	free(tw);
	w->state[CONF_TCP] = NULL;
}

static int
tcp_worker_init(struct worker *w, char *err, size_t errlen)
{
	struct tcp_worker *tw = calloc(1, sizeof(*tw));

	if (tw == NULL || (tw->scratch = malloc(SCRATCH_SIZE)) == NULL) {
		free(tw);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->state[CONF_TCP] = tw;
	tw->w = w;
	tw->scratch_size = SCRATCH_SIZE;
	LIST_INIT(&tw->idleqs);
	LIST_INIT(&tw->pending);
	/* -1: no batching (said at start through tcp_batch_off_reason). */
	if (tcp_batch_init(tw, w->env->io_uring, tw->iob_why,
	    sizeof(tw->iob_why)) == 0)
		tw->queue_read = tcp_batch_add;
	(void)tcp_splice_init(tw, w->env->splice, tw->splice_why,
	    sizeof(tw->splice_why));
	ev_timer_init(&tw->sweep, sweep_cb, SWEEP_SEC, SWEEP_SEC);
	ev_timer_start(w->loop, &tw->sweep);
	return 0;
}

const char *
tcp_batch_off_reason(const struct worker *w)
{
	const struct tcp_worker *tw = tcp_worker_of(w);

	return tw->iob != NULL ? NULL : tw->iob_why;
}

const char *
tcp_splice_off_reason(const struct worker *w)
{
	const struct tcp_worker *tw = tcp_worker_of(w);

	return tw->bulk_echo != NULL ? NULL : tw->splice_why;
}

const struct worker_proto tcp_proto = {
	.readable_cb = tcp_accept_cb,
	.worker_init = tcp_worker_init,
	.worker_fini = tcp_worker_fini,
	.listener_init = tcp_wl_init,
	.listener_fini = tcp_wl_fini,
	.applied = tcp_applied,
	.drain = tcp_drain,
	.stop = tcp_stop,
	.after_callbacks = tcp_batch_run_all,
	.handover = tcp_handover,
	.handover_pending = tcp_handover_pending,
	.handover_take = tcp_handover_take,
	.adopt = tcp_adopt,
};
