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
 * Ctrl-C ends with the summary; SIGQUIT prints an interim one (the
 * schedule is client_series.c's).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
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
#include "client/client_series.h"
#include "common/clock.h"

#define PROBE_HDR	24	/* magic, seq, timestamp, session, pattern... */

struct probe {
	struct client_loop l;
	struct client_series series;
	struct probe_tally t;
	const struct client_opts *o;
	int fd;				/* the connection or UDP socket */
	uint32_t sid;			/* tells our replies from strays */
	uint32_t max_replied;
	int any_replied;
	/* --reconnect: each probe's connect time (ms; < 0: not measured),
	 * by slot. */
	double connect_ms[CLIENT_SERIES_SLOTS];
	unsigned char *tx, *rx;		/* one payload each */
	size_t rxlen;			/* TCP: bytes of rx so far */
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

static double
probe_connect_ms(const struct probe *p, const struct client_series_slot *s)
{
	return p->connect_ms[s->seq % CLIENT_SERIES_SLOTS];
}

static void
probe_lost(void *arg, struct client_series_slot *s)
{
	struct probe *p = arg;

	p->t.lost++;
	probe_conn_drop(&p->conns, s->seq);
	probe_out_event(&p->t, PROBE_EV_TIMEOUT, s->seq, 0, 0,
	    probe_connect_ms(p, s), 0, NULL);
}

/* The probe a reply claims to answer, or NULL when its header is not ours. */
static struct client_series_slot *
probe_match(struct probe *p, const unsigned char *b, size_t n)
{
	uint32_t seq, sid;

	if (n < PROBE_HDR || memcmp(b, probe_magic, 4) != 0)
		return NULL;
	memcpy(&seq, b + 4, 4);
	memcpy(&sid, b + 16, 4);
	if (ntohl(sid) != p->sid)
		return NULL;
	return client_series_find(&p->series, ntohl(seq));
}

/* Compare with what was sent: 0 intact, else report and return -1. */
static int
probe_intact(struct probe *p, struct client_series_slot *s,
    const unsigned char *b, size_t n)
{
	size_t i, m = n < p->o->size ? n : p->o->size;
	char detail[96];

	probe_fill(p, s->seq, s->sent_ns, p->tx);
	for (i = 0; i < m && b[i] == p->tx[i]; i++)
		;
	if (i == m && n == p->o->size)
		return 0;
	/* Answered, though not intact: a later intact copy is a duplicate. */
	if (s->state == CLIENT_SERIES_PENDING)
		s->state = CLIENT_SERIES_ANSWERED;
	if (i < m || n > p->o->size) {
		snprintf(detail, sizeof(detail), "first difference at byte %zu",
		    i);
		p->t.corrupt++;
		probe_out_event(&p->t, PROBE_EV_CORRUPT, s->seq, n, 0,
		    probe_connect_ms(p, s), 0, detail);
	} else {
		snprintf(detail, sizeof(detail), "%zu of %zu bytes", n,
		    p->o->size);
		p->t.truncated++;
		probe_out_event(&p->t, PROBE_EV_TRUNCATED, s->seq, n, 0,
		    probe_connect_ms(p, s), 0, detail);
	}
	return -1;
}

/* Classify one reply (a datagram or a TCP frame). */
static void
probe_reply(struct probe *p, const unsigned char *b, size_t n)
{
	uint64_t now = clock_mono_ns();
	struct client_series_slot *s = probe_match(p, b, n);
	int flags = 0;
	double rtt;

	if (s == NULL) {
		p->t.corrupt++;
		probe_out_event(&p->t, PROBE_EV_CORRUPT, UINT32_MAX, n, 0, -1, 0,
		    n == 0 ? "an empty datagram, not a reply to any probe" :
		    "not a reply to any probe (header damaged)");
		return;
	}
	rtt = (double)(now - s->sent_ns) / 1e6;
	if (probe_intact(p, s, b, n) == -1)
		return;
	if (s->state == CLIENT_SERIES_ANSWERED) {
		flags |= PROBE_F_DUP;
		p->t.dup++;
	} else if (s->state == CLIENT_SERIES_LOST) {
		flags |= PROBE_F_LATE;
		p->t.late++;
	} else {
		client_series_answer(&p->series, s, rtt);
		if (p->any_replied && s->seq < p->max_replied) {
			flags |= PROBE_F_REORDERED;
			p->t.reordered++;
		}
		if (!p->any_replied || s->seq > p->max_replied)
			p->max_replied = s->seq;
		p->any_replied = 1;
	}
	probe_out_event(&p->t, PROBE_EV_REPLY, s->seq, n, rtt,
	    probe_connect_ms(p, s), flags, NULL);
}

/* A whole reply on a --reconnect connection. */
static void
probe_conn_reply(void *arg, const unsigned char *b, size_t n)
{
	struct probe *p = arg;

	probe_reply(p, b, n);
	client_series_sweep(&p->series, 0);
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
	probe_out_event(&p->t, PROBE_EV_ERROR, p->series.sent - 1, 0, 0, -1, 0,
	    why);
	p->closed = 1;
	client_series_sweep(&p->series, 1);
	client_series_finish(&p->series);
}

static void
probe_error(void *arg, int err)
{
	struct probe *p = arg;

	if (err == ECONNREFUSED && p->o->proto == CLIENT_UDP) {
		p->t.refused++;
		probe_out_event(&p->t, PROBE_EV_ERROR, p->series.sent - 1, 0, 0,
		    -1, 0, "connection refused (ICMP port unreachable)");
		return;
	}
	probe_closed(p, strerror(err));
}

/* A datagram, or TCP bytes cut into replies of -s bytes. */
static void
probe_data(void *arg, const unsigned char *b, size_t n)
{
	struct probe *p = arg;

	/* 0 bytes: over TCP the end of the stream; over UDP an empty
	 * datagram, a reply like any damaged one (probe_reply). */
	if (n == 0 && p->o->proto == CLIENT_TCP) {
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
	client_series_sweep(&p->series, 0);
}

/* --reconnect: the probe's own connection, its connect time apart from
 * the round trip.  The socket, or -1 (the probe is lost). */
static int
probe_reconnect(struct probe *p, struct client_series_slot *s)
{
	double *ms = &p->connect_ms[s->seq % CLIENT_SERIES_SLOTS];
	int fd = probe_conn_open(&p->conns, s->seq, ms);

	if (fd == -1) {
		p->t.connfail++;
		p->t.lost++;
		s->state = CLIENT_SERIES_LOST;
		probe_out_event(&p->t, PROBE_EV_ERROR, s->seq, 0, 0, -1, 0,
		    "connect failed");
		return -1;
	}
	client_stats_add(&p->t.conn, *ms);
	s->sent_ns = clock_mono_ns();
	s->deadline = clock_mono() + p->o->wait;
	return fd;
}

static void
probe_send(void *arg, struct client_series_slot *s)
{
	struct probe *p = arg;
	int fd = p->fd;

	p->connect_ms[s->seq % CLIENT_SERIES_SLOTS] = -1;
	if (p->o->reconnect && (fd = probe_reconnect(p, s)) == -1)
		return;
	probe_fill(p, s->seq, s->sent_ns, p->tx);
	/* A stalled socket is given up to -W. */
	if (client_net_write_all(fd, p->tx, p->o->size, clock_mono() +
	    p->o->wait) == -1) {
		int refused = errno == ECONNREFUSED;

		p->t.refused += refused;
		probe_out_event(&p->t, PROBE_EV_ERROR, s->seq, 0, 0, -1, 0,
		    refused ? "connection refused (ICMP port unreachable)" :
		    strerror(errno));
	}
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
	.data = probe_data, .error = probe_error,
};

static const struct client_series_ops probe_series_ops = {
	.send = probe_send, .lost = probe_lost,
	.answers = "replies", .rtt = "",
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
	probe_out_start(&p->t);
	client_series_run(&p->series, &p->l, p->o, &probe_series_ops, p);
	p->t.status = client_series_status(&p->series, p->t.refused,
	    p->t.connfail, p->t.dup || p->t.corrupt ||
	    p->t.truncated || p->t.late || p->closed);
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
	p->t.series = &p->series;
	p->fd = -1;
	p->sid = (uint32_t)getpid() ^ (uint32_t)clock_mono_ns();
	p->tx = malloc(o->size);
	p->rx = malloc(o->size);
	if (p->tx == NULL || p->rx == NULL ||
	    client_series_init(&p->series) == -1 ||
	    client_stats_init(&p->t.conn, 100000) == -1) {
		fprintf(stderr, "echoctl: out of memory\n");
		rc = EXITCODE_LOSS;
	} else
		rc = probe_run(p);
	if (p->fd != -1)
		close(p->fd);
	probe_conn_free(&p->conns);
	client_series_free(&p->series);
	client_stats_free(&p->t.conn);
	free(p->tx);
	free(p->rx);
	free(p);
	return rc;
}
