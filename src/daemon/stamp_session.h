/*
 * stamp_session: a stateful STAMP reflector's test sessions (RFC 8762 §4.3:
 * the reflector numbers its own packets per session, starting at zero, so
 * the sender can tell forward from backward loss).
 *
 * A session is a 5-tuple: the sender's address and port and the address and
 * port it sent to (UDP always).  The table never grows: a session hashes
 * (keyed with a random seed, as the guard's tables are) to a window of
 * STAMP_SESSION_PROBE slots; a new session takes a free or expired slot of
 * the window or evicts the one seen least recently.  A session idle for
 * longer than `idle` seconds has ended: its next packet starts again at
 * zero.  An evicted session also starts again at zero; the counters say how
 * often that happened.  Spoofed 5-tuples can only evict sessions at the rate
 * the per-source limits let them in.
 *
 * One table has one owner (a worker: SO_REUSEPORT keeps a 5-tuple on one
 * worker); it takes no locks and never allocates after stamp_session_new.
 */
#ifndef ECHOD_STAMP_SESSION_H
#define ECHOD_STAMP_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define STAMP_SESSION_PROBE	8	/* SRCTABLE_PROBE */
#define STAMP_SESSION_MAX	(1u << 20)

struct stamp_session;

/* NULL if slots is outside STAMP_SESSION_PROBE..STAMP_SESSION_MAX, idle is
 * not positive, or memory is short.  slots is rounded up to a power of 2. */
struct stamp_session *stamp_session_new(uint32_t slots, double idle);
void stamp_session_free(struct stamp_session *t);
/* The reflector's sequence number for the next packet of the session from
 * src to dst at `now` (seconds, monotonic), counting it.  Never fails
 * (addresses of another family than IPv4/IPv6 all key as one address). */
uint32_t stamp_session_next(struct stamp_session *t, const struct sockaddr *src,
    const struct sockaddr *dst, double now);

/* For status and tests. */
struct stamp_session_stats {
	size_t used;		/* live sessions */
	uint64_t started;	/* sessions begun (counting restarts) */
	uint64_t evictions;	/* live sessions pushed out by new ones */
	size_t table_bytes;	/* fixed at stamp_session_new */
};

void stamp_session_stats(const struct stamp_session *t,
    struct stamp_session_stats *out);

#endif
