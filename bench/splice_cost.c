/*
 * splice_cost: what a zero-copy echo (socket -> pipe -> socket with
 * splice(2), one pipe per connection, as HAProxy's splice-auto does) costs
 * against echod's plain path (recv into one scratch buffer, send it back),
 * per echoed MB, for N loopback TCP connections that each carry a bulk
 * chunk per round.  The server side is timed as the thread's CPU time (so
 * other load on the machine does not count); the round's wall time, which
 * includes the client's reads, is shown too, since a copy saved on the
 * server can cost the receiver more.  Both ways alternate in blocks so
 * drift hits them alike.  echod's splice = true (src/daemon/tcp_splice.c)
 * rests on this table.
 *
 * usage: splice_cost [-n N,N,...] [-s SIZE,SIZE,...] [-i ROUNDS]
 * Bounded: ROUNDS chunks per connection and setting (default 2048).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loopback_pairs.h"

#define MAXN 64
#define MAXSIZE (256 * 1024)
#define BLOCK 32		/* rounds per block before switching ways */

struct pairs {
	int cfd[MAXN], sfd[MAXN], pipe[MAXN][2];
	int n;
};

static double
clock_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
pairs_open(struct pairs *p, int n, size_t size)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int one = 1, buf = (int)size * 4, l = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l, MAXN) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &al) < 0)
		return -1;
	for (p->n = 0; p->n < n; p->n++) {
		int *c = &p->cfd[p->n], *s = &p->sfd[p->n], *pp = p->pipe[p->n];

		pp[0] = pp[1] = -1;
		if ((*c = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			return -1;
		(void)setsockopt(*c, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
		(void)setsockopt(*c, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		if (connect(*c, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    (*s = accept(l, NULL, NULL)) < 0 ||
		    pipe2(pp, O_NONBLOCK | O_CLOEXEC) < 0)
			return -1;
		(void)fcntl(pp[1], F_SETPIPE_SZ, (int)size);
		(void)setsockopt(*c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		(void)setsockopt(*s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	close(l);
	return 0;
}

static void
pairs_close(struct pairs *p)
{
	for (int i = 0; i < p->n; i++) {
		close(p->cfd[i]);
		close(p->sfd[i]);
		close(p->pipe[i][0]);
		close(p->pipe[i][1]);
	}
}

/*
 * The server side: each connection's whole chunk goes back before the
 * next (the loops run until SIZE bytes moved, as an echo of a bulk
 * connection keeps reading while the socket has data).
 */
static int
echo_plain(const struct pairs *p, unsigned char *scratch, size_t size)
{
	for (int i = 0; i < p->n; i++)
		for (size_t done = 0; done < size;) {
			ssize_t r = recv(p->sfd[i], scratch, 65536, 0);

			if (r <= 0 || send(p->sfd[i], scratch, (size_t)r,
			    MSG_NOSIGNAL) != r)
				return -1;
			done += (size_t)r;
		}
	return 0;
}

static int
echo_splice(const struct pairs *p, size_t size)
{
	for (int i = 0; i < p->n; i++)
		for (size_t done = 0; done < size;) {
			ssize_t r = splice(p->sfd[i], NULL, p->pipe[i][1], NULL,
			    size - done, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

			if (r <= 0)
				return -1;
			for (ssize_t out = 0; out < r;) {
				ssize_t w = splice(p->pipe[i][0], NULL, p->sfd[i],
				    NULL, (size_t)(r - out),
				    SPLICE_F_MOVE);

				if (w <= 0)
					return -1;
				out += w;
			}
			done += (size_t)r;
		}
	return 0;
}

static int
measure(int n, size_t size, int rounds, unsigned char *mem)
{
	unsigned char *scratch = mem, *msg = mem + 65536,
	    *drain = msg + MAXSIZE;
	double cpu[2] = { 0, 0 }, wall[2] = { 0, 0 };
	struct pairs p = { .n = 0 };
	double mb = (double)rounds * n * (double)size / 1e6;

	memset(msg, 'e', size);
	if (pairs_open(&p, n, size) < 0) {
		perror("splice_cost: loopback connections");
		pairs_close(&p);
		return -1;
	}
	for (int r = 0; r < 2 * rounds; r++) {
		int way = (r / BLOCK) & 1;
		double c0, w0 = clock_of(CLOCK_MONOTONIC);

		if (clients_send(p.cfd, p.n, msg, size) < 0)
			goto fail;
		c0 = clock_of(CLOCK_THREAD_CPUTIME_ID);
		if ((way == 0 ? echo_plain(&p, scratch, size) :
		    echo_splice(&p, size)) < 0)
			goto fail;
		cpu[way] += clock_of(CLOCK_THREAD_CPUTIME_ID) - c0;
		if (clients_drain(p.cfd, p.n, drain, size) < 0)
			goto fail;
		wall[way] += clock_of(CLOCK_MONOTONIC) - w0;
	}
	printf("%5d %7zu %9.1f %9.1f %7.3f %9.1f %9.1f %7.3f\n", n, size,
	    cpu[0] / mb * 1e6, cpu[1] / mb * 1e6, cpu[1] / cpu[0],
	    wall[0] / mb * 1e6, wall[1] / mb * 1e6, wall[1] / wall[0]);
	pairs_close(&p);
	return 0;
fail:
	perror("splice_cost: echo");
	pairs_close(&p);
	return -1;
}

int
main(int argc, char **argv)
{
	long ns[16] = { 1, 4, 16 }, sizes[16] = { 16384, 65536, 262144 };
	int nn = 3, nsz = 3, rounds = 2048, ch, rc = 0;
	unsigned char *mem;

	while ((ch = getopt(argc, argv, "n:s:i:")) != -1) {
		switch (ch) {
		case 'n': nn = parse_list(optarg, ns, 16, 1, MAXN); break;
		case 's': nsz = parse_list(optarg, sizes, 16, 4096, MAXSIZE); break;
		case 'i': rounds = atoi(optarg); break;
		default: nn = -1; break;
		}
		if (nn < 0 || nsz < 0 || rounds < 1 || rounds > 1000000) {
			fprintf(stderr, "usage: splice_cost [-n N,N,...] (1..%d) "
			    "[-s SIZE,...] (4096..%d) [-i ROUNDS]\n", MAXN,
			    MAXSIZE);
			return 64;
		}
	}
	if ((mem = calloc(1, 65536 + 2 * MAXSIZE)) == NULL)
		return 1;
	printf("                  server CPU us/MB            round wall us/MB\n"
	    "conns    size    plain    splice   ratio     plain    splice   ratio"
	    "   (%d rounds, fewer above 4 conns)\n", rounds);
	for (int i = 0; i < nsz && rc == 0; i++)
		for (int j = 0; j < nn && rc == 0; j++)
			rc = measure((int)ns[j], (size_t)sizes[i],
			    rounds / (int)(ns[j] > 4 ? ns[j] / 4 : 1), mem);
	free(mem);
	return rc == 0 ? 0 : 1;
}
