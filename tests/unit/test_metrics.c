/*
 * test_metrics: the Prometheus exposition of a status snapshot: exact
 * sample lines, HELP and TYPE once per family before its samples, each
 * family's samples together, escaped label values, every drop reason
 * counted on some protocol, and Prometheus's own linter (promtool check
 * metrics, Debian package prometheus) accepting the output.
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
#include <unistd.h>
#include <cmocka.h>

#include "daemon/daemon.h"
#include "daemon/metrics.h"

#define TEXT_MAX (256 * 1024)

struct text {
	char buf[TEXT_MAX];
	size_t len;
	size_t lines;
};

static void
collect(void *ctx, const char *line)
{
	struct text *t = ctx;
	size_t n = strlen(line);

	assert_true(n < METRICS_LINE_MAX - 1);
	assert_null(strchr(line, '\n'));
	assert_true(t->len + n + 2 < sizeof(t->buf));
	memcpy(t->buf + t->len, line, n);
	t->len += n;
	t->buf[t->len++] = '\n';
	t->buf[t->len] = '\0';
	t->lines++;
}

static struct listener_status ls[3];
static struct daemon_status st;

static int
setup(void **state)
{
	memset(ls, 0, sizeof(ls));
	memset(&st, 0, sizeof(st));
	snprintf(ls[0].name, sizeof(ls[0].name), "tcp-main");
	ls[0].proto = CONF_TCP;
	ls[0].open_conns = 3;
	ls[0].st.v[ST_CONN_ACCEPTED] = 12;
	ls[0].st.v[ST_CONN_CLOSED] = 9;
	ls[0].st.v[ST_BYTES_IN] = 1000;
	ls[0].st.v[ST_BYTES_OUT] = 999;
	ls[0].st.v[ST_DROP_CONN_PER_SOURCE] = 4;
	snprintf(ls[1].name, sizeof(ls[1].name), "udp");
	ls[1].proto = CONF_UDP;
	ls[1].st.v[ST_DGRAMS_IN] = 7;
	ls[1].st.v[ST_DGRAMS_OUT] = 5;
	ls[1].st.v[ST_DGRAM_BYTES_IN] = 70;
	ls[1].st.v[ST_DGRAM_BYTES_OUT] = 50;
	ls[1].st.v[ST_DROP_TOO_BIG] = 2;
	/* A name with every character that needs escaping. */
	snprintf(ls[2].name, sizeof(ls[2].name), "we\"ird\\na\nme");
	ls[2].proto = CONF_TCP;
	st.phase = "running";
	st.uptime = 12.5;
	st.workers = 2;
	st.reloads = 1;
	st.listeners = ls;
	st.nlisteners = 3;
	return 0;
}

static struct text *
render(void)
{
	struct text *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	metrics_format(&st, collect, t);
	return t;
}

