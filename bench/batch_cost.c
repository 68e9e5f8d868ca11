/*
 * batch_cost: what an io_uring batch (common/iobatch.c, as echod's workers
 * use it) costs against plain recv+send, per echoed message, for N
 * loopback TCP connections that are all readable at once.  Only the
 * server side is timed (the thread's CPU time, so other load on the
 * machine does not count), in alternating blocks of both ways so drift
 * hits them alike.  echod's TCP_BATCH_MIN and TCP_BULK_READ come from
 * this table: where the ratio stays above 1, batching does not pay.
 *
 * usage: batch_cost [-n N,N,...] [-s SIZE,SIZE,...] [-i ROUNDS]
 * Bounded: ROUNDS echoes per connection and setting (default 4096).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loopback_pairs.h"

#include "common/iobatch.h"

#define MAXN 64
#define SLICE 65536
#define BLOCK 64		/* rounds per block before switching ways */

struct pairs {
	int cfd[MAXN], sfd[MAXN];
	int n;
};

static double
thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
pairs_open(struct pairs *p, int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l, MAXN) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &al) < 0)
		return -1;
	for (p->n = 0; p->n < n; p->n++) {
		int *c = &p->cfd[p->n], *s = &p->sfd[p->n];

		if ((*c = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(*c, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    (*s = accept(l, NULL, NULL)) < 0)
			return -1;
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
	}
}

/* The server side, timed: echod's plain path, or its batch. */
static void
echo_plain(const struct pairs *p, unsigned char *scratch)
{
	for (int i = 0; i < p->n; i++) {
		ssize_t r = recv(p->sfd[i], scratch, SLICE, 0);

		if (r > 0)
			(void)send(p->sfd[i], scratch, (size_t)r, MSG_NOSIGNAL);
	}
}

static void
echo_batch(const struct pairs *p, struct iobatch *b, unsigned char *arena)
{
	struct iobatch_op ops[MAXN];

	for (int i = 0; i < p->n; i++)
		ops[i] = (struct iobatch_op){ .fd = p->sfd[i],
		    .buf = arena + (size_t)i * SLICE, .len = SLICE };
	iobatch_run(b, IOBATCH_RECV, ops, (size_t)p->n);
	for (int i = 0; i < p->n; i++)
		ops[i].len = ops[i].res > 0 ? (size_t)ops[i].res : 0;
	iobatch_run(b, IOBATCH_SEND, ops, (size_t)p->n);
}

static int
measure(struct iobatch *b, int n, size_t size, int rounds, unsigned char *mem)
{
	unsigned char *scratch = mem, *arena = mem + SLICE,
	    *msg = arena + (size_t)MAXN * SLICE, *drain = msg + SLICE;
	double t[2] = { 0, 0 };
	struct pairs p = { .n = 0 };

	memset(msg, 'e', size);
	if (pairs_open(&p, n) < 0) {
		perror("batch_cost: loopback connections");
		pairs_close(&p);
		return -1;
	}
	for (int r = 0; r < 2 * rounds; r++) {
		int way = (r / BLOCK) & 1;
		double t0;

		if (clients_send(p.cfd, p.n, msg, size) < 0)
			goto fail;
		t0 = thread_cpu();
		if (way == 0)
			echo_plain(&p, scratch);
		else
			echo_batch(&p, b, arena);
		t[way] += thread_cpu() - t0;
		if (clients_drain(p.cfd, p.n, drain, size) < 0)
			goto fail;
	}
	printf("%5d %7zu %10.3f %10.3f %7.3f\n", n, size,
	    t[0] / ((double)rounds * n) * 1e6, t[1] / ((double)rounds * n) * 1e6,
	    t[1] / t[0]);
	pairs_close(&p);
	return 0;
fail:
	perror("batch_cost: echo");
	pairs_close(&p);
	return -1;
}

int
main(int argc, char **argv)
{
	long ns[16] = { 1, 2, 4, 8, 12, 16, 24, 32, 64 }, sizes[16] = { 64, 16384 };
	int nn = 9, nsz = 2, rounds = 4096, ch, rc = 0;
	struct iobatch *b;
	unsigned char *mem;
	char err[128];

	while ((ch = getopt(argc, argv, "n:s:i:")) != -1) {
		switch (ch) {
		case 'n': nn = parse_list(optarg, ns, 16, 1, MAXN); break;
		case 's': nsz = parse_list(optarg, sizes, 16, 1, SLICE); break;
		case 'i': rounds = atoi(optarg); break;
		default: nn = -1; break;
		}
		if (nn < 0 || nsz < 0 || rounds < 1 || rounds > 1000000) {
			fprintf(stderr, "usage: batch_cost [-n N,N,...] (1..%d) "
			    "[-s SIZE,...] (1..%d) [-i ROUNDS]\n", MAXN, SLICE);
			return 64;
		}
	}
	if ((b = iobatch_new(MAXN, err, sizeof(err))) == NULL) {
		fprintf(stderr, "batch_cost: %s\n", err);
		return 1;
	}
	mem = calloc((size_t)MAXN + 3, SLICE);
	if (mem == NULL)
		return 1;
	printf("conns    size   plain us   batch us   ratio   (server CPU per "
	    "echo; %d rounds, fewer above 8 conns)\n", rounds);
	for (int i = 0; i < nsz && rc == 0; i++)
		for (int j = 0; j < nn && rc == 0; j++)
			rc = measure(b, (int)ns[j], (size_t)sizes[i],
			    rounds / (int)(ns[j] > 8 ? ns[j] / 8 : 1), mem);
	iobatch_free(b);
	free(mem);
	return rc == 0 ? 0 : 1;
}
