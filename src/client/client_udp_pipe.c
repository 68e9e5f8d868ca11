/*
 * client_udp_pipe: UDP pipe and one-shot (-m) modes.  Each input line, with its
 * "\n", is one datagram (a line longer than the largest datagram is split);
 * -m MESSAGE is one datagram as given.  Echoes go to stdout as they arrive,
 * so stdout equals stdin when nothing is lost.  Each echo is matched against
 * the datagrams still outstanding (oldest first; a later match counts as
 * reordered); a datagram without an echo within -t (--linger once stdin has
 * ended) is lost.  At most DGRAM_SLOTS datagrams are outstanding: when the
 * window is full stdin is not read, which bounds memory.  When stdout is a
 * terminal each echo is escaped (term.c), its line break kept.
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
#include "client/client_udp_pipe.h"
#include "common/clock.h"
#include "client/term.h"

/* Each small datagram costs about 1 KiB of socket buffer in the kernel
 * (skb overhead), and the default buffer is ~208 KiB: 64 in flight cannot
 * overflow the server's or our own receive buffer, so a loss we report is
 * a loss the network or the server caused, not our own burst. */
#define DGRAM_SLOTS	64
#define DGRAM_MAX	65536

struct dgram_slot {
	unsigned char *data;
	size_t len;
	double sent;
	int matched;
};

struct dgram_state {
	struct client_loop l;
	struct client_opts *o;
	size_t maxlen;			/* largest datagram for the family */
	struct dgram_slot slot[DGRAM_SLOTS];
	unsigned head, tail;		/* outstanding: [head, tail) */
	unsigned char line[DGRAM_MAX];	/* the datagram being assembled */
	size_t linelen;
	int in_eof;
	int tty;			/* stdout is a terminal: escape */
	uint64_t sent, echoed, lost, reordered, unexpected;
};


static int
dgram_queue(struct dgram_state *d, const void *b, size_t n)
{
	struct dgram_slot *s = &d->slot[d->tail % DGRAM_SLOTS];

	s->data = malloc(n ? n : 1);
	if (s->data == NULL)
		return -1;
	memcpy(s->data, b, n);
	s->len = n;
	s->sent = 0;
	s->matched = 0;
	d->tail++;
	return 0;
}

/* Cut complete lines (or full-size pieces) out of d->line into the queue. */
static void
dgram_cut(struct dgram_state *d)
{
	while (d->tail - d->head < DGRAM_SLOTS && d->linelen > 0) {
		unsigned char *nl = memchr(d->line, '\n', d->linelen);
		size_t n = nl != NULL ? (size_t)(nl - d->line) + 1 : d->linelen;

		if (nl == NULL && n < d->maxlen && !d->in_eof)
			return;
		if (n > d->maxlen)
			n = d->maxlen;
		if (dgram_queue(d, d->line, n) == -1) {
			client_loop_finish(&d->l, EXITCODE_LOSS, "out of memory");
			return;
		}
		memmove(d->line, d->line + n, d->linelen - n);
		d->linelen -= n;
	}
}

static void
dgram_input(void *arg)
{
	struct dgram_state *d = arg;
	ssize_t n = read(STDIN_FILENO, d->line + d->linelen,
	    d->maxlen - d->linelen);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1) {
		fprintf(stderr, "echoctl: stdin: %s\n", strerror(errno));
		client_loop_finish(&d->l, EXITCODE_LOSS, NULL);
		return;
	}
	if (n == 0)
		d->in_eof = 1;
	d->linelen += (size_t)n;
	dgram_cut(d);
}

/* ICMP port unreachable arrives as ECONNREFUSED on a connected socket. */
static void
dgram_error(struct dgram_state *d, const char *op, int err)
{
	char why[160];

	if (err == ECONNREFUSED) {
		snprintf(why, sizeof(why), "%s: connection refused (ICMP port "
		    "unreachable: nothing listens there)", op);
		client_loop_finish(&d->l, d->echoed ? EXITCODE_LOSS : EXITCODE_CONNECT,
		    why);
		return;
	}
	snprintf(why, sizeof(why), "%s: %s", op, strerror(err));
	client_loop_finish(&d->l, EXITCODE_LOSS, why);
}

static void
dgram_send(struct dgram_state *d)
{
	unsigned i;

	for (i = d->head; i != d->tail; i++) {
		struct dgram_slot *s = &d->slot[i % DGRAM_SLOTS];

		if (s->sent != 0 || s->matched)
			continue;
		if (send(d->l.fd, s->data, s->len, 0) == -1) {
			if (errno != EAGAIN && errno != EINTR && errno != ENOBUFS)
				dgram_error(d, "send", errno);
			return;
		}
		s->sent = clock_mono();
		d->sent++;
	}
}

