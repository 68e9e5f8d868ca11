/*
 * handover: leaving echod's sockets in systemd's fd store for the next
 * echod at a restart, and tidying up what the previous one left.  See
 * handover.h.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "daemon/daemon.h"
#include "daemon/fdstore.h"
#include "daemon/handover.h"
#include "daemon/listener.h"
#include "daemon/service.h"
#include "daemon/worker.h"

#define HANDOVER_POLL_SEC 0.005	/* checks whether the workers wrote out */
#define CARRIER_CONNS 1000	/* surely fit one carrier (about 3000 do) */
#define HANDOVER_UDP_RCVBUF (64 << 20)	/* the kernel caps it at rmem_max */

/* Fd store slots the hand-over needs: each socket echod bound itself, and
 * the carriers of each TCP listener's connections. */
static size_t
handover_slots(const struct echod *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nset; i++) {
		const struct listener *l = d->set[i];
		uint32_t conns = __atomic_load_n(&l->counters->conns,
		    __ATOMIC_RELAXED);

		if (!l->inherited)
			n += l->nfds;
		if (conns > 0)
			n += conns / CARRIER_CONNS + 1;
	}
	return n;
}

/* Datagrams that arrive until the next echod reads wait in the socket's
 * receive queue: give it the most room an unprivileged process may
 * (net.core.rmem_max, which the kernel doubles for its bookkeeping; the
 * default is rmem_default, undoubled), so that a restart's worth fits. */
static void
handover_udp_room(struct echod *d, struct listener *l)
{
	int big = HANDOVER_UDP_RCVBUF;

	for (uint32_t i = 0; i < l->nfds; i++)
		if (setsockopt(l->fds[i], SOL_SOCKET, SO_RCVBUF, &big,
		    sizeof(big)) < 0)
			log_warn(&d->log, "restart: %s: SO_RCVBUF: %s",
			    l->conf.name, strerror(errno));
}

/* Store every socket echod bound itself under listen/<listener>.  Sockets
 * from socket units are never stored: they come back from their unit, and
 * a stored copy would keep the port bound when that unit restarts.  The
 * number stored, or -1 (then the next echod may get some of them: it
 * adopts what fits and closes the rest). */
static int
handover_store_listeners(struct echod *d)
{
	int n = 0;

	for (size_t i = 0; i < d->nset; i++) {
		struct listener *l = d->set[i];
		char name[FDSTORE_NAME_MAX + 1];

		if (l->inherited || l->nfds == 0)
			continue;
		if (l->conf.proto == CONF_UDP)
			handover_udp_room(d, l);
		if (fdstore_name(FDSTORE_LISTENER, l->conf.name, name,
		    sizeof(name)) < 0 ||
		    service_fdstore_add(d->service, name, l->fds, l->nfds) < 0) {
			log_err(&d->log, "restart: cannot store the sockets of "
			    "listener %s: %s", l->conf.name, strerror(errno));
			return -1;
		}
		n += (int)l->nfds;
	}
	return n;
}

static int
handoff_cmp(const void *a, const void *b)
{
	return strcmp(((const struct worker_handoff *)a)->listener,
	    ((const struct worker_handoff *)b)->listener);
}

/* One listener's connections hs[0..n) into carriers named conns/<name>,
 * stored.  Returns how many went in; the rest the caller closes. */
