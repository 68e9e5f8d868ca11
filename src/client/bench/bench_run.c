/*
 * bench_run: the names of the load generator's modes, for the command line
 * (bench.c) and the reports (bench_report.c).
 */
#include "config.h"

#include <string.h>

#include "client/bench/bench_run.h"

static const char *const bench_mode_names[] = {
	[BENCH_PINGPONG] = "pingpong", [BENCH_PIPELINE] = "pipeline",
	[BENCH_STREAM] = "stream", [BENCH_CHURN] = "churn",
	[BENCH_UDP] = "udp", [BENCH_IDLE] = "idle",
};

const char *
bench_mode_name(enum bench_mode m)
{
	return bench_mode_names[m];
}

int
bench_mode_parse(const char *s, enum bench_mode *m)
{
	size_t i;

	for (i = 0; i < sizeof(bench_mode_names) / sizeof(*bench_mode_names); i++) {
		if (strcmp(s, bench_mode_names[i]) == 0) {
			*m = (enum bench_mode)i;
			return 0;
		}
	}
	return -1;
}
