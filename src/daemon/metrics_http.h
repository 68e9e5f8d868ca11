/*
 * metrics_http: GET /metrics for a Prometheus scraper (metrics_listen), the
 * only libmicrohttpd user.
 *
 * libmicrohttpd serves HTTP on a thread of its own, so a scraper (or an
 * attacker on the metrics port) never costs a worker anything.  That thread
 * touches none of echod's state: for each request it asks the main loop
 * (ev_async) to render the text and waits for it, at most
 * METRICS_HTTP_RENDER_WAIT seconds (then 503), so the snapshot is taken
 * where every other status snapshot is.  Bounded by libmicrohttpd's
 * options: METRICS_HTTP_CONNS connections (METRICS_HTTP_PER_IP from one
 * address; further ones wait in the listen backlog), METRICS_HTTP_MEMORY
 * bytes of request per connection (longer
 * request lines or headers get 431/414), METRICS_HTTP_TIMEOUT seconds of
 * inactivity.  Only GET and HEAD of /metrics are served (405, 404
 * otherwise); a request body is refused (413).
 */
#ifndef ECHOD_METRICS_HTTP_H
#define ECHOD_METRICS_HTTP_H

#include <ev.h>
#include <stddef.h>

#include "common/addr.h"

#define METRICS_HTTP_CONNS 16
#define METRICS_HTTP_PER_IP 8
#define METRICS_HTTP_MEMORY (16 * 1024)
#define METRICS_HTTP_TIMEOUT 10
#define METRICS_HTTP_RENDER_WAIT 5
#define METRICS_HTTP_NOFD_RETRY 0.5	/* accept paused after EMFILE */

struct metrics_http;

/* Main thread: the exposition text, malloc'd (*len bytes), or NULL. */
typedef char *metrics_http_render_fn(void *ctx, size_t *len);

/* Bind `a` and start serving; the render callback runs on `loop` (the main
 * loop).  NULL with err set (the address and errno) on failure. */
struct metrics_http *metrics_http_start(struct ev_loop *loop,
    const struct addr *a, metrics_http_render_fn *render, void *ctx,
    char *err, size_t errlen);
/* Stop the thread, close the socket, free; NULL is a no-op.  Main thread. */
void metrics_http_stop(struct metrics_http *h);

#endif
