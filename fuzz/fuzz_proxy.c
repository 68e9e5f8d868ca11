/*
 * fuzz_proxy: libFuzzer target for the PROXY protocol parser
 * (common/proxy_header.c).  The first input byte picks the listener (bits
 * 0-1: versions, 0 meaning both; bit 2: datagram), the rest is the
 * connection's bytes.  Checks the parser's promises: it never consumes a
 * payload byte (on DONE exactly the header's length, on MORE everything, on
 * ERROR nothing of that read), v1 stays within 107 bytes and v2 within its length, and
 * the result does not depend on how the bytes were split into reads.
 */
#include "config.h"

#include "common/proxy_header.h"
#include "fuzz.h"

struct outcome {
	enum proxy_result r;
	size_t used;
	struct proxy_header h;
};

static struct outcome
run(const uint8_t *data, size_t size, unsigned versions, bool stream,
    size_t step)
{
	struct proxy_parser p;
	struct outcome o = { PROXY_MORE, 0, { 0 } };
	size_t used;

	proxy_parser_init(&p, versions, stream);
	for (size_t i = 0; i < size && o.r == PROXY_MORE; i += step) {
		size_t n = size - i < step ? size - i : step;

		o.r = proxy_parser_feed(&p, data + i, n, &used, &o.h);
		FUZZ_CHECK(used <= n);
		FUZZ_CHECK(o.r != PROXY_MORE || used == n);
		FUZZ_CHECK(o.r != PROXY_ERROR || used == 0);
		o.used += used;
	}
	if (o.r == PROXY_ERROR)
		FUZZ_CHECK(proxy_parser_error(&p)[0] != '\0');
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, split, bytes;
	unsigned versions;
	bool stream;

	if (size < 1)
		return 0;
	versions = data[0] & 3 ? data[0] & 3 : PROXY_ANY;
	stream = !(data[0] & 4);
	data++;
	size--;
	whole = run(data, size, versions, stream, size > 0 ? size : 1);
	if (whole.r == PROXY_DONE) {
		FUZZ_CHECK(whole.used == whole.h.len && whole.used <= size);
		FUZZ_CHECK(whole.h.version == 1 || whole.h.version == 2);
		FUZZ_CHECK(whole.h.version != 1 || whole.h.len <= PROXY_V1_MAX);
		FUZZ_CHECK(whole.h.len <= PROXY_V2_MAX);
		FUZZ_CHECK(!whole.h.local || !whole.h.has_addr);
		FUZZ_CHECK(!whole.h.has_addr ||
		    whole.h.src.u.sa.sa_family == whole.h.dst.u.sa.sa_family);
	}
	split = run(data, size, versions, stream, size / 2 + 1);
	FUZZ_CHECK(split.r == whole.r);
	FUZZ_CHECK(whole.r != PROXY_DONE || split.used == whole.used);
	if (size <= 4096) {
		bytes = run(data, size, versions, stream, 1);
		FUZZ_CHECK(bytes.r == whole.r);
		FUZZ_CHECK(whole.r != PROXY_DONE || bytes.used == whole.used);
		if (whole.r == PROXY_DONE)
			FUZZ_CHECK(memcmp(&bytes.h, &whole.h, sizeof(whole.h)) == 0);
	}
	return 0;
}
