/*
 * udp_guard: the UDP loop and reflection guard.  One call per received
 * datagram says whether it may be echoed, and if not, why.  It drops
 * datagrams
 *   - from a source port of a service that answers by itself (an echo to it
 *     starts a loop: CVE-1999-0103, CERT CA-1996-01);
 *   - from bogon sources (0/8, 224/4, 240/4 including 255.255.255.255, ::,
 *     ff00::/8), which are spoofed by construction;
 *   - sent to a broadcast or multicast destination ("Fraggle"); no honest
 *     peer does this, and one datagram would draw a reply from every host;
 *   - from 127/8 or ::1 unless they arrived on the loopback interface;
 *   - from a source port on a second list, when they came in on lo (sent
 *     from this host: the daemon's own answering ports, whose answers
 *     would come back and be answered again).
 * IPv4-mapped sources are unmapped first.  Destinations come from
 * IP_PKTINFO/IPV6_PKTINFO: call udp_guard_socket_setup() on each UDP socket and
 * pass the control data of recvmsg() to udp_guard_dst_parse().  Without
 * destination info (dst NULL) only the source checks run.
 *
 * struct udp_guard is immutable after setup and shared read-only by workers;
 * udp_guard_fini() frees the second list.  udp_guard_check() does no
 * allocation and no system call.
 */
#ifndef ECHOD_UDP_GUARD_H
#define ECHOD_UDP_GUARD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/stats.h"

/* The default source-port list, as written in the config and the docs:
 * tcpmux/echo-reply 0, echo 7, discard 9, daytime 13, qotd 17, chargen 19,
 * time 37, DNS 53, portmap 111, NTP 123, NetBIOS 137, SNMP 161, CLDAP 389,
 * SSDP 1900, NFS 2049, mDNS 5353, memcached 11211: all answer unsolicited
 * datagrams, most are known amplifiers. */
#define UDP_GUARD_DEFAULT_PORTS \
	"0,7,9,13,17,19,37,53,111,123,137,161,389,1900,2049,5353,11211"

/* Control buffer size for recvmsg() that fits both pktinfo messages. */
#define UDP_GUARD_CMSG_SPACE \
	(CMSG_SPACE(sizeof(struct in_pktinfo)) + \
	 CMSG_SPACE(sizeof(struct in6_pktinfo)))

enum udp_guard_verdict {
	UDP_GUARD_PASS,
	UDP_GUARD_SRC_PORT,		/* source port is on the list */
	UDP_GUARD_BOGON_SRC,	/* source address cannot be genuine */
	UDP_GUARD_BCAST_DST,	/* sent to broadcast or multicast */
	UDP_GUARD_LOOPBACK_SRC,	/* loopback source off the loopback interface */
};

struct udp_guard {
	bool check_src_port;
	bool check_bogon_src;
	bool check_dst;
	bool check_loopback;
	unsigned lo_ifindex;		/* the loopback interface */
	uint64_t ports[65536 / 64];	/* bit set = drop this source port */
	uint64_t *lo_ports;		/* NULL, or the same for datagrams that
					 * came in on lo */
};

/* Where a datagram was sent, from its control messages. */
struct udp_guard_dst {
	bool v4;		/* have IP_PKTINFO */
	bool v6;		/* have IPV6_PKTINFO */
	struct in_addr v4_dst;	/* header destination */
	struct in_addr v4_spec;	/* local address the kernel would reply from */
	struct in6_addr v6_dst;
	unsigned ifindex;	/* arrival interface */
};

/* Every check on, the default port list, lo's index looked up. */
void udp_guard_init(struct udp_guard *g);
/* Replace the port list: "0,7,9,1000-1023", "" = none.  0/-1 with err. */
int udp_guard_set_ports(struct udp_guard *g, const char *list, char *err,
    size_t errlen);
void udp_guard_port_set(struct udp_guard *g, uint16_t port, bool drop);
/* Drop datagrams from this source port that came in on lo.  0, or -1 when
 * out of memory. */
int udp_guard_lo_port_add(struct udp_guard *g, uint16_t port);
/* Do the two guards drop the same source ports (both lists)? */
bool udp_guard_same_ports(const struct udp_guard *a, const struct udp_guard *b);
void udp_guard_fini(struct udp_guard *g);
static inline bool
udp_guard_port_dropped(const struct udp_guard *g, uint16_t port)
{
	return (g->ports[port / 64] >> (port % 64)) & 1;
}
/* The list back in the text form above (ranges merged). */
void udp_guard_ports_format(const struct udp_guard *g, char *buf, size_t len);

/* Ask the kernel for destination info on a UDP socket.  0/-1 (errno). */
int udp_guard_socket_setup(int fd, int family);
void udp_guard_dst_parse(const struct msghdr *msg, struct udp_guard_dst *dst);
enum udp_guard_verdict udp_guard_check(const struct udp_guard *g,
    const struct sockaddr *src, const struct udp_guard_dst *dst);
/* ST_DROP_* for a verdict other than UDP_GUARD_PASS. */
enum stat_id udp_guard_stat(enum udp_guard_verdict v);
bool udp_guard_is_bogon(const struct sockaddr *sa);

#endif
