/*
 * client_verify_tcp: the TCP engine of `echoctl verify`: -n bytes of the
 * seeded stream as one stream, then FIN; every echoed byte checked.
 */
#ifndef ECHOD_CLIENT_VERIFY_TCP_H
#define ECHOD_CLIENT_VERIFY_TCP_H

#include <stdint.h>

#include "client/client_loop.h"
#include "client/client_verify_out.h"

struct verify_tcp {
	struct client_loop *l;
	struct verify_result *r;	/* total, cmp, extra ...; result */
	const struct client_opts *o;
	uint64_t wr;			/* bytes sent */
	int fin;			/* our FIN is sent */
};

/* The loop callbacks; their argument is the struct verify_tcp. */
extern const struct client_loop_ops verify_tcp_ops;

/* Start sending (the loop is set up). */
void verify_tcp_start(struct verify_tcp *t);

#endif
