/*
 * fdstore: what echod leaves in systemd's file descriptor store for the
 * next echod across a restart, and in which form.  No libsystemd here
 * (service.c sends the FDSTORE=1 messages): names, the carrier format and
 * the carrier's socket I/O.
 *
 * Names (FDNAME= allows '/' but not ':'; a listener name never has '/',
 * so these never clash with a socket unit's FileDescriptorName=):
 *   listen/<listener>   a listening TCP or UDP socket echod bound itself
 *                       (one per worker with SO_REUSEPORT: same name)
 *   conns/<listener>    a carrier of that TCP listener's connections
 *
 * A carrier is the receiving end of an AF_UNIX datagram socketpair whose
 * queue holds the connections in flight (SCM_RIGHTS, at most 253 per
 * message) with one record of state per connection.  One stored fd thus
 * carries thousands of connections: systemd 252 compares each stored fd
 * with every other one (storing 4000 fds one by one takes 10-14 s) and
 * passes every name in one environment string that exec refuses past
 * 128 KiB.  The sending end is closed once filled; the kernel keeps the
 * in-flight sockets open until the next echod reads them.
 *
 * Message: a 24-byte header ("ECH1", version, record size, count, the
 * CLOCK_MONOTONIC time of sending) and `count` records in the order of the
 * fds: ages, byte counts, flags and the peer's address (IPv4 or IPv6, with
 * port and scope).  A reader accepts records at least as large as its own
 * (a later version may append fields).
 */
#ifndef ECHOD_FDSTORE_H
#define ECHOD_FDSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#define FDSTORE_NAME_MAX 255	/* systemd's FDNAME limit */
#define FDSTORE_PER_MSG 253	/* SCM_MAX_FD: fds in one message */

enum fdstore_kind {
	FDSTORE_FOREIGN,	/* not one of ours: a socket unit's fd */
	FDSTORE_LISTENER,	/* "listen/<listener>" */
	FDSTORE_CONNS,		/* "conns/<listener>" */
	FDSTORE_UNKNOWN,	/* looks like ours ('/' in it) but is not
				 * understood, or "stored" (PID 1's name for
				 * an fd sent with an invalid FDNAME) */
};

#define FDSTORE_F_ONESHOT_DONE	2u	/* oneshot: its one echo is done */
#define FDSTORE_F_LINGER	4u	/* we sent FIN; waiting for the peer's */

/* One connection on its way: its socket and its state. */
struct fdstore_conn {
	int fd;
	uint64_t age_ns;	/* time since it was accepted */
	uint64_t idle_ns;	/* time since its last activity */
	uint64_t bytes_in, bytes_out;
	uint32_t flags;		/* FDSTORE_F_* */
	bool proxied;		/* peer is the client a PROXY header named;
				 * the socket's own peer is the balancer */
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} peer;			/* AF_UNSPEC: not recorded */
};

/* systemd's rule for FDNAME: at most 255 characters of ASCII 0x20-0x7e
 * other than ':' (the empty name is valid). */
bool fdstore_name_valid(const char *name);
/* "listen/<listener>" or "conns/<listener>" into buf.  0, or -1 if the
 * result would not be a valid FDNAME or does not fit. */
int fdstore_name(enum fdstore_kind kind, const char *listener, char *buf,
    size_t len);
/* Which kind `name` is; for LISTENER and CONNS the listener name goes into
 * listener (len >= 64 holds any valid one). */
enum fdstore_kind fdstore_parse_name(const char *name, char *listener,
    size_t len);

/* One message for c[0..n) (n <= FDSTORE_PER_MSG) sent at sent_ns into buf.
 * Its length, or -1 if it does not fit. */
ssize_t fdstore_msg_encode(const struct fdstore_conn *c, size_t n,
    uint64_t sent_ns, void *buf, size_t len);
/* The records of a message into c[0..max) (fds untouched) and its sending
 * time.  The number of records, or -1 if the message is not one this
 * version understands. */
int fdstore_msg_decode(const void *buf, size_t len, struct fdstore_conn *c,
    size_t max, uint64_t *sent_ns);
/* How long ago a message was sent (0 if the clock says the future). */
uint64_t fdstore_elapsed(uint64_t sent_ns, uint64_t now_ns);

/* Put c[0..n) into carriers: fills carriers[] with the receiving ends
 * (at most max) and *ncarriers with their number.  The callers' fds stay
 * open (the carriers hold duplicates).  Returns how many connections went
 * in, in order: fewer than n when out of carriers or on an error (errno).
 * Closing the carriers releases the duplicates. */
size_t fdstore_pack(const struct fdstore_conn *c, size_t n, uint64_t sent_ns,
    int *carriers, size_t max, size_t *ncarriers);

/* Reading a carrier: counts of what came out. */
struct fdstore_unpacked {
	size_t conns;		/* passed to the callback */
	size_t stateless;	/* of those, in a message this version could
				 * not read: passed with zero state */
	size_t lost;		/* fds the kernel dropped (MSG_CTRUNC: no
				 * room in our fd table) */
};
/* Read every message of `carrier` (which the caller then closes) and pass
 * each connection to cb, which owns c->fd from then on.  Its age_ns and
 * idle_ns include the time it spent in the carrier (now_ns - sent). */
void fdstore_unpack(int carrier, uint64_t now_ns,
    void (*cb)(const struct fdstore_conn *c, void *arg), void *arg,
    struct fdstore_unpacked *out);

#endif
