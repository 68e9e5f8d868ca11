/*
 * worker: thread, loop, command mailbox and listener watchers.  See worker.h.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/buf.h"
#include "daemon/daemon.h"
#include "daemon/listener.h"
#include "daemon/protect.h"
#include "daemon/tcp.h"
#include "daemon/tcp_batch.h"
#include "daemon/udp.h"
#include "daemon/worker.h"

#define SCRATCH_SIZE (128 * 1024)
#define COMMAND_WAIT_SEC 10

static void worker_cmd_cb(struct ev_loop *loop, ev_async *a, int revents);

static void
retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct wlistener *wl = (struct wlistener *)((char *)t -
	    offsetof(struct wlistener, retry));

	worker_resume_accept(wl);
}

struct worker *
worker_new(struct echod *d, uint32_t index)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->d = d;
	w->log = &d->log;
	w->index = index;
	w->scratch_size = SCRATCH_SIZE;
	w->scratch = malloc(w->scratch_size);
	w->udp = udp_batch_new();
	w->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
	if (w->scratch == NULL || w->udp == NULL || w->loop == NULL)
		goto fail;
	ev_set_userdata(w->loop, w);
	if (tcp_batch_init(w, d->conf->io_uring, w->iob_why,
	    sizeof(w->iob_why)) == 0)
		ev_set_invoke_pending_cb(w->loop, tcp_batch_invoke_pending);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	ev_async_init(&w->cmd_async, worker_cmd_cb);
	ev_async_start(w->loop, &w->cmd_async);
	ev_timer_init(&w->sweep, tcp_sweep_cb, TCP_SWEEP_SEC, TCP_SWEEP_SEC);
	ev_timer_start(w->loop, &w->sweep);
	log_ratelimit_init(&w->peer_rl, 5, 20);
	return w;
fail:
	if (w->loop != NULL)
		ev_loop_destroy(w->loop);
	udp_batch_free(w->udp);
	free(w->scratch);
	free(w);
	return NULL;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	ev_run(w->loop, 0);
	return NULL;
}

int
worker_start(struct worker *w)
{
	sigset_t all, old;
	int rc;

	/* Signals belong to the main loop: workers never take them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	w->started = 1;
	return 0;
}

static struct wlistener *
wl_new(struct worker *w, struct listener *l)
{
	struct wlistener *wl = calloc(1, sizeof(*wl));
	int fd = listener_fd(l, w->index);

	if (wl == NULL || fd < 0) {
		free(wl);
		return NULL;
	}
	wl->w = w;
	wl->l = l;
	wl->st = &l->counters->stats[w->index];
	if (l->conf.proto == CONF_UDP) {
		char err[256] = "";

		/* NULL: the limits are off, or no memory (then unlimited,
		 * said in the log: the guard and ACL still apply). */
		wl->rl = protect_udp_limiter(l->prot, w->d->nworkers, err,
		    sizeof(err));
		if (wl->rl == NULL && err[0] != '\0')
			log_err(w->log, "%s: no UDP rate limits: %s",
			    l->conf.name, err);
	}
	ev_io_init(&wl->io, l->conf.proto == CONF_TCP ? tcp_accept_cb :
	    udp_read_cb, fd, EV_READ);
	ev_timer_init(&wl->retry, retry_cb, 0, 0);
	listener_ref(l);
	return wl;
}

static void
wl_free(struct worker *w, struct wlistener *wl)
{
	ev_io_stop(w->loop, &wl->io);
	ev_timer_stop(w->loop, &wl->retry);
	ratelimit_free(wl->rl);
	listener_unref(wl->l);
	free(wl);
}

/* Serve exactly `set`: stop watchers of listeners that left it first (a
 * successor shares their fd), then start the new ones. */
static void
worker_apply(struct worker *w, struct listener **set, size_t n)
{
	struct wlistener **wls = calloc(n ? n : 1, sizeof(*wls));
	size_t nwls = 0;

	if (wls == NULL) {
		log_err(w->log, "worker %u: out of memory applying listeners",
		    w->index);
		return;
	}
	for (size_t i = 0; i < w->nwls; i++) {
		struct wlistener *wl = w->wls[i];
		bool keep = false;

		for (size_t j = 0; j < n && !keep; j++)
			keep = set[j] == wl->l;
		if (keep)
			wls[nwls++] = wl;
		else
			wl_free(w, wl);
	}
	for (size_t j = 0; j < n; j++) {
		bool have = false;
		struct wlistener *wl;

		for (size_t i = 0; i < nwls && !have; i++)
			have = wls[i]->l == set[j];
		if (have)
			continue;
		wl = wl_new(w, set[j]);
		if (wl == NULL) {
			log_err(w->log, "worker %u: cannot serve listener %s",
			    w->index, set[j]->conf.name);
			continue;
		}
		if (!w->draining)
			ev_io_start(w->loop, &wl->io);
		wls[nwls++] = wl;
	}
	free(w->wls);
	w->wls = wls;
	w->nwls = nwls;
}

