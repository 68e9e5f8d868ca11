/* test_guard: the UDP loop/reflection checks, port lists, pktinfo parsing. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "guard/udp_guard.h"

static struct sockaddr_storage
sa(const char *host, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
	} else {
		assert_int_equal(inet_pton(AF_INET6, host, &in6->sin6_addr), 1);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
	}
	return ss;
}

#define SA(h, p) ((const struct sockaddr *)(struct sockaddr_storage[]){ sa(h, p) })

/* A unicast IPv4 datagram to `to` that arrived on interface `ifindex`. */
static struct udp_guard_dst
dst4(const char *to, const char *spec, unsigned ifindex)
{
	struct udp_guard_dst d;

	memset(&d, 0, sizeof(d));
	d.v4 = true;
	assert_int_equal(inet_pton(AF_INET, to, &d.v4_dst), 1);
	assert_int_equal(inet_pton(AF_INET, spec, &d.v4_spec), 1);
	d.ifindex = ifindex;
	return d;
}

static struct udp_guard_dst
dst6(const char *to, unsigned ifindex)
{
	struct udp_guard_dst d;

	memset(&d, 0, sizeof(d));
	d.v6 = true;
	assert_int_equal(inet_pton(AF_INET6, to, &d.v6_dst), 1);
	d.ifindex = ifindex;
	return d;
}

