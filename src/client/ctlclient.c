/*
 * ctlclient: one control request from echoctl to echod (see ctlclient.h).
 * The reply is read whole before anything is printed (so output is all or
 * nothing); its buffer grows with it up to PROTO_REPLY_MAX and no further,
 * and every wait is bounded by the --timeout deadline.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/addr.h"
#include "client/ctlclient.h"
#include "common/clock.h"
#include "common/proto.h"
#include "common/units.h"

struct ctlclient {
	const char *path;
	struct proto_request req;
	double timeout;		/* seconds for the whole exchange */
	double deadline;	/* clock_mono() */
	int fd;
	char *buf;
	size_t len, cap;
};

static void
ctlclient_usage(FILE *f)
{
	fprintf(f, "usage: echoctl VERB [--socket PATH] [--json] [--timeout DURATION]\n"
	    "verbs:\n");
	for (int i = 0; i < PROTO_VERB_COUNT; i++)
		fprintf(f, "  %-8s %s\n", proto_verb_name((enum proto_verb)i),
		    proto_verb_help((enum proto_verb)i));
	fprintf(f, "default socket: %s\n", CTLCLIENT_DEFAULT_SOCKET);
}

static int
ctlclient_options(struct ctlclient *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char err[128];
	int ch, v;

	optind = 0;	/* glibc: start afresh at argv[1], echoctl may have parsed */
	while ((ch = getopt_long(argc, argv, "s:jt:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			c->path = optarg;
			break;
		case 'j':
			c->req.json = true;
			break;
		case 't':
			/* The parser's own words when it refuses (the
			 * unset timeout said "must be > 0" for "5x"). */
			if (units_parse_duration(optarg, &c->timeout, err,
			    sizeof(err)) < 0) {
				fprintf(stderr, "echoctl: --timeout: %s\n", err);
				return -1;
			}
			if (c->timeout <= 0) {
				fprintf(stderr, "echoctl: --timeout %s: must be "
				    "> 0\n", optarg);
				return -1;
			}
			break;
		case 'h':
			ctlclient_usage(stdout);
			exit(EX_OK);
		default:
			return -1;
		}
	}
	if (optind != argc || (v = proto_verb_lookup(argv[0])) < 0) {
		ctlclient_usage(stderr);
		return -1;
	}
	c->req.verb = (enum proto_verb)v;
	if (c->req.json && c->req.verb != PROTO_STATUS &&
	    c->req.verb != PROTO_STATS) {
		fprintf(stderr, "echoctl: --json only applies to status and stats\n");
		return -1;
	}
	return 0;
}

/* Wait for `events` until the deadline; 0 ready, -1 timed out or failed. */
static int
ctlclient_wait(struct ctlclient *c, short events)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };

	for (;;) {
		double left = c->deadline - clock_mono();
		int r;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* connect() within the deadline: 0, or -1 (ETIMEDOUT when it passed).
 * A listener whose backlog is full makes Linux's AF_UNIX connect wait for
 * room in it, forever when nobody accepts.  A non-blocking one fails with
 * EAGAIN at once, and poll() cannot wait for that room (an unconnected
 * socket polls writable, and hung up), so the blocking connect's wait is
 * bounded instead: by SO_SNDTIMEO, after which it fails with EAGAIN. */
static int
ctlclient_connect_by(struct ctlclient *c, const struct sockaddr_un *sun)
{
	for (;;) {
		double left = c->deadline - clock_mono();
		struct timeval tv;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		/* Never 0 s 0 us: that is no limit at all. */
		tv.tv_sec = (time_t)left;
		tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6) + 1;
		if (tv.tv_usec > 999999)
			tv.tv_usec = 999999;
		if (setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv)) < 0)
			return -1;
		if (connect(c->fd, (const struct sockaddr *)sun,
		    sizeof(*sun)) == 0)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

static int
ctlclient_connect(struct ctlclient *c)
{
	struct sockaddr_un sun;
	char line[PROTO_LINE_MAX];
	size_t off = 0, n;

	if (addr_unix(&sun, c->path) < 0)
		return -1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || ctlclient_connect_by(c, &sun) < 0)
		return -1;
	if (proto_request_format(&c->req, line, sizeof(line)) < 0)
		return -1;
	n = strlen(line);
	while (off < n) {
		ssize_t w;

		if (ctlclient_wait(c, POLLOUT) < 0)
			return -1;
		w = send(c->fd, line + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		off += w > 0 ? (size_t)w : 0;
	}
	return 0;
}

