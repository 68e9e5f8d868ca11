/*
 * acl: CIDR parsing and matching.  inet_pton does the address parsing, so
 * every form it accepts ("::ffff:1.2.3.4", "2001:db8::") works and nothing
 * else does (no scope ids, no hostnames, no shortened "10/8").
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "guard/acl.h"

static const uint8_t v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static int
parse_prefix(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* true if any bit after the first `prefix` bits of addr is set. */
static bool
host_bits_set(const uint8_t *addr, unsigned nbytes, unsigned prefix)
{
	for (unsigned i = 0; i < nbytes; i++) {
		unsigned keep = prefix >= 8 * (i + 1) ? 8 :
		    prefix > 8 * i ? prefix - 8 * i : 0;
		uint8_t mask = keep == 0 ? 0xff : (uint8_t)(0xff >> keep);

		if (keep < 8 && (addr[i] & mask) != 0)
			return true;
	}
	return false;
}

static int
parse_addr(const char *host, struct acl_cidr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = 6;
		return 0;
	}
	return -1;
}

int
acl_cidr_parse(const char *s, struct acl_cidr *out, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	unsigned prefix, max;

	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (parse_addr(host, out) == -1)
		goto bad;
	max = out->family == 4 ? 32 : 128;
	if (slash == NULL)
		prefix = max;
	else if (parse_prefix(slash + 1, max, &prefix) == -1) {
		snprintf(err, errlen, "'%.*s%s': prefix length must be 0-%u",
		    LOG_EXCERPT(s, 128), max);
		return -1;
	}
	if (host_bits_set(out->addr, max / 8, prefix)) {
		snprintf(err, errlen, "'%.*s%s': address has bits set beyond "
		    "the /%u prefix", LOG_EXCERPT(s, 128), prefix);
		return -1;
	}
	out->prefix = (uint8_t)prefix;
	if (out->family == 6 && prefix >= 96 &&
	    memcmp(out->addr, v4mapped_prefix, 12) == 0) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = 4;
		out->prefix = (uint8_t)(prefix - 96);
	}
	return 0;
bad:
	snprintf(err, errlen, "'%.*s%s' is not an IPv4 or IPv6 address or "
	    "prefix (e.g. 192.0.2.0/24, 2001:db8::/32)", LOG_EXCERPT(s, 128));
	return -1;
}

void
acl_cidr_format(const struct acl_cidr *c, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, host,
	    sizeof(host)) == NULL)
		host[0] = '\0';
	snprintf(buf, len, "%s/%u", host, (unsigned)c->prefix);
}

/* The address bytes of sa with v4-mapped unmapped; NULL if not IP. */
static const uint8_t *
sockaddr_bytes(const struct sockaddr *sa, uint8_t *family)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET) {
		*family = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	}
	if (sa->sa_family != AF_INET6)
		return NULL;
	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		*family = 4;
		return in6->sin6_addr.s6_addr + 12;
	}
	*family = 6;
	return in6->sin6_addr.s6_addr;
}

static bool
prefix_match(const uint8_t *net, const uint8_t *addr, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;

	if (memcmp(net, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((net[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool
acl_cidr_match(const struct acl_cidr *c, const struct sockaddr *sa)
{
	uint8_t family;
	const uint8_t *b = sockaddr_bytes(sa, &family);

	return b != NULL && family == c->family &&
	    prefix_match(c->addr, b, c->prefix);
}

void
acl_init(struct acl *a)
{
	memset(a, 0, sizeof(*a));
}

void
acl_free(struct acl *a)
{
	free(a->allow.v);
	free(a->deny.v);
	acl_init(a);
}

int
acl_list_add(struct acl_list *l, const char *s, char *err, size_t errlen)
{
	struct acl_cidr c;

	if (acl_cidr_parse(s, &c, err, errlen) == -1)
		return -1;
	if (l->n >= ACL_MAX_ENTRIES) {
		snprintf(err, errlen, "too many entries (at most %d)",
		    ACL_MAX_ENTRIES);
		return -1;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		struct acl_cidr *nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL) {
			snprintf(err, errlen, "%s", strerror(ENOMEM));
			return -1;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = c;
	return 0;
}

bool
acl_list_match(const struct acl_list *l, const struct sockaddr *sa)
{
	uint8_t family;
	const uint8_t *b = sockaddr_bytes(sa, &family);

	if (b == NULL)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].family == family &&
		    prefix_match(l->v[i].addr, b, l->v[i].prefix))
			return true;
	return false;
}

bool
acl_permits(const struct acl *a, const struct sockaddr *sa)
{
	if (acl_list_match(&a->deny, sa))
		return false;
	return a->allow.n == 0 || acl_list_match(&a->allow, sa);
}

static int
list_copy(struct acl_list *dst, const struct acl_list *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->n == 0)
		return 0;
	dst->v = malloc(src->n * sizeof(*dst->v));
	if (dst->v == NULL)
		return -1;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = dst->cap = src->n;
	return 0;
}

int
acl_copy(struct acl *dst, const struct acl *src)
{
	acl_init(dst);
	if (list_copy(&dst->allow, &src->allow) == -1 ||
	    list_copy(&dst->deny, &src->deny) == -1) {
		acl_free(dst);
		return -1;
	}
	return 0;
}

static bool
list_equal(const struct acl_list *a, const struct acl_list *b)
{
	return a->n == b->n &&
	    (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0);
}

bool
acl_equal(const struct acl *a, const struct acl *b)
{
	return list_equal(&a->allow, &b->allow) &&
	    list_equal(&a->deny, &b->deny);
}
