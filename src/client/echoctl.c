/*
 * echoctl: main() and the command table.  Each command is one row: its
 * name and usage line, then for the network commands (tcp, udp, probe,
 * verify) their client_opts mode and a run function that gets the parsed
 * command line, for the others (the control verbs, bench) a handler that
 * gets argv starting at its own name.  Either returns the exit status.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/bench/bench.h"
#include "client/client_interactive.h"
#include "client/client_net.h"
#include "client/client_opts.h"
#include "client/client_probe.h"
#include "client/client_stamp.h"
#include "client/client_tcp_pipe.h"
#include "client/client_udp_pipe.h"
#include "client/client_verify.h"
#include "client/ctlclient.h"
#include "common/version.h"

struct echoctl_cmd {
	const char *name;
	const char *synopsis, *summary;		/* for the usage */
	int (*run)(struct client_opts *o);	/* network commands ... */
	enum client_mode mode;
	int (*handler)(int argc, char **argv);	/* ... or the others */
};

/* tcp|udp: interactive when stdin is a terminal, else pipe; -m one-shot. */
static int
echoctl_session(struct client_opts *o)
{
	struct addr peer;
	int rc, fd;

	fd = client_net_connect(o, &peer);
	if (fd == -1)
		return EXITCODE_CONNECT;
	if (o->message == NULL && isatty(STDIN_FILENO))
		rc = client_interactive_run(o, fd, &peer);
	else if (o->proto == CLIENT_TCP)
		rc = client_tcp_pipe_run(o, fd, &peer);
	else
		rc = client_udp_pipe_run(o, fd, &peer);
	close(fd);
	return rc;
}

/* probe tcp|udp, or probe stamp: an RFC 8762 session sender. */
static int
echoctl_probe(struct client_opts *o)
{
	return o->stamp ? client_stamp_run(o) : client_probe_run(o);
}

static const struct echoctl_cmd echoctl_cmds[] = {
	{ "tcp", "tcp [options] HOST PORT", "interactive, pipe or -m one-shot",
	    .run = echoctl_session, .mode = CLIENT_MODE_SESSION },
	{ "udp", "udp [options] HOST PORT", "the same over UDP",
	    .run = echoctl_session, .mode = CLIENT_MODE_SESSION },
	{ "probe", "probe tcp|udp|stamp [opts] HOST PORT",
	    "ping for echo services; STAMP delays",
	    .run = echoctl_probe, .mode = CLIENT_MODE_PROBE },
	{ "verify", "verify tcp|udp [options] HOST PORT",
	    "check a seeded pattern end to end",
	    .run = client_verify_run, .mode = CLIENT_MODE_VERIFY },
	/* The control channel (src/client/ctlclient.c). */
	{ "ping", "ping [--socket PATH]", "check that echod answers",
	    .handler = ctlclient_main },
	{ "status", "status [--socket PATH] [--json]",
	    "phase, listeners, connections, counters",
	    .handler = ctlclient_main },
	{ "stats", "stats [--socket PATH] [--json]",
	    "counters, total and per listener", .handler = ctlclient_main },
	{ "reload", "reload [--socket PATH]",
	    "reload the configuration, wait for it",
	    .handler = ctlclient_main },
	{ "metrics", "metrics [--socket PATH]",
	    "the counters as Prometheus text", .handler = ctlclient_main },
	/* The load generator (src/client/bench/). */
	{ "bench", "bench [options] MODE", "load generator (bench --help)",
	    .handler = bench_main },
};

#define ECHOCTL_NCMDS (sizeof(echoctl_cmds) / sizeof(echoctl_cmds[0]))

static void
echoctl_usage(FILE *f)
{
	size_t i;

	fputs("usage: echoctl COMMAND [options] [arguments]\n"
	    "       echoctl --help | --version\n"
	    "commands:\n", f);
	for (i = 0; i < ECHOCTL_NCMDS; i++)
		fprintf(f, "  %-35s %s\n", echoctl_cmds[i].synopsis,
		    echoctl_cmds[i].summary);
	fputs("\"echoctl COMMAND --help\" shows a command's options.\n"
	    "exit: 0 all verified, 1 loss or mismatch, 2 connection failed, "
	    "64 usage;\n"
	    "      ping/status/stats/reload: sysexits (69 echod unreachable, "
	    "78 reload rejected)\n", f);
}

/* argv starts at the command's name. */
static int
echoctl_run(const struct echoctl_cmd *c, int argc, char **argv)
{
	struct client_opts o;
	int rc;

	if (c->handler != NULL)
		return c->handler(argc, argv);
	rc = client_opts_parse(argc, argv, c->mode, &o);
	if (rc != 0)		/* 1: --help was printed */
		return rc == 1 ? EX_OK : EX_USAGE;
	return c->run(&o);
}

int
main(int argc, char **argv)
{
	size_t i;

	/* The terminal's character set, for typing and showing text
	 * (libedit, term.c).  Only LC_CTYPE: numbers and JSON keep their
	 * '.' whatever the locale says. */
	(void)setlocale(LC_CTYPE, "");
	if (argc < 2) {
		echoctl_usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		echoctl_usage(stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("echoctl %s %s\n", version_string(), version_features());
		return EX_OK;
	}
	for (i = 0; i < ECHOCTL_NCMDS; i++) {
		const struct echoctl_cmd *c = &echoctl_cmds[i];

		if (strcmp(argv[1], c->name) == 0)
			return echoctl_run(c, argc - 1, argv + 1);
	}
	fprintf(stderr, "echoctl: unknown command '%s'\n", argv[1]);
	echoctl_usage(stderr);
	return EX_USAGE;
}
