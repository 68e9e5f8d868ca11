/*
 * client_probe: `echoctl probe tcp|udp HOST PORT`, a ping for echo services.
 *
 * Every -i a probe of -s bytes is sent: magic "EcPr", sequence number, send
 * time (monotonic ns), a session id, then bytes derived from those, so any
 * reply can be checked completely.  A reply is matched to its probe by
 * sequence number and classified: good (RTT recorded), duplicate, reordered
 * (an older sequence after a newer one), late (after -W declared it lost),
 * truncated or corrupt (first differing byte offset).  No reply within -W is
 * loss.  TCP uses one connection and frames replies by size, or, with
 * --reconnect, a new connection per probe whose connect time is measured.
 * Ctrl-C ends with the summary; SIGQUIT prints an interim one.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_loop.h"
#include "client/client_net.h"
#include "client/client_probe.h"
#include "client/client_probe_conn.h"
#include "client/client_probe_out.h"
#include "common/clock.h"

#define PROBE_SLOTS	4096	/* probes remembered for matching replies */
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

struct probe {
	struct client_loop l;		/* its timer: the loss sweep */
	struct probe_tally t;
	const struct client_opts *o;
	int fd;				/* the connection or UDP socket */
	uint32_t sid;			/* tells our replies from strays */
	uint32_t oldest;		/* no pending probe before this seq */
	uint32_t max_replied;
	int any_replied;
	struct probe_slot slot[PROBE_SLOTS];
	unsigned char *tx, *rx;		/* one payload each */
	size_t rxlen;			/* TCP: bytes of rx so far */
	ev_timer tick;
	ev_signal sigquit;
	struct probe_conns conns;	/* --reconnect only */
	int closed;
};

static const unsigned char probe_magic[4] = { 'E', 'c', 'P', 'r' };

static void
probe_put64(unsigned char *b, uint64_t v)
{
	uint32_t hi = htonl((uint32_t)(v >> 32)), lo = htonl((uint32_t)v);

	memcpy(b, &hi, 4);
	memcpy(b + 4, &lo, 4);
}

/* The exact payload of probe `seq` sent at `ns`. */
static void
probe_fill(const struct probe *p, uint32_t seq, uint64_t ns, unsigned char *b)
{
	uint32_t nseq = htonl(seq), nsid = htonl(p->sid);
	size_t i;

	memcpy(b, probe_magic, 4);
	memcpy(b + 4, &nseq, 4);
	probe_put64(b + 8, ns);
	memcpy(b + 16, &nsid, 4);
	for (i = 20; i < p->o->size; i++)
		b[i] = (unsigned char)(seq * 131u + i * 7u + p->sid);
}

static void
probe_finish(struct probe *p)
{
	if (!p->l.done)
		p->t.end = clock_mono();
	client_loop_finish(&p->l, EX_OK, NULL);
}

static void
probe_lose(struct probe *p, struct probe_slot *s)
{
	s->state = PROBE_LOST;
	p->t.lost++;
	probe_conn_drop(&p->conns, s->seq);
	probe_out_event(&p->t, PROBE_EV_TIMEOUT, s->seq, 0, 0, s->connect_ms, 0,
	    NULL);
}

/* Expire overdue probes; finish when -c probes are all resolved. */
static void
probe_sweep(struct probe *p, int all)
{
	double now = clock_mono();

	while (p->oldest != p->t.sent) {
		struct probe_slot *s = &p->slot[p->oldest % PROBE_SLOTS];

		if (s->state == PROBE_PENDING) {
			if (!all && now < s->deadline)
				break;
			probe_lose(p, s);
		}
		p->oldest++;
	}
	if (p->o->count > 0 && p->t.sent >= (uint32_t)p->o->count &&
	    p->oldest == p->t.sent)
		probe_finish(p);
}

/* The probe a reply claims to answer, or NULL when its header is not ours. */
static struct probe_slot *
probe_match(struct probe *p, const unsigned char *b, size_t n)
{
	uint32_t seq, sid;

	if (n < PROBE_HDR || memcmp(b, probe_magic, 4) != 0)
		return NULL;
	memcpy(&seq, b + 4, 4);
	memcpy(&sid, b + 16, 4);
	seq = ntohl(seq);
	if (ntohl(sid) != p->sid || seq >= p->t.sent ||
	    p->slot[seq % PROBE_SLOTS].seq != seq)
		return NULL;
	return &p->slot[seq % PROBE_SLOTS];
}

/* Compare with what was sent: 0 intact, else report and return -1. */
static int
probe_intact(struct probe *p, struct probe_slot *s, const unsigned char *b,
    size_t n)
{
	size_t i, m = n < p->o->size ? n : p->o->size;
	char detail[96];

	probe_fill(p, s->seq, s->sent_ns, p->tx);
	for (i = 0; i < m && b[i] == p->tx[i]; i++)
		;
	if (i == m && n == p->o->size)
		return 0;
	if (s->state == PROBE_PENDING)
		s->state = PROBE_BAD;
	if (i < m || n > p->o->size) {
		snprintf(detail, sizeof(detail), "first difference at byte %zu",
		    i);
		p->t.corrupt++;
		probe_out_event(&p->t, PROBE_EV_CORRUPT, s->seq, n, 0,
		    s->connect_ms, 0, detail);
	} else {
		snprintf(detail, sizeof(detail), "%zu of %zu bytes", n,
		    p->o->size);
		p->t.truncated++;
		probe_out_event(&p->t, PROBE_EV_TRUNCATED, s->seq, n, 0,
		    s->connect_ms, 0, detail);
	}
	return -1;
}

