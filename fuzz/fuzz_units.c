/*
 * fuzz_units: units_parse_duration and units_parse_size on arbitrary text.
 * Beyond not crashing: whatever parses is in range, and what the formatter
 * prints for it parses back to the same value (the sample config and error
 * messages are written with the formatter).
 */
#include "config.h"

#include <math.h>

#include "fuzz.h"
#include "common/units.h"

static void
check_duration(const char *s)
{
	char err[256], buf[64];
	double v, back;

	if (units_parse_duration(s, &v, err, sizeof(err)) == -1) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	FUZZ_CHECK(isfinite(v) && v >= 0 && v <= 1e9);
	units_format_duration(v, buf, sizeof(buf));
	FUZZ_CHECK(units_parse_duration(buf, &back, err, sizeof(err)) == 0);
	FUZZ_CHECK(fabs(back - v) <= 1e-5 * v + 1e-9);
}

static void
check_size(const char *s)
{
	char err[256], buf[64];
	uint64_t v, back;

	if (units_parse_size(s, &v, err, sizeof(err)) == -1) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	units_format_size(v, buf, sizeof(buf));
	FUZZ_CHECK(units_parse_size(buf, &back, err, sizeof(err)) == 0);
	FUZZ_CHECK(back == v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);

	if (s == NULL)
		return 0;
	check_duration(s);
	check_size(s);
	free(s);
	return 0;
}