/* Drop matched and expired datagrams from the head of the window. */
static void
dgram_expire(struct dgram_state *d)
{
	double limit = d->in_eof ? d->o->linger : d->o->timeout;
	double now = clock_mono();

	while (d->head != d->tail) {
		struct dgram_slot *s = &d->slot[d->head % DGRAM_SLOTS];

		if (!s->matched && (s->sent == 0 || now - s->sent < limit))
			break;
		if (!s->matched) {
			d->lost++;
			if (d->o->verbose)
				fprintf(stderr, "echoctl: %s: no echo for "
				    "datagram %llu (%zu bytes)\n", d->l.peer,
				    (unsigned long long)d->head, s->len);
		}
		free(s->data);
		s->data = NULL;
		d->head++;
	}
}

static void
dgram_match(struct dgram_state *d, const unsigned char *b, size_t n)
{
	unsigned i;

	for (i = d->head; i != d->tail; i++) {
		struct dgram_slot *s = &d->slot[i % DGRAM_SLOTS];

		if (s->sent != 0 && !s->matched && s->len == n &&
		    memcmp(s->data, b, n) == 0) {
			s->matched = 1;
			d->echoed++;
			if (i != d->head)
				d->reordered++;
			return;
		}
	}
	d->unexpected++;
	fprintf(stderr, "echoctl: %s: echo of %zu bytes matches no datagram "
	    "sent (corrupt, truncated or duplicate)\n", d->l.peer, n);
}

/* One echo (n == 0: an empty datagram). */
static void
dgram_data(void *arg, const unsigned char *b, size_t n)
{
	struct dgram_state *d = arg;

	if (d->o->message != NULL) {
		if (d->o->hex)
			term_write_hex(stdout, b, n, 0);
		else {
			term_write_escaped(stdout, b, n);
			fputc('\n', stdout);
		}
		fflush(stdout);
	} else if (d->tty) {
		struct term_stream ts = { .nheld = 0 };

		term_stream_write(&ts, stdout, b, n);
		term_stream_end(&ts, stdout);
		fflush(stdout);
	} else if (fwrite(b, 1, n, stdout) != n || fflush(stdout) == EOF) {
		client_loop_finish(&d->l, EXITCODE_LOSS,
		    "cannot write to stdout");
		return;
	}
	dgram_match(d, b, n);
}

static void
dgram_recv_error(void *arg, int err)
{
	dgram_error(arg, "receive", err);
}

/* After each event, and every 50 ms (expiry: cheap, and simpler than a
 * timer each). */
static void
dgram_update(void *arg)
{
	struct dgram_state *d = arg;
	int unsent;

	dgram_expire(d);
	dgram_cut(d);	/* lines waiting for a free slot */
	dgram_send(d);
	if (d->l.done)
		return;
	if (d->in_eof && d->linelen == 0 && d->head == d->tail) {
		client_loop_finish(&d->l, d->lost || d->unexpected ? EXITCODE_LOSS :
		    EX_OK, d->lost || d->unexpected ? "some datagrams "
		    "were not echoed intact" : NULL);
		return;
	}
	unsent = d->tail != d->head &&
	    d->slot[(d->tail - 1) % DGRAM_SLOTS].sent == 0;
	client_loop_want_input(&d->l, !d->in_eof && d->o->message == NULL &&
	    d->tail - d->head < DGRAM_SLOTS && d->linelen < d->maxlen);
	client_loop_want_write(&d->l, unsent);
	client_loop_timer(&d->l, 0.05);
}

static void
dgram_report(struct dgram_state *d)
{
	while (d->head != d->tail)
		free(d->slot[d->head++ % DGRAM_SLOTS].data);
	if (d->o->verbose)
		fprintf(stderr, "echoctl: %s: sent %llu datagrams, echoed %llu, "
		    "lost %llu, reordered %llu, unexpected %llu\n", d->l.peer,
		    (unsigned long long)d->sent, (unsigned long long)d->echoed,
		    (unsigned long long)d->lost,
		    (unsigned long long)d->reordered,
		    (unsigned long long)d->unexpected);
}

static const struct client_loop_ops dgram_ops = {
	.data = dgram_data, .error = dgram_recv_error, .input = dgram_input,
	.update = dgram_update,
};

int
client_udp_pipe_run(struct client_opts *o, int fd, const struct addr *peer)
{
	struct dgram_state *d = calloc(1, sizeof(*d));
	int status;

	if (d == NULL || client_loop_init(&d->l, o, fd, peer, &dgram_ops, d) ==
	    -1) {
		fprintf(stderr, "echoctl: out of memory\n");
		free(d);
		return EXITCODE_LOSS;
	}
	d->o = o;
	d->tty = isatty(STDOUT_FILENO);
	d->maxlen = peer->u.sa.sa_family == AF_INET6 ? 65527 : 65507;
	if (o->message != NULL) {
		d->in_eof = 1;
		if (strlen(o->message) > d->maxlen ||
		    dgram_queue(d, o->message, strlen(o->message)) == -1) {
			fprintf(stderr, "echoctl: -m: message longer than the "
			    "largest datagram (%zu bytes)\n", d->maxlen);
			client_loop_finish(&d->l, EXITCODE_LOSS, NULL);
		}
	}
	if (!d->l.done)
		dgram_update(d);
	status = client_loop_run(&d->l);
	dgram_report(d);
	free(d);
	return status;
}