/* Room for at least one more recv: the buffer doubles up to the reply
 * limit.  0, or -1 at the limit or without memory. */
static int
ctlclient_grow(struct ctlclient *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 65536;
	char *nb;

	if (c->len < c->cap)
		return 0;
	if (ncap > PROTO_REPLY_MAX)
		ncap = PROTO_REPLY_MAX;
	if (ncap <= c->cap || (nb = realloc(c->buf, ncap)) == NULL)
		return -1;
	c->buf = nb;
	c->cap = ncap;
	return 0;
}

/* Read until a whole reply parsed: 0; -1 (transport) or -2 (malformed
 * reply, or one over PROTO_REPLY_MAX) with msg set.  The parser resumes
 * where it stopped, so a large reply is read in linear time. */
static int
ctlclient_read(struct ctlclient *c, struct proto_reply *rep, char *msg,
    size_t msglen)
{
	proto_reply_init(rep);
	for (;;) {
		ssize_t n;
		int r;

		if (ctlclient_grow(c) < 0) {
			snprintf(msg, msglen, "out of memory for a reply of "
			    "more than %zu bytes", c->len);
			return -1;
		}
		if (ctlclient_wait(c, POLLIN) < 0) {
			snprintf(msg, msglen, "no reply: %s", strerror(errno));
			return -1;
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			snprintf(msg, msglen, "%s", n == 0 ? c->len == 0 ?
			    "echod closed the connection before replying" :
			    "echod closed the connection in the middle of its "
			    "reply" : strerror(errno));
			return -1;
		}
		c->len += (size_t)n;
		r = proto_reply_parse(c->buf, c->len, PROTO_REPLY_MAX, rep, msg,
		    msglen);
		if (r != 0)
			return r > 0 ? 0 : -2;
	}
}

static int
ctlclient_exit_code(int code)
{
	switch (code) {
	case PROTO_ERR_DENIED:
		return EX_NOPERM;
	case PROTO_ERR_BUSY:
		return EX_TEMPFAIL;
	case PROTO_ERR_RELOAD:
		return EX_CONFIG;
	case PROTO_ERR_INTERNAL:
		return EX_SOFTWARE;
	default:
		return EX_PROTOCOL;
	}
}

/* Print the reply: the body to stdout on OK; on ERR, everything to stderr
 * (so `systemctl reload` shows every diagnostic in its journal/status). */
static int
ctlclient_print(const struct ctlclient *c, const struct proto_reply *rep)
{
	if (rep->ok) {
		if (c->req.verb == PROTO_RELOAD)
			printf("reload ok\n");
		fwrite(c->buf + rep->bodyoff, 1, rep->bodylen, stdout);
		return fflush(stdout) == 0 ? 0 : EX_IOERR;
	}
	fprintf(stderr, "echoctl: %s: %.*s\n", proto_verb_name(c->req.verb),
	    (int)rep->msglen, c->buf + rep->msgoff);
	fwrite(c->buf + rep->bodyoff, 1, rep->bodylen, stderr);
	return ctlclient_exit_code(rep->code);
}

int
ctlclient_main(int argc, char **argv)
{
	struct ctlclient c = { .path = CTLCLIENT_DEFAULT_SOCKET, .fd = -1 };
	struct proto_reply rep;
	char msg[256];
	int rc;

	if (argc < 1 || ctlclient_options(&c, argc, argv) < 0)
		return EX_USAGE;
	if (c.timeout == 0)
		c.timeout = c.req.verb == PROTO_RELOAD ? 90.0 : 10.0;
	c.deadline = clock_mono() + c.timeout;
	if (ctlclient_connect(&c) < 0) {
		rc = errno == EACCES ? EX_NOPERM : EX_UNAVAILABLE;
		fprintf(stderr, "echoctl: cannot reach echod at %s: %s\n",
		    c.path, strerror(errno));
		goto out;
	}
	if ((rc = ctlclient_read(&c, &rep, msg, sizeof(msg))) < 0) {
		rc = rc == -2 ? EX_PROTOCOL : EX_UNAVAILABLE;
		fprintf(stderr, "echoctl: %s: %s\n", c.path, msg);
		goto out;
	}
	rc = ctlclient_print(&c, &rep);
out:
	if (c.fd >= 0)
		close(c.fd);
	free(c.buf);
	return rc;
}
