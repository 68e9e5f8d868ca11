/*
 * client_verify: `echoctl verify tcp|udp HOST PORT`.  Sends a seeded
 * pseudo-random pattern (client_pattern.c) and checks every echoed byte
 * against it: over TCP as one stream (client_verify_tcp.c), over UDP as -c
 * datagrams of -s bytes that each name themselves (client_verify_udp.c).
 * Memory is O(1) for TCP and one byte plus one timestamp per datagram for
 * UDP (-c is bounded).  The report is client_verify_out.c's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/client_loop.h"
#include "client/client_net.h"
#include "client/client_verify.h"
#include "client/client_verify_out.h"
#include "client/client_verify_tcp.h"
#include "client/client_verify_udp.h"
#include "common/clock.h"

struct verify {
	struct client_loop l;
	struct verify_result r;
	struct verify_tcp tcp;
	struct verify_udp udp;
};

static int
verify_status(const struct verify_result *r)
{
	if (strcmp(r->result, "refused") == 0)
		return EXITCODE_CONNECT;
	return strcmp(r->result, "ok") == 0 ? EX_OK : EXITCODE_LOSS;
}

/* The loop on the protocol's engine, and its first bytes sent; -1 when it
 * could not start (said why). */
static int
verify_start(struct verify *v, const struct client_opts *o, int fd)
{
	int udp = o->proto == CLIENT_UDP;

	v->tcp = (struct verify_tcp){ .l = &v->l, .r = &v->r, .o = o };
	v->udp = (struct verify_udp){ .l = &v->l, .r = &v->r, .o = o };
	/* No peer: the report says all, also that the run was interrupted. */
	if (client_loop_init(&v->l, o, fd, NULL, udp ? &verify_udp_ops :
	    &verify_tcp_ops, udp ? (void *)&v->udp : (void *)&v->tcp) == -1) {
		fprintf(stderr, "echoctl: out of memory\n");
		return -1;
	}
	v->r.start = clock_mono();
	if (udp)
		return verify_udp_start(&v->udp);
	verify_tcp_start(&v->tcp);
	return 0;
}

static int
verify_run(struct verify *v, const struct client_opts *o)
{
	struct addr peer;
	int fd, rc = EXITCODE_LOSS;

	fd = client_net_connect(o, &peer);
	if (fd == -1)
		return EXITCODE_CONNECT;
	addr_format(&peer.u.sa, v->r.peer, sizeof(v->r.peer));
	if (verify_start(v, o, fd) == 0) {
		(void)client_loop_run(&v->l);
		v->r.end = clock_mono();
		/* No verdict: a signal ended the run. */
		if (v->r.result == NULL)
			verify_result_interrupt(&v->r, &v->l);
		if (o->proto == CLIENT_UDP)
			verify_udp_result(&v->udp);
		verify_report(&v->r);
		rc = verify_status(&v->r);
	}
	close(fd);
	verify_udp_free(&v->udp);
	return rc;
}

int
client_verify_run(struct client_opts *o)
{
	struct verify *v;
	int rc;

	if (!o->have_seed)	/* any value will do, as long as runs differ */
		o->seed = (clock_mono_ns() ^ ((uint64_t)getpid() << 32)) &
		    0x7fffffffffffffffULL;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return EXITCODE_LOSS;
	v->r.o = o;
	rc = verify_run(v, o);
	free(v);
	return rc;
}
