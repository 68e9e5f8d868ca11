/*
 * test_stamp: the STAMP packet module against octets written out by hand
 * from RFC 8762's figures (§4.2.1 and §4.3.1), not from the module's own
 * helpers: field offsets, byte order, copied fields, MBZ octets zero even
 * when the sender's were not, answers built in place, lengths kept, short
 * packets refused; NTP and PTP timestamps (the NTP era wrap included) and
 * the RFC 4656 Error Estimate.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/stamp.h"

/* Times and their timestamps, worked out by hand. */
static const struct {
	time_t sec;
	long nsec;
	enum stamp_tsfmt fmt;
	uint64_t want;
} ts_cases[] = {
	/* 1970-01-01 is 2208988800 s after 1900-01-01. */
	{ 0, 0, STAMP_TS_NTP, 0x83aa7e8000000000ULL },
	{ 0, 500000000, STAMP_TS_NTP, 0x83aa7e8080000000ULL },
	/* 2021-01-01T00:00:00.123456789Z */
	{ 1609459200, 123456789, STAMP_TS_NTP, 0xe398e4801f9add37ULL },
	/* The last nanosecond of a second stays in it (2^32 - 4). */
	{ 1609459200, 999999999, STAMP_TS_NTP, 0xe398e480fffffffcULL },
	/* 2036-02-07T06:28:16Z starts NTP era 1: the seconds wrap to 0. */
	{ 2085978496, 0, STAMP_TS_NTP, 0 },
	/* PTP: seconds as they are (TAI), then nanoseconds. */
	{ 1, 123, STAMP_TS_PTP, 0x000000010000007bULL },
	{ 1609459237, 999999999, STAMP_TS_PTP, 0x5fee66253b9ac9ffULL },
};

static void
test_timestamps(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ts_cases) / sizeof(ts_cases[0]); i++) {
		struct timespec t = { ts_cases[i].sec, ts_cases[i].nsec };
		uint64_t got = stamp_ts_from_timespec(&t, ts_cases[i].fmt);

		if (got != ts_cases[i].want)
			fail_msg("case %zu: %016llx, want %016llx", i,
			    (unsigned long long)got,
			    (unsigned long long)ts_cases[i].want);
	}
}

static void
test_diff(void **state)
{
	(void)state;
	/* Half a second, both ways. */
	assert_true(stamp_ts_diff(0x83aa7e8180000000ULL,
	    0x83aa7e8100000000ULL, STAMP_TS_NTP) == 0.5);
	assert_true(stamp_ts_diff(0x83aa7e8100000000ULL,
	    0x83aa7e8180000000ULL, STAMP_TS_NTP) == -0.5);
	/* Across the 2036 wrap: era 1 second 1 minus era 0 second 2^32-1. */
	assert_true(stamp_ts_diff(0x0000000100000000ULL,
	    0xffffffff00000000ULL, STAMP_TS_NTP) == 2.0);
	/* PTP: nanoseconds borrow from the seconds. */
	assert_true(fabs(stamp_ts_diff(0x0000000200000064ULL,
	    0x000000013b9ac9ffULL, STAMP_TS_PTP) - 101e-9) < 1e-15);
	assert_true(stamp_ts_diff(0x0000000100000000ULL,
	    0xffffffff00000000ULL, STAMP_TS_PTP) == 2.0);
}

static void
test_error_estimate(void **state)
{
	(void)state;
	/* 1 us: 2^27 * 1e-6 = 134.2 -> Scale 5, Multiplier 135. */
	assert_int_equal(stamp_err_encode(false, STAMP_TS_NTP, 1e-6), 0x0587);
	assert_int_equal(stamp_err_encode(true, STAMP_TS_NTP, 1e-6), 0x8587);
	assert_int_equal(stamp_err_encode(true, STAMP_TS_PTP, 1e-6), 0xc587);
	/* Exactly representable: 1 s = 128 * 2^(25-32)... Scale 25. */
	assert_int_equal(stamp_err_encode(false, STAMP_TS_NTP, 1.0), 0x1980);
	/* Nothing known or zero: the smallest estimate, never Multiplier 0. */
	assert_int_equal(stamp_err_encode(false, STAMP_TS_NTP, 0), 0x0001);
	assert_int_equal(stamp_err_encode(false, STAMP_TS_NTP, -1), 0x0001);
	/* Beyond 255 * 2^31 s: saturated. */
	assert_int_equal(stamp_err_encode(false, STAMP_TS_NTP, 1e300), 0x3fff);
	assert_true(stamp_err_seconds(0x0587) == 135.0 / 134217728.0);
	assert_true(stamp_err_seconds(0x9980) == 1.0);
	assert_true(stamp_err_seconds(0x3fff) == 255.0 * 2147483648.0);
	assert_int_equal(stamp_err_format(0x4001), STAMP_TS_PTP);
	assert_int_equal(stamp_err_format(0x8001), STAMP_TS_NTP);
	/* Every encoding covers what it was asked for, within one step. */
	for (double s = 1e-10; s < 1e9; s *= 1.37) {
		uint16_t e = stamp_err_encode(false, STAMP_TS_NTP, s);

		assert_true(stamp_err_seconds(e) >= s);
		assert_true((e & 0xff) != 0);
	}
}

static const uint8_t test_pkt[STAMP_MIN_LEN] = {
	0x01, 0x02, 0x03, 0x04,				/* Sequence Number */
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,	/* Timestamp */
	0x85, 0x87,					/* Error Estimate */
	/* MBZ (30): a sender that does not zero them; ignored on receipt */
	0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04,
	0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
	0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
};

