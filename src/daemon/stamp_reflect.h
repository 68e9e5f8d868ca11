/*
 * stamp_reflect: echod's STAMP session reflector (RFC 8762, unauthenticated
 * mode) for one listener in one worker: it turns a received test packet
 * into its answer, in place, in the UDP path's batch buffers.
 *
 * Times, as close to the wire as Linux gives them without a NIC's clock:
 *   T2 (Receive Timestamp) is the kernel's software receive timestamp
 *      (SO_TIMESTAMPNS, taken when the network stack received the
 *      datagram, in CLOCK_REALTIME), or the clock read when the datagram is
 *      handled if the kernel gave none;
 *   T3 (Timestamp) is the clock read just before the batch of answers is
 *      handed to sendmmsg (stamp_reflect_transmit).
 * Both are NTP format, or PTPv2 truncated (TAI: the kernel's TAI offset is
 * added) with stamp_timestamp = "ptp"; the Error Estimate says which (Z),
 * whether the clock is synchronized (S, from adjtimex) and its estimated
 * error, refreshed once a second.  The TTL is the datagram's own, from
 * IP_RECVTTL or IPV6_RECVHOPLIMIT.
 *
 * Stateless mode copies the sender's sequence number; stateful mode numbers
 * each session's answers from zero (stamp_session.h).  The answer has the
 * length of the test packet (amplification 1); shorter than 44 octets is no
 * STAMP packet and is dropped.
 */
#ifndef ECHOD_STAMP_REFLECT_H
#define ECHOD_STAMP_REFLECT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "common/stamp.h"
#include "common/stats.h"

/* Control space for one datagram: pktinfo (both families on a dual-stack
 * socket), the receive timestamp, the TTL and the hop limit. */
#define STAMP_REFLECT_CMSG_SPACE \
	(CMSG_SPACE(sizeof(struct in_pktinfo)) + \
	 CMSG_SPACE(sizeof(struct in6_pktinfo)) + \
	 CMSG_SPACE(sizeof(struct timespec)) + 2 * CMSG_SPACE(sizeof(int)))

struct stamp_reflect_conf {
	bool stateful;
	enum stamp_tsfmt format;
	uint32_t sessions;	/* stateful: session table slots */
	double session_idle;	/* stateful: seconds until a session ends */
};

/* What the reflector did, for the listener's counters. */
struct stamp_reflect_counts {
	uint64_t sessions;	/* sessions started (stateful) */
	uint64_t evictions;	/* live sessions pushed out of the table */
};

struct stamp_reflector;

/* NULL with the reason in err (bad settings, no memory). */
struct stamp_reflector *stamp_reflector_new(const struct stamp_reflect_conf *c,
    char *err, size_t errlen);
void stamp_reflector_free(struct stamp_reflector *r);

/* Ask the kernel of socket fd (family AF_INET or AF_INET6) for what the
 * answers need: receive timestamps and each datagram's TTL / hop limit.
 * 0, or -1 with errno. */
int stamp_reflect_sockopts(int fd, int family);

/* Turn the test packet of `len` octets in buf, received with the control
 * messages of h, sent to `dst`, into its answer in place.  `now` is
 * monotonic seconds.  ST_COUNT when buf holds the answer (len octets), or
 * the drop reason (ST_DROP_STAMP_SHORT). */
enum stat_id stamp_reflect_answer(struct stamp_reflector *r,
    const struct msghdr *h, unsigned char *buf, size_t len,
    const struct sockaddr *dst, double now);
/* Write T3 into the n answers about to be sent. */
void stamp_reflect_transmit(struct stamp_reflector *r, unsigned char **bufs,
    size_t n);
void stamp_reflect_counts(const struct stamp_reflector *r,
    struct stamp_reflect_counts *out);

#endif
