/*
 * fdstore: names and carriers of what echod hands to the next echod through
 * systemd's fd store.  See fdstore.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/fdstore.h"

#define FDSTORE_MAGIC "ECH1"
#define FDSTORE_VERSION 1
#define FDSTORE_HEAD 24		/* bytes before the records */
#define FDSTORE_REC 64		/* bytes of a version 1 record */
#define FDSTORE_F_PROXIED_BIT (1u << 31)	/* in the flags word */
#define FDSTORE_MSG_MAX (FDSTORE_HEAD + FDSTORE_PER_MSG * FDSTORE_REC)

static const struct {
	enum fdstore_kind kind;
	const char *prefix;
} fdstore_prefixes[] = {
	{ FDSTORE_LISTENER, "listen/" },
	{ FDSTORE_CONNS, "conns/" },
};

bool
fdstore_name_valid(const char *name)
{
	size_t n = 0;

	for (; name[n] != '\0'; n++)
		if (name[n] < 0x20 || name[n] > 0x7e || name[n] == ':')
			return false;
	return n <= FDSTORE_NAME_MAX;
}

int
fdstore_name(enum fdstore_kind kind, const char *listener, char *buf,
    size_t len)
{
	for (size_t i = 0; i < sizeof(fdstore_prefixes) / sizeof(fdstore_prefixes[0]); i++) {
		int n;

		if (fdstore_prefixes[i].kind != kind)
			continue;
		n = snprintf(buf, len, "%s%s", fdstore_prefixes[i].prefix,
		    listener);
		if (n < 0 || (size_t)n >= len || listener[0] == '\0' ||
		    strchr(listener, '/') != NULL || !fdstore_name_valid(buf))
			return -1;
		return 0;
	}
	return -1;
}

/* A listener name as settings_echod.c allows it: 1-63 of A-Za-z0-9_.- */
static bool
fdstore_listener_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

enum fdstore_kind
fdstore_parse_name(const char *name, char *listener, size_t len)
{
	if (strcmp(name, "stored") == 0)
		return FDSTORE_UNKNOWN;
	if (strchr(name, '/') == NULL)
		return FDSTORE_FOREIGN;
	for (size_t i = 0; i < sizeof(fdstore_prefixes) / sizeof(fdstore_prefixes[0]); i++) {
		size_t pl = strlen(fdstore_prefixes[i].prefix);
		const char *rest = name + pl;

		if (strncmp(name, fdstore_prefixes[i].prefix, pl) != 0)
			continue;
		if (!fdstore_listener_name_ok(rest) || strlen(rest) >= len)
			return FDSTORE_UNKNOWN;
		memcpy(listener, rest, strlen(rest) + 1);
		return fdstore_prefixes[i].kind;
	}
	return FDSTORE_UNKNOWN;
}

/* Fixed-size fields in native byte order (a carrier never leaves the
 * machine), through memcpy: records need not be aligned. */
static void
put(unsigned char *p, uint64_t v, size_t n)
{
	union { uint16_t u16; uint32_t u32; uint64_t u64; } u;

	if (n == 2)
		u.u16 = (uint16_t)v;
	else if (n == 4)
		u.u32 = (uint32_t)v;
	else
		u.u64 = v;
	memcpy(p, &u, n);
}

static uint64_t
get(const unsigned char *p, size_t n)
{
	union { uint16_t u16; uint32_t u32; uint64_t u64; } u;

	memcpy(&u, p, n);
	return n == 2 ? u.u16 : n == 4 ? u.u32 : u.u64;
}

/* An address in 28 bytes at p: family (u16: 0, 4 or 6), port (u16, network
 * order as in the sockaddr), scope id (u32), 16 address bytes (IPv4: the
 * first 4).  Anything else is stored as family 0. */
static void
addr_put(unsigned char *p, const struct sockaddr *sa)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

	memset(p, 0, 28);
	if (sa->sa_family == AF_INET) {
		put(p, 4, 2);
		memcpy(p + 2, &in4->sin_port, 2);
		memcpy(p + 8, &in4->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		put(p, 6, 2);
		memcpy(p + 2, &in6->sin6_port, 2);
		put(p + 4, in6->sin6_scope_id, 4);
		memcpy(p + 8, &in6->sin6_addr, 16);
	}
}

