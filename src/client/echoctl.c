/*
 * echoctl: main() and the subcommand table.  Each subcommand is one row
 * (name, handler, usage line); a handler gets argv starting at its own name
 * and returns the exit code.  The network commands live in client_*.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/bench/bench.h"
#include "client/client_opts.h"
#include "client/ctlclient.h"
#include "common/version.h"

struct echoctl_cmd {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *usage;
};

static const struct echoctl_cmd echoctl_cmds[] = {
	{ "tcp", client_session_main, "tcp [options] HOST PORT             "
	    "interactive, pipe or -m one-shot" },
	{ "udp", client_session_main, "udp [options] HOST PORT             "
	    "the same over UDP" },
	{ "probe", client_probe_main, "probe tcp|udp|stamp [opts] HOST PORT "
	    "ping for echo services; STAMP delays" },
	{ "verify", client_verify_main, "verify tcp|udp [options] HOST PORT  "
	    "check a seeded pattern end to end" },
	/* The control channel (src/ctlclient.c). */
	{ "ping", ctlclient_main, "ping [--socket PATH]                "
	    "check that echod answers" },
	{ "status", ctlclient_main, "status [--socket PATH] [--json]     "
	    "phase, listeners, connections, counters" },
	{ "stats", ctlclient_main, "stats [--socket PATH] [--json]      "
	    "counters, total and per listener" },
	{ "reload", ctlclient_main, "reload [--socket PATH]              "
	    "reload the configuration, wait for it" },
	{ "metrics", ctlclient_main, "metrics [--socket PATH]             "
	    "the counters as Prometheus text" },
	/* The load generator (src/bench*.c). */
	{ "bench", bench_main, "bench [options] MODE                "
	    "load generator (bench --help)" },
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
		fprintf(f, "  %s\n", echoctl_cmds[i].usage);
	fputs("\"echoctl COMMAND --help\" shows a command's options.\n"
	    "exit: 0 all verified, 1 loss or mismatch, 2 connection failed, "
	    "64 usage;\n"
	    "      ping/status/stats/reload: sysexits (69 echod unreachable, "
	    "78 reload rejected)\n", f);
}

/* tcp|udp: interactive when stdin is a terminal, else pipe; -m one-shot. */
int
client_session_main(int argc, char **argv)
{
	struct client_opts o;
	struct addr peer;
	int rc, fd;

	rc = client_opts_parse(argc, argv, CLIENT_MODE_SESSION, &o);
	if (rc != 0)
		return rc == 1 ? EX_OK : EX_USAGE;
	fd = client_net_connect(&o, &peer);
	if (fd == -1)
		return EXITCODE_CONNECT;
	if (o.message == NULL && isatty(STDIN_FILENO))
		rc = client_interactive_run(&o, fd, &peer);
	else if (o.proto == CLIENT_TCP)
		rc = client_tcp_pipe_run(&o, fd, &peer);
	else
		rc = client_udp_pipe_run(&o, fd, &peer);
	close(fd);
	return rc;
}

int
main(int argc, char **argv)
{
	size_t i;

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
	for (i = 0; i < ECHOCTL_NCMDS; i++)
		if (strcmp(argv[1], echoctl_cmds[i].name) == 0)
			return echoctl_cmds[i].handler(argc - 1, argv + 1);
	fprintf(stderr, "echoctl: unknown command '%s'\n", argv[1]);
	echoctl_usage(stderr);
	return EX_USAGE;
}
