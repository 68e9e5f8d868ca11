/*
 * guardprobe: crafted UDP traffic for the guard tests.
 *
 *   guardprobe flood HOST PORT [--from ADDR] [--sources N] [--count C]
 *       [--size S] [--src-port P] [--timeout T] [--broadcast 1]
 *     N sockets bound to ADDR, ADDR+1, ... (IPv4 or IPv6, last bytes
 *     incremented) each send C datagrams of S bytes; replies are collected
 *     until every datagram came back or T seconds passed.  Prints one line
 *     per source and a total: "total sent=.. sent_bytes=.. recv=..
 *     recv_bytes=.. bad=..".  A reply is bad if it is not byte-equal to a
 *     datagram its socket sent (so bigger replies count as bad).  Replies
 *     are matched to the socket, not to the address they came from, so a
 *     broadcast destination works too.
 *
 *   guardprobe tcp HOST PORT [--from ADDR] [--conns N] [--bytes B] [--hold S]
 *     N TCP connections from ADDR, each sending B bytes and checking the
 *     echo, held S seconds or until the server closes them (see cmd_tcp).
 *
 *   guardprobe raw IFACE SRC DST SPORT DPORT [--size S] [--dmac MAC]
 *     One UDP datagram with any source address (bogons, 127.0.0.x on a
 *     veth) through an AF_PACKET socket on IFACE.  Needs CAP_NET_RAW.
 *
 * Exit: 0 done, 2 usage or system error.  Bounded: C <= 100000, T <= 60.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXSRC 256
#define MAXSIZE 65507

struct src {
	int fd;
	char name[INET6_ADDRSTRLEN];
	unsigned long sent, recv, bad;
};

struct flood {
	struct sockaddr_storage dst;
	socklen_t dstlen;
	struct sockaddr_storage from;
	int sources, count, size, src_port, broadcast;
	double timeout;
	struct src s[MAXSRC];
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
parse_addr(const char *host, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	fprintf(stderr, "guardprobe: bad address '%s'\n", host);
	return -1;
}

/* ADDR + i: add i to the last bytes of the address. */
static void
addr_add(struct sockaddr_storage *ss, int i)
{
	uint8_t *b = ss->ss_family == AF_INET ?
	    (uint8_t *)&((struct sockaddr_in *)ss)->sin_addr :
	    ((struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
	int n = ss->ss_family == AF_INET ? 4 : 16;
	unsigned carry = (unsigned)i;

	for (int k = n - 1; k >= 0 && carry; k--) {
		unsigned v = b[k] + (carry & 0xff);

		b[k] = (uint8_t)v;
		carry = (carry >> 8) + (v >> 8);
	}
}

static void
fill(unsigned char *buf, int size, int src, unsigned long seq)
{
	for (int i = 0; i < size; i++)
		buf[i] = (unsigned char)(src * 131 + seq * 7 + (unsigned)i);
	if (size >= 8) {
		memcpy(buf, &seq, 4);
		buf[4] = (unsigned char)src;
	}
}

static int
open_sources(struct flood *f)
{
	int big = 4 << 20;

	for (int i = 0; i < f->sources; i++) {
		struct sockaddr_storage a = f->from;
		struct src *s = &f->s[i];
		socklen_t alen = a.ss_family == AF_INET ?
		    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

		addr_add(&a, i);
		((struct sockaddr_in *)&a)->sin_port = htons((uint16_t)f->src_port);
		if (a.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&a)->sin6_port =
			    htons((uint16_t)f->src_port);
		s->fd = socket(a.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (s->fd == -1)
			return -1;
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
		setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		if (f->broadcast)
			setsockopt(s->fd, SOL_SOCKET, SO_BROADCAST, &f->broadcast,
			    sizeof(f->broadcast));
		if (bind(s->fd, (struct sockaddr *)&a, alen) == -1) {
			fprintf(stderr, "guardprobe: bind source %d: %s\n", i,
			    strerror(errno));
			return -1;
		}
		inet_ntop(a.ss_family, a.ss_family == AF_INET ?
		    (void *)&((struct sockaddr_in *)&a)->sin_addr :
		    (void *)&((struct sockaddr_in6 *)&a)->sin6_addr,
		    s->name, sizeof(s->name));
	}
	return 0;
}

static void
drain(struct flood *f, unsigned char *buf, unsigned char *want)
{
	for (int i = 0; i < f->sources; i++) {
		struct src *s = &f->s[i];
		ssize_t n;

		while ((n = recv(s->fd, buf, MAXSIZE + 1, MSG_TRUNC)) >= 0) {
			unsigned long seq = 0;

			if (n >= 8)
				memcpy(&seq, buf, 4);
			fill(want, f->size, i, seq);
			if (n == f->size && seq < s->sent &&
			    memcmp(buf, want, (size_t)n) == 0)
				s->recv++;
			else
				s->bad++;
		}
	}
}

static unsigned long
total(const struct flood *f, int which)
{
	unsigned long t = 0;

	for (int i = 0; i < f->sources; i++)
		t += which == 0 ? f->s[i].sent : which == 1 ? f->s[i].recv :
		    f->s[i].bad;
	return t;
}

static int
flood_run(struct flood *f)
{
	unsigned char *buf = malloc(MAXSIZE + 1), *want = malloc(MAXSIZE + 1);
	double deadline;

	if (buf == NULL || want == NULL || open_sources(f) == -1)
		return 2;
	for (int c = 0; c < f->count; c++) {
		for (int i = 0; i < f->sources; i++) {
			fill(buf, f->size, i, f->s[i].sent);
			if (sendto(f->s[i].fd, buf, (size_t)f->size, 0,
			    (struct sockaddr *)&f->dst, f->dstlen) == f->size)
				f->s[i].sent++;
		}
		drain(f, buf, want);
	}
	deadline = now() + f->timeout;
	while (total(f, 1) + total(f, 2) < total(f, 0) && now() < deadline) {
		struct pollfd p[MAXSRC];

		for (int i = 0; i < f->sources; i++) {
			p[i].fd = f->s[i].fd;
			p[i].events = POLLIN;
		}
		(void)poll(p, (nfds_t)f->sources, 50);
		drain(f, buf, want);
	}
	for (int i = 0; i < f->sources; i++)
		printf("src=%s sent=%lu recv=%lu bad=%lu\n", f->s[i].name,
		    f->s[i].sent, f->s[i].recv, f->s[i].bad);
	printf("total sent=%lu sent_bytes=%lu recv=%lu recv_bytes=%lu bad=%lu\n",
	    total(f, 0), total(f, 0) * (unsigned long)f->size, total(f, 1),
	    total(f, 1) * (unsigned long)f->size, total(f, 2));
	free(buf);
	free(want);
	return 0;
}

static int
cmd_flood(int argc, char **argv)
{
	struct flood *f = calloc(1, sizeof(*f));
	socklen_t ignored;
	const char *from = NULL;
	int rc;

	if (f == NULL || argc < 2)
		return 2;
	f->sources = 1;
	f->count = 10;
	f->size = 64;
	f->timeout = 2;
	if (parse_addr(argv[0], atoi(argv[1]), &f->dst, &f->dstlen) == -1)
		return 2;
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--from") == 0)
			from = argv[i + 1];
		else if (strcmp(argv[i], "--sources") == 0)
			f->sources = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--count") == 0)
			f->count = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--size") == 0)
			f->size = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--src-port") == 0)
			f->src_port = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--timeout") == 0)
			f->timeout = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--broadcast") == 0)
			f->broadcast = atoi(argv[i + 1]) != 0;
		else
			return 2;
	}
	if (f->sources < 1 || f->sources > MAXSRC || f->count < 0 ||
	    f->count > 100000 || f->size < 8 || f->size > MAXSIZE ||
	    f->src_port < 0 || f->src_port > 65535 || !(f->timeout >= 0) ||
	    f->timeout > 60)
		return 2;
	if (parse_addr(from != NULL ? from : f->dst.ss_family == AF_INET ?
	    "127.0.0.1" : "::1", 0, &f->from, &ignored) == -1)
		return 2;
	rc = flood_run(f);
	free(f);
	return rc;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

/* Build IP + UDP into pkt; returns its length, 0 on bad addresses. */
static size_t
build(uint8_t *pkt, const char *src, const char *dst, int sport, int dport,
    int size, int *v6)
{
	uint8_t s[16], d[16], *udp;
	size_t hl, ulen = 8 + (size_t)size;
	uint32_t sum;

	*v6 = inet_pton(AF_INET6, src, s) == 1 && inet_pton(AF_INET6, dst, d) == 1;
	if (!*v6 && (inet_pton(AF_INET, src, s) != 1 ||
	    inet_pton(AF_INET, dst, d) != 1))
		return 0;
	hl = *v6 ? 40 : 20;
	memset(pkt, 0, hl + ulen);
	if (*v6) {
		pkt[0] = 0x60;
		pkt[4] = (uint8_t)(ulen >> 8);
		pkt[5] = (uint8_t)ulen;
		pkt[6] = IPPROTO_UDP;
		pkt[7] = 64;
		memcpy(pkt + 8, s, 16);
		memcpy(pkt + 24, d, 16);
		sum = csum_add(0, s, 16);
		sum = csum_add(sum, d, 16);
	} else {
		pkt[0] = 0x45;
		pkt[2] = (uint8_t)((hl + ulen) >> 8);
		pkt[3] = (uint8_t)(hl + ulen);
		pkt[8] = 64;
		pkt[9] = IPPROTO_UDP;
		memcpy(pkt + 12, s, 4);
		memcpy(pkt + 16, d, 4);
		sum = csum_fold(csum_add(0, pkt, 20));
		pkt[10] = (uint8_t)(sum >> 8);
		pkt[11] = (uint8_t)sum;
		sum = csum_add(0, s, 4);
		sum = csum_add(sum, d, 4);
	}
	udp = pkt + hl;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	for (int i = 0; i < size; i++)
		udp[8 + i] = (uint8_t)('a' + i % 26);
	sum += IPPROTO_UDP + (uint32_t)ulen;
	sum = csum_fold(csum_add(sum, udp, ulen));
	if (sum == 0)
		sum = 0xffff;
	udp[6] = (uint8_t)(sum >> 8);
	udp[7] = (uint8_t)sum;
	return hl + ulen;
}

static int
cmd_raw(int argc, char **argv)
{
	static uint8_t pkt[60 + 1500];
	struct sockaddr_ll ll;
	int size = 16, v6, fd;
	size_t len;
	unsigned mac[6] = { 0 };

	if (argc < 5)
		return 2;
	for (int i = 5; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--size") == 0)
			size = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--dmac") == 0) {
			if (sscanf(argv[i + 1], "%x:%x:%x:%x:%x:%x", &mac[0],
			    &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
				return 2;
		} else
			return 2;
	}
	if (size < 0 || size > 1400)
		return 2;
	len = build(pkt, argv[1], argv[2], atoi(argv[3]), atoi(argv[4]), size,
	    &v6);
	if (len == 0)
		return 2;
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	ll.sll_ifindex = (int)if_nametoindex(argv[0]);
	ll.sll_halen = 6;
	for (int i = 0; i < 6; i++)
		ll.sll_addr[i] = (unsigned char)mac[i];
	if (ll.sll_ifindex == 0)
		return 2;
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(v6 ? ETH_P_IPV6 : ETH_P_IP));
	if (fd == -1) {
		fprintf(stderr, "guardprobe: packet socket: %s\n", strerror(errno));
		return 2;
	}
	if (sendto(fd, pkt, len, 0, (struct sockaddr *)&ll, sizeof(ll)) !=
	    (ssize_t)len) {
		fprintf(stderr, "guardprobe: send: %s\n", strerror(errno));
		close(fd);
		return 2;
	}
	close(fd);
	printf("sent %zu bytes\n", len);
	return 0;
}

struct tconn {
	int fd;
	size_t sent, got;
	int closed;
};

/* Connect n sockets from `from` (port 0); a refused connect counts as
 * closed at once.  -1 on a system error. */
static int
tcp_open(struct tconn *t, int n, const struct sockaddr_storage *dst,
    socklen_t dstlen, const char *from)
{
	for (int i = 0; i < n; i++) {
		struct sockaddr_storage a;
		socklen_t alen;

		t[i].fd = socket(dst->ss_family, SOCK_STREAM, 0);
		if (t[i].fd == -1)
			return -1;
		if (from != NULL && (parse_addr(from, 0, &a, &alen) == -1 ||
		    bind(t[i].fd, (struct sockaddr *)&a, alen) == -1)) {
			fprintf(stderr, "guardprobe: bind %s: %s\n", from,
			    strerror(errno));
			return -1;
		}
		if (connect(t[i].fd, (const struct sockaddr *)dst, dstlen) == -1) {
			printf("closed idx=%d after=0.000 connect: %s\n", i,
			    strerror(errno));
			t[i].closed = 1;
		}
	}
	return 0;
}

/* Read what is there on connection i; 1 when the server closed it. */
static int
tcp_poll_one(struct tconn *t, int i, int *bad)
{
	unsigned char buf[16384];
	struct pollfd p = { t[i].fd, POLLIN, 0 };
	ssize_t r;

	if (t[i].closed || poll(&p, 1, 0) <= 0)
		return 0;
	r = recv(t[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (r <= 0)
		return 1;
	for (ssize_t k = 0; k < r; k++)
		if (buf[k] != (unsigned char)(i + t[i].got + (size_t)k))
			*bad = 1;
	t[i].got += (size_t)r;
	if (t[i].got > t[i].sent)
		*bad = 1;
	return 0;
}

/* guardprobe tcp HOST PORT [--from A] [--conns N] [--bytes B] [--hold S]:
 * N connections from A; each sends B bytes and reads the echo; all are
 * held for S seconds or until the server closes them.  Prints "held=N",
 * then "closed idx=I after=T echoed=X" as the server closes any, then
 * "total conns=N echoed=X closed=C bad=B" (bad: an echo byte differed).
 * --until-echoed 1: stop as soon as every connection is echoed or closed. */
static int
cmd_tcp(int argc, char **argv)
{
	struct sockaddr_storage dst;
	socklen_t dstlen;
	const char *from = NULL;
	int n = 1, bad = 0, closed = 0, until_echoed = 0;
	long bytes = 0;
	double hold = 0, start, end;
	struct tconn *t;

	if (argc < 2 || parse_addr(argv[0], atoi(argv[1]), &dst, &dstlen) == -1)
		return 2;
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--from") == 0)
			from = argv[i + 1];
		else if (strcmp(argv[i], "--conns") == 0)
			n = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--bytes") == 0)
			bytes = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--hold") == 0)
			hold = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--until-echoed") == 0)
			until_echoed = atoi(argv[i + 1]);
		else
			return 2;
	}
	if (n < 1 || n > 1000 || bytes < 0 || bytes > 1000000 ||
	    !(hold >= 0) || hold > 60)
		return 2;
	t = calloc((size_t)n, sizeof(*t));
	start = now();
	if (t == NULL || tcp_open(t, n, &dst, dstlen, from) == -1)
		return 2;
	printf("held=%d\n", n);
	end = now() + hold;
	for (int i = 0; i < n; i++) {
		unsigned char buf[16384];
		size_t len = (size_t)bytes < sizeof(buf) ? (size_t)bytes :
		    sizeof(buf);
		ssize_t r;

		for (size_t k = 0; k < len; k++)
			buf[k] = (unsigned char)(i + k);
		if (!t[i].closed && len > 0 &&
		    (r = send(t[i].fd, buf, len, MSG_NOSIGNAL)) > 0)
			t[i].sent = (size_t)r;
	}
	for (;;) {
		int done = 0;

		closed = 0;
		for (int i = 0; i < n; i++) {
			if (tcp_poll_one(t, i, &bad)) {
				printf("closed idx=%d after=%.3f echoed=%zu\n", i,
				    now() - start, t[i].got);
				t[i].closed = 1;
			}
			closed += t[i].closed;
			done += t[i].closed || t[i].got == t[i].sent;
		}
		if (closed == n || now() >= end || (until_echoed && done == n))
			break;
		(void)poll(NULL, 0, 10);
	}
	{
		size_t echoed = 0;

		for (int i = 0; i < n; i++) {
			echoed += t[i].got;
			close(t[i].fd);
		}
		printf("total conns=%d echoed=%zu closed=%d bad=%d\n", n, echoed,
		    closed, bad);
	}
	free(t);
	return 0;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "flood") == 0)
		return cmd_flood(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "raw") == 0)
		return cmd_raw(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "tcp") == 0)
		return cmd_tcp(argc - 2, argv + 2);
	fprintf(stderr, "usage: guardprobe flood HOST PORT [options] | "
	    "guardprobe raw IFACE SRC DST SPORT DPORT [--size S] [--dmac MAC]\n");
	return 2;
}
