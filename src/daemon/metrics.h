/*
 * metrics: echod's counters in the Prometheus text exposition format
 * (version 0.0.4), for `echoctl metrics` and GET /metrics.
 *
 * Pure: formats a daemon_status snapshot, one line at a time through the
 * caller's callback (the control reply and the HTTP body collect them
 * differently); no I/O, no allocation, no lock.  Names follow Prometheus
 * conventions: echod_ prefix, counters end in _total, labels `listener`
 * and `protocol` (and `reason` for drops), never a per-peer label, so the
 * number of series is bounded by the configuration.  Every family has
 * HELP and TYPE lines and its samples together; label values are escaped
 * (backslash, double quote, newline).  Counters of a removed listener
 * leave with it (the series ends), as Prometheus expects of a target.
 */
#ifndef ECHOD_METRICS_H
#define ECHOD_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/stats.h"

struct daemon_status;

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_LINE_MAX 512	/* longest line the formatter writes */

/* Called once per line, without the newline. */
typedef void metrics_emit_fn(void *ctx, const char *line);

void metrics_format(const struct daemon_status *st, metrics_emit_fn *emit,
    void *ctx);
/* Whether a drop reason is counted on TCP (stream) or UDP listeners; each
 * one is on at least one side (checked by the unit test). */
bool metrics_drop_applies(enum stat_id id, bool stream);

#endif
