/*
 * udp_guard: per-datagram loop and reflection checks.
 *
 * Broadcast detection without an interface list: for IPv4, Linux reports in
 * IP_PKTINFO both the header destination (ipi_addr) and the local address
 * it would answer from (ipi_spec_dst).  They are equal exactly when the
 * datagram was addressed to one of our unicast addresses; a directed or
 * limited broadcast or a multicast group gives a different spec_dst.  So a
 * subnet broadcast such as 192.0.2.255 is caught without knowing netmasks.
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "guard/udp_guard.h"

void
udp_guard_port_set(struct udp_guard *g, uint16_t port, bool drop)
{
	uint64_t bit = 1ULL << (port % 64);

	if (drop)
		g->ports[port / 64] |= bit;
	else
		g->ports[port / 64] &= ~bit;
}

int
udp_guard_lo_port_add(struct udp_guard *g, uint16_t port)
{
	if (g->lo_ports == NULL &&
	    (g->lo_ports = calloc(65536 / 64, sizeof(uint64_t))) == NULL)
		return -1;
	g->lo_ports[port / 64] |= 1ULL << (port % 64);
	return 0;
}

static bool
lo_port_dropped(const struct udp_guard *g, uint16_t port)
{
	return g->lo_ports != NULL && ((g->lo_ports[port / 64] >> (port % 64)) & 1);
}

bool
udp_guard_same_ports(const struct udp_guard *a, const struct udp_guard *b)
{
	static const uint64_t none[65536 / 64];
	const uint64_t *la = a->lo_ports != NULL ? a->lo_ports : none;
	const uint64_t *lb = b->lo_ports != NULL ? b->lo_ports : none;

	return a->check_src_port == b->check_src_port &&
	    memcmp(a->ports, b->ports, sizeof(a->ports)) == 0 &&
	    memcmp(la, lb, sizeof(none)) == 0;
}

void
udp_guard_fini(struct udp_guard *g)
{
	free(g->lo_ports);
	g->lo_ports = NULL;
}

void
udp_guard_init(struct udp_guard *g)
{
	char err[128];
	unsigned lo;

	memset(g, 0, sizeof(*g));
	g->check_src_port = g->check_bogon_src = true;
	g->check_dst = g->check_loopback = true;
	lo = if_nametoindex("lo");
	/* Linux gives the loopback device index 1 in every namespace. */
	g->lo_ifindex = lo != 0 ? lo : 1;
	(void)udp_guard_set_ports(g, UDP_GUARD_DEFAULT_PORTS, err, sizeof(err));
}

static int
parse_port(const char **p, unsigned *out)
{
	unsigned v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 65535)
			return -1;
	}
	*p = s;
	*out = v;
	return 0;
}

int
udp_guard_set_ports(struct udp_guard *g, const char *list, char *err, size_t errlen)
{
	uint64_t ports[65536 / 64] = { 0 };
	const char *p = list;
	unsigned lo, hi;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p != '\0') {
		if (parse_port(&p, &lo) == -1)
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_port(&p, &hi) == -1 || hi < lo)
				goto bad;
		}
		for (unsigned i = lo; i <= hi; i++)
			ports[i / 64] |= 1ULL << (i % 64);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ',') {
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\0')
				goto bad;
		} else if (*p != '\0') {
			goto bad;
		}
	}
	memcpy(g->ports, ports, sizeof(ports));
	return 0;
bad:
	snprintf(err, errlen, "'%.*s%s': expected a list of ports and ranges "
	    "0-65535, e.g. \"7,19,1000-1023\" (problem at offset %zu)",
	    LOG_EXCERPT(list, 128), (size_t)(p - list));
	return -1;
}

void
udp_guard_ports_format(const struct udp_guard *g, char *buf, size_t len)
{
	size_t off = 0;
	unsigned i = 0, j;
	int n;

	if (len == 0)
		return;
	buf[0] = '\0';
	while (i < 65536) {
		if (!udp_guard_port_dropped(g, (uint16_t)i)) {
			i++;
			continue;
		}
		for (j = i; j + 1 < 65536 && udp_guard_port_dropped(g, (uint16_t)(j + 1)); j++)
			;
		n = j == i ? snprintf(buf + off, len - off, "%s%u",
		    off ? "," : "", i) : snprintf(buf + off, len - off,
		    "%s%u-%u", off ? "," : "", i, j);
		if (n < 0 || (size_t)n >= len - off)
			return;		/* truncated, still terminated */
		off += (size_t)n;
		i = j + 1;
	}
}

int
udp_guard_socket_setup(int fd, int family)
{
	int on = 1;

	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
		    sizeof(on)) == -1)
			return -1;
		/* For IPv4 peers of a dual-stack socket; harmless if v6only. */
		(void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
		return 0;
	}
	return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
}

