/*
 * probe_tcp: echoprobe's TCP commands: byte-exact streams (optionally
 * half-closed or trickled), a peer that never reads, echoes left pending in
 * the server, oneshot exchanges, many concurrent connections, idle holders.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

/* Stream state of tcp-stream: what is generated but not yet sent. */
struct txq {
	unsigned char *buf;
	size_t have, off;
	uint64_t sent;
	double next;		/* earliest time of the next chunk */
};

static int
txq_send(const struct opts *o, int fd, struct rng *tx, struct txq *q,
    uint64_t total)
{
	ssize_t n;

	if (q->off == q->have) {
		q->have = o->chunk;
		if (total - q->sent < q->have)
			q->have = total - q->sent;
		rng_fill(tx, q->buf, q->have);
		q->off = 0;
	}
	n = send(fd, q->buf + q->off, q->have - q->off, MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n == -1) {
		printf("send failed after %llu bytes: %s\n",
		    (unsigned long long)q->sent, strerror(errno));
		return -1;
	}
	q->off += (size_t)n;
	q->sent += (uint64_t)n;
	if (q->off == q->have)
		q->next = now_s() + o->delay;
	return 0;
}

/* Where a tcp-stream stands: 1 done, -1 failed (reported), 0 going on. */
static int
stream_check(const struct opts *o, const struct txq *q, uint64_t total,
    uint64_t rcvd, int eof, double deadline)
{
	unsigned long long s = q->sent, r = rcvd, t = total;

	if (rcvd == total && (!o->halfclose || eof))
		return 1;
	if (eof)
		printf("early eof after %llu of %llu bytes\n", r, t);
	else if (now_s() >= deadline)
		printf("timeout: sent=%llu received=%llu of %llu\n", s, r, t);
	else
		return 0;
	return -1;
}

/* tcp-stream HOST PORT BYTES: send, read the echo concurrently, verify. */
int
cmd_tcp_stream(const struct opts *o)
{
	double deadline = now_s() + o->timeout;
	uint64_t total = strtoull(o->pos[2], NULL, 10), rcvd = 0;
	struct txq q = { .buf = malloc(o->chunk) };
	struct rng tx, rx;
	int fd, eof = 0, shut = 0, st, rc = EX_MISMATCH;

	if (q.buf == NULL || (fd = tcp_connect(o, deadline)) == -1) {
		free(q.buf);
		return EX_ERROR;
	}
	rng_init(&tx, o->seed);
	rng_init(&rx, o->seed);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double t = now_s(), until = deadline;
		int sending = q.sent < total && t >= q.next;

		st = stream_check(o, &q, total, rcvd, eof, deadline);
		if (st != 0) {
			rc = st == 1 ? 0 : EX_MISMATCH;
			break;
		}
		if (q.sent == total && o->halfclose && !shut) {
			shutdown(fd, SHUT_WR);
			shut = 1;
		}
		if (sending)
			p.events |= POLLOUT;
		else if (q.sent < total && q.next < until)
			until = q.next;
		if (poll(&p, 1, ms_until(until)) == -1 && errno != EINTR)
			break;
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			int r = recv_verify(fd, &rx, &rcvd, q.sent);

			if (r < 0)
				break;
			eof = r;
		}
		if (sending && (p.revents & POLLOUT) &&
		    txq_send(o, fd, &tx, &q, total) == -1)
			break;
	}
	if (rc == 0)
		printf("ok sent=%llu received=%llu%s\n",
		    (unsigned long long)q.sent, (unsigned long long)rcvd,
		    o->halfclose ? " eof" : "");
	close(fd);
	free(q.buf);
	return rc;
}

/* tcp-noread HOST PORT BYTES: send without ever reading, report, hold. */
int
cmd_tcp_noread(const struct opts *o)
{
	double deadline = now_s() + o->timeout;
	uint64_t total = strtoull(o->pos[2], NULL, 10), sent;
	struct rng tx;
	int fd, stalled;

	if ((fd = tcp_connect(o, deadline)) == -1)
		return EX_ERROR;
	rng_init(&tx, o->seed);
	sent = send_unread(o, fd, &tx, total, deadline, &stalled);
	printf("accepted=%llu stalled=%d\n", (unsigned long long)sent, stalled);
	fflush(stdout);
	poll(NULL, 0, (int)(o->hold * 1000));
	close(fd);
	return 0;
}

/*
 * tcp-pending HOST PORT BYTES --go-file F: send without reading (leaving
 * echoes pending in the server), print "sent=N", wait until F exists, then
 * read and verify all N bytes, half-close and expect EOF.
 */
