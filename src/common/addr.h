/*
 * addr: socket addresses as text and back, shared by echod and echoctl.
 * Pure: no logging, no DNS (numeric addresses only; echoctl resolves names
 * itself).  IPv4-mapped IPv6 addresses are shown as plain IPv4.
 *
 * Wildcard rule (documented in echod.conf(5)): "*" is one dual-stack IPv6
 * socket (IPV6_V6ONLY off) that serves IPv4 and IPv6; "::" is IPv6 only;
 * "0.0.0.0" is IPv4 only.
 */
#ifndef ECHOD_ADDR_H
#define ECHOD_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define ADDR_STRLEN 64	/* "[ffff:...:ffff%ifname]:65535" fits */

struct addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
		struct sockaddr_storage ss;
	} u;
	socklen_t len;
};

/* Parse a numeric host ("127.0.0.1", "::1", "fe80::1%eth0", "*") and port.
 * *dualstack is set for "*".  0/-1. */
int addr_parse(const char *host, uint16_t port, struct addr *out,
    bool *dualstack, char *err, size_t errlen);
/* "ADDR", "ADDR:PORT" or "[ADDR]:PORT" (numeric, as addr_parse; "*" is
 * refused): "127.0.0.1:9641", "[::1]:9641", "::1".  Without a port, *out
 * has port 0, or the call fails if need_port.  0/-1 with err. */
int addr_parse_hostport(const char *spec, bool need_port, struct addr *out,
    char *err, size_t errlen);
/* "127.0.0.1:8888", "[::1]:8888"; unmaps v4-mapped addresses. */
void addr_format(const struct sockaddr *sa, char *buf, size_t len);
/* Host part only: "127.0.0.1", "::1". */
void addr_format_host(const struct sockaddr *sa, char *buf, size_t len);
uint16_t addr_port(const struct sockaddr *sa);
/* Same family, address and port (v4-mapped compares equal to plain v4). */
bool addr_equal(const struct sockaddr *a, const struct sockaddr *b);
bool addr_is_wildcard(const struct sockaddr *sa);
/* Turn ::ffff:a.b.c.d into a.b.c.d in place; no-op otherwise. */
void addr_unmap(struct addr *a);
/* An AF_UNIX address for `path`; -1 with errno ENAMETOOLONG if it does not
 * fit (the control socket, on both of its ends). */
struct sockaddr_un;
int addr_unix(struct sockaddr_un *sun, const char *path);

#endif
