/*
 * bench_poll: the epoll set of one engine thread (bench_tcp.c,
 * bench_udp.c) and the load sockets on it.  Each socket is registered
 * under a key the engine chooses (its index); the events it is registered
 * for are remembered, so a change costs a system call only when they do
 * change.  Freeing the set closes every socket on it that is still open.
 */
#ifndef ECHOD_BENCH_POLL_H
#define ECHOD_BENCH_POLL_H

#include <stdint.h>

struct bench_sock {
	int fd;			/* -1: none */
	uint32_t events;	/* as registered with epoll */
};

struct bench_poll {
	int ep;
	uint32_t n;
	struct bench_sock **socks;	/* by key, once registered */
};

/* An empty set for keys 0..n-1; 0, or -1 with errno. */
int bench_poll_open(struct bench_poll *p, uint32_t n);
/* Register s->fd for `events` under `key` (s stays the caller's, and
 * must live until bench_poll_free); 0, or -1 with errno. */
int bench_poll_watch(struct bench_poll *p, uint32_t key, struct bench_sock *s,
    uint32_t events);
/* Change the events s is registered for. */
void bench_poll_want(struct bench_poll *p, uint32_t key, struct bench_sock *s,
    uint32_t events);
/* Close s if open (epoll forgets it by itself). */
void bench_sock_close(struct bench_sock *s);
/* Close the sockets still open and the set. */
void bench_poll_free(struct bench_poll *p);

#endif