/* Classify one reply (a datagram or a TCP frame). */
static void
probe_reply(struct probe *p, const unsigned char *b, size_t n)
{
	uint64_t now = clock_mono_ns();
	struct probe_slot *s = probe_match(p, b, n);
	int flags = 0;
	double rtt;

	if (s == NULL) {
		p->t.corrupt++;
		probe_out_event(&p->t, PROBE_EV_CORRUPT, UINT32_MAX, n, 0, -1, 0,
		    "not a reply to any probe (header damaged)");
		return;
	}
	rtt = (double)(now - s->sent_ns) / 1e6;
	if (probe_intact(p, s, b, n) == -1)
		return;
	if (s->state == PROBE_REPLIED || s->state == PROBE_BAD) {
		flags |= PROBE_F_DUP;
		p->t.dup++;
	} else if (s->state == PROBE_LOST) {
		flags |= PROBE_F_LATE;
		p->t.late++;
	} else {
		s->state = PROBE_REPLIED;
		p->t.received++;
		client_stats_add(&p->t.rtt, rtt);
		if (p->any_replied && s->seq < p->max_replied) {
			flags |= PROBE_F_REORDERED;
			p->t.reordered++;
		}
		if (!p->any_replied || s->seq > p->max_replied)
			p->max_replied = s->seq;
		p->any_replied = 1;
	}
	probe_out_event(&p->t, PROBE_EV_REPLY, s->seq, n, rtt, s->connect_ms,
	    flags, NULL);
}

/* A whole reply on a --reconnect connection. */
static void
probe_conn_reply(void *arg, const unsigned char *b, size_t n)
{
	struct probe *p = arg;

	probe_reply(p, b, n);
	probe_sweep(p, 0);
}

/* The connection ended (or failed): what was in flight is lost. */
static void
probe_closed(struct probe *p, const char *why)
{
	char part[64];

	if (p->rxlen > 0) {
		/* The close cut a reply short. */
		snprintf(part, sizeof(part), "%zu of %zu bytes before the "
		    "close", p->rxlen, p->o->size);
		p->t.truncated++;
		probe_out_event(&p->t, PROBE_EV_TRUNCATED, UINT32_MAX, p->rxlen,
		    0, -1, 0, part);
	}
	probe_out_event(&p->t, PROBE_EV_ERROR, p->t.sent - 1, 0, 0, -1, 0, why);
	p->closed = 1;
	probe_sweep(p, 1);
	probe_finish(p);
}

static void
probe_error(void *arg, int err)
{
	struct probe *p = arg;

	if (err == ECONNREFUSED && p->o->proto == CLIENT_UDP) {
		p->t.refused++;
		probe_out_event(&p->t, PROBE_EV_ERROR, p->t.sent - 1, 0, 0, -1,
		    0, "connection refused (ICMP port unreachable)");
		return;
	}
	probe_closed(p, strerror(err));
}

/* A datagram, or TCP bytes cut into replies of -s bytes. */
static void
probe_data(void *arg, const unsigned char *b, size_t n)
{
	struct probe *p = arg;

	if (n == 0) {
		probe_closed(p, "the server closed the connection");
		return;
	}
	if (p->o->proto == CLIENT_UDP)
		probe_reply(p, b, n);
	while (p->o->proto == CLIENT_TCP && n > 0) {
		size_t k = p->o->size - p->rxlen;

		if (k > n)
			k = n;
		memcpy(p->rx + p->rxlen, b, k);
		b += k;
		n -= k;
		if ((p->rxlen += k) == p->o->size) {
			p->rxlen = 0;
			probe_reply(p, p->rx, p->o->size);
		}
	}
	probe_sweep(p, 0);
}

