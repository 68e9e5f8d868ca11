/*
 * client_opts: echoctl's command line for the network commands (tcp, udp,
 * probe, verify): one getopt_long table, per-command checks of which options
 * make sense, the usage texts, and the defaults.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "client/client_opts.h"
#include "common/units.h"

enum {
	OPT_HEX = 256,
	OPT_CRLF,
	OPT_NO_SHUTDOWN,
	OPT_LINGER,
	OPT_JSON,
	OPT_CSV,
	OPT_RECONNECT,
	OPT_SEED,
	OPT_SOURCE,
	OPT_TOS,
	OPT_TTL,
	OPT_STATEFUL,
};

/* Every long option, grouped by the commands that take it: S session
 * (tcp, udp), P probe, V verify.  -4 and -6 apply everywhere too. */
struct client_opt {
	const char *name;
	int has_arg;
	int val;
	const char *modes;
};

static const struct client_opt client_opts_table[] = {
	{ "help", no_argument, 'h', "SPV" },
	{ "timeout", required_argument, 't', "SPV" },
	{ "verbose", no_argument, 'v', "SPV" },
	{ "source", required_argument, OPT_SOURCE, "SPV" },
	{ "tos", required_argument, OPT_TOS, "SPV" },
	{ "ttl", required_argument, OPT_TTL, "SPV" },
	{ "message", required_argument, 'm', "S" },
	{ "hex", no_argument, OPT_HEX, "S" },
	{ "crlf", no_argument, OPT_CRLF, "S" },
	{ "no-shutdown", no_argument, OPT_NO_SHUTDOWN, "S" },
	{ "linger", required_argument, OPT_LINGER, "S" },
	{ "count", required_argument, 'c', "PV" },
	{ "size", required_argument, 's', "PV" },
	{ "json", no_argument, OPT_JSON, "PV" },
	{ "interval", required_argument, 'i', "P" },
	{ "wait", required_argument, 'W', "P" },
	{ "reconnect", no_argument, OPT_RECONNECT, "P" },
	{ "stateful", no_argument, OPT_STATEFUL, "P" },
	{ "csv", no_argument, OPT_CSV, "P" },
	{ "bytes", required_argument, 'n', "V" },
	{ "seed", required_argument, OPT_SEED, "V" },
};

#define CLIENT_NOPTS (sizeof(client_opts_table) / sizeof(client_opts_table[0]))

static const char *const client_opts_usage_text[] = {
	[CLIENT_MODE_SESSION] =
	"usage: echoctl tcp|udp [options] HOST PORT\n"
	"  stdin a terminal: interactive; each line is sent (TCP: with \"\\n\",\n"
	"  or \"\\r\\n\" with --crlf; UDP: one datagram, no terminator) and each\n"
	"  echo printed as it arrives; \"q\" or Ctrl-D quits.\n"
	"  stdin not a terminal: stdin is copied to the server and the echo to\n"
	"  stdout, byte-exact (UDP: each line, with its \"\\n\", is a datagram;\n"
	"  stdout a terminal: escaped, as in interactive mode);\n"
	"  on EOF echoctl sends FIN and reads until the server closes or\n"
	"  --linger expires; exit 0 only if everything came back.\n"
	"  -m MESSAGE       send MESSAGE, wait for its echo, print it, exit\n"
	"  -4, -6           IPv4 or IPv6 only\n"
	"  -t TIMEOUT       connect and reply timeout (default 5s)\n"
	"  --linger DUR     wait for the echo after stdin EOF, restarted by\n"
	"                   progress (default: -t)\n"
	"  --no-shutdown    do not send FIN on stdin EOF\n"
	"  --hex            show echoes as a hex dump (interactive, -m)\n"
	"  --crlf           end sent lines with \\r\\n\n"
	"  --source A[:P] --tos N --ttl N   local address, TOS/TCLASS, TTL/hops\n"
	"  -v               report sent/echoed bytes on stderr\n",
	[CLIENT_MODE_PROBE] =
	"usage: echoctl probe tcp|udp|stamp [options] HOST PORT\n"
	"  stamp: an RFC 8762 session sender (unauthenticated; a reflector's\n"
	"  port is 862): round trip, forward and backward delay, jitter, and\n"
	"  loss by direction when the reflector is stateful\n"
	"  -c COUNT         stop after COUNT probes (default: until Ctrl-C)\n"
	"  -i INTERVAL      time between probes, at least 1ms (default 1s)\n"
	"  -s SIZE          payload size, at least 24 (default 64; stamp: at\n"
	"                   least and by default 44)\n"
	"  -W TIMEOUT       how long to wait for each reply (default 2s)\n"
	"  -t TIMEOUT       connect timeout (default 5s)\n"
	"  --reconnect      TCP: new connection per probe, measures connect time\n"
	"  --stateful       stamp: the reflector numbers its own packets, so\n"
	"                   loss is split by direction even while its numbers\n"
	"                   equal ours (without it: once they differ)\n"
	"  --json | --csv   machine-readable output\n"
	"  -4, -6, --source A[:P], --tos N, --ttl N\n"
	"  Ctrl-C prints the summary, SIGQUIT (Ctrl-\\) an interim one.\n",
	[CLIENT_MODE_VERIFY] =
	"usage: echoctl verify tcp|udp [options] HOST PORT\n"
	"  TCP: send -n BYTES (default 1M) of a seeded pattern and check the echo.\n"
	"  UDP: send -c COUNT (default 100) datagrams of -s SIZE (default 1024).\n"
	"  Reports the offset of the first mismatch, truncation and loss.\n"
	"  --seed N         pattern seed (default: random, printed)\n"
	"  -t TIMEOUT       connect timeout and wait for missing echoes (5s)\n"
	"  --json           one JSON object with the result\n"
	"  -4, -6, --source A[:P], --tos N, --ttl N\n",
};

