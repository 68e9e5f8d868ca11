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
	struct client_loop *l;		/* asked for writability */
	struct verify_result *r;	/* counts; result set when over */
	const struct client_opts *o;
	int fd;
	unsigned char *state;	/* enum verify_dgram per datagram */
	double *sent_at;
	uint64_t next, oldest, inflight;
};

/* Allocate and send the first window; -1 (printed) when it cannot. */
int verify_udp_start(struct verify_udp *u);
/* The socket is readable and/or writable (EV_READ, EV_WRITE). */
void verify_udp_sock(struct verify_udp *u, int revents);
/* Declare overdue datagrams lost, send more; sets the result when all
 * datagrams are resolved. */
void verify_udp_sweep(struct verify_udp *u);
/* After the run: what was in flight is lost; the final result. */
void verify_udp_result(struct verify_udp *u);
void verify_udp_free(struct verify_udp *u);

#endif
