/*
 * worker: thread, loop, command mailbox and listener watchers.  See worker.h.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "daemon/listener.h"
#include "daemon/worker.h"

static void worker_cmd_cb(struct ev_loop *loop, ev_async *a, int revents);

/* The loop's invoke-pending hook: the clock for this iteration, libev's
 * callbacks, then what the protocols do once per iteration (TCP: the
 * io_uring batch they queued). */
static void
worker_invoke_pending(struct ev_loop *loop)
{
	struct worker *w = ev_userdata(loop);

	w->now = clock_mono();
	ev_invoke_pending(loop);
	for (int p = 0; p < CONF_PROTO_COUNT; p++)
		if (w->env->protos[p]->after_callbacks != NULL)
			w->env->protos[p]->after_callbacks(w);
	if (w->handing_over) {
		size_t n = 0;

		for (int p = 0; p < CONF_PROTO_COUNT; p++)
			if (w->env->protos[p]->handover_pending != NULL)
				n += w->env->protos[p]->handover_pending(w);
		__atomic_store_n(&w->flushing, (uint32_t)n, __ATOMIC_RELEASE);
	}
}

/* The acknowledgement wait is a duration: on the monotonic clock, so a
 * step of the wall clock neither cuts it short nor stretches it. */
static void
worker_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
}

static void
worker_protos_fini(struct worker *w)
{
	for (int p = 0; p < CONF_PROTO_COUNT; p++)
		if (w->env->protos[p]->worker_fini != NULL)
			w->env->protos[p]->worker_fini(w);
}

struct worker *
worker_new(const struct worker_env *env, uint32_t index, char *err,
    size_t errlen)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->env = env;
	w->log = env->log;
	w->index = index;
	w->now = clock_mono();
	w->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
	if (w->loop == NULL) {
		snprintf(err, errlen, "cannot create an event loop");
		free(w);
		return NULL;
	}
	ev_set_userdata(w->loop, w);
	for (int p = 0; p < CONF_PROTO_COUNT; p++) {
		if (env->protos[p]->worker_init != NULL &&
		    env->protos[p]->worker_init(w, err, errlen) < 0) {
			worker_protos_fini(w);
			ev_loop_destroy(w->loop);
			free(w);
			return NULL;
		}
	}
	ev_set_invoke_pending_cb(w->loop, worker_invoke_pending);
	pthread_mutex_init(&w->mu, NULL);
	worker_cond_init(&w->cv);
	ev_async_init(&w->cmd_async, worker_cmd_cb);
	ev_async_start(w->loop, &w->cmd_async);
	log_ratelimit_init(&w->peer_rl, 5, 20);
	return w;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	ev_run(w->loop, 0);
	return NULL;
}

/* "echod-w0": top -H, ps -L and /proc/PID/task/TID/comm tell the workers
 * apart (at most 15 characters). */
static void
worker_name_thread(struct worker *w)
{
	char name[16];

	snprintf(name, sizeof(name), "echod-w%u", w->index);
	(void)pthread_setname_np(w->thread, name);
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
	worker_name_thread(w);
	w->started = 1;
	return 0;
}

static const struct worker_proto *
wl_proto(const struct wlistener *wl)
{
	return wl->w->env->protos[wl->l->conf.proto];
}

static struct wlistener *
wl_new(struct worker *w, struct listener *l)
{
	struct wlistener *wl = calloc(1, sizeof(*wl));
	int fd = listener_fd(l, w->index);
	char err[256] = "";

	if (wl == NULL || fd < 0) {
		free(wl);
		return NULL;
	}
	wl->w = w;
	wl->l = l;
	wl->st = &l->counters->stats[w->index];
	if (wl_proto(wl)->listener_init != NULL &&
	    wl_proto(wl)->listener_init(wl, err, sizeof(err)) < 0) {
		log_err(w->log, "worker %u: listener %s: %s", w->index,
		    l->conf.name, err);
		free(wl);
		return NULL;
	}
	ev_io_init(&wl->io, wl_proto(wl)->readable_cb, fd, EV_READ);
	listener_ref(l);
	return wl;
}

