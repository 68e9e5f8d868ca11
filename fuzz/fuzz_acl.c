/*
 * fuzz_acl: CIDR entries and access lists from arbitrary text, and the
 * guard's source-port list syntax.  Lines of the input are CIDR entries
 * (those starting with '!' go to the deny list); the first line is also
 * tried as a port list.  Checked: an accepted entry formats to text that
 * parses back to the same entry; matching agrees with the entry itself; a
 * port list that parses formats back to one that gives the same set.
 */
#include "config.h"

#include <arpa/inet.h>

#include "guard/acl.h"
#include "fuzz.h"
#include "guard/udp_guard.h"

static void
check_entry(const char *line, struct acl *a)
{
	struct acl_cidr c, back;
	char err[256], buf[128];
	bool deny = line[0] == '!';
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	const struct sockaddr *sa;

	if (acl_cidr_parse(line + deny, &c, err, sizeof(err)) == -1) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	FUZZ_CHECK((c.family == 4 && c.prefix <= 32) ||
	    (c.family == 6 && c.prefix <= 128));
	acl_cidr_format(&c, buf, sizeof(buf));
	FUZZ_CHECK(acl_cidr_parse(buf, &back, err, sizeof(err)) == 0);
	FUZZ_CHECK(memcmp(&c, &back, sizeof(c)) == 0);
	/* The network address itself always matches its own entry. */
	if (c.family == 4) {
		memcpy(&in4.sin_addr, c.addr, 4);
		sa = (const struct sockaddr *)&in4;
	} else {
		memcpy(&in6.sin6_addr, c.addr, 16);
		sa = (const struct sockaddr *)&in6;
	}
	FUZZ_CHECK(acl_cidr_match(&c, sa));
	if (acl_list_add(deny ? &a->deny : &a->allow, line + deny, err,
	    sizeof(err)) == 0 && deny)
		FUZZ_CHECK(!acl_permits(a, sa));
}

static void
check_ports(const char *line)
{
	struct udp_guard g, h;
	char err[256], buf[8192];

	udp_guard_init(&g);
	udp_guard_init(&h);
	if (udp_guard_set_ports(&g, line, err, sizeof(err)) == -1) {
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	udp_guard_ports_format(&g, buf, sizeof(buf));
	if (strlen(buf) + 1 < sizeof(buf)) {
		FUZZ_CHECK(udp_guard_set_ports(&h, buf, err, sizeof(err)) == 0);
		FUZZ_CHECK(memcmp(g.ports, h.ports, sizeof(g.ports)) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *line, *save = NULL;
	struct acl a, copy;
	bool first = true;

	if (s == NULL)
		return 0;
	acl_init(&a);
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (first)
			check_ports(line);
		first = false;
		check_entry(line, &a);
	}
	if (acl_copy(&copy, &a) == 0) {
		FUZZ_CHECK(acl_equal(&a, &copy));
		acl_free(&copy);
	}
	acl_free(&a);
	free(s);
	return 0;
}
