/*
 * bench: the load generator behind `echoctl bench`: parses the command
 * line, splits the work over threads (each with its own epoll loop and
 * connections, see bench_tcp.c and bench_udp.c), merges their results and
 * hands them to bench_report.c.  Every run is bounded by --duration (and
 * optionally --count) and stops by itself.
 */
#include "config.h"

#include <getopt.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/addr.h"
#include "client/bench/bench.h"
#include "client/bench/bench_report.h"
#include "client/bench/bench_run.h"
#include "client/bench/bench_tcp.h"
#include "client/bench/bench_udp.h"
#include "common/exitcode.h"
#include "common/units.h"

#define BENCH_MAX_THREADS 64

static void
bench_usage(FILE *f)
{
	fprintf(f,
"usage: echoctl bench [options] MODE\n"
"Load an echo server on one address and check every echoed byte.\n"
"modes:\n"
"  pingpong   N connections, one message in flight each\n"
"  pipeline   N connections, --depth messages in flight each\n"
"  stream     N connections, bulk chunks, a window of --depth chunks\n"
"  churn      N slots doing connect, echo one message, close, repeat\n"
"  udp        N sockets, --depth datagrams in flight each\n"
"  idle       open N connections, echo once on each, print \"ready N\",\n"
"             hold them for --hold, then close\n"
"options:\n"
"  -a, --address HOST     numeric server address (default 127.0.0.1)\n"
"  -p, --port PORT        default 8888 (udp: 9999)\n"
"  -c, --conns N          connections or sockets (pingpong/pipeline 50,\n"
"                         stream 4, churn 8, udp 8, idle 1000)\n"
"  -s, --size SIZE        message/chunk/datagram size (64; stream 16k)\n"
"  -d, --depth N          in flight per connection (pipeline/stream 16,\n"
"                         udp 32, others 1)\n"
"  -t, --duration DUR     length of the load (3s; idle: time to connect, 30s)\n"
"  -n, --count N          stop after N messages (still bounded by -t)\n"
"  -T, --threads N        client threads, each with its own loop (1)\n"
"  -l, --loss-timeout DUR udp: unanswered after DUR is lost (200ms)\n"
"  -H, --hold DUR         idle: how long to hold the connections (10s)\n"
"  -j, --json             one JSON object on stdout\n"
"  -q, --quiet            no per-error messages on stderr\n"
"      --no-io-uring      TCP: a recv and a send per event instead of\n"
"                         batching them through io_uring\n"
"      --plain            an ordinary client: one system call per message\n"
"                         (TCP: a send per message, a recv per readable\n"
"                         event; UDP: a send and a recv per datagram), no\n"
"                         io_uring, no sendmmsg/recvmmsg\n"
"exit: 0 ok, 1 errors, mismatched bytes, duplicated datagrams or\n"
"incomplete run, 2 nothing echoed (connection failed), 64 usage\n");
}

