/*
 * addr: numeric socket addresses <-> text.  getaddrinfo() with
 * AI_NUMERICHOST does the parsing so scope ids ("fe80::1%eth0") work.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "common/addr.h"

int
addr_parse(const char *host, uint16_t port, struct addr *out, bool *dualstack,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (dualstack != NULL)
		*dualstack = false;
	if (strcmp(host, "*") == 0) {
		out->u.in6.sin6_family = AF_INET6;
		out->u.in6.sin6_addr = in6addr_any;
		out->u.in6.sin6_port = htons(port);
		out->len = sizeof(out->u.in6);
		if (dualstack != NULL)
			*dualstack = true;
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(host, "0", &hints, &res);
	if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(out->u)) {
		snprintf(err, errlen, "'%s' is not a numeric IPv4 or IPv6 "
		    "address (or \"*\" for all)", host);
		if (res != NULL)
			freeaddrinfo(res);
		return -1;
	}
	memcpy(&out->u, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	if (out->u.sa.sa_family == AF_INET)
		out->u.in4.sin_port = htons(port);
	else
		out->u.in6.sin6_port = htons(port);
	return 0;
}

int
addr_parse_hostport(const char *spec, bool need_port, struct addr *out,
    char *err, size_t errlen)
{
	const char *orig = spec, *colon = strchr(spec, ':'), *portstr = NULL;
	size_t hostlen = strlen(spec);
	unsigned long port = 0;
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], *end;

	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');

		if (rb == NULL || (rb[1] != '\0' && rb[1] != ':'))
			goto bad;
		hostlen = (size_t)(rb - spec - 1);
		portstr = rb[1] == ':' ? rb + 2 : NULL;
		spec++;
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		hostlen = (size_t)(colon - spec);
		portstr = colon + 1;
	}
	if (hostlen == 0 || hostlen >= sizeof(host) || (need_port && portstr == NULL))
		goto bad;
	memcpy(host, spec, hostlen);
	host[hostlen] = '\0';
	if (portstr != NULL) {
		errno = 0;
		port = strtoul(portstr, &end, 10);
		if (errno != 0 || *end != '\0' || end == portstr ||
		    portstr[0] < '0' || portstr[0] > '9' || port > 65535 ||
		    (need_port && port == 0))
			goto bad;
	}
	if (strcmp(host, "*") == 0)
		goto bad;
	return addr_parse(host, (uint16_t)port, out, NULL, err, errlen);
bad:
	snprintf(err, errlen, "'%s' is not %sADDR:PORT or [ADDR]:PORT", orig,
	    need_port ? "" : "ADDR, ");
	return -1;
}

static bool
is_v4mapped(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

void
addr_format_host(const struct sockaddr *sa, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    tmp, sizeof(tmp));
		snprintf(buf, len, "%s", tmp);
	} else if (is_v4mapped(sa)) {
		inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], tmp,
		    sizeof(tmp));
		snprintf(buf, len, "%s", tmp);
	} else if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &in6->sin6_addr, tmp, sizeof(tmp));
		if (in6->sin6_scope_id != 0)
			snprintf(buf, len, "%s%%%u", tmp,
			    (unsigned)in6->sin6_scope_id);
		else
			snprintf(buf, len, "%s", tmp);
	} else if (sa->sa_family == AF_UNIX) {
		snprintf(buf, len, "unix");
	} else {
		snprintf(buf, len, "family-%d", sa->sa_family);
	}
}

void
addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[ADDR_STRLEN];

	addr_format_host(sa, host, sizeof(host));
	if (sa->sa_family == AF_INET6 && !is_v4mapped(sa))
		snprintf(buf, len, "[%s]:%u", host, addr_port(sa));
	else if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)
		snprintf(buf, len, "%s:%u", host, addr_port(sa));
	else
		snprintf(buf, len, "%s", host);
}

uint16_t
addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return 0;
}

void
addr_unmap(struct addr *a)
{
	struct sockaddr_in in4;

	if (!is_v4mapped(&a->u.sa))
		return;
	memset(&in4, 0, sizeof(in4));
	in4.sin_family = AF_INET;
	in4.sin_port = a->u.in6.sin6_port;
	memcpy(&in4.sin_addr, &a->u.in6.sin6_addr.s6_addr[12], 4);
	memset(&a->u, 0, sizeof(a->u));
	a->u.in4 = in4;
	a->len = sizeof(in4);
}

bool
addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	struct addr x, y;

	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	memcpy(&x.u, a, a->sa_family == AF_INET ? sizeof(x.u.in4) : sizeof(x.u.in6));
	memcpy(&y.u, b, b->sa_family == AF_INET ? sizeof(y.u.in4) : sizeof(y.u.in6));
	addr_unmap(&x);
	addr_unmap(&y);
	if (x.u.sa.sa_family != y.u.sa.sa_family)
		return false;
	if (x.u.sa.sa_family == AF_INET)
		return x.u.in4.sin_port == y.u.in4.sin_port &&
		    x.u.in4.sin_addr.s_addr == y.u.in4.sin_addr.s_addr;
	if (x.u.sa.sa_family == AF_INET6)
		return x.u.in6.sin6_port == y.u.in6.sin6_port &&
		    IN6_ARE_ADDR_EQUAL(&x.u.in6.sin6_addr, &y.u.in6.sin6_addr) &&
		    x.u.in6.sin6_scope_id == y.u.in6.sin6_scope_id;
	return false;
}

bool
addr_is_wildcard(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
		    &((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

int
addr_unix(struct sockaddr_un *sun, const char *path)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, len);
	return 0;
}
