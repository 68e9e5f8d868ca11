/*
 * daemon_reload: moving the running listener set to a new configuration,
 * at startup (from nothing) and on reload, as a transaction:
 *   plan    - pair each new listener with the running one on the same
 *             socket, open sockets for the rest, allocate successors;
 *             any failure closes what was opened and changes nothing;
 *   commit  - successors take over their sockets (cannot fail), every
 *             worker switches to the new set, then removed listeners close
 *             their sockets (inherited ones stay open for systemd) - once
 *             every worker acknowledged the new set: a worker that has not
 *             (WORKER_COMMAND_WAIT seconds) may still watch them, so they
 *             are closed when it does (daemon_reload_caught_up), and no
 *             reload starts meanwhile.
 * daemon_reload() is the whole reload that SIGHUP and `echoctl reload`
 * run: read the file, apply it, say how it went (log, sd_notify).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "daemon/ctl.h"
#include "daemon/daemon.h"
#include "daemon/listener.h"
#include "daemon/service.h"
#include "daemon/worker.h"

struct plan {
	struct listener **set;		/* the new set, nc->nlisteners long */
	struct listener **from;		/* running listener on the same socket */
	struct listener **named;	/* else the running one of that name */
	bool *kept;			/* from[i] is reused as is */
	size_t n;
	struct listener **closing;	/* room for the removed ones */
};

static void
plan_free(struct plan *p)
{
	free(p->set);
	free(p->from);
	free(p->named);
	free(p->kept);
	free(p->closing);
}

static bool
listed(struct listener *const *v, size_t n, const struct listener *l)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == l)
			return true;
	return false;
}

/* Some new listener takes over l's socket. */
static bool
in_plan(const struct plan *p, const struct listener *l)
{
	return listed(p->from, p->n, l);
}

/* Some new listener, on another socket, carries on l's counters. */
static bool
named_in_plan(const struct plan *p, const struct listener *l)
{
	return listed(p->named, p->n, l);
}

/* A listener that keeps its name and protocol but moves to another socket
 * keeps its counters: the running one of that name, unless its socket
 * went to another new listener (which then carries its counters). */
static struct listener *
find_same_name(struct echod *d, const struct lconf *lc, struct plan *p)
{
	for (size_t i = 0; i < d->nset; i++) {
		const struct lconf *o = &d->set[i]->conf;

		if (strcmp(o->name, lc->name) == 0 && o->proto == lc->proto &&
		    !in_plan(p, d->set[i]) && !named_in_plan(p, d->set[i]))
			return d->set[i];
	}
	return NULL;
}

static struct listener *
find_same_socket(struct echod *d, const struct lconf *lc, struct plan *p)
{
	for (size_t i = 0; i < d->nset; i++) {
		bool taken = false;

		if (!conf_same_socket(&d->set[i]->conf, lc))
			continue;
		for (size_t j = 0; j < p->n && !taken; j++)
			taken = p->from[j] == d->set[i];
		if (!taken)
			return d->set[i];
	}
	return NULL;
}

/* A new UDP socket for lc, on a port a running UDP socket of ours holds
 * (one that a reload replaces: another address on the port, a udp listener
 * turned stamp): those let it bind beside them for the moment (`on`), then
 * no longer.  Whether there were any. */
static bool
udp_share(struct echod *d, const struct lconf *lc, bool on)
{
	bool any = false;

	for (size_t i = 0; lc->proto != CONF_TCP && i < d->nset; i++) {
		struct listener *l = d->set[i];

		if (l->conf.proto != CONF_TCP && l->conf.port == lc->port) {
			listener_udp_share(l, on);
			any = true;
		}
	}
	return any;
}

static void
plan_abort(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->set[i] == NULL || p->kept[i])
			continue;
		if (p->from[i] != NULL)
			listener_unref(p->set[i]);	/* no sockets yet */
		else
			listener_retire(p->set[i]);
	}
	plan_free(p);
}

