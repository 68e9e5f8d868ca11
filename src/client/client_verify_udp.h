/*
 * client_verify_udp: the UDP engine of `echoctl verify`: -c datagrams of
 * -s bytes, each naming itself, at most VERIFY_WINDOW in flight, every
 * echo checked byte by byte against the seeded stream.
 */
#ifndef ECHOD_CLIENT_VERIFY_UDP_H
#define ECHOD_CLIENT_VERIFY_UDP_H

#include <stdint.h>

#include "client/client_loop.h"
#include "client/client_verify_out.h"

#define VERIFY_WINDOW	32	/* UDP datagrams in flight */

struct verify_udp {
	struct client_loop *l;
	struct verify_result *r;	/* counts; result */
	const struct client_opts *o;
	unsigned char *state;	/* enum verify_dgram per datagram */
	double *sent_at;
	uint64_t next, oldest, inflight;
};

/* The loop callbacks; their argument is the struct verify_udp. */
extern const struct client_loop_ops verify_udp_ops;

/* Allocate and send the first window (the loop is set up); -1 (said why)
 * when it cannot. */
int verify_udp_start(struct verify_udp *u);
/* After the run: what was in flight is lost; the final result. */
void verify_udp_result(struct verify_udp *u);
void verify_udp_free(struct verify_udp *u);

#endif
