/*
 * client_interactive: the terminal session (stdin is a tty).  A prompt; each
 * line typed is sent (TCP: with "\n", or "\r\n" with --crlf, like nc; UDP:
 * one datagram holding the line without a terminator, like the seed client);
 * each echo is printed as "< text", control characters escaped and text in
 * the terminal's character set shown as such (term.c), or with --hex as a
 * hex dump whose offsets count the whole stream.  A TCP echo is shown a line
 * at a time however the server cuts it; a line without its newline is shown
 * when IA_PARTIAL_S pass without more (or IA_LINEMAX bytes wait).  "q" or
 * Ctrl-D quits (exit 0); a server close or reset ends the session with exit
 * 1; ICMP errors on UDP are reported and the session goes on, as in the
 * seed's client.
 *
 * Line editing and history come from libedit's readline-compatible callback
 * interface, driven by an ev_io on stdin, so the loop never blocks in the
 * editor: an echo arriving while the user types clears the edit line, prints,
 * and redraws the prompt with the partial input.  History lives in
 * $XDG_STATE_HOME/echoctl/history (default ~/.local/state/echoctl/history).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_LIBEDIT
#include <editline/readline.h>
#endif

#include "client/client_interactive.h"
#include "client/client_loop.h"
#include "client/client_net.h"
#include "client/term.h"

#define IA_OUTMAX	(1u << 20)	/* typed bytes the server has not taken */
#define IA_LINEMAX	4096		/* an echoed line waiting for its end */
#define IA_PARTIAL_S	0.5		/* ... shown anyway after this long */

struct ia_state {
	struct client_loop l;
	struct client_opts *o;
	char prompt[ADDR_STRLEN + 16];
	unsigned char *out;		/* TCP bytes waiting for the socket */
	size_t outlen;
	unsigned char echo[IA_LINEMAX];	/* TCP: an echoed line so far */
	size_t echolen;
	uint64_t hex_off;		/* TCP --hex: bytes shown so far */
	char history[PATH_MAX];
#ifndef HAVE_LIBEDIT
	char line[4096];		/* plain line reading without libedit */
	size_t linelen;
#endif
};

#ifdef HAVE_LIBEDIT
/*
 * The readline callback API passes no user pointer to the line handler, so
 * the one running session is reachable through this pointer.  It is set for
 * exactly the lifetime of client_interactive_run() and is echoctl's only
 * file-scope state.
 */
static struct ia_state *ia_session;
#endif

/* Print above the edit line without garbling it. */
static void
ia_begin_output(void)
{
	fflush(stdout);
	fputs("\r\033[K", stdout);
}

static void
ia_end_output(struct ia_state *s)
{
	fflush(stdout);
#ifdef HAVE_LIBEDIT
	if (!s->l.done)
		rl_forced_update_display();
#else
	if (!s->l.done)
		fputs(s->prompt, stdout);
	fflush(stdout);
#endif
}

static void
ia_note(struct ia_state *s, const char *msg)
{
	ia_begin_output();
	fprintf(stdout, "%s: %s\n", s->l.peer, msg);
	ia_end_output(s);
}

/* "< text" (between ia_begin_output and ia_end_output). */
static void
ia_show(const unsigned char *b, size_t n)
{
	fputs("< ", stdout);
	term_write_escaped(stdout, b, n);
	fputc('\n', stdout);
}

/* The echoed line waiting for its newline, shown as it is. */
static void
ia_show_partial(struct ia_state *s)
{
	if (s->echolen == 0)
		return;
	ia_begin_output();
	ia_show(s->echo, s->echolen);
	s->echolen = 0;
	ia_end_output(s);
	client_loop_timer(&s->l, 0);
}

/* TCP bytes: each complete line shown, terminator not; the rest waits. */
static void
ia_take_lines(struct ia_state *s, const unsigned char *b, size_t n)
{
	int shown = 0;

	while (n > 0) {
		const unsigned char *nl = memchr(b, '\n', n);
		size_t k = nl != NULL ? (size_t)(nl - b) : n;
		size_t room = sizeof(s->echo) - s->echolen;
		int ended;

		if (k > room)
			k = room;
		memcpy(s->echo + s->echolen, b, k);
		s->echolen += k;
		b += k;
		n -= k;
		ended = n > 0 && *b == '\n';
		if (ended) {
			b++;
			n--;
		} else if (s->echolen < sizeof(s->echo)) {
			break;		/* the line goes on in a later read */
		}
		if (!shown++)
			ia_begin_output();
		if (ended && s->o->crlf && s->echolen > 0 &&
		    s->echo[s->echolen - 1] == '\r')
			s->echolen--;
		ia_show(s->echo, s->echolen);
		s->echolen = 0;
	}
	if (shown)
		ia_end_output(s);
	client_loop_timer(&s->l, s->echolen > 0 ? IA_PARTIAL_S : 0);
}

