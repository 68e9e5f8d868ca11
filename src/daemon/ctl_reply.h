/*
 * ctl_reply: the bodies of the status and stats replies, from a
 * daemon_status snapshot, as key=value lines or as one JSON document.
 * Pure (no I/O, no daemon state): the unit test feeds it snapshots of any
 * size.  The writer grows with the snapshot, so there is no listener-count
 * ceiling; every JSON line (one per top-level member, one per listener and
 * one per listener's counters) stays under PROTO_LINE_MAX whatever the
 * names and counter values.
 */
#ifndef ECHOD_CTL_REPLY_H
#define ECHOD_CTL_REPLY_H

#include <stdbool.h>

struct daemon_status;
struct proto_out;

/* `full`: status (phase, listeners' addresses...); else stats only. */
void ctl_reply_kv(struct proto_out *o, const struct daemon_status *st,
    bool full);
void ctl_reply_json(struct proto_out *o, const struct daemon_status *st,
    bool full);

#endif
