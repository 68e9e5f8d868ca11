/*
 * test_fdstore: FDNAMEs (systemd's rule, echod's names and their parsing),
 * the carrier's records, and real TCP connections through a carrier: they
 * come out as the same sockets (same inode, still connected, bytes queued
 * in the kernel still there) with their state, in order, also when one
 * carrier's queue is full and more are needed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/fdstore.h"

static void
test_name_valid(void **state)
{
	char s[300];

	(void)state;
	assert_true(fdstore_name_valid(""));
	assert_true(fdstore_name_valid("tcp-main"));
	assert_true(fdstore_name_valid("with space/and.dots_-"));
	assert_false(fdstore_name_valid("a:b"));
	assert_false(fdstore_name_valid("tab\there"));
	assert_false(fdstore_name_valid("\x7f"));
	assert_false(fdstore_name_valid("\xc3\xa9"));	/* é */
	memset(s, 'n', 255);
	s[255] = '\0';
	assert_true(fdstore_name_valid(s));
	s[255] = 'n';
	s[256] = '\0';
	assert_false(fdstore_name_valid(s));
}

static void
test_names(void **state)
{
	char buf[FDSTORE_NAME_MAX + 1], l[64], longname[64];

	(void)state;
	assert_int_equal(fdstore_name(FDSTORE_LISTENER, "tcp-main", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "listen/tcp-main");
	assert_int_equal(fdstore_parse_name(buf, l, sizeof(l)),
	    FDSTORE_LISTENER);
	assert_string_equal(l, "tcp-main");
	assert_int_equal(fdstore_name(FDSTORE_CONNS, "a.b_c-1", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "conns/a.b_c-1");
	assert_int_equal(fdstore_parse_name(buf, l, sizeof(l)), FDSTORE_CONNS);
	assert_string_equal(l, "a.b_c-1");
	/* The longest listener name fits, and parses back. */
	memset(longname, 'x', 63);
	longname[63] = '\0';
	assert_int_equal(fdstore_name(FDSTORE_CONNS, longname, buf,
	    sizeof(buf)), 0);
	assert_int_equal(fdstore_parse_name(buf, l, sizeof(l)), FDSTORE_CONNS);
	assert_string_equal(l, longname);
	/* What cannot be a name of ours. */
	assert_int_equal(fdstore_name(FDSTORE_CONNS, "", buf, sizeof(buf)), -1);
	assert_int_equal(fdstore_name(FDSTORE_CONNS, "a:b", buf, sizeof(buf)),
	    -1);
	assert_int_equal(fdstore_name(FDSTORE_CONNS, "a/b", buf, sizeof(buf)),
	    -1);
	assert_int_equal(fdstore_name(FDSTORE_FOREIGN, "x", buf, sizeof(buf)),
	    -1);
	assert_int_equal(fdstore_name(FDSTORE_LISTENER, "tcp", buf, 8), -1);
	/* Socket units name their fds after listeners: not ours. */
	assert_int_equal(fdstore_parse_name("tcp-main", l, sizeof(l)),
	    FDSTORE_FOREIGN);
	assert_int_equal(fdstore_parse_name("", l, sizeof(l)), FDSTORE_FOREIGN);
	/* Ours in form, not understood: closed by the caller. */
	assert_int_equal(fdstore_parse_name("stored", l, sizeof(l)),
	    FDSTORE_UNKNOWN);
	assert_int_equal(fdstore_parse_name("state/x", l, sizeof(l)),
	    FDSTORE_UNKNOWN);
	assert_int_equal(fdstore_parse_name("conns/", l, sizeof(l)),
	    FDSTORE_UNKNOWN);
	assert_int_equal(fdstore_parse_name("conns/a b", l, sizeof(l)),
	    FDSTORE_UNKNOWN);
	assert_int_equal(fdstore_parse_name("listen/a/b", l, sizeof(l)),
	    FDSTORE_UNKNOWN);
	assert_int_equal(fdstore_parse_name("conns/tcp-main", l, 4),
	    FDSTORE_UNKNOWN);
}

static void
test_records(void **state)
{
	struct fdstore_conn in[3] = {
		{ .fd = 7, .age_ns = 1, .idle_ns = 2, .bytes_in = 3,
		  .bytes_out = 4, .flags = FDSTORE_F_LINGER },
		{ .fd = 8, .age_ns = UINT64_MAX, .idle_ns = 0,
		  .bytes_in = 1ull << 40, .bytes_out = (1ull << 40) - 5,
		  .flags = FDSTORE_F_ONESHOT_DONE },
		{ .fd = 9 },
	}, out[3];
	struct sockaddr_in6 *a6 = &in[1].peer.in6;
	struct sockaddr_in *a4 = &in[0].peer.in4;
	unsigned char buf[4096];
	uint64_t sent = 0;
	ssize_t len;

	(void)state;
	a4->sin_family = AF_INET;
	a4->sin_port = htons(4242);
	a4->sin_addr.s_addr = htonl(0x7f000001);
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(7);
	a6->sin6_scope_id = 3;
	a6->sin6_addr.s6_addr[15] = 1;
	in[1].proxied = true;
	len = fdstore_msg_encode(in, 3, 123456789, buf, sizeof(buf));
	assert_true(len > 0);
	memset(out, 0, sizeof(out));
	assert_int_equal(fdstore_msg_decode(buf, (size_t)len, out, 3, &sent), 3);
	assert_int_equal(sent, 123456789);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(out[i].fd, 0);	/* fds travel apart */
		assert_int_equal(out[i].age_ns, in[i].age_ns);
		assert_int_equal(out[i].idle_ns, in[i].idle_ns);
		assert_int_equal(out[i].bytes_in, in[i].bytes_in);
		assert_int_equal(out[i].bytes_out, in[i].bytes_out);
		assert_int_equal(out[i].flags, in[i].flags);
		assert_int_equal(out[i].proxied, in[i].proxied);
		assert_int_equal(out[i].peer.sa.sa_family,
		    in[i].peer.sa.sa_family);
	}
	assert_int_equal(out[0].peer.in4.sin_port, htons(4242));
	assert_int_equal(out[0].peer.in4.sin_addr.s_addr, htonl(0x7f000001));
	assert_int_equal(out[1].peer.in6.sin6_port, htons(7));
	assert_int_equal(out[1].peer.in6.sin6_scope_id, 3);
	assert_memory_equal(&out[1].peer.in6.sin6_addr, &a6->sin6_addr, 16);
	assert_int_equal(out[2].peer.sa.sa_family, AF_UNSPEC);
	/* Too small, too many, not ours, cut short. */
	assert_int_equal(fdstore_msg_encode(in, 3, 0, buf, 60), -1);
	assert_int_equal(fdstore_msg_encode(in, FDSTORE_PER_MSG + 1, 0, buf,
	    sizeof(buf)), -1);
	assert_int_equal(fdstore_msg_decode(buf, (size_t)len, out, 2, &sent),
	    -1);
	assert_int_equal(fdstore_msg_decode(buf, (size_t)len - 1, out, 3,
	    &sent), -1);
	assert_int_equal(fdstore_msg_decode("XXXX", 4, out, 3, &sent), -1);
	buf[0] = 'X';
	assert_int_equal(fdstore_msg_decode(buf, (size_t)len, out, 3, &sent),
	    -1);
	assert_int_equal(fdstore_elapsed(100, 250), 150);
	assert_int_equal(fdstore_elapsed(250, 100), 0);
}

/* A later version's records are longer: this one reads its own fields. */
static void
test_longer_records(void **state)
{
	unsigned char buf[24 + 2 * 72];
	struct fdstore_conn out[2];
	uint64_t v = 42, sent = 0;
	uint16_t h[4] = { 2, 72, 2, 0 };

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf, "ECH1", 4);
	memcpy(buf + 4, h, sizeof(h));
	memcpy(buf + 16, &v, 8);
	for (int i = 0; i < 2; i++) {
		uint64_t bi = 1000 + (uint64_t)i;

		memcpy(buf + 24 + i * 72 + 16, &bi, 8);
	}
	assert_int_equal(fdstore_msg_decode(buf, sizeof(buf), out, 2, &sent), 2);
	assert_int_equal(sent, 42);
	assert_int_equal(out[0].bytes_in, 1000);
	assert_int_equal(out[1].bytes_in, 1001);
	/* A record of the old size is refused: fields would be missing. */
	h[1] = 40;
	memcpy(buf + 4, h, sizeof(h));
	assert_int_equal(fdstore_msg_decode(buf, sizeof(buf), out, 2, &sent), -1);
}

