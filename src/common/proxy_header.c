/*
 * proxy_header: owns the PROXY protocol parser's state machine (see
 * proxy_header.h).  Bytes are taken one state at a time: the v1 line and
 * the v2 fixed part and addresses into the parser's buffer, the rest of a
 * v2 header (AF_UNIX addresses, LOCAL blocks, TLVs) counted and skipped.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "common/proxy_header.h"

enum {
	S_START,	/* nothing yet */
	S_V1,		/* collecting the line */
	S_V2_FIXED,	/* collecting the 16 fixed bytes */
	S_V2_ADDR,	/* collecting the INET/INET6 address block */
	S_V2_SKIP,	/* skipping raw bytes (AF_UNIX addresses, LOCAL) */
	S_V2_TLV,	/* walking the TLVs */
	S_DONE,
	S_ERROR,
};

static const uint8_t v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};
static const char v1_sig[] = "PROXY ";

#define V2_CMD_LOCAL 0x0
#define V2_CMD_PROXY 0x1
#define V2_AF_UNSPEC 0x0
#define V2_AF_INET 0x1
#define V2_AF_INET6 0x2
#define V2_AF_UNIX 0x3
#define V2_TR_UNSPEC 0x0
#define V2_TR_STREAM 0x1
#define V2_TR_DGRAM 0x2
#define V2_TLV_HEAD 3	/* type, length (2 bytes) */

void
proxy_parser_init(struct proxy_parser *p, unsigned versions, bool stream)
{
	memset(p, 0, sizeof(*p));
	p->state = S_START;
	p->versions = (uint8_t)(versions & PROXY_ANY);
	p->stream = stream;
}

const char *
proxy_parser_error(const struct proxy_parser *p)
{
	return p->error != NULL ? p->error : "no error";
}

static enum proxy_result
fail(struct proxy_parser *p, const char *why)
{
	p->state = S_ERROR;
	p->error = why;
	return PROXY_ERROR;
}

/* The first byte decides the version; nothing else starts with 'P' or CR. */
static enum proxy_result
start(struct proxy_parser *p, uint8_t b)
{
	if (b == (uint8_t)v1_sig[0]) {
		if (!(p->versions & PROXY_V1))
			return fail(p, "PROXY v1 header where only v2 is accepted");
		p->state = S_V1;
	} else if (b == v2_sig[0]) {
		if (!(p->versions & PROXY_V2))
			return fail(p, "PROXY v2 header where only v1 is accepted");
		p->state = S_V2_FIXED;
	} else {
		return fail(p, "no PROXY protocol header");
	}
	return PROXY_MORE;
}

