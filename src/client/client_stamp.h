/*
 * client_stamp: the state of one `echoctl probe stamp` run (an RFC 8762
 * Session-Sender), shared by the engine (client_stamp.c: timers, socket,
 * matching answers) and its output (client_stamp_out.c: text, --json).
 */
#ifndef ECHOD_CLIENT_STAMP_H
#define ECHOD_CLIENT_STAMP_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "client/client_opts.h"
#include "client/client_stats.h"
#include "common/clock.h"
#include "common/stamp.h"

#define STAMP_PROBE_SLOTS	4096	/* test packets remembered */

enum stamp_slot_state {
	STAMP_SLOT_FREE,
	STAMP_SLOT_PENDING,
	STAMP_SLOT_ANSWERED,
	STAMP_SLOT_LOST,
};

struct stamp_slot {
	uint32_t seq;
	uint64_t sent_ns;		/* monotonic, for the round trip */
	struct timespec t1;		/* wall clock, for the one-way delays */
	uint64_t t1_ts;			/* T1 as sent */
	double deadline;
	enum stamp_slot_state state;
};

/* One answer, as measured (delays in ms). */
struct stamp_result {
	uint32_t seq, refl_seq;
	size_t bytes;
	double rtt, fwd, bwd, residence;
	uint8_t ttl;			/* the test packet's TTL at the reflector */
	bool dup, late, reordered;
};

/* Inter-packet delay variation: mean |d(i) - d(i-1)| over consecutive
 * answers (RFC 3393 with the previous answer as the selection). */
struct stamp_ipdv {
	double last, sum;
	uint64_t n;
	bool have;
};

struct stamp_probe {
	struct ev_loop *loop;
	struct client_opts *o;
	char peer[ADDR_STRLEN];
	int fd;
	uint32_t next_seq;		/* = test packets sent */
	uint32_t oldest;		/* no pending packet before this seq */
	struct stamp_slot slot[STAMP_PROBE_SLOTS];
	unsigned char *tx, *rx;
	ev_timer tick, check;
	ev_io sock_r;
	ev_signal sig[3];		/* SIGINT, SIGTERM, SIGQUIT */
	struct client_stats rtt, fwd, bwd;
	struct stamp_ipdv j_rtt, j_fwd, j_bwd;
	struct clock_sync sync;		/* ours, at the start */
	uint64_t received, dup, late, lost, reordered, malformed, stray;
	uint64_t refused;
	/* Loss direction (stateful reflector): the highest sender and
	 * reflector sequence numbers answered so far. */
	uint32_t max_sseq, max_rseq;
	bool any_answer, numbering_own, numbering_bad;
	uint16_t refl_err;		/* the last answer's Error Estimate */
	uint8_t last_ttl;
	double start, end;
	int done, status;
};

/* The loss split as far as the reflector's numbering allows. */
struct stamp_loss {
	bool known;			/* a stateful reflector answered */
	uint64_t forward, backward, unknown;
};

void stamp_probe_loss(const struct stamp_probe *p, struct stamp_loss *l);

/* client_stamp_out.c */
void stamp_out_start(struct stamp_probe *p);
void stamp_out_answer(struct stamp_probe *p, const struct stamp_result *r);
void stamp_out_timeout(struct stamp_probe *p, uint32_t seq);
void stamp_out_error(struct stamp_probe *p, uint32_t seq, const char *what);
void stamp_out_summary(struct stamp_probe *p);
void stamp_out_interim(struct stamp_probe *p);

#endif