static int
bench_parse_uint(const char *opt, const char *s, uint64_t lo, uint64_t hi,
    uint64_t *out)
{
	char err[128];

	if (units_parse_size(s, out, err, sizeof(err)) < 0 ||
	    *out < lo || *out > hi) {
		fprintf(stderr, "bench: %s: '%s' is not a number in %llu..%llu\n",
		    opt, s, (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	return 0;
}

static int
bench_parse_dur(const char *opt, const char *s, double *out)
{
	char err[128] = "";	/* stays empty when only the range is wrong */

	if (units_parse_duration(s, out, err, sizeof(err)) < 0 ||
	    *out <= 0 || *out > 3600) {
		fprintf(stderr, "bench: %s: '%s': want a duration up to 1h%s%s\n",
		    opt, s, err[0] ? ": " : "", err);
		return -1;
	}
	return 0;
}

/* Mode-dependent defaults for what the user did not set (0 / negative). */
static void
bench_defaults(struct bench_opts *o, uint16_t *port)
{
	static const uint32_t conns[] = { 50, 50, 4, 8, 8, 1000 };
	static const uint32_t depth[] = { 1, 16, 16, 1, 32, 1 };

	if (*port == 0)
		*port = o->mode == BENCH_UDP ? 9999 : 8888;
	if (o->conns == 0)
		o->conns = conns[o->mode];
	if (o->size == 0)
		o->size = o->mode == BENCH_STREAM ? 16384 : 64;
	if (o->depth == 0)
		o->depth = depth[o->mode];
	if (o->mode == BENCH_PINGPONG || o->mode == BENCH_CHURN ||
	    o->mode == BENCH_IDLE)
		o->depth = 1;
	if (o->duration <= 0)
		o->duration = o->mode == BENCH_IDLE ? 30 : 3;
	/* Every thread needs a connection and, with --count, a message (a
	 * zero budget would mean "unbounded"); idle mode prints one "ready". */
	if (o->threads > o->conns)
		o->threads = o->conns;
	if (o->count && o->threads > o->count)
		o->threads = (uint32_t)o->count;
	if (o->mode == BENCH_IDLE)
		o->threads = 1;
}

static int
bench_check(const struct bench_opts *o)
{
	if (o->mode == BENCH_UDP && (o->size < 16 || o->size > 65507)) {
		fprintf(stderr, "bench: udp: --size must be 16..65507 (a 16-byte"
		    " header is part of each datagram)\n");
		return -1;
	}
	if ((uint64_t)o->depth * o->size > (256u << 20)) {
		fprintf(stderr, "bench: --depth x --size is over 256M per"
		    " connection\n");
		return -1;
	}
	return 0;
}

struct bench_cli {
	struct bench_opts o;
	const char *host;
	uint16_t port;
	int json;
};

/* What an option sets, and how its value reads. */
enum bench_opt_kind {
	BENCH_OPT_TEXT,		/* const char * */
	BENCH_OPT_U16,		/* numbers within [lo, hi] */
	BENCH_OPT_U32,
	BENCH_OPT_U64,
	BENCH_OPT_DURATION,	/* double seconds, up to 1 h */
	BENCH_OPT_SET,		/* int flag to 1 ... */
	BENCH_OPT_CLEAR,	/* ... or to 0, no value */
	BENCH_OPT_HELP,
};

struct bench_opt {
	const char *name;
	int ch;			/* the short option; >= 256: long only */
	enum bench_opt_kind kind;
	uint64_t lo, hi;
	size_t at;		/* offset in struct bench_cli */
};

#define BENCH_AT(member) offsetof(struct bench_cli, member)

/* One row per option: the getopt tables and the parsing come from it. */
static const struct bench_opt bench_opts[] = {
	{ "address", 'a', BENCH_OPT_TEXT, 0, 0, BENCH_AT(host) },
	{ "port", 'p', BENCH_OPT_U16, 1, 65535, BENCH_AT(port) },
	{ "conns", 'c', BENCH_OPT_U32, 1, 1000000, BENCH_AT(o.conns) },
	{ "size", 's', BENCH_OPT_U32, 1, 16u << 20, BENCH_AT(o.size) },
	{ "depth", 'd', BENCH_OPT_U32, 1, 65536, BENCH_AT(o.depth) },
	{ "duration", 't', BENCH_OPT_DURATION, 0, 0, BENCH_AT(o.duration) },
	{ "count", 'n', BENCH_OPT_U64, 1, UINT64_MAX / 2, BENCH_AT(o.count) },
	{ "threads", 'T', BENCH_OPT_U32, 1, BENCH_MAX_THREADS,
	    BENCH_AT(o.threads) },
	{ "loss-timeout", 'l', BENCH_OPT_DURATION, 0, 0,
	    BENCH_AT(o.loss_timeout) },
	{ "hold", 'H', BENCH_OPT_DURATION, 0, 0, BENCH_AT(o.hold) },
	{ "json", 'j', BENCH_OPT_SET, 0, 0, BENCH_AT(json) },
	{ "quiet", 'q', BENCH_OPT_SET, 0, 0, BENCH_AT(o.quiet) },
	{ "no-io-uring", 256, BENCH_OPT_CLEAR, 0, 0, BENCH_AT(o.io_uring) },
	{ "plain", 257, BENCH_OPT_SET, 0, 0, BENCH_AT(o.plain) },
	{ "help", 'h', BENCH_OPT_HELP, 0, 0, 0 },
};

#define BENCH_NOPTS (sizeof(bench_opts) / sizeof(bench_opts[0]))

/* Store one option's value; 0/-1 (said why). */
static int
bench_parse_opt(struct bench_cli *cli, const struct bench_opt *d,
    const char *arg)
{
	void *at = (char *)cli + d->at;
	char name[32];
	uint64_t v;

	snprintf(name, sizeof(name), "--%s", d->name);
	switch (d->kind) {
	case BENCH_OPT_TEXT:
		*(const char **)at = arg;
		return 0;
	case BENCH_OPT_DURATION:
		return bench_parse_dur(name, arg, at);
	case BENCH_OPT_SET:
	case BENCH_OPT_CLEAR:
		*(int *)at = d->kind == BENCH_OPT_SET;
		return 0;
	case BENCH_OPT_HELP:
		bench_usage(stdout);
		exit(EX_OK);
	default:
		break;
	}
	if (bench_parse_uint(name, arg, d->lo, d->hi, &v) < 0)
		return -1;
	if (d->kind == BENCH_OPT_U16)
		*(uint16_t *)at = (uint16_t)v;
	else if (d->kind == BENCH_OPT_U32)
		*(uint32_t *)at = (uint32_t)v;
	else
		*(uint64_t *)at = v;
	return 0;
}

/* getopt_long over the table; 0/-1 (said why). */
static int
bench_parse_opts(struct bench_cli *cli, int argc, char **argv)
{
	struct option longopts[BENCH_NOPTS + 1];
	char shorts[2 * BENCH_NOPTS + 1], *sp = shorts;
	size_t i;
	int ch;

	memset(longopts, 0, sizeof(longopts));
	for (i = 0; i < BENCH_NOPTS; i++) {
		const struct bench_opt *d = &bench_opts[i];
		int arg = d->kind < BENCH_OPT_SET;

		longopts[i] = (struct option){ d->name, arg ? required_argument :
		    no_argument, NULL, d->ch };
		if (d->ch < 256) {
			*sp++ = (char)d->ch;
			if (arg)
				*sp++ = ':';
		}
	}
	*sp = '\0';
	optind = 1;
	while ((ch = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		for (i = 0; i < BENCH_NOPTS && bench_opts[i].ch != ch; i++)
			;
		if (i == BENCH_NOPTS ||
		    bench_parse_opt(cli, &bench_opts[i], optarg) < 0)
			return -1;
	}
	return 0;
}

static int
bench_parse(struct bench_cli *cli, int argc, char **argv)
{
	char err[128];

	memset(cli, 0, sizeof(*cli));
	cli->host = "127.0.0.1";
	cli->o.threads = 1;
	cli->o.io_uring = 1;
	cli->o.loss_timeout = 0.2;
	cli->o.hold = 10;
	if (bench_parse_opts(cli, argc, argv) < 0)
		goto usage;
	if (optind != argc - 1 || bench_mode_parse(argv[optind], &cli->o.mode) < 0) {
		fprintf(stderr, "bench: want exactly one MODE: pingpong, pipeline,"
		    " stream, churn, udp or idle\n");
		goto usage;
	}
	if (cli->o.plain)
		cli->o.io_uring = 0;
	bench_defaults(&cli->o, &cli->port);
	if (addr_parse(cli->host, cli->port, &cli->o.target, NULL, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "bench: --address: %s\n", err);
		goto usage;
	}
	if (bench_check(&cli->o) < 0)
		goto usage;
	return 0;
usage:
	bench_usage(stderr);
	return -1;
}

static void *
bench_thread(void *arg)
{
	struct bench_share *sh = arg;
	int rc;

	rc = sh->opts->mode == BENCH_UDP ? bench_udp_run(sh) : bench_tcp_run(sh);
	return rc < 0 ? sh : NULL;
}

/* Run all shares; thread 0 is the calling thread.  0/-1. */
static int
bench_run_threads(struct bench_share *sh, uint32_t n)
{
	pthread_t tid[BENCH_MAX_THREADS];
	uint32_t i, started;
	int rc = 0;
	void *ret;

	for (started = 1; started < n; started++)
		if (pthread_create(&tid[started], NULL, bench_thread,
		    &sh[started]) != 0)
			break;
	if (bench_thread(&sh[0]) != NULL)
		rc = -1;
	for (i = 1; i < started; i++) {
		pthread_join(tid[i], &ret);
		if (ret != NULL)
			rc = -1;
	}
	return started == n ? rc : -1;
}

static void
bench_split(const struct bench_opts *o, struct bench_share *sh)
{
	uint32_t i, first = 0;

	for (i = 0; i < o->threads; i++) {
		memset(&sh[i], 0, sizeof(sh[i]));
		sh[i].opts = o;
		sh[i].conns = o->conns / o->threads + (i < o->conns % o->threads);
		sh[i].first_id = first;
		first += sh[i].conns;
		if (o->count)
			sh[i].budget = o->count / o->threads +
			    (i < o->count % o->threads);
		bench_hist_init(&sh[i].stats.hist);
	}
}

int
bench_main(int argc, char **argv)
{
	struct bench_share *sh = NULL;
	struct bench_pattern *pat = NULL;
	struct bench_stats *total = NULL;
	struct bench_cli cli;
	struct rusage ru;
	uint32_t i;
	int rc = EXITCODE_LOSS;

	if (bench_parse(&cli, argc, argv) < 0)
		return EX_USAGE;
	pat = malloc(sizeof(*pat));
	sh = calloc(cli.o.threads, sizeof(*sh));
	total = calloc(1, sizeof(*total));
	if (!pat || !sh || !total) {
		fprintf(stderr, "bench: out of memory\n");
		goto out;
	}
	bench_pattern_init(pat);
	cli.o.pat = pat;
	bench_split(&cli.o, sh);
	if (bench_run_threads(sh, cli.o.threads) < 0)
		goto out;
	bench_hist_init(&total->hist);
	for (i = 0; i < cli.o.threads; i++)
		bench_report_merge(total, &sh[i].stats);
	getrusage(RUSAGE_SELF, &ru);
	rc = bench_report(&cli.o, total, &ru, cli.json, stdout);
out:
	free(pat);
	free(sh);
	free(total);
	return rc;
}