static void
wl_free(struct worker *w, struct wlistener *wl)
{
	ev_io_stop(w->loop, &wl->io);
	if (wl_proto(wl)->listener_fini != NULL)
		wl_proto(wl)->listener_fini(wl);
	listener_unref(wl->l);
	free(wl);
}

static bool
in_set(struct listener *const *set, size_t n, const struct listener *l)
{
	for (size_t j = 0; j < n; j++)
		if (set[j] == l)
			return true;
	return false;
}

/* Serve exactly `set`: stop watchers of listeners that left it first (a
 * successor shares their fd), in place, so that even a worker out of
 * memory never watches a socket the main thread is about to close; then
 * start the new ones. */
static void
worker_apply(struct worker *w, struct listener **set, size_t n)
{
	struct wlistener **wls;
	size_t nwls = 0;

	for (size_t i = 0; i < w->nwls; i++) {
		if (in_set(set, n, w->wls[i]->l))
			w->wls[nwls++] = w->wls[i];
		else
			wl_free(w, w->wls[i]);
	}
	w->nwls = nwls;
	if ((wls = realloc(w->wls, (n ? n : 1) * sizeof(*wls))) == NULL) {
		log_err(w->log, "worker %u: out of memory applying listeners: "
		    "serving %zu of %zu", w->index, nwls, n);
		goto applied;
	}
	w->wls = wls;
	for (size_t j = 0; j < n; j++) {
		bool have = false;
		struct wlistener *wl;

		for (size_t i = 0; i < nwls && !have; i++)
			have = wls[i]->l == set[j];
		if (have)
			continue;
		if ((wl = wl_new(w, set[j])) == NULL) {
			log_err(w->log, "worker %u: cannot serve listener %s",
			    w->index, set[j]->conf.name);
			continue;
		}
		worker_watch(wl, true);
		wls[nwls++] = wl;
	}
	w->nwls = nwls;
applied:
	for (int p = 0; p < CONF_PROTO_COUNT; p++)
		if (w->env->protos[p]->applied != NULL)
			w->env->protos[p]->applied(w);
}

static void
worker_check_drained(struct worker *w)
{
	if (w->draining && w->nconns == 0 &&
	    !__atomic_load_n(&w->drained, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&w->drained, 1, __ATOMIC_RELEASE);
		ev_async_send(w->env->main_loop, w->env->drained);
	}
}

static void
worker_drain(struct worker *w)
{
	w->draining = 1;
	for (size_t i = 0; i < w->nwls; i++)
		ev_io_stop(w->loop, &w->wls[i]->io);
	for (int p = 0; p < CONF_PROTO_COUNT; p++)
		if (w->env->protos[p]->drain != NULL)
			w->env->protos[p]->drain(w);
	worker_check_drained(w);
}

/* A restart: like a drain's start, but the protocols keep their
 * connections for the next echod (handover.c takes them). */
static void
worker_handover(struct worker *w)
{
	size_t n = 0;

	w->draining = 1;	/* no listener is watched again */
	w->handing_over = 1;
	/* Accepting stops (new connections wait in the backlog for the next
	 * echod); a protocol without connections (UDP) serves on until the
	 * worker stops, right before echod exits. */
	for (size_t i = 0; i < w->nwls; i++)
		if (wl_proto(w->wls[i])->handover != NULL)
			ev_io_stop(w->loop, &w->wls[i]->io);
	for (int p = 0; p < CONF_PROTO_COUNT; p++) {
		if (w->env->protos[p]->handover != NULL)
			w->env->protos[p]->handover(w);
		if (w->env->protos[p]->handover_pending != NULL)
			n += w->env->protos[p]->handover_pending(w);
	}
	__atomic_store_n(&w->flushing, (uint32_t)n, __ATOMIC_RELEASE);
}

static void
worker_take(struct worker *w, struct worker_handoffs *hs)
{
	for (int p = 0; p < CONF_PROTO_COUNT; p++)
		if (w->env->protos[p]->handover_take != NULL &&
		    w->env->protos[p]->handover_take(w, hs) < 0)
			log_err(w->log, "worker %u: out of memory handing "
			    "connections over; closed the rest", w->index);
}

