/*
 * client_probe_out: what `echoctl probe` prints, and the tally it prints
 * from (struct probe_tally, kept by the engine in client_probe.c): text
 * like ping's, NDJSON with --json, CSV with --csv.
 */
#ifndef ECHOD_CLIENT_PROBE_OUT_H
#define ECHOD_CLIENT_PROBE_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "client/client_opts.h"
#include "client/client_series.h"
#include "client/client_stats.h"
#include "common/addr.h"

/* What one output line reports. */
enum probe_event {
	PROBE_EV_REPLY,
	PROBE_EV_CORRUPT,
	PROBE_EV_TRUNCATED,
	PROBE_EV_TIMEOUT,
	PROBE_EV_ERROR,
};

#define PROBE_F_DUP		0x1
#define PROBE_F_REORDERED	0x2
#define PROBE_F_LATE		0x4

struct probe_tally {
	const struct client_opts *o;
	/* sent, answered and their round trips; start, end */
	const struct client_series *series;
	char peer[ADDR_STRLEN];		/* "127.0.0.1:8888" */
	uint64_t dup, reordered, corrupt, truncated, late, lost;
	uint64_t connfail, refused;
	struct client_stats conn;	/* connect times, ms */
	int status;			/* the exit status, for the summary */
};

void probe_out_start(const struct probe_tally *t);
/* seq UINT32_MAX: not known; connect_ms < 0: not measured; detail: NULL
 * or a few words. */
void probe_out_event(const struct probe_tally *t, enum probe_event ev,
    uint32_t seq, size_t bytes, double rtt_ms, double connect_ms, int flags,
    const char *detail);
void probe_out_summary(const struct probe_tally *t);

#endif
