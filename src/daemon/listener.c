/*
 * listener: sockets and counters of one listener.  See listener.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/listener.h"
#include "daemon/protect.h"
#include "daemon/service.h"
#include "daemon/stamp_reflect.h"

#define LISTEN_BACKLOG 4096

static struct lcounters *
lcounters_new(const struct listener *l, uint32_t nworkers)
{
	struct lcounters *c;
	char err[256];

	c = calloc(1, sizeof(*c) + nworkers * sizeof(struct stats));
	if (c == NULL)
		return NULL;
	c->refs = 1;
	c->nworkers = nworkers;
	if (l->conf.proto == CONF_TCP && (c->by_source = protect_tcp_table(
	    l->prot, l->conf.max_connections, err, sizeof(err))) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
lcounters_ref(struct lcounters *c)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
}

void
lcounters_unref(struct lcounters *c)
{
	if (c != NULL && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		connlimit_free(c->by_source);
		free(c);
	}
}

void
lcounters_sum(const struct lcounters *c, struct stats *out)
{
	for (uint32_t i = 0; i < c->nworkers; i++)
		stats_sum(out, &c->stats[i]);
}

static int
set_int_opt(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value));
}

/* Options of a TCP listener that its accepted connections inherit:
 * TCP_NODELAY, as an echo is answered at once; SO_OOBINLINE, as an urgent
 * byte (MSG_OOB) is data the peer sent, echoed in its place like the rest
 * (without it recv skips the byte, and splice stops at its mark). */
static int
tcp_listener_opts(int fd)
{
	if (set_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, 1) < 0 ||
	    set_int_opt(fd, SOL_SOCKET, SO_OOBINLINE, 1) < 0)
		return -1;
	return 0;
}

/* systemd binds its sockets with SO_REUSEADDR: on a UDP socket that lets
 * any other user bind the same port on a more specific address (echod on
 * "*", someone else on 127.0.0.1) and receive what is sent there, or send
 * from echod's port.  The kernel checks the option of the socket already
 * bound, so clearing it after the bind is enough. */
static int
udp_socket_exclusive(int fd)
{
	return set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 0);
}

/* One socket bound to lc's address; reuseport when several workers share
 * the port.  -1 with err set on failure. */
static int
open_socket(const struct lconf *lc, bool reuseport, bool share, char *err,
    size_t errlen)
{
	const struct sockaddr *sa = &lc->bind.u.sa;
	socklen_t salen = lc->bind.len;
	int type = lc->proto == CONF_TCP ? SOCK_STREAM : SOCK_DGRAM;
	struct addr fallback;
	int fd;

	fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && errno == EAFNOSUPPORT && lc->dualstack) {
		/* "*" on a host without IPv6: all IPv4 addresses then. */
		static const struct sockaddr_in any4 = { .sin_family = AF_INET };
		struct sockaddr_in *in4 = &fallback.u.in4;

		*in4 = any4;
		in4->sin_port = htons(lc->port);
		fallback.len = sizeof(*in4);
		sa = &fallback.u.sa;
		salen = fallback.len;
		fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* SO_REUSEADDR for TCP, to bind over connections in TIME_WAIT.  On
	 * a UDP socket it would let any other user bind the same port on a
	 * more specific address and take the datagrams sent there
	 * (udp_socket_exclusive): only while binding beside a socket of ours
	 * that a reload is replacing (listener_udp_share).  Workers share a
	 * port by SO_REUSEPORT, which the kernel grants to one user only. */
	if (((lc->proto == CONF_TCP || share) &&
	    set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1) < 0) ||
	    (reuseport && set_int_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1) < 0))
		goto fail_opt;
	if (sa->sa_family == AF_INET6 &&
	    set_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, lc->dualstack ? 0 : 1) < 0)
		goto fail_opt;
	if (lc->proto == CONF_TCP && tcp_listener_opts(fd) < 0)
		goto fail_opt;
	if (bind(fd, sa, salen) < 0) {
		snprintf(err, errlen, "cannot bind %s %s port %u: %s",
		    conf_proto_name(lc->proto), lc->address, lc->port,
		    strerror(errno));
		goto fail;
	}
	if (lc->proto == CONF_TCP && listen(fd, LISTEN_BACKLOG) < 0) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		goto fail;
	}
	if (lc->proto != CONF_TCP && share && udp_socket_exclusive(fd) < 0)
		goto fail_opt;
	return fd;
