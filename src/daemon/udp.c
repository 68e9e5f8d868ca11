/*
 * udp: batched datagram echo.  See udp.h.
 *
 * Life of a datagram: recvmmsg() into one of UDP_BATCH slots of the
 * worker's batch (each slot can hold the largest UDP payload); MSG_TRUNC
 * means it was larger than max_datagram: dropped, counted.  Otherwise a
 * reply pointing at the same bytes is queued, with an IP(V6)_PKTINFO
 * carrying the address it was sent to when the socket is a wildcard; the
 * queue goes out with sendmmsg(), runs of equal replies to one peer as one
 * UDP GSO train each (udp_reply.c), from the address the request was sent
 * to when the socket is bound to a wildcard (and no interface: the routes
 * pick the way out); a reply the kernel will not take now is
 * dropped and counted, never retried (UDP has no backpressure).
 *
 * A stamp listener takes the same path, guard and limits included; once a
 * datagram passed them, stamp_reflect.c turns it into its STAMP answer in
 * place (same length), and the batch's transmit time is written into the
 * answers just before sendmmsg.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/listener.h"
#include "daemon/protect.h"
#include "daemon/stamp_reflect.h"
#include "daemon/udp.h"
#include "daemon/udp_reply.h"
#include "daemon/worker.h"

#define UDP_BATCH UDP_REPLY_MAX
#define UDP_BATCHES_PER_CB 4	/* then let other watchers run */
#define UDP_SLOT 65536		/* > the largest UDP payload (65527) */

#define UDP_CMSG_SPACE (UDP_GUARD_CMSG_SPACE > STAMP_REFLECT_CMSG_SPACE ? \
	UDP_GUARD_CMSG_SPACE : STAMP_REFLECT_CMSG_SPACE)

union cmsgbuf {
	/* both pktinfos (a dual-stack socket gets both) or STAMP's, and
	 * the socket's drop count (SO_RXQ_OVFL) */
	char buf[UDP_CMSG_SPACE + CMSG_SPACE(sizeof(uint32_t))];
	struct cmsghdr align;
};

/* A listener's datagram state (wl->state): this worker's source table
 * and, on a stamp listener, its reflector (and the counts it reported). */
struct udp_wl {
	struct ratelimit *rl;
	struct stamp_reflector *stamp;
	struct stamp_reflect_counts counted;
	uint32_t *rcvbuf_seen;		/* the socket's (listener.h) */
};

struct udp_batch {
	struct mmsghdr in[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	union cmsgbuf cin[UDP_BATCH];
	struct udp_replies replies;
	unsigned char *data;
};

/* The worker's UDP state (w->state[CONF_UDP]): the batch. */
static int
udp_worker_init(struct worker *w, char *err, size_t errlen)
{
	struct udp_batch *b = calloc(1, sizeof(*b));

	if (b == NULL || (b->data = malloc((size_t)UDP_BATCH * UDP_SLOT)) ==
	    NULL) {
		free(b);
		snprintf(err, errlen, "out of memory for the UDP batch");
		return -1;
	}
	udp_replies_init(&b->replies);
	w->state[CONF_UDP] = b;
	return 0;
}

static void
udp_worker_fini(struct worker *w)
{
	struct udp_batch *b = w->state[CONF_UDP];

	if (b == NULL)
		return;
	free(b->data);
	free(b);
	w->state[CONF_UDP] = NULL;
}

static void
udp_wl_fini(struct wlistener *wl)
{
	struct udp_wl *u = wl->state;

	if (u == NULL)
		return;
	ratelimit_free(u->rl);
	stamp_reflector_free(u->stamp);
	free(u);
	wl->state = NULL;
}

static int
udp_wl_init(struct wlistener *wl, char *err, size_t errlen)
{
	const struct stamp_lconf *sc = &wl->l->conf.stamp;
	const struct stamp_reflect_conf rc = {
		.stateful = sc->mode == CONF_STAMP_STATEFUL,
		.format = sc->timestamp == CONF_STAMP_PTP ? STAMP_TS_PTP :
		    STAMP_TS_NTP,
		.sessions = sc->sessions,
		.session_idle = sc->session_timeout,
	};
	struct udp_wl *u = calloc(1, sizeof(*u));
	char why[256] = "";

	if ((wl->state = u) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* NULL: the limits are off, or no memory (then unlimited, said in
	 * the log: the guard and ACL still apply). */
	u->rl = protect_udp_limiter(wl->l->prot, wl->w->env->nworkers,
	    why, sizeof(why));
	if (u->rl == NULL && why[0] != '\0')
		log_err(wl->w->log, "%s: no UDP rate limits: %s",
		    wl->l->conf.name, why);
	u->rcvbuf_seen = listener_rcvbuf_seen(wl->l, wl->w->index);
	if (wl->l->conf.proto == CONF_STAMP &&
	    (u->stamp = stamp_reflector_new(&rc, err, errlen)) == NULL) {
		udp_wl_fini(wl);
		return -1;
	}
	return 0;
}

/* The address a datagram was sent to (pktinfo, else the bound one): the
 * other half of a STAMP session's 5-tuple. */
static const struct sockaddr *
udp_dst(const struct wlistener *wl, const struct msghdr *h,
    struct sockaddr_storage *ss)
{
	uint16_t port = htons(wl->l->conf.port);
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(h); cm != NULL;
	    cm = CMSG_NXTHDR((struct msghdr *)h, cm)) {
		struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		struct in_pktinfo pi;
		struct in6_pktinfo pi6;

		memset(ss, 0, sizeof(*ss));
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			in4->sin_family = AF_INET;
			in4->sin_port = port;
			in4->sin_addr = pi.ipi_addr;
			return (struct sockaddr *)ss;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
			in6->sin6_family = AF_INET6;
			in6->sin6_port = port;
			in6->sin6_addr = pi6.ipi6_addr;
			return (struct sockaddr *)ss;
		}
	}
	return &wl->l->conf.bind.u.sa;
}

