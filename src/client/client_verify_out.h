/*
 * client_verify_out: what one `echoctl verify` run found (filled in by its
 * engine, client_verify_tcp.c or client_verify_udp.c), how the run ends,
 * and its report: text for people, or one JSON object with --json.
 */
#ifndef ECHOD_CLIENT_VERIFY_OUT_H
#define ECHOD_CLIENT_VERIFY_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "client/client_loop.h"
#include "client/client_opts.h"
#include "common/addr.h"

struct verify_result {
	const struct client_opts *o;
	char peer[ADDR_STRLEN];
	double start, end;
	const char *result;	/* ok mismatch truncated timeout extra ...;
				 * the first one set is the run's */
	char why[192];
	/* TCP */
	uint64_t total, cmp, extra, mismatch_at;
	/* UDP */
	uint64_t ok, lost, truncated, oversized, corrupt, dup, unknown, refused;
	uint64_t first_lost, first_trunc, first_long, first_corrupt;
	size_t trunc_len, long_len;	/* of first_trunc's, first_long's echo */
};

/* The first verdict of a run is its result, and ends the run. */
void verify_result_end(struct verify_result *r, struct client_loop *l,
    const char *result);
/* Ctrl-C or SIGTERM: the run ends as "interrupted". */
void verify_result_interrupt(struct verify_result *r, struct client_loop *l);
/* To stdout. */
void verify_report(const struct verify_result *r);

#endif
