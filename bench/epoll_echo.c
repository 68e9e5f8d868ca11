/*
 * epoll_echo: the "trivial epoll echo server in C" that scripts/bench uses
 * as its yardstick.  One thread, level-triggered epoll, read then write
 * back, no features: no config, no limits, no timeouts, no logging.  It is
 * deliberately what a competent programmer writes in an hour, so echod's
 * numbers can be read as ratios against it.
 *
 * Only bytes the peer would not take are kept (per connection, allocated on
 * demand); while they are pending the connection is not read, so a peer
 * that never reads costs one buffer and pushes back through TCP.
 *
 * usage: epoll_echo [-a ADDR] [-p TCPPORT] [-u UDPPORT]   (0 = off)
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"

#define BUFSZ 65536
#define UDP_BUDGET 64

struct pending {
	char *data;
	size_t off, len;
};

struct server {
	int ep, tcp, udp;
	struct pending *pend;	/* indexed by fd */
	size_t npend;
	char buf[BUFSZ];
};

static int
server_watch(struct server *s, int op, int fd, uint32_t ev)
{
	struct epoll_event e;

	memset(&e, 0, sizeof(e));
	e.events = ev;
	e.data.fd = fd;
	return epoll_ctl(s->ep, op, fd, &e);
}

static int
server_open(const char *host, unsigned port, int type)
{
	struct addr a;
	char err[128];
	int fd, one = 1;

	if (addr_parse(host, (uint16_t)port, &a, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "epoll_echo: %s\n", err);
		return -1;
	}
	fd = socket(a.u.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, &a.u.sa, a.len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 4096) < 0)) {
		fprintf(stderr, "epoll_echo: bind %s port %u: %s\n", host, port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
server_drop(struct server *s, int fd)
{
	if ((size_t)fd < s->npend) {
		free(s->pend[fd].data);
		memset(&s->pend[fd], 0, sizeof(s->pend[fd]));
	}
	close(fd);
}

static void
server_accept(struct server *s)
{
	int fd;

	while ((fd = accept4(s->tcp, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if ((size_t)fd >= s->npend || server_watch(s, EPOLL_CTL_ADD, fd,
		    EPOLLIN) < 0)
			close(fd);
	}
}

/* Write what is pending; 0 when all is gone, 1 when some is left, -1. */
static int
server_flush(struct server *s, int fd)
{
	struct pending *p = &s->pend[fd];
	ssize_t n;

	while (p->off < p->len) {
		n = send(fd, p->data + p->off, p->len - p->off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN ? 1 : -1;
		p->off += (size_t)n;
	}
	free(p->data);
	memset(p, 0, sizeof(*p));
	return 0;
}

static void
server_echo(struct server *s, int fd, uint32_t ev)
{
	struct pending *p = &s->pend[fd];
	ssize_t n, w;
	int rc;

	if (p->data) {
		rc = server_flush(s, fd);
		if (rc < 0)
			server_drop(s, fd);
		else if (rc == 0)
			server_watch(s, EPOLL_CTL_MOD, fd, EPOLLIN);
		return;
	}
	n = recv(fd, s->buf, BUFSZ, 0);
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN)
			server_drop(s, fd);
		return;
	}
	w = send(fd, s->buf, (size_t)n, MSG_NOSIGNAL);
	if (w < 0 && errno != EAGAIN) {
		server_drop(s, fd);
		return;
	}
	if (w < 0)
		w = 0;
	if (w < n) {
		p->len = (size_t)(n - w);
		p->off = 0;
		p->data = malloc(p->len);
		if (!p->data) {
			server_drop(s, fd);
			return;
		}
		memcpy(p->data, s->buf + w, p->len);
		server_watch(s, EPOLL_CTL_MOD, fd, EPOLLOUT);
	}
}

static void
server_udp(struct server *s)
{
	struct sockaddr_storage from;
	socklen_t flen;
	ssize_t n;
	int i;

	for (i = 0; i < UDP_BUDGET; i++) {
		flen = sizeof(from);
		n = recvfrom(s->udp, s->buf, BUFSZ, 0, (struct sockaddr *)&from,
		    &flen);
		if (n < 0)
			return;
		(void)sendto(s->udp, s->buf, (size_t)n, 0,
		    (struct sockaddr *)&from, flen);
	}
}

static int
server_init(struct server *s, const char *host, unsigned tport, unsigned uport)
{
	struct rlimit rl;

	s->tcp = s->udp = -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	s->npend = rl.rlim_cur > 1048576 ? 1048576 : rl.rlim_cur;
	/* calloc'd pages are only touched for fds in use. */
	s->pend = calloc(s->npend, sizeof(*s->pend));
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!s->pend || s->ep < 0)
		return -1;
	if (tport && ((s->tcp = server_open(host, tport, SOCK_STREAM)) < 0 ||
	    server_watch(s, EPOLL_CTL_ADD, s->tcp, EPOLLIN) < 0))
		return -1;
	if (uport && ((s->udp = server_open(host, uport, SOCK_DGRAM)) < 0 ||
	    server_watch(s, EPOLL_CTL_ADD, s->udp, EPOLLIN) < 0))
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[256];
	const char *host = "127.0.0.1";
	unsigned tport = 8888, uport = 9999;
	struct server *s;
	int ch, n, i;

	while ((ch = getopt(argc, argv, "a:p:u:")) != -1) {
		switch (ch) {
		case 'a': host = optarg; break;
		case 'p': tport = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'u': uport = (unsigned)strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: epoll_echo [-a ADDR] [-p TCPPORT]"
			    " [-u UDPPORT]\n");
			return 64;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	s = calloc(1, sizeof(*s));
	if (!s || server_init(s, host, tport, uport) < 0) {
		perror("epoll_echo");
		return 1;
	}
	printf("listening tcp %u udp %u\n", tport, uport);
	fflush(stdout);
	for (;;) {
		n = epoll_wait(s->ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == s->tcp)
				server_accept(s);
			else if (evs[i].data.fd == s->udp)
				server_udp(s);
			else
				server_echo(s, evs[i].data.fd, evs[i].events);
		}
	}
}