/* A listening socket on 127.0.0.1 and a way to make connections to it. */
struct tcp_pair {
	int client, server;
};

static int
listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(l >= 0);
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)a, sizeof(*a)), 0);
	assert_int_equal(listen(l, 4096), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)a, &len), 0);
	return l;
}

static struct tcp_pair
connect_one(int l, const struct sockaddr_in *a)
{
	struct tcp_pair p;

	p.client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(p.client >= 0);
	assert_int_equal(connect(p.client, (const struct sockaddr *)a,
	    sizeof(*a)), 0);
	p.server = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(p.server >= 0);
	return p;
}

static ino_t
inode(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

struct collected {
	struct fdstore_conn *c;
	size_t n, max;
};

static void
collect(const struct fdstore_conn *c, void *arg)
{
	struct collected *k = arg;

	assert_true(k->n < k->max);
	k->c[k->n++] = *c;
}

/* n connections through carriers; at most max carriers. */
static void
roundtrip(size_t n, size_t max_carriers, size_t *ncarriers_out)
{
	struct sockaddr_in a;
	int l = listener(&a);
	struct tcp_pair *p = calloc(n, sizeof(*p));
	struct fdstore_conn *c = calloc(n, sizeof(*c)), *got = calloc(n, sizeof(*got));
	ino_t *ino = calloc(n, sizeof(*ino));
	int carriers[64];
	size_t ncarriers = 0, sent;
	struct collected k = { got, 0, n };
	struct fdstore_unpacked u, total = { 0, 0, 0 };

	assert_non_null(p);
	assert_non_null(c);
	assert_non_null(got);
	assert_non_null(ino);
	for (size_t i = 0; i < n; i++) {
		p[i] = connect_one(l, &a);
		ino[i] = inode(p[i].server);
		c[i].fd = p[i].server;
		c[i].age_ns = 1000 * i;
		c[i].idle_ns = 10 * i;
		c[i].bytes_in = i;
		c[i].bytes_out = i;
		c[i].flags = i % 3;
	}
	/* Bytes the peer sends while the connection is in transit. */
	assert_int_equal(write(p[n - 1].client, "late", 4), 4);
	sent = fdstore_pack(c, n, 5000, carriers, max_carriers, &ncarriers);
	assert_int_equal(sent, n);
	assert_true(ncarriers >= 1 && ncarriers <= max_carriers);
	/* The sender lets go of its copies: the carriers hold them. */
	for (size_t i = 0; i < n; i++)
		close(p[i].server);
	for (size_t i = 0; i < ncarriers; i++) {
		fdstore_unpack(carriers[i], 6000, collect, &k, &u);
		total.conns += u.conns;
		total.stateless += u.stateless;
		total.lost += u.lost;
		close(carriers[i]);
	}
	assert_int_equal(total.conns, n);
	assert_int_equal(total.stateless, 0);
	assert_int_equal(total.lost, 0);
	assert_int_equal(k.n, n);
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);

		/* Same socket, same order, state plus the time in transit. */
		assert_int_equal(inode(got[i].fd), ino[i]);
		assert_int_equal(getpeername(got[i].fd, (struct sockaddr *)&peer,
		    &len), 0);
		assert_int_equal(got[i].age_ns, 1000 * i + 1000);
		assert_int_equal(got[i].idle_ns, 10 * i + 1000);
		assert_int_equal(got[i].bytes_in, i);
		assert_int_equal(got[i].flags, i % 3);
		assert_true(fcntl(got[i].fd, F_GETFD) & FD_CLOEXEC);
	}
	{
		char buf[8];

		/* The bytes the kernel held are still there... */
		assert_int_equal(read(got[n - 1].fd, buf, sizeof(buf)), 4);
		assert_memory_equal(buf, "late", 4);
		/* ...and the connection still works both ways. */
		assert_int_equal(write(got[0].fd, "ok", 2), 2);
		assert_int_equal(read(p[0].client, buf, sizeof(buf)), 2);
		assert_memory_equal(buf, "ok", 2);
	}
	for (size_t i = 0; i < n; i++) {
		close(got[i].fd);
		close(p[i].client);
	}
	close(l);
	free(p);
	free(c);
	free(got);
	free(ino);
	if (ncarriers_out != NULL)
		*ncarriers_out = ncarriers;
}

