/*
 * proxy_header: the PROXY protocol header a load balancer puts in front of
 * a connection (HAProxy's proxy-protocol.txt, versions 1 and 2), parsed
 * incrementally from whatever the socket delivered so far.
 *
 * Pure: no I/O, no allocation, no logging; the state is one fixed-size
 * struct the caller owns, so a hostile balancer cannot make it grow.  The
 * parser consumes header bytes only (`*used` never covers a payload byte),
 * so the caller can read with MSG_PEEK, feed, and then consume exactly
 * `*used` bytes: the payload stays in the socket for the echo, and the
 * partial header never sits in the kernel buffer (no busy readiness).
 *
 * Strict, as the specification asks ("any sequence which does not exactly
 * match the protocol must be discarded"): v1 is one CRLF-terminated line of
 * at most 107 bytes, canonical addresses (no leading zeros), single spaces;
 * v2 is the 12-byte signature, version 2, command LOCAL or PROXY, a known
 * family and transport, and an address block at least as long as its
 * family needs.  The v2 length is read before anything it covers, the
 * TLVs after the addresses are walked (each must fit in the header) and
 * skipped; the CRC32C TLV is not verified.  AF_UNIX and UNSPEC headers are
 * accepted without addresses (the caller keeps the real endpoints), as are
 * v1 UNKNOWN lines and the v2 LOCAL command (a balancer's health check).
 */
#ifndef ECHOD_PROXY_HEADER_H
#define ECHOD_PROXY_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define PROXY_V1_MAX 107	/* bytes, CRLF included */
#define PROXY_V2_FIXED 16	/* signature, version/command, family, length */
#define PROXY_V2_MAX (PROXY_V2_FIXED + 65535)

/* Versions a listener accepts (bit set). */
#define PROXY_V1 1u
#define PROXY_V2 2u
#define PROXY_ANY (PROXY_V1 | PROXY_V2)

enum proxy_result {
	PROXY_ERROR = -1,	/* not a valid header: drop the connection */
	PROXY_MORE = 0,		/* valid so far, feed more bytes */
	PROXY_DONE = 1,		/* complete; the header is filled in */
};

struct proxy_header {
	uint8_t version;	/* 1 or 2 */
	bool local;		/* v2 LOCAL: the balancer's own connection */
	bool has_addr;		/* src and dst are set (TCP4/TCP6, v2 INET/INET6) */
	struct addr src, dst;	/* the client and the address it connected to */
	uint32_t len;		/* header bytes in total */
};

struct proxy_parser {
	uint8_t buf[PROXY_V1_MAX + 1];	/* v1 line, or v2 fixed part + addresses */
	uint8_t state;
	uint8_t versions;	/* PROXY_V1 | PROXY_V2 */
	uint8_t stream;		/* 1: a TCP listener, 0: UDP */
	uint8_t keep;		/* v2 address bytes to keep in buf */
	uint8_t tlv_head;	/* bytes of the current TLV's type+length seen */
	uint16_t have;		/* bytes in buf */
	uint16_t tlv_len;	/* the current TLV's length, as read so far */
	uint32_t skip;		/* v2: raw bytes still to skip (LOCAL, AF_UNIX) */
	uint32_t left;		/* v2: header bytes after buf still to come */
	uint32_t seen;		/* header bytes consumed so far */
	const char *error;	/* why, after PROXY_ERROR */
};

/* versions: PROXY_V1, PROXY_V2 or PROXY_ANY; stream: a TCP listener (v1
 * and v2 STREAM) or a UDP one (v2 DGRAM only). */
void proxy_parser_init(struct proxy_parser *p, unsigned versions, bool stream);
/*
 * Feed the next bytes of the connection.  *used is set to how many of them
 * belong to the header (all of them while PROXY_MORE).  On PROXY_DONE, *out
 * holds the header and data[*used..len) is payload.  PROXY_ERROR is final:
 * proxy_parser_error() says why in a few words.  After DONE or ERROR the
 * parser returns the same result and consumes nothing.
 */
enum proxy_result proxy_parser_feed(struct proxy_parser *p, const uint8_t *data,
    size_t len, size_t *used, struct proxy_header *out);
const char *proxy_parser_error(const struct proxy_parser *p);
/* Header bytes consumed so far (for logs of a partial header). */
static inline uint32_t
proxy_parser_seen(const struct proxy_parser *p)
{
	return p->seen;
}

#endif
