/*
 * client_probe_conn: `echoctl probe tcp --reconnect`'s connections (see
 * client_probe_conn.h).  Beyond PROBE_CONNS waiting for a reply a probe
 * fails at once rather than opening descriptors without bound.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_net.h"
#include "client/client_probe_conn.h"
#include "common/clock.h"

int
probe_conn_init(struct probe_conns *pc, struct ev_loop *loop,
    const struct client_opts *o, probe_conn_reply_fn *reply, void *arg)
{
	size_t i;

	pc->loop = loop;
	pc->o = o;
	pc->reply = reply;
	pc->arg = arg;
	pc->conns = calloc(PROBE_CONNS, sizeof(*pc->conns));
	if (pc->conns == NULL)
		return -1;
	for (i = 0; i < PROBE_CONNS; i++) {
		pc->conns[i].pool = pc;
		pc->conns[i].io.fd = -1;
	}
	for (i = 0; i < PROBE_CONNS; i++)
		if ((pc->conns[i].rx = malloc(o->size)) == NULL)
			return -1;
	return 0;
}

static void
probe_conn_close(struct probe_conn *c)
{
	ev_io_stop(c->pool->loop, &c->io);
	close(c->io.fd);
	c->io.fd = -1;
}

static void
probe_conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct probe_conn *c = w->data;
	struct probe_conns *pc = c->pool;
	size_t size = pc->o->size;
	ssize_t n = recv(w->fd, c->rx + c->rxlen, size - c->rxlen, 0);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Closed or reset before the reply: the probe times out. */
		probe_conn_close(c);
		return;
	}
	c->rxlen += (size_t)n;
	if (c->rxlen < size)
		return;
	probe_conn_close(c);
	pc->reply(pc->arg, c->rx, size);
}

int
probe_conn_open(struct probe_conns *pc, uint32_t seq, double *connect_ms)
{
	struct probe_conn *c = NULL;
	struct addr peer;
	double t0;
	size_t i;
	int fd;

	for (i = 0; i < PROBE_CONNS && c == NULL; i++)
		if (pc->conns[i].io.fd == -1)
			c = &pc->conns[i];
	if (c == NULL) {
		fprintf(stderr, "echoctl: %d connections still wait for a "
		    "reply\n", PROBE_CONNS);
		return -1;
	}
	t0 = clock_mono();
	fd = client_net_connect(pc->o, &peer);
	if (fd == -1)
		return -1;
	*connect_ms = (clock_mono() - t0) * 1000.0;
	c->seq = seq;
	c->rxlen = 0;
	ev_io_init(&c->io, probe_conn_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(pc->loop, &c->io);
	return fd;
}

void
probe_conn_drop(struct probe_conns *pc, uint32_t seq)
{
	size_t i;

	if (pc->conns == NULL)
		return;
	for (i = 0; i < PROBE_CONNS; i++)
		if (pc->conns[i].io.fd != -1 && pc->conns[i].seq == seq)
			probe_conn_close(&pc->conns[i]);
}

void
probe_conn_free(struct probe_conns *pc)
{
	size_t i;

	if (pc->conns == NULL)
		return;
	for (i = 0; i < PROBE_CONNS; i++) {
		if (pc->conns[i].io.fd != -1)
			probe_conn_close(&pc->conns[i]);
		free(pc->conns[i].rx);
	}
	free(pc->conns);
	pc->conns = NULL;
}