static void
test_carrier_small(void **state)
{
	(void)state;
	roundtrip(3, 1, NULL);
}

/* More than one message (253 fds each) in one carrier. */
static void
test_carrier_messages(void **state)
{
	size_t nc = 0;

	(void)state;
	roundtrip(600, 4, &nc);
	assert_int_equal(nc, 1);
}

/* More than one carrier's queue holds (its send buffer: about 3000 with
 * these records): pack opens the next carrier.  Skipped where the fd
 * limit is too low for that many connections. */
static void
test_carrier_rotates(void **state)
{
	struct rlimit rl;
	size_t nc = 0, n = 6000;

	(void)state;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 3 * n + 100) {
		rl.rlim_cur = rl.rlim_max < 3 * n + 100 ? rl.rlim_max : 3 * n + 100;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < 3 * n + 100)
		skip();
	roundtrip(n, 64, &nc);
	assert_true(nc >= 2);
}

/* No carrier allowed at all: nothing goes in, and nothing leaks. */
static void
test_pack_limits(void **state)
{
	struct sockaddr_in a;
	int l = listener(&a), carriers[1];
	struct tcp_pair p = connect_one(l, &a);
	struct fdstore_conn c = { .fd = p.server };
	size_t nc = 7;

	(void)state;
	assert_int_equal(fdstore_pack(&c, 1, 0, carriers, 0, &nc), 0);
	assert_int_equal(nc, 0);
	/* Closing a carrier releases the connections it held: the peer sees
	 * the close once our own copy is gone too. */
	assert_int_equal(fdstore_pack(&c, 1, 0, carriers, 1, &nc), 1);
	close(p.server);
	{
		char b;

		assert_int_equal(fcntl(p.client, F_SETFL, O_NONBLOCK), 0);
		assert_int_equal(read(p.client, &b, 1), -1);
		assert_int_equal(errno, EAGAIN);	/* still open */
		close(carriers[0]);
		assert_int_equal(fcntl(p.client, F_SETFL, 0), 0);
		assert_int_equal(read(p.client, &b, 1), 0);	/* FIN */
	}
	close(p.client);
	close(l);
}

/* A message that is not ours: its fds come out without state. */
static void
test_foreign_message(void **state)
{
	int sp[2], fd = socket(AF_INET, SOCK_DGRAM, 0);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { "junk", 4 };
	struct msghdr mh;
	struct cmsghdr *cm;
	struct fdstore_conn got[2];
	struct collected k = { got, 0, 2 };
	struct fdstore_unpacked u;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sp), 0);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	assert_int_equal(sendmsg(sp[0], &mh, 0), 4);
	assert_int_equal(send(sp[0], "no fds", 6, 0), 6);
	close(sp[0]);
	fdstore_unpack(sp[1], 0, collect, &k, &u);
	assert_int_equal(u.conns, 1);
	assert_int_equal(u.stateless, 1);
	assert_int_equal(k.n, 1);
	assert_int_equal(got[0].bytes_in, 0);
	assert_int_equal(inode(got[0].fd), inode(fd));
	close(got[0].fd);
	close(fd);
	close(sp[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_longer_records),
		cmocka_unit_test(test_carrier_small),
		cmocka_unit_test(test_carrier_messages),
		cmocka_unit_test(test_carrier_rotates),
		cmocka_unit_test(test_pack_limits),
		cmocka_unit_test(test_foreign_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
