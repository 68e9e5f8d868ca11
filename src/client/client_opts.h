/*
 * client_opts: the command line of echoctl's network commands (tcp, udp,
 * probe, verify) as struct client_opts, and its parser.  Each command's
 * exit status is EX_OK, EX_USAGE or one of common/exitcode.h's.
 */
#ifndef ECHOD_CLIENT_OPTS_H
#define ECHOD_CLIENT_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "common/exitcode.h"

#define CLIENT_OPTS_INTERVAL_MIN	0.001	/* probe -i, seconds */

enum client_proto {
	CLIENT_TCP,
	CLIENT_UDP,
};

/* Which command is parsing: decides the options allowed and the usage. */
enum client_mode {
	CLIENT_MODE_SESSION,	/* echoctl tcp|udp HOST PORT */
	CLIENT_MODE_PROBE,	/* echoctl probe tcp|udp|stamp HOST PORT */
	CLIENT_MODE_VERIFY,	/* echoctl verify tcp|udp HOST PORT */
};

struct client_opts {
	enum client_mode mode;
	enum client_proto proto;
	const char *host;
	const char *port;
	int family;		/* AF_UNSPEC, or AF_INET / AF_INET6 for -4 / -6 */
	double timeout;		/* -t: connect, and each wait for a reply */
	double linger;		/* --linger: wait after stdin EOF (pipe mode) */
	int hex;		/* --hex: show echoes as a hex dump */
	int crlf;		/* --crlf: end lines with \r\n */
	int no_shutdown;	/* --no-shutdown: no FIN on stdin EOF */
	int verbose;		/* -v */
	int json;		/* --json: NDJSON */
	int csv;		/* --csv */
	int reconnect;		/* probe tcp --reconnect */
	int stamp;		/* probe stamp: an RFC 8762 session sender */
	int stateful;		/* probe stamp --stateful: the reflector is */
	int have_size;		/* -s was given */
	const char *message;	/* -m: one-shot message */
	long count;		/* probe/verify -c; 0 = until Ctrl-C (probe) */
	double interval;	/* probe -i, >= CLIENT_OPTS_INTERVAL_MIN */
	size_t size;		/* probe/verify -s: payload / datagram size */
	double wait;		/* probe -W: how long a reply may take */
	uint64_t bytes;		/* verify -n: bytes to send over TCP */
	uint64_t seed;		/* verify --seed */
	int have_seed;
	const char *source;	/* --source ADDR[:PORT] ... */
	struct addr src;	/* ... parsed */
	int tos;		/* --tos, -1 = unset */
	int ttl;		/* --ttl, -1 = unset */
};

/* Parse argv (argv[0] is the command name, e.g. "tcp" or "probe").  On a
 * usage error print it and return -1; for --help print usage and return 1. */
int client_opts_parse(int argc, char **argv, enum client_mode mode,
    struct client_opts *o);

#endif