/* One echo: a TCP read or a datagram. */
static void
ia_print_echo(struct ia_state *s, const unsigned char *b, size_t n)
{
	if (s->o->proto == CLIENT_TCP && !s->o->hex) {
		ia_take_lines(s, b, n);
		return;
	}
	ia_begin_output();
	if (s->o->hex) {
		/* A datagram is a message of its own: offsets from 0. */
		term_write_hex(stdout, b, n, s->hex_off);
		if (s->o->proto == CLIENT_TCP)
			s->hex_off += n;
	} else {
		ia_show(b, n);
	}
	ia_end_output(s);
}

/* IA_PARTIAL_S without the rest of a line. */
static void
ia_timer(void *arg)
{
	ia_show_partial(arg);
}

static void
ia_flush(void *arg)
{
	struct ia_state *s = arg;

	while (s->outlen > 0) {
		ssize_t w = send(s->l.fd, s->out, s->outlen, MSG_NOSIGNAL);

		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (w == -1) {
			char msg[128];

			snprintf(msg, sizeof(msg), "send: %s", strerror(errno));
			ia_note(s, msg);
			client_loop_finish(&s->l, EXITCODE_LOSS, NULL);
			return;
		}
		memmove(s->out, s->out + w, s->outlen - (size_t)w);
		s->outlen -= (size_t)w;
	}
	client_loop_want_write(&s->l, s->outlen > 0);
}

static void
ia_send_line(struct ia_state *s, const char *line)
{
	size_t n = strlen(line);
	const char *eol = s->o->crlf ? "\r\n" : "\n";

	if (s->o->proto == CLIENT_UDP) {
		if (send(s->l.fd, line, n, 0) == -1) {
			char msg[160];

			snprintf(msg, sizeof(msg), "send: %s", errno ==
			    ECONNREFUSED ? "connection refused (ICMP port "
			    "unreachable)" : strerror(errno));
			ia_note(s, msg);
		}
		return;
	}
	if (s->outlen + n + 2 > IA_OUTMAX) {
		ia_note(s, "the server is not reading; line not sent");
		return;
	}
	memcpy(s->out + s->outlen, line, n);
	memcpy(s->out + s->outlen + n, eol, strlen(eol));
	s->outlen += n + strlen(eol);
	ia_flush(s);
}

/* A complete input line; NULL is end of input (Ctrl-D). */
static void
ia_line(struct ia_state *s, char *line)
{
	if (line == NULL || strcmp(line, "q") == 0) {
		if (line == NULL)
			fputc('\n', stdout);
		client_loop_finish(&s->l, EX_OK, NULL);
		return;
	}
#ifdef HAVE_LIBEDIT
	if (*line != '\0')
		add_history(line);
#endif
	ia_send_line(s, line);
}

#ifdef HAVE_LIBEDIT
static void
ia_rl_handler(char *line)
{
	struct ia_state *s = ia_session;

	ia_line(s, line);
	free(line);
	/* libedit leaves unbuffered (callback) mode before calling us; without
	 * a new install the next keystroke would block the loop in el_gets(). */
	if (!s->l.done)
		rl_callback_handler_install(s->prompt, ia_rl_handler);
}

static void
ia_input(void *arg)
{
	rl_callback_read_char();
}
#else
static void
ia_input(void *arg)
{
	struct ia_state *s = arg;
	ssize_t n = read(STDIN_FILENO, s->line + s->linelen,
	    sizeof(s->line) - 1 - s->linelen);
	char *nl;

	if (n <= 0) {
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		ia_line(s, NULL);
		return;
	}
	s->linelen += (size_t)n;
	s->line[s->linelen] = '\0';
	while (!s->l.done && (nl = strchr(s->line, '\n')) != NULL) {
		*nl = '\0';
		ia_line(s, s->line);
		s->linelen -= (size_t)(nl + 1 - s->line);
		memmove(s->line, nl + 1, s->linelen + 1);
		fputs(s->prompt, stdout);
		fflush(stdout);
	}
	if (s->linelen == sizeof(s->line) - 1) {
		ia_line(s, s->line);
		s->linelen = 0;
	}
}
#endif

