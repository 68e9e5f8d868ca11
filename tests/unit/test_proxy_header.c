/*
 * test_proxy_header: the PROXY protocol parser on byte-exact headers: the
 * ones HAProxy 2.6 (Debian 12) emitted with send-proxy, send-proxy-v2,
 * proxy-v2-options crc32c,unique-id and a tcp-check health check (captured
 * with socat behind a real haproxy), headers built to the specification,
 * and hostile ones.  Every accepted header is also fed one byte at a time
 * and in every two-piece split, and must give the same result.
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/addr.h"
#include "common/proxy_header.h"

/* haproxy: 127.0.0.2:56135 -> 127.0.0.1:18801, send-proxy-v2, then "hello" */
static const uint8_t hap_v2_tcp4[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21, 0x11, 0x00, 0x0c, 0x7f, 0x00, 0x00, 0x02, 0x7f, 0x00, 0x00, 0x01,
	0xdb, 0x47, 0x49, 0x71, 'h', 'e', 'l', 'l', 'o',
};
/* haproxy: [::1]:53850 -> [::1]:18803, send-proxy-v2, then "hi6" */
static const uint8_t hap_v2_tcp6[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21, 0x21, 0x00, 0x24,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0xd2, 0x5a, 0x49, 0x73, 'h', 'i', '6',
};
/* haproxy: tcp-check health check with send-proxy-v2 (LOCAL, UNSPEC) */
static const uint8_t hap_v2_local[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x20, 0x00, 0x00, 0x00,
};
/* haproxy: proxy-v2-options crc32c,unique-id (unique-id-format %ci:%cp),
 * 127.0.0.4:52497 -> 127.0.0.1:18831, then "tlvdata" */
static const uint8_t hap_v2_tlv[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21, 0x11, 0x00, 0x25, 0x7f, 0x00, 0x00, 0x04, 0x7f, 0x00, 0x00, 0x01,
	0xcd, 0x11, 0x49, 0x8f, 0x03, 0x00, 0x04, 0xc4, 0x48, 0x75, 0x14, 0x05,
	0x00, 0x0f, '1', '2', '7', '.', '0', '.', '0', '.', '4', ':', '5', '2',
	'4', '9', '7', 't', 'l', 'v', 'd', 'a', 't', 'a',
};
/* haproxy: send-proxy, 127.0.0.3:44297 -> 127.0.0.1:18802, then "v1" */
static const char hap_v1[] = "PROXY TCP4 127.0.0.3 127.0.0.1 44297 18802\r\nv1";

struct result {
	enum proxy_result r;
	size_t used;
	struct proxy_header h;
	const char *error;
};

static struct result
feed_all(const void *data, size_t len, unsigned versions, bool stream)
{
	struct proxy_parser p;
	struct result res;

	memset(&res, 0, sizeof(res));
	proxy_parser_init(&p, versions, stream);
	res.r = proxy_parser_feed(&p, data, len, &res.used, &res.h);
	res.error = proxy_parser_error(&p);
	return res;
}

/* The same input in two pieces split at `cut`: the header bytes of both
 * pieces add up, and the result is the same. */
static struct result
feed_split(const uint8_t *data, size_t len, size_t cut, unsigned versions,
    bool stream)
{
	struct proxy_parser p;
	struct result res;
	size_t u1 = 0;

	memset(&res, 0, sizeof(res));
	proxy_parser_init(&p, versions, stream);
	res.r = proxy_parser_feed(&p, data, cut, &u1, &res.h);
	if (res.r == PROXY_MORE) {
		assert_int_equal(u1, cut);
		res.r = proxy_parser_feed(&p, data + cut, len - cut, &res.used,
		    &res.h);
	}
	res.used += u1;
	res.error = proxy_parser_error(&p);
	return res;
}