static void
addr_get(const unsigned char *p, struct sockaddr *sa)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
	uint16_t fam = (uint16_t)get(p, 2);

	memset(in6, 0, sizeof(*in6));
	if (fam == 4) {
		in4->sin_family = AF_INET;
		memcpy(&in4->sin_port, p + 2, 2);
		memcpy(&in4->sin_addr, p + 8, 4);
	} else if (fam == 6) {
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_port, p + 2, 2);
		in6->sin6_scope_id = (uint32_t)get(p + 4, 4);
		memcpy(&in6->sin6_addr, p + 8, 16);
	} else {
		sa->sa_family = AF_UNSPEC;
	}
}

ssize_t
fdstore_msg_encode(const struct fdstore_conn *c, size_t n, uint64_t sent_ns,
    void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t need = FDSTORE_HEAD + n * FDSTORE_REC;

	if (n > FDSTORE_PER_MSG || len < need)
		return -1;
	memset(p, 0, need);
	memcpy(p, FDSTORE_MAGIC, 4);
	put(p + 4, FDSTORE_VERSION, 2);
	put(p + 6, FDSTORE_REC, 2);
	put(p + 8, n, 2);
	put(p + 16, sent_ns, 8);
	for (size_t i = 0; i < n; i++) {
		unsigned char *r = p + FDSTORE_HEAD + i * FDSTORE_REC;

		put(r, c[i].age_ns, 8);
		put(r + 8, c[i].idle_ns, 8);
		put(r + 16, c[i].bytes_in, 8);
		put(r + 24, c[i].bytes_out, 8);
		put(r + 32, c[i].flags |
		    (c[i].proxied ? FDSTORE_F_PROXIED_BIT : 0), 4);
		addr_put(r + 36, &c[i].peer.sa);
	}
	return (ssize_t)need;
}

int
fdstore_msg_decode(const void *buf, size_t len, struct fdstore_conn *c,
    size_t max, uint64_t *sent_ns)
{
	const unsigned char *p = buf;
	size_t rec, n;

	if (len < FDSTORE_HEAD || memcmp(p, FDSTORE_MAGIC, 4) != 0 ||
	    (uint16_t)get(p + 4, 2) < FDSTORE_VERSION)
		return -1;
	rec = (uint16_t)get(p + 6, 2);
	n = (uint16_t)get(p + 8, 2);
	if (rec < FDSTORE_REC || n > max || n > FDSTORE_PER_MSG ||
	    len < FDSTORE_HEAD + n * rec)
		return -1;
	*sent_ns = get(p + 16, 8);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *r = p + FDSTORE_HEAD + i * rec;

		c[i].age_ns = get(r, 8);
		c[i].idle_ns = get(r + 8, 8);
		c[i].bytes_in = get(r + 16, 8);
		c[i].bytes_out = get(r + 24, 8);
		c[i].flags = (uint32_t)get(r + 32, 4) & ~FDSTORE_F_PROXIED_BIT;
		c[i].proxied = (get(r + 32, 4) & FDSTORE_F_PROXIED_BIT) != 0;
		addr_get(r + 36, &c[i].peer.sa);
	}
	return (int)n;
}

uint64_t
fdstore_elapsed(uint64_t sent_ns, uint64_t now_ns)
{
	return now_ns > sent_ns ? now_ns - sent_ns : 0;
}