static size_t
handover_store_conns(struct echod *d, struct worker_handoff *hs, size_t n)
{
	struct fdstore_conn *c = malloc(n * sizeof(*c));
	size_t max = n / CARRIER_CONNS + 8, nc = 0, done = 0;
	int *carriers = malloc(max * sizeof(int));
	char name[FDSTORE_NAME_MAX + 1];

	if (c == NULL || carriers == NULL ||
	    fdstore_name(FDSTORE_CONNS, hs[0].listener, name, sizeof(name)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		c[i] = hs[i].rec;
	done = fdstore_pack(c, n, clock_mono_ns(), carriers, max, &nc);
	if (done < n)
		log_err(&d->log, "restart: %zu connections of %s do not fit "
		    "the carriers: %s", n - done, hs[0].listener,
		    strerror(errno));
	if (nc > 0 && service_fdstore_add(d->service, name, carriers, nc) < 0) {
		log_err(&d->log, "restart: cannot store the connections of "
		    "%s: %s", hs[0].listener, strerror(errno));
		done = 0;
	}
	for (size_t i = 0; i < nc; i++)
		close(carriers[i]);	/* systemd holds them now */
out:
	free(c);
	free(carriers);
	return done;
}

/* The workers wrote out (or the deadline came): take their connections,
 * store them with the listening sockets, exit. */
static void
handover_finish(struct echod *d)
{
	struct worker_handoffs hs = { NULL, 0, 0 };
	size_t stored = 0, lost = 0;
	int nls;

	ev_timer_stop(d->loop, &d->handover_poll);
	for (uint32_t i = 0; i < d->nworkers; i++)
		if (worker_command_handoff(d->workers[i], WORKER_TAKE, &hs) < 0)
			log_err(&d->log, "worker %u did not hand its "
			    "connections over", i);
	if (hs.n > 0)
		qsort(hs.v, hs.n, sizeof(*hs.v), handoff_cmp);
	for (size_t i = 0, j; i < hs.n; i = j) {
		size_t k;

		for (j = i; j < hs.n && strcmp(hs.v[j].listener,
		    hs.v[i].listener) == 0; j++)
			;
		k = handover_store_conns(d, hs.v + i, j - i);
		stored += k;
		for (size_t m = i + k; m < j; m++) {
			/* Not stored: our FIN, as a drain deadline would. */
			(void)shutdown(hs.v[m].rec.fd, SHUT_WR);
			lost++;
		}
	}
	nls = handover_store_listeners(d);
	if (service_fdstore_sync(d->service) < 0)
		log_err(&d->log, "restart: systemd did not confirm the fd "
		    "store: %s", strerror(errno));
	for (size_t i = 0; i < hs.n; i++)
		close(hs.v[i].rec.fd);	/* the carriers hold the stored ones */
	free(hs.v);
	log_notice(&d->log, "restart: %zu connections and %d listening "
	    "sockets left in systemd's fd store for the next echod%s",
	    stored, nls < 0 ? 0 : nls, lost ? " (some could not be)" : "");
	if (lost > 0)
		log_warn(&d->log, "restart: %zu connections closed instead",
		    lost);
	ev_break(d->loop, EVBREAK_ALL);
}

static void
handover_poll_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct echod *d = ev_userdata(loop);
	uint32_t left = 0;

	for (uint32_t i = 0; i < d->nworkers; i++)
		left += worker_flushing(d->workers[i]);
	if (left > 0 && clock_mono() < d->handover_deadline)
		return;
	if (left > 0)
		log_notice(&d->log, "restart: drain_timeout reached; %u "
		    "connections that could not write out their echo are "
		    "closed", left);
	handover_finish(d);
}

int
handover_begin(struct echod *d, int slots)
{
	size_t need = handover_slots(d);

	if (!d->conf->restart_keeps_connections) {
		log_notice(&d->log, "restart: restart_keeps_connections is "
		    "false; draining");
		return -1;
	}
	if (!service_can_store()) {
		log_notice(&d->log, "restart: no notify socket; draining");
		return -1;
	}
	if (need > (size_t)slots) {
		log_warn(&d->log, "restart: the fd store has %d free slots, "
		    "%zu needed (FileDescriptorStoreMax=); draining", slots, need);
		return -1;
	}
	d->phase = DAEMON_DRAINING;
	d->handing_over = true;
	service_stopping(d->service, "handing over to the next echod");
	log_event(&d->log, LOG_LVL_NOTICE, LOG_EV_DRAINING, NULL, 0,
	    "restart: handing the sockets and connections over to the next "
	    "echod (writing out pending echoes, at most %.1fs)",
	    d->conf->drain_timeout);
	for (uint32_t i = 0; i < d->nworkers; i++)
		if (worker_command_handoff(d->workers[i], WORKER_HANDOVER,
		    NULL) < 0)
			log_err(&d->log, "worker %u did not start the hand-over",
			    i);
	d->handover_deadline = clock_mono() + d->conf->drain_timeout;
	ev_timer_init(&d->handover_poll, handover_poll_cb, 0, HANDOVER_POLL_SEC);
	ev_timer_again(d->loop, &d->handover_poll);
	return 0;
}

static const char *
handover_kind(enum fdstore_kind k)
{
	return k == FDSTORE_LISTENER ? "listening socket" :
	    k == FDSTORE_CONNS ? "connections" : "fd";
}

/* Remove `name` unless an earlier entry with the same name was removed. */
static void
handover_remove_once(struct echod *d, struct service_fd *sfds, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (sfds[j].kind != FDSTORE_FOREIGN &&
		    strcmp(sfds[j].name, sfds[i].name) == 0)
			return;
	if (service_fdstore_remove(d->service, sfds[i].name) < 0)
		log_warn(&d->log, "cannot remove '%s' from the fd store: %s",
		    sfds[i].name, strerror(errno));
}

struct adopting {
	struct echod *d;
	struct listener *l;
	struct worker_handoffs *per;	/* one list per worker */
	size_t next, nomem;
};

static void
adopt_one(const struct fdstore_conn *c, void *arg)
{
	struct adopting *a = arg;
	struct worker_handoffs *hs = &a->per[a->next++ % a->d->nworkers];

	if (hs->n == hs->cap) {
		size_t ncap = hs->cap ? hs->cap * 2 : 64;
		struct worker_handoff *v = realloc(hs->v, ncap * sizeof(*v));

		if (v == NULL) {
			close(c->fd);
			a->nomem++;
			return;
		}
		hs->v = v;
		hs->cap = ncap;
	}
	memset(&hs->v[hs->n], 0, sizeof(hs->v[0]));
	hs->v[hs->n].rec = *c;
	hs->v[hs->n++].l = a->l;
}

static struct listener *
handover_tcp_listener(struct echod *d, const char *name)
{
	for (size_t i = 0; i < d->nset; i++)
		if (d->set[i]->conf.proto == CONF_TCP &&
		    strcmp(d->set[i]->conf.name, name) == 0)
			return d->set[i];
	return NULL;
}

/* A carrier of the previous echod: its connections join their listener,
 * spread over the workers, which admit each against the limits of now. */
static void
handover_adopt_conns(struct echod *d, struct service_fd *f)
{
	struct adopting a = { d, handover_tcp_listener(d, f->listener), NULL,
		0, 0 };
	struct fdstore_unpacked u;

	if (a.l == NULL)
		return;		/* closed and logged as matching nothing */
	a.per = calloc(d->nworkers, sizeof(*a.per));
	if (a.per == NULL)
		return;
	fdstore_unpack(f->fd, clock_mono_ns(), adopt_one, &a, &u);
	for (uint32_t i = 0; i < d->nworkers; i++) {
		if (a.per[i].n > 0 && worker_command_handoff(d->workers[i],
		    WORKER_ADOPT, &a.per[i]) < 0)
			log_err(&d->log, "worker %u did not take its share of "
			    "the previous echod's connections", i);
		free(a.per[i].v);
	}
	free(a.per);
	close(f->fd);
	f->fd = -1;
	f->used = true;
	log_notice(&d->log, "%s: %zu connections from the previous echod "
	    "adopted", f->listener, u.conns - a.nomem);
	if (u.stateless > 0)
		log_warn(&d->log, "%s: %zu of them without their state (a "
		    "format this echod does not read)", f->listener,
		    u.stateless);
	if (u.lost + a.nomem > 0)
		log_warn(&d->log, "%s: %zu connections lost: no room for them "
		    "(LimitNOFILE=, memory)", f->listener, u.lost + a.nomem);
}

void
handover_adopted(struct echod *d)
{
	size_t n, removed = 0;
	struct service_fd *sfds = service_listen_fds(d->service, &n);

	for (size_t i = 0; i < n; i++)
		if (sfds[i].kind == FDSTORE_CONNS && !sfds[i].used)
			handover_adopt_conns(d, &sfds[i]);
	for (size_t i = 0; i < n; i++) {
		struct service_fd *f = &sfds[i];

		if (f->kind == FDSTORE_FOREIGN)
			continue;
		if (!f->used) {
			/* Nothing takes it: a listener that is gone or moved,
			 * connections of a later echod's format, an invalid
			 * name.  Closing a carrier closes its connections. */
			log_warn(&d->log, "fd store: %s '%s' from the previous "
			    "echod matches nothing in %s; closed",
			    handover_kind(f->kind), f->name, d->conf_path);
			if (f->fd >= 0)
				close(f->fd);
			f->fd = -1;
			f->used = true;
		}
		handover_remove_once(d, sfds, i);
		removed++;
	}
	if (removed > 0 && service_fdstore_sync(d->service) < 0)
		log_warn(&d->log, "fd store: systemd did not confirm the "
		    "removal: %s", strerror(errno));
}