/* A decimal port: 1-5 digits, no leading zero, at most 65535. */
static int
v1_port(const char *s, size_t n, uint16_t *port)
{
	unsigned v = 0;

	if (n == 0 || n > 5 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* IPv4 octets must not have leading zeros (they could be read as octal). */
static bool
v1_leading_zero(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '0' && (i == 0 || s[i - 1] == '.') &&
		    s[i + 1] >= '0' && s[i + 1] <= '9')
			return true;
	return false;
}

static int
v1_addr(const char *s, size_t n, bool v6, uint16_t port, struct addr *out)
{
	char tmp[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(out, 0, sizeof(*out));
	if (v6) {
		out->u.in6.sin6_family = AF_INET6;
		out->u.in6.sin6_port = htons(port);
		out->len = sizeof(out->u.in6);
		return inet_pton(AF_INET6, tmp, &out->u.in6.sin6_addr) == 1 ? 0 : -1;
	}
	if (v1_leading_zero(s, n))
		return -1;
	out->u.in4.sin_family = AF_INET;
	out->u.in4.sin_port = htons(port);
	out->len = sizeof(out->u.in4);
	return inet_pton(AF_INET, tmp, &out->u.in4.sin_addr) == 1 ? 0 : -1;
}

/* "PROXY TCP4 src dst sport dport" without its CRLF, in buf[0..n). */
static enum proxy_result
v1_line(struct proxy_parser *p, size_t n, struct proxy_header *out)
{
	const char *s = (const char *)p->buf + sizeof(v1_sig) - 1;
	const char *end = (const char *)p->buf + n;
	const char *f[5] = { NULL };
	size_t fl[5] = { 0 }, nf = 0;
	uint16_t sport, dport;
	bool v6;

	/* Split on single spaces: an empty field is a doubled space. */
	while (s <= end && nf < 5) {
		const char *sp = memchr(s, ' ', (size_t)(end - s));

		f[nf] = s;
		fl[nf] = (size_t)((sp != NULL ? sp : end) - s);
		nf++;
		if (sp == NULL)
			break;
		s = sp + 1;
	}
	if (nf >= 1 && fl[0] == 7 && memcmp(f[0], "UNKNOWN", 7) == 0) {
		/* The receiver must ignore the rest of the line. */
		memset(out, 0, sizeof(*out));
		out->version = 1;
		out->len = p->seen;
		return PROXY_DONE;
	}
	if (fl[0] != 4 || (memcmp(f[0], "TCP4", 4) != 0 &&
	    memcmp(f[0], "TCP6", 4) != 0))
		return fail(p, "PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN");
	if (!p->stream)
		return fail(p, "PROXY v1 header on a datagram listener");
	if (nf != 5 || f[4] + fl[4] != end)
		return fail(p, "PROXY v1 line has not exactly four fields after the protocol");
	v6 = f[0][3] == '6';
	if (v1_port(f[3], fl[3], &sport) < 0 || v1_port(f[4], fl[4], &dport) < 0)
		return fail(p, "PROXY v1 port is not a decimal 0..65535 without leading zeros");
	memset(out, 0, sizeof(*out));
	if (v1_addr(f[1], fl[1], v6, sport, &out->src) < 0 ||
	    v1_addr(f[2], fl[2], v6, dport, &out->dst) < 0)
		return fail(p, v6 ? "PROXY v1 TCP6 address is not IPv6" :
		    "PROXY v1 TCP4 address is not canonical dotted decimal");
	out->version = 1;
	out->has_addr = true;
	out->len = p->seen;
	return PROXY_DONE;
}

/* One byte of a v1 line: the signature, then printable ASCII up to CRLF. */
static enum proxy_result
v1_byte(struct proxy_parser *p, uint8_t b, struct proxy_header *out)
{
	uint8_t prev = p->have > 0 ? p->buf[p->have - 1] : 0;

	if (p->have < sizeof(v1_sig) - 1 && b != (uint8_t)v1_sig[p->have])
		return fail(p, "no PROXY protocol header");
	if (prev == '\r' && b != '\n')
		return fail(p, "PROXY v1 CR not followed by LF");
	if (b == '\n' && prev != '\r')
		return fail(p, "PROXY v1 line ends in LF without CR");
	if (b != '\r' && b != '\n' && (b < 0x20 || b > 0x7e))
		return fail(p, "PROXY v1 line has a byte that is not printable ASCII");
	p->buf[p->have++] = b;
	if (b == '\n')
		return v1_line(p, p->have - 2u, out);
	if (p->have >= PROXY_V1_MAX)
		return fail(p, "PROXY v1 line longer than 107 bytes");
	return PROXY_MORE;
}

static size_t
v2_addr_len(unsigned fam)
{
	return fam == V2_AF_INET ? 12 : fam == V2_AF_INET6 ? 36 :
	    fam == V2_AF_UNIX ? 216 : 0;
}

/* The 16 fixed bytes are in: check them and plan the rest. */
static enum proxy_result
v2_fixed(struct proxy_parser *p)
{
	unsigned ver = p->buf[12] >> 4, cmd = p->buf[12] & 0xf;
	unsigned fam = p->buf[13] >> 4, tr = p->buf[13] & 0xf;
	uint32_t len = (uint32_t)p->buf[14] << 8 | p->buf[15];
	size_t alen = v2_addr_len(fam);

	if (ver != 2)
		return fail(p, "PROXY v2 header of another version");
	if (cmd != V2_CMD_LOCAL && cmd != V2_CMD_PROXY)
		return fail(p, "PROXY v2 command is neither LOCAL nor PROXY");
	if (fam > V2_AF_UNIX)
		return fail(p, "PROXY v2 address family unknown");
	if (tr > V2_TR_DGRAM)
		return fail(p, "PROXY v2 transport unknown");
	p->left = len;
	/* LOCAL: family and block are ignored.  PROXY for AF_UNSPEC, an
	 * unsupported family: "the receiver should ignore address
	 * information", and where it would end (and TLVs begin) is the
	 * sender's secret, so the whole block goes, as in the spec's sample
	 * receiver.  Either way: skip it, whatever it is. */
	if (cmd == V2_CMD_LOCAL || fam == V2_AF_UNSPEC) {
		p->skip = len;
		p->left = 0;
		p->state = S_V2_SKIP;
		return PROXY_MORE;
	}
	if (len < alen)
		return fail(p, "PROXY v2 address block shorter than its family needs");
	if (fam != V2_AF_UNSPEC && tr != V2_TR_UNSPEC &&
	    (tr == V2_TR_STREAM) != (p->stream != 0))
		return fail(p, p->stream ? "PROXY v2 header of a datagram flow on a "
		    "stream listener" : "PROXY v2 header of a stream on a datagram "
		    "listener");
	if (fam == V2_AF_INET || fam == V2_AF_INET6) {
		p->keep = (uint8_t)alen;
		p->state = S_V2_ADDR;
	} else {
		p->skip = (uint32_t)alen;
		p->left -= (uint32_t)alen;
		p->state = S_V2_SKIP;
	}
	return PROXY_MORE;
}

static void
v2_sockaddr(struct addr *a, bool v6, const uint8_t *ip, const uint8_t *port)
{
	memset(a, 0, sizeof(*a));
	if (v6) {
		a->u.in6.sin6_family = AF_INET6;
		memcpy(&a->u.in6.sin6_addr, ip, 16);
		memcpy(&a->u.in6.sin6_port, port, 2);
		a->len = sizeof(a->u.in6);
	} else {
		a->u.in4.sin_family = AF_INET;
		memcpy(&a->u.in4.sin_addr, ip, 4);
		memcpy(&a->u.in4.sin_port, port, 2);
		a->len = sizeof(a->u.in4);
	}
}

static enum proxy_result
v2_done(struct proxy_parser *p, struct proxy_header *out)
{
	unsigned cmd = p->buf[12] & 0xf, fam = p->buf[13] >> 4;
	unsigned tr = p->buf[13] & 0xf;
	const uint8_t *a = p->buf + PROXY_V2_FIXED;

	memset(out, 0, sizeof(*out));
	out->version = 2;
	out->len = p->seen;
	out->local = cmd == V2_CMD_LOCAL;
	if (out->local || tr == V2_TR_UNSPEC)
		;	/* the addresses, if any, are to be ignored */
	else if (fam == V2_AF_INET) {
		v2_sockaddr(&out->src, false, a, a + 8);
		v2_sockaddr(&out->dst, false, a + 4, a + 10);
		out->has_addr = true;
	} else if (fam == V2_AF_INET6) {
		v2_sockaddr(&out->src, true, a, a + 32);
		v2_sockaddr(&out->dst, true, a + 16, a + 34);
		out->has_addr = true;
	}
	p->state = S_DONE;
	return PROXY_DONE;
}

/* After the addresses: raw skip, then TLVs until the length is used up. */
static enum proxy_result
v2_next(struct proxy_parser *p, struct proxy_header *out)
{
	if (p->state == S_V2_ADDR && p->have == PROXY_V2_FIXED + p->keep) {
		p->left -= p->keep;
		p->state = S_V2_TLV;
	}
	if (p->state == S_V2_SKIP && p->skip == 0)
		p->state = S_V2_TLV;
	if (p->state == S_V2_TLV && p->left == 0) {
		if (p->tlv_head != 0 || p->tlv_len != 0)
			return fail(p, "PROXY v2 TLV cut short by the header length");
		return v2_done(p, out);
	}
	return PROXY_MORE;
}

/* Walk TLVs in data[0..n): returns bytes taken, or -1 on a bad TLV. */
static long
v2_tlv(struct proxy_parser *p, const uint8_t *data, size_t n)
{
	size_t i = 0;

	while (i < n && p->left > 0) {
		if (p->tlv_head < V2_TLV_HEAD) {
			if (p->tlv_head > 0)	/* bytes 2 and 3: the length */
				p->tlv_len = (uint16_t)(p->tlv_len << 8 | data[i]);
			p->tlv_head++;
			p->left--;
			i++;
			if (p->tlv_head == V2_TLV_HEAD && p->tlv_len > p->left)
				return -1;
			if (p->tlv_head == V2_TLV_HEAD && p->tlv_len == 0)
				p->tlv_head = 0;
			continue;
		}
		size_t take = n - i < p->tlv_len ? n - i : p->tlv_len;

		p->tlv_len = (uint16_t)(p->tlv_len - take);
		p->left -= (uint32_t)take;
		i += take;
		if (p->tlv_len == 0)
			p->tlv_head = 0;
	}
	return (long)i;
}

enum proxy_result
proxy_parser_feed(struct proxy_parser *p, const uint8_t *data, size_t len,
    size_t *used, struct proxy_header *out)
{
	enum proxy_result r = PROXY_MORE;
	size_t i = 0;

	*used = 0;
	if (p->state == S_DONE)
		return PROXY_DONE;
	if (p->state == S_ERROR)
		return PROXY_ERROR;
	while (i < len && r == PROXY_MORE) {
		uint8_t b = data[i];
		size_t take;
		long t;

		switch (p->state) {
		case S_START:
			if ((r = start(p, b)) == PROXY_ERROR)
				break;
			continue;	/* the same byte, in its version's state */
		case S_V1:
			i++;
			p->seen++;
			r = v1_byte(p, b, out);
			break;
		case S_V2_FIXED:
			if (p->have < sizeof(v2_sig) && b != v2_sig[p->have]) {
				r = fail(p, "no PROXY protocol header");
				break;
			}
			p->buf[p->have++] = b;
			i++;
			p->seen++;
			if (p->have == PROXY_V2_FIXED &&
			    (r = v2_fixed(p)) == PROXY_MORE)
				r = v2_next(p, out);
			break;
		case S_V2_ADDR:
			take = (size_t)(PROXY_V2_FIXED + p->keep - p->have);
			take = take < len - i ? take : len - i;
			memcpy(p->buf + p->have, data + i, take);
			p->have = (uint16_t)(p->have + take);
			i += take;
			p->seen += (uint32_t)take;
			r = v2_next(p, out);
			break;
		case S_V2_SKIP:
			take = p->skip < len - i ? p->skip : len - i;
			p->skip -= (uint32_t)take;
			i += take;
			p->seen += (uint32_t)take;
			r = v2_next(p, out);
			break;
		case S_V2_TLV:
			if ((t = v2_tlv(p, data + i, len - i)) < 0) {
				r = fail(p, "PROXY v2 TLV longer than the rest of the header");
				break;
			}
			i += (size_t)t;
			p->seen += (uint32_t)t;
			r = v2_next(p, out);
			break;
		default:
			r = fail(p, "PROXY parser in an impossible state");
			break;
		}
	}
	*used = r == PROXY_ERROR ? 0 : i;
	if (r == PROXY_DONE)
		p->state = S_DONE;
	return r;
}
