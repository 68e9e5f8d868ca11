/*
 * client_tcp_pipe: TCP pipe and one-shot (-m) modes.  Input (stdin or the -m
 * message) goes to the server, the echo to stdout, and every echoed byte is
 * compared with what was sent.  The bytes sent but not yet echoed live in
 * one fixed window (a ring): when it is full echoctl stops reading its input,
 * so memory stays bounded and a slow server slows the sender (backpressure).
 *
 * End of input: FIN (unless --no-shutdown), then read until the server
 * closes or --linger passes without progress.  Exit 0 only when everything
 * sent came back byte-exact and nothing more.  The echo goes to stdout
 * byte-exact, unless stdout is a terminal: then it is escaped (term.c),
 * lines staying lines, so that a server cannot drive the terminal.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_loop.h"
#include "client/client_net.h"
#include "client/client_tcp_pipe.h"
#include "client/term.h"

#define PIPE_WINDOW	(1u << 20)	/* bytes in flight; a power of two */

struct pipe_state {
	struct client_loop l;
	struct client_opts *o;
	unsigned char *win;	/* ring of sent-not-yet-echoed bytes */
	uint64_t rd;		/* input bytes taken into the window */
	uint64_t wr;		/* ... of those written to the socket */
	uint64_t cmp;		/* ... of those echoed and compared */
	uint64_t extra;		/* echoed bytes beyond what was sent */
	const char *msg;	/* -m: input from memory */
	size_t msglen;
	unsigned char *echo;	/* -m: the echo, printed at the end */
	int in_eof, fin_sent, peer_eof, mismatch;
	uint64_t mismatch_at;
	int tty;		/* stdout is a terminal: escape the echo */
	struct term_stream ts;
};

/* A system call failed: say which, with its reason, and end (exit 1). */
static void
pipe_fail(struct pipe_state *p, const char *what)
{
	char why[160];

	snprintf(why, sizeof(why), "%s: %s", what, strerror(errno));
	client_loop_finish(&p->l, EXITCODE_LOSS, why);
}

/* How long to wait for progress: -t, or --linger once the input ended. */
static double
pipe_patience(const struct pipe_state *p)
{
	return p->in_eof ? p->o->linger : p->o->timeout;
}

/* Something moved: the wait for the next progress starts again. */
static void
pipe_progress(struct pipe_state *p)
{
	client_loop_timer(&p->l, pipe_patience(p));
}

/* Take input into the window, as much as fits. */
static void
pipe_fill(struct pipe_state *p)
{
	while (!p->in_eof && p->rd - p->cmp < PIPE_WINDOW) {
		size_t off = p->rd & (PIPE_WINDOW - 1);
		size_t room = PIPE_WINDOW - (size_t)(p->rd - p->cmp);
		ssize_t n;

		if (room > PIPE_WINDOW - off)
			room = PIPE_WINDOW - off;
		if (p->msg != NULL) {
			n = (ssize_t)(p->msglen - p->rd);
			if ((size_t)n > room)
				n = (ssize_t)room;
			memcpy(p->win + off, p->msg + p->rd, (size_t)n);
		} else {
			n = read(STDIN_FILENO, p->win + off, room);
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				return;
			if (n == -1) {
				fprintf(stderr, "echoctl: stdin: %s\n",
				    strerror(errno));
				client_loop_finish(&p->l, EXITCODE_LOSS, NULL);
				return;
			}
		}
		if (n == 0)
			p->in_eof = 1;
		p->rd += (uint64_t)n;
		if (p->msg == NULL)
			return;	/* one read per readiness event */
	}
}

static void
pipe_send(struct pipe_state *p)
{
	while (p->wr < p->rd) {
		size_t off = p->wr & (PIPE_WINDOW - 1);
		size_t n = (size_t)(p->rd - p->wr);
		ssize_t w;

		if (n > PIPE_WINDOW - off)
			n = PIPE_WINDOW - off;
		w = send(p->l.fd, p->win + off, n, MSG_NOSIGNAL);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (w == -1) {
			pipe_fail(p, "send");
			return;
		}
		p->wr += (uint64_t)w;
		pipe_progress(p);
	}
	if (p->in_eof && !p->fin_sent && !p->o->no_shutdown &&
	    p->msg == NULL) {
		/* Half-close: the server sees EOF after our last byte. */
		shutdown(p->l.fd, SHUT_WR);
		p->fin_sent = 1;
	}
}

/* Compare an echo chunk with the window; note the first difference. */
static void
pipe_compare(struct pipe_state *p, const unsigned char *b, size_t n)
{
	while (n > 0 && p->cmp < p->wr) {
		size_t off = p->cmp & (PIPE_WINDOW - 1);
		size_t k = (size_t)(p->wr - p->cmp), i;

		if (k > PIPE_WINDOW - off)
			k = PIPE_WINDOW - off;
		if (k > n)
			k = n;
		if (!p->mismatch && memcmp(p->win + off, b, k) != 0) {
			for (i = 0; p->win[off + i] == b[i]; i++)
				;
			p->mismatch = 1;
			p->mismatch_at = p->cmp + i;
		}
		p->cmp += k;
		b += k;
		n -= k;
	}
	p->extra += n;
}

