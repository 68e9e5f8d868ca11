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
 * A stateful reflector numbers its own answers from zero, so gaps in its
 * numbers against ours tell forward from backward loss (the summary,
 * client_stamp_out.c, splits it).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_loop.h"
#include "client/client_net.h"
#include "client/client_stamp.h"
#include "client/client_stamp_out.h"
#include "common/clock.h"
#include "common/stamp.h"

#define STAMP_PROBE_SLOTS	4096	/* test packets remembered */

enum stamp_slot_state {
	STAMP_SLOT_FREE,
	STAMP_SLOT_PENDING,
	STAMP_SLOT_ANSWERED,
	STAMP_SLOT_LOST,
};

struct stamp_slot {
	uint32_t seq;
	uint64_t sent_ns;		/* monotonic, for the round trip */
	struct timespec t1;		/* wall clock, for the one-way delays */
	uint64_t t1_ts;			/* T1 as sent */
	double deadline;
	enum stamp_slot_state state;
};

struct stamp_probe {
	struct client_loop l;		/* its timer: the loss sweep */
	struct stamp_tally t;
	const struct client_opts *o;
	int fd;
	uint32_t oldest;		/* no pending packet before this seq */
	struct stamp_slot slot[STAMP_PROBE_SLOTS];
	unsigned char *tx, *rx;
	ev_timer tick;
	ev_signal sigquit;
};

static void
stamp_finish(struct stamp_probe *p)
{
	if (!p->l.done)
		p->t.end = clock_mono();
	client_loop_finish(&p->l, EX_OK, NULL);
}

/* Expire overdue packets; finish when -c packets are all resolved. */
static void
stamp_sweep(struct stamp_probe *p, int all)
{
	double now = clock_mono();

	while (p->oldest != p->t.sent) {
		struct stamp_slot *s = &p->slot[p->oldest % STAMP_PROBE_SLOTS];

		if (s->state == STAMP_SLOT_PENDING) {
			if (!all && now < s->deadline)
				break;
			s->state = STAMP_SLOT_LOST;
			p->t.lost++;
			stamp_out_timeout(&p->t, s->seq);
		}
		p->oldest++;
	}
	if (p->o->count > 0 && p->t.sent >= (uint32_t)p->o->count &&
	    p->oldest == p->t.sent)
		stamp_finish(p);
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
static struct stamp_slot *
stamp_match(struct stamp_probe *p, const struct stamp_reply *r)
{
	struct stamp_slot *s = &p->slot[r->sender_seq % STAMP_PROBE_SLOTS];

	if (r->sender_seq >= p->t.sent || s->seq != r->sender_seq ||
	    s->state == STAMP_SLOT_FREE || s->t1_ts != r->sender_ts)
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
stamp_measure(struct stamp_probe *p, struct stamp_slot *s,
    const struct stamp_reply *r, const struct timespec *t4,
    uint64_t recv_ns, struct stamp_result *res)
{
	enum stamp_tsfmt fmt = stamp_err_format(r->err);
	uint64_t t1 = stamp_our_ts(p, &s->t1, fmt);
	uint64_t t4ts = stamp_our_ts(p, t4, fmt);

	res->residence = stamp_ts_diff(r->tx_ts, r->rx_ts, fmt) * 1e3;
	res->rtt = (double)(recv_ns - s->sent_ns) / 1e6 - res->residence;
	res->fwd = stamp_ts_diff(r->rx_ts, t1, fmt) * 1e3;
	res->bwd = stamp_ts_diff(t4ts, r->tx_ts, fmt) * 1e3;
}

/* Sequence numbers: duplicates, late answers, reordering, loss direction. */
static void
stamp_account(struct stamp_probe *p, struct stamp_slot *s,
    const struct stamp_reply *r, struct stamp_result *res)
{
	if (s->state == STAMP_SLOT_ANSWERED) {
		res->dup = true;
		p->t.dup++;
		return;
	}
	if (s->state == STAMP_SLOT_LOST) {
		res->late = true;
		p->t.late++;
		return;
	}
	s->state = STAMP_SLOT_ANSWERED;
	p->t.received++;
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
	client_stats_add(&p->t.rtt, res->rtt);
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
	struct stamp_slot *s;

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
		stamp_out_error(&p->t, p->t.sent - 1, "connection refused (ICMP "
		    "port unreachable)");
	} else if (rc == -1) {
		stamp_out_error(&p->t, p->t.sent - 1, strerror(errno));
	}
	stamp_sweep(p, 0);
}

static void
stamp_send_one(struct stamp_probe *p, struct stamp_slot *s)
{
	struct stamp_test t = { .seq = s->seq };
	struct clock_sync cs;

	clock_wall_sync(&cs);
	t.err = stamp_err_encode(cs.synced, STAMP_TS_NTP, cs.error);
	s->deadline = clock_mono() + p->o->wait;
	s->sent_ns = clock_mono_ns();
	clock_wall(&s->t1);
	s->t1_ts = t.ts = stamp_ts_from_timespec(&s->t1, STAMP_TS_NTP);
	(void)stamp_test_build(p->tx, p->o->size, &t);
	if (send(p->fd, p->tx, p->o->size, 0) == -1) {
		int refused = errno == ECONNREFUSED;

		p->t.refused += refused;
		stamp_out_error(&p->t, s->seq, refused ? "connection refused (ICMP "
		    "port unreachable)" : strerror(errno));
	}
}

static void
stamp_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct stamp_probe *p = w->data;
	uint32_t seq = p->t.sent;
	struct stamp_slot *s = &p->slot[seq % STAMP_PROBE_SLOTS];

	if (p->o->count > 0 && seq >= (uint32_t)p->o->count) {
		ev_timer_stop(loop, w);
		return;
	}
	if (s->state == STAMP_SLOT_PENDING) {	/* remembered too long */
		s->state = STAMP_SLOT_LOST;
		p->t.lost++;
		stamp_out_timeout(&p->t, s->seq);
	}
	memset(s, 0, sizeof(*s));
	s->seq = seq;
	s->state = STAMP_SLOT_PENDING;
	p->t.sent++;
	stamp_send_one(p, s);
	stamp_sweep(p, 0);
}