static void
check_pieces(const uint8_t *data, size_t len, unsigned versions, bool stream)
{
	struct result whole = feed_all(data, len, versions, stream);
	struct proxy_parser p;
	struct proxy_header h;
	size_t used, total = 0;
	enum proxy_result r = PROXY_MORE;

	for (size_t cut = 0; cut <= len; cut++) {
		struct result s = feed_split(data, len, cut, versions, stream);

		assert_int_equal(s.r, whole.r);
		if (whole.r == PROXY_DONE) {
			assert_int_equal(s.used, whole.used);
			assert_int_equal(s.h.len, whole.h.len);
			assert_int_equal(s.h.has_addr, whole.h.has_addr);
			assert_int_equal(s.h.local, whole.h.local);
			assert_memory_equal(&s.h.src, &whole.h.src, sizeof(s.h.src));
			assert_memory_equal(&s.h.dst, &whole.h.dst, sizeof(s.h.dst));
		}
	}
	proxy_parser_init(&p, versions, stream);
	for (size_t i = 0; i < len && r == PROXY_MORE; i++) {
		r = proxy_parser_feed(&p, data + i, 1, &used, &h);
		total += used;
	}
	assert_int_equal(r, whole.r);
	if (r == PROXY_DONE) {
		assert_int_equal(total, whole.used);
		/* Done is final and takes nothing more. */
		assert_int_equal(proxy_parser_feed(&p, data, len, &used, &h),
		    PROXY_DONE);
		assert_int_equal(used, 0);
	}
}

