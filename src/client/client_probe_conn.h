/*
 * client_probe_conn: the connections of `echoctl probe tcp --reconnect`,
 * one per probe, each kept until its reply is complete or the probe is
 * declared lost, so a slow reply is never cut off by the next probe.  At
 * most PROBE_CONNS are open at once.
 */
#ifndef ECHOD_CLIENT_PROBE_CONN_H
#define ECHOD_CLIENT_PROBE_CONN_H

#include <ev.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client_opts.h"

#define PROBE_CONNS	128	/* connections awaiting a reply */

/* Called with each whole reply (o->size bytes). */
typedef void probe_conn_reply_fn(void *arg, const unsigned char *b, size_t n);

struct probe_conn {
	ev_io io;
	struct probe_conns *pool;
	uint32_t seq;
	size_t rxlen;
	unsigned char *rx;	/* one payload */
};

struct probe_conns {
	struct ev_loop *loop;
	const struct client_opts *o;
	probe_conn_reply_fn *reply;
	void *arg;
	struct probe_conn *conns;	/* PROBE_CONNS, NULL until init */
};

/* 0/-1 (no memory). */
int probe_conn_init(struct probe_conns *pc, struct ev_loop *loop,
    const struct client_opts *o, probe_conn_reply_fn *reply, void *arg);
/* Connect for probe `seq`: the socket, and its connect time in
 * *connect_ms; -1 when it failed or too many wait (said why). */
int probe_conn_open(struct probe_conns *pc, uint32_t seq, double *connect_ms);
/* The probe is resolved (lost): its connection goes. */
void probe_conn_drop(struct probe_conns *pc, uint32_t seq);
void probe_conn_free(struct probe_conns *pc);

#endif