static void
client_opts_usage(enum client_mode mode, FILE *f)
{
	fputs(client_opts_usage_text[mode], f);
}

/* The row of an option, or NULL (-4, -6). */
static const struct client_opt *
client_opts_find(int val)
{
	size_t i;

	for (i = 0; i < CLIENT_NOPTS; i++)
		if (client_opts_table[i].val == val)
			return &client_opts_table[i];
	return NULL;
}

/* "-c" or "--json", for messages. */
static void
client_opts_name(int c, char *buf, size_t len)
{
	const struct client_opt *d = client_opts_find(c);

	if (c >= 256 && d != NULL)
		snprintf(buf, len, "--%s", d->name);
	else
		snprintf(buf, len, "-%c", c);
}

static int
client_opts_allowed(int opt, enum client_mode mode)
{
	static const char letters[] = { 'S', 'P', 'V' };
	const struct client_opt *d = client_opts_find(opt);

	return d == NULL || strchr(d->modes, letters[mode]) != NULL;
}

static int
client_opts_duration(const char *name, const char *arg, double *out)
{
	char err[128];

	if (units_parse_duration(arg, out, err, sizeof(err)) == -1) {
		fprintf(stderr, "echoctl: %s: %s\n", name, err);
		return -1;
	}
	return 0;
}

/* -i: at least 1 ms.  An interval of 0 has no meaning for a timer that
 * repeats (libev's repeat 0 is a one-shot: one probe, then nothing), and
 * there is no flood mode: each probe is remembered for -W in a ring of
 * CLIENT_SERIES_SLOTS, which 1 ms fills only with a -W of 4 s.  ping
 * also refuses a user an interval below its minimum. */
static int
client_opts_interval(const char *arg, double *out)
{
	if (client_opts_duration("-i", arg, out) == -1)
		return -1;
	if (!(*out >= CLIENT_OPTS_INTERVAL_MIN)) {
		fprintf(stderr, "echoctl: -i %s: the interval must be at least "
		    "1ms (a probe every -i; there is no flood mode)\n", arg);
		return -1;
	}
	return 0;
}

static int
client_opts_number(const char *name, const char *arg, long long min,
    long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || *out < min ||
	    *out > max) {
		fprintf(stderr, "echoctl: %s: '%s' is not a number from %lld "
		    "to %lld\n", name, arg, min, max);
		return -1;
	}
	return 0;
}

