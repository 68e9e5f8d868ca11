/*
 * badecho: a deliberately faulty echo server for echoctl's tests.  One
 * protocol per process (-u for UDP), on 127.0.0.1 (-6: ::1), port 0; the
 * port it got is written to -f FILE once it is ready (no port races, no
 * sleeping in tests).  TCP connections are served one at a time.
 *
 *   -m ok         echo correctly
 *   -m drop       UDP: drop every Nth datagram; TCP: swallow -l bytes at -o
 *   -m truncate   UDP: every Nth datagram loses its second half;
 *                 TCP: close the connection after echoing -o bytes
 *   -m corrupt    UDP: every Nth datagram gets byte -o (or its last byte)
 *                 flipped; TCP: flip the byte at stream offset -o
 *   -m delay      delay every reply by -d milliseconds
 *   -m duplicate  UDP: send every Nth datagram twice; TCP: repeat the -l
 *                 bytes at offset -o
 *   -m title      a hostile server: before its echo (TCP: of a
 *                 connection's first chunk; UDP: of every Nth datagram)
 *                 it sends ESC ] 2 ; badecho-title BEL, which sets a
 *                 terminal's window title
 *   -m split      TCP: echo each chunk in pieces of -l bytes, -d ms apart
 *                 (as a slow path cuts a line into segments)
 *   -m urgent     TCP: echo correctly, but send the byte at offset -o as
 *                 urgent data (MSG_OOB), in its place
 *   -m empty      UDP: send an empty datagram before the echo of every
 *                 Nth datagram
 *   -m pad        UDP: every Nth datagram's echo gets -l bytes 'X' appended
 * Defaults: -n 3 -o 1000 -l 10 -d 500.  Ends on SIGTERM (the test's trap).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <getopt.h>
#include <unistd.h>

enum badecho_mode {
	M_OK, M_DROP, M_TRUNCATE, M_CORRUPT, M_DELAY, M_DUP, M_TITLE, M_SPLIT,
	M_URGENT, M_EMPTY, M_PAD
};

/* OSC 2: "set the window title" to badecho-title. */
static const char badecho_osc[] = "\033]2;badecho-title\007";

struct badecho {
	enum badecho_mode mode;
	int udp, v6;
	unsigned long nth, offset, len, delay_ms;
	const char *portfile;
};

static void
badecho_sleep(const struct badecho *b)
{
	struct timespec ts;

	if (b->mode != M_DELAY && b->mode != M_SPLIT)
		return;
	ts.tv_sec = (time_t)(b->delay_ms / 1000);
	ts.tv_nsec = (long)(b->delay_ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
badecho_write(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* "127.0.0.1:5000" */
static void
badecho_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(buf, len, "[%s]:%u", host, port);
		return;
	}
	inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, host,
	    sizeof(host));
	port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	snprintf(buf, len, "%s:%u", host, port);
}

/* The title sequence and the first echo in one write, so that the client
 * gets them in one read: what it shows then does not depend on how the
 * kernel happened to split two writes. */
static int
badecho_title(int fd, const unsigned char *p, size_t n)
{
	size_t osc = sizeof(badecho_osc) - 1;
	struct iovec v[2] = {
		{ .iov_base = (void *)badecho_osc, .iov_len = osc },
		{ .iov_base = (void *)p, .iov_len = n },
	};
	ssize_t w = writev(fd, v, 2);

	if (w < 0)
		return -1;
	if ((size_t)w < osc)
		return badecho_write(fd, (const unsigned char *)badecho_osc + w,
		    osc - (size_t)w) == -1 ? -1 : badecho_write(fd, p, n);
	return badecho_write(fd, p + ((size_t)w - osc), n - ((size_t)w - osc));
}