void
udp_guard_dst_parse(const struct msghdr *msg, struct udp_guard_dst *dst)
{
	struct cmsghdr *cm;
	struct in_pktinfo pi;
	struct in6_pktinfo pi6;

	memset(dst, 0, sizeof(*dst));
	for (cm = CMSG_FIRSTHDR((struct msghdr *)msg); cm != NULL;
	    cm = CMSG_NXTHDR((struct msghdr *)msg, cm)) {
		/* An interface index 0 is no information: Linux reports that
		 * for a datagram queued before pktinfo was enabled (the one
		 * that made systemd start us on an inherited socket). */
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			if (pi.ipi_ifindex == 0)
				continue;
			dst->v4 = true;
			dst->v4_dst = pi.ipi_addr;
			dst->v4_spec = pi.ipi_spec_dst;
			dst->ifindex = (unsigned)pi.ipi_ifindex;
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(pi6))) {
			memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
			if (pi6.ipi6_ifindex == 0)
				continue;
			dst->v6 = true;
			dst->v6_dst = pi6.ipi6_addr;
			if (!dst->v4)
				dst->ifindex = pi6.ipi6_ifindex;
		}
	}
}

static bool
v4_is_bogon(const uint8_t *b)
{
	return b[0] == 0 || b[0] >= 224;	/* 0/8, 224/4, 240/4 */
}

bool
udp_guard_is_bogon(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET)
		return v4_is_bogon((const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr);
	if (sa->sa_family != AF_INET6)
		return true;
	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
		return v4_is_bogon(in6->sin6_addr.s6_addr + 12);
	return IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ||
	    IN6_IS_ADDR_MULTICAST(&in6->sin6_addr);
}

static bool
is_loopback_src(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET)
		return ((const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr)[0] == 127;
	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
		return in6->sin6_addr.s6_addr[12] == 127;
	return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}

static bool
dst_is_broadcast(const struct udp_guard_dst *d)
{
	const uint8_t *b;

	if (d->v4) {
		b = (const uint8_t *)&d->v4_dst;
		if (b[0] >= 224)	/* multicast, 240/4, 255.255.255.255 */
			return true;
		/* Zero spec_dst: the kernel found no local address to answer
		 * from; only the check above can decide then. */
		return d->v4_spec.s_addr != 0 &&
		    d->v4_spec.s_addr != d->v4_dst.s_addr;
	}
	if (d->v6) {
		if (IN6_IS_ADDR_MULTICAST(&d->v6_dst))
			return true;
		if (IN6_IS_ADDR_V4MAPPED(&d->v6_dst))
			return d->v6_dst.s6_addr[12] >= 224;
	}
	return false;
}

enum udp_guard_verdict
udp_guard_check(const struct udp_guard *g, const struct sockaddr *src,
    const struct udp_guard_dst *dst)
{
	uint16_t port;

	if (g->check_bogon_src && udp_guard_is_bogon(src))
		return UDP_GUARD_BOGON_SRC;
	port = src->sa_family == AF_INET ?
	    ntohs(((const struct sockaddr_in *)src)->sin_port) :
	    ntohs(((const struct sockaddr_in6 *)src)->sin6_port);
	if (g->check_src_port && udp_guard_port_dropped(g, port))
		return UDP_GUARD_SRC_PORT;
	/* Without pktinfo the socket is bound to one unicast address: it
	 * receives no broadcasts, and the kernel drops 127/8 and ::1 sources
	 * arriving elsewhere than lo (unless route_localnet is set, which is
	 * why the sockets ask for pktinfo anyway). */
	if (dst == NULL || (!dst->v4 && !dst->v6))
		return UDP_GUARD_PASS;
	if (g->check_src_port && dst->ifindex == g->lo_ifindex &&
	    lo_port_dropped(g, port))
		return UDP_GUARD_SRC_PORT;
	if (g->check_dst && dst_is_broadcast(dst))
		return UDP_GUARD_BCAST_DST;
	/* ifindex 0: the datagram was queued before the socket had pktinfo
	 * on (a socket systemd held before echod started: the datagram that
	 * activated it); where it arrived is unknown, as without pktinfo. */
	if (g->check_loopback && is_loopback_src(src) &&
	    dst->ifindex != 0 && dst->ifindex != g->lo_ifindex)
		return UDP_GUARD_LOOPBACK_SRC;
	return UDP_GUARD_PASS;
}

enum stat_id
udp_guard_stat(enum udp_guard_verdict v)
{
	switch (v) {
	case UDP_GUARD_SRC_PORT:
		return ST_DROP_SRC_PORT;
	case UDP_GUARD_BOGON_SRC:
		return ST_DROP_BOGON_SRC;
	case UDP_GUARD_BCAST_DST:
		return ST_DROP_BCAST_DST;
	case UDP_GUARD_LOOPBACK_SRC:
	case UDP_GUARD_PASS:
		break;
	}
	return ST_DROP_LOOPBACK_SRC;
}
