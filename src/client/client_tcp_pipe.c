/*
 * client_tcp_pipe: TCP pipe and one-shot (-m) modes.  Input (stdin or the -m
 * message) goes to the server, the echo to stdout, and every echoed byte is
 * compared with what was sent.  The bytes sent but not yet echoed live in
 * one fixed window (a ring): when it is full echoctl stops reading its input,
 * so memory stays bounded and a slow server slows the sender (backpressure).
 *
 * End of input: FIN (unless --no-shutdown), then read until the server
 * closes or --linger passes without progress.  Exit 0 only when everything
 * sent came back byte-exact and nothing more.
 */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_opts.h"
#include "client/term.h"

#define PIPE_WINDOW	(1u << 20)	/* bytes in flight; a power of two */
#define PIPE_CHUNK	65536

struct pipe_state {
	struct ev_loop *loop;
	struct client_opts *o;
	int fd;
	char peer[ADDR_STRLEN + 8];
	ev_io in_r, sock_r, sock_w;
	ev_timer timer;
	ev_signal sigint, sigterm;
	unsigned char *win;	/* ring of sent-not-yet-echoed bytes */
	uint64_t rd;		/* input bytes taken into the window */
	uint64_t wr;		/* ... of those written to the socket */
	uint64_t cmp;		/* ... of those echoed and compared */
	uint64_t extra;		/* echoed bytes beyond what was sent */
	const char *msg;	/* -m: input from memory */
	size_t msglen;
	unsigned char *echo;	/* -m: the echo, printed at the end */
	int in_eof, fin_sent, peer_eof, mismatch, done;
	uint64_t mismatch_at;
	int status;
};

static void pipe_update(struct pipe_state *p);

static void
pipe_finish(struct pipe_state *p, int status, const char *why)
{
	if (p->done)
		return;
	p->done = 1;
	p->status = status;
	if (why != NULL)
		fprintf(stderr, "echoctl: %s: %s\n", p->peer, why);
	ev_break(p->loop, EVBREAK_ALL);
}

/* Write all of it to stdout, even if stdout is non-blocking. */
static int
pipe_write_all(int fd, const unsigned char *b, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w == -1 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			(void)poll(&pfd, 1, -1);
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
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
				pipe_finish(p, EXITCODE_LOSS, NULL);
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
		w = send(p->fd, p->win + off, n, MSG_NOSIGNAL);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (w == -1) {
			fprintf(stderr, "echoctl: %s: send: %s\n", p->peer,
			    strerror(errno));
			pipe_finish(p, EXITCODE_LOSS, NULL);
			return;
		}
		p->wr += (uint64_t)w;
		ev_timer_again(p->loop, &p->timer);
	}
	if (p->in_eof && !p->fin_sent && !p->o->no_shutdown &&
	    p->msg == NULL) {
		/* Half-close: the server sees EOF after our last byte. */
		shutdown(p->fd, SHUT_WR);
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

static void
pipe_sock_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct pipe_state *p = w->data;
	unsigned char buf[PIPE_CHUNK];
	ssize_t n = recv(p->fd, buf, sizeof(buf), 0);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		fprintf(stderr, "echoctl: %s: receive: %s\n", p->peer,
		    strerror(errno));
		pipe_finish(p, EXITCODE_LOSS, NULL);
		return;
	}
	if (n == 0) {
		p->peer_eof = 1;
		pipe_update(p);
		return;
	}
	if (p->echo != NULL) {
		size_t have = (size_t)p->cmp;

		if (have < p->msglen)
			memcpy(p->echo + have, buf, (size_t)n > p->msglen - have ?
			    p->msglen - have : (size_t)n);
	} else if (pipe_write_all(STDOUT_FILENO, buf, (size_t)n) == -1) {
		fprintf(stderr, "echoctl: stdout: %s\n", strerror(errno));
		pipe_finish(p, EXITCODE_LOSS, NULL);
		return;
	}
	pipe_compare(p, buf, (size_t)n);
	ev_timer_again(loop, &p->timer);
	pipe_update(p);
}

static void
pipe_in_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct pipe_state *p = w->data;

	pipe_fill(p);
	ev_timer_again(loop, &p->timer);
	pipe_update(p);
}

static void
pipe_sock_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	pipe_update(w->data);
}

static void
pipe_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pipe_state *p = w->data;
	char why[160];

	if (!p->in_eof && p->cmp == p->wr)
		return;	/* only waiting for our own input: not the server's fault */
	snprintf(why, sizeof(why), "timed out waiting for the echo: %llu of "
	    "%llu bytes came back", (unsigned long long)p->cmp,
	    (unsigned long long)p->rd);
	if (p->in_eof && p->cmp == p->rd && !p->mismatch && !p->extra) {
		/* All echoed; the server merely kept the connection open. */
		pipe_finish(p, EX_OK, NULL);
		return;
	}
	pipe_finish(p, EXITCODE_LOSS, why);
}

