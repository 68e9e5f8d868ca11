/*
 * udp: batched datagram echo.  See udp.h.
 *
 * Life of a datagram: recvmmsg() into one of UDP_BATCH slots of the
 * worker's batch (each slot can hold the largest UDP payload); MSG_TRUNC
 * means it was larger than max_datagram: dropped, counted.  Otherwise a
 * reply pointing at the same bytes is queued, with an IP(V6)_PKTINFO
 * carrying the address it was sent to when the socket is a wildcard; the
 * queue goes out with sendmmsg(); a reply the kernel will not take now is
 * dropped and counted, never retried (UDP has no backpressure).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/listener.h"
#include "daemon/protect.h"
#include "daemon/udp.h"
#include "daemon/worker.h"

#define UDP_BATCH 32
#define UDP_BATCHES_PER_CB 4	/* then let other watchers run */
#define UDP_SLOT 65536		/* > the largest UDP payload (65527) */

union cmsgbuf {
	char buf[UDP_GUARD_CMSG_SPACE];	/* a dual-stack socket gets both */
	struct cmsghdr align;
};

struct udp_batch {
	struct mmsghdr in[UDP_BATCH];
	struct mmsghdr out[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct iovec oiov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	union cmsgbuf cin[UDP_BATCH];
	union cmsgbuf cout[UDP_BATCH];
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

/* A listener's UDP state (wl->state): this worker's source table. */
static int
udp_wl_init(struct wlistener *wl, char *err, size_t errlen)
{
	char why[256] = "";

	/* NULL: the limits are off, or no memory (then unlimited, said in
	 * the log: the guard and ACL still apply). */
	wl->state = protect_udp_limiter(wl->l->prot, wl->w->env->nworkers,
	    why, sizeof(why));
	if (wl->state == NULL && why[0] != '\0')
		log_err(wl->w->log, "%s: no UDP rate limits: %s",
		    wl->l->conf.name, why);
	return 0;
}

static void
udp_wl_fini(struct wlistener *wl)
{
	ratelimit_free(wl->state);
	wl->state = NULL;
}

/* Turn the received destination (pktinfo) into the reply's source. */
static socklen_t
reply_pktinfo(const struct msghdr *in, union cmsgbuf *out)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(in); cm != NULL;
	    cm = CMSG_NXTHDR((struct msghdr *)in, cm)) {
		struct cmsghdr *o = &out->align;

		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi, reply;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memset(&reply, 0, sizeof(reply));
			reply.ipi_spec_dst = pi.ipi_addr;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(reply));
			memcpy(CMSG_DATA(o), &reply, sizeof(reply));
			return CMSG_SPACE(sizeof(reply));
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
			memcpy(CMSG_DATA(o), CMSG_DATA(cm),
			    sizeof(struct in6_pktinfo));
			return CMSG_SPACE(sizeof(struct in6_pktinfo));
		}
	}
	return 0;
}

static void
batch_prepare(struct udp_batch *b, size_t maxlen, bool pktinfo)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		struct msghdr *h = &b->in[i].msg_hdr;

		b->iov[i].iov_base = b->data + (size_t)i * UDP_SLOT;
		b->iov[i].iov_len = maxlen;
		h->msg_name = &b->from[i];
		h->msg_namelen = sizeof(b->from[i]);
		h->msg_iov = &b->iov[i];
		h->msg_iovlen = 1;
		h->msg_control = pktinfo ? b->cin[i].buf : NULL;
		h->msg_controllen = pktinfo ? sizeof(b->cin[i].buf) : 0;
		h->msg_flags = 0;
	}
}

/* Send replies [0, n); drop what the kernel refuses. */
static void
batch_send(struct worker *w, struct wlistener *wl, struct udp_batch *b, int n)
{
	uint64_t sent = 0, bytes = 0;
	int k = 0;

	while (k < n) {
		int r = sendmmsg(wl->io.fd, &b->out[k], (unsigned)(n - k),
		    MSG_DONTWAIT);

		if (r > 0) {
			for (int i = k; i < k + r; i++)
				bytes += b->oiov[i].iov_len;
			sent += (uint64_t)r;
			k += r;
			continue;
		}
		if (errno == EINTR)
			continue;
		stat_add(wl->st, errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS ? ST_DROP_WOULD_BLOCK : ST_DROP_SEND_ERROR, 1);
		k++;
	}
	stat_add(wl->st, ST_DGRAMS_OUT, sent);
	stat_add(wl->st, ST_DGRAM_BYTES_OUT, bytes);
}

/* One recvmmsg() worth; returns the number received, or -1 when the socket
 * has nothing more.  `pktinfo`: reply from the address the datagram was
 * sent to; `cmsg`: receive destinations (for that, or for the guard). */
static int
udp_echo_batch(struct worker *w, struct wlistener *wl, bool pktinfo,
    bool cmsg)
{
	struct udp_batch *b = w->state[CONF_UDP];
	uint64_t bytes = 0, toobig = 0;
	double now = w->now;
	enum stat_id why;
	int n, nout = 0;

	batch_prepare(b, wl->l->conf.max_datagram < UDP_SLOT ?
	    wl->l->conf.max_datagram : UDP_SLOT, cmsg);
	n = recvmmsg(wl->io.fd, b->in, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &b->in[i].msg_hdr;
		struct msghdr *o = &b->out[nout].msg_hdr;

		bytes += b->in[i].msg_len;
		if (h->msg_flags & MSG_TRUNC) {
			toobig++;
			worker_log_drop(wl, h->msg_name, ST_DROP_TOO_BIG,
			    LOG_EV_DGRAM_DROP, "dropped a datagram");
			continue;
		}
		why = protect_udp(wl->l->prot, wl->state, h->msg_name,
		    cmsg ? h : NULL, b->in[i].msg_len, now);
		if (why != ST_COUNT) {
			stat_add(wl->st, why, 1);
			worker_log_drop(wl, h->msg_name, why, LOG_EV_DGRAM_DROP,
			    "dropped a datagram");
			continue;
		}
		b->oiov[nout].iov_base = b->iov[i].iov_base;
		b->oiov[nout].iov_len = b->in[i].msg_len;
		o->msg_name = h->msg_name;
		o->msg_namelen = h->msg_namelen;
		o->msg_iov = &b->oiov[nout];
		o->msg_iovlen = 1;
		o->msg_control = NULL;
		o->msg_controllen = 0;
		o->msg_flags = 0;
		if (pktinfo) {
			o->msg_controllen = reply_pktinfo(h, &b->cout[nout]);
			o->msg_control = o->msg_controllen ?
			    b->cout[nout].buf : NULL;
		}
		nout++;
	}
	stat_add(wl->st, ST_DGRAMS_IN, (uint64_t)n);
	stat_add(wl->st, ST_DGRAM_BYTES_IN, bytes);
	if (toobig != 0)
		stat_add(wl->st, ST_DROP_TOO_BIG, toobig);
	if (nout > 0)
		batch_send(w, wl, b, nout);
	return n;
}

static void
udp_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct wlistener *wl = (struct wlistener *)io;
	struct worker *w = wl->w;
	bool pktinfo = addr_is_wildcard(&wl->l->conf.bind.u.sa);
	bool cmsg = pktinfo || protect_udp_wants_dst(wl->l->prot);

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
