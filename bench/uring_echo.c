/*
 * uring_echo: a TCP echo server with no epoll at all, to measure what a
 * full io_uring design would save before building one into echod.  One
 * thread, one ring (SINGLE_ISSUER, DEFER_TASKRUN): a multishot accept, a
 * multishot receive per connection into a ring of provided buffers, and
 * each buffer sent back as it came and then returned to the ring.  The
 * kernel does the receive at wakeup time, so a message costs no poll, no
 * ready-list walk and no system call of its own: one io_uring_enter
 * serves every completion of a loop iteration.
 *
 * Like epoll_echo it is the hour's work of a competent programmer, with
 * no limits or timeouts; unlike echod it does not stop reading a peer that
 * stops reading (a buffer waits on its send), so it is a yardstick for
 * scripts/bench --servers uring, not a design to ship as it is.
 *
 * usage: uring_echo [-a ADDR] [-p TCPPORT]
 */
#include "config.h"

#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"

#define NBUFS 4096		/* a power of two, for the buffer ring */
#define BUFSZ 2048
#define BGID 0

enum op { OP_ACCEPT, OP_RECV, OP_SEND };

/* user_data: the operation in the top byte, the fd and buffer id below. */
#define UD(op, fd, bid) (((uint64_t)(op) << 56) | ((uint64_t)(bid) << 32) | \
	(uint32_t)(fd))
#define UD_OP(u) ((enum op)((u) >> 56))
#define UD_FD(u) ((int)(uint32_t)(u))
#define UD_BID(u) ((unsigned)(((u) >> 32) & 0xffffff))

struct server {
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	char *bufs;
	int lfd;
	unsigned *sent;		/* per buffer id: bytes of it already sent */
	unsigned *len;		/* per buffer id: bytes received into it */
};

static struct io_uring_sqe *
server_sqe(struct server *s)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);

	if (sqe == NULL) {
		io_uring_submit(&s->ring);
		sqe = io_uring_get_sqe(&s->ring);
	}
	return sqe;
}

static void
server_recv(struct server *s, int fd)
{
	struct io_uring_sqe *sqe = server_sqe(s);

	io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, UD(OP_RECV, fd, 0));
}

static void
server_send(struct server *s, int fd, unsigned bid, unsigned len)
{
	struct io_uring_sqe *sqe = server_sqe(s);

	io_uring_prep_send(sqe, fd, s->bufs + (size_t)bid * BUFSZ + s->sent[bid],
	    len - s->sent[bid], MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, UD(OP_SEND, fd, bid));
}

static void
server_give_back(struct server *s, unsigned bid)
{
	s->sent[bid] = 0;
	io_uring_buf_ring_add(s->br, s->bufs + (size_t)bid * BUFSZ, BUFSZ,
	    (unsigned short)bid, io_uring_buf_ring_mask(NBUFS), 0);
	io_uring_buf_ring_advance(s->br, 1);
}

static void
server_accept(struct server *s)
{
	struct io_uring_sqe *sqe = server_sqe(s);

	io_uring_prep_multishot_accept(sqe, s->lfd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, UD(OP_ACCEPT, s->lfd, 0));
}

static void
server_cqe(struct server *s, struct io_uring_cqe *cqe)
{
	uint64_t u = io_uring_cqe_get_data64(cqe);
	int fd = UD_FD(u), res = cqe->res;
	bool more = cqe->flags & IORING_CQE_F_MORE;

	switch (UD_OP(u)) {
	case OP_ACCEPT:
		if (res >= 0) {
			int one = 1;

			(void)setsockopt(res, IPPROTO_TCP, 1 /* NODELAY */,
			    &one, sizeof(one));
			server_recv(s, res);
		}
		if (!more)
			server_accept(s);
		break;
	case OP_RECV:
		if (res > 0) {
			unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;

			s->len[bid] = (unsigned)res;
			server_send(s, fd, bid, (unsigned)res);
			if (!more)	/* out of buffers: arm it again */
				server_recv(s, fd);
		} else if (res == -ENOBUFS) {
			server_recv(s, fd);
		} else if (!more) {
			close(fd);
		}
		break;
	case OP_SEND: {
		unsigned bid = UD_BID(u);

		if (res < 0) {
			server_give_back(s, bid);
			/* Ends the multishot receive, whose last completion
			 * closes the fd: closing it here would let a new
			 * connection reuse the number while the receive is
			 * still armed on the old file. */
			(void)shutdown(fd, SHUT_RDWR);
			break;
		}
		s->sent[bid] += (unsigned)res;
		if (s->sent[bid] < s->len[bid])
			server_send(s, fd, bid, s->len[bid]);
		else
			server_give_back(s, bid);
		break;
	}
	}
}

static int
server_open(struct server *s, const char *host, unsigned port)
{
	struct addr a;
	char err[128];
	int one = 1;

	if (addr_parse(host, (uint16_t)port, &a, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "uring_echo: %s\n", err);
		return -1;
	}
	s->lfd = socket(a.u.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -1;
	(void)setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->lfd, &a.u.sa, a.len) < 0 || listen(s->lfd, 4096) < 0) {
		fprintf(stderr, "uring_echo: bind %s port %u: %s\n", host, port,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
server_ring(struct server *s)
{
	struct io_uring_params p;
	struct io_uring_buf_reg reg;
	int rc;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
	    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_CQSIZE;
	p.cq_entries = 65536;
	rc = io_uring_queue_init_params(4096, &s->ring, &p);
	if (rc < 0) {
		fprintf(stderr, "uring_echo: io_uring: %s\n", strerror(-rc));
		return -1;
	}
	if (posix_memalign((void **)&s->br, 4096, NBUFS * sizeof(struct io_uring_buf)) != 0)
		return -1;
	io_uring_buf_ring_init(s->br);
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)s->br;
	reg.ring_entries = NBUFS;
	reg.bgid = BGID;
	rc = io_uring_register_buf_ring(&s->ring, &reg, 0);
	if (rc < 0) {
		fprintf(stderr, "uring_echo: buffer ring: %s\n", strerror(-rc));
		return -1;
	}
	s->bufs = malloc((size_t)NBUFS * BUFSZ);
	s->sent = calloc(NBUFS, sizeof(*s->sent));
	s->len = calloc(NBUFS, sizeof(*s->len));
	if (s->bufs == NULL || s->sent == NULL || s->len == NULL)
		return -1;
	for (unsigned i = 0; i < NBUFS; i++)
		server_give_back(s, i);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct server s;
	const char *host = "127.0.0.1";
	unsigned port = 8888;
	int opt;

	while ((opt = getopt(argc, argv, "a:p:u:")) != -1) {
		if (opt == 'a')
			host = optarg;
		else if (opt == 'p')
			port = (unsigned)atoi(optarg);
		else if (opt != 'u') {
			fprintf(stderr, "usage: uring_echo [-a ADDR] [-p PORT]\n");
			return 64;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (server_open(&s, host, port) < 0 || server_ring(&s) < 0)
		return 1;
	server_accept(&s);
	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		int rc = io_uring_submit_and_wait(&s.ring, 1);

		if (rc < 0 && rc != -EINTR && rc != -EBUSY) {
			fprintf(stderr, "uring_echo: %s\n", strerror(-rc));
			return 1;
		}
		io_uring_for_each_cqe(&s.ring, head, cqe) {
			server_cqe(&s, cqe);
			n++;
		}
		io_uring_cq_advance(&s.ring, n);
	}
}
