/*
 * tcp_splice: the echo of a connection that moves bulk, by splice(2)
 * through the worker's one pipe (socket -> pipe -> the same socket), so
 * the bytes are moved as pages and never copied into echod and back.
 * bench/splice_cost measured the server's CPU per MB at 0.4-0.9x the
 * recv+send echo for reads of 16 KiB and more.
 *
 * The pipe is empty between two calls: what the peer does not take at
 * once goes from the pipe into the connection's buffer, as the plain
 * path's leftovers do, so backpressure, the stall timeout, a drain and a
 * hand-over see the state they always see and no pipe stays with a
 * connection (or grows with the number of connections).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/tcp_conn.h"

static void
pipe_close(struct tcp_worker *tw)
{
	for (int i = 0; i < 2; i++) {
		if (tw->pipe[i] >= 0)
			close(tw->pipe[i]);
		tw->pipe[i] = -1;
	}
}

/* Back to the plain path for good (this worker), said once. */
static void
splice_off(struct worker *w, const char *why, int err)
{
	struct tcp_worker *tw = tcp_worker_of(w);

	log_warn(w->log, "worker %u: splice %s (%s); bulk TCP echoes go "
	    "through recv and send from now on", w->index, why, strerror(err));
	tw->bulk_echo = NULL;
	pipe_close(tw);
}

/* Take the n bytes the pipe holds into scratch (n <= scratch_size). */
static int
pipe_empty_into(struct tcp_worker *tw, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(tw->pipe[0], tw->scratch + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			errno = r == 0 ? EIO : errno;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* Errors of the splice itself, not of the peer: the kernel cannot splice
 * this socket (or at all), or a seccomp filter refuses the call (a unit's
 * SystemCallFilter without @system-service's splice fails it with EPERM);
 * anything else is the peer's, as from recv. */
static bool
splice_unsupported(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP ||
	    err == EPERM || err == EACCES;
}

/* 0 with *why set when it echoed; -1 when this read is recv's (the
 * caller then reads as it would without splice): splicing just turned
 * out not to work here, or the splice moved nothing.  A splice stops at
 * the urgent mark (tcp_read_sock): with the mark next it moves nothing,
 * EAGAIN though the socket polls readable (seen: a worker spinning at
 * 100% on one urgent byte) or 0 once the peer's FIN is in, with the
 * bytes after the mark unread.  recv reads through the mark (in line:
 * SO_OOBINLINE, see listener.c) and tells a real end from it. */
static int
splice_echo(struct worker *w, struct conn *c, enum close_reason *why)
{
	struct tcp_worker *tw = tcp_worker_of(w);
	ssize_t n, m;
	size_t left;
	int err;

	n = splice(c->io.fd, NULL, tw->pipe[1], NULL,
	    conn_direct_max(c, tw->pipe_size),
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	err = errno;
	if (n < 0 && splice_unsupported(err)) {
		splice_off(w, "from a socket failed", err);
		return -1;
	}
	if (n == 0 || (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)))
		return -1;
	*why = conn_direct_got(w, c, n, err);
	if (*why != CLOSE_NONE || n <= 0)
		return 0;
	m = splice(tw->pipe[0], NULL, c->io.fd, NULL, (size_t)n,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	err = errno;
	left = (size_t)n - (m > 0 ? (size_t)m : 0);
	if (m > 0)
		stat_add(conn_stats(w, c), ST_BYTES_OUT, (uint64_t)m);
	if (left == 0)
		return 0;
	if (pipe_empty_into(tw, left) < 0) {
		/* Cannot happen with a pipe only we use; if it does, the
		 * bytes are lost: the connection ends as on a failed send
		 * (never as a transient one, which would keep scratch). */
		err = errno == EAGAIN || errno == EWOULDBLOCK ? EIO : errno;
		splice_off(w, "left bytes in its pipe", err);
		*why = conn_direct_sent(w, c, tw->scratch, left, -1, err);
		return 0;
	}
	if (m < 0 && splice_unsupported(err)) {
		splice_off(w, "to a socket failed", err);
		m = send(c->io.fd, tw->scratch, left, MSG_NOSIGNAL);
		err = errno;
	} else if (m >= 0) {
		m = 0;		/* counted above: left is what remains */
	}
	/* The rest waits in the connection's buffer, or the peer's error
	 * closes it, exactly as after a short send. */
	*why = conn_direct_sent(w, c, tw->scratch, left, m, err);
	return 0;
}

int
tcp_splice_init(struct tcp_worker *tw, bool want, char *err, size_t errlen)
{
	int sz;

	tw->pipe[0] = tw->pipe[1] = -1;
	tw->bulk_echo = NULL;
	if (!want) {
		snprintf(err, errlen, "splice = false");
		return -1;
	}
	if (pipe2(tw->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(err, errlen, "no pipe: %s", strerror(errno));
		tw->pipe[0] = tw->pipe[1] = -1;
		return -1;
	}
	/* As much as one read into scratch takes; a system that caps pipes
	 * lower (fs.pipe-max-size) leaves the default, 16 pages. */
	(void)fcntl(tw->pipe[1], F_SETPIPE_SZ, (int)tw->scratch_size);
	if ((sz = fcntl(tw->pipe[1], F_GETPIPE_SZ)) <= 0) {
		snprintf(err, errlen, "pipe size: %s", strerror(errno));
		pipe_close(tw);
		return -1;
	}
	/* Leftovers are taken through scratch: never more than it holds. */
	tw->pipe_size = (size_t)sz < tw->scratch_size ? (size_t)sz :
	    tw->scratch_size;
	tw->bulk_echo = splice_echo;
	return 0;
}

void
tcp_splice_free(struct tcp_worker *tw)
{
	pipe_close(tw);
	tw->bulk_echo = NULL;
}
