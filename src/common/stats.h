/*
 * stats: the daemon's counters.  Each worker owns one `struct stats` per
 * listener and is its only writer (stat_add: a relaxed load+store, no lock,
 * no atomic read-modify-write); the main thread sums them with relaxed loads
 * for STATUS=, `echoctl status` and the periodic summary.
 *
 * Drop reasons are counters too (ST_DROP_*); their names are the
 * DROP_REASON values in the journal.  Append new ids before ST_COUNT.
 */
#ifndef ECHOD_STATS_H
#define ECHOD_STATS_H

#include <stddef.h>
#include <stdint.h>

enum stat_id {
	ST_CONN_ACCEPTED,	/* TCP connections accepted */
	ST_CONN_CLOSED,		/* TCP connections closed (any reason) */
	ST_BYTES_IN,		/* TCP bytes read */
	ST_BYTES_OUT,		/* TCP bytes written */
	ST_DGRAMS_IN,		/* UDP datagrams received */
	ST_DGRAMS_OUT,		/* UDP datagrams echoed */
	ST_DGRAM_BYTES_IN,
	ST_DGRAM_BYTES_OUT,
	ST_IDLE_TIMEOUTS,	/* TCP connections closed for idleness */
	ST_PEER_ERRORS,		/* resets and other socket errors */
	ST_ACCEPT_PAUSED,	/* times accepting paused at max_connections */
	ST_ACCEPT_ERRORS,	/* EMFILE/ENFILE/ENOBUFS on accept */
	ST_STAMP_SESSIONS,	/* STAMP sessions begun (stateful reflector) */
	ST_STAMP_EVICTIONS,	/* live STAMP sessions pushed out of the table */
	ST_DROP_FIRST,
	ST_DROP_TOO_BIG = ST_DROP_FIRST,	/* datagram > max_datagram */
	ST_DROP_WOULD_BLOCK,	/* UDP send would block */
	ST_DROP_SEND_ERROR,	/* UDP send failed otherwise */
	/* guard: UDP (udp_guard.h, ratelimit.h, acl.h) */
	ST_DROP_SRC_PORT,	/* source port of a self-answering service */
	ST_DROP_BOGON_SRC,	/* source address cannot be genuine */
	ST_DROP_BCAST_DST,	/* sent to broadcast or multicast */
	ST_DROP_LOOPBACK_SRC,	/* 127/8 or ::1 off the loopback interface */
	ST_DROP_ACL,		/* datagram or connection denied by the ACL */
	ST_DROP_RATE_SOURCE,	/* per-source UDP rate limit */
	ST_DROP_RATE_GLOBAL,	/* global UDP rate cap */
	/* guard: TCP refusals and limit closes (connlimit.h) */
	ST_DROP_CONN_PER_SOURCE,	/* source holds too many connections */
	ST_DROP_CONN_RATE,	/* source connects too fast */
	ST_DROP_CONN_TABLE,	/* per-source table full */
	ST_DROP_ACL_RELOAD,	/* open connection denied by a reloaded ACL */
	ST_DROP_LIFETIME,	/* connection reached max_lifetime */
	ST_DROP_MAX_BYTES,	/* connection reached max_bytes */
	ST_DROP_STALL,		/* buffer full, no write progress */
	ST_DROP_LINGER,		/* after our FIN, no FIN in TCP_LINGER_MAX */
	ST_DROP_STAMP_SHORT,	/* STAMP: shorter than a 44-octet test packet */
	/* PROXY protocol listeners (proxy_header.h) */
	ST_DROP_PROXY_HEADER,	/* no valid PROXY header first */
	ST_DROP_PROXY_FROM,	/* header sender not in proxy_protocol_from */
	ST_DROP_PROXY_TIMEOUT,	/* no complete header in proxy_header_timeout */
	/* the kernel's: UDP datagrams dropped on a full receive buffer
	 * (SO_RXQ_OVFL), counted when the next datagram arrives */
	ST_DROP_RCVBUF,
	ST_DROP_NO_MEMORY,	/* connection closed: no memory for its buffer */
	ST_DROP_RESTART_LIMIT,	/* previous echod's connection over a limit */
	ST_COUNT
};

struct stats {
	uint64_t v[ST_COUNT];
};

static inline void
stat_add(struct stats *s, enum stat_id id, uint64_t n)
{
	__atomic_store_n(&s->v[id],
	    __atomic_load_n(&s->v[id], __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline uint64_t
stat_get(const struct stats *s, enum stat_id id)
{
	return __atomic_load_n(&s->v[id], __ATOMIC_RELAXED);
}

/* dst += src, reading src with relaxed loads. */
void stats_sum(struct stats *dst, const struct stats *src);
/* "conn_accepted", "drop_too_big" ...; drop reasons also without "drop_". */
const char *stat_name(enum stat_id id);
const char *stat_drop_reason(enum stat_id id);	/* "too_big" */
uint64_t stats_drops(const struct stats *s);

#endif
