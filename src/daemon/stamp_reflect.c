/*
 * stamp_reflect: the STAMP reflector of one listener in one worker
 * (contract in stamp_reflect.h): control messages in, answers out.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "daemon/stamp_reflect.h"
#include "daemon/stamp_session.h"

#define STAMP_SYNC_REFRESH	1.0	/* seconds between adjtimex reads */

struct stamp_reflector {
	struct stamp_reflect_conf c;
	struct stamp_session *sessions;	/* stateful only */
	uint16_t err;			/* our Error Estimate, cached */
	int tai_offset;
	double sync_at;			/* monotonic time of the last read */
	bool sync_read;
};

struct stamp_reflector *
stamp_reflector_new(const struct stamp_reflect_conf *c, char *err,
    size_t errlen)
{
	struct stamp_reflector *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		snprintf(err, errlen, "out of memory for a STAMP reflector");
		return NULL;
	}
	r->c = *c;
	if (c->stateful && (r->sessions = stamp_session_new(c->sessions,
	    c->session_idle)) == NULL) {
		snprintf(err, errlen, "cannot make a STAMP session table of %u "
		    "slots (%u-%u, and memory)", c->sessions,
		    STAMP_SESSION_PROBE, STAMP_SESSION_MAX);
		free(r);
		return NULL;
	}
	return r;
}

void
stamp_reflector_free(struct stamp_reflector *r)
{
	if (r == NULL)
		return;
	stamp_session_free(r->sessions);
	free(r);
}

int
stamp_reflect_sockopts(int fd, int family)
{
	int on = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) == -1)
		return -1;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_RECVHOPLIMIT, &on, sizeof(on)) == -1)
		return -1;
	/* On a dual-stack socket this covers the IPv4 datagrams. */
	if (setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on)) == -1 &&
	    family == AF_INET)
		return -1;
	return 0;
}

/* The Error Estimate and TAI offset, read again once a second. */
static void
reflect_sync(struct stamp_reflector *r, double now)
{
	struct clock_sync cs;

	if (r->sync_read && now - r->sync_at < STAMP_SYNC_REFRESH)
		return;
	clock_wall_sync(&cs);
	r->err = stamp_err_encode(cs.synced, r->c.format, cs.error);
	r->tai_offset = cs.tai_offset;
	r->sync_at = now;
	r->sync_read = true;
}

static uint64_t
reflect_ts(const struct stamp_reflector *r, struct timespec t)
{
	if (r->c.format == STAMP_TS_PTP)
		t.tv_sec += r->tai_offset;
	return stamp_ts_from_timespec(&t, r->c.format);
}

/* T2 and the TTL from the datagram's control messages. */
static void
reflect_cmsgs(const struct msghdr *h, struct timespec *t2, uint8_t *ttl)
{
	struct cmsghdr *cm;
	bool have_t2 = false;
	int v;

	*ttl = 0;
	for (cm = CMSG_FIRSTHDR(h); cm != NULL;
	    cm = CMSG_NXTHDR((struct msghdr *)h, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(t2, CMSG_DATA(cm), sizeof(*t2));
			have_t2 = true;
		} else if ((cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_TTL) || (cm->cmsg_level ==
		    IPPROTO_IPV6 && cm->cmsg_type == IPV6_HOPLIMIT)) {
			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			*ttl = (uint8_t)v;
		}
	}
	if (!have_t2)
		clock_wall(t2);
}

enum stat_id
stamp_reflect_answer(struct stamp_reflector *r, const struct msghdr *h,
    unsigned char *buf, size_t len, const struct sockaddr *dst, double now)
{
	struct stamp_reflect f = { 0 };
	struct stamp_test t;
	struct timespec t2;

	if (stamp_test_parse(buf, len, &t) == -1)
		return ST_DROP_STAMP_SHORT;
	reflect_sync(r, now);
	reflect_cmsgs(h, &t2, &f.ttl);
	f.rx_ts = reflect_ts(r, t2);
	f.tx_ts = f.rx_ts;	/* until stamp_reflect_transmit */
	f.err = r->err;
	f.seq = r->sessions == NULL ? t.seq :
	    stamp_session_next(r->sessions, h->msg_name, dst, now);
	(void)stamp_reflect_build(buf, buf, len, &f);
	return ST_COUNT;
}

void
stamp_reflect_transmit(struct stamp_reflector *r, unsigned char **bufs,
    size_t n)
{
	struct timespec t3;
	uint64_t ts;

	clock_wall(&t3);
	ts = reflect_ts(r, t3);
	for (size_t i = 0; i < n; i++)
		stamp_reflect_set_tx(bufs[i], ts);
}

void
stamp_reflect_counts(const struct stamp_reflector *r,
    struct stamp_reflect_counts *out)
{
	struct stamp_session_stats s = { 0 };

	if (r->sessions != NULL)
		stamp_session_stats(r->sessions, &s);
	out->sessions = s.started;
	out->evictions = s.evictions;
}
