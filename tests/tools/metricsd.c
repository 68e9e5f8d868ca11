/*
 * metricsd: echod's metrics HTTP server (src/daemon/metrics_http.c) alone,
 * for the tests that attack it with real clients.  Its rendering is a
 * counter of renderings, so a test sees that every request got a fresh
 * one.  usage: metricsd HOST PORT; prints "listening" when ready, runs
 * until SIGTERM or SIGINT.
 */
#include "config.h"

#include <ev.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "daemon/metrics_http.h"

static char *
render(void *ctx, size_t *len)
{
	uint64_t *n = ctx;
	char *s = malloc(128);

	if (s == NULL)
		return NULL;
	++*n;
	*len = (size_t)snprintf(s, 128, "# HELP metricsd_renders_total Renderings.\n"
	    "# TYPE metricsd_renders_total counter\nmetricsd_renders_total %"
	    PRIu64 "\n", *n);
	return s;
}

static void
on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

int
main(int argc, char **argv)
{
	struct ev_loop *loop = EV_DEFAULT;
	struct metrics_http *h;
	ev_signal term, intr;
	struct addr a;
	uint64_t renders = 0;
	char err[256];
	bool dual;

	if (argc != 3 || addr_parse(argv[1], (uint16_t)atoi(argv[2]), &a, &dual,
	    err, sizeof(err)) < 0) {
		fprintf(stderr, "usage: metricsd HOST PORT\n");
		return 64;
	}
	if ((h = metrics_http_start(loop, &a, render, &renders, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "metricsd: %s\n", err);
		return 1;
	}
	ev_signal_init(&term, on_signal, SIGTERM);
	ev_signal_start(loop, &term);
	ev_signal_init(&intr, on_signal, SIGINT);
	ev_signal_start(loop, &intr);
	printf("listening\n");
	fflush(stdout);
	ev_run(loop, 0);
	metrics_http_stop(h);
	printf("stopped after %" PRIu64 " renderings\n", renders);
	return 0;
}