static int
plan_make(struct echod *d, const struct conf *c, struct plan *p, char *err,
    size_t errlen)
{
	struct protect_ports own;
	struct service_fd *sfds;
	size_t nsfds;
	char why[256];

	if (protect_ports_init(&own, c) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sfds = service_listen_fds(d->service, &nsfds);
	p->n = c->nlisteners;
	p->set = calloc(p->n ? p->n : 1, sizeof(*p->set));
	p->from = calloc(p->n ? p->n : 1, sizeof(*p->from));
	p->named = calloc(p->n ? p->n : 1, sizeof(*p->named));
	p->kept = calloc(p->n ? p->n : 1, sizeof(*p->kept));
	p->closing = calloc(d->nset ? d->nset : 1, sizeof(*p->closing));
	if (p->set == NULL || p->from == NULL || p->named == NULL ||
	    p->kept == NULL || p->closing == NULL) {
		snprintf(err, errlen, "out of memory");
		plan_free(p);
		protect_ports_free(&own);
		return -1;
	}
	/* Sockets first, so that a name never takes counters whose socket
	 * another new listener takes over. */
	for (size_t i = 0; i < p->n; i++)
		p->from[i] = find_same_socket(d, &c->listeners[i], p);
	for (size_t i = 0; i < p->n; i++)
		if (p->from[i] == NULL)
			p->named[i] = find_same_name(d, &c->listeners[i], p);
	for (size_t i = 0; i < p->n; i++) {
		const struct lconf *lc = &c->listeners[i];
		struct listener *old = p->from[i];

		/* Same settings, but another listener's port came or went:
		 * a new object for the guard's new port set. */
		if (old != NULL && conf_listener_equal(&old->conf, lc) &&
		    !protect_ports_changed(old->prot, lc, &own)) {
			p->set[i] = old;
			p->kept[i] = true;
		} else if (old != NULL) {
			p->set[i] = listener_new(lc, &own);
		} else {
			bool share = udp_share(d, lc, true);

			p->set[i] = listener_open(lc, &own, d->nworkers, sfds, nsfds,
			    p->named[i] != NULL ? p->named[i]->counters : NULL,
			    share, why, sizeof(why));
			(void)udp_share(d, lc, false);
			if (p->set[i] == NULL) {
				snprintf(err, errlen, "%s:%d: listener %s: %s",
				    c->path, lc->line, lc->name, why);
				goto fail;
			}
		}
		if (p->set[i] == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	protect_ports_free(&own);
	return 0;
fail:
	plan_abort(p);
	protect_ports_free(&own);
	return -1;
}


static void
log_listener(struct echod *d, int level, enum log_event ev,
    const struct listener *l, const char *what)
{
	struct log_field f[3] = {
		{ "listener", l->conf.name },
		{ "protocol", conf_proto_name(l->conf.proto) },
		{ "address", l->bound },
	};

	log_event(&d->log, level, ev, f, 3, "%s %s %s%s", what,
	    conf_proto_name(l->conf.proto), l->bound,
	    l->inherited ? " (socket from systemd)" : "");
}

/* Retire running listeners that are not carried into the new set: those
 * taken over now (no sockets left), the removed ones onto d->closing.  The
 * counters of a removed one stay in the totals: on d->retired while its
 * connections still count, then folded into d->retired_total. */
static void
retire_old(struct echod *d, struct plan *p)
{
	for (size_t i = 0; i < d->nset; i++) {
		struct listener *l = d->set[i];
		bool kept = false;

		for (size_t j = 0; j < p->n && !kept; j++)
			kept = p->kept[j] && p->set[j] == l;
		if (kept)
			continue;
		if (in_plan(p, l)) {
			listener_retire(l);
			continue;
		}
		if (!named_in_plan(p, l)) {
			lcounters_ref(l->counters);
			l->counters->next_retired = d->retired;
			d->retired = l->counters;
		}
		p->closing[d->nclosing++] = l;
	}
	d->closing = p->closing;
	p->closing = NULL;
}

/* Close the sockets of the removed listeners: every worker took the set
 * without them. */
static void
close_removed(struct echod *d)
{
	for (size_t i = 0; i < d->nclosing; i++) {
		struct listener *l = d->closing[i];

		log_listener(d, LOG_LVL_NOTICE, LOG_EV_LISTENER_CLOSED, l,
		    l->inherited ? "no longer serving" : "closed");
		listener_retire(l);
	}
	free(d->closing);
	d->closing = NULL;
	d->nclosing = 0;
	daemon_retired_prune(d);
}

/* The first worker that has not acknowledged everything posted, or -1. */
static int
late_worker(struct echod *d)
{
	for (uint32_t i = 0; i < d->nworkers; i++)
		if (!worker_idle(d->workers[i]))
			return (int)i;
	return -1;
}

bool
daemon_reload_pending(struct echod *d)
{
	return d->closing != NULL || late_worker(d) >= 0;
}

void
daemon_reload_caught_up(struct echod *d)
{
	if (d->closing == NULL || late_worker(d) >= 0)
		return;
	log_notice(&d->log, "every worker took the new listener set: closing "
	    "the sockets of the %zu removed listener(s) now", d->nclosing);
	close_removed(d);
}

/* Every worker serves exactly the new set; 0, or -1 when some did not
 * acknowledge in time (then the removed listeners wait on d->closing). */
static int
switch_workers(struct echod *d, struct listener **set, size_t n)
{
	double deadline = clock_mono() + WORKER_COMMAND_WAIT;
	int late = -1;

	for (uint32_t i = 0; i < d->nworkers; i++)
		if (worker_post(d->workers[i], WORKER_APPLY, set, n) < 0)
			late = (int)i;	/* cannot happen: reloads wait */
	for (uint32_t i = 0; i < d->nworkers; i++)
		if (worker_wait(d->workers[i], deadline) < 0 && late < 0)
			late = (int)i;
	if (late < 0)
		return 0;
	log_err(&d->log, "worker %d did not take the new listener set within "
	    "%.0fs: the sockets of removed listeners stay open until it does, "
	    "and reloads are refused meanwhile", late, WORKER_COMMAND_WAIT);
	return -1;
}

int
daemon_reload_apply(struct echod *d, const struct conf *c, char *err,
    size_t errlen)
{
	struct plan p;
	bool all;

	memset(&p, 0, sizeof(p));
	if (plan_make(d, c, &p, err, errlen) < 0)
		return -1;
	__atomic_store_n(&d->tcp_totals.max, c->guard.max_connections_total,
	    __ATOMIC_RELAXED);
	for (size_t i = 0; i < p.n; i++) {
		if (p.from[i] != NULL && !p.kept[i])
			listener_take_over(p.set[i], p.from[i]);
		if (p.from[i] == NULL)
			log_listener(d, LOG_LVL_NOTICE, LOG_EV_LISTENING,
			    p.set[i], "listening on");
		else if (!p.kept[i])
			log_listener(d, LOG_LVL_INFO, LOG_EV_LISTENING,
			    p.set[i], "new settings for");
	}
	all = switch_workers(d, p.set, p.n) == 0;
	retire_old(d, &p);
	free(d->set);
	d->set = p.set;
	d->nset = p.n;
	p.set = NULL;
	plan_free(&p);
	if (all)
		close_removed(d);
	return 0;
}

void
daemon_apply_log_level(struct echod *d)
{
	log_set_level(&d->log, d->debug ? LOG_LVL_DEBUG : d->conf->log_level);
}

/* Settings read only at start: say so when a reload asks for a change. */
static void
warn_start_only(struct echod *d, const struct conf *nc)
{
	if (nc->workers != d->workers_setting)
		log_warn(&d->log, "%s: workers = %u takes effect at the next "
		    "start; still running %u worker(s)", d->conf_path,
		    nc->workers, d->nworkers);
	if (nc->io_uring != d->io_uring_setting)
		log_warn(&d->log, "%s: io_uring = %s takes effect at the next "
		    "start", d->conf_path, nc->io_uring ? "true" : "false");
	if (nc->splice != d->splice_setting)
		log_warn(&d->log, "%s: splice = %s takes effect at the next "
		    "start", d->conf_path, nc->splice ? "true" : "false");
	if (strcmp(nc->control_socket, ctl_path(d->ctl)) != 0)
		log_warn(&d->log, "%s: control_socket = \"%s\" takes effect "
		    "at the next start; still on \"%s\"", d->conf_path,
		    nc->control_socket, ctl_path(d->ctl));
}

/* Why a reload cannot start now, into out and the log; 0 if it can. */
static int
reload_refused(struct echod *d, struct diags *out)
{
	daemon_reload_caught_up(d);	/* an acknowledgement not yet seen */
	if (d->phase != DAEMON_RUNNING)
		diags_add(out, "cannot reload while %s",
		    d->phase == DAEMON_DRAINING ? "draining" : "reloading");
	else if (daemon_reload_pending(d))
		diags_add(out, "cannot reload yet: worker %d has not taken the "
		    "previous listener set (the sockets of removed listeners "
		    "stay open until it does)", late_worker(d));
	else
		return 0;
	log_warn(&d->log, "reload refused: %s",
	    out->n > 0 ? out->msgs[out->n - 1] : "out of memory");
	return -1;
}

/* Load and apply; NULL with every diagnostic in out on failure. */
static struct conf *
reload_load(struct echod *d, struct diags *out)
{
	struct conf *nc = NULL;
	char err[8192];

	if (conf_load(d->conf_path, &nc, out) < 0) {
		for (size_t i = 0; i < out->n; i++)
			log_event(&d->log, LOG_LVL_ERR, LOG_EV_CONFIG_ERROR, NULL,
			    0, "%s", out->msgs[i]);
		return NULL;
	}
	diags_free(out);	/* warnings of a good load are not errors */
	if (daemon_metrics_prepare(d, nc, err, sizeof(err)) < 0) {
		diags_add(out, "%s", err);
		conf_free(nc);
		return NULL;
	}
	if (daemon_reload_apply(d, nc, err, sizeof(err)) < 0) {
		daemon_metrics_abort(d);
		diags_add(out, "%s", err);
		conf_free(nc);
		return NULL;
	}
	return nc;
}

/* The reload failed: the previous configuration runs on; say so. */
static void
reload_failed(struct echod *d, const struct diags *why)
{
	const char *first = why->n > 0 ? why->msgs[0] : "out of memory";
	char line[256], more[48] = "";

	d->reload_failures++;
	/* The status holds a summary: the first error, cut visibly if it is
	 * long, and how many more there are (the log and the reload's reply
	 * have them all). */
	if (why->n > 1)
		snprintf(more, sizeof(more), " (and %zu more)", why->n - 1);
	snprintf(d->last_reload_error, sizeof(d->last_reload_error),
	    "%.*s%s%s", LOG_EXCERPT(first, sizeof(d->last_reload_error) -
	    sizeof(more) - 4), more);
	log_event(&d->log, LOG_LVL_ERR, LOG_EV_RELOAD_FAIL, NULL, 0,
	    "reload failed, still running the previous configuration: %zu "
	    "error%s, the first: %s", why->n, why->n == 1 ? "" : "s", first);
	d->phase = DAEMON_RUNNING;
	snprintf(line, sizeof(line), "reload failed: %.*s%s%s",
	    LOG_EXCERPT(first, 160), more);
	service_ready(d->service, line);
}

int
daemon_reload(struct echod *d, struct diags *out)
{
	struct conf *nc, *old;
	char line[256];

	if (reload_refused(d, out) < 0)
		return -2;
	d->phase = DAEMON_RELOADING;
	service_reloading(d->service, "reloading configuration");
	if ((nc = reload_load(d, out)) == NULL) {
		if (out->n == 0)
			diags_add(out, "out of memory");
		reload_failed(d, out);
		return -1;
	}
	warn_start_only(d, nc);
	daemon_metrics_commit(d, nc);
	old = d->conf;
	d->conf = nc;
	conf_free(old);
	daemon_apply_log_level(d);
	d->reloads++;
	d->last_reload_error[0] = '\0';
	d->phase = DAEMON_RUNNING;
	log_event(&d->log, LOG_LVL_NOTICE, LOG_EV_RELOAD_OK, NULL, 0,
	    "reloaded %s: %zu listeners", d->conf_path, d->nset);
	daemon_status_line(d, line, sizeof(line));
	service_ready(d->service, line);
	return 0;
}
