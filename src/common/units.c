/*
 * units: durations and sizes with unit suffixes.  Strict: the whole string
 * must be consumed, no sign, no empty number, no overflow.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/units.h"

struct unit {
	const char *suffix;
	double factor;
};

static const struct unit duration_units[] = {
	{ "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 },
	{ "m", 60 }, { "min", 60 }, { "h", 3600 }, { "d", 86400 },
};

static const struct unit size_units[] = {
	{ "", 1 }, { "b", 1 }, { "B", 1 },
	{ "k", 1024.0 }, { "K", 1024.0 }, { "KiB", 1024.0 }, { "kB", 1024.0 },
	{ "m", 1048576.0 }, { "M", 1048576.0 }, { "MiB", 1048576.0 }, { "MB", 1048576.0 },
	{ "g", 1073741824.0 }, { "G", 1073741824.0 }, { "GiB", 1073741824.0 }, { "GB", 1073741824.0 },
};

/* Split "12.5ms" into a number and a suffix; decimals allowed if `frac`. */
static int
split_number(const char *s, int frac, double *num, const char **suffix,
    char *err, size_t errlen)
{
	const char *p = s;
	char tmp[64];
	size_t n;
	char *end;

	while (isdigit((unsigned char)*p))
		p++;
	if (frac && *p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		while (isdigit((unsigned char)*p))
			p++;
	}
	n = (size_t)(p - s);
	if (n == 0 || n >= sizeof(tmp))
		goto bad;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*num = strtod(tmp, &end);
	if (errno != 0 || *end != '\0' || !isfinite(*num))
		goto bad;
	*suffix = p;
	return 0;
bad:
	snprintf(err, errlen, "'%.*s%s' is not a number with an optional unit",
	    LOG_EXCERPT(s, 128));
	return -1;
}

static const struct unit *
find_unit(const struct unit *units, size_t n, const char *suffix)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(units[i].suffix, suffix) == 0)
			return &units[i];
	return NULL;
}

/* What a number with a unit may be. */
struct unit_kind {
	const struct unit *units;
	size_t n;
	int frac;			/* decimals allowed */
	double max;			/* after the unit is applied */
	const char *what, *hint, *too_big;
};

static const struct unit_kind durations = {
	duration_units, sizeof(duration_units) / sizeof(duration_units[0]),
	1, 1e9, "duration", "use ms, s, m, h or d", "too long",
};

static const struct unit_kind sizes = {
	size_units, sizeof(size_units) / sizeof(size_units[0]),
	0, 9007199254740991.0,	/* 2^53 - 1: exact in a double */
	"size", "use k, M or G; 1k = 1024", "too large",
};

static int
parse_with_unit(const struct unit_kind *k, const char *s, double *out,
    char *err, size_t errlen)
{
	const struct unit *u;
	const char *suffix;
	double num;

	if (split_number(s, k->frac, &num, &suffix, err, errlen) < 0)
		return -1;
	if ((u = find_unit(k->units, k->n, suffix)) == NULL) {
		snprintf(err, errlen, "unknown %s unit '%.*s%s' in '%.*s%s' (%s)",
		    k->what, LOG_EXCERPT(suffix, 32), LOG_EXCERPT(s, 128),
		    k->hint);
		return -1;
	}
	num *= u->factor;
	if (num > k->max) {
		snprintf(err, errlen, "%s '%.*s%s' is %s", k->what,
		    LOG_EXCERPT(s, 128), k->too_big);
		return -1;
	}
	*out = num;
	return 0;
}

int
units_parse_duration(const char *s, double *seconds, char *err, size_t errlen)
{
	return parse_with_unit(&durations, s, seconds, err, errlen);
}

int
units_parse_size(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
	double num;

	if (parse_with_unit(&sizes, s, &num, err, errlen) < 0)
		return -1;
	*bytes = (uint64_t)num;
	return 0;
}

/* "%g" would switch to exponent notation ("9.0072e+08s"), which the parser
 * rightly rejects: print fixed-point and trim the zeros instead. */
static void
format_fixed(double v, const char *unit, char *buf, size_t len)
{
	char num[64];
	size_t n;

	snprintf(num, sizeof(num), "%.6f", v);
	n = strlen(num);
	while (n > 0 && num[n - 1] == '0')
		num[--n] = '\0';
	if (n > 0 && num[n - 1] == '.')
		num[--n] = '\0';
	snprintf(buf, len, "%s%s", num, unit);
}

void
units_format_duration(double seconds, char *buf, size_t len)
{
	if (seconds == 0)
		snprintf(buf, len, "0s");
	else if (seconds < 1)
		format_fixed(seconds * 1000, "ms", buf, len);
	else if (fmod(seconds, 86400) == 0)
		format_fixed(seconds / 86400, "d", buf, len);
	else if (fmod(seconds, 3600) == 0)
		format_fixed(seconds / 3600, "h", buf, len);
	else if (fmod(seconds, 60) == 0)
		format_fixed(seconds / 60, "m", buf, len);
	else
		format_fixed(seconds, "s", buf, len);
}

void
units_format_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes != 0 && bytes % 1073741824ULL == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(bytes >> 30));
	else if (bytes != 0 && bytes % 1048576ULL == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(bytes >> 20));
	else if (bytes != 0 && bytes % 1024ULL == 0)
		snprintf(buf, len, "%lluk", (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
}