static void
pipe_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	pipe_finish(w->data, EXITCODE_LOSS, "interrupted");
}

/* Decide what to wait for next, or finish. */
static void
pipe_update(struct pipe_state *p)
{
	char why[192];
	int all = p->in_eof && p->cmp == p->rd;

	if (p->done)
		return;
	if (p->mismatch || p->extra) {
		if (p->extra)
			snprintf(why, sizeof(why), "the server sent %llu bytes "
			    "more than were sent", (unsigned long long)p->extra);
		else
			snprintf(why, sizeof(why), "echo differs from what was "
			    "sent at byte offset %llu",
			    (unsigned long long)p->mismatch_at);
		pipe_finish(p, EXITCODE_LOSS, why);
		return;
	}
	if (p->peer_eof) {
		snprintf(why, sizeof(why), "the server closed the connection "
		    "after echoing %llu of %llu bytes",
		    (unsigned long long)p->cmp, (unsigned long long)p->rd);
		pipe_finish(p, all ? EX_OK : EXITCODE_LOSS,
		    all ? NULL : why);
		return;
	}
	if (all && (p->msg != NULL || p->o->no_shutdown)) {
		pipe_finish(p, EX_OK, NULL);
		return;
	}
	if (p->msg != NULL)
		pipe_fill(p);
	pipe_send(p);
	if (p->done)
		return;
	if (!p->in_eof && p->msg == NULL && p->rd - p->cmp < PIPE_WINDOW)
		ev_io_start(p->loop, &p->in_r);
	else
		ev_io_stop(p->loop, &p->in_r);
	if (p->wr < p->rd)
		ev_io_start(p->loop, &p->sock_w);
	else
		ev_io_stop(p->loop, &p->sock_w);
	if (p->timer.repeat != (p->in_eof ? p->o->linger : p->o->timeout)) {
		/* Input just ended: from now on --linger bounds the wait. */
		p->timer.repeat = p->in_eof ? p->o->linger : p->o->timeout;
		ev_timer_again(p->loop, &p->timer);
	}
}

static void
pipe_report(struct pipe_state *p)
{
	if (p->echo != NULL && p->status != EXITCODE_CONNECT) {
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
		    "bytes%s\n", p->peer, (unsigned long long)p->wr,
		    (unsigned long long)(p->cmp + p->extra),
		    p->status == EX_OK ? ", all verified" : "");
}

static void
pipe_watchers(struct pipe_state *p)
{
	ev_io_init(&p->in_r, pipe_in_cb, STDIN_FILENO, EV_READ);
	ev_io_init(&p->sock_r, pipe_sock_read_cb, p->fd, EV_READ);
	ev_io_init(&p->sock_w, pipe_sock_write_cb, p->fd, EV_WRITE);
	ev_init(&p->timer, pipe_timer_cb);
	p->timer.repeat = p->o->timeout;
	ev_signal_init(&p->sigint, pipe_signal_cb, SIGINT);
	ev_signal_init(&p->sigterm, pipe_signal_cb, SIGTERM);
	p->in_r.data = p->sock_r.data = p->sock_w.data = p;
	p->timer.data = p->sigint.data = p->sigterm.data = p;
	ev_io_start(p->loop, &p->sock_r);
	ev_timer_again(p->loop, &p->timer);
	ev_signal_start(p->loop, &p->sigint);
	ev_signal_start(p->loop, &p->sigterm);
}

int
client_tcp_pipe_run(struct client_opts *o, int fd, const struct addr *peer)
{
	struct pipe_state p;

	memset(&p, 0, sizeof(p));
	p.o = o;
	p.fd = fd;
	p.status = EXITCODE_LOSS;
	client_net_describe(o, peer, p.peer, sizeof(p.peer));
	p.loop = ev_default_loop(EVBACKEND_POLL);
	p.win = malloc(PIPE_WINDOW);
	if (o->message != NULL) {
		p.msg = o->message;
		p.msglen = strlen(o->message);
		p.echo = malloc(p.msglen + 1);
	}
	if (p.loop == NULL || p.win == NULL || (p.msg != NULL && !p.echo)) {
		fprintf(stderr, "echoctl: out of memory\n");
		goto out;
	}
	pipe_watchers(&p);
	pipe_update(&p);
	if (!p.done)
		ev_run(p.loop, 0);
	pipe_report(&p);
out:
	free(p.win);
	free(p.echo);
	return p.status;
}
