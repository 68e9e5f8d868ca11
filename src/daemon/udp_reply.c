/*
 * udp_reply: a batch's replies grouped into sends (see udp_reply.h).
 *
 * A reply joins the latest send to its peer when that send is a train it
 * can extend: same local address, same size, room left.  Otherwise it
 * starts a send of its own.  Joining only the latest send to a peer keeps
 * that peer's replies in arrival order; replies to different peers have no
 * order between them.  The limits keep a train within what every kernel
 * with UDP_SEGMENT takes: at most 64 segments, one UDP length in total, and
 * segments no larger than fit the minimum IPv6 path MTU (1280), so a train
 * rarely meets a path it does not fit.  A train the kernel refuses gets its
 * replies one by one: EMSGSIZE or EINVAL (the path's MTU is smaller
 * still) for that train only; EIO (a device without checksum offload, IPsec) or an
 * unknown option turn trains off for good.  A kernel older than
 * UDP_SEGMENT (4.18) would ignore the option and send a train as one
 * datagram, so trains are used only where udp_replies_init finds it.
 */
#include "config.h"

#include <errno.h>
#include <netinet/udp.h>
#include <string.h>
#include <unistd.h>

#include "daemon/udp_reply.h"

#define TRAIN_SEG_MAX 1200	/* bytes per datagram in a train */
#define TRAIN_SEGS_MAX 64
#define TRAIN_BYTES_MAX 65000	/* under one UDP length (65507 on IPv4) */
#define NONE UDP_REPLY_MAX

void
udp_replies_init(struct udp_replies *r)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), zero = 0;

	if (fd < 0)
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* Segment size 0 is "no GSO": only a kernel that knows the option
	 * takes it. */
	r->gso_off = fd < 0 || setsockopt(fd, SOL_UDP, UDP_SEGMENT, &zero,
	    sizeof(zero)) < 0;
	if (fd >= 0)
		close(fd);
	udp_replies_reset(r);
}

void
udp_replies_reset(struct udp_replies *r)
{
	r->nreply = r->nsend = 0;
}

/* Turn the received destination (pktinfo) into the reply's source; the
 * cmsg length, 0 when there is none. */
static socklen_t
reply_pktinfo(const struct msghdr *in, union udp_reply_cmsg *out)
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
			struct in6_pktinfo pi, reply;

			/* The source address only, as for IPv4: an
			 * interface would pin the reply to the one the
			 * request came in on, whatever the routes say (for
			 * IPv4 on a dual-stack socket the kernel would even
			 * take the peer to be on that link). */
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memset(&reply, 0, sizeof(reply));
			reply.ipi6_addr = pi.ipi6_addr;
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(reply));
			memcpy(CMSG_DATA(o), &reply, sizeof(reply));
			return CMSG_SPACE(sizeof(reply));
		}
	}
	return 0;
}

static bool
same_peer(const struct msghdr *a, const struct msghdr *b)
{
	return a->msg_namelen == b->msg_namelen &&
	    memcmp(a->msg_name, b->msg_name, a->msg_namelen) == 0;
}

/* The latest send to req's peer, or -1. */
static int
latest_send(const struct udp_replies *r, const struct msghdr *req)
{
	for (int s = r->nsend - 1; s >= 0; s--)
		if (same_peer(r->req[r->first[s]], req))
			return s;
	return -1;
}

/* Can reply k (len bytes, source cmsg c of clen) extend send s? */
static bool
train_takes(const struct udp_replies *r, int s, size_t len,
    const union udp_reply_cmsg *c, socklen_t clen)
{
	const struct msghdr *o = &r->out[s].msg_hdr;

	return !r->gso_off && len > 0 && len <= TRAIN_SEG_MAX &&
	    r->data[r->first[s]].iov_len == len &&
	    r->count[s] < TRAIN_SEGS_MAX &&
	    r->bytes[s] + len <= TRAIN_BYTES_MAX &&
	    o->msg_controllen == clen &&
	    (clen == 0 || memcmp(o->msg_control, c->buf, clen) == 0);
}