/* Echo one chunk at stream offset `off`; -1 ends the connection. */
static int
badecho_tcp_chunk(const struct badecho *b, int fd, unsigned char *p, size_t n,
    unsigned long long off)
{
	unsigned long long lo = b->offset, hi = b->offset + b->len, end = off + n;

	if (b->mode == M_TITLE && off == 0)
		return badecho_title(fd, p, n);
	if (b->mode == M_SPLIT) {
		for (size_t i = 0; i < n; i += b->len) {
			if (i > 0)
				badecho_sleep(b);
			if (badecho_write(fd, p + i, n - i < b->len ? n - i :
			    b->len) == -1)
				return -1;
		}
		return 0;
	}
	badecho_sleep(b);
	if (b->mode == M_CORRUPT && lo >= off && lo < end)
		p[lo - off] ^= 0xff;
	if (b->mode == M_TRUNCATE && end > lo) {
		/* FIN after `lo` bytes, then swallow the rest: no RST, so the
		 * client sees exactly lo bytes and an orderly close. */
		(void)badecho_write(fd, p, lo > off ? (size_t)(lo - off) : 0);
		shutdown(fd, SHUT_WR);
		while (recv(fd, p, n, 0) > 0)
			;
		return -1;
	}
	if (b->mode == M_URGENT && lo >= off && lo < end) {
		size_t a = (size_t)(lo - off);

		if (badecho_write(fd, p, a) == -1 ||
		    send(fd, p + a, 1, MSG_OOB | MSG_NOSIGNAL) != 1)
			return -1;
		return badecho_write(fd, p + a + 1, n - a - 1);
	}
	if ((b->mode == M_DROP || b->mode == M_DUP) && end > lo && off < hi) {
		size_t a = lo > off ? (size_t)(lo - off) : 0;
		size_t z = hi < end ? (size_t)(hi - off) : n;

		if (badecho_write(fd, p, b->mode == M_DROP ? a : z) == -1)
			return -1;
		if (b->mode == M_DUP && badecho_write(fd, p + a, z - a) == -1)
			return -1;
		return badecho_write(fd, p + z, n - z);
	}
	return badecho_write(fd, p, n);
}

static void
badecho_tcp(const struct badecho *b, int lfd)
{
	unsigned char buf[65536];

	for (;;) {
		unsigned long long off = 0;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char from[96];
		int fd = accept(lfd, (struct sockaddr *)&ss, &sl);

		if (fd == -1)
			continue;
		badecho_addr(&ss, from, sizeof(from));
		fprintf(stderr, "accept %s\n", from);
		for (;;) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);

			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (badecho_tcp_chunk(b, fd, buf, (size_t)n, off) == -1)
				break;
			off += (unsigned long long)n;
		}
		/* Echo done: FIN after the last byte (half-close aware). */
		shutdown(fd, SHUT_WR);
		close(fd);
	}
}

/* TOS/TCLASS and TTL/hop limit of a datagram, -1 if not reported. */
static void
badecho_cmsg(struct msghdr *mh, int *tos, int *ttl)
{
	struct cmsghdr *c;

	*tos = *ttl = -1;
	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		int v = 0;

		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
			*tos = *(unsigned char *)CMSG_DATA(c);
			continue;
		}
		memcpy(&v, CMSG_DATA(c), sizeof(v));
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		    (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_HOPLIMIT))
			*ttl = v;
		else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_TCLASS)
			*tos = v;
	}
}

