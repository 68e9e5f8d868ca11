/*
 * stamp: building and reading RFC 8762 unauthenticated test packets (the
 * layouts are drawn in stamp.h), and the timestamp and Error Estimate
 * encodings they carry.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "common/stamp.h"

/* Seconds from 1900-01-01 (NTP's origin) to 1970-01-01. */
#define STAMP_NTP_UNIX	2208988800ULL

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

uint64_t
stamp_ts_from_timespec(const struct timespec *t, enum stamp_tsfmt fmt)
{
	uint64_t sec = (uint64_t)t->tv_sec, frac;

	if (fmt == STAMP_TS_PTP)
		return (uint64_t)(uint32_t)sec << 32 | (uint32_t)t->tv_nsec;
	/* 2^32 / 1e9 per nanosecond, rounded to the nearest fraction unit
	 * (999999999 ns rounds to 2^32 - 4: no carry into the seconds). */
	frac = (((uint64_t)t->tv_nsec << 32) + 500000000u) / 1000000000u;
	sec += STAMP_NTP_UNIX;
	return (uint64_t)(uint32_t)sec << 32 | (uint32_t)frac;
}

double
stamp_ts_diff(uint64_t a, uint64_t b, enum stamp_tsfmt fmt)
{
	if (fmt == STAMP_TS_PTP) {
		int32_t ds = (int32_t)((uint32_t)(a >> 32) - (uint32_t)(b >> 32));
		double dn = (double)(uint32_t)a - (double)(uint32_t)b;

		return (double)ds + dn / 1e9;
	}
	return (double)(int64_t)(a - b) / 4294967296.0;
}

uint16_t
stamp_err_encode(bool synced, enum stamp_tsfmt fmt, double seconds)
{
	uint16_t flags = (synced ? STAMP_ERR_S : 0) |
	    (fmt == STAMP_TS_PTP ? STAMP_ERR_Z : 0);
	double units;
	unsigned scale;

	if (!(seconds > 0))	/* also NaN: the smallest estimate */
		return flags | 1;
	for (scale = 0; scale < 63; scale++) {
		units = ceil(ldexp(seconds, 32 - (int)scale));
		if (units <= 255)
			return flags | (uint16_t)(scale << 8) | (uint16_t)units;
	}
	units = ceil(ldexp(seconds, 32 - 63));
	return flags | (uint16_t)(63 << 8) | (uint16_t)(units > 255 ? 255 :
	    units);
}

double
stamp_err_seconds(uint16_t err)
{
	return ldexp((double)(err & 0xff), (int)((err >> 8) & 0x3f) - 32);
}

enum stamp_tsfmt
stamp_err_format(uint16_t err)
{
	return (err & STAMP_ERR_Z) ? STAMP_TS_PTP : STAMP_TS_NTP;
}

int
stamp_test_build(uint8_t *buf, size_t len, const struct stamp_test *t)
{
	if (len < STAMP_MIN_LEN)
		return -1;
	memset(buf, 0, len);
	put32(buf + STAMP_OFF_SEQ, t->seq);
	put64(buf + STAMP_OFF_TS, t->ts);
	put16(buf + STAMP_OFF_ERR, t->err);
	return 0;
}

int
stamp_test_parse(const uint8_t *buf, size_t len, struct stamp_test *t)
{
	if (len < STAMP_MIN_LEN)
		return -1;
	t->seq = get32(buf + STAMP_OFF_SEQ);
	t->ts = get64(buf + STAMP_OFF_TS);
	t->err = get16(buf + STAMP_OFF_ERR);
	return 0;
}

int
stamp_reflect_build(uint8_t *out, const uint8_t *in, size_t len,
    const struct stamp_reflect *r)
{
	struct stamp_test t;

	/* Read the sender's fields before anything is written: out may be
	 * in, and the answer's fields overlap the test packet's. */
	if (stamp_test_parse(in, len, &t) == -1)
		return -1;
	memset(out, 0, len);
	put32(out + STAMP_OFF_SEQ, r->seq);
	put64(out + STAMP_OFF_TS, r->tx_ts);
	put16(out + STAMP_OFF_ERR, r->err);
	put64(out + STAMP_OFF_RX_TS, r->rx_ts);
	put32(out + STAMP_OFF_SSEQ, t.seq);
	put64(out + STAMP_OFF_STS, t.ts);
	put16(out + STAMP_OFF_SERR, t.err);
	out[STAMP_OFF_STTL] = r->ttl;
	return 0;
}

void
stamp_reflect_set_tx(uint8_t *out, uint64_t tx_ts)
{
	put64(out + STAMP_OFF_TS, tx_ts);
}

/* The MBZ octets of the reflector's layout: 14-15, 38-39, 41-43. */
static bool
reply_mbz_ok(const uint8_t *b)
{
	return b[14] == 0 && b[15] == 0 && b[38] == 0 && b[39] == 0 &&
	    b[41] == 0 && b[42] == 0 && b[43] == 0;
}

int
stamp_reply_parse(const uint8_t *buf, size_t len, struct stamp_reply *r)
{
	struct stamp_test head;

	/* The first 14 octets have the sender's layout. */
	if (stamp_test_parse(buf, len, &head) == -1)
		return -1;
	r->seq = head.seq;
	r->tx_ts = head.ts;
	r->err = head.err;
	r->rx_ts = get64(buf + STAMP_OFF_RX_TS);
	r->sender_seq = get32(buf + STAMP_OFF_SSEQ);
	r->sender_ts = get64(buf + STAMP_OFF_STS);
	r->sender_err = get16(buf + STAMP_OFF_SERR);
	r->sender_ttl = buf[STAMP_OFF_STTL];
	r->mbz_ok = reply_mbz_ok(buf);
	return 0;
}