int
cmd_tcp_pending(const struct opts *o)
{
	double deadline = now_s() + o->timeout;
	uint64_t total = strtoull(o->pos[2], NULL, 10), sent, rcvd = 0;
	struct rng tx, rx;
	struct stat st;
	int fd, stalled, eof = 0, shut = 0;

	if (o->go_file == NULL || (fd = tcp_connect(o, deadline)) == -1)
		return EX_ERROR;
	rng_init(&tx, o->seed);
	rng_init(&rx, o->seed);
	sent = send_unread(o, fd, &tx, total, deadline, &stalled);
	printf("sent=%llu stalled=%d\n", (unsigned long long)sent, stalled);
	fflush(stdout);
	while (stat(o->go_file, &st) == -1 && now_s() < deadline)
		poll(NULL, 0, 20);
	while (now_s() < deadline && !eof) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r;

		if (rcvd == sent && !shut++ && shutdown(fd, SHUT_WR) == -1)
			break;
		if (poll(&p, 1, ms_until(deadline)) <= 0)
			continue;
		if ((r = recv_verify(fd, &rx, &rcvd, sent)) < 0)
			break;
		eof = r;
	}
	close(fd);
	printf("received=%llu of %llu%s\n", (unsigned long long)rcvd,
	    (unsigned long long)sent, eof ? " eof" : "");
	return eof && rcvd == sent ? 0 : EX_MISMATCH;
}

/* tcp-send HOST PORT BYTES: send once, never shut down, read until the server
 * closes; the echo must be a prefix of what was sent (oneshot). */
int
cmd_tcp_send(const struct opts *o)
{
	double deadline = now_s() + o->timeout;
	uint64_t total = strtoull(o->pos[2], NULL, 10), sent, rcvd = 0;
	const char *end = "";
	struct rng tx, rx;
	int fd, stalled, r = 0;

	if ((fd = tcp_connect(o, deadline)) == -1)
		return EX_ERROR;
	rng_init(&tx, o->seed);
	rng_init(&rx, o->seed);
	sent = send_unread(o, fd, &tx, total, deadline, &stalled);
	while (r == 0 && now_s() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, ms_until(deadline)) > 0)
			r = recv_verify(fd, &rx, &rcvd, sent);
	}
	if (r == 1)
		end = " eof";
	else if (r == -2)
		end = " reset";
	close(fd);
	printf("sent=%llu received=%llu%s\n", (unsigned long long)sent,
	    (unsigned long long)rcvd, end);
	return *end != '\0' ? 0 : EX_MISMATCH;
}

struct mconn {
	int fd;
	int state;		/* 0 connecting, 1 sending, 2 receiving,
				 * 3 done, -1 failed */
	int failed_in;		/* the state it failed in */
	int msgs;		/* messages fully echoed */
	size_t off;		/* bytes of this message sent or received */
	struct rng tx, rx;
	unsigned char *msg;
};

static void
mconn_fail(struct mconn *c)
{
	c->failed_in = c->state;
	c->state = -1;
}

/* One step of a tcp-many connection; ping-pong of o->size byte messages. */
static void
mconn_step(const struct opts *o, struct mconn *c, short rev, int nmsgs)
{
	ssize_t n;

	if (c->state == 0) {
		if (tcp_finish(c->fd, now_s()) == -1) {
			mconn_fail(c);
			return;
		}
		c->state = 1;
		rng_fill(&c->tx, c->msg, o->size);
	} else if (c->state == 1 && (rev & POLLOUT)) {
		n = send(c->fd, c->msg + c->off, o->size - c->off,
		    MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			mconn_fail(c);
		else if (n > 0 && (c->off += (size_t)n) == o->size) {
			c->state = 2;
			c->off = 0;
		}
	} else if (c->state == 2 && (rev & (POLLIN | POLLHUP | POLLERR))) {
		unsigned char buf[65536];
		size_t want = o->size - c->off;

		if (want > sizeof(buf))
			want = sizeof(buf);
		n = recv(c->fd, buf, want, 0);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR) ||
		    (n > 0 &&
		    rng_verify(&c->rx, buf, (size_t)n, c->off) == -1)) {
			mconn_fail(c);
			return;
		}
		if (n > 0 && (c->off += (size_t)n) == o->size) {
			c->off = 0;
			c->state = ++c->msgs == nmsgs ? 3 : 1;
			if (c->state == 1)
				rng_fill(&c->tx, c->msg, o->size);
		}
	}
}

/* tcp-many HOST PORT CONNS MSGS: CONNS connections open at once, each echoing
 * MSGS messages; all stay open until every one is finished. */
