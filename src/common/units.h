/*
 * units: strict parsing of durations ("250ms", "30s", "5m", "1h", "1d") and
 * sizes ("512", "64k", "1M", "1GiB"; k/M/G are powers of 1024), shared by the
 * config loader and echoctl.  Pure: no I/O, errors go to a caller buffer.
 */
#ifndef ECHOD_UNITS_H
#define ECHOD_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* A bare number is seconds.  Result in seconds, >= 0, finite.  0/-1. */
int units_parse_duration(const char *s, double *seconds, char *err, size_t errlen);
/* A bare number is bytes.  0/-1 (overflow, junk, negative). */
int units_parse_size(const char *s, uint64_t *bytes, char *err, size_t errlen);
/* Render for messages and the sample config: "30s", "1.5s", "250ms", "64k". */
void units_format_duration(double seconds, char *buf, size_t len);
void units_format_size(uint64_t bytes, char *buf, size_t len);

#endif