static void
assert_addr(const struct addr *a, const char *want)
{
	char buf[ADDR_STRLEN];

	addr_format(&a->u.sa, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void
test_haproxy_v2_tcp4(void **state)
{
	struct result r = feed_all(hap_v2_tcp4, sizeof(hap_v2_tcp4), PROXY_V2, true);

	assert_int_equal(r.r, PROXY_DONE);
	assert_int_equal(r.used, 28);
	assert_int_equal(r.h.len, 28);
	assert_int_equal(r.h.version, 2);
	assert_true(r.h.has_addr);
	assert_false(r.h.local);
	assert_addr(&r.h.src, "127.0.0.2:56135");
	assert_addr(&r.h.dst, "127.0.0.1:18801");
	check_pieces(hap_v2_tcp4, sizeof(hap_v2_tcp4), PROXY_ANY, true);
	/* Payload is left alone: only the header is consumed. */
	assert_memory_equal(hap_v2_tcp4 + r.used, "hello", 5);
}

static void
test_haproxy_v2_tcp6(void **state)
{
	struct result r = feed_all(hap_v2_tcp6, sizeof(hap_v2_tcp6), PROXY_ANY, true);

	assert_int_equal(r.r, PROXY_DONE);
	assert_int_equal(r.used, 52);
	assert_true(r.h.has_addr);
	assert_int_equal(r.h.src.u.sa.sa_family, AF_INET6);
	assert_addr(&r.h.src, "[::1]:53850");
	assert_addr(&r.h.dst, "[::1]:18803");
	check_pieces(hap_v2_tcp6, sizeof(hap_v2_tcp6), PROXY_V2, true);
}

static void
test_haproxy_v2_local(void **state)
{
	struct result r = feed_all(hap_v2_local, sizeof(hap_v2_local), PROXY_V2, true);

	assert_int_equal(r.r, PROXY_DONE);
	assert_int_equal(r.used, 16);
	assert_true(r.h.local);
	assert_false(r.h.has_addr);
	check_pieces(hap_v2_local, sizeof(hap_v2_local), PROXY_ANY, true);
}

static void
test_haproxy_v2_tlv(void **state)
{
	struct result r = feed_all(hap_v2_tlv, sizeof(hap_v2_tlv), PROXY_V2, true);

	assert_int_equal(r.r, PROXY_DONE);
	assert_int_equal(r.used, 16 + 0x25);
	assert_addr(&r.h.src, "127.0.0.4:52497");
	assert_memory_equal(hap_v2_tlv + r.used, "tlvdata", 7);
	check_pieces(hap_v2_tlv, sizeof(hap_v2_tlv), PROXY_V2, true);
}

static void
test_haproxy_v1(void **state)
{
	struct result r = feed_all(hap_v1, strlen(hap_v1), PROXY_V1, true);

	assert_int_equal(r.r, PROXY_DONE);
	assert_int_equal(r.used, strlen(hap_v1) - 2);
	assert_int_equal(r.h.len, r.used);
	assert_int_equal(r.h.version, 1);
	assert_true(r.h.has_addr);
	assert_addr(&r.h.src, "127.0.0.3:44297");
	assert_addr(&r.h.dst, "127.0.0.1:18802");
	check_pieces((const uint8_t *)hap_v1, strlen(hap_v1), PROXY_ANY, true);
}

static void
test_v1_forms(void **state)
{
	static const char *const ok[] = {
		"PROXY TCP6 2001:db8::1 ::1 65535 0\r\n",
		"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
		"PROXY TCP4 255.255.255.255 0.0.0.0 65535 65535\r\n",
		"PROXY UNKNOWN\r\n",
		"PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
		"PROXY UNKNOWN anything at all, ignored\r\n",
	};
	struct result r;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		r = feed_all(ok[i], strlen(ok[i]), PROXY_V1, true);
		assert_int_equal(r.r, PROXY_DONE);
		assert_int_equal(r.used, strlen(ok[i]));
		assert_int_equal(r.h.len, r.used);
		assert_true(r.used <= PROXY_V1_MAX);
		check_pieces((const uint8_t *)ok[i], strlen(ok[i]), PROXY_ANY, true);
	}
	r = feed_all(ok[3], strlen(ok[3]), PROXY_V1, true);
	assert_false(r.h.has_addr);
	assert_false(r.h.local);
	r = feed_all(ok[0], strlen(ok[0]), PROXY_V1, true);
	assert_addr(&r.h.src, "[2001:db8::1]:65535");
	assert_addr(&r.h.dst, "[::1]:0");
}

static void
expect_error(const void *data, size_t len, unsigned versions, bool stream,
    const char *why)
{
	struct result r = feed_all(data, len, versions, stream);

	if (r.r != PROXY_ERROR)
		fail_msg("accepted (%d): %.*s", r.r, (int)len, (const char *)data);
	assert_non_null(strstr(r.error, why));
	assert_int_equal(r.used, 0);
	check_pieces(data, len, versions, stream);
}

static void
test_v1_hostile(void **state)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "PROXY TCP4 127.0.0.1 127.0.0.1 1 2\n", "without CR" },
		{ "PROXY TCP4 127.0.0.1 127.0.0.1 1 2\rX", "CR not followed" },
		{ "PROXY TCP4 127.0.0.01 127.0.0.1 1 2\r\n", "canonical" },
		{ "PROXY TCP4 127.0.0.1 127.0.0.1 01 2\r\n", "leading zeros" },
		{ "PROXY TCP4 127.0.0.1 127.0.0.1 65536 2\r\n", "0..65535" },
		{ "PROXY TCP4 127.0.0.1 127.0.0.1 -1 2\r\n", "0..65535" },
		{ "PROXY TCP4 127.0.0.1 127.0.0.1 +1 2\r\n", "0..65535" },
		{ "PROXY TCP4 127.0.0.1  127.0.0.1 1 2\r\n", "exactly four" },
		{ "PROXY TCP4 127.0.0.1 127.0.0.1 1 2 \r\n", "exactly four" },
		{ "PROXY TCP4 127.0.0.1 127.0.0.1 1 2 3\r\n", "exactly four" },
		{ "PROXY TCP4 127.0.0.1 127.0.0.1 1\r\n", "exactly four" },
		{ "PROXY TCP4 ::1 ::1 1 2\r\n", "canonical" },
		{ "PROXY TCP6 127.0.0.1 ::1 1 2\r\n", "not IPv6" },
		{ "PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n", "canonical" },
		{ "PROXY TCP4 1.2.3.4.5 1.2.3.4 1 2\r\n", "canonical" },
		{ "PROXY TCP4 256.2.3.4 1.2.3.4 1 2\r\n", "canonical" },
		{ "PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", "TCP4, TCP6 or UNKNOWN" },
		{ "PROXY tcp4 1.2.3.4 1.2.3.4 1 2\r\n", "TCP4, TCP6 or UNKNOWN" },
		{ "PROXY UNKNOWNX\r\n", "TCP4, TCP6 or UNKNOWN" },
		{ "PROXY \r\n", "TCP4, TCP6 or UNKNOWN" },
		{ "PROXY  TCP4 1.2.3.4 1.2.3.4 1 2\r\n", "TCP4, TCP6 or UNKNOWN" },
		{ "PROXY\r\n", "no PROXY" },
		{ "proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n", "no PROXY" },
		{ "PROXYTCP4 1.2.3.4 1.2.3.4 1 2\r\n", "no PROXY" },
		{ "GET / HTTP/1.0\r\n\r\n", "no PROXY" },
		{ "PROXY TCP4 1.2.3.4\t1.2.3.4 1 2\r\n", "printable" },
		{ "PROXY UNKNOWN \xff\r\n", "printable" },
		{ "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", "not IPv6" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i].s, strlen(bad[i].s), PROXY_ANY, true, bad[i].why);
	/* A NUL inside the line. */
	expect_error("PROXY UNKNOWN \0\r\n", 17, PROXY_V1, true, "printable");
	/* v1 only for streams. */
	expect_error(hap_v1, strlen(hap_v1), PROXY_ANY, false, "datagram");
}