static void
worker_adopt(struct worker *w, const struct worker_handoffs *hs)
{
	for (size_t i = 0; i < hs->n; i++) {
		const struct worker_handoff *h = &hs->v[i];
		struct wlistener *wl = NULL;

		for (size_t j = 0; j < w->nwls && wl == NULL; j++)
			if (w->wls[j]->l == h->l)
				wl = w->wls[j];
		if (wl == NULL || wl_proto(wl)->adopt == NULL) {
			close(h->rec.fd);	/* its listener is not served */
			continue;
		}
		wl_proto(wl)->adopt(wl, h);
	}
}

static void
worker_stop(struct worker *w)
{
	for (int p = 0; p < CONF_PROTO_COUNT; p++)
		if (w->env->protos[p]->stop != NULL)
			w->env->protos[p]->stop(w);
	for (size_t i = 0; i < w->nwls; i++)
		wl_free(w, w->wls[i]);
	w->nwls = 0;
	ev_break(w->loop, EVBREAK_ALL);
}

/* Take everything posted, then do it in the order that makes sense
 * whatever was posted meanwhile: the set to serve, then drain, then stop.
 * The mailbox is not locked while the work is done, so the main thread
 * never blocks on a worker that is slow or stuck in it; a set taken stays
 * the caller's until acknowledged (no reload starts before that). */
static void
worker_cmd_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	struct worker *w = ev_userdata(loop);
	struct listener **set;
	struct worker_handoffs *take, *adopt;
	bool apply, drain, stop, handover;
	uint64_t seq;
	size_t n;

	pthread_mutex_lock(&w->mu);
	seq = w->cmd_seq;
	apply = w->cmd_apply;
	drain = w->cmd_drain;
	stop = w->cmd_stop;
	handover = w->cmd_handover;
	take = w->cmd_take;
	adopt = w->cmd_adopt;
	set = w->cmd_set;
	n = w->cmd_nset;
	w->cmd_apply = w->cmd_drain = w->cmd_stop = w->cmd_handover = false;
	w->cmd_take = w->cmd_adopt = NULL;
	pthread_mutex_unlock(&w->mu);
	if (seq == w->cmd_done)		/* only this thread writes cmd_done */
		return;
	if (apply)
		worker_apply(w, set, n);
	if (adopt != NULL)
		worker_adopt(w, adopt);
	if (handover && !w->draining)
		worker_handover(w);
	if (take != NULL)
		worker_take(w, take);
	if (drain && !w->draining)
		worker_drain(w);
	if (stop)
		worker_stop(w);
	pthread_mutex_lock(&w->mu);
	w->cmd_done = seq;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->env->acked != NULL)
		ev_async_send(w->env->main_loop, w->env->acked);
}

int
worker_post(struct worker *w, enum worker_cmd cmd, struct listener **set,
    size_t nset)
{
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	switch (cmd) {
	case WORKER_APPLY:
		if (w->cmd_apply) {
			rc = -1;	/* never overwrite what it has not read */
			break;
		}
		w->cmd_apply = true;
		w->cmd_set = set;
		w->cmd_nset = nset;
		break;
	case WORKER_DRAIN:
		w->cmd_drain = true;
		break;
	case WORKER_STOP:
		w->cmd_stop = true;
		break;
	case WORKER_HANDOVER:
		w->cmd_handover = true;
		break;
	case WORKER_TAKE:
	case WORKER_ADOPT:
		rc = -1;	/* they carry a list: worker_command_handoff */
		break;
	}
	if (rc == 0)
		w->cmd_seq++;
	pthread_mutex_unlock(&w->mu);
	if (rc == 0)
		ev_async_send(w->loop, &w->cmd_async);
	return rc;
}

