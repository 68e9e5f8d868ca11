/*
 * client_series: the schedule both probes keep (probe tcp|udp in
 * client_probe.c, probe stamp in client_stamp.c): one probe every -i until
 * -c were sent (or until Ctrl-C), each remembered in a ring of slots and
 * given -W for its answer; SIGQUIT asks for an interim summary.  The run
 * ends once the last of -c is answered or lost.  The probe kind says how
 * to send one and reports a loss, and it judges answers: a first intact
 * one goes to client_series_answer (counted, its round trip kept).  Also
 * what both summaries say of the series.
 */
#ifndef ECHOD_CLIENT_SERIES_H
#define ECHOD_CLIENT_SERIES_H

#include <ev.h>
#include <stdint.h>

#include "client/bench/bench_hist.h"
#include "client/client_loop.h"
#include "client/client_opts.h"
#include "client/client_stats.h"
#include "common/json.h"

#define CLIENT_SERIES_SLOTS	4096	/* probes remembered for answers */

enum client_series_state {
	CLIENT_SERIES_FREE,
	CLIENT_SERIES_PENDING,
	CLIENT_SERIES_ANSWERED,		/* intact or not: no longer waited for */
	CLIENT_SERIES_LOST,
};

struct client_series_slot {
	uint32_t seq;
	enum client_series_state state;
	uint64_t sent_ns;		/* clock_mono_ns() at the send */
	double deadline;		/* clock_mono(): lost after it */
};

struct client_series_ops {
	/* Send the probe of this slot (pending, sent_ns and deadline set:
	 * the probe may move them, e.g. past its own connect). */
	void (*send)(void *arg, struct client_series_slot *s);
	/* This slot's probe had no answer in time (state now LOST): a
	 * timeout, an old probe's slot reused, or the end of the run. */
	void (*lost)(void *arg, struct client_series_slot *s);
	/* SIGQUIT's line says "N/M <answers>, L% loss, <rtt> min/avg/...". */
	const char *answers, *rtt;
};

struct client_series {
	struct client_loop *l;
	const struct client_opts *o;
	const struct client_series_ops *ops;
	void *arg;
	uint32_t sent;			/* = the next sequence number */
	uint32_t oldest;		/* no pending probe before this seq */
	uint64_t answered;		/* first intact answers */
	struct client_stats rtt;	/* their round trips, ms */
	struct bench_hist rtt_hist;	/* the same in ns, for the chart */
	double start, end;		/* clock_mono() */
	struct client_series_slot slot[CLIENT_SERIES_SLOTS];
	ev_timer tick, sweep;
	ev_signal sigquit;
};

/* 0/-1 (no memory); client_series_free() after either. */
int client_series_init(struct client_series *s);
void client_series_free(struct client_series *s);
/* The first intact answer to this slot's probe, rtt_ms after it left. */
void client_series_answer(struct client_series *s,
    struct client_series_slot *sl, double rtt_ms);
/* Send probes on the loop l (the first at once) and run it to the end of
 * the series; then what is still pending is lost, and the series has an
 * end time (also when a signal ended it). */
void client_series_run(struct client_series *s, struct client_loop *l,
    const struct client_opts *o, const struct client_series_ops *ops,
    void *arg);
/* The slot of probe seq while it is remembered, else NULL. */
struct client_series_slot *client_series_find(struct client_series *s,
    uint32_t seq);
/* Declare overdue probes lost (all = every pending one); ends the run
 * when the last of -c is resolved. */
void client_series_sweep(struct client_series *s, int all);
/* End the run now (the connection is gone). */
void client_series_finish(struct client_series *s);
/* What every probe summary says of its series: the loss in percent of
 * the probes sent, and the start of the --json summary (a new document of
 * at most `max` bytes in *j): "type":"summary", peer, proto, sent,
 * received (= answered), loss_pct, the probe's own counters, time_ms.  The
 * caller adds the rest and ends the object. */
double client_series_loss_pct(const struct client_series *s);
void client_series_json_summary(const struct client_series *s,
    struct json *j, size_t max, const char *peer, const char *proto,
    const struct json_u64_member *counts, size_t n);
/* The exit status of a probe run: EXITCODE_CONNECT when every connect
 * failed, or nothing was answered and the port refused; EX_OK when every
 * probe sent was answered and there were no `faults` (duplicates, bad or
 * late answers...); else EXITCODE_LOSS. */
int client_series_status(const struct client_series *s, uint64_t refused,
    uint64_t connfail, int faults);

#endif
