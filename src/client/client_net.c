/*
 * client_net: echoctl's sockets: resolve HOST PORT with getaddrinfo, bind the
 * --source address, set --tos/--ttl, and connect (TCP within -t, trying each
 * address in turn).  Every failure is printed here, once, with the address.
 * Also the one loop that writes a whole buffer to a non-blocking descriptor.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_net.h"
#include "common/clock.h"

void
client_net_describe(const struct client_opts *o, const struct addr *peer,
    char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	addr_format(&peer->u.sa, a, sizeof(a));
	snprintf(buf, len, "%s %s", o->proto == CLIENT_TCP ? "tcp" : "udp", a);
}

static int
client_net_sockopts(const struct client_opts *o, int fd, int family)
{
	int v4 = family == AF_INET;

	if (o->tos >= 0 && setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
	    v4 ? IP_TOS : IPV6_TCLASS, &o->tos, sizeof(o->tos)) == -1) {
		fprintf(stderr, "echoctl: --tos %d: %s\n", o->tos,
		    strerror(errno));
		return -1;
	}
	if (o->ttl >= 0 && setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
	    v4 ? IP_TTL : IPV6_UNICAST_HOPS, &o->ttl, sizeof(o->ttl)) == -1) {
		fprintf(stderr, "echoctl: --ttl %d: %s\n", o->ttl,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Wait until fd is writable or the clock_mono() deadline (0: none) has
 * passed; 0, or -1 with errno. */
static int
client_net_wait_writable(int fd, double deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	for (;;) {
		double left = deadline - clock_mono();
		int rc;

		if (deadline > 0 && left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&pfd, 1, deadline > 0 ? (int)(left * 1000) + 1 : -1);
		if (rc > 0)
			return 0;
		if (rc == -1 && errno != EINTR)
			return -1;
	}
}

/* Wait for a non-blocking connect; 0, or -1 with errno. */
static int
client_net_wait_connect(int fd, double timeout)
{
	socklen_t len = sizeof(int);
	int soerr = 0;

	if (client_net_wait_writable(fd, clock_mono() + timeout) == -1)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

/* One address: socket, options, bind, connect.  fd, or -1 with the reason
 * appended to err (printed only if no address works). */
static int
client_net_try(const struct client_opts *o, const struct addrinfo *ai,
    const struct addr *src, char *err, size_t errlen)
{
	size_t used = strlen(err);
	char a[ADDR_STRLEN];
	const char *what = "connect to";
	int fd;

	addr_format(ai->ai_addr, a, sizeof(a));
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd == -1) {
		what = "socket for";
		goto fail;
	}
	if (client_net_sockopts(o, fd, ai->ai_family) == -1) {
		close(fd);
		return -1;
	}
	if (src != NULL && bind(fd, &src->u.sa, src->len) == -1) {
		what = "bind --source for";
		goto fail;
	}
	if (ai->ai_socktype == SOCK_STREAM) {
		/* An urgent byte (MSG_OOB) is data the server sent: read in
		 * its place and checked like the rest, not skipped by recv. */
		int one = 1;

		(void)setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one,
		    sizeof(one));
	}
	if (ai->ai_socktype == SOCK_DGRAM) {
		/* Best effort (the kernel caps it): a few 64 KiB echoes in
		 * flight must not overflow the default receive buffer. */
		int big = 4 << 20;

		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    (errno != EINPROGRESS ||
	    client_net_wait_connect(fd, o->timeout) == -1))
		goto fail;
	return fd;
fail:
	snprintf(err + used, errlen - used, "echoctl: %s %s %s: %s\n", what,
	    o->proto == CLIENT_TCP ? "tcp" : "udp", a,
	    errno == ETIMEDOUT ? "connection timed out" : strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

int
client_net_connect(const struct client_opts *o, struct addr *peer)
{
	struct addrinfo hints, *res = NULL, *ai;
	const struct addr *src = o->source != NULL ? &o->src : NULL;
	char err[1024] = "";
	int rc, fd = -1, tried = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o->family;
	hints.ai_socktype = o->proto == CLIENT_TCP ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_ADDRCONFIG;
	rc = getaddrinfo(o->host, o->port, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY || rc == EAI_NODATA ||
	    rc == EAI_FAMILY) {
		/* AI_ADDRCONFIG hides ::1 on hosts with only loopback IPv6. */
		hints.ai_flags = 0;
		rc = getaddrinfo(o->host, o->port, &hints, &res);
	}
	if (rc != 0) {
		fprintf(stderr, "echoctl: cannot resolve %s port %s%s: %s\n",
		    o->host, o->port, o->family == AF_INET ? " (IPv4)" :
		    o->family == AF_INET6 ? " (IPv6)" : "", gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		if (src != NULL && ai->ai_family != src->u.sa.sa_family)
			continue;
		tried++;
		fd = client_net_try(o, ai, src, err, sizeof(err));
		if (fd != -1 && ai->ai_addrlen <= sizeof(peer->u)) {
			memcpy(&peer->u, ai->ai_addr, ai->ai_addrlen);
			peer->len = ai->ai_addrlen;
		}
	}
	if (tried == 0)
		fprintf(stderr, "echoctl: %s has no address of the --source "
		    "family\n", o->host);
	else if (fd == -1)
		fputs(err, stderr);	/* every address failed: say why, each */
	freeaddrinfo(res);
	return fd;
}

int
client_net_write_all(int fd, const void *buf, size_t n, double deadline)
{
	const unsigned char *b = buf;
	int sock = 1;

	while (n > 0) {
		ssize_t w = sock ? send(fd, b, n, MSG_NOSIGNAL) : write(fd, b, n);

		if (w == -1 && sock && errno == ENOTSOCK) {
			sock = 0;	/* stdout to a file, pipe or terminal */
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN &&
		    client_net_wait_writable(fd, deadline) == 0)
			continue;
		if (w == -1)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}