/* One message of n connections: 1 sent, 0 the carrier is full, -1 error. */
static int
carrier_send(int fd, const struct fdstore_conn *c, size_t n, uint64_t sent_ns)
{
	unsigned char payload[FDSTORE_MSG_MAX];
	union {
		char buf[CMSG_SPACE(FDSTORE_PER_MSG * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t len = fdstore_msg_encode(c, n, sent_ns, payload, sizeof(payload));

	if (len < 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = payload;
	iov.iov_len = (size_t)len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	for (size_t i = 0; i < n; i++)
		memcpy(CMSG_DATA(cm) + i * sizeof(int), &c[i].fd, sizeof(int));
	if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == len)
		return 1;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ?
	    0 : -1;
}

size_t
fdstore_pack(const struct fdstore_conn *c, size_t n, uint64_t sent_ns,
    int *carriers, size_t max, size_t *ncarriers)
{
	size_t done = 0;
	int sp[2] = { -1, -1 };
	bool fresh = false;	/* sp is new: nothing sent into it yet */

	*ncarriers = 0;
	while (done < n) {
		size_t k = n - done < FDSTORE_PER_MSG ? n - done : FDSTORE_PER_MSG;
		int r;

		if (sp[0] < 0) {
			if (*ncarriers == max)
				break;
			if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
			    sp) < 0)
				break;
			carriers[(*ncarriers)++] = sp[1];
			fresh = true;
		}
		r = carrier_send(sp[0], c + done, k, sent_ns);
		if (r == 1) {
			done += k;
			fresh = false;
			continue;
		}
		close(sp[0]);
		sp[0] = -1;
		if (r < 0 || fresh) {
			/* An error, or a message too big for an empty
			 * carrier: no other carrier would do better. */
			int e = errno;

			if (fresh)
				close(carriers[--(*ncarriers)]);
			errno = r < 0 ? e : EMSGSIZE;
			break;
		}
	}
	if (sp[0] >= 0)
		close(sp[0]);
	return done;
}

/* One message: fills c (fds included) and returns its count; 0 when the
 * carrier is empty, -1 on an error. */
static int
carrier_recv(int fd, struct fdstore_conn *c, uint64_t now_ns,
    struct fdstore_unpacked *out)
{
	unsigned char payload[FDSTORE_MSG_MAX + FDSTORE_PER_MSG * 64];
	union {
		char buf[CMSG_SPACE(FDSTORE_PER_MSG * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { payload, sizeof(payload) };
	struct msghdr mh;
	struct cmsghdr *cm;
	size_t nfds = 0;
	uint64_t sent_ns = 0;
	ssize_t len;
	int nrec;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	len = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (len < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k && nfds < FDSTORE_PER_MSG; i++)
			memcpy(&c[nfds++].fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
	}
	nrec = fdstore_msg_decode(payload, (size_t)len, c, FDSTORE_PER_MSG,
	    &sent_ns);
	if ((mh.msg_flags & MSG_CTRUNC) && nrec > 0 && (size_t)nrec > nfds)
		out->lost += (size_t)nrec - nfds;
	if (nrec < 0 || (size_t)nrec != nfds || (mh.msg_flags & MSG_TRUNC)) {
		/* Not a message of ours, or records and fds disagree: the
		 * connections without their state. */
		for (size_t i = 0; i < nfds; i++) {
			int f = c[i].fd;

			memset(&c[i], 0, sizeof(c[i]));
			c[i].fd = f;
		}
		out->stateless += nfds;
	} else {
		uint64_t gap = fdstore_elapsed(sent_ns, now_ns);

		for (size_t i = 0; i < nfds; i++) {
			c[i].age_ns += gap;
			c[i].idle_ns += gap;
		}
	}
	return (int)nfds;
}

void
fdstore_unpack(int carrier, uint64_t now_ns,
    void (*cb)(const struct fdstore_conn *c, void *arg), void *arg,
    struct fdstore_unpacked *out)
{
	struct fdstore_conn c[FDSTORE_PER_MSG];
	int n;

	memset(out, 0, sizeof(*out));
	/* A message with no fd left (all dropped) still counts as one. */
	for (int guard = 0; guard < 1 << 20; guard++) {
		n = carrier_recv(carrier, c, now_ns, out);
		if (n < 0 && errno != EINTR)
			break;
		if (n == 0) {
			int pending = 0;

			/* 0 fds: empty queue, or a message whose fds were
			 * all dropped; look again only in the second case. */
			if (recv(carrier, &pending, 1, MSG_DONTWAIT | MSG_PEEK) < 0)
				break;
			continue;
		}
		for (int i = 0; i < n; i++) {
			out->conns++;
			cb(&c[i], arg);
		}
	}
}
