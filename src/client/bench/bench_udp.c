/*
 * bench_udp: the UDP load engine of one thread.  Each socket is connected to
 * the target (so only the target's answers arrive) and keeps `depth`
 * datagrams in flight in numbered slots.  A datagram starts with a 16-char
 * hex header (socket id, slot, low 32 bits of the sequence number) followed
 * by pattern bytes derived from the socket id and sequence, all printable,
 * so every answer is matched to what was sent and checked byte for byte.
 * An answer not back within loss_timeout is lost and its slot reused; one
 * that arrives after that is counted late, and a second answer to the same
 * datagram duplicated (each socket remembers which of its last
 * UDP_SEEN_BITS datagrams were answered).  Sending and receiving are
 * batched (sendmmsg/recvmmsg) to stay cheaper than the server under test;
 * a plain client (--plain) makes a send and a recv per datagram instead.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/bench/bench_poll.h"
#include "client/bench/bench_udp.h"
#include "common/clock.h"

#define UDP_HDR 16
#define UDP_BATCH 64
#define UDP_SLACK 64		/* room to notice an over-long answer */
#define UDP_SWEEP_NS 10000000ull
/* How many of a socket's latest sequence numbers it knows answered or not:
 * an answer to an older one is counted late (a duplicate comes within a
 * round trip, thousands of datagrams sooner). */
#define UDP_SEEN_BITS 8192u

struct udp_slot {
	uint64_t seq;
	uint64_t sent_at;
	int busy;
};

struct udp_sock {
	struct bench_sock sock;
	uint32_t id;
	uint32_t busy;
	uint64_t next_seq;
	struct udp_slot *slots;
	uint64_t answered[UDP_SEEN_BITS / 64];	/* by seq % UDP_SEEN_BITS */
};

/* Whether seq was answered before; marks it answered. */
static int
udp_seen(struct udp_sock *s, uint64_t seq)
{
	uint64_t *w = &s->answered[(seq % UDP_SEEN_BITS) / 64];
	uint64_t bit = 1ull << (seq % 64);
	int was = (*w & bit) != 0;

	*w |= bit;
	return was;
}

struct udp_ctx {
	struct bench_share *sh;
	const struct bench_opts *o;
	struct bench_poll poll;
	struct udp_sock *socks;
	struct udp_slot *slots;
	uint8_t *sbuf, *rbuf;
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	uint64_t now, start, deadline, last_sweep, last_answer;
	uint64_t budget_left;
	int sending;
};

static void
udp_hex(uint8_t *p, uint32_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";

	while (digits-- > 0) {
		p[digits] = (uint8_t)hex[v & 15];
		v >>= 4;
	}
}

