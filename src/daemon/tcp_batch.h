/*
 * tcp_batch: the TCP echoes of one loop iteration, read and written with
 * one io_uring submission each (iobatch.h) instead of a recv and a send
 * per connection.
 */
#ifndef ECHOD_TCP_BATCH_H
#define ECHOD_TCP_BATCH_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

struct worker;
struct conn;

/* Set up w->iob and the batch (want: the io_uring setting).  -1 with err
 * filled when batching is off or unavailable: the worker then makes one
 * system call per read and write. */
int tcp_batch_init(struct worker *w, bool want, char *err, size_t errlen);
void tcp_batch_free(struct worker *w);
/* Queue a readable connection (conn_batchable); runs the batch first if
 * it is full. */
void tcp_batch_add(struct worker *w, struct conn *c);
/* A queued connection is being closed. */
void tcp_batch_forget(struct worker *w, struct conn *c);
/* The worker loop's invoke-pending hook: libev's callbacks, then the
 * batch they queued. */
void tcp_batch_invoke_pending(struct ev_loop *loop);

#endif
