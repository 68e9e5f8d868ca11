/*
 * connlimit: per-source TCP limits shared by all workers: how many
 * connections a source may hold open at once and how fast it may open new
 * ones (a token bucket).  Sources are prefixes as in ratelimit (/32, /64).
 *
 * The table has a fixed size and a mutex (accept and close are not per-byte
 * paths; one table for all workers makes the limits exact whichever worker
 * accepted).  A source with open connections is never evicted, so counts
 * stay right; a source with none is evicted least recently seen first.  If a
 * source's whole probe window holds sources with open connections, the new
 * connection is refused (CONNLIMIT_TABLE_FULL): the table is sized well above
 * the global connection cap, so that needs many real, connected peers.
 *
 * The caller keeps the ticket of each accepted connection and hands it back
 * on close.  Limits may change at reload (connlimit_configure); the table
 * size is fixed for the life of the process.
 */
#ifndef ECHOD_CONNLIMIT_H
#define ECHOD_CONNLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct connlimit_conf {
	uint32_t per_source;		/* open connections; 0 = no limit */
	double rate, burst;		/* new connections/s; rate 0 = no limit */
	unsigned v4_prefix, v6_prefix;
	bool exempt_loopback;
};

enum connlimit_verdict {
	CONNLIMIT_PASS,
	CONNLIMIT_COUNT,	/* the source holds per_source connections */
	CONNLIMIT_RATE,		/* the source opens connections too fast */
	CONNLIMIT_TABLE_FULL,	/* no slot for a new source */
};

/* What release needs besides the peer address: the prefix lengths the
 * source was counted under (they may change at reload).  3 bytes, so it
 * fits in a connection's padding. */
struct connlimit_ticket {
	uint8_t p4, p6;
	bool tracked;
};

struct connlimit;

void connlimit_conf_defaults(struct connlimit_conf *c);
/* table_size: slots, rounded up to a power of two.  NULL on bad input or
 * no memory, with text in err. */
struct connlimit *connlimit_new(const struct connlimit_conf *c,
    uint32_t table_size, char *err, size_t errlen);
void connlimit_free(struct connlimit *cl);
int connlimit_configure(struct connlimit *cl, const struct connlimit_conf *c,
    char *err, size_t errlen);
/* Admit a new connection from src.  On CONNLIMIT_PASS, *t must later be
 * given to connlimit_release with the same src (it may be untracked:
 * release is then a no-op). */
enum connlimit_verdict connlimit_acquire(struct connlimit *cl,
    const struct sockaddr *src, double now, struct connlimit_ticket *t);
void connlimit_release(struct connlimit *cl, const struct sockaddr *src,
    struct connlimit_ticket *t);
/* Open connections counted for src's prefix (tests, status). */
uint32_t connlimit_count(struct connlimit *cl, const struct sockaddr *src);

#endif