/* The session is over: say why (no prompt after it). */
static void
ia_end(struct ia_state *s, const char *why)
{
	ia_show_partial(s);	/* what came before the end */
	client_loop_finish(&s->l, EXITCODE_LOSS, NULL);
	ia_note(s, why);
}

/* n == 0: over TCP the server closed; over UDP an empty echo. */
static void
ia_data(void *arg, const unsigned char *b, size_t n)
{
	struct ia_state *s = arg;

	if (n == 0 && s->o->proto == CLIENT_TCP) {
		ia_end(s, "the server closed the connection");
		return;
	}
	ia_print_echo(s, b, n);
}

static void
ia_recv_error(void *arg, int err)
{
	struct ia_state *s = arg;
	char msg[160];

	if (s->o->proto == CLIENT_TCP) {
		ia_end(s, strerror(err));
		return;
	}
	/* Like the seed's error_received(): report, keep going. */
	snprintf(msg, sizeof(msg), "error received: %s", err == ECONNREFUSED ?
	    "connection refused (ICMP port unreachable: nothing listens there)"
	    : strerror(err));
	ia_note(s, msg);
}

static void
ia_signal(void *arg, int signum)
{
	struct ia_state *s = arg;

	fputc('\n', stdout);
	client_loop_finish(&s->l, EX_OK, NULL);
}

#ifdef HAVE_LIBEDIT
/* $XDG_STATE_HOME/echoctl/history, creating the directories; "" if there is
 * no usable place (then there is no history file, only in-memory history). */
static void
ia_history_path(struct ia_state *s)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[PATH_MAX - 32];	/* room for "/echoctl/history" */
	int n;

	if (state != NULL && state[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s", state);
	else if (home != NULL && home[0] == '/') {
		n = snprintf(dir, sizeof(dir), "%s/.local", home);
		if (n > 0 && (size_t)n < sizeof(dir))
			(void)mkdir(dir, 0700);
		n = snprintf(dir, sizeof(dir), "%s/.local/state", home);
	} else
		return;
	if (n < 0 || (size_t)n >= sizeof(dir))
		return;
	(void)mkdir(dir, 0700);
	snprintf(s->history, sizeof(s->history), "%s/echoctl", dir);
	if (mkdir(s->history, 0700) == -1 && errno != EEXIST) {
		s->history[0] = '\0';
		return;
	}
	snprintf(s->history, sizeof(s->history), "%s/echoctl/history", dir);
}
#endif

static void
ia_start(struct ia_state *s)
{
	client_loop_want_input(&s->l, 1);
	printf("connected to %s; type lines to send, \"q\" or Ctrl-D to "
	    "quit\n", s->l.peer);
	fflush(stdout);
#ifdef HAVE_LIBEDIT
	ia_history_path(s);
	stifle_history(1000);
	if (s->history[0] != '\0')
		(void)read_history(s->history);
	/* A tab is data here, not a file name completion. */
	rl_bind_key('\t', rl_insert);
	rl_callback_handler_install(s->prompt, ia_rl_handler);
#else
	fputs(s->prompt, stdout);
	fflush(stdout);
#endif
}

static void
ia_stop(struct ia_state *s)
{
#ifdef HAVE_LIBEDIT
	rl_callback_handler_remove();
	if (s->history[0] != '\0' && write_history(s->history) != 0)
		fprintf(stderr, "echoctl: cannot save history to %s\n",
		    s->history);
#endif
	fflush(stdout);
}

static const struct client_loop_ops ia_ops = {
	.data = ia_data, .error = ia_recv_error, .write = ia_flush,
	.input = ia_input, .timer = ia_timer,
	.signal = ia_signal,
};

int
client_interactive_run(struct client_opts *o, int fd, const struct addr *peer)
{
	struct ia_state s = { .o = o };
	int status;

	s.out = malloc(IA_OUTMAX);
	if (s.out == NULL ||
	    client_loop_init(&s.l, o, fd, peer, &ia_ops, &s) == -1) {
		fprintf(stderr, "echoctl: out of memory\n");
		free(s.out);
		return EXITCODE_LOSS;
	}
	snprintf(s.prompt, sizeof(s.prompt), "%s> ", s.l.peer);
#ifdef HAVE_LIBEDIT
	ia_session = &s;
#endif
	ia_start(&s);
	status = client_loop_run(&s.l);
	ia_stop(&s);
#ifdef HAVE_LIBEDIT
	ia_session = NULL;
#endif
	free(s.out);
	return status;
}
