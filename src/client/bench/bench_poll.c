/*
 * bench_poll: an engine thread's epoll set (see bench_poll.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "client/bench/bench_poll.h"

int
bench_poll_open(struct bench_poll *p, uint32_t n)
{
	p->n = n;
	p->socks = calloc(n, sizeof(*p->socks));
	p->ep = epoll_create1(EPOLL_CLOEXEC);
	if (p->socks == NULL && p->ep >= 0)
		errno = ENOMEM;
	return p->socks != NULL && p->ep >= 0 ? 0 : -1;
}

static int
bench_poll_ctl(struct bench_poll *p, int op, uint32_t key,
    struct bench_sock *s, uint32_t events)
{
	struct epoll_event e;

	memset(&e, 0, sizeof(e));
	e.events = events;
	e.data.u64 = key;
	if (epoll_ctl(p->ep, op, s->fd, &e) < 0)
		return -1;
	s->events = events;
	return 0;
}

int
bench_poll_watch(struct bench_poll *p, uint32_t key, struct bench_sock *s,
    uint32_t events)
{
	p->socks[key] = s;
	return bench_poll_ctl(p, EPOLL_CTL_ADD, key, s, events);
}

void
bench_poll_want(struct bench_poll *p, uint32_t key, struct bench_sock *s,
    uint32_t events)
{
	/* A failure leaves the old events recorded: the next call retries. */
	if (events != s->events)
		(void)bench_poll_ctl(p, EPOLL_CTL_MOD, key, s, events);
}

void
bench_sock_close(struct bench_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->events = 0;
}

void
bench_poll_free(struct bench_poll *p)
{
	for (uint32_t i = 0; p->socks != NULL && i < p->n; i++)
		if (p->socks[i] != NULL)
			bench_sock_close(p->socks[i]);
	if (p->ep >= 0)
		close(p->ep);
	free(p->socks);
	p->socks = NULL;
	p->ep = -1;
}
