/*
 * idleq: the idle queues of a TCP worker.  Connections with the same
 * idle_timeout share one queue, ordered by last activity, and one timer
 * for its head: touching a connection moves it to the tail (O(1)), and
 * the timer closes from the head what has been idle long enough.  Queues
 * are held by the listeners and connections that use them and freed with
 * the last, so reloads that change idle_timeout leave none behind.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>

#include "daemon/tcp_conn.h"

static void
idle_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct idleq *q = (struct idleq *)((char *)t -
	    offsetof(struct idleq, timer));
	struct worker *w = q->tw->w;
	double now = w->now;
	struct conn *c;

	q->refs++;		/* the last close must not free q under us */
	while ((c = TAILQ_FIRST(&q->conns)) != NULL &&
	    c->last_active + q->timeout <= now + 1e-3)
		q->close(w, c, CLOSE_IDLE);
	idleq_arm(q);
	idleq_unref(q);
}

struct idleq *
idleq_get(struct tcp_worker *tw, double timeout,
    void (*close)(struct worker *, struct conn *, enum close_reason))
{
	struct idleq *q;

	LIST_FOREACH(q, &tw->idleqs, link) {
		if (q->timeout == timeout) {
			q->refs++;
			return q;
		}
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	TAILQ_INIT(&q->conns);
	q->timeout = timeout;
	q->refs = 1;
	q->tw = tw;
	q->close = close;
	ev_timer_init(&q->timer, idle_cb, 0, 0);
	LIST_INSERT_HEAD(&tw->idleqs, q, link);
	return q;
}

void
idleq_unref(struct idleq *q)
{
	if (--q->refs > 0)
		return;
	ev_timer_stop(q->tw->w->loop, &q->timer);
	LIST_REMOVE(q, link);
	free(q);
}

void
idleq_arm(struct idleq *q)
{
	struct ev_loop *loop = q->tw->w->loop;
	struct conn *head = TAILQ_FIRST(&q->conns);
	double at;

	if (q->timeout <= 0 || head == NULL || ev_is_active(&q->timer))
		return;
	at = head->last_active + q->timeout - q->tw->w->now;
	ev_timer_set(&q->timer, at > 0 ? at : 0, 0);
	ev_timer_start(loop, &q->timer);
}