int
worker_wait(struct worker *w, double deadline)
{
	struct timespec ts;
	int rc = 0;

	ts.tv_sec = (time_t)deadline;
	ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
	pthread_mutex_lock(&w->mu);
	while (w->cmd_done != w->cmd_seq && rc == 0)
		rc = pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	rc = w->cmd_done == w->cmd_seq ? 0 : -1;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

bool
worker_idle(struct worker *w)
{
	bool idle;

	pthread_mutex_lock(&w->mu);
	idle = w->cmd_done == w->cmd_seq;
	pthread_mutex_unlock(&w->mu);
	return idle;
}

int
worker_command(struct worker *w, enum worker_cmd cmd, struct listener **set,
    size_t nset)
{
	if (worker_post(w, cmd, set, nset) < 0)
		return -1;
	return worker_wait(w, clock_mono() + WORKER_COMMAND_WAIT);
}

int
worker_command_handoff(struct worker *w, enum worker_cmd cmd,
    struct worker_handoffs *hs)
{
	struct worker_handoffs **slot = cmd == WORKER_TAKE ? &w->cmd_take :
	    cmd == WORKER_ADOPT ? &w->cmd_adopt : NULL;

	if (slot == NULL)
		return worker_command(w, cmd, NULL, 0);
	pthread_mutex_lock(&w->mu);
	if (*slot != NULL) {
		pthread_mutex_unlock(&w->mu);
		return -1;	/* never overwrite what it has not read */
	}
	*slot = hs;
	w->cmd_seq++;
	pthread_mutex_unlock(&w->mu);
	ev_async_send(w->loop, &w->cmd_async);
	return worker_wait(w, clock_mono() + WORKER_COMMAND_WAIT);
}

uint32_t
worker_flushing(struct worker *w)
{
	return __atomic_load_n(&w->flushing, __ATOMIC_ACQUIRE);
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
	worker_protos_fini(w);
	ev_async_stop(w->loop, &w->cmd_async);
	ev_loop_destroy(w->loop);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

int
worker_is_drained(struct worker *w)
{
	return __atomic_load_n(&w->drained, __ATOMIC_ACQUIRE);
}

void
worker_conn_opened(struct worker *w)
{
	w->nconns++;
}

void
worker_conn_closed(struct worker *w)
{
	w->nconns--;
	worker_check_drained(w);
}

void
worker_watch(struct wlistener *wl, bool on)
{
	if (on && !wl->w->draining)
		ev_io_start(wl->w->loop, &wl->io);
	else if (!on)
		ev_io_stop(wl->w->loop, &wl->io);
}

void
worker_log_drop(struct wlistener *wl, const struct sockaddr *peer,
    enum stat_id why, enum log_event ev, const char *what)
{
	worker_log_drop_via(wl, peer, NULL, why, ev, what, NULL);
}

void
worker_log_drop_via(struct wlistener *wl, const struct sockaddr *peer,
    const struct sockaddr *proxy, enum stat_id why, enum log_event ev,
    const char *what, const char *detail)
{
	struct worker *w = wl->w;
	char host[ADDR_STRLEN], port[8], phost[ADDR_STRLEN], pport[8];
	uint64_t suppressed;
	struct log_field f[7];
	size_t nf = 5;

	if (!log_enabled(w->log, LOG_LVL_INFO) ||
	    !log_ratelimit_ok(&w->peer_rl, w->now, &suppressed))
		return;
	addr_format_host(peer, host, sizeof(host));
	snprintf(port, sizeof(port), "%u", addr_port(peer));
	f[0] = (struct log_field){ "listener", wl->l->conf.name };
	f[1] = (struct log_field){ "protocol", conf_proto_name(wl->l->conf.proto) };
	f[2] = (struct log_field){ "peer_address", host };
	f[3] = (struct log_field){ "peer_port", port };
	f[4] = (struct log_field){ "drop_reason", stat_drop_reason(why) };
	if (proxy != NULL) {
		addr_format_host(proxy, phost, sizeof(phost));
		snprintf(pport, sizeof(pport), "%u", addr_port(proxy));
		f[nf++] = (struct log_field){ "proxy_address", phost };
		f[nf++] = (struct log_field){ "proxy_port", pport };
	}
	log_event(w->log, LOG_LVL_INFO, ev, f, nf, "%s from %s port %s%s%s%s%s "
	    "on %s: %s%s%s (%llu similar messages suppressed)", what, host, port,
	    proxy != NULL ? " via " : "", proxy != NULL ? phost : "",
	    proxy != NULL ? " port " : "", proxy != NULL ? pport : "",
	    wl->l->conf.name, stat_drop_reason(why), detail != NULL ? ": " : "",
	    detail != NULL ? detail : "", (unsigned long long)suppressed);
}
