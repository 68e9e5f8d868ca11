/*
 * client_stamp: `echoctl probe stamp HOST PORT`, an RFC 8762 Session-Sender
 * in unauthenticated mode.
 *
 * Every -i a test packet of -s octets (44 at least) is sent: our sequence
 * number (from zero, one more each packet), T1 (the wall clock in NTP
 * format, read just before send) and our Error Estimate.  An answer is
 * matched by the copied sequence number and T1, so strays and answers to
 * another sender are not counted.  The receive time T4 is the kernel's
 * software receive timestamp (SO_TIMESTAMPNS) when it gives one.
 *
 *   round trip = (T4 - T1) - (T3 - T2), T4 - T1 from the monotonic clock
 *   forward    = T2 - T1, backward = T4 - T3: these compare our clock with
 *                the reflector's and are only as true as their
 *                synchronization (the summary says so)
 *
 * An answer whose residence T3 - T2 exceeds T4 - T1 would have a negative
 * round trip: its timestamps are inconsistent, so it is reported and
 * counted as such, and is neither an answer nor a delay sample.
 *
 * A stateful reflector numbers its own answers from zero, so gaps in its
 * numbers against ours tell forward from backward loss (the summary,
 * client_stamp_out.c, splits it).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_loop.h"
#include "client/client_net.h"
#include "client/client_series.h"
#include "client/client_stamp.h"
#include "client/client_stamp_out.h"
#include "common/clock.h"
#include "common/stamp.h"

/* What a test packet carried, by series slot, to time its answer. */
struct stamp_sent {
	struct timespec t1;		/* wall clock, for the one-way delays */
	uint64_t t1_ts;			/* T1 as sent */
};

struct stamp_probe {
	struct client_loop l;
	struct client_series series;
	struct stamp_tally t;
	const struct client_opts *o;
	int fd;
	struct stamp_sent sent[CLIENT_SERIES_SLOTS];
	unsigned char *tx, *rx;
};

static void
stamp_lost(void *arg, struct client_series_slot *s)
{
	struct stamp_probe *p = arg;

	p->t.lost++;
	stamp_out_timeout(&p->t, s->seq);
}

static void
ipdv_add(struct stamp_ipdv *j, double v)
{
	if (j->have) {
		j->sum += v > j->last ? v - j->last : j->last - v;
		j->n++;
	}
	j->last = v;
	j->have = true;
}

/* The answer's slot, or NULL when it answers none of our packets. */
static struct client_series_slot *
stamp_match(struct stamp_probe *p, const struct stamp_reply *r)
{
	struct client_series_slot *s = client_series_find(&p->series,
	    r->sender_seq);

	if (s == NULL ||
	    p->sent[s->seq % CLIENT_SERIES_SLOTS].t1_ts != r->sender_ts)
		return NULL;
	return s;
}

/* Our T1 and T4 in the reflector's format (PTP counts TAI seconds). */
static uint64_t
stamp_our_ts(const struct stamp_probe *p, const struct timespec *t,
    enum stamp_tsfmt fmt)
{
	struct timespec tai = *t;

	if (fmt == STAMP_TS_PTP)
		tai.tv_sec += p->t.sync.tai_offset;
	return stamp_ts_from_timespec(&tai, fmt);
}

static void
stamp_measure(struct stamp_probe *p, struct client_series_slot *s,
    const struct stamp_reply *r, const struct timespec *t4,
    uint64_t recv_ns, struct stamp_result *res)
{
	enum stamp_tsfmt fmt = stamp_err_format(r->err);
	uint64_t t1 = stamp_our_ts(p, &p->sent[s->seq % CLIENT_SERIES_SLOTS].t1,
	    fmt);
	uint64_t t4ts = stamp_our_ts(p, t4, fmt);

	res->residence = stamp_ts_diff(r->tx_ts, r->rx_ts, fmt) * 1e3;
	res->rtt = (double)(recv_ns - s->sent_ns) / 1e6 - res->residence;
	res->fwd = stamp_ts_diff(r->rx_ts, t1, fmt) * 1e3;
	res->bwd = stamp_ts_diff(t4ts, r->tx_ts, fmt) * 1e3;
}

