/*
 * udp_reply: the replies of one UDP batch, as few sends as the kernel
 * allows.  Replies to one peer, from one local address, of one size, that
 * follow each other in that peer's order, leave as one UDP GSO train
 * (UDP_SEGMENT): the kernel cuts it into the same datagrams, each with its
 * own header, so the peer receives exactly what separate sends would have
 * given it, in the same order.  The stack is walked once per train instead
 * of once per datagram.  Everything else leaves as a datagram of its own;
 * every send of the batch goes in one sendmmsg.  A reply the kernel will
 * not take now is dropped and counted, never retried.
 */
#ifndef ECHOD_UDP_REPLY_H
#define ECHOD_UDP_REPLY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/stats.h"

#define UDP_REPLY_MAX 32		/* replies per batch */

union udp_reply_cmsg {
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
	    CMSG_SPACE(sizeof(uint16_t))];
	struct cmsghdr align;
};

struct udp_replies {
	/* Replies in arrival order: the bytes, where they go, and the next
	 * reply of the same send (UDP_REPLY_MAX: none). */
	struct iovec data[UDP_REPLY_MAX];
	const struct msghdr *req[UDP_REPLY_MAX];
	uint8_t next[UDP_REPLY_MAX];
	int nreply;
	/* Sends: their first and last reply, how many, their bytes. */
	uint8_t first[UDP_REPLY_MAX], last[UDP_REPLY_MAX];
	uint8_t count[UDP_REPLY_MAX];
	uint32_t bytes[UDP_REPLY_MAX];
	struct mmsghdr out[UDP_REPLY_MAX];
	struct iovec iov[UDP_REPLY_MAX];
	union udp_reply_cmsg cout[UDP_REPLY_MAX];
	int nsend;
	bool gso_off;			/* no trains: unknown, or refused */
};

/* What a send did, for the caller's counters and log. */
struct udp_reply_result {
	uint64_t sent, bytes;		/* datagrams and their bytes */
	uint64_t would_block;		/* dropped: EAGAIN, ENOBUFS */
	uint64_t send_error;		/* dropped: any other error */
	int gso_refused;		/* errno that turned GSO off, or 0 */
};

/* Trains only where the kernel knows UDP_SEGMENT. */
void udp_replies_init(struct udp_replies *r);
void udp_replies_reset(struct udp_replies *r);
/* Queue the echo of request `req` (as recvmmsg filled it): `len` bytes at
 * `p`; `pktinfo`: leave from the address the request was sent to. */
void udp_replies_add(struct udp_replies *r, const struct msghdr *req,
    void *p, size_t len, bool pktinfo);
/* Send every queued reply on fd and reset. */
void udp_replies_send(struct udp_replies *r, int fd,
    struct udp_reply_result *res);

#endif
