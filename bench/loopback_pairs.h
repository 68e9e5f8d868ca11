/*
 * loopback_pairs: the client side and the option lists that batch_cost and
 * splice_cost share: each round every client sends one message, later
 * every client reads its whole echo back (neither is timed).
 */
#ifndef ECHOD_BENCH_LOOPBACK_PAIRS_H
#define ECHOD_BENCH_LOOPBACK_PAIRS_H

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>

static inline int
clients_send(const int *cfd, int n, const unsigned char *msg, size_t size)
{
	for (int i = 0; i < n; i++)
		if (send(cfd[i], msg, size, 0) != (ssize_t)size)
			return -1;
	return 0;
}

static inline int
clients_drain(const int *cfd, int n, unsigned char *buf, size_t size)
{
	for (int i = 0; i < n; i++) {
		size_t got = 0;

		while (got < size) {
			ssize_t r = recv(cfd[i], buf, size - got, 0);

			if (r <= 0)
				return -1;
			got += (size_t)r;
		}
	}
	return 0;
}

/* "N,N,..." into out (at most max values, each lo..hi): the count, or -1. */
static inline int
parse_list(const char *s, long *out, int max, long lo, long hi)
{
	int n = 0;
	char *end;

	while (*s != '\0' && n < max) {
		long v = strtol(s, &end, 10);

		if (end == s || v < lo || v > hi)
			return -1;
		out[n++] = v;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return -1;
	}
	return n;
}

#endif