static int
client_opts_size(const char *name, const char *arg, uint64_t min,
    uint64_t max, uint64_t *out)
{
	char err[128];

	if (units_parse_size(arg, out, err, sizeof(err)) == -1) {
		fprintf(stderr, "echoctl: %s: %s\n", name, err);
		return -1;
	}
	if (*out < min || *out > max) {
		fprintf(stderr, "echoctl: %s: must be from %llu to %llu bytes\n",
		    name, (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	return 0;
}

static void
client_opts_defaults(struct client_opts *o, enum client_mode mode)
{
	memset(o, 0, sizeof(*o));
	o->mode = mode;
	o->family = AF_UNSPEC;
	o->timeout = 5.0;
	o->linger = -1.0;
	o->interval = 1.0;
	o->wait = 2.0;
	o->size = mode == CLIENT_MODE_VERIFY ? 1024 : 64;
	o->count = mode == CLIENT_MODE_VERIFY ? 100 : 0;
	o->bytes = 1024 * 1024;
	o->tos = -1;
	o->ttl = -1;
}

/* One option; 0, or -1 on a bad value. */
static int
client_opts_one(struct client_opts *o, int c, const char *arg)
{
	long long n;
	uint64_t v;

	switch (c) {
	case '4': o->family = AF_INET; return 0;
	case '6': o->family = AF_INET6; return 0;
	case 'v': o->verbose++; return 0;
	case 'm': o->message = arg; return 0;
	case OPT_HEX: o->hex = 1; return 0;
	case OPT_CRLF: o->crlf = 1; return 0;
	case OPT_NO_SHUTDOWN: o->no_shutdown = 1; return 0;
	case OPT_JSON: o->json = 1; return 0;
	case OPT_CSV: o->csv = 1; return 0;
	case OPT_RECONNECT: o->reconnect = 1; return 0;
	case OPT_STATEFUL: o->stateful = 1; return 0;
	case OPT_SOURCE: o->source = arg; return 0;
	case 't': return client_opts_duration("-t", arg, &o->timeout);
	case 'i': return client_opts_interval(arg, &o->interval);
	case 'W': return client_opts_duration("-W", arg, &o->wait);
	case OPT_LINGER: return client_opts_duration("--linger", arg, &o->linger);
	case 'c':
		if (client_opts_number("-c", arg, 1, LONG_MAX, &n) == -1)
			return -1;
		o->count = (long)n;
		return 0;
	case 's':
		if (client_opts_size("-s", arg, 1, 65527, &v) == -1)
			return -1;
		o->size = (size_t)v;
		o->have_size = 1;
		return 0;
	case 'n':
		return client_opts_size("-n", arg, 1, UINT64_MAX / 2, &o->bytes);
	case OPT_SEED:
		if (client_opts_number("--seed", arg, 0, LLONG_MAX, &n) == -1)
			return -1;
		o->seed = (uint64_t)n;
		o->have_seed = 1;
		return 0;
	case OPT_TOS:
	case OPT_TTL:
		if (client_opts_number(c == OPT_TOS ? "--tos" : "--ttl", arg,
		    c == OPT_TOS ? 0 : 1, 255, &n) == -1)
			return -1;
		*(c == OPT_TOS ? &o->tos : &o->ttl) = (int)n;
		return 0;
	}
	return -1;
}

static int
client_opts_positional(struct client_opts *o, int argc, char **argv,
    const char *cmd)
{
	int want = o->mode == CLIENT_MODE_SESSION ? 2 : 3;
	const char *proto = cmd;

	if (argc != want) {
		fprintf(stderr, "echoctl: %s: expected %s, got %d argument%s\n",
		    cmd, want == 2 ? "HOST PORT" : o->mode == CLIENT_MODE_PROBE ?
		    "tcp|udp|stamp HOST PORT" : "tcp|udp HOST PORT", argc,
		    argc == 1 ? "" : "s");
		return -1;
	}
	if (want == 3)
		proto = *argv++;
	if (strcmp(proto, "tcp") == 0)
		o->proto = CLIENT_TCP;
	else if (strcmp(proto, "udp") == 0)
		o->proto = CLIENT_UDP;
	else if (strcmp(proto, "stamp") == 0 && o->mode == CLIENT_MODE_PROBE) {
		o->proto = CLIENT_UDP;
		o->stamp = 1;
	} else {
		fprintf(stderr, "echoctl: %s: '%s' is not tcp%s or udp\n", cmd,
		    proto, o->mode == CLIENT_MODE_PROBE ? ", stamp" : "");
		return -1;
	}
	o->host = argv[0];
	o->port = argv[1];
	return 0;
}

/* --source ADDR[:PORT]: "127.0.0.1", "127.0.0.1:5000", "::1", "[::1]:5000". */
static int
client_opts_source(const char *spec, struct addr *out)
{
	char err[160];

	if (addr_parse_hostport(spec, false, out, err, sizeof(err)) < 0) {
		fprintf(stderr, "echoctl: --source: %s\n", err);
		return -1;
	}
	return 0;
}

/* Cross-option checks. */
/* probe stamp: 44-octet test packets at least (RFC 8762 §4.2.1). */
static int
client_opts_check_stamp(struct client_opts *o)
{
	if (!o->have_size)
		o->size = 44;
	if (o->size < 44) {
		fprintf(stderr, "echoctl: -s: a STAMP test packet has at least "
		    "44 octets\n");
		return -1;
	}
	if (o->csv) {
		fprintf(stderr, "echoctl: probe stamp: --csv is not supported "
		    "(use --json)\n");
		return -1;
	}
	return 0;
}

static int
client_opts_check(struct client_opts *o)
{
	if (o->stamp && client_opts_check_stamp(o) == -1)
		return -1;
	if (o->stateful && !o->stamp) {
		fprintf(stderr, "echoctl: --stateful is for STAMP probes\n");
		return -1;
	}
	if (o->mode == CLIENT_MODE_PROBE && o->size < 24) {
		fprintf(stderr, "echoctl: -s: a probe needs at least 24 bytes "
		    "(sequence number and timestamp)\n");
		return -1;
	}
	if (o->mode == CLIENT_MODE_VERIFY && o->size < 16) {
		fprintf(stderr, "echoctl: -s: verify datagrams need at least "
		    "16 bytes\n");
		return -1;
	}
	if (o->reconnect && o->proto != CLIENT_TCP) {
		fprintf(stderr, "echoctl: --reconnect is for TCP probes\n");
		return -1;
	}
	if (o->json && o->csv) {
		fprintf(stderr, "echoctl: choose one of --json and --csv\n");
		return -1;
	}
	if (o->source != NULL && client_opts_source(o->source, &o->src) == -1)
		return -1;
	if (o->linger < 0)
		o->linger = o->timeout;
	return 0;
}

int
client_opts_parse(int argc, char **argv, enum client_mode mode,
    struct client_opts *o)
{
	struct option longopts[CLIENT_NOPTS + 1];
	const char *cmd = argv[0];
	size_t i;
	int c;

	memset(longopts, 0, sizeof(longopts));
	for (i = 0; i < CLIENT_NOPTS; i++)
		longopts[i] = (struct option){ client_opts_table[i].name,
		    client_opts_table[i].has_arg, NULL, client_opts_table[i].val };
	client_opts_defaults(o, mode);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":46hvt:m:c:i:s:W:n:", longopts,
	    NULL)) != -1) {
		if (c == 'h') {
			client_opts_usage(mode, stdout);
			return 1;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "echoctl: %s: %s '%s'\n", cmd,
			    c == '?' ? "unknown option" : "missing value for",
			    argv[optind - 1]);
			goto usage;
		}
		if (!client_opts_allowed(c, mode)) {
			char name[32];

			client_opts_name(c, name, sizeof(name));
			fprintf(stderr, "echoctl: %s: option %s does not "
			    "apply here\n", cmd, name);
			goto usage;
		}
		if (client_opts_one(o, c, optarg) == -1)
			goto usage;
	}
	if (client_opts_positional(o, argc - optind, argv + optind, cmd) == -1 ||
	    client_opts_check(o) == -1)
		goto usage;
	return 0;
usage:
	client_opts_usage(mode, stderr);
	return -1;
}
