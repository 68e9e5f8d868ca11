/*
 * client_stamp_out: what `echoctl probe stamp` prints, and the tally it
 * prints from (struct stamp_tally, kept by the engine in client_stamp.c):
 * text like ping's, NDJSON with --json.
 */
#ifndef ECHOD_CLIENT_STAMP_OUT_H
#define ECHOD_CLIENT_STAMP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client_opts.h"
#include "client/client_series.h"
#include "client/client_stats.h"
#include "common/addr.h"
#include "common/clock.h"

/* One answer, as measured (delays in ms). */
struct stamp_result {
	uint32_t seq, refl_seq;
	size_t bytes;
	double rtt, fwd, bwd, residence;
	uint8_t ttl;			/* the test packet's TTL at the reflector */
	bool dup, late, reordered;
	bool inconsistent;		/* T3 - T2 > T4 - T1: not an answer */
};

/* Inter-packet delay variation: mean |d(i) - d(i-1)| over consecutive
 * answers (RFC 3393 with the previous answer as the selection). */
struct stamp_ipdv {
	double last, sum;
	uint64_t n;
	bool have;
};

struct stamp_tally {
	const struct client_opts *o;
	/* sent, answered and their round trips; start, end */
	const struct client_series *series;
	char peer[ADDR_STRLEN];
	uint64_t dup, late, lost, reordered, malformed, stray;
	uint64_t inconsistent;		/* answers with T3 - T2 > T4 - T1 */
	uint64_t refused;
	/* Loss direction (stateful reflector): the highest sender and
	 * reflector sequence numbers answered so far. */
	uint32_t max_sseq, max_rseq;
	bool any_answer, numbering_own, numbering_bad;
	uint16_t refl_err;		/* the last answer's Error Estimate */
	struct client_stats fwd, bwd;	/* one-way delays, ms */
	struct stamp_ipdv j_rtt, j_fwd, j_bwd;
	struct clock_sync sync;		/* ours, at the start */
	int status;			/* the exit status, for the summary */
};

void stamp_out_start(const struct stamp_tally *t);
void stamp_out_answer(const struct stamp_tally *t,
    const struct stamp_result *r);
void stamp_out_timeout(const struct stamp_tally *t, uint32_t seq);
/* seq UINT32_MAX: not known. */
void stamp_out_error(const struct stamp_tally *t, uint32_t seq,
    const char *what);
void stamp_out_summary(const struct stamp_tally *t);

#endif
