/*
 * client_verify: the state of one `echoctl verify` run, shared by the TCP
 * engine and main (client_verify.c) and the UDP engine and the report
 * (client_verify_udp.c).
 */
#ifndef ECHOD_CLIENT_VERIFY_H
#define ECHOD_CLIENT_VERIFY_H

#include <ev.h>
#include <stdint.h>

#include "client/client_opts.h"

#define VERIFY_WINDOW	32	/* UDP datagrams in flight */

enum verify_dgram {
	VERIFY_UNSENT,
	VERIFY_SENT,
	VERIFY_OK,
	VERIFY_BAD,
	VERIFY_LOST,
};

struct verify {
	struct ev_loop *loop;
	struct client_opts *o;
	int fd;
	char peer[ADDR_STRLEN];
	ev_io r, w;
	ev_timer timer;
	ev_signal sigint, sigterm;
	double start, end;
	const char *result;	/* ok mismatch truncated timeout extra ... */
	char why[192];
	/* TCP */
	uint64_t total, wr, cmp, extra, mismatch_at;
	int fin;
	/* UDP */
	unsigned char *state;	/* enum verify_dgram per datagram */
	double *sent_at;
	uint64_t next, oldest, inflight;
	uint64_t ok, lost, truncated, corrupt, dup, unknown, refused;
	uint64_t first_lost, first_trunc, first_corrupt;
	size_t trunc_len;
};

int verify_udp_start(struct verify *v);
void verify_udp_read_cb(struct ev_loop *loop, ev_io *w, int revents);
void verify_udp_write_cb(struct ev_loop *loop, ev_io *w, int revents);
void verify_udp_sweep(struct verify *v);
void verify_udp_result(struct verify *v);
void verify_udp_free(struct verify *v);
void verify_report(const struct verify *v);

#endif