static void
stamp_check(void *arg)
{
	stamp_sweep(arg, 0);
}

static void
stamp_signal(void *arg, int signum)
{
	stamp_finish(arg);
}

static void
stamp_sigquit_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct stamp_probe *p = w->data;

	stamp_out_interim(&p->t);
}

static void
stamp_watchers(struct stamp_probe *p)
{
	ev_timer_init(&p->tick, stamp_tick_cb, 0., p->o->interval);
	ev_signal_init(&p->sigquit, stamp_sigquit_cb, SIGQUIT);
	p->tick.data = p->sigquit.data = p;
	ev_timer_start(p->l.loop, &p->tick);
	ev_signal_start(p->l.loop, &p->sigquit);
	client_loop_timer(&p->l, 0.02);
}

/* Exit code: 0 every packet answered intact, 2 unreachable, 1 otherwise. */
static int
stamp_status(const struct stamp_probe *p)
{
	if (p->t.received == 0 && p->t.refused > 0)
		return EXITCODE_CONNECT;
	if (p->t.sent > 0 && p->t.received == p->t.sent && !p->t.dup &&
	    !p->t.malformed && !p->t.late)
		return EX_OK;
	return EXITCODE_LOSS;
}

static const struct client_loop_ops stamp_ops = {
	.read = stamp_read, .timer = stamp_check, .signal = stamp_signal,
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
	p->t.start = clock_mono();
	stamp_out_start(&p->t);
	stamp_watchers(p);
	(void)client_loop_run(&p->l);
	stamp_sweep(p, 1);	/* on Ctrl-C, unanswered packets are lost */
	p->t.status = stamp_status(p);
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
	    client_stats_init(&p->t.rtt, 100000) == -1 ||
	    client_stats_init(&p->t.fwd, 100000) == -1 ||
	    client_stats_init(&p->t.bwd, 100000) == -1)
		fprintf(stderr, "echoctl: out of memory\n");
	else {
		p->o = p->t.o = o;
		rc = stamp_run(p);
	}
	if (p != NULL) {
		client_stats_free(&p->t.rtt);
		client_stats_free(&p->t.fwd);
		client_stats_free(&p->t.bwd);
		free(p->tx);
		free(p->rx);
	}
	free(p);
	return rc;
}