static void
badecho_udp(const struct badecho *b, int fd)
{
	unsigned char buf[65536];
	char ctl[256], from[96], last[128] = "", now[128];
	unsigned long k = 0;

	for (;;) {
		struct sockaddr_storage ss;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { &ss, sizeof(ss), &iov, 1, ctl, sizeof(ctl), 0 };
		ssize_t n = recvmsg(fd, &mh, 0);
		size_t len;
		int hit, tos, ttl;

		if (n == -1)
			continue;
		/* The tests read who sent what (--source, --tos, --ttl). */
		badecho_addr(&ss, from, sizeof(from));
		badecho_cmsg(&mh, &tos, &ttl);
		snprintf(now, sizeof(now), "from %s tos=%d ttl=%d", from, tos,
		    ttl);
		if (strcmp(now, last) != 0) {
			fprintf(stderr, "%s\n", now);
			snprintf(last, sizeof(last), "%s", now);
		}
		len = (size_t)n;
		hit = ++k % b->nth == 0;
		badecho_sleep(b);
		if (hit && b->mode == M_DROP)
			continue;
		if (hit && b->mode == M_TRUNCATE)
			len /= 2;
		if (hit && b->mode == M_CORRUPT && len > 0)
			buf[b->offset < len ? b->offset : len - 1] ^= 0xff;
		if (hit && b->mode == M_TITLE) {
			size_t osc = sizeof(badecho_osc) - 1;

			if (len + osc > sizeof(buf))
				len = sizeof(buf) - osc;
			memmove(buf + osc, buf, len);
			memcpy(buf, badecho_osc, osc);
			len += osc;
		}
		if (hit && b->mode == M_PAD) {
			size_t z = b->len < sizeof(buf) - len ? b->len :
			    sizeof(buf) - len;

			memset(buf + len, 'X', z);
			len += z;
		}
		if (hit && b->mode == M_EMPTY)
			(void)sendto(fd, buf, 0, 0, (struct sockaddr *)&ss,
			    mh.msg_namelen);
		(void)sendto(fd, buf, len, 0, (struct sockaddr *)&ss,
		    mh.msg_namelen);
		if (hit && b->mode == M_DUP)
			(void)sendto(fd, buf, len, 0, (struct sockaddr *)&ss,
			    mh.msg_namelen);
	}
}

static int
badecho_open(const struct badecho *b)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl = b->v6 ? sizeof(*in6) : sizeof(*in4);
	char tmp[4096];
	FILE *f;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (b->v6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
	} else {
		in4->sin_family = AF_INET;
		in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	fd = socket(ss.ss_family, b->udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    (!b->udp && listen(fd, 16) == -1) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		perror("badecho: socket");
		return -1;
	}
	if (b->udp) {
		int on = 1;

		if (b->v6) {
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on,
			    sizeof(on));
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT,
			    &on, sizeof(on));
		} else {
			(void)setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &on,
			    sizeof(on));
			(void)setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on,
			    sizeof(on));
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", b->portfile);
	f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%u\n", ntohs(b->v6 ? in6->sin6_port :
	    in4->sin_port)) < 0 || fclose(f) != 0 || rename(tmp, b->portfile)) {
		perror("badecho: port file");
		return -1;
	}
	return fd;
}

static int
badecho_mode(const char *s, enum badecho_mode *m)
{
	static const char *const names[] = { "ok", "drop", "truncate",
	    "corrupt", "delay", "duplicate", "title", "split", "urgent",
	    "empty", "pad" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*m = (enum badecho_mode)i;
			return 0;
		}
	return -1;
}

int
main(int argc, char **argv)
{
	struct badecho b = { M_OK, 0, 0, 3, 1000, 10, 500, NULL };
	int c, fd;

	while ((c = getopt(argc, argv, "u6f:m:n:o:l:d:")) != -1) {
		switch (c) {
		case 'u': b.udp = 1; break;
		case '6': b.v6 = 1; break;
		case 'f': b.portfile = optarg; break;
		case 'n': b.nth = strtoul(optarg, NULL, 10); break;
		case 'o': b.offset = strtoul(optarg, NULL, 10); break;
		case 'l': b.len = strtoul(optarg, NULL, 10); break;
		case 'd': b.delay_ms = strtoul(optarg, NULL, 10); break;
		case 'm':
			if (badecho_mode(optarg, &b.mode) == 0)
				break;
			/* FALLTHROUGH */
		default:
			fprintf(stderr, "usage: badecho -f PORTFILE [-u] [-6] "
			    "[-m ok|drop|truncate|corrupt|delay|duplicate|"
			    "title|split|urgent|empty|pad] "
			    "[-n N] [-o OFFSET] [-l LEN] [-d MS]\n");
			return 64;
		}
	}
	if (b.portfile == NULL || b.nth == 0 || b.len == 0) {
		fprintf(stderr, "badecho: -f PORTFILE is required, -n and -l "
		    ">= 1\n");
		return 64;
	}
	fd = badecho_open(&b);
	if (fd == -1)
		return 1;
	if (b.udp)
		badecho_udp(&b, fd);
	else
		badecho_tcp(&b, fd);
	return 0;
}