static void
test_ports(void **state)
{
	struct udp_guard g;
	char err[256], buf[512];
	const uint16_t want[] = { 0, 7, 9, 13, 17, 19, 37, 53, 111, 123, 137,
	    161, 389, 1900, 2049, 5353, 11211 };
	unsigned n = 0;

	udp_guard_init(&g);
	for (unsigned p = 0; p < 65536; p++)
		n += udp_guard_port_dropped(&g, (uint16_t)p);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_true(udp_guard_port_dropped(&g, want[i]));
	udp_guard_ports_format(&g, buf, sizeof(buf));
	assert_string_equal(buf, UDP_GUARD_DEFAULT_PORTS);

	assert_int_equal(udp_guard_set_ports(&g, " 7, 19,1000-1002 ,65535", err,
	    sizeof(err)), 0);
	udp_guard_ports_format(&g, buf, sizeof(buf));
	assert_string_equal(buf, "7,19,1000-1002,65535");
	assert_int_equal(udp_guard_set_ports(&g, "0-1023", err, sizeof(err)), 0);
	udp_guard_ports_format(&g, buf, sizeof(buf));
	assert_string_equal(buf, "0-1023");
	assert_int_equal(udp_guard_set_ports(&g, "", err, sizeof(err)), 0);
	udp_guard_ports_format(&g, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void
test_ports_bad(void **state)
{
	const char *bad[] = { "7,", ",7", "x", "65536", "5-3", "1,,2", "1 2",
	    "-1", "7-", "99999999999999999999", "7;9" };
	struct udp_guard g;
	char err[256];

	udp_guard_init(&g);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(udp_guard_set_ports(&g, bad[i], err, sizeof(err)), -1);
		assert_non_null(strstr(err, "list of ports"));
	}
	/* A bad list leaves the old one in place. */
	assert_true(udp_guard_port_dropped(&g, 19));
	assert_false(udp_guard_port_dropped(&g, 20));
}

static void
test_src_port(void **state)
{
	struct udp_guard g;
	struct udp_guard_dst d = dst4("192.0.2.1", "192.0.2.1", 2);

	udp_guard_init(&g);
	assert_int_equal(udp_guard_check(&g, SA("198.51.100.1", 19), &d), UDP_GUARD_SRC_PORT);
	assert_int_equal(udp_guard_check(&g, SA("198.51.100.1", 7), &d), UDP_GUARD_SRC_PORT);
	assert_int_equal(udp_guard_check(&g, SA("198.51.100.1", 0), &d), UDP_GUARD_SRC_PORT);
	assert_int_equal(udp_guard_check(&g, SA("198.51.100.1", 11211), &d), UDP_GUARD_SRC_PORT);
	assert_int_equal(udp_guard_check(&g, SA("198.51.100.1", 40000), &d), UDP_GUARD_PASS);
	assert_int_equal(udp_guard_check(&g, SA("198.51.100.1", 1024), &d), UDP_GUARD_PASS);
	assert_int_equal(udp_guard_check(&g, SA("::ffff:198.51.100.1", 53), &d),
	    UDP_GUARD_SRC_PORT);
	assert_int_equal(udp_guard_check(&g, SA("2001:db8::1", 123), NULL),
	    UDP_GUARD_SRC_PORT);
	g.check_src_port = false;
	assert_int_equal(udp_guard_check(&g, SA("198.51.100.1", 19), &d), UDP_GUARD_PASS);
}

static void
test_bogon(void **state)
{
	const char *bogons[] = { "0.0.0.0", "0.1.2.3", "224.0.0.1",
	    "239.255.255.250", "240.0.0.1", "255.255.255.255", "::",
	    "ff02::1", "ff05::1:3", "::ffff:0.0.0.0", "::ffff:224.0.0.251",
	    "::ffff:255.255.255.255" };
	const char *fine[] = { "1.0.0.1", "223.255.255.254", "198.51.100.1",
	    "2001:db8::1", "fe80::1", "::ffff:198.51.100.1" };
	struct udp_guard g;
	struct udp_guard_dst d = dst4("192.0.2.1", "192.0.2.1", 2);

	udp_guard_init(&g);
	for (size_t i = 0; i < sizeof(bogons) / sizeof(bogons[0]); i++)
		if (udp_guard_check(&g, SA(bogons[i], 40000), &d) != UDP_GUARD_BOGON_SRC)
			fail_msg("%s not a bogon", bogons[i]);
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		if (udp_guard_check(&g, SA(fine[i], 40000), &d) != UDP_GUARD_PASS)
			fail_msg("%s dropped", fine[i]);
	g.check_bogon_src = false;
	assert_int_equal(udp_guard_check(&g, SA("0.1.2.3", 40000), &d), UDP_GUARD_PASS);
}

static void
test_bcast_dst(void **state)
{
	struct udp_guard g;
	struct udp_guard_dst d;

	udp_guard_init(&g);
	d = dst4("192.0.2.255", "192.0.2.1", 2);	/* directed broadcast */
	assert_int_equal(udp_guard_check(&g, SA("192.0.2.9", 40000), &d), UDP_GUARD_BCAST_DST);
	d = dst4("255.255.255.255", "192.0.2.1", 2);
	assert_int_equal(udp_guard_check(&g, SA("192.0.2.9", 40000), &d), UDP_GUARD_BCAST_DST);
	d = dst4("239.1.2.3", "0.0.0.0", 2);
	assert_int_equal(udp_guard_check(&g, SA("192.0.2.9", 40000), &d), UDP_GUARD_BCAST_DST);
	d = dst4("192.0.2.1", "0.0.0.0", 2);		/* no spec: unicast */
	assert_int_equal(udp_guard_check(&g, SA("192.0.2.9", 40000), &d), UDP_GUARD_PASS);
	d = dst6("ff02::1", 2);
	assert_int_equal(udp_guard_check(&g, SA("2001:db8::9", 40000), &d), UDP_GUARD_BCAST_DST);
	d = dst6("::ffff:255.255.255.255", 2);
	assert_int_equal(udp_guard_check(&g, SA("::ffff:192.0.2.9", 40000), &d),
	    UDP_GUARD_BCAST_DST);
	d = dst6("2001:db8::1", 2);
	assert_int_equal(udp_guard_check(&g, SA("2001:db8::9", 40000), &d), UDP_GUARD_PASS);
	g.check_dst = false;
	d = dst4("192.0.2.255", "192.0.2.1", 2);
	assert_int_equal(udp_guard_check(&g, SA("192.0.2.9", 40000), &d), UDP_GUARD_PASS);
}

static void
test_loopback_src(void **state)
{
	struct udp_guard g;
	struct udp_guard_dst lo, eth;

	udp_guard_init(&g);
	lo = dst4("127.0.0.1", "127.0.0.1", g.lo_ifindex);
	eth = dst4("192.0.2.1", "192.0.2.1", g.lo_ifindex + 1);
	assert_int_equal(udp_guard_check(&g, SA("127.0.0.5", 40000), &lo), UDP_GUARD_PASS);
	assert_int_equal(udp_guard_check(&g, SA("127.0.0.5", 40000), &eth),
	    UDP_GUARD_LOOPBACK_SRC);
	assert_int_equal(udp_guard_check(&g, SA("::ffff:127.0.0.5", 40000), &eth),
	    UDP_GUARD_LOOPBACK_SRC);
	/* Unknown destination: only the source checks apply. */
	assert_int_equal(udp_guard_check(&g, SA("127.0.0.5", 40000), NULL),
	    UDP_GUARD_PASS);
	assert_int_equal(udp_guard_check(&g, SA("127.0.0.5", 19), NULL),
	    UDP_GUARD_SRC_PORT);
	lo = dst6("::1", g.lo_ifindex);
	eth = dst6("2001:db8::1", g.lo_ifindex + 1);
	assert_int_equal(udp_guard_check(&g, SA("::1", 40000), &lo), UDP_GUARD_PASS);
	assert_int_equal(udp_guard_check(&g, SA("::1", 40000), &eth), UDP_GUARD_LOOPBACK_SRC);
	g.check_loopback = false;
	assert_int_equal(udp_guard_check(&g, SA("::1", 40000), &eth), UDP_GUARD_PASS);
}

static void
test_stats(void **state)
{
	assert_int_equal(udp_guard_stat(UDP_GUARD_SRC_PORT), ST_DROP_SRC_PORT);
	assert_int_equal(udp_guard_stat(UDP_GUARD_BOGON_SRC), ST_DROP_BOGON_SRC);
	assert_int_equal(udp_guard_stat(UDP_GUARD_BCAST_DST), ST_DROP_BCAST_DST);
	assert_int_equal(udp_guard_stat(UDP_GUARD_LOOPBACK_SRC), ST_DROP_LOOPBACK_SRC);
	assert_string_equal(stat_drop_reason(ST_DROP_SRC_PORT), "src_port");
	assert_string_equal(stat_drop_reason(ST_DROP_RATE_GLOBAL), "rate_global");
	for (int i = 0; i < ST_COUNT; i++)
		assert_string_not_equal(stat_name((enum stat_id)i), "unknown");
}

/* Real sockets on loopback: the kernel's pktinfo reaches the guard. */
static void
roundtrip(int family, const char *to)
{
	struct sockaddr_storage a = sa(to, 0), from;
	socklen_t alen = family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	int rfd = socket(family, SOCK_DGRAM, 0), sfd;
	char data[8], cbuf[UDP_GUARD_CMSG_SPACE];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr m;
	struct udp_guard_dst d;
	struct udp_guard g;
	int off = 0;

	assert_true(rfd >= 0);
	if (family == AF_INET6)
		assert_int_equal(setsockopt(rfd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
		    sizeof(off)), 0);
	assert_int_equal(bind(rfd, (struct sockaddr *)&a, alen), 0);
	assert_int_equal(getsockname(rfd, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(udp_guard_socket_setup(rfd, family), 0);
	sfd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(sfd >= 0);
	{
		struct sockaddr_in to4 = { .sin_family = AF_INET,
		    .sin_port = family == AF_INET ?
		    ((struct sockaddr_in *)&a)->sin_port :
		    ((struct sockaddr_in6 *)&a)->sin6_port };

		to4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(sendto(sfd, "ping", 4, 0,
		    (struct sockaddr *)&to4, sizeof(to4)), 4);
	}
	memset(&m, 0, sizeof(m));
	m.msg_name = &from;
	m.msg_namelen = sizeof(from);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	assert_int_equal(recvmsg(rfd, &m, 0), 4);
	udp_guard_dst_parse(&m, &d);
	assert_true(d.v4);	/* dual-stack sockets get IP_PKTINFO too */
	assert_int_equal(d.v4_dst.s_addr, htonl(INADDR_LOOPBACK));
	assert_int_equal(d.v4_spec.s_addr, htonl(INADDR_LOOPBACK));
	udp_guard_init(&g);
	assert_int_equal(d.ifindex, g.lo_ifindex);
	assert_int_equal(d.ifindex, if_nametoindex("lo"));
	assert_int_equal(udp_guard_check(&g, (struct sockaddr *)&from, &d), UDP_GUARD_PASS);
	close(sfd);
	close(rfd);
}

/* A pktinfo with interface 0 (queued before pktinfo was on) is ignored. */
static void
test_dst_parse_zero(void **state)
{
	union {
		char buf[UDP_GUARD_CMSG_SPACE];
		struct cmsghdr align;
	} u;
	struct in_pktinfo pi;
	struct msghdr m;
	struct cmsghdr *cm;
	struct udp_guard_dst d;
	struct udp_guard g;

	memset(&u, 0, sizeof(u));
	memset(&m, 0, sizeof(m));
	memset(&pi, 0, sizeof(pi));
	m.msg_control = u.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(pi));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	udp_guard_dst_parse(&m, &d);
	assert_false(d.v4);
	udp_guard_init(&g);
	assert_int_equal(udp_guard_check(&g, SA("127.0.0.1", 40000), &d), UDP_GUARD_PASS);
	pi.ipi_ifindex = 7;
	pi.ipi_addr.s_addr = htonl(0xc0000201);
	pi.ipi_spec_dst.s_addr = htonl(0xc0000201);
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	udp_guard_dst_parse(&m, &d);
	assert_true(d.v4);
	assert_int_equal(d.ifindex, 7);
	assert_int_equal(udp_guard_check(&g, SA("127.0.0.1", 40000), &d),
	    UDP_GUARD_LOOPBACK_SRC);
}

static void
test_real_socket(void **state)
{
	roundtrip(AF_INET, "127.0.0.1");
	roundtrip(AF_INET6, "::");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_ports_bad),
		cmocka_unit_test(test_src_port),
		cmocka_unit_test(test_bogon),
		cmocka_unit_test(test_bcast_dst),
		cmocka_unit_test(test_loopback_src),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_dst_parse_zero),
		cmocka_unit_test(test_real_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
