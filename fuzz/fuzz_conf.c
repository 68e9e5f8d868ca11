/*
 * fuzz_conf: the configuration loader (conf_load_string: libconfig syntax,
 * the settings tables, units, addresses, CIDR lists) on arbitrary text.
 * Checked: it fails with at least one non-empty diagnostic or succeeds
 * with at least one named listener; whatever it accepts, every listener's
 * guard (ACL, port list, limits) can be built, so a loaded config never
 * fails later at startup or reload.
 */
#include "config.h"

#include "conf/conf.h"
#include "fuzz.h"
#include "daemon/protect.h"

static void
check_loaded(const struct conf *c)
{
	struct protect_ports own;
	char err[256];

	FUZZ_CHECK(c->nlisteners > 0);
	FUZZ_CHECK(protect_ports_init(&own, c) == 0);
	for (size_t i = 0; i < c->nlisteners; i++) {
		const struct lconf *lc = &c->listeners[i];
		struct protect *p;
		struct ratelimit *rl;

		FUZZ_CHECK(lc->name[0] != '\0');
		p = protect_new(lc, &own, err, sizeof(err));
		FUZZ_CHECK(p != NULL);
		FUZZ_CHECK(p->acl.allow.n == lc->guard.allow.n &&
		    p->acl.deny.n == lc->guard.deny.n);
		/* Tables sized from the config, kept small for the fuzzer. */
		if (lc->guard.udp_sources_tracked <= 4096 &&
		    (rl = protect_udp_limiter(p, 4, err, sizeof(err))) != NULL)
			ratelimit_free(rl);
		protect_free(p);
	}
	protect_ports_free(&own);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct conf *c = NULL;
	struct diags d;

	if (s == NULL)
		return 0;
	diags_init(&d);
	if (conf_load_string(s, "fuzz.conf", &c, &d) == 0) {
		FUZZ_CHECK(c != NULL);
		check_loaded(c);
		conf_free(c);
	} else {
		FUZZ_CHECK(d.n >= 1);
		for (size_t i = 0; i < d.n; i++)
			FUZZ_CHECK(d.msgs[i] != NULL && d.msgs[i][0] != '\0');
	}
	diags_free(&d);
	free(s);
	return 0;
}
