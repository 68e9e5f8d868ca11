/*
 * test_ctl_reply: the status and stats bodies of any snapshot fit the
 * control protocol.  The worst case (the longest names that need the most
 * escaping, every counter at its largest, a reload error of bytes that
 * are not text) keeps every line under PROTO_LINE_MAX and the JSON valid
 * (python3's json module reads it back); 20,000 listeners make one whole
 * reply with every listener in it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "common/proto.h"
#include "daemon/ctl_reply.h"
#include "daemon/daemon.h"

static char reload_error[512];

/* A snapshot of n listeners; `worst`: the longest, most escaped texts and
 * the largest counters. */
static void
snapshot(struct daemon_status *st, size_t n, bool worst)
{
	memset(st, 0, sizeof(*st));
	st->phase = "running";
	st->uptime = 1e9;
	st->workers = UINT32_MAX;
	st->reloads = st->reload_failures = worst ? UINT64_MAX : 3;
	memset(reload_error, worst ? 0x01 : 'e', sizeof(reload_error) - 1);
	if (worst)
		for (size_t i = 0; i < sizeof(reload_error) - 1; i += 2)
			reload_error[i] = (char)0xff;
	st->last_reload_error = reload_error;
	st->open_conns = UINT32_MAX;
	st->nlisteners = n;
	assert_non_null(st->listeners = calloc(n, sizeof(*st->listeners)));
	for (size_t i = 0; i < n; i++) {
		struct listener_status *l = &st->listeners[i];

		if (worst) {
			memset(l->name, '"', sizeof(l->name) - 1);
			l->name[0] = (char)0x80;
			memset(l->address, '9', sizeof(l->address) - 1);
			l->open_conns = UINT32_MAX;
			for (int k = 0; k < ST_COUNT; k++)
				l->st.v[k] = UINT64_MAX;
		} else {
			snprintf(l->name, sizeof(l->name), "l-%zu", i);
			snprintf(l->address, sizeof(l->address),
			    "127.0.0.1:%zu", 1000 + i);
			l->st.v[ST_DGRAMS_OUT] = i;
		}
		l->proto = i % 2 ? CONF_UDP : CONF_TCP;
	}
	st->total = st->listeners[0].st;
}

/* The body as the client sees it; checks the reply parses whole. */
static char *
reply(const struct daemon_status *st, bool json, bool full,
    struct proto_reply *rep)
{
	struct proto_out o;
	char *buf, err[128];
	size_t len;

	proto_out_init(&o);
	proto_out_ok(&o);
	if (json)
		ctl_reply_json(&o, st, full);
	else
		ctl_reply_kv(&o, st, full);
	proto_out_end(&o);
	assert_false(o.failed);
	assert_non_null(buf = proto_out_take(&o, &len));
	proto_reply_init(rep);
	assert_int_equal(proto_reply_parse(buf, len, len, rep, err,
	    sizeof(err)), 1);
	assert_true(rep->ok);
	return buf;
}

static size_t
longest_line(const char *s, size_t len)
{
	size_t best = 0;

	for (size_t i = 0; i < len;) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t n = (size_t)(nl - (s + i));

		assert_non_null(nl);
		if (n > best)
			best = n;
		i += n + 1;
	}
	return best;
}

/* python3 reads it as JSON and finds `want` listeners. */
static void
json_valid(const char *s, size_t len, size_t want)
{
	char cmd[256];
	FILE *p;

	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		print_message("python3 not installed: JSON not validated\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json, sys; "
	    "d = json.load(sys.stdin); sys.exit(len(d[\"listeners\"]) != %zu)'",
	    want);
	assert_non_null(p = popen(cmd, "w"));
	assert_int_equal(fwrite(s, 1, len, p), len);
	assert_int_equal(pclose(p), 0);
}

static void
test_worst_case_lines(void **state)
{
	struct daemon_status st;
	struct proto_reply rep;

	snapshot(&st, 3, true);
	for (int json = 0; json < 2; json++) {
		for (int full = 0; full < 2; full++) {
			char *buf = reply(&st, json, full, &rep);

			assert_true(longest_line(buf + rep.bodyoff,
			    rep.bodylen) < PROTO_LINE_MAX - 1);
			if (json)
				json_valid(buf + rep.bodyoff, rep.bodylen, 3);
			free(buf);
		}
	}
	free(st.listeners);
}

static void
test_many_listeners(void **state)
{
	const size_t n = 20000;
	struct daemon_status st;
	struct proto_reply rep;
	char *buf, want[64];

	snapshot(&st, n, false);
	buf = reply(&st, false, true, &rep);
	/* 8 daemon lines, the total's and each listener's 4 + counters, and
	 * each TCP listener's proxy_protocol (every other one). */
	assert_int_equal(rep.lines, 8 + (n + 1) * (ST_COUNT + 1) + n * 4 +
	    (n + 1) / 2);
	snprintf(want, sizeof(want), "\nlistener.l-%zu.dgrams_out=%zu\n",
	    n - 1, n - 1);
	assert_non_null(memmem(buf + rep.bodyoff, rep.bodylen, want,
	    strlen(want)));
	free(buf);
	buf = reply(&st, true, true, &rep);
	json_valid(buf + rep.bodyoff, rep.bodylen, n);
	free(buf);
	free(st.listeners);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worst_case_lines),
		cmocka_unit_test(test_many_listeners),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
