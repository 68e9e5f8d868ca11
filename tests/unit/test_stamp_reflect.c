/*
 * test_stamp_reflect: the reflector's per-datagram work on real loopback
 * sockets: the TTL a test packet was sent with (IP_TTL / IPV6_UNICAST_HOPS
 * 17) comes back in octet 40, T2 is the kernel's receive timestamp and T3
 * the time of transmit, both inside this test's own clock window and in
 * order; stateless answers carry the sender's number, stateful ones count
 * per session from zero; PTP mode sets Z; short packets are refused.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/addr.h"
#include "daemon/stamp_reflect.h"

struct pair {
	int refl, snd;
	struct addr at;		/* the reflector's address */
};

static int
pair_open(struct pair *p, int family, int ttl)
{
	char err[128];

	if (addr_parse(family == AF_INET ? "127.0.0.1" : "::1", 0, &p->at,
	    NULL, err, sizeof(err)) == -1)
		return -1;
	p->refl = socket(family, SOCK_DGRAM, 0);
	p->snd = socket(family, SOCK_DGRAM, 0);
	if (p->refl == -1 || p->snd == -1 ||
	    bind(p->refl, &p->at.u.sa, p->at.len) == -1) {
		close(p->refl);
		close(p->snd);
		return -1;
	}
	assert_int_equal(getsockname(p->refl, &p->at.u.sa, &p->at.len), 0);
	assert_int_equal(stamp_reflect_sockopts(p->refl, family), 0);
	assert_int_equal(setsockopt(p->snd, family == AF_INET ? IPPROTO_IP :
	    IPPROTO_IPV6, family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS, &ttl,
	    sizeof(ttl)), 0);
	assert_int_equal(connect(p->snd, &p->at.u.sa, p->at.len), 0);
	return 0;
}

static void
pair_close(struct pair *p)
{
	close(p->refl);
	close(p->snd);
}

static uint64_t
now_ntp(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return stamp_ts_from_timespec(&t, STAMP_TS_NTP);
}

static uint64_t
be64(const unsigned char *b)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static uint32_t
be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/* Send a test packet numbered seq of len octets, receive it on the
 * reflector side into buf with its control messages. */
static size_t
exchange(struct pair *p, uint32_t seq, size_t len, unsigned char *buf,
    struct msghdr *h, struct sockaddr_storage *from, char *cbuf)
{
	unsigned char pkt[256] = { 0 };
	static struct iovec iov;
	ssize_t n;

	pkt[0] = (unsigned char)(seq >> 24);
	pkt[1] = (unsigned char)(seq >> 16);
	pkt[2] = (unsigned char)(seq >> 8);
	pkt[3] = (unsigned char)seq;
	assert_int_equal(send(p->snd, pkt, len, 0), (ssize_t)len);
	iov.iov_base = buf;
	iov.iov_len = 256;
	memset(h, 0, sizeof(*h));
	h->msg_name = from;
	h->msg_namelen = sizeof(*from);
	h->msg_iov = &iov;
	h->msg_iovlen = 1;
	h->msg_control = cbuf;
	h->msg_controllen = STAMP_REFLECT_CMSG_SPACE;
	n = recvmsg(p->refl, h, 0);
	assert_int_equal(n, (ssize_t)len);
	return (size_t)n;
}

static void
check_family(int family)
{
	struct stamp_reflect_conf c = { .format = STAMP_TS_NTP };
	struct stamp_reflector *r;
	struct pair p;
	unsigned char buf[256], *bufs[1] = { buf };
	char cbuf[STAMP_REFLECT_CMSG_SPACE], err[128];
	struct sockaddr_storage from;
	struct msghdr h;
	uint64_t before, after, t2, t3;
	size_t n;

	if (pair_open(&p, family, 17) == -1) {
		assert_true(family == AF_INET6);	/* no IPv6 here */
		return;
	}
	r = stamp_reflector_new(&c, err, sizeof(err));
	assert_non_null(r);
	before = now_ntp();
	n = exchange(&p, 0x01020304, 44, buf, &h, &from, cbuf);
	assert_int_equal(stamp_reflect_answer(r, &h, buf, n, &p.at.u.sa, 1.0),
	    ST_COUNT);
	stamp_reflect_transmit(r, bufs, 1);
	after = now_ntp();
	assert_int_equal(buf[40], 17);			/* Ses-Sender TTL */
	assert_int_equal(be32(buf), 0x01020304);	/* stateless: copied */
	assert_int_equal(be32(buf + 24), 0x01020304);
	t2 = be64(buf + 16);
	t3 = be64(buf + 4);
	assert_true(before <= t2 && t2 <= t3 && t3 <= after);
	assert_int_equal(buf[12] & 0x40, 0);		/* Z: NTP */
	assert_true(buf[13] != 0);			/* Multiplier */
	stamp_reflector_free(r);
	pair_close(&p);
}

static void
test_ipv4(void **state)
{
	(void)state;
	check_family(AF_INET);
}

static void
test_ipv6(void **state)
{
	(void)state;
	check_family(AF_INET6);
}

static void
test_stateful_ptp_short(void **state)
{
	struct stamp_reflect_conf c = { .stateful = true,
	    .format = STAMP_TS_PTP, .sessions = 64, .session_idle = 60 };
	struct stamp_reflector *r;
	struct stamp_reflect_counts counts;
	struct pair p;
	unsigned char buf[256];
	char cbuf[STAMP_REFLECT_CMSG_SPACE], err[128];
	struct sockaddr_storage from;
	struct msghdr h;
	struct timespec now;
	size_t n;

	(void)state;
	assert_int_equal(pair_open(&p, AF_INET, 64), 0);
	r = stamp_reflector_new(&c, err, sizeof(err));
	assert_non_null(r);
	for (uint32_t i = 0; i < 3; i++) {
		n = exchange(&p, 77 + i * 5, 100, buf, &h, &from, cbuf);
		assert_int_equal(stamp_reflect_answer(r, &h, buf, n,
		    &p.at.u.sa, 1.0 + i), ST_COUNT);
		assert_int_equal(be32(buf), i);		/* own numbers */
		assert_int_equal(be32(buf + 24), 77 + i * 5);
		assert_int_equal(buf[40], 64);
		assert_int_equal(buf[12] & 0x40, 0x40);	/* Z: PTP */
	}
	/* PTP: seconds since 1970 (TAI, at most 60 s ahead), nanoseconds. */
	clock_gettime(CLOCK_REALTIME, &now);
	assert_true(be32(buf + 16) >= (uint32_t)now.tv_sec - 5 &&
	    be32(buf + 16) <= (uint32_t)now.tv_sec + 60);
	assert_true(be32(buf + 20) < 1000000000u);
	stamp_reflect_counts(r, &counts);
	assert_int_equal(counts.sessions, 1);
	n = exchange(&p, 1, 43, buf, &h, &from, cbuf);
	assert_int_equal(stamp_reflect_answer(r, &h, buf, n, &p.at.u.sa, 5),
	    ST_DROP_STAMP_SHORT);
	stamp_reflector_free(r);
	pair_close(&p);
}

static void
test_bad_conf(void **state)
{
	struct stamp_reflect_conf c = { .stateful = true, .sessions = 3,
	    .session_idle = 60 };
	char err[128];

	(void)state;
	assert_null(stamp_reflector_new(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "session table"));
	stamp_reflector_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_stateful_ptp_short),
		cmocka_unit_test(test_bad_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
