/*
 * tcp: TCP echo connections.  A connection reads into the worker's scratch
 * buffer and writes the echo back at once; only what the peer does not take
 * goes into a buffer of its own (bounded by buffer_size), and while that
 * buffer is full the connection stops reading, so TCP flow control pushes
 * back on the peer.  An idle connection holds no buffer.
 */
#ifndef ECHOD_TCP_H
#define ECHOD_TCP_H

#include <ev.h>

struct worker;
struct idleq;

/* ev_io callback of a TCP listening socket (a struct wlistener). */
void tcp_accept_cb(struct ev_loop *loop, ev_io *io, int revents);
/* ev_timer callback of an idle queue. */
void tcp_idle_cb(struct ev_loop *loop, ev_timer *t, int revents);
/* Drain: stop reading, flush what is pending, send FIN, wait for the
 * peer's FIN (until the daemon's deadline). */
void tcp_drain_all(struct worker *w);
/* Close every connection now. */
void tcp_close_all(struct worker *w);
/* ev_timer callback (every TCP_SWEEP_SEC): close connections past
 * max_lifetime or stalled past stall_timeout. */
#define TCP_SWEEP_SEC 0.5
void tcp_sweep_cb(struct ev_loop *loop, ev_timer *t, int revents);
/* After a reload: close connections the new access lists deny. */
void tcp_recheck_access(struct worker *w);

#endif