static void
probe_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe *p = w->data;
	uint32_t seq = p->t.sent;
	struct probe_slot *s = &p->slot[seq % PROBE_SLOTS];
	int fd = p->fd;

	if (p->o->count > 0 && seq >= (uint32_t)p->o->count) {
		ev_timer_stop(loop, w);
		return;
	}
	if (s->state == PROBE_PENDING)
		probe_lose(p, s);	/* remembered too long: recycle */
	memset(s, 0, sizeof(*s));
	s->seq = seq;
	s->connect_ms = -1;
	s->sent_ns = clock_mono_ns();
	s->deadline = clock_mono() + p->o->wait;
	s->state = PROBE_PENDING;
	p->t.sent++;
	if (p->o->reconnect &&
	    (fd = probe_conn_open(&p->conns, seq, &s->connect_ms)) == -1) {
		p->t.connfail++;
		s->state = PROBE_LOST;
		p->t.lost++;
		probe_out_event(&p->t, PROBE_EV_ERROR, seq, 0, 0, -1, 0,
		    "connect failed");
	} else {
		if (p->o->reconnect) {
			/* The RTT is the echo's; connect time is reported apart. */
			client_stats_add(&p->t.conn, s->connect_ms);
			s->sent_ns = clock_mono_ns();
			s->deadline = clock_mono() + p->o->wait;
		}
		probe_fill(p, seq, s->sent_ns, p->tx);
		/* A stalled socket is given up to -W. */
		if (client_net_write_all(fd, p->tx, p->o->size, clock_mono() +
		    p->o->wait) == -1) {
			int refused = errno == ECONNREFUSED;

			p->t.refused += refused;
			probe_out_event(&p->t, PROBE_EV_ERROR, seq, 0, 0, -1, 0,
			    refused ? "connection refused (ICMP port "
			    "unreachable)" : strerror(errno));
		}
	}
	probe_sweep(p, 0);
}

static void
probe_check(void *arg)
{
	probe_sweep(arg, 0);
}

static void
probe_signal(void *arg, int signum)
{
	probe_finish(arg);
}

static void
probe_sigquit_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct probe *p = w->data;

	probe_out_interim(&p->t);
}

/* Exit code: 0 all answered intact, 2 never connected, 1 otherwise. */
static int
probe_status(const struct probe *p)
{
	if (p->t.sent > 0 && p->t.connfail == p->t.sent)
		return EXITCODE_CONNECT;
	if (p->t.received == 0 && p->t.refused > 0)
		return EXITCODE_CONNECT;
	if (p->t.sent > 0 && p->t.received == p->t.sent && !p->t.dup &&
	    !p->t.corrupt && !p->t.truncated && !p->t.late && !p->closed)
		return EX_OK;
	return EXITCODE_LOSS;
}

static void
probe_watchers(struct probe *p)
{
	ev_timer_init(&p->tick, probe_tick_cb, 0., p->o->interval);
	ev_signal_init(&p->sigquit, probe_sigquit_cb, SIGQUIT);
	p->tick.data = p->sigquit.data = p;
	ev_timer_start(p->l.loop, &p->tick);
	ev_signal_start(p->l.loop, &p->sigquit);
	client_loop_timer(&p->l, 0.02);
}

/* "127.0.0.1:8888"; with --reconnect, the name as given. */
static int
probe_connect(struct probe *p)
{
	struct addr peer;

	if (p->o->reconnect) {
		snprintf(p->t.peer, sizeof(p->t.peer), "%s%s%s:%s",
		    strchr(p->o->host, ':') ? "[" : "", p->o->host,
		    strchr(p->o->host, ':') ? "]" : "", p->o->port);
		return 0;
	}
	if ((p->fd = client_net_connect(p->o, &peer)) == -1)
		return -1;
	addr_format(&peer.u.sa, p->t.peer, sizeof(p->t.peer));
	return 0;
}

static const struct client_loop_ops probe_ops = {
	.data = probe_data, .error = probe_error, .timer = probe_check,
	.signal = probe_signal,
};

static int
probe_run(struct probe *p)
{
	if (probe_connect(p) == -1)
		return EXITCODE_CONNECT;
	/* The loop needs no name: the probe says what happened itself. */
	if (client_loop_init(&p->l, p->o, p->fd, NULL, &probe_ops, p) == -1 ||
	    (p->o->reconnect && probe_conn_init(&p->conns, p->l.loop, p->o,
	    probe_conn_reply, p) == -1)) {
		fprintf(stderr, "echoctl: out of memory\n");
		return EXITCODE_LOSS;
	}
	p->t.start = clock_mono();
	probe_out_start(&p->t);
	probe_watchers(p);
	(void)client_loop_run(&p->l);
	probe_sweep(p, 1);	/* on Ctrl-C, unanswered probes count as lost */
	p->t.status = probe_status(p);
	probe_out_summary(&p->t);
	return p->t.status;
}

int
client_probe_run(struct client_opts *o)
{
	struct probe *p = calloc(1, sizeof(*p));
	int rc;

	if (p == NULL)
		return EXITCODE_LOSS;
	p->o = p->t.o = o;
	p->fd = -1;
	p->sid = (uint32_t)getpid() ^ (uint32_t)clock_mono_ns();
	p->tx = malloc(o->size);
	p->rx = malloc(o->size);
	if (p->tx == NULL || p->rx == NULL ||
	    client_stats_init(&p->t.rtt, 100000) == -1 ||
	    client_stats_init(&p->t.conn, 100000) == -1) {
		fprintf(stderr, "echoctl: out of memory\n");
		rc = EXITCODE_LOSS;
	} else
		rc = probe_run(p);
	if (p->fd != -1)
		close(p->fd);
	probe_conn_free(&p->conns);
	client_stats_free(&p->t.rtt);
	client_stats_free(&p->t.conn);
	free(p->tx);
	free(p->rx);
	free(p);
	return rc;
}