/* A STAMP listener: T3 into the answers, the session counts into the
 * listener's counters. */
static void
udp_stamp_send(struct wlistener *wl, struct udp_batch *b)
{
	struct udp_wl *u = wl->state;
	unsigned char *bufs[UDP_BATCH];
	struct stamp_reflect_counts now;
	int n = b->replies.nreply;

	for (int i = 0; i < n; i++)
		bufs[i] = b->replies.data[i].iov_base;
	stamp_reflect_transmit(u->stamp, bufs, (size_t)n);
	stamp_reflect_counts(u->stamp, &now);
	stat_add(wl->st, ST_STAMP_SESSIONS, now.sessions - u->counted.sessions);
	stat_add(wl->st, ST_STAMP_EVICTIONS,
	    now.evictions - u->counted.evictions);
	u->counted = now;
}

/* The socket's drop count as this datagram carries it; false if absent
 * (the kernel only adds it once the count is not 0). */
static bool
rcvbuf_count(const struct msghdr *h, uint32_t *count)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm != NULL;
	    cm = CMSG_NXTHDR((struct msghdr *)h, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SO_RXQ_OVFL &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(*count))) {
			memcpy(count, CMSG_DATA(cm), sizeof(*count));
			return true;
		}
	}
	return false;
}

/* Count what the socket's drop count rose by since anyone counted.  The
 * count only grows (modulo 2^32); workers sharing one inherited socket
 * race on its slot, so the slot only moves forward and each drop is
 * counted once, by whoever moved it. */
static void
rcvbuf_account(struct wlistener *wl, uint32_t count)
{
	struct udp_wl *u = wl->state;
	uint32_t seen;
	uint64_t suppressed;

	if (u->rcvbuf_seen == NULL)
		return;
	seen = __atomic_load_n(u->rcvbuf_seen, __ATOMIC_RELAXED);
	do {
		if ((int32_t)(count - seen) <= 0)
			return;
	} while (!__atomic_compare_exchange_n(u->rcvbuf_seen, &seen, count,
	    false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	stat_add(wl->st, ST_DROP_RCVBUF, count - seen);
	if (log_ratelimit_ok(&wl->w->peer_rl, wl->w->now, &suppressed)) {
		char n[16];
		struct log_field f[4] = {
			{ "listener", wl->l->conf.name },
			{ "protocol", conf_proto_name(wl->l->conf.proto) },
			{ "drop_reason", stat_drop_reason(ST_DROP_RCVBUF) },
			{ "count", n },
		};

		snprintf(n, sizeof(n), "%" PRIu32, count - seen);
		log_event(wl->w->log, LOG_LVL_WARNING, LOG_EV_DGRAM_DROP, f, 4,
		    "%s: the kernel dropped %" PRIu32 " datagrams on a full "
		    "receive buffer (%llu similar messages suppressed)",
		    wl->l->conf.name, count - seen,
		    (unsigned long long)suppressed);
	}
}

static void
batch_prepare(struct udp_batch *b, size_t maxlen)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		struct msghdr *h = &b->in[i].msg_hdr;

		b->iov[i].iov_base = b->data + (size_t)i * UDP_SLOT;
		b->iov[i].iov_len = maxlen;
		h->msg_name = &b->from[i];
		h->msg_namelen = sizeof(b->from[i]);
		h->msg_iov = &b->iov[i];
		h->msg_iovlen = 1;
		h->msg_control = b->cin[i].buf;
		h->msg_controllen = sizeof(b->cin[i].buf);
		h->msg_flags = 0;
	}
}