static const uint8_t reflected[STAMP_MIN_LEN] = {
	0xa0, 0xa1, 0xa2, 0xa3,				/* Sequence Number */
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,	/* Timestamp T3 */
	0x80, 0x05,					/* Error Estimate */
	0x00, 0x00,					/* MBZ */
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,	/* Receive T2 */
	0x01, 0x02, 0x03, 0x04,				/* Sender Seq */
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,	/* Sender Timestamp */
	0x85, 0x87,					/* Sender Error */
	0x00, 0x00,					/* MBZ */
	0x11,						/* Ses-Sender TTL */
	0x00, 0x00, 0x00,				/* MBZ */
};

static const struct stamp_reflect our_fields = {
	.seq = 0xa0a1a2a3,
	.tx_ts = 0xb0b1b2b3b4b5b6b7ULL,
	.rx_ts = 0xc0c1c2c3c4c5c6c7ULL,
	.err = 0x8005,
	.ttl = 17,
};

static void
test_sender_packet(void **state)
{
	uint8_t b[64];
	struct stamp_test t = { 0x01020304, 0x1112131415161718ULL, 0x8587 };
	struct stamp_test back;
	uint8_t want[STAMP_MIN_LEN];

	(void)state;
	memset(b, 0x5a, sizeof(b));
	memcpy(want, test_pkt, 14);
	memset(want + 14, 0, sizeof(want) - 14);	/* MBZ zero on send */
	assert_int_equal(stamp_test_build(b, STAMP_MIN_LEN, &t), 0);
	assert_memory_equal(b, want, STAMP_MIN_LEN);
	assert_int_equal(b[STAMP_MIN_LEN], 0x5a);	/* nothing past len */
	assert_int_equal(stamp_test_build(b, 60, &t), 0);
	for (size_t i = 14; i < 60; i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(stamp_test_build(b, 43, &t), -1);
	assert_int_equal(stamp_test_parse(test_pkt, sizeof(test_pkt), &back), 0);
	assert_int_equal(back.seq, 0x01020304);
	assert_true(back.ts == 0x1112131415161718ULL);
	assert_int_equal(back.err, 0x8587);
	assert_int_equal(stamp_test_parse(test_pkt, 43, &back), -1);
}

static void
test_reflect(void **state)
{
	uint8_t out[STAMP_MIN_LEN];

	(void)state;
	memset(out, 0x77, sizeof(out));
	assert_int_equal(stamp_reflect_build(out, test_pkt, sizeof(test_pkt),
	    &our_fields), 0);
	assert_memory_equal(out, reflected, sizeof(reflected));
}

static void
test_reflect_in_place(void **state)
{
	uint8_t b[STAMP_MIN_LEN];

	(void)state;
	memcpy(b, test_pkt, sizeof(b));
	assert_int_equal(stamp_reflect_build(b, b, sizeof(b), &our_fields), 0);
	assert_memory_equal(b, reflected, sizeof(reflected));
	/* T3 patched later, nothing else touched. */
	stamp_reflect_set_tx(b, 0x0102030405060708ULL);
	assert_memory_equal(b + 4, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_memory_equal(b, reflected, 4);
	assert_memory_equal(b + 12, reflected + 12, sizeof(b) - 12);
}

static void
test_reflect_lengths(void **state)
{
	uint8_t in[1500], out[1500];

	(void)state;
	memset(in, 0xee, sizeof(in));
	memcpy(in, test_pkt, sizeof(test_pkt));
	memset(out, 0x77, sizeof(out));
	/* A padded test packet: same length back, octets past 44 zero. */
	assert_int_equal(stamp_reflect_build(out, in, 200, &our_fields), 0);
	assert_memory_equal(out, reflected, sizeof(reflected));
	for (size_t i = STAMP_MIN_LEN; i < 200; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(out[200], 0x77);
	/* Shorter than 44 (a 41-octet TWAMP-Light packet, say): refused. */
	memset(out, 0x77, sizeof(out));
	for (size_t n = 0; n < STAMP_MIN_LEN; n++)
		assert_int_equal(stamp_reflect_build(out, in, n, &our_fields),
		    -1);
	assert_int_equal(out[0], 0x77);
}

static void
test_reply_parse(void **state)
{
	struct stamp_reply r;
	uint8_t b[STAMP_MIN_LEN];

	(void)state;
	assert_int_equal(stamp_reply_parse(reflected, sizeof(reflected), &r), 0);
	assert_int_equal(r.seq, 0xa0a1a2a3);
	assert_true(r.tx_ts == 0xb0b1b2b3b4b5b6b7ULL);
	assert_int_equal(r.err, 0x8005);
	assert_true(r.rx_ts == 0xc0c1c2c3c4c5c6c7ULL);
	assert_int_equal(r.sender_seq, 0x01020304);
	assert_true(r.sender_ts == 0x1112131415161718ULL);
	assert_int_equal(r.sender_err, 0x8587);
	assert_int_equal(r.sender_ttl, 17);
	assert_true(r.mbz_ok);
	assert_int_equal(stamp_reply_parse(reflected, 43, &r), -1);
	/* Each MBZ octet on its own. */
	for (size_t i = 0; i < sizeof(b); i++) {
		bool mbz = i == 14 || i == 15 || i == 38 || i == 39 || i >= 41;

		memcpy(b, reflected, sizeof(b));
		b[i] ^= 0x01;
		assert_int_equal(stamp_reply_parse(b, sizeof(b), &r), 0);
		assert_int_equal(r.mbz_ok, !mbz);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_error_estimate),
		cmocka_unit_test(test_sender_packet),
		cmocka_unit_test(test_reflect),
		cmocka_unit_test(test_reflect_in_place),
		cmocka_unit_test(test_reflect_lengths),
		cmocka_unit_test(test_reply_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
