/*
 * client: what echoctl's network commands share: the parsed command line
 * (struct client_opts), the exit codes (common/exitcode.h), and the entry points of each mode.
 * The option parser lives in client_opts.c, sockets in client_net.c.
 */
#ifndef ECHOD_CLIENT_H
#define ECHOD_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "common/exitcode.h"

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
	double interval;	/* probe -i */
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
void client_opts_usage(enum client_mode mode, FILE *f);

/* Resolve o->host/o->port and connect a non-blocking socket (TCP within
 * o->timeout; UDP is connect()ed so ICMP errors come back as errno).  Tries
 * every address getaddrinfo returns.  The peer is stored in *peer.  On failure
 * the reason is printed and -1 returned (exit EXITCODE_CONNECT). */
int client_net_connect(const struct client_opts *o, struct addr *peer);
/* "tcp 127.0.0.1:8888" for messages. */
void client_net_describe(const struct client_opts *o, const struct addr *peer,
    char *buf, size_t len);

/* The modes (each returns an exit code). */
int client_session_run(struct client_opts *o);	/* interactive or pipe */
int client_interactive_run(struct client_opts *o, int fd,
    const struct addr *peer);
int client_tcp_pipe_run(struct client_opts *o, int fd, const struct addr *peer);
int client_udp_pipe_run(struct client_opts *o, int fd, const struct addr *peer);
int client_probe_main(int argc, char **argv);
int client_stamp_run(struct client_opts *o);	/* probe stamp */
int client_verify_main(int argc, char **argv);
int client_session_main(int argc, char **argv);

#endif