/* Sequence numbers: duplicates, late answers, reordering, loss direction. */
static void
stamp_account(struct stamp_probe *p, struct client_series_slot *s,
    const struct stamp_reply *r, struct stamp_result *res)
{
	if (s->state == CLIENT_SERIES_ANSWERED) {
		res->dup = true;
		p->t.dup++;
		return;
	}
	if (s->state == CLIENT_SERIES_LOST) {
		res->late = true;
		p->t.late++;
		return;
	}
	if (res->rtt < 0) {
		/* T2 or T3 is wrong, and every delay taken from them; the
		 * packet is not waited for any more, nor answered. */
		res->inconsistent = true;
		s->state = CLIENT_SERIES_ANSWERED;
		p->t.inconsistent++;
		return;
	}
	client_series_answer(&p->series, s, res->rtt);
	if (r->seq != r->sender_seq)
		p->t.numbering_own = true;
	if (p->t.any_answer && r->sender_seq < p->t.max_sseq) {
		res->reordered = true;
		p->t.reordered++;
	}
	if (!p->t.any_answer || r->sender_seq > p->t.max_sseq)
		p->t.max_sseq = r->sender_seq;
	if (!p->t.any_answer || r->seq > p->t.max_rseq)
		p->t.max_rseq = r->seq;
	if (p->t.max_rseq > p->t.max_sseq)	/* not numbered from zero for us */
		p->t.numbering_bad = true;
	p->t.any_answer = true;
	client_stats_add(&p->t.fwd, res->fwd);
	client_stats_add(&p->t.bwd, res->bwd);
	ipdv_add(&p->t.j_rtt, res->rtt);
	ipdv_add(&p->t.j_fwd, res->fwd);
	ipdv_add(&p->t.j_bwd, res->bwd);
}

static void
stamp_answer(struct stamp_probe *p, const unsigned char *b, size_t n,
    const struct timespec *t4, uint64_t recv_ns)
{
	struct stamp_result res = { .bytes = n };
	struct stamp_reply r;
	struct client_series_slot *s;

	if (stamp_reply_parse(b, n, &r) == -1 || !r.mbz_ok ||
	    n != p->o->size) {
		p->t.malformed++;
		stamp_out_error(&p->t, UINT32_MAX, n < STAMP_MIN_LEN ?
		    "answer shorter than 44 octets" : n != p->o->size ?
		    "answer not the length of the test packet" :
		    "answer with non-zero MBZ octets");
		return;
	}
	if ((s = stamp_match(p, &r)) == NULL) {
		p->t.stray++;
		stamp_out_error(&p->t, r.sender_seq, "answer to no packet of ours");
		return;
	}
	res.seq = r.sender_seq;
	res.refl_seq = r.seq;
	res.ttl = r.sender_ttl;
	stamp_measure(p, s, &r, t4, recv_ns, &res);
	stamp_account(p, s, &r, &res);
	if (res.inconsistent) {
		char what[160];

		snprintf(what, sizeof(what), "answer with inconsistent "
		    "timestamps: the reflector's T3 - T2 (%.3f ms) exceeds the "
		    "round trip T4 - T1 (%.3f ms)", res.residence,
		    res.rtt + res.residence);
		stamp_out_error(&p->t, res.seq, what);
		return;
	}
	p->t.refl_err = r.err;
	stamp_out_answer(&p->t, &res);
}

/* One datagram with the kernel's receive timestamp t4 and the monotonic
 * time of that moment; 0, 1 none waiting, -1 error. */
static int
stamp_recv(struct stamp_probe *p, size_t *n, struct timespec *t4,
    uint64_t *mono)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct timespec))];
	} ctl;
	struct iovec iov = { p->rx, 65536 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = &ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	struct timespec now;
	int64_t lag;
	ssize_t r = recvmsg(p->fd, &m, MSG_DONTWAIT);

	if (r == -1)
		return errno == EAGAIN || errno == EINTR ? 1 : -1;
	*mono = clock_mono_ns();
	clock_wall(&now);
	*t4 = now;
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS)
			memcpy(t4, CMSG_DATA(c), sizeof(*t4));
	/* The kernel stamped the datagram `lag` before we read the clocks:
	 * a short wall-clock interval, taken off the monotonic time. */
	lag = (int64_t)(now.tv_sec - t4->tv_sec) * 1000000000 +
	    (now.tv_nsec - t4->tv_nsec);
	if (lag > 0 && lag < 1000000000)
		*mono -= (uint64_t)lag;
	*n = (size_t)r;
	return 0;
}