/* Send the queued replies; drop and count what the kernel refuses. */
static void
batch_send(struct worker *w, struct wlistener *wl, struct udp_batch *b)
{
	struct udp_reply_result res;

	udp_replies_send(&b->replies, wl->io.fd, &res);
	stat_add(wl->st, ST_DGRAMS_OUT, res.sent);
	stat_add(wl->st, ST_DGRAM_BYTES_OUT, res.bytes);
	if (res.would_block != 0)
		stat_add(wl->st, ST_DROP_WOULD_BLOCK, res.would_block);
	if (res.send_error != 0)
		stat_add(wl->st, ST_DROP_SEND_ERROR, res.send_error);
	if (res.gso_refused != 0)
		log_notice(w->log, "worker %u: %s: UDP GSO refused (%s); replies "
		    "go one datagram per send from now on", w->index,
		    wl->l->conf.name, strerror(res.gso_refused));
}

/* One recvmmsg() worth; returns the number received, or -1 when the socket
 * has nothing more.  `pktinfo`: reply from the address the datagram was
 * sent to; `cmsg`: the guard or STAMP reads the control messages. */
static int
udp_echo_batch(struct worker *w, struct wlistener *wl, bool pktinfo,
    bool cmsg)
{
	struct udp_batch *b = w->state[CONF_UDP];	/* stamp's too */
	struct udp_wl *u = wl->state;
	struct sockaddr_storage dst;
	uint64_t bytes = 0, toobig = 0;
	double now = w->now;
	uint32_t drops = 0, count;
	bool have_drops = false;
	enum stat_id why;
	int n;

	batch_prepare(b, wl->l->conf.max_datagram < UDP_SLOT ?
	    wl->l->conf.max_datagram : UDP_SLOT);
	/* MSG_TRUNC: msg_len is the datagram's real length, also when it is
	 * larger than the buffer (then msg_flags says MSG_TRUNC), so
	 * dgram_bytes_in counts what the peers sent. */
	n = recvmmsg(wl->io.fd, b->in, UDP_BATCH, MSG_DONTWAIT | MSG_TRUNC,
	    NULL);
	if (n <= 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &b->in[i].msg_hdr;

		if (rcvbuf_count(h, &count) &&
		    (!have_drops || (int32_t)(count - drops) > 0)) {
			drops = count;
			have_drops = true;
		}
		bytes += b->in[i].msg_len;
		if (h->msg_flags & MSG_TRUNC) {
			toobig++;
			worker_log_drop(wl, h->msg_name, ST_DROP_TOO_BIG,
			    LOG_EV_DGRAM_DROP, "dropped a datagram");
			continue;
		}
		why = protect_udp(wl->l->prot, u->rl, h->msg_name,
		    cmsg ? h : NULL, b->in[i].msg_len, now);
		if (why == ST_COUNT && u->stamp != NULL)
			why = stamp_reflect_answer(u->stamp, h,
			    b->iov[i].iov_base, b->in[i].msg_len,
			    udp_dst(wl, h, &dst), now);
		if (why != ST_COUNT) {
			stat_add(wl->st, why, 1);
			worker_log_drop(wl, h->msg_name, why, LOG_EV_DGRAM_DROP,
			    "dropped a datagram");
			continue;
		}
		udp_replies_add(&b->replies, h, b->iov[i].iov_base,
		    b->in[i].msg_len, pktinfo);
	}
	if (have_drops)
		rcvbuf_account(wl, drops);
	stat_add(wl->st, ST_DGRAMS_IN, (uint64_t)n);
	stat_add(wl->st, ST_DGRAM_BYTES_IN, bytes);
	if (toobig != 0)
		stat_add(wl->st, ST_DROP_TOO_BIG, toobig);
	if (b->replies.nreply > 0 && u->stamp != NULL)
		udp_stamp_send(wl, b);
	if (b->replies.nreply > 0)
		batch_send(w, wl, b);
	return n;
}

static void
udp_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct wlistener *wl = (struct wlistener *)io;
	struct worker *w = wl->w;
	bool pktinfo = wl->l->reply_pktinfo;
	/* STAMP answers need each datagram's timestamp and TTL. */
	bool cmsg = pktinfo || protect_udp_wants_dst(wl->l->prot) ||
	    wl->l->conf.proto == CONF_STAMP;

	for (int i = 0; i < UDP_BATCHES_PER_CB; i++)
		if (udp_echo_batch(w, wl, pktinfo, cmsg) < UDP_BATCH)
			break;
}

const struct worker_proto udp_proto = {
	.readable_cb = udp_read_cb,
	.worker_init = udp_worker_init,
	.worker_fini = udp_worker_fini,
	.listener_init = udp_wl_init,
	.listener_fini = udp_wl_fini,
};

/* STAMP listeners share UDP's path and its per-worker batch. */
const struct worker_proto stamp_proto = {
	.readable_cb = udp_read_cb,
	.listener_init = udp_wl_init,
	.listener_fini = udp_wl_fini,
};
