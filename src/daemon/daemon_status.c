/*
 * daemon_status: snapshots of the running daemon for `echoctl status`, the
 * STATUS= line and the periodic drop summary.  Reads counters with relaxed
 * loads while workers keep running: totals are consistent per counter, not
 * across counters.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "daemon/daemon.h"
#include "daemon/listener.h"

static const char *
phase_name(enum daemon_phase p)
{
	switch (p) {
	case DAEMON_STARTING:
		return "starting";
	case DAEMON_RUNNING:
		return "running";
	case DAEMON_RELOADING:
		return "reloading";
	case DAEMON_DRAINING:
		return "draining";
	}
	return "unknown";
}

/* The counters of removed listeners whose last connection closed are summed
 * into d->retired_total and freed: only d->retired held them. */
void
daemon_retired_prune(struct echod *d)
{
	struct lcounters **pc = &d->retired;

	while (*pc != NULL) {
		struct lcounters *c = *pc;

		/* Only this list holds c: no listener object, so no connection
		 * and no worker writes to it any more (acquire: their last
		 * writes happened before their unref). */
		if (__atomic_load_n(&c->refs, __ATOMIC_ACQUIRE) != 1) {
			pc = &c->next_retired;
			continue;
		}
		*pc = c->next_retired;
		lcounters_sum(c, &d->retired_total);
		lcounters_unref(c);
	}
}

static void
totals(struct echod *d, struct stats *total, uint32_t *conns)
{
	daemon_retired_prune(d);
	*total = d->retired_total;
	*conns = 0;
	for (size_t i = 0; i < d->nset; i++) {
		lcounters_sum(d->set[i]->counters, total);
		*conns += __atomic_load_n(&d->set[i]->counters->conns,
		    __ATOMIC_RELAXED);
	}
	for (struct lcounters *c = d->retired; c != NULL; c = c->next_retired) {
		lcounters_sum(c, total);
		*conns += __atomic_load_n(&c->conns, __ATOMIC_RELAXED);
	}
}

int
daemon_status_snapshot(struct echod *d, struct daemon_status *st)
{
	memset(st, 0, sizeof(*st));
	st->listeners = calloc(d->nset ? d->nset : 1, sizeof(*st->listeners));
	if (st->listeners == NULL)
		return -1;
	st->phase = phase_name(d->phase);
	st->uptime = clock_mono() - d->started;
	st->workers = d->nworkers;
	st->reloads = d->reloads;
	st->reload_failures = d->reload_failures;
	st->last_reload_error = d->last_reload_error;
	totals(d, &st->total, &st->open_conns);
	st->nlisteners = d->nset;
	for (size_t i = 0; i < d->nset; i++) {
		const struct listener *l = d->set[i];
		struct listener_status *ls = &st->listeners[i];

		snprintf(ls->name, sizeof(ls->name), "%s", l->conf.name);
		ls->proto = l->conf.proto;
		snprintf(ls->address, sizeof(ls->address), "%s", l->bound);
		ls->inherited = l->inherited;
		ls->proxy_protocol = l->conf.proxy_protocol;
		ls->open_conns = __atomic_load_n(&l->counters->conns,
		    __ATOMIC_RELAXED);
		lcounters_sum(l->counters, &ls->st);
	}
	return 0;
}

void
daemon_status_free(struct daemon_status *st)
{
	free(st->listeners);
	st->listeners = NULL;
}

static void
human_bytes(uint64_t n, char *buf, size_t len)
{
	const char *units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void
daemon_status_line(struct echod *d, char *buf, size_t len)
{
	struct stats t;
	uint32_t conns;
	char bytes[32];

	totals(d, &t, &conns);
	human_bytes(stat_get(&t, ST_BYTES_OUT), bytes, sizeof(bytes));
	snprintf(buf, len, "%s: %zu listeners, %u connections, %s echoed over "
	    "TCP, %llu datagrams echoed, %llu dropped",
	    phase_name(d->phase), d->nset, conns, bytes,
	    (unsigned long long)stat_get(&t, ST_DGRAMS_OUT),
	    (unsigned long long)stats_drops(&t));
}

/* One line per interval at most, and only when something was dropped:
 * a flood cannot flood the log. */
void
daemon_status_summary(struct echod *d, double interval)
{
	struct stats t;
	struct log_field f[ST_COUNT - ST_DROP_FIRST];
	char vals[ST_COUNT - ST_DROP_FIRST][24];
	size_t nf = 0;
	uint32_t conns;
	uint64_t drops;

	totals(d, &t, &conns);
	drops = stats_drops(&t) - stats_drops(&d->last_summary);
	if (drops == 0)
		return;
	for (int i = ST_DROP_FIRST; i < ST_COUNT; i++) {
		uint64_t n = stat_get(&t, (enum stat_id)i) -
		    d->last_summary.v[i];

		if (n == 0)
			continue;
		snprintf(vals[nf], sizeof(vals[nf]), "%llu",
		    (unsigned long long)n);
		f[nf] = (struct log_field){ stat_name((enum stat_id)i), vals[nf] };
		nf++;
	}
	log_event(&d->log, LOG_LVL_WARNING, LOG_EV_SUMMARY, f, nf,
	    "dropped %llu datagrams/requests in the last %.0fs",
	    (unsigned long long)drops, interval);
	d->last_summary = t;
}