/* An echo chunk, or the server's FIN (n == 0). */
static void
pipe_data(void *arg, const unsigned char *b, size_t n)
{
	struct pipe_state *p = arg;

	if (n == 0) {
		p->peer_eof = 1;
		return;
	}
	if (p->echo != NULL) {
		size_t have = (size_t)p->cmp;

		if (have < p->msglen)
			memcpy(p->echo + have, b, n > p->msglen - have ?
			    p->msglen - have : n);
	} else if (p->tty) {
		term_stream_write(&p->ts, stdout, b, n);
		fflush(stdout);
	} else if (client_net_write_all(STDOUT_FILENO, b, n, 0) == -1) {
		fprintf(stderr, "echoctl: stdout: %s\n", strerror(errno));
		client_loop_finish(&p->l, EXITCODE_LOSS, NULL);
		return;
	}
	pipe_compare(p, b, n);
	pipe_progress(p);
}

static void
pipe_input(void *arg)
{
	struct pipe_state *p = arg;

	pipe_fill(p);
	pipe_progress(p);
}

static void
pipe_timer(void *arg)
{
	struct pipe_state *p = arg;
	char why[160];

	if (!p->in_eof && p->cmp == p->wr)
		return;	/* only waiting for our own input: not the server's fault */
	snprintf(why, sizeof(why), "timed out waiting for the echo: %llu of "
	    "%llu bytes came back", (unsigned long long)p->cmp,
	    (unsigned long long)p->rd);
	if (p->in_eof && p->cmp == p->rd && !p->mismatch && !p->extra) {
		/* All echoed; the server merely kept the connection open. */
		client_loop_finish(&p->l, EX_OK, NULL);
		return;
	}
	client_loop_finish(&p->l, EXITCODE_LOSS, why);
}

/* Decide what to wait for next, or finish. */
static void
pipe_update(void *arg)
{
	struct pipe_state *p = arg;
	char why[192];
	int all = p->in_eof && p->cmp == p->rd;

	if (p->mismatch || p->extra) {
		/* The first difference first: an echo both wrong and too
		 * long reported only its extra bytes. */
		if (p->mismatch && p->extra)
			snprintf(why, sizeof(why), "echo differs from what was "
			    "sent at byte offset %llu, and the server sent %llu "
			    "bytes more than were sent",
			    (unsigned long long)p->mismatch_at,
			    (unsigned long long)p->extra);
		else if (p->extra)
			snprintf(why, sizeof(why), "the server sent %llu bytes "
			    "more than were sent", (unsigned long long)p->extra);
		else
			snprintf(why, sizeof(why), "echo differs from what was "
			    "sent at byte offset %llu",
			    (unsigned long long)p->mismatch_at);
		client_loop_finish(&p->l, EXITCODE_LOSS, why);
		return;
	}
	if (p->peer_eof) {
		snprintf(why, sizeof(why), "the server closed the connection "
		    "after echoing %llu of %llu bytes",
		    (unsigned long long)p->cmp, (unsigned long long)p->rd);
		client_loop_finish(&p->l, all ? EX_OK : EXITCODE_LOSS,
		    all ? NULL : why);
		return;
	}
	if (all && (p->msg != NULL || p->o->no_shutdown)) {
		client_loop_finish(&p->l, EX_OK, NULL);
		return;
	}
	if (p->msg != NULL)
		pipe_fill(p);
	pipe_send(p);
	if (p->l.done)
		return;
	client_loop_want_input(&p->l, !p->in_eof && p->msg == NULL &&
	    p->rd - p->cmp < PIPE_WINDOW);
	client_loop_want_write(&p->l, p->wr < p->rd);
	/* Input just ended: from now on --linger bounds the wait. */
	if (p->l.timer.repeat != pipe_patience(p))
		pipe_progress(p);
}

static void
pipe_report(struct pipe_state *p)
{
	if (p->tty) {
		term_stream_end(&p->ts, stdout);
		fflush(stdout);
	}
	if (p->echo != NULL) {
		size_t n = p->cmp < p->msglen ? (size_t)p->cmp : p->msglen;

		if (p->o->hex)
			term_write_hex(stdout, p->echo, n, 0);
		else {
			term_write_escaped(stdout, p->echo, n);
			fputc('\n', stdout);
		}
		fflush(stdout);
	}
	if (p->o->verbose)
		fprintf(stderr, "echoctl: %s: sent %llu bytes, echoed %llu "
		    "bytes%s\n", p->l.peer, (unsigned long long)p->wr,
		    (unsigned long long)(p->cmp + p->extra),
		    p->l.status == EX_OK ? ", all verified" : "");
}

static const struct client_loop_ops pipe_ops = {
	.data = pipe_data, .input = pipe_input, .timer = pipe_timer,
	.update = pipe_update,
};

int
client_tcp_pipe_run(struct client_opts *o, int fd, const struct addr *peer)
{
	struct pipe_state p = { .o = o, .msg = o->message,
	    .tty = isatty(STDOUT_FILENO) };
	int status = EXITCODE_LOSS;

	p.win = malloc(PIPE_WINDOW);
	if (p.msg != NULL) {
		p.msglen = strlen(p.msg);
		p.echo = malloc(p.msglen + 1);
	}
	if (p.win == NULL || (p.msg != NULL && !p.echo) ||
	    client_loop_init(&p.l, o, fd, peer, &pipe_ops, &p) == -1) {
		fprintf(stderr, "echoctl: out of memory\n");
		goto out;
	}
	pipe_progress(&p);
	pipe_update(&p);
	status = client_loop_run(&p.l);
	pipe_report(&p);
out:
	free(p.win);
	free(p.echo);
	return status;
}
