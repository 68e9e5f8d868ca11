/*
 * probe: the helpers echoprobe's commands share (declared in probe.h): the
 * reproducible byte stream, deadlines, resolution, TCP connects, and the
 * send-without-reading and receive-and-verify steps.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

void
rng_init(struct rng *r, uint64_t seed)
{
	r->s = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	if (r->s == 0)
		r->s = 1;
}

void
rng_fill(struct rng *r, unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		r->s ^= r->s >> 12;
		r->s ^= r->s << 25;
		r->s ^= r->s >> 27;
		p[i] = (unsigned char)((r->s * 0x2545f4914f6cdd1dULL) >> 56);
	}
}

/* Check n received bytes against the stream; base = offset of p[0]. */
int
rng_verify(struct rng *r, const unsigned char *p, size_t n, uint64_t base)
{
	unsigned char want[4096];

	for (size_t off = 0; off < n; off += sizeof(want)) {
		size_t len = n - off < sizeof(want) ? n - off : sizeof(want);

		rng_fill(r, want, len);
		for (size_t i = 0; i < len; i++) {
			if (p[off + i] != want[i]) {
				printf("mismatch at offset %llu: "
				    "got 0x%02x want 0x%02x\n",
				    (unsigned long long)(base + off + i),
				    p[off + i], want[i]);
				return -1;
			}
		}
	}
	return 0;
}

double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
ms_until(double deadline)
{
	double left = deadline - now_s();

	if (left <= 0)
		return 0;
	return left > 3600 ? 3600000 : (int)(left * 1000) + 1;
}

int
resolve(const char *host, const char *port, int socktype, struct addrinfo **res)
{
	struct addrinfo hints;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = socktype;
	if ((rc = getaddrinfo(host, port, &hints, res)) != 0) {
		fprintf(stderr, "echoprobe: %s port %s: %s\n", host, port,
		    gai_strerror(rc));
		return -1;
	}
	return 0;
}

/* Start a non-blocking connect; the caller waits for POLLOUT. */
int
tcp_start(const struct opts *o)
{
	struct addrinfo *ai;
	int fd;

	if (resolve(o->pos[0], o->pos[1], SOCK_STREAM, &ai) == -1)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		goto fail;
	if (o->rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o->rcvbuf,
	    sizeof(o->rcvbuf)) == -1)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS)
		goto fail;
	freeaddrinfo(ai);
	return fd;
fail:
	fprintf(stderr, "echoprobe: connect %s port %s: %s\n", o->pos[0],
	    o->pos[1], strerror(errno));
	if (fd != -1)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}

/* 0 once a started connect completed, -1 on refusal/error/deadline. */
int
tcp_finish(int fd, double deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0, n;

	while ((n = poll(&p, 1, ms_until(deadline))) == -1 && errno == EINTR)
		;
	if (n == 0) {
		fprintf(stderr, "echoprobe: connect: timed out\n");
		return -1;
	}
	if (n == -1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		fprintf(stderr, "echoprobe: connect: %s\n", strerror(err));
		return -1;
	}
	return 0;
}

int
tcp_connect(const struct opts *o, double deadline)
{
	int fd = tcp_start(o);

	if (fd != -1 && tcp_finish(fd, deadline) == -1) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Send up to `total` stream bytes without reading.  Stops when all is sent,
 * when no byte could be written for o->stall seconds (the peer applies
 * backpressure) or at the deadline.  Returns the bytes the kernel took.
 */
uint64_t
send_unread(const struct opts *o, int fd, struct rng *tx, uint64_t total,
    double deadline, int *stalled)
{
	unsigned char buf[65536];
	size_t have = 0, off = 0;
	uint64_t sent = 0;

	*stalled = 0;
	while (sent < total && now_s() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		double until = now_s() + o->stall;
		ssize_t n;

		if (until > deadline)
			until = deadline;
		if (poll(&p, 1, ms_until(until)) == 0) {
			*stalled = now_s() < deadline;
			break;
		}
		if (off == have) {
			have = sizeof(buf);
			if (total - sent < have)
				have = total - sent;
			rng_fill(tx, buf, have);
			off = 0;
		}
		n = send(fd, buf + off, have - off, MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1) {
			fprintf(stderr, "echoprobe: send: %s\n",
			    strerror(errno));
			break;
		}
		off += (size_t)n;
		sent += (uint64_t)n;
	}
	return sent;
}

/* Read and verify echoed bytes: 1 on EOF, 0 on progress or nothing, -1 on a
 * mismatch or error, -2 when the server reset the connection. */
int
recv_verify(int fd, struct rng *rx, uint64_t *rcvd, uint64_t limit)
{
	unsigned char buf[65536];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n == -1) {
		int reset = errno == ECONNRESET;

		printf("error after %llu bytes: %s\n",
		    (unsigned long long)*rcvd, strerror(errno));
		return reset ? -2 : -1;
	}
	if (n == 0)
		return 1;
	if (*rcvd + (uint64_t)n > limit) {
		printf("extra bytes: %llu received, only %llu sent\n",
		    (unsigned long long)(*rcvd + (uint64_t)n),
		    (unsigned long long)limit);
		return -1;
	}
	if (rng_verify(rx, buf, (size_t)n, *rcvd) == -1)
		return -1;
	*rcvd += (uint64_t)n;
	return 0;
}