static int
udp_unhex(const uint8_t *p, int digits, uint32_t *v)
{
	uint32_t r = 0;
	int i, c;

	for (i = 0; i < digits; i++) {
		c = p[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else
			return -1;
		r = r << 4 | (uint32_t)c;
	}
	*v = r;
	return 0;
}

static void
udp_set_events(struct udp_ctx *x, struct udp_sock *s, uint32_t ev)
{
	bench_poll_want(&x->poll, (uint32_t)(s - x->socks), &s->sock, ev);
}

/* Build one datagram for slot `i` into buffer `b` of the batch. */
static void
udp_build(struct udp_ctx *x, struct udp_sock *s, uint32_t i, unsigned b)
{
	uint32_t size = x->o->size;
	uint8_t *d = x->sbuf + (size_t)b * size;
	uint64_t seq = s->next_seq;

	udp_hex(d, s->id, 4);
	udp_hex(d + 4, i, 4);
	udp_hex(d + 8, (uint32_t)seq, 8);
	memcpy(d + UDP_HDR, bench_pattern_at(x->o->pat, s->id,
	    seq * size + UDP_HDR), size - UDP_HDR);
	x->iov[b].iov_base = d;
	x->iov[b].iov_len = size;
	memset(&x->msgs[b].msg_hdr, 0, sizeof(x->msgs[b].msg_hdr));
	x->msgs[b].msg_hdr.msg_iov = &x->iov[b];
	x->msgs[b].msg_hdr.msg_iovlen = 1;
}

/* Send the nb datagrams built; how many the kernel took (-1: none, errno
 * set).  A plain client sends one per call. */
static int
udp_send(struct udp_ctx *x, struct udp_sock *s, unsigned nb)
{
	if (!x->o->plain)
		return sendmmsg(s->sock.fd, x->msgs, nb, 0);
	return send(s->sock.fd, x->iov[0].iov_base, x->iov[0].iov_len, 0) < 0 ?
	    -1 : 1;
}

/* Fill every free slot of `s`, one sendmmsg per batch (one send per
 * datagram for a plain client). */
static void
udp_fill(struct udp_ctx *x, struct udp_sock *s)
{
	uint32_t idx[UDP_BATCH], i, depth = x->o->depth;
	unsigned nb, max = x->o->plain ? 1 : UDP_BATCH;
	int n, k;

	for (;;) {
		nb = 0;
		for (i = 0; i < depth && nb < max; i++) {
			if (s->slots[i].busy || !x->sending ||
			    nb >= x->budget_left)
				continue;
			udp_build(x, s, i, nb);
			idx[nb++] = i;
			s->next_seq++;
		}
		if (nb == 0)
			break;
		n = udp_send(x, s, nb);
		if (n < 0) {
			if (errno == EAGAIN || errno == ENOBUFS)
				x->sh->stats.udp_blocked++;
			else if (errno != EINTR)
				x->sh->stats.errors++;
			n = 0;
		}
		for (k = 0; k < n; k++) {
			uint64_t seq = s->next_seq - nb + (uint64_t)k;

			/* its bit last stood for seq - UDP_SEEN_BITS */
			s->answered[(seq % UDP_SEEN_BITS) / 64] &=
			    ~(1ull << (seq % 64));
			s->slots[idx[k]].busy = 1;
			s->slots[idx[k]].seq = seq;
			s->slots[idx[k]].sent_at = x->now;
			s->busy++;
		}
		x->sh->stats.udp_sent += (uint64_t)n;
		x->budget_left -= (uint64_t)n;
		/* Unsent sequence numbers are simply skipped. */
		if ((unsigned)n < nb) {
			udp_set_events(x, s, EPOLLIN | EPOLLOUT);
			return;
		}
	}
	udp_set_events(x, s, EPOLLIN);
}

static void
udp_answer(struct udp_ctx *x, struct udp_sock *s, const uint8_t *d,
    size_t len, int flags)
{
	struct bench_stats *st = &x->sh->stats;
	uint32_t id, i, seq32, size = x->o->size;
	uint64_t seq;
	size_t bad;

	if (len != size || (flags & MSG_TRUNC)) {
		st->mismatches += len > size ? len - size : size - len;
		return;
	}
	if (udp_unhex(d, 4, &id) < 0 || udp_unhex(d + 4, 4, &i) < 0 ||
	    udp_unhex(d + 8, 8, &seq32) < 0 || id != (s->id & 0xffff) ||
	    i >= x->o->depth) {
		st->mismatches += len;
		return;
	}
	/* The newest sequence number with these low 32 bits. */
	seq = (s->next_seq & ~0xffffffffull) | seq32;
	if (seq >= s->next_seq)
		seq -= 1ull << 32;
	if (seq >= s->next_seq) {	/* underflowed: never sent */
		st->mismatches += len;
		return;
	}
	bad = bench_pattern_check(x->o->pat, s->id, seq * size + UDP_HDR,
	    d + UDP_HDR, size - UDP_HDR);
	if (bad > 0) {
		st->mismatches += bad;
		return;
	}
	if (!s->slots[i].busy || s->slots[i].seq != seq) {
		/* Its copies after it are duplicates too. */
		if (s->next_seq - seq <= UDP_SEEN_BITS && udp_seen(s, seq))
			st->udp_dup++;
		else
			st->udp_late++;
		return;
	}
	(void)udp_seen(s, seq);
	s->slots[i].busy = 0;
	s->busy--;
	bench_hist_record(&st->hist, x->now - s->slots[i].sent_at);
	/* A time-bounded run counts answers inside its time; a count-bounded
	 * one counts them all and ends with the last. */
	if (x->now < x->deadline || x->budget_left == 0) {
		st->messages++;
		st->bytes += len;
		x->last_answer = x->now;
	}
}

/* Receive into the batch's buffers: one recvmmsg, or for a plain client a
 * recv per datagram until none is left.  How many (-1: none, errno set). */
static int
udp_recv(struct udp_ctx *x, struct udp_sock *s)
{
	int k;

	if (!x->o->plain)
		return recvmmsg(s->sock.fd, x->msgs, UDP_BATCH, MSG_DONTWAIT,
		    NULL);
	for (k = 0; k < UDP_BATCH; k++) {
		ssize_t r = recv(s->sock.fd, x->iov[k].iov_base,
		    x->iov[k].iov_len, MSG_DONTWAIT | MSG_TRUNC);

		if (r < 0)
			return k > 0 ? k : -1;
		x->msgs[k].msg_len = (unsigned)r;
		x->msgs[k].msg_hdr.msg_flags =
		    (size_t)r > x->iov[k].iov_len ? MSG_TRUNC : 0;
	}
	return k;
}

static void
udp_read(struct udp_ctx *x, struct udp_sock *s)
{
	size_t bsz = (size_t)x->o->size + UDP_SLACK;
	int n, k;

	for (k = 0; k < UDP_BATCH; k++) {
		x->iov[k].iov_base = x->rbuf + (size_t)k * bsz;
		x->iov[k].iov_len = bsz;
		memset(&x->msgs[k].msg_hdr, 0, sizeof(x->msgs[k].msg_hdr));
		x->msgs[k].msg_hdr.msg_iov = &x->iov[k];
		x->msgs[k].msg_hdr.msg_iovlen = 1;
	}
	n = udp_recv(x, s);
	if (n < 0) {
		/* ECONNREFUSED: an ICMP error for an earlier datagram. */
		if (errno != EAGAIN && errno != EINTR)
			x->sh->stats.errors++;
		return;
	}
	for (k = 0; k < n; k++)
		udp_answer(x, s, x->iov[k].iov_base, x->msgs[k].msg_len,
		    x->msgs[k].msg_hdr.msg_flags);
	udp_fill(x, s);
}

/* Declare overdue datagrams lost and reuse their slots. */
static void
udp_sweep(struct udp_ctx *x, int all)
{
	uint64_t limit = (uint64_t)(x->o->loss_timeout * 1e9);
	struct udp_sock *s;
	uint32_t i, j;

	x->last_sweep = x->now;
	for (i = 0; i < x->sh->conns; i++) {
		s = &x->socks[i];
		for (j = 0; j < x->o->depth; j++) {
			if (!s->slots[j].busy ||
			    (!all && x->now - s->slots[j].sent_at < limit))
				continue;
			s->slots[j].busy = 0;
			s->busy--;
			x->sh->stats.udp_lost++;
		}
		if (!all)
			udp_fill(x, s);
	}
}

static uint32_t
udp_busy(const struct udp_ctx *x)
{
	uint32_t i, busy = 0;

	for (i = 0; i < x->sh->conns; i++)
		busy += x->socks[i].busy;
	return busy;
}

static void
udp_loop(struct udp_ctx *x)
{
	struct epoll_event evs[256];
	uint64_t drain_end = 0;
	uint32_t i;
	int n;

	for (i = 0; i < x->sh->conns; i++)
		udp_fill(x, &x->socks[i]);
	for (;;) {
		n = epoll_wait(x->poll.ep, evs, 256, 5);
		x->now = clock_mono_ns();
		for (int k = 0; k < n; k++) {
			struct udp_sock *s = &x->socks[evs[k].data.u64];

			if (evs[k].events & (EPOLLIN | EPOLLERR))
				udp_read(x, s);
			else
				udp_fill(x, s);
		}
		if (x->sending && (x->now >= x->deadline || x->budget_left == 0)) {
			/* Stop sending; wait up to loss_timeout for answers. */
			x->sending = 0;
			if (x->now < x->deadline)
				x->deadline = x->now;
			drain_end = x->now + (uint64_t)(x->o->loss_timeout * 1e9);
		}
		if (!x->sending && (udp_busy(x) == 0 || x->now >= drain_end))
			break;
		if (x->now - x->last_sweep >= UDP_SWEEP_NS)
			udp_sweep(x, 0);
	}
	udp_sweep(x, 1);
	if (x->budget_left == 0 && x->last_answer > x->deadline)
		x->deadline = x->last_answer;
	x->sh->stats.elapsed = (double)(x->deadline - x->start) / 1e9;
}

static int
udp_open(struct udp_ctx *x, struct udp_sock *s, uint32_t i)
{
	const struct addr *t = &x->o->target;

	s->id = x->sh->first_id + i;
	s->slots = x->slots + (size_t)i * x->o->depth;
	s->sock.fd = socket(t->u.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->sock.fd < 0 || connect(s->sock.fd, &t->u.sa, t->len) < 0 ||
	    bench_poll_watch(&x->poll, i, &s->sock, EPOLLIN) < 0) {
		fprintf(stderr, "bench: udp socket: %s\n", strerror(errno));
		bench_sock_close(&s->sock);
		return -1;
	}
	return 0;
}

int
bench_udp_run(struct bench_share *sh)
{
	const struct bench_opts *o = sh->opts;
	struct udp_ctx x;
	uint32_t i;
	int rc = -1;

	memset(&x, 0, sizeof(x));
	x.sh = sh;
	x.o = o;
	x.budget_left = sh->budget ? sh->budget : UINT64_MAX;
	x.socks = calloc(sh->conns, sizeof(*x.socks));
	x.slots = calloc((size_t)sh->conns * o->depth, sizeof(*x.slots));
	x.sbuf = malloc((size_t)UDP_BATCH * o->size);
	x.rbuf = malloc((size_t)UDP_BATCH * (o->size + UDP_SLACK));
	if (bench_poll_open(&x.poll, sh->conns) < 0 || !x.socks || !x.slots ||
	    !x.sbuf || !x.rbuf)
		goto out;
	for (i = 0; i < sh->conns; i++)
		if (udp_open(&x, &x.socks[i], i) < 0)
			goto out;
	x.now = x.start = x.last_sweep = clock_mono_ns();
	x.deadline = x.now + (uint64_t)(o->duration * 1e9);
	x.sending = 1;
	udp_loop(&x);
	rc = 0;
out:
	/* In the reverse order of their setup: the set before the sockets
	 * it closes. */
	bench_poll_free(&x.poll);
	free(x.rbuf);
	free(x.sbuf);
	free(x.slots);
	free(x.socks);
	return rc;
}