/* Everything waiting: recvmsg, for the kernel's receive timestamps. */
static void
stamp_read(void *arg)
{
	struct stamp_probe *p = arg;
	struct timespec t4;
	uint64_t mono;
	size_t n;
	int rc;

	while ((rc = stamp_recv(p, &n, &t4, &mono)) == 0)
		stamp_answer(p, p->rx, n, &t4, mono);
	if (rc == -1 && errno == ECONNREFUSED) {
		p->t.refused++;
		stamp_out_error(&p->t, p->series.sent - 1, "connection refused "
		    "(ICMP port unreachable)");
	} else if (rc == -1) {
		stamp_out_error(&p->t, p->series.sent - 1, strerror(errno));
	}
	client_series_sweep(&p->series, 0);
}

static void
stamp_send(void *arg, struct client_series_slot *s)
{
	struct stamp_probe *p = arg;
	struct stamp_sent *sent = &p->sent[s->seq % CLIENT_SERIES_SLOTS];
	struct stamp_test t = { .seq = s->seq };
	struct clock_sync cs;

	clock_wall_sync(&cs);
	t.err = stamp_err_encode(cs.synced, STAMP_TS_NTP, cs.error);
	s->sent_ns = clock_mono_ns();
	clock_wall(&sent->t1);
	sent->t1_ts = t.ts = stamp_ts_from_timespec(&sent->t1, STAMP_TS_NTP);
	(void)stamp_test_build(p->tx, p->o->size, &t);
	if (send(p->fd, p->tx, p->o->size, 0) == -1) {
		int refused = errno == ECONNREFUSED;

		p->t.refused += refused;
		stamp_out_error(&p->t, s->seq, refused ? "connection refused "
		    "(ICMP port unreachable)" : strerror(errno));
	}
}

static const struct client_loop_ops stamp_ops = {
	.read = stamp_read,
};

static const struct client_series_ops stamp_series_ops = {
	.send = stamp_send, .lost = stamp_lost,
	.answers = "answers", .rtt = "round trip ",
};

static int
stamp_run(struct stamp_probe *p)
{
	struct addr peer;
	int on = 1;

	memset(&peer, 0, sizeof(peer));
	if ((p->fd = client_net_connect(p->o, &peer)) == -1)
		return EXITCODE_CONNECT;
	/* Without it T4 is read after recvmsg: later, never wrong. */
	(void)setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	addr_format(&peer.u.sa, p->t.peer, sizeof(p->t.peer));
	clock_wall_sync(&p->t.sync);
	/* The loop needs no name: the probe says what happened itself. */
	if (client_loop_init(&p->l, p->o, p->fd, NULL, &stamp_ops, p) == -1) {
		fprintf(stderr, "echoctl: out of memory\n");
		close(p->fd);
		return EXITCODE_LOSS;
	}
	stamp_out_start(&p->t);
	client_series_run(&p->series, &p->l, p->o, &stamp_series_ops, p);
	p->t.status = client_series_status(&p->series, p->t.refused, 0,
	    p->t.dup || p->t.malformed || p->t.late || p->t.inconsistent);
	stamp_out_summary(&p->t);
	close(p->fd);
	return p->t.status;
}

int
client_stamp_run(struct client_opts *o)
{
	struct stamp_probe *p = calloc(1, sizeof(*p));
	int rc = EXITCODE_LOSS;

	if (p == NULL || (p->tx = malloc(o->size)) == NULL ||
	    (p->rx = malloc(65536)) == NULL ||
	    client_series_init(&p->series) == -1 ||
	    client_stats_init(&p->t.fwd, 100000) == -1 ||
	    client_stats_init(&p->t.bwd, 100000) == -1)
		fprintf(stderr, "echoctl: out of memory\n");
	else {
		p->o = p->t.o = o;
		p->t.series = &p->series;
		rc = stamp_run(p);
	}
	if (p != NULL) {
		client_series_free(&p->series);
		client_stats_free(&p->t.fwd);
		client_stats_free(&p->t.bwd);
		free(p->tx);
		free(p->rx);
	}
	free(p);
	return rc;
}
