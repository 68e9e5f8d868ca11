/*
 * ctl_commands: the control requests answered (see ctl_commands.h).  Every
 * reply is built into a buffer that grows with it (proto_out), so its size
 * follows the daemon's state with no ceiling; only a failed allocation
 * becomes "ERR 500".
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/ctl_commands.h"
#include "daemon/ctl_reply.h"
#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "common/proto.h"
#include "common/version.h"

/* Fills a reply's body from a snapshot. */
typedef void reply_fill_fn(struct proto_out *o, const struct daemon_status *st,
    const struct proto_request *req);

/* OK and the body `fill` writes from a fresh snapshot; NULL if the
 * snapshot or the memory for the reply could not be had. */
static char *
reply_snapshot(struct echod *d, const struct proto_request *req,
    reply_fill_fn *fill, size_t *len)
{
	struct daemon_status st;
	struct proto_out o;

	if (daemon_status_snapshot(d, &st) < 0)
		return NULL;
	proto_out_init(&o);
	proto_out_ok(&o);
	fill(&o, &st, req);
	proto_out_end(&o);
	daemon_status_free(&st);
	return proto_out_take(&o, len);
}

static void
fill_status(struct proto_out *o, const struct daemon_status *st,
    const struct proto_request *req)
{
	if (req->json)
		ctl_reply_json(o, st, req->verb == PROTO_STATUS);
	else
		ctl_reply_kv(o, st, req->verb == PROTO_STATUS);
}

static void
metrics_line(void *ctx, const char *line)
{
	proto_out_line(ctx, line);
}

/* The Prometheus text as body lines (no line of it is empty, so none ends
 * the reply early). */
static void
fill_metrics(struct proto_out *o, const struct daemon_status *st,
    const struct proto_request *req)
{
	metrics_format(st, metrics_line, o);
}

/* A diagnostic longer than a line goes over several "diag=" lines of at
 * most this many bytes: every one is returned in full. */
#define CTLREPLY_DIAG_CHUNK (PROTO_LINE_MAX - 16)

/* Every diagnostic in "diag=" lines, the first also as the summary. */
static void
reload_failed(struct proto_out *o, const struct diags *why)
{
	char first[PROTO_LINE_MAX];

	snprintf(first, sizeof(first), "reload failed: %s",
	    why->n > 0 ? why->msgs[0] : "unknown error");
	proto_out_err(o, PROTO_ERR_RELOAD, first);
	for (size_t i = 0; i < why->n; i++) {
		const char *m = why->msgs[i];
		size_t len = strlen(m), off = 0;

		do {
			size_t k = len - off < CTLREPLY_DIAG_CHUNK ? len - off :
			    CTLREPLY_DIAG_CHUNK;

			proto_out_kv(o, "diag", "%.*s", (int)k, m + off);
			off += k;
		} while (off < len);
	}
}

static char *
reply_reload(struct echod *d, size_t *len)
{
	char status[PROTO_LINE_MAX];
	struct diags why;
	struct proto_out o;
	int rc;

	diags_init(&why);
	proto_out_init(&o);
	/* daemon_reload() itself sends RELOADING=1 and READY=1 around the
	 * reload, with STATUS= saying why when it failed. */
	rc = daemon_reload(d, &why);
	if (rc == -2) {
		proto_out_err(&o, PROTO_ERR_BUSY, why.n > 0 ? why.msgs[0] :
		    "cannot reload now");
	} else if (rc == 0) {
		daemon_status_line(d, status, sizeof(status));
		proto_out_ok(&o);
		proto_out_kv(&o, "reloads", "%" PRIu64, d->reloads);
		proto_out_kv(&o, "status", "%s", status);
		if (daemon_reload_pending(d))
			proto_out_kv(&o, "warning", "a worker did not take the "
			    "new listener set in time: the removed listeners' "
			    "sockets stay open until it does");
	} else {
		reload_failed(&o, &why);
	}
	proto_out_end(&o);
	diags_free(&why);
	return proto_out_take(&o, len);
}

static char *
reply_ping(size_t *len)
{
	struct proto_out o;

	proto_out_init(&o);
	proto_out_ok(&o);
	proto_out_kv(&o, "version", "%s", version_string());
	proto_out_kv(&o, "pid", "%ld", (long)getpid());
	proto_out_end(&o);
	return proto_out_take(&o, len);
}

int
ctl_commands_answer(void *echod, const struct proto_request *req,
    char **out, size_t *len)
{
	struct echod *d = echod;
	char *buf = NULL;
	struct proto_out o;

	switch (req->verb) {
	case PROTO_PING:
		buf = reply_ping(len);
		break;
	case PROTO_STATUS:
	case PROTO_STATS:
		buf = reply_snapshot(d, req, fill_status, len);
		break;
	case PROTO_RELOAD:
		buf = reply_reload(d, len);
		break;
	case PROTO_METRICS:
		buf = reply_snapshot(d, req, fill_metrics, len);
		break;
	case PROTO_VERB_COUNT:
		break;
	}
	if (buf == NULL) {
		proto_out_init(&o);
		proto_out_err(&o, PROTO_ERR_INTERNAL,
		    "out of memory for the reply or its snapshot");
		proto_out_end(&o);
		if ((buf = proto_out_take(&o, len)) == NULL)
			return -1;
	}
	*out = buf;
	return 0;
}