fail_opt:
	snprintf(err, errlen, "setsockopt: %s", strerror(errno));
fail:
	close(fd);
	return -1;
}

/* The kernel's count of datagrams the socket dropped on a full receive
 * buffer so far (0 where SO_MEMINFO is missing). */
static uint32_t
rcvbuf_drops_now(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0 ||
	    len < (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

/* UDP sockets learn each datagram's destination: a wildcard socket replies
 * from the address the request was sent to, and the guard drops datagrams
 * sent to broadcast addresses or carrying a loopback source off lo.  Each
 * datagram also carries the socket's drop count (SO_RXQ_OVFL), so the
 * kernel's receive-buffer drops become a drop reason of their own. */
static int
enable_pktinfo(int fd, const struct lconf *lc)
{
	int family;
	socklen_t len = sizeof(family);

	if (lc->proto == CONF_TCP)
		return 0;
	/* The socket's own family: "*" falls back to IPv4 without IPv6. */
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0)
		return -1;
	if (set_int_opt(fd, SOL_SOCKET, SO_RXQ_OVFL, 1) < 0)
		return -1;
	/* A dual-stack socket reports IPv4 destinations as v4-mapped
	 * IPV6_PKTINFO too, and accepts that form back when sending;
	 * udp_guard_socket_setup adds IP_PKTINFO for the guard's broadcast test;
	 * a STAMP answer needs each datagram's receive time and TTL too. */
	if (lc->proto == CONF_STAMP && stamp_reflect_sockopts(fd, family) < 0)
		return -1;
	return udp_guard_socket_setup(fd, family);
}

/* systemd passes blocking sockets: several workers watch one inherited
 * fd, and a worker that loses the race must get EAGAIN, not block. */
static int
prepare_inherited(int fd, const struct lconf *lc, char *err, size_t errlen)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "fcntl: %s", strerror(errno));
		return -1;
	}
	if ((lc->proto == CONF_TCP && tcp_listener_opts(fd) < 0) ||
	    (lc->proto != CONF_TCP && udp_socket_exclusive(fd) < 0) ||
	    enable_pktinfo(fd, lc) < 0) {
		snprintf(err, errlen, "setsockopt: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Find an unused socket-unit fd for lc: by FileDescriptorName first, then
 * by socket type and bound address.  Fds from the fd store are not
 * candidates (match_stored). */
static struct service_fd *
match_inherited(const struct lconf *lc, struct service_fd *sfds, size_t n)
{
	int type = lc->proto == CONF_TCP ? SOCK_STREAM : SOCK_DGRAM;

	for (size_t i = 0; i < n; i++)
		if (!sfds[i].used && sfds[i].kind == FDSTORE_FOREIGN &&
		    sfds[i].type == type && strcmp(sfds[i].name, lc->name) == 0)
			return &sfds[i];
	for (size_t i = 0; i < n; i++)
		if (!sfds[i].used && sfds[i].kind == FDSTORE_FOREIGN &&
		    sfds[i].type == type && sfds[i].addr.len > 0 &&
		    addr_equal(&sfds[i].addr.u.sa, &lc->bind.u.sa))
			return &sfds[i];
	return NULL;
}

/* A socket the previous echod left in the fd store for this listener:
 * named after it, of its protocol, listening (TCP) and bound where lc
 * says.  Anything else stays unused and is closed after startup. */
static bool
stored_fits(const struct lconf *lc, const struct service_fd *f)
{
	int type = lc->proto == CONF_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int acc = 0;
	socklen_t len = sizeof(acc);

	if (f->used || f->kind != FDSTORE_LISTENER || f->type != type ||
	    strcmp(f->listener, lc->name) != 0 || f->addr.len == 0 ||
	    !addr_equal(&f->addr.u.sa, &lc->bind.u.sa))
		return false;
	if (lc->proto == CONF_TCP &&
	    (getsockopt(f->fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0 ||
	    !acc))
		return false;
	return true;
}

/* Take the stored sockets that fit lc (the previous echod's SO_REUSEPORT
 * group, one per worker) as l's own: closed when l retires, like sockets
 * echod binds.  Fewer than workers: the workers share them; more: the
 * rest are closed.  The number taken, 0 if none fits. */
static uint32_t
adopt_stored(struct listener *l, uint32_t nworkers, struct service_fd *sfds,
    size_t n)
{
	uint32_t got = 0;

	for (size_t i = 0; i < n; i++)
		if (stored_fits(&l->conf, &sfds[i]))
			got++;
	if (got == 0)
		return 0;
	l->fds = malloc((got < nworkers ? got : nworkers) * sizeof(int));
	if (l->fds == NULL)
		return 0;
	l->nfds = 0;
	for (size_t i = 0; i < n; i++) {
		if (!stored_fits(&l->conf, &sfds[i]))
			continue;
		sfds[i].used = true;
		if (l->nfds < nworkers) {
			l->fds[l->nfds++] = sfds[i].fd;
		} else {
			/* Connections queued on it are reset: fewer workers
			 * than the previous echod had. */
			close(sfds[i].fd);
			sfds[i].fd = -1;
		}
	}
	return l->nfds;
}

/* Fail early and clearly if someone else holds the address: a reuseport
 * bind would otherwise silently share the port with another process of the
 * same user. */
static int
probe_exclusive(const struct lconf *lc, bool share, char *err, size_t errlen)
{
	int fd = open_socket(lc, false, share, err, errlen);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static struct listener *
listener_alloc(const struct lconf *lc, const struct protect_ports *own)
{
	struct listener *l = calloc(1, sizeof(*l));
	char err[256];

	if (l == NULL)
		return NULL;
	l->refs = 1;
	l->conf = *lc;
	if (conf_listener_dup(&l->conf) < 0) {
		free(l);
		return NULL;
	}
	l->prot = protect_new(&l->conf, own, err, sizeof(err));
	if (l->prot == NULL) {
		conf_listener_free(&l->conf);
		free(l);
		return NULL;
	}
	return l;
}

/* What the socket is really bound to decides: the text in status and the
 * log, and whether UDP replies need pktinfo (a systemd socket bound to
 * 0.0.0.0 does, whatever address the config names). */
static void
format_bound(struct listener *l)
{
	struct addr a;

	a.len = sizeof(a.u);
	if (getsockname(l->fds[0], &a.u.sa, &a.len) < 0)
		a = l->conf.bind;
	addr_format(&a.u.sa, l->bound, sizeof(l->bound));
	l->reply_pktinfo = l->conf.proto != CONF_TCP &&
	    addr_is_wildcard(&a.u.sa);
	/* Drops from before we had the socket (an inherited one) are not
	 * ours to count. */
	for (uint32_t i = 0; l->rcvbuf_seen != NULL && i < l->nfds; i++)
		l->rcvbuf_seen[i] = rcvbuf_drops_now(l->fds[i]);
}

/* l uses counters that another object of its name had: the per-source
 * table takes l's limits. */
static void
share_counters(struct listener *l, struct lcounters *c)
{
	l->counters = c;
	lcounters_ref(c);
	if (c->by_source != NULL)
		(void)protect_tcp_configure(l->prot, c->by_source, NULL, 0);
}

struct listener *
listener_open(const struct lconf *lc, const struct protect_ports *own,
    uint32_t nworkers, struct service_fd *sfds, size_t nsfds,
    struct lcounters *counters, bool share, char *err, size_t errlen)
{
	struct service_fd *sfd = match_inherited(lc, sfds, nsfds);
	bool reuseport = nworkers > 1;
	struct listener *l;

	l = listener_alloc(lc, own);
	if (l == NULL)
		goto nomem;
	if (counters != NULL)
		share_counters(l, counters);
	else
		l->counters = lcounters_new(l, nworkers);
	if (l->counters == NULL)
		goto nomem;
	if (adopt_stored(l, nworkers, sfds, nsfds) > 0) {
		if (lc->proto != CONF_TCP && (l->rcvbuf_seen =
		    calloc(l->nfds, sizeof(uint32_t))) == NULL)
			goto nomem;
		for (uint32_t i = 0; i < l->nfds; i++)
			if (prepare_inherited(l->fds[i], lc, err, errlen) < 0)
				goto fail;
		l->stored = true;
		format_bound(l);
		return l;
	}
	l->nfds = sfd != NULL || !reuseport ? 1 : nworkers;
	l->fds = malloc(l->nfds * sizeof(int));
	if (lc->proto != CONF_TCP)
		l->rcvbuf_seen = calloc(l->nfds, sizeof(uint32_t));
	if (l->fds == NULL)
		l->nfds = 0;
	if (l->counters == NULL || l->fds == NULL ||
	    (lc->proto != CONF_TCP && l->rcvbuf_seen == NULL))
		goto nomem;
	for (uint32_t i = 0; i < l->nfds; i++)
		l->fds[i] = -1;
	if (sfd != NULL) {
		l->fds[0] = sfd->fd;
		l->inherited = true;
		l->sfd = sfd;
		sfd->used = true;
		if (prepare_inherited(sfd->fd, lc, err, errlen) < 0)
			goto fail;
	} else {
		if (reuseport && probe_exclusive(lc, share, err, errlen) < 0)
			goto fail;
		for (uint32_t i = 0; i < l->nfds; i++) {
			l->fds[i] = open_socket(lc, reuseport, share, err,
			    errlen);
			if (l->fds[i] < 0)
				goto fail;
			if (enable_pktinfo(l->fds[i], lc) < 0) {
				snprintf(err, errlen, "setsockopt: %s",
				    strerror(errno));
				goto fail;
			}
		}
	}
	format_bound(l);
	return l;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	if (l != NULL)
		listener_retire(l);
	return NULL;
}

struct listener *
listener_new(const struct lconf *lc, const struct protect_ports *own)
{
	return listener_alloc(lc, own);
}

void
listener_udp_share(struct listener *l, bool on)
{
	for (uint32_t i = 0; l->conf.proto != CONF_TCP && i < l->nfds; i++)
		if (l->fds[i] >= 0)
			(void)set_int_opt(l->fds[i], SOL_SOCKET, SO_REUSEADDR,
			    on);
}

void
listener_take_over(struct listener *l, struct listener *old)
{
	l->fds = old->fds;
	l->nfds = old->nfds;
	l->inherited = old->inherited;
	l->reply_pktinfo = old->reply_pktinfo;
	/* Moved, not copied: old's workers may still read it until they
	 * switch, and it goes with the sockets. */
	l->rcvbuf_seen = old->rcvbuf_seen;
	l->stored = old->stored;
	l->sfd = old->sfd;
	share_counters(l, old->counters);
	memcpy(l->bound, old->bound, sizeof(l->bound));
	old->fds = NULL;
	old->nfds = 0;
	old->sfd = NULL;
	old->rcvbuf_seen = NULL;
}

void
listener_retire(struct listener *l)
{
	for (uint32_t i = 0; i < l->nfds; i++) {
		if (l->inherited)
			l->sfd->used = false;	/* systemd's: never closed */
		else if (l->fds[i] >= 0)
			close(l->fds[i]);
	}
	free(l->fds);
	l->fds = NULL;
	l->nfds = 0;
	free(l->rcvbuf_seen);
	l->rcvbuf_seen = NULL;
	listener_unref(l);
}

void
listener_ref(struct listener *l)
{
	__atomic_add_fetch(&l->refs, 1, __ATOMIC_RELAXED);
}

void
listener_unref(struct listener *l)
{
	if (__atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(l->fds);
	free(l->rcvbuf_seen);
	lcounters_unref(l->counters);
	protect_free(l->prot);
	conf_listener_free(&l->conf);
	free(l);
}

int
listener_fd(const struct listener *l, uint32_t index)
{
	if (l->nfds == 0)
		return -1;
	return l->fds[l->nfds == 1 ? 0 : index % l->nfds];
}

uint32_t *
listener_rcvbuf_seen(const struct listener *l, uint32_t index)
{
	if (l->nfds == 0 || l->rcvbuf_seen == NULL)
		return NULL;
	return &l->rcvbuf_seen[l->nfds == 1 ? 0 : index % l->nfds];
}
