/*
 * stamp: the STAMP test packets of RFC 8762 in unauthenticated mode, shared
 * by echod's session reflector and echoctl's session sender.  Pure: no
 * sockets, no clock reads (callers pass the times in).
 *
 * Session-Sender test packet (RFC 8762 §4.2.1), 44 octets at least:
 *    0  Sequence Number (4)
 *    4  Timestamp (8)
 *   12  Error Estimate (2)
 *   14  MBZ (30)
 * Session-Reflector test packet (§4.3.1), the same length:
 *    0  Sequence Number (4)          the reflector's own
 *    4  Timestamp (8)                T3, when the reflector transmits
 *   12  Error Estimate (2)           of T3 and T2
 *   14  MBZ (2)
 *   16  Receive Timestamp (8)        T2, when the test packet arrived
 *   24  Session-Sender Sequence Number (4)   copied
 *   28  Session-Sender Timestamp (8)         copied (T1)
 *   36  Session-Sender Error Estimate (2)    copied
 *   38  MBZ (2)
 *   40  Ses-Sender TTL (1)           IPv4 TTL / IPv6 Hop Limit as received
 *   41  MBZ (3)
 * The first 41 octets are also TWAMP-Light's reflector layout (RFC 5357
 * §4.2.1), so a TWAMP-Light sender that pads its packets to 44 octets or
 * more (RFC 8762 §4.6) gets the same answer.
 *
 * Multi-octet fields are in network byte order.  Timestamps are NTP 64-bit
 * (seconds since 1900 and a 32-bit binary fraction) unless the Error
 * Estimate's Z bit says PTPv2 truncated (seconds since 1970 TAI, 32 bits,
 * and nanoseconds, 32 bits).  The Error Estimate is RFC 4656 §4.1.2's:
 * S (synchronized to UTC by an external source), Z (RFC 8186), a 6-bit
 * Scale and an 8-bit Multiplier that is never zero; the error is
 * Multiplier * 2^(Scale - 32) seconds.
 */
#ifndef ECHOD_STAMP_H
#define ECHOD_STAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STAMP_PORT	862	/* RFC 8762 §4: the default reflector port */
#define STAMP_MIN_LEN	44	/* unauthenticated test packets, both ways */

/* Field offsets, as in the figures above. */
#define STAMP_OFF_SEQ		0
#define STAMP_OFF_TS		4
#define STAMP_OFF_ERR		12
#define STAMP_OFF_RX_TS		16
#define STAMP_OFF_SSEQ		24
#define STAMP_OFF_STS		28
#define STAMP_OFF_SERR		36
#define STAMP_OFF_STTL		40

#define STAMP_ERR_S	0x8000	/* synchronized to UTC externally */
#define STAMP_ERR_Z	0x4000	/* timestamps in PTPv2 truncated format */

enum stamp_tsfmt {
	STAMP_TS_NTP,
	STAMP_TS_PTP,
};

/* What a Session-Sender puts in a test packet. */
struct stamp_test {
	uint32_t seq;
	uint64_t ts;		/* T1 */
	uint16_t err;
};

/* What the reflector adds to a test packet to make its answer. */
struct stamp_reflect {
	uint32_t seq;		/* stateless: the sender's; stateful: own */
	uint64_t tx_ts;		/* T3 */
	uint64_t rx_ts;		/* T2 */
	uint16_t err;		/* of T2 and T3 (Z must match their format) */
	uint8_t ttl;		/* the test packet's TTL or Hop Limit */
};

/* A reflector packet as a sender reads it. */
struct stamp_reply {
	uint32_t seq;		/* the reflector's */
	uint64_t tx_ts;		/* T3 */
	uint16_t err;
	uint64_t rx_ts;		/* T2 */
	uint32_t sender_seq;
	uint64_t sender_ts;	/* T1, as we sent it */
	uint16_t sender_err;
	uint8_t sender_ttl;
	bool mbz_ok;		/* every MBZ octet of the first 44 was zero */
};

/* A time (CLOCK_REALTIME for NTP, CLOCK_TAI for PTP) as a timestamp. */
uint64_t stamp_ts_from_timespec(const struct timespec *t,
    enum stamp_tsfmt fmt);
/* a - b in seconds; NTP and PTP seconds wrap, so the difference is taken
 * modulo their range (right for any two times less than 68 years apart). */
double stamp_ts_diff(uint64_t a, uint64_t b, enum stamp_tsfmt fmt);

/* An Error Estimate saying at most `seconds` of error: the smallest Scale
 * whose Multiplier (at least 1, rounded up) fits 8 bits; above the largest
 * expressible value (255 * 2^31 s) it saturates. */
uint16_t stamp_err_encode(bool synced, enum stamp_tsfmt fmt, double seconds);
double stamp_err_seconds(uint16_t err);
enum stamp_tsfmt stamp_err_format(uint16_t err);

/* A sender's test packet of len >= STAMP_MIN_LEN octets: the fields, and
 * zero in every other octet.  -1 if len is too short. */
int stamp_test_build(uint8_t *buf, size_t len, const struct stamp_test *t);
/* The sender's fields of a received test packet; -1 if shorter than 44. */
int stamp_test_parse(const uint8_t *buf, size_t len, struct stamp_test *t);

/* The reflector's answer to the test packet `in` of `len` octets, written to
 * `out` (which may be `in`: the answer is built in place): the same length
 * (never larger, so no amplification), the sender's fields copied, ours
 * set, every MBZ octet and every octet past 44 zero.  -1 if len < 44. */
int stamp_reflect_build(uint8_t *out, const uint8_t *in, size_t len,
    const struct stamp_reflect *r);
/* The reflector's T3 replaced in an answer already built (the batch's
 * transmit time is read after the answers are built). */
void stamp_reflect_set_tx(uint8_t *out, uint64_t tx_ts);

/* A reflector packet's fields; -1 if shorter than 44. */
int stamp_reply_parse(const uint8_t *buf, size_t len, struct stamp_reply *r);

#endif