void
udp_replies_add(struct udp_replies *r, const struct msghdr *req, void *p,
    size_t len, bool pktinfo)
{
	union udp_reply_cmsg c;
	socklen_t clen = pktinfo ? reply_pktinfo(req, &c) : 0;
	int k = r->nreply++, s = latest_send(r, req);

	r->data[k] = (struct iovec){ .iov_base = p, .iov_len = len };
	r->req[k] = req;
	r->next[k] = NONE;
	if (s >= 0 && train_takes(r, s, len, &c, clen)) {
		r->next[r->last[s]] = (uint8_t)k;
		r->last[s] = (uint8_t)k;
		r->count[s]++;
		r->bytes[s] += (uint32_t)len;
		return;
	}
	s = r->nsend++;
	r->first[s] = r->last[s] = (uint8_t)k;
	r->count[s] = 1;
	r->bytes[s] = (uint32_t)len;
	/* The source cmsg now; the train's UDP_SEGMENT is added at send. */
	if (clen > 0)
		memcpy(r->cout[s].buf, c.buf, clen);
	r->out[s].msg_hdr = (struct msghdr){
		.msg_name = req->msg_name, .msg_namelen = req->msg_namelen,
		.msg_control = clen > 0 ? r->cout[s].buf : NULL,
		.msg_controllen = clen,
	};
}

/* Lay out each send's iovecs, and the segment size of each train. */
static void
replies_build(struct udp_replies *r)
{
	int pos = 0;

	for (int s = 0; s < r->nsend; s++) {
		struct msghdr *o = &r->out[s].msg_hdr;

		o->msg_iov = &r->iov[pos];
		o->msg_iovlen = r->count[s];
		for (int k = r->first[s]; k != NONE; k = r->next[k])
			r->iov[pos++] = r->data[k];
		if (r->count[s] > 1) {
			struct cmsghdr *cm = (struct cmsghdr *)(void *)
			    (r->cout[s].buf + o->msg_controllen);
			uint16_t seg = (uint16_t)r->data[r->first[s]].iov_len;

			cm->cmsg_level = SOL_UDP;
			cm->cmsg_type = UDP_SEGMENT;
			cm->cmsg_len = CMSG_LEN(sizeof(seg));
			memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
			o->msg_control = r->cout[s].buf;
			o->msg_controllen += CMSG_SPACE(sizeof(seg));
		}
	}
}

static void
count_drop(struct udp_reply_result *res, int err, uint64_t n)
{
	if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS)
		res->would_block += n;
	else
		res->send_error += n;
}

/* A train the kernel refused: its replies one by one. */
static void
train_split(struct udp_replies *r, int s, int fd, struct udp_reply_result *res)
{
	struct msghdr *o = &r->out[s].msg_hdr;
	socklen_t clen = o->msg_controllen - CMSG_SPACE(sizeof(uint16_t));

	for (size_t i = 0; i < o->msg_iovlen; i++) {
		struct msghdr h = *o;
		ssize_t n;

		h.msg_iov = &o->msg_iov[i];
		h.msg_iovlen = 1;
		h.msg_controllen = clen;
		h.msg_control = clen > 0 ? o->msg_control : NULL;
		while ((n = sendmsg(fd, &h, MSG_DONTWAIT)) < 0 && errno == EINTR)
			;
		if (n < 0) {
			count_drop(res, errno, 1);
			continue;
		}
		res->sent++;
		res->bytes += h.msg_iov->iov_len;
	}
}

void
udp_replies_send(struct udp_replies *r, int fd, struct udp_reply_result *res)
{
	int k = 0;

	memset(res, 0, sizeof(*res));
	replies_build(r);
	while (k < r->nsend) {
		int n = sendmmsg(fd, &r->out[k], (unsigned)(r->nsend - k),
		    MSG_DONTWAIT);

		if (n > 0) {
			for (int s = k; s < k + n; s++) {
				res->sent += r->count[s];
				res->bytes += r->bytes[s];
			}
			k += n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (r->count[k] > 1 && (errno == EINVAL || errno == EMSGSIZE)) {
			train_split(r, k, fd, res);
		} else if (r->count[k] > 1 && (errno == EIO ||
		    errno == ENOPROTOOPT || errno == EOPNOTSUPP)) {
			r->gso_off = true;
			res->gso_refused = errno;
			train_split(r, k, fd, res);
		} else {
			count_drop(res, errno, r->count[k]);
		}
		k++;
	}
	udp_replies_reset(r);
}
