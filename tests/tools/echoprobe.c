/*
 * echoprobe: the test client for the cases socat and nc cannot check
 * precisely (byte-exact streams, peers that never read, many concurrent
 * connections, half-close, exact datagrams, idle holders).  It owns no
 * daemon state; every subcommand is bounded by --timeout or --hold.
 *
 * Exit: 0 expectation met, 1 not met (mismatch, no echo, early close),
 * 2 usage or system error.  Results go to stdout, one line each, flushed,
 * so a test can poll them while the probe runs in the background.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

#define UDP_MAX 65535

static int
udp_socket(const struct opts *o, const struct addrinfo *dst)
{
	int fd = socket(dst->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int sz = 1 << 20;
	struct addrinfo *src = NULL;

	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (o->src == NULL && o->src_port == NULL)
		return fd;
	if (resolve(o->src != NULL ? o->src : (dst->ai_family == AF_INET6 ?
	    "::" : "0.0.0.0"), o->src_port != NULL ? o->src_port : "0",
	    SOCK_DGRAM, &src) == -1 ||
	    bind(fd, src->ai_addr, src->ai_addrlen) == -1) {
		fprintf(stderr, "echoprobe: bind source: %s\n",
		    strerror(errno));
		close(fd);
		fd = -1;
	}
	if (src != NULL)
		freeaddrinfo(src);
	return fd;
}

/* Wait for one datagram from dst; its size, -1 for none, -2 for a bad one. */
static ssize_t
udp_reply(int fd, const struct addrinfo *dst, unsigned char *buf,
    double deadline)
{
	struct sockaddr_storage from;
	struct iovec iov = { .iov_base = buf, .iov_len = UDP_MAX + 1 };
	struct msghdr mh = { .msg_name = &from, .msg_iov = &iov,
	    .msg_iovlen = 1 };
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms_until(deadline)) <= 0)
		return -1;
	mh.msg_namelen = sizeof(from);
	if ((n = recvmsg(fd, &mh, 0)) == -1) {
		printf("recv: %s\n", strerror(errno));
		return -2;
	}
	if (mh.msg_namelen != dst->ai_addrlen ||
	    memcmp(&from, dst->ai_addr, dst->ai_addrlen) != 0) {
		printf("reply from another address than the one sent to\n");
		return -2;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		printf("reply longer than %d bytes\n", UDP_MAX);
		return -2;
	}
	return n;
}

/* Send one datagram of the stream `seed` and wait for its echo: 0 echoed
 * exactly, 1 nothing came back, -1 something else came back. */
static int
udp_exchange(const struct opts *o, int fd, const struct addrinfo *dst,
    unsigned char *out, unsigned char *in, size_t size, uint64_t seed)
{
	struct rng r;
	ssize_t n;

	rng_init(&r, seed);
	rng_fill(&r, out, size);
	if (sendto(fd, out, size, 0, dst->ai_addr, dst->ai_addrlen) !=
	    (ssize_t)size) {
		printf("sendto %zu bytes: %s\n", size, strerror(errno));
		return -1;
	}
	n = udp_reply(fd, dst, in, now_s() + o->timeout);
	if (n == -1)
		return 1;
	if (n >= 0 && (size_t)n == size && memcmp(in, out, size) == 0)
		return 0;
	if (n >= 0)
		printf("bad echo: %zd bytes, sent %zu\n", n, size);
	return -1;
}

/*
 * udp HOST PORT SIZE: one datagram, expect its exact echo (or, with
 * --expect-none, nothing back within --timeout).  With --count N, N distinct
 * datagrams one after the other, each echoed exactly once: a duplicate shows
 * up as a wrong echo of the next one, or as an extra after the last.
 */
static int
cmd_udp(const struct opts *o)
{
	size_t size = strtoul(o->pos[2], NULL, 10);
	unsigned char *out = malloc(UDP_MAX + 1), *in = malloc(UDP_MAX + 1);
	struct addrinfo *dst = NULL;
	int fd = -1, rc = EX_ERROR, r = 0;
	uint64_t i;

	if (out == NULL || in == NULL || size > UDP_MAX || o->count == 0 ||
	    resolve(o->pos[0], o->pos[1], SOCK_DGRAM, &dst) == -1 ||
	    (fd = udp_socket(o, dst)) == -1)
		goto cleanup;
	for (i = 0; i < o->count && r == 0; i++)
		r = udp_exchange(o, fd, dst, out, in, size, o->seed + i);
	if (r == 0 && o->count > 1 &&
	    udp_reply(fd, dst, in, now_s() + 0.3) != -1) {
		printf("an extra datagram came back after the last echo\n");
		r = -1;
	}
	if (r == 1)
		printf("none (datagram %llu)\n", (unsigned long long)i - 1);
	else if (r == 0 && o->count > 1)
		printf("echoed=%llu datagrams of %zu bytes\n",
		    (unsigned long long)o->count, size);
	else if (r == 0)
		printf("echoed=%zu\n", size);
	if (o->expect_none)
		rc = r == 1 ? 0 : EX_MISMATCH;
	else
		rc = r == 0 ? 0 : EX_MISMATCH;
cleanup:
	if (fd != -1)
		close(fd);
	if (dst != NULL)
		freeaddrinfo(dst);
	free(out);
	free(in);
	return rc;
}