static void
test_v1_length(void **state)
{
	char line[PROXY_V1_MAX + 8];
	struct result r;

	/* 107 bytes with the CRLF: accepted (UNKNOWN ignores the rest). */
	memset(line, 'a', sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	memcpy(line + PROXY_V1_MAX - 2, "\r\n", 2);
	r = feed_all(line, PROXY_V1_MAX, PROXY_V1, true);
	assert_int_equal(r.r, PROXY_DONE);
	assert_int_equal(r.used, PROXY_V1_MAX);
	/* 108: refused once the 107th byte is not the LF. */
	memcpy(line + PROXY_V1_MAX - 2, "a\r\n", 3);
	expect_error(line, PROXY_V1_MAX + 1, PROXY_V1, true, "longer than 107");
	r = feed_all(line, PROXY_V1_MAX, PROXY_V1, true);
	assert_int_equal(r.r, PROXY_ERROR);
	/* A line that never ends waits until 107 bytes, then fails. */
	r = feed_all(line, PROXY_V1_MAX - 1, PROXY_V1, true);
	assert_int_equal(r.r, PROXY_MORE);
	assert_int_equal(r.used, PROXY_V1_MAX - 1);
}

static void
test_need_more(void **state)
{
	struct result r;

	r = feed_all("", 0, PROXY_ANY, true);
	assert_int_equal(r.r, PROXY_MORE);
	r = feed_all("PROX", 4, PROXY_ANY, true);
	assert_int_equal(r.r, PROXY_MORE);
	assert_int_equal(r.used, 4);
	r = feed_all(hap_v2_tcp4, 15, PROXY_ANY, true);
	assert_int_equal(r.r, PROXY_MORE);
	r = feed_all(hap_v2_tcp4, 27, PROXY_ANY, true);
	assert_int_equal(r.r, PROXY_MORE);
	assert_int_equal(r.used, 27);
	/* The signature is checked byte by byte: a mismatch fails at once. */
	r = feed_all("\r\n\r\n\0\r\nX", 8, PROXY_ANY, true);
	assert_int_equal(r.r, PROXY_ERROR);
	r = feed_all("PROXX", 5, PROXY_ANY, true);
	assert_int_equal(r.r, PROXY_ERROR);
}

/* A v2 header: fixed part with ver_cmd, fam, len, then body. */
static size_t
v2(uint8_t *out, uint8_t ver_cmd, uint8_t fam, uint16_t len,
    const uint8_t *body, size_t blen)
{
	memcpy(out, hap_v2_local, 12);
	out[12] = ver_cmd;
	out[13] = fam;
	out[14] = (uint8_t)(len >> 8);
	out[15] = (uint8_t)len;
	if (blen > 0)
		memcpy(out + 16, body, blen);
	return 16 + blen;
}

static void
test_v2_hostile(void **state)
{
	uint8_t b[600], body[300];
	size_t n;

	memset(body, 0, sizeof(body));
	memcpy(body, hap_v2_tcp4 + 16, 12);
	n = v2(b, 0x11, 0x11, 12, body, 12);
	expect_error(b, n, PROXY_V2, true, "another version");
	n = v2(b, 0x31, 0x11, 12, body, 12);
	expect_error(b, n, PROXY_V2, true, "another version");
	n = v2(b, 0x22, 0x11, 12, body, 12);
	expect_error(b, n, PROXY_V2, true, "neither LOCAL nor PROXY");
	n = v2(b, 0x2f, 0x11, 12, body, 12);
	expect_error(b, n, PROXY_V2, true, "neither LOCAL nor PROXY");
	n = v2(b, 0x21, 0x41, 12, body, 12);
	expect_error(b, n, PROXY_V2, true, "family unknown");
	n = v2(b, 0x21, 0x13, 12, body, 12);
	expect_error(b, n, PROXY_V2, true, "transport unknown");
	/* Length shorter than the family's addresses: refused before reading. */
	n = v2(b, 0x21, 0x11, 11, body, 11);
	expect_error(b, 16, PROXY_V2, true, "shorter than its family");
	n = v2(b, 0x21, 0x21, 35, body, 35);
	expect_error(b, 16, PROXY_V2, true, "shorter than its family");
	n = v2(b, 0x21, 0x31, 215, body, 215);
	expect_error(b, 16, PROXY_V2, true, "shorter than its family");
	/* A datagram header on a stream listener and the other way round. */
	n = v2(b, 0x21, 0x12, 12, body, 12);
	expect_error(b, n, PROXY_V2, true, "datagram flow on a stream");
	n = v2(b, 0x21, 0x11, 12, body, 12);
	expect_error(b, n, PROXY_V2, false, "stream on a datagram");
	/* A TLV whose length runs past the header. */
	memcpy(body + 12, "\x04\x00\x02x", 4);
	n = v2(b, 0x21, 0x11, 15, body, 15);
	expect_error(b, n, PROXY_V2, true, "TLV longer");
	/* A TLV head cut by the header length (1 and 2 bytes of it). */
	n = v2(b, 0x21, 0x11, 13, body, 13);
	expect_error(b, n, PROXY_V2, true, "TLV cut short");
	n = v2(b, 0x21, 0x11, 14, body, 14);
	expect_error(b, n, PROXY_V2, true, "TLV cut short");
	/* Versions the listener does not accept. */
	expect_error(hap_v2_tcp4, sizeof(hap_v2_tcp4), PROXY_V1, true,
	    "only v1");
	expect_error(hap_v1, strlen(hap_v1), PROXY_V2, true, "only v2");
	/* v1 text after a v2 signature start. */
	expect_error("\r\nPROXY", 7, PROXY_ANY, true, "no PROXY");
}

static void
test_v2_forms(void **state)
{
	uint8_t b[600], body[300];
	struct result r;
	size_t n;

	memset(body, 0xee, sizeof(body));
	/* LOCAL with a family and garbage: the block is skipped unread. */
	n = v2(b, 0x20, 0x11, 40, body, 40);
	r = feed_all(b, n, PROXY_V2, true);
	assert_int_equal(r.r, PROXY_DONE);
	assert_true(r.h.local);
	assert_false(r.h.has_addr);
	assert_int_equal(r.used, 56);
	check_pieces(b, n, PROXY_V2, true);
	/* PROXY UNSPEC: no addresses. */
	n = v2(b, 0x21, 0x00, 0, body, 0);
	r = feed_all(b, n, PROXY_V2, true);
	assert_int_equal(r.r, PROXY_DONE);
	assert_false(r.h.has_addr);
	assert_false(r.h.local);
	/* PROXY UNSPEC with a block that is not TLVs (an unsupported
	 * family's addresses): ignored, skipped unread. */
	n = v2(b, 0x21, 0x00, 40, body, 40);
	r = feed_all(b, n, PROXY_V2, true);
	assert_int_equal(r.r, PROXY_DONE);
	assert_false(r.h.has_addr);
	assert_false(r.h.local);
	assert_int_equal(r.used, 56);
	check_pieces(b, n, PROXY_V2, true);
	/* AF_UNIX stream: 216 address bytes skipped, then a NOOP TLV. */
	memcpy(body + 216, "\x04\x00\x01z", 4);
	n = v2(b, 0x21, 0x31, 220, body, 220);
	r = feed_all(b, n, PROXY_V2, true);
	assert_int_equal(r.r, PROXY_DONE);
	assert_false(r.h.has_addr);
	assert_int_equal(r.used, 236);
	check_pieces(b, n, PROXY_V2, true);
	/* INET with transport UNSPEC: addresses ignored. */
	memcpy(body, hap_v2_tcp4 + 16, 12);
	n = v2(b, 0x21, 0x10, 12, body, 12);
	r = feed_all(b, n, PROXY_V2, true);
	assert_int_equal(r.r, PROXY_DONE);
	assert_false(r.h.has_addr);
	/* UDP over IPv4 on a datagram listener (a datagram balancer). */
	n = v2(b, 0x21, 0x12, 12, body, 12);
	r = feed_all(b, n, PROXY_V2, false);
	assert_int_equal(r.r, PROXY_DONE);
	assert_true(r.h.has_addr);
	assert_addr(&r.h.src, "127.0.0.2:56135");
	/* Zero-length TLVs and the largest header there is. */
	memcpy(body + 12, "\x04\x00\x00\x04\x00\x00", 6);
	n = v2(b, 0x21, 0x11, 18, body, 18);
	r = feed_all(b, n, PROXY_V2, true);
	assert_int_equal(r.r, PROXY_DONE);
	check_pieces(b, n, PROXY_V2, true);
}

static void
test_v2_largest(void **state)
{
	/* 12 address bytes, then NOOP TLVs filling the 65535-byte length. */
	size_t total = PROXY_V2_MAX, off;
	uint8_t *b = calloc(1, total + 4);
	struct proxy_parser p;
	struct proxy_header h;
	size_t used, sum = 0;
	enum proxy_result r = PROXY_MORE;

	assert_non_null(b);
	v2(b, 0x21, 0x11, 65535, hap_v2_tcp4 + 16, 12);
	for (off = 28; off + 3 <= total;) {
		size_t vlen = total - off - 3 > 1000 ? 1000 : total - off - 3;

		b[off] = 0x04;
		b[off + 1] = (uint8_t)(vlen >> 8);
		b[off + 2] = (uint8_t)vlen;
		off += 3 + vlen;
	}
	assert_int_equal(off, total);
	memcpy(b + total, "data", 4);
	proxy_parser_init(&p, PROXY_ANY, true);
	for (size_t i = 0; i < total + 4 && r == PROXY_MORE; i += 997) {
		size_t n = total + 4 - i < 997 ? total + 4 - i : 997;

		r = proxy_parser_feed(&p, b + i, n, &used, &h);
		sum += used;
	}
	assert_int_equal(r, PROXY_DONE);
	assert_int_equal(sum, total);
	assert_int_equal(h.len, total);
	assert_addr(&h.src, "127.0.0.2:56135");
	/* One byte short of the length: still waiting, never past it. */
	proxy_parser_init(&p, PROXY_ANY, true);
	assert_int_equal(proxy_parser_feed(&p, b, total - 1, &used, &h), PROXY_MORE);
	assert_int_equal(used, total - 1);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_haproxy_v2_tcp4),
		cmocka_unit_test(test_haproxy_v2_tcp6),
		cmocka_unit_test(test_haproxy_v2_local),
		cmocka_unit_test(test_haproxy_v2_tlv),
		cmocka_unit_test(test_haproxy_v1),
		cmocka_unit_test(test_v1_forms),
		cmocka_unit_test(test_v1_hostile),
		cmocka_unit_test(test_v1_length),
		cmocka_unit_test(test_need_more),
		cmocka_unit_test(test_v2_hostile),
		cmocka_unit_test(test_v2_forms),
		cmocka_unit_test(test_v2_largest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
