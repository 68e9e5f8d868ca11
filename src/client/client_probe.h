/*
 * client_probe: the state of one `echoctl probe` run, shared by the probe
 * engine (client_probe.c: timers, sockets, reply classification) and its
 * output (client_probe_out.c: text, --json, --csv).
 */
#ifndef ECHOD_CLIENT_PROBE_H
#define ECHOD_CLIENT_PROBE_H

#include <ev.h>
#include <stdint.h>

#include "client/client_opts.h"
#include "client/client_stats.h"

#define PROBE_SLOTS	4096	/* probes remembered for matching replies */
#define PROBE_CONNS	128	/* --reconnect: connections awaiting a reply */
#define PROBE_HDR	24	/* magic, seq, timestamp, session, pattern... */

enum probe_slot_state {
	PROBE_FREE,
	PROBE_PENDING,
	PROBE_REPLIED,
	PROBE_BAD,		/* answered with a corrupt or truncated reply */
	PROBE_LOST,
};

struct probe_slot {
	uint32_t seq;
	uint64_t sent_ns;
	double deadline;
	double connect_ms;	/* --reconnect; < 0 when not measured */
	enum probe_slot_state state;
};

/* What one output line reports. */
enum probe_event {
	PROBE_EV_REPLY,
	PROBE_EV_CORRUPT,
	PROBE_EV_TRUNCATED,
	PROBE_EV_TIMEOUT,
	PROBE_EV_ERROR,
};

#define PROBE_F_DUP		0x1
#define PROBE_F_REORDERED	0x2
#define PROBE_F_LATE		0x4

struct probe;

/* --reconnect: one probe's own connection (client_probe_conn.c). */
struct probe_conn {
	ev_io io;
	struct probe *p;
	uint32_t seq;
	size_t rxlen;
	unsigned char *rx;	/* one payload */
};

struct probe {
	struct ev_loop *loop;
	struct client_opts *o;
	char peer[ADDR_STRLEN];		/* "127.0.0.1:8888" */
	int fd;				/* the connection or UDP socket */
	uint32_t sid;			/* tells our replies from strays */
	uint32_t next_seq;		/* = probes sent */
	uint32_t oldest;		/* no pending probe before this seq */
	uint32_t max_replied;
	int any_replied;
	struct probe_slot slot[PROBE_SLOTS];
	unsigned char *tx, *rx;		/* one payload each */
	size_t rxlen;			/* TCP: bytes of the frame so far */
	ev_timer tick, check;
	ev_io sock_r;
	struct probe_conn *conns;	/* PROBE_CONNS, --reconnect only */
	ev_signal sigint, sigterm, sigquit;
	struct client_stats rtt, conn;
	uint64_t received, dup, reordered, corrupt, truncated, late, lost;
	uint64_t connfail, refused;
	double start, end;
	int done, closed, status;
};

/* client_probe.c, for the connection pool. */
void probe_reply(struct probe *p, const unsigned char *b, size_t n);
void probe_sweep(struct probe *p, int all);

/* client_probe_conn.c */
int probe_conn_init(struct probe *p);
int probe_conn_open(struct probe *p, struct probe_slot *s);	/* fd or -1 */
void probe_conn_drop(struct probe *p, uint32_t seq);
void probe_conn_free(struct probe *p);

void probe_out_start(struct probe *p);
void probe_out_event(struct probe *p, enum probe_event ev, uint32_t seq,
    size_t bytes, double rtt_ms, double connect_ms, int flags,
    const char *detail);
void probe_out_summary(struct probe *p);
void probe_out_interim(struct probe *p);

#endif
