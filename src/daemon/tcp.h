/*
 * tcp: TCP echo connections.  A connection reads into the worker's scratch
 * buffer and writes the echo back at once; only what the peer does not take
 * goes into a buffer of its own (bounded by buffer_size), and while that
 * buffer is full the connection stops reading, so TCP flow control pushes
 * back on the peer.  An idle connection holds no buffer.
 *
 * The workers run TCP listeners through tcp_proto (worker.h); everything
 * else is private to tcp*.c (tcp_conn.h).
 */
#ifndef ECHOD_TCP_H
#define ECHOD_TCP_H

#include <stdint.h>

struct worker;

/* Open connections of every TCP listener and every worker, against
 * max_connections_total (0 = unlimited).  Atomics: the daemon sets max at
 * each reload and reads open for status; the workers count. */
struct tcp_totals {
	uint32_t open;
	uint32_t max;
};

extern const struct worker_proto tcp_proto;

/* NULL when the worker batches its TCP reads and writes through io_uring,
 * else why it makes one system call each. */
const char *tcp_batch_off_reason(const struct worker *w);
/* NULL when the worker echoes bulk connections by splice(2), else why
 * not. */
const char *tcp_splice_off_reason(const struct worker *w);

#endif