static void
worker_check_drained(struct worker *w)
{
	if (w->draining && w->nconns == 0 &&
	    !__atomic_load_n(&w->drained, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&w->drained, 1, __ATOMIC_RELEASE);
		ev_async_send(w->d->loop, &w->d->drained);
	}
}

static void
worker_drain(struct worker *w)
{
	w->draining = 1;
	for (size_t i = 0; i < w->nwls; i++) {
		ev_io_stop(w->loop, &w->wls[i]->io);
		ev_timer_stop(w->loop, &w->wls[i]->retry);
	}
	tcp_drain_all(w);
	worker_check_drained(w);
}

static void
worker_stop(struct worker *w)
{
	tcp_close_all(w);
	for (size_t i = 0; i < w->nwls; i++)
		wl_free(w, w->wls[i]);
	w->nwls = 0;
	ev_break(w->loop, EVBREAK_ALL);
}

static void
worker_cmd_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	struct worker *w = ev_userdata(loop);

	pthread_mutex_lock(&w->mu);
	if (w->cmd_done != w->cmd_seq) {
		switch (w->cmd) {
		case WORKER_APPLY:
			worker_apply(w, w->cmd_set, w->cmd_nset);
			tcp_recheck_access(w);
			break;
		case WORKER_DRAIN:
			worker_drain(w);
			break;
		case WORKER_STOP:
			worker_stop(w);
			break;
		}
		w->cmd_done = w->cmd_seq;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
}

int
worker_command(struct worker *w, enum worker_cmd cmd, struct listener **set,
    size_t nset)
{
	struct timespec deadline;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += COMMAND_WAIT_SEC;
	pthread_mutex_lock(&w->mu);
	w->cmd = cmd;
	w->cmd_set = set;
	w->cmd_nset = nset;
	w->cmd_seq++;
	ev_async_send(w->loop, &w->cmd_async);
	while (w->cmd_done != w->cmd_seq && rc == 0)
		rc = pthread_cond_timedwait(&w->cv, &w->mu, &deadline);
	pthread_mutex_unlock(&w->mu);
	return rc == 0 ? 0 : -1;
}

void
worker_join(struct worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = 0;
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->nwls; i++)
		wl_free(w, w->wls[i]);
	free(w->wls);
	for (size_t i = 0; i < w->nidleqs; i++) {
		ev_timer_stop(w->loop, &w->idleqs[i]->timer);
		free(w->idleqs[i]);
	}
	free(w->idleqs);
	for (size_t i = 0; i < w->nspare; i++)
		buf_free(w->spare[i]);
	free(w->spare);
	ev_async_stop(w->loop, &w->cmd_async);
	ev_timer_stop(w->loop, &w->sweep);
	ev_loop_destroy(w->loop);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	udp_batch_free(w->udp);
	tcp_batch_free(w);
	free(w->scratch);
	free(w);
}

int
worker_is_drained(struct worker *w)
{
	return __atomic_load_n(&w->drained, __ATOMIC_ACQUIRE);
}

void
worker_pause_accept(struct wlistener *wl, double retry_after)
{
	struct worker *w = wl->w;

	ev_io_stop(w->loop, &wl->io);
	wl->paused = 1;
	ev_timer_stop(w->loop, &wl->retry);
	ev_timer_set(&wl->retry, retry_after, 0);
	ev_timer_start(w->loop, &wl->retry);
}

void
worker_resume_accept(struct wlistener *wl)
{
	struct worker *w = wl->w;

	ev_timer_stop(w->loop, &wl->retry);
	wl->paused = 0;
	if (!w->draining)
		ev_io_start(w->loop, &wl->io);
}

void
worker_conn_closed(struct worker *w)
{
	w->nconns--;
	worker_check_drained(w);
}

int
worker_idleq(struct worker *w, double timeout)
{
	struct idleq *q, **v;

	for (size_t i = 0; i < w->nidleqs; i++)
		if (w->idleqs[i]->timeout == timeout)
			return (int)i;
	if (w->nidleqs == WORKER_MAX_IDLEQS)
		return -1;
	v = realloc(w->idleqs, (w->nidleqs + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	w->idleqs = v;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -1;
	TAILQ_INIT(&q->conns);
	q->timeout = timeout;
	q->w = w;
	ev_timer_init(&q->timer, tcp_idle_cb, 0, 0);
	w->idleqs[w->nidleqs] = q;
	return (int)w->nidleqs++;
}
