/*
 * daemon_metrics: metrics_listen for the running daemon: the HTTP server's
 * life across start, reload and stop (a changed address is bound before
 * the reload commits, so a bad one fails the reload and the old server
 * keeps serving), and the exposition text rendered from a status snapshot
 * on the main loop for it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "daemon/metrics_http.h"

#define METRICS_TEXT_MAX (16u << 20)	/* far above any configuration */

struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void
text_line(void *ctx, const char *line)
{
	struct text *t = ctx;
	size_t n = strlen(line);

	if (t->failed)
		return;
	if (t->len + n + 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16384;
		char *p;

		while (cap < t->len + n + 2)
			cap *= 2;
		if (cap > METRICS_TEXT_MAX || (p = realloc(t->buf, cap)) == NULL) {
			t->failed = true;
			return;
		}
		t->buf = p;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, line, n);
	t->len += n;
	t->buf[t->len++] = '\n';
	t->buf[t->len] = '\0';
}

char *
daemon_metrics_text(struct echod *d, size_t *len)
{
	struct daemon_status st;
	struct text t = { NULL, 0, 0, false };

	if (daemon_status_snapshot(d, &st) < 0)
		return NULL;
	metrics_format(&st, text_line, &t);
	daemon_status_free(&st);
	if (t.failed) {
		free(t.buf);
		return NULL;
	}
	*len = t.len;
	return t.buf;
}

static char *
render(void *ctx, size_t *len)
{
	return daemon_metrics_text(ctx, len);
}

/* The address being served now ("" when none). */
static const char *
serving(const struct echod *d)
{
	return d->metrics != NULL ? d->metrics_listen : "";
}

int
daemon_metrics_prepare(struct echod *d, const struct conf *c, char *err,
    size_t errlen)
{
	struct addr a;

	d->metrics_next = NULL;
	d->metrics_change = strcmp(serving(d), c->metrics_listen) != 0;
	if (!d->metrics_change || c->metrics_listen[0] == '\0')
		return 0;
	if (addr_parse_hostport(c->metrics_listen, true, &a, err, errlen) < 0)
		return -1;
	d->metrics_next = metrics_http_start(d->loop, &a, render, d, err, errlen);
	return d->metrics_next != NULL ? 0 : -1;
}

void
daemon_metrics_commit(struct echod *d, const struct conf *c)
{
	if (!d->metrics_change)
		return;
	metrics_http_stop(d->metrics);
	d->metrics = d->metrics_next;
	d->metrics_next = NULL;
	d->metrics_change = false;
	snprintf(d->metrics_listen, sizeof(d->metrics_listen), "%s",
	    c->metrics_listen);
	if (d->metrics != NULL)
		log_notice(&d->log, "metrics: http://%s/metrics", d->metrics_listen);
	else
		log_notice(&d->log, "metrics: no longer served over HTTP");
}

void
daemon_metrics_abort(struct echod *d)
{
	metrics_http_stop(d->metrics_next);
	d->metrics_next = NULL;
	d->metrics_change = false;
}

void
daemon_metrics_stop(struct echod *d)
{
	daemon_metrics_abort(d);
	metrics_http_stop(d->metrics);
	d->metrics = NULL;
}
