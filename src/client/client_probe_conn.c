/*
 * client_probe_conn: `echoctl probe tcp --reconnect`.  Each probe gets its
 * own connection (its connect time measured) and keeps it until its reply
 * is complete or the probe is declared lost, so a slow reply is never cut
 * off by the next probe.  At most PROBE_CONNS are open at once: beyond that
 * a probe fails at once rather than opening descriptors without bound.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_probe.h"
#include "common/clock.h"

int
probe_conn_init(struct probe *p)
{
	size_t i;

	p->conns = calloc(PROBE_CONNS, sizeof(*p->conns));
	if (p->conns == NULL)
		return -1;
	for (i = 0; i < PROBE_CONNS; i++) {
		p->conns[i].p = p;
		p->conns[i].io.fd = -1;
		p->conns[i].rx = malloc(p->o->size);
		if (p->conns[i].rx == NULL)
			return -1;
	}
	return 0;
}

static void
probe_conn_close(struct probe_conn *c)
{
	ev_io_stop(c->p->loop, &c->io);
	close(c->io.fd);
	c->io.fd = -1;
}

static void
probe_conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe_conn *c = w->data;
	struct probe *p = c->p;
	ssize_t n = recv(w->fd, c->rx + c->rxlen, p->o->size - c->rxlen, 0);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Closed or reset before the reply: the probe times out. */
		probe_conn_close(c);
		return;
	}
	c->rxlen += (size_t)n;
	if (c->rxlen < p->o->size)
		return;
	probe_conn_close(c);
	probe_reply(p, c->rx, p->o->size);
	probe_sweep(p, 0);
}

int
probe_conn_open(struct probe *p, struct probe_slot *s)
{
	struct probe_conn *c = NULL;
	struct addr peer;
	double t0;
	size_t i;
	int fd;

	for (i = 0; i < PROBE_CONNS && c == NULL; i++)
		if (p->conns[i].io.fd == -1)
			c = &p->conns[i];
	if (c == NULL) {
		fprintf(stderr, "echoctl: %d connections still wait for a "
		    "reply\n", PROBE_CONNS);
		return -1;
	}
	t0 = clock_mono();
	fd = client_net_connect(p->o, &peer);
	if (fd == -1)
		return -1;
	s->connect_ms = (clock_mono() - t0) * 1000.0;
	client_stats_add(&p->conn, s->connect_ms);
	c->seq = s->seq;
	c->rxlen = 0;
	ev_io_init(&c->io, probe_conn_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(p->loop, &c->io);
	return fd;
}

/* The probe is resolved (lost): its connection goes. */
void
probe_conn_drop(struct probe *p, uint32_t seq)
{
	size_t i;

	if (p->conns == NULL)
		return;
	for (i = 0; i < PROBE_CONNS; i++)
		if (p->conns[i].io.fd != -1 && p->conns[i].seq == seq)
			probe_conn_close(&p->conns[i]);
}

void
probe_conn_free(struct probe *p)
{
	size_t i;

	if (p->conns == NULL)
		return;
	for (i = 0; i < PROBE_CONNS; i++) {
		if (p->conns[i].io.fd != -1)
			probe_conn_close(&p->conns[i]);
		free(p->conns[i].rx);
	}
	free(p->conns);
	p->conns = NULL;
}
