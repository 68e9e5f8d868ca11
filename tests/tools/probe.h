/*
 * probe: what echoprobe's commands share: options, the reproducible byte
 * stream (a seeded xorshift64*), deadlines, name resolution, TCP connects,
 * and sending/verifying stream bytes.  The commands live in probe_tcp.c and
 * echoprobe.c (udp, main).
 */
#ifndef ECHOPROBE_PROBE_H
#define ECHOPROBE_PROBE_H

#include <sys/types.h>

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>

#define EX_MISMATCH 1
#define EX_ERROR 2

struct opts {
	const char *cmd;
	const char *pos[4];
	int npos;
	size_t chunk;		/* bytes per write */
	size_t size;		/* tcp-many: bytes per message */
	uint64_t count;		/* udp: datagrams to exchange */
	uint64_t seed;
	double timeout;		/* overall limit of an exchange */
	double hold;		/* hold, noread: how long to keep them */
	double delay;		/* tcp-stream: pause between chunks */
	double stall;		/* no write progress this long: stalled */
	int rcvbuf;		/* SO_RCVBUF before connect, 0 = default */
	const char *src, *src_port, *go_file;
	int halfclose, expect_none;
};

/* xorshift64*: the sender and the verifier replay the same byte stream. */
struct rng {
	uint64_t s;
};

void rng_init(struct rng *r, uint64_t seed);
void rng_fill(struct rng *r, unsigned char *p, size_t n);
/* Check n received bytes against the stream; base = offset of p[0]. 0/-1. */
int rng_verify(struct rng *r, const unsigned char *p, size_t n, uint64_t base);

double now_s(void);
/* Milliseconds left until deadline, for poll(); 0 when past. */
int ms_until(double deadline);
int resolve(const char *host, const char *port, int socktype,
    struct addrinfo **res);

/* Start a non-blocking connect to pos[0]:pos[1]; wait for POLLOUT after. */
int tcp_start(const struct opts *o);
/* 0 once a started connect completed, -1 on refusal/error/deadline. */
int tcp_finish(int fd, double deadline);
int tcp_connect(const struct opts *o, double deadline);
/* Send up to total stream bytes without reading; see probe.c. */
uint64_t send_unread(const struct opts *o, int fd, struct rng *tx,
    uint64_t total, double deadline, int *stalled);
/* Read and verify echoed bytes: 1 on EOF, 0 on progress or nothing, -1 on a
 * mismatch or error, -2 when the server reset the connection. */
int recv_verify(int fd, struct rng *rx, uint64_t *rcvd, uint64_t limit);

int cmd_connect(const struct opts *o);
int cmd_tcp_stream(const struct opts *o);
int cmd_tcp_noread(const struct opts *o);
int cmd_tcp_pending(const struct opts *o);
int cmd_tcp_send(const struct opts *o);
int cmd_tcp_many(const struct opts *o);
int cmd_tcp_reset(const struct opts *o);
int cmd_hold(const struct opts *o);

#endif