static const struct {
	const char *name;
	int npos;
	int (*fn)(const struct opts *);
	const char *usage;
} cmds[] = {
	{ "connect", 2, cmd_connect, "HOST PORT" },
	{ "tcp-stream", 3, cmd_tcp_stream,
	    "HOST PORT BYTES [--chunk N] [--delay S] [--halfclose]" },
	{ "tcp-halfclose", 3, cmd_tcp_stream, "HOST PORT BYTES [--chunk N]" },
	{ "tcp-noread", 3, cmd_tcp_noread,
	    "HOST PORT BYTES [--stall S] [--hold S]" },
	{ "tcp-pending", 3, cmd_tcp_pending,
	    "HOST PORT BYTES --go-file F [--rcvbuf N]" },
	{ "tcp-send", 3, cmd_tcp_send, "HOST PORT BYTES" },
	{ "tcp-many", 4, cmd_tcp_many, "HOST PORT CONNS MSGS [--size N]" },
	{ "tcp-reset", 3, cmd_tcp_reset, "HOST PORT N [--size BYTES]" },
	{ "hold", 3, cmd_hold, "HOST PORT N [--hold S]" },
	{ "udp", 3, cmd_udp,
	    "HOST PORT SIZE [--count N] [--src A] [--src-port P] "
	    "[--expect-none]" },
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: echoprobe COMMAND ARGS [--timeout S] [--seed N]\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "  echoprobe %s %s\n", cmds[i].name,
		    cmds[i].usage);
	return EX_ERROR;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = argv[i + 1];

		if (strcmp(a, "--halfclose") == 0) {
			o->halfclose = 1;
			continue;
		}
		if (strcmp(a, "--expect-none") == 0) {
			o->expect_none = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			if (o->npos == 4)
				return -1;
			o->pos[o->npos++] = a;
			continue;
		}
		if (v == NULL)
			return -1;
		i++;
		if (strcmp(a, "--chunk") == 0)
			o->chunk = strtoul(v, NULL, 10);
		else if (strcmp(a, "--size") == 0)
			o->size = strtoul(v, NULL, 10);
		else if (strcmp(a, "--count") == 0)
			o->count = strtoull(v, NULL, 10);
		else if (strcmp(a, "--seed") == 0)
			o->seed = strtoull(v, NULL, 10);
		else if (strcmp(a, "--timeout") == 0)
			o->timeout = strtod(v, NULL);
		else if (strcmp(a, "--hold") == 0)
			o->hold = strtod(v, NULL);
		else if (strcmp(a, "--delay") == 0)
			o->delay = strtod(v, NULL);
		else if (strcmp(a, "--stall") == 0)
			o->stall = strtod(v, NULL);
		else if (strcmp(a, "--rcvbuf") == 0)
			o->rcvbuf = atoi(v);
		else if (strcmp(a, "--src") == 0)
			o->src = v;
		else if (strcmp(a, "--src-port") == 0)
			o->src_port = v;
		else if (strcmp(a, "--go-file") == 0)
			o->go_file = v;
		else
			return -1;
	}
	return o->chunk > 0 && o->timeout > 0 && o->stall > 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct opts o = { .chunk = 16384, .size = 100, .count = 1, .seed = 1,
	    .timeout = 10, .hold = 30, .stall = 1 };
	struct rlimit rl;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* tcp-many and hold need one descriptor per connection. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (argc < 2 || parse_opts(argc, argv, &o) == -1)
		return usage();
	o.cmd = argv[1];
	if (strcmp(o.cmd, "tcp-halfclose") == 0)
		o.halfclose = 1;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(o.cmd, cmds[i].name) != 0)
			continue;
		return o.npos == cmds[i].npos ? cmds[i].fn(&o) : usage();
	}
	return usage();
}