int
cmd_tcp_many(const struct opts *o)
{
	double deadline = now_s() + o->timeout;
	int nconns = atoi(o->pos[2]), nmsgs = atoi(o->pos[3]), ok = 0, bad = 0;
	struct mconn *c = calloc((size_t)(nconns > 0 ? nconns : 1), sizeof(*c));
	struct pollfd *p = calloc((size_t)(nconns > 0 ? nconns : 1),
	    sizeof(*p));
	int i, active;

	if (c == NULL || p == NULL || nconns <= 0 || nmsgs <= 0 || o->size == 0)
		return EX_ERROR;
	for (i = 0; i < nconns; i++) {
		c[i].fd = -1;
		c[i].msg = malloc(o->size);
		rng_init(&c[i].tx, o->seed + (uint64_t)i);
		rng_init(&c[i].rx, o->seed + (uint64_t)i);
		if (c[i].msg == NULL || (c[i].fd = tcp_start(o)) == -1)
			c[i].state = -1;
	}
	do {
		for (i = active = 0; i < nconns; i++) {
			int live = c[i].state >= 0 && c[i].state < 3;

			p[i].fd = live ? c[i].fd : -1;
			p[i].events = c[i].state == 2 ? POLLIN : POLLOUT;
			p[i].revents = 0;
			active += p[i].fd != -1;
		}
		if (active == 0 ||
		    poll(p, (nfds_t)nconns, ms_until(deadline)) <= 0)
			break;
		for (i = 0; i < nconns; i++)
			if (p[i].revents != 0)
				mconn_step(o, &c[i], p[i].revents, nmsgs);
	} while (now_s() < deadline);
	for (i = 0; i < nconns; i++) {
		static const char *const what[] = { "connecting", "sending",
		    "waiting for the echo" };
		int in = c[i].state == -1 ? c[i].failed_in : c[i].state;

		ok += c[i].state == 3;
		bad += c[i].state != 3;
		if (c[i].state != 3 && bad <= 5 && in >= 0 && in < 3)
			printf("conn %d %s while %s, after %d messages\n", i,
			    c[i].state == -1 ? "failed" : "timed out", what[in],
			    c[i].msgs);
		if (c[i].fd != -1)
			close(c[i].fd);
		free(c[i].msg);
	}
	printf("conns=%d ok=%d failed=%d\n", nconns, ok, bad);
	free(c);
	free(p);
	return bad == 0 ? 0 : EX_MISMATCH;
}

/*
 * tcp-reset HOST PORT N: N connections, one after the other, that each send
 * --size bytes without reading (so that echod has an echo to write) and
 * then reset the connection (SO_LINGER 0): a peer causing errors on purpose.
 */
int
cmd_tcp_reset(const struct opts *o)
{
	int n = atoi(o->pos[2]), done = 0, stalled;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct rng tx;

	rng_init(&tx, o->seed);
	for (int i = 0; i < n; i++) {
		double deadline = now_s() + o->timeout;
		int fd = tcp_connect(o, deadline);

		if (fd == -1)
			break;
		send_unread(o, fd, &tx, o->size, deadline, &stalled);
		/* Give echod a moment to read and try to echo. */
		poll(NULL, 0, 2);
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0)
			done++;
		close(fd);
	}
	printf("reset=%d of %d\n", done, n);
	return done == n ? 0 : EX_MISMATCH;
}

/* hold HOST PORT N: open N idle connections, report each close by the
 * server ("closed idx=I after=SECONDS"), until all closed or --hold ends. */
int
cmd_hold(const struct opts *o)
{
	int n = atoi(o->pos[2]), open, i;
	struct pollfd *p = calloc((size_t)(n > 0 ? n : 1), sizeof(*p));
	double start, end;

	if (p == NULL || n <= 0)
		return EX_ERROR;
	for (i = 0; i < n; i++) {
		p[i].events = POLLIN;
		if ((p[i].fd = tcp_connect(o, now_s() + o->timeout)) == -1)
			return EX_ERROR;
	}
	start = now_s();
	end = start + o->hold;
	printf("held=%d\n", n);
	fflush(stdout);
	for (open = n; open > 0 && now_s() < end;) {
		if (poll(p, (nfds_t)n, ms_until(end)) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			char buf[4096];
			ssize_t r;

			if (p[i].fd == -1 || p[i].revents == 0)
				continue;
			if ((r = recv(p[i].fd, buf, sizeof(buf), 0)) > 0) {
				printf("data idx=%d bytes=%zd\n", i, r);
				continue;
			}
			printf("closed idx=%d after=%.3f%s\n", i,
			    now_s() - start, r == 0 ? "" : " error");
			fflush(stdout);
			close(p[i].fd);
			p[i].fd = -1;
			open--;
		}
	}
	printf("%s open=%d\n", open == 0 ? "all closed" : "hold over", open);
	free(p);
	return 0;
}

/* connect HOST PORT: exit 0 once a TCP connection is established. */
int
cmd_connect(const struct opts *o)
{
	int fd = tcp_connect(o, now_s() + o->timeout);

	if (fd == -1)
		return EX_MISMATCH;
	close(fd);
	return 0;
}