static bool
has_line(const struct text *t, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = t->buf; (p = strstr(p, line)) != NULL; p++)
		if ((p == t->buf || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void
test_samples(void **state)
{
	struct text *t = render();

	assert_true(has_line(t, "echod_connections_accepted_total{listener=\"tcp-main\",protocol=\"tcp\"} 12"));
	assert_true(has_line(t, "echod_connections_closed_total{listener=\"tcp-main\",protocol=\"tcp\"} 9"));
	assert_true(has_line(t, "echod_bytes_received_total{listener=\"tcp-main\",protocol=\"tcp\"} 1000"));
	assert_true(has_line(t, "echod_bytes_echoed_total{listener=\"tcp-main\",protocol=\"tcp\"} 999"));
	assert_true(has_line(t, "echod_bytes_echoed_total{listener=\"udp\",protocol=\"udp\"} 50"));
	assert_true(has_line(t, "echod_bytes_received_total{listener=\"udp\",protocol=\"udp\"} 70"));
	assert_true(has_line(t, "echod_datagrams_received_total{listener=\"udp\",protocol=\"udp\"} 7"));
	assert_true(has_line(t, "echod_datagrams_echoed_total{listener=\"udp\",protocol=\"udp\"} 5"));
	assert_true(has_line(t, "echod_open_connections{listener=\"tcp-main\",protocol=\"tcp\"} 3"));
	assert_true(has_line(t, "echod_connections_dropped_total{listener=\"tcp-main\",protocol=\"tcp\",reason=\"conn_per_source\"} 4"));
	assert_true(has_line(t, "echod_datagrams_dropped_total{listener=\"udp\",protocol=\"udp\",reason=\"too_big\"} 2"));
	assert_true(has_line(t, "echod_datagrams_dropped_total{listener=\"udp\",protocol=\"udp\",reason=\"acl\"} 0"));
	assert_true(has_line(t, "echod_uptime_seconds 12.500"));
	assert_true(has_line(t, "echod_workers 2"));
	assert_true(has_line(t, "echod_reloads_total 1"));
	assert_non_null(strstr(t->buf, "\necho" "d_build_info{version=\"" PACKAGE_VERSION "\",features=\"+systemd"));
	/* No protocol gets the other's families or reasons. */
	assert_null(strstr(t->buf, "echod_open_connections{listener=\"udp\""));
	assert_null(strstr(t->buf, "echod_datagrams_received_total{listener=\"tcp-main\""));
	assert_null(strstr(t->buf, "reason=\"too_big\"} 0\necho"
	    "d_connections_dropped_total{listener=\"tcp-main\""));
	assert_null(strstr(t->buf, "protocol=\"tcp\",reason=\"too_big\""));
	assert_null(strstr(t->buf, "protocol=\"udp\",reason=\"stall\""));
	free(t);
}

/* A STAMP listener: the datagram families and reasons under protocol
 * "stamp", its session counters, and none of them on the others. */
static void
test_stamp(void **state)
{
	struct listener_status one[1];
	struct text *t;

	(void)state;
	memset(one, 0, sizeof(one));
	snprintf(one[0].name, sizeof(one[0].name), "stamp");
	one[0].proto = CONF_STAMP;
	one[0].st.v[ST_DGRAMS_IN] = 9;
	one[0].st.v[ST_DGRAMS_OUT] = 6;
	one[0].st.v[ST_STAMP_SESSIONS] = 2;
	one[0].st.v[ST_STAMP_EVICTIONS] = 1;
	one[0].st.v[ST_DROP_STAMP_SHORT] = 3;
	st.listeners = one;
	st.nlisteners = 1;
	t = render();
	assert_true(has_line(t, "echod_datagrams_received_total{listener=\"stamp\",protocol=\"stamp\"} 9"));
	assert_true(has_line(t, "echod_datagrams_echoed_total{listener=\"stamp\",protocol=\"stamp\"} 6"));
	assert_true(has_line(t, "echod_stamp_sessions_total{listener=\"stamp\",protocol=\"stamp\"} 2"));
	assert_true(has_line(t, "echod_stamp_evictions_total{listener=\"stamp\",protocol=\"stamp\"} 1"));
	assert_true(has_line(t, "echod_datagrams_dropped_total{listener=\"stamp\",protocol=\"stamp\",reason=\"stamp_short\"} 3"));
	assert_true(has_line(t, "echod_datagrams_dropped_total{listener=\"stamp\",protocol=\"stamp\",reason=\"src_port\"} 0"));
	assert_null(strstr(t->buf, "echod_open_connections{listener=\"stamp\""));
	free(t);
	st.listeners = ls;
	st.nlisteners = 3;
	t = render();
	assert_null(strstr(t->buf, "echod_stamp_sessions_total{listener=\"udp\""));
	free(t);
}

static void
test_escaping(void **state)
{
	struct text *t = render();

	assert_true(has_line(t, "echod_open_connections{listener=\"we\\\"ird\\\\na\\nme\",protocol=\"tcp\"} 0"));
	free(t);
}

/* HELP then TYPE once per family, before its samples, samples together. */
static void
test_families(void **state)
{
	struct text *t = render();
	char seen[64][128], cur[128] = "";
	size_t nseen = 0;
	char *save = NULL;

	for (char *line = strtok_r(t->buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (strncmp(line, "# HELP ", 7) == 0) {
			sscanf(line + 7, "%127s", name);
			for (size_t i = 0; i < nseen; i++)
				assert_string_not_equal(seen[i], name);
			assert_true(nseen < 64);
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", name);
			snprintf(cur, sizeof(cur), "%s", name);
			line = strtok_r(NULL, "\n", &save);
			assert_non_null(line);
			assert_true(strncmp(line, "# TYPE ", 7) == 0);
			assert_true(strncmp(line + 7, cur, strlen(cur)) == 0);
			continue;
		}
		sscanf(line, "%127[^{ ]", name);
		assert_string_equal(name, cur);
	}
	assert_true(nseen >= 15);
	free(t);
}

static void
test_every_drop_counted(void **state)
{
	for (int id = ST_DROP_FIRST; id < ST_COUNT; id++)
		if (!metrics_drop_applies((enum stat_id)id, true) &&
		    !metrics_drop_applies((enum stat_id)id, false))
			fail_msg("drop reason %s is in no metric",
			    stat_drop_reason((enum stat_id)id));
	assert_false(metrics_drop_applies(ST_CONN_ACCEPTED, true));
	assert_false(metrics_drop_applies(ST_COUNT, true));
}

/* Prometheus's own linter; skipped only where the package is missing. */
static void
test_promtool(void **state)
{
	struct text *t;
	FILE *p;
	int rc;

	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		print_message("promtool not installed (apt-get install prometheus)\n");
		skip();
	}
	t = render();
	p = popen("promtool check metrics", "w");
	assert_non_null(p);
	assert_int_equal(fwrite(t->buf, 1, t->len, p), t->len);
	rc = pclose(p);
	assert_true(WIFEXITED(rc));
	assert_int_equal(WEXITSTATUS(rc), 0);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_samples, setup),
		cmocka_unit_test_setup(test_stamp, setup),
		cmocka_unit_test_setup(test_escaping, setup),
		cmocka_unit_test_setup(test_families, setup),
		cmocka_unit_test(test_every_drop_counted),
		cmocka_unit_test_setup(test_promtool, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
