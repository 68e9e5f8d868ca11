/*
 * acl: per-listener access lists of IPv4 and IPv6 CIDR prefixes.
 *
 * Semantics (documented in echod.conf(5)): a source is permitted when it
 * matches no "deny" entry and, if the "allow" list is not empty, matches at
 * least one "allow" entry.  Deny wins over allow.  An empty ACL permits
 * everything.
 *
 * IPv4-mapped IPv6 sources (::ffff:a.b.c.d, as a dual-stack socket reports
 * IPv4 peers) are unmapped before matching, and an entry written as
 * "::ffff:10.0.0.0/104" is stored as "10.0.0.0/8", so an IPv4 rule always
 * applies to IPv4 peers whichever socket they came in on.
 *
 * Pure: no logging, no allocation outside acl_add/acl_free; matching does
 * not allocate, so it may run per datagram.
 */
#ifndef ECHOD_ACL_H
#define ECHOD_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define ACL_MAX_ENTRIES 4096	/* per list: a config typo, not a use case */

struct acl_cidr {
	uint8_t family;		/* 4 or 6 */
	uint8_t prefix;		/* 0..32 or 0..128 */
	uint8_t addr[16];	/* network order; IPv4 uses the first 4 bytes */
};

struct acl_list {
	struct acl_cidr *v;
	size_t n, cap;
};

struct acl {
	struct acl_list allow, deny;
};

/* "10.0.0.0/8", "2001:db8::/32", "192.0.2.7" (= /32), "::1" (= /128).
 * Host bits beyond the prefix are an error ("10.0.0.1/8"), so a typo does
 * not silently widen or narrow a rule.  0/-1 with a message in err. */
int acl_cidr_parse(const char *s, struct acl_cidr *out, char *err,
    size_t errlen);
/* Text form, as acl_cidr_parse accepts it: "10.0.0.0/8". */
void acl_cidr_format(const struct acl_cidr *c, char *buf, size_t len);
bool acl_cidr_match(const struct acl_cidr *c, const struct sockaddr *sa);

void acl_init(struct acl *a);
void acl_free(struct acl *a);
/* Parse and append to a list.  0/-1 (bad CIDR, list full, no memory). */
int acl_list_add(struct acl_list *l, const char *s, char *err, size_t errlen);
bool acl_list_match(const struct acl_list *l, const struct sockaddr *sa);
static inline bool
acl_is_empty(const struct acl *a)
{
	return a->allow.n == 0 && a->deny.n == 0;
}
/* true if sa may talk to the listener (see the semantics above). */
bool acl_permits(const struct acl *a, const struct sockaddr *sa);
/* Deep copy (for a config that outlives its source).  0/-1. */
int acl_copy(struct acl *dst, const struct acl *src);
/* Same entries in the same order. */
bool acl_equal(const struct acl *a, const struct acl *b);

#endif
