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
};
