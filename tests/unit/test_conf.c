/*
 * test_conf: the configuration loader (see test_settings for the tables).
 *  - good configs (tests/data/conf/good) load with the expected values;
 *  - every tests/data/conf/bad/NAME.conf fails with exactly the lines of
 *    NAME.expected (one test per pair, found by listing the directory; the
 *    directory part of the path is stripped from the messages);
 *  - conf/echod.conf shows every setting with the table's default and help,
 *    and loads to the same values as the built-in defaults;
 *  - conf_settings_dump() prints one row per setting.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf/conf.h"
#include "common/log.h"
#include "conf/settings.h"

#define GOOD SRCDIR "/tests/data/conf/good/"
#define BAD SRCDIR "/tests/data/conf/bad/"
#define SAMPLE SRCDIR "/conf/echod.conf"
#define MINIMAL "listeners = ( { name = \"x\"; protocol = \"tcp\"; " \
	"address = \"127.0.0.1\"; port = 1; } );"

static void
print_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("diag: %s\n", d->msgs[i]);
}

static struct conf *
load_ok(const char *path)
{
	struct diags d;
	struct conf *c = NULL;

	diags_init(&d);
	if (conf_load(path, &c, &d) != 0)
		print_diags(&d);
	assert_non_null(c);
	assert_int_equal(d.n, 0);
	diags_free(&d);
	return c;
}

static struct conf *
load_string_ok(const char *text)
{
	struct diags d;
	struct conf *c = NULL;

	diags_init(&d);
	if (conf_load_string(text, "test", &c, &d) != 0)
		print_diags(&d);
	assert_non_null(c);
	diags_free(&d);
	return c;
}

/* Load text that must fail; return its one diagnostic line (caller frees). */
static char *
load_string_fail(const char *text)
{
	struct diags d;
	struct conf *c = NULL;
	char *msg;

	diags_init(&d);
	assert_int_equal(conf_load_string(text, "t.conf", &c, &d), -1);
	assert_null(c);
	if (d.n != 1)
		print_diags(&d);
	assert_int_equal(d.n, 1);
	msg = strdup(d.msgs[0]);
	diags_free(&d);
	return msg;
}

/* protocol = "stamp": port 862 unless given, the udp settings and its own
 * apply, its own are refused elsewhere, and it conflicts with a udp
 * listener on the same socket (both are UDP sockets). */
static void
test_stamp_listener(void **state)
{
	struct conf *c = load_string_ok("listeners = ( { name = \"s\"; "
	    "protocol = \"stamp\"; address = \"::1\"; max_datagram = 100; "
	    "stamp_mode = \"stateful\"; stamp_timestamp = \"ptp\"; "
	    "stamp_sessions = 64; stamp_session_timeout = \"5s\"; },"
	    "{ name = \"d\"; protocol = \"stamp\"; address = \"::1\"; "
	    "port = 8620; } );");
	const struct lconf *l = &c->listeners[0], *d = &c->listeners[1];
	char *msg;

	(void)state;
	assert_int_equal(l->proto, CONF_STAMP);
	assert_int_equal(l->port, 862);
	assert_int_equal(addr_port(&l->bind.u.sa), 862);
	assert_int_equal(l->max_datagram, 100);
	assert_int_equal(l->stamp.mode, CONF_STAMP_STATEFUL);
	assert_int_equal(l->stamp.timestamp, CONF_STAMP_PTP);
	assert_int_equal(l->stamp.sessions, 64);
	assert_true(l->stamp.session_timeout == 5.0);
	assert_int_equal(d->port, 8620);
	assert_int_equal(d->stamp.mode, CONF_STAMP_STATELESS);
	assert_int_equal(d->stamp.timestamp, CONF_STAMP_NTP);
	assert_int_equal(d->stamp.sessions, 4096);
	conf_free(c);
	msg = load_string_fail("listeners = ( { name = \"u\"; protocol = "
	    "\"udp\"; address = \"::1\"; port = 9; stamp_mode = "
	    "\"stateful\"; } );");
	assert_non_null(strstr(msg, "stamp_mode: applies to stamp listeners "
	    "only; this listener is udp"));
	free(msg);
	msg = load_string_fail("listeners = ( { name = \"u\"; protocol = "
	    "\"udp\"; address = \"::1\"; port = 862; }, { name = \"s\"; "
	    "protocol = \"stamp\"; address = \"::1\"; } );");
	assert_non_null(strstr(msg, "862"));
	free(msg);
}

static void
test_minimal(void **state)
{
	struct conf *c = load_ok(GOOD "minimal.conf");
	const struct lconf *l;

	(void)state;
	assert_int_equal(c->log_level, LOG_LVL_NOTICE);
	assert_int_equal(c->log_target, CONF_LOG_AUTO);
	assert_int_equal(c->workers, 0);
	assert_true(c->drain_timeout == 10.0);
	assert_true(c->status_interval == 5.0);
	assert_string_equal(c->control_socket,
	    RUNSTATEDIR "/echod/control.sock");
	assert_int_equal(c->nlisteners, 1);
	l = conf_listener(c, "echo");
	assert_non_null(l);
	assert_null(conf_listener(c, "ech"));
	assert_int_equal(l->proto, CONF_TCP);
	assert_string_equal(l->address, "127.0.0.1");
	assert_int_equal(l->port, 7);
	assert_int_equal(l->line, 2);
	assert_false(l->dualstack);
	assert_int_equal(l->bind.u.sa.sa_family, AF_INET);
	assert_int_equal(ntohs(l->bind.u.in4.sin_port), 7);
	assert_true(l->idle_timeout == 300.0);
	assert_int_equal(l->max_connections, 1024);
	assert_int_equal(l->buffer_size, 65536);
	assert_int_equal(l->max_datagram, 65527);
	assert_false(l->oneshot);
	assert_int_equal(l->oneshot_size, 4096);
	assert_string_equal(c->path, GOOD "minimal.conf");
	conf_free(c);
}

static void
test_full(void **state)
{
	struct conf *c = load_ok(GOOD "full.conf");
	const struct lconf *t, *u;

	(void)state;
	assert_int_equal(c->log_level, LOG_LVL_DEBUG);
	assert_int_equal(c->log_target, CONF_LOG_STDERR);
	assert_int_equal(c->workers, 4);
	assert_true(c->drain_timeout == 2.5);
	assert_true(c->status_interval == 60.0);
	assert_string_equal(c->control_socket, "");
	assert_true(c->defaults.idle_timeout == 0.25);
	assert_int_equal(c->defaults.buffer_size, 1048576);
	assert_int_equal(c->nlisteners, 2);
	t = &c->listeners[0];
	assert_string_equal(t->name, "t1");
	assert_int_equal(t->bind.u.sa.sa_family, AF_INET6);
	assert_int_equal(t->port, 65535);
	assert_true(t->idle_timeout == 0.0);
	assert_int_equal(t->max_connections, 10);
	assert_int_equal(t->buffer_size, 512);
	assert_int_equal(t->max_datagram, 1472);	/* from defaults */
	assert_false(t->oneshot);
	assert_int_equal(t->oneshot_size, 16 * 1048576);
	u = conf_listener(c, "u.1_x-Y");
	assert_non_null(u);
	assert_int_equal(u->proto, CONF_UDP);
	assert_int_equal(u->port, 1);
	assert_int_equal(u->max_datagram, 0);
	assert_true(u->oneshot);			/* from defaults */
	assert_int_equal(u->oneshot_size, 100);
	assert_int_equal(u->max_connections, 0);
	assert_true(u->idle_timeout == 0.25);
	conf_free(c);
}

static void
test_inherit(void **state)
{
	struct conf *c = load_ok(GOOD "inherit.conf");

	(void)state;
	assert_true(c->listeners[0].idle_timeout == 5.0);
	assert_true(c->listeners[1].idle_timeout == 60.0);
	assert_int_equal(c->listeners[0].buffer_size, 8192);
	assert_int_equal(c->listeners[1].buffer_size, 8192);
	assert_int_equal(c->listeners[1].max_connections, 1024);
	assert_int_equal(c->listeners[1].max_datagram, 1024);
	assert_int_equal(c->listeners[2].max_datagram, 512);
	assert_int_equal(c->listeners[2].port, c->listeners[0].port);
	conf_free(c);
}

static void
test_sockets(void **state)
{
	struct conf *c = load_ok(GOOD "sockets.conf");
	const struct lconf *l = c->listeners;

	(void)state;
	assert_int_equal(c->nlisteners, 6);
	assert_false(l[0].dualstack);
	assert_int_equal(l[0].bind.u.sa.sa_family, AF_INET6);
	assert_int_equal(l[1].bind.u.sa.sa_family, AF_INET);
	assert_true(l[2].dualstack);
	assert_int_equal(l[2].bind.u.sa.sa_family, AF_INET6);
	assert_true(l[3].dualstack);
	assert_int_equal(l[4].bind.u.in6.sin6_scope_id, 1);
	/* v4-mapped addresses bind as plain IPv4 */
	assert_int_equal(l[5].bind.u.sa.sa_family, AF_INET);
	assert_int_equal(ntohl(l[5].bind.u.in4.sin_addr.s_addr), 0x7f000002);
	assert_false(conf_sockets_conflict(&l[0], &l[1]));
	assert_false(conf_sockets_conflict(&l[0], &l[2]));	/* tcp/udp */
	assert_false(conf_sockets_conflict(&l[2], &l[3]));	/* ports */
	assert_true(conf_same_socket(&l[0], &l[0]));
	assert_false(conf_same_socket(&l[0], &l[1]));
	conf_free(c);
}

static void
test_include(void **state)
{
	struct conf *c = load_ok(GOOD "include.conf");

	(void)state;
	assert_int_equal(c->workers, 3);
	assert_int_equal(c->nlisteners, 1);
	assert_string_equal(c->listeners[0].name, "inc");
	assert_int_equal(c->listeners[0].line, 2);	/* in include.inc */
	conf_free(c);
}

/* "*" conflicts with "::" and "0.0.0.0" but is not the same socket. */
static void
test_conflict_rules(void **state)
{
	struct conf *c = load_string_ok("listeners = ("
	    "{ name = \"a\"; protocol = \"tcp\"; address = \"*\"; port = 5; },"
	    "{ name = \"b\"; protocol = \"udp\"; address = \"::\"; port = 5; },"
	    "{ name = \"c\"; protocol = \"udp\"; address = \"0.0.0.0\"; port = 5; });");
	struct lconf x;

	(void)state;
	x = c->listeners[1];
	x.proto = CONF_TCP;
	assert_true(conf_sockets_conflict(&c->listeners[0], &x));
	assert_true(conf_sockets_conflict(&x, &c->listeners[0]));
	assert_false(conf_same_socket(&c->listeners[0], &x));
	x = c->listeners[2];
	x.proto = CONF_TCP;
	assert_true(conf_sockets_conflict(&c->listeners[0], &x));
	assert_false(conf_same_socket(&c->listeners[0], &x));
	x.port = 6;
	assert_false(conf_sockets_conflict(&c->listeners[0], &x));
	conf_free(c);
}

static void
test_cannot_read(void **state)
{
	struct diags d;
	struct conf *c = (struct conf *)&c;

	(void)state;
	diags_init(&d);
	assert_int_equal(conf_load(BAD "does-not-exist.conf", &c, &d), -1);
	assert_null(c);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], BAD "does-not-exist.conf: cannot "
	    "read: No such file or directory");
	diags_free(&d);
	assert_int_equal(conf_load(BAD, &c, &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], BAD ": cannot read: Is a directory");
	diags_free(&d);
}

/* Files that are not config text are refused before parsing. */
static void
test_not_text(void **state)
{
	char path[] = "/tmp/test_conf.XXXXXX";
	struct diags d;
	struct conf *c;
	char want[128];
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("workers = 1;\n", f);
	fputc('\0', f);
	fputs(MINIMAL "\n", f);
	assert_int_equal(fflush(f), 0);
	diags_init(&d);
	assert_int_equal(conf_load(path, &c, &d), -1);
	assert_int_equal(d.n, 1);
	snprintf(want, sizeof(want), "%s: cannot read: not a text file "
	    "(NUL byte)", path);
	assert_string_equal(d.msgs[0], want);
	diags_free(&d);
	/* a comment line repeated past the 1 MiB bound */
	for (int i = 0; i < 1024 * 1024 / 60; i++)
		fputs("# ............................................................\n", f);
	fclose(f);
	assert_int_equal(conf_load(path, &c, &d), -1);
	assert_int_equal(d.n, 1);
	snprintf(want, sizeof(want), "%s: cannot read: larger than 1048576 "
	    "bytes", path);
	assert_string_equal(d.msgs[0], want);
	diags_free(&d);
	unlink(path);
}

static void
test_load_string_name(void **state)
{
	char *msg = load_string_fail("workers = 1;\nworkers = 2;\n");

	(void)state;
	assert_string_equal(msg, "t.conf:2: syntax error: duplicate setting name");
	free(msg);
	msg = load_string_fail(MINIMAL "\nworkers = -1;");
	assert_string_equal(msg, "t.conf:2: workers: -1 is out of range "
	    "(allowed: 0 .. 256; 0 = one per CPU)");
	free(msg);
	msg = load_string_fail("");
	assert_string_equal(msg, "t.conf: listeners: missing (allowed: a list "
	    "of at least one listener: listeners = ( { ... } ))");
	free(msg);
}

static void
test_default_path(void **state)
{
	(void)state;
	assert_string_equal(conf_default_path(), SYSCONFDIR "/echod.conf");
}

/* --- the bad corpus ------------------------------------------------------ */

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void
test_bad(void **state)
{
	const char *name = *state;
	char conf[1024], exp[1024];
	char *expected, *line, *save = NULL;
	struct diags d;
	struct conf *c = NULL;
	size_t i = 0, bad = 0;

	snprintf(conf, sizeof(conf), "%s%s.conf", BAD, name);
	snprintf(exp, sizeof(exp), "%s%s.expected", BAD, name);
	expected = slurp(exp);
	if (expected == NULL)
		fail_msg("%s: missing (every bad config needs one)", exp);
	diags_init(&d);
	assert_int_equal(conf_load(conf, &c, &d), -1);
	assert_null(c);
	for (line = strtok_r(expected, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), i++) {
		const char *got = i < d.n ? d.msgs[i] : "(nothing)";

		if (strncmp(got, BAD, strlen(BAD)) == 0)
			got += strlen(BAD);
		if (strcmp(got, line) != 0) {
			print_message("line %zu:\n  expected: %s\n  got:      %s\n",
			    i + 1, line, got);
			bad++;
		}
	}
	for (; i < d.n; i++, bad++)
		print_message("unexpected: %s\n", d.msgs[i]);
	diags_free(&d);
	free(expected);
	assert_int_equal(bad, 0);
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the bad configs: NAME for NAME.conf and NAME.expected alike, so
 * an .expected without its .conf fails too. */
static size_t
bad_names(char ***out)
{
	DIR *dir = opendir(BAD);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		size_t k;

		if (has_suffix(e->d_name, ".conf"))
			k = strlen(e->d_name) - 5;
		else if (has_suffix(e->d_name, ".expected"))
			k = strlen(e->d_name) - 9;
		else
			continue;
		v = realloc(v, (n + 1) * sizeof(*v));
		assert_non_null(v);
		v[n] = strndup(e->d_name, k);
		assert_non_null(v[n]);
		n++;
	}
	closedir(dir);
	qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	return n;
}

/* --- the sample and the tables -------------------------------------------- */

/* The dump as rows of 7 tab-separated columns. */
struct row {
	char *col[7];
};

static size_t
dump_rows(struct row **out, char **text)
{
	size_t len = 0, n = 0;
	FILE *f = open_memstream(text, &len);
	struct row *rows = NULL;
	char *line, *save = NULL;

	assert_non_null(f);
	conf_settings_dump(f);
	assert_int_equal(fclose(f), 0);
	line = strtok_r(*text, "\n", &save);
	assert_non_null(line);
	assert_string_equal(line,
	    "# scope\tname\ttype\tprotocols\tdefault\tallowed\thelp");
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		char *p = line;

		rows = realloc(rows, (n + 1) * sizeof(*rows));
		assert_non_null(rows);
		for (int k = 0; k < 7; k++) {
			rows[n].col[k] = p;
			p = strchr(p, '\t');
			if (k < 6) {
				assert_non_null(p);
				*p++ = '\0';
			}
		}
		assert_null(p);
		n++;
	}
	*out = rows;
	return n;
}

static size_t
count_settings(void)
{
	size_t n = 0;

	for (size_t t = 0; settings_tables[t] != NULL; t++)
		for (const struct setting *s = settings_tables[t]; s->name; s++)
			n++;
	return n;
}

/* The expected sample text of a default: build paths shown as on Debian. */
static void
sample_default(const char *def, char *buf, size_t len)
{
	const char *p = strstr(def, RUNSTATEDIR "/");

	if (p == NULL || strcmp(RUNSTATEDIR, "/run") == 0) {
		snprintf(buf, len, "%s", def);
		return;
	}
	snprintf(buf, len, "%.*s/run%s", (int)(p - def), def,
	    p + strlen(RUNSTATEDIR));
}

/* Find "NAME = DEFAULT;" in the sample, in the right block, with the help
 * line in the comment above it. */
static void
check_sample_row(char **lines, size_t n, const struct row *r)
{
	int global = strcmp(r->col[0], "global") == 0;
	char want[400], want_commented[401], help[512], def[300];
	int block = 0;	/* 0 top, 1 defaults, 2 listeners */

	sample_default(r->col[4], def, sizeof(def));
	snprintf(want, sizeof(want), "%s%s = %s;", global ? "" : "\t",
	    r->col[1], def);
	snprintf(want_commented, sizeof(want_commented), "#%s", want);
	snprintf(help, sizeof(help), "%s# %s", global ? "" : "\t", r->col[6]);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(lines[i], "defaults = {") == 0)
			block = 1;
		else if (strcmp(lines[i], "listeners = (") == 0)
			block = 2;
		else if (block == 1 && strcmp(lines[i], "};") == 0)
			block = 0;
		if (block != (global ? 0 : 1) || (strcmp(lines[i], want) != 0 &&
		    strcmp(lines[i], want_commented) != 0))
			continue;
		for (size_t j = i; j > 0 && lines[j - 1][strspn(lines[j - 1],
		    "\t")] == '#'; j--)
			if (strcmp(lines[j - 1], help) == 0)
				return;
		fail_msg("sample: '%s' lacks the help line '%s' above it",
		    want, help);
	}
	fail_msg("sample: no line '%s' in the %s", want,
	    global ? "top level" : "defaults group");
}

static void
test_sample_text(void **state)
{
	struct row *rows;
	char *text, *sample, **lines = NULL, *line, *save = NULL;
	size_t n = dump_rows(&rows, &text), nl = 0, checked = 0;

	(void)state;
	assert_int_equal(n, count_settings());
	sample = slurp(SAMPLE);
	assert_non_null(sample);
	for (line = strtok_r(sample, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lines = realloc(lines, (nl + 1) * sizeof(*lines));
		assert_non_null(lines);
		lines[nl++] = line;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].col[0], "listener-only") == 0)
			continue;
		check_sample_row(lines, nl, &rows[i]);
		checked++;
	}
	assert_true(checked >= 12);
	free(lines);
	free(sample);
	free(rows);
	free(text);
}

static bool
value_equal(const struct setting *s, const void *a, const void *b)
{
	const char *pa = (const char *)a + s->offset;
	const char *pb = (const char *)b + s->offset;

	if (s->type == SETTING_STRING && s->size == 0)
		return strcmp(*(char *const *)(const void *)pa,
		    *(char *const *)(const void *)pb) == 0;
	if (s->type == SETTING_INT_LIST || s->type == SETTING_STR_LIST)
		return true;	/* compared as text by test_sample_text */
	return memcmp(pa, pb, s->size) == 0;
}

/* Loading the sample gives the built-in defaults and the seed's listeners. */
static void
test_sample_values(void **state)
{
	struct conf *c = load_ok(SAMPLE);
	struct conf *ref = load_string_ok(MINIMAL);
	const struct lconf *t, *u;

	(void)state;
	for (size_t k = 0; settings_tables[k] != NULL; k++) {
		for (const struct setting *s = settings_tables[k]; s->name; s++) {
			if (s->scope == SETTING_GLOBAL && !value_equal(s, c, ref))
				fail_msg("sample: %s is not the default", s->name);
			if (s->scope != SETTING_LISTENER)
				continue;
			if (!value_equal(s, &c->defaults, &ref->defaults))
				fail_msg("sample: defaults.%s is not the default",
				    s->name);
			for (size_t i = 0; i < c->nlisteners; i++)
				if (!value_equal(s, &c->listeners[i],
				    &ref->defaults))
					fail_msg("sample: listener %zu: %s", i,
					    s->name);
		}
	}
	assert_int_equal(c->nlisteners, 2);
	t = conf_listener(c, "tcp-main");
	u = conf_listener(c, "udp-main");
	assert_non_null(t);
	assert_non_null(u);
	assert_int_equal(t->proto, CONF_TCP);
	assert_string_equal(t->address, "127.0.0.1");
	assert_int_equal(t->port, 8888);
	assert_int_equal(u->proto, CONF_UDP);
	assert_string_equal(u->address, "127.0.0.1");
	assert_int_equal(u->port, 9999);
	conf_free(c);
	conf_free(ref);
}

static void
test_dump(void **state)
{
	struct row *rows;
	char *text;
	size_t n = dump_rows(&rows, &text);
	bool seen = false;

	(void)state;
	assert_int_equal(n, count_settings());
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].col[1], "buffer_size") != 0)
			continue;
		seen = true;
		assert_string_equal(rows[i].col[0], "listener");
		assert_string_equal(rows[i].col[2], "size");
		assert_string_equal(rows[i].col[3], "tcp");
		assert_string_equal(rows[i].col[4], "\"64k\"");
		assert_string_equal(rows[i].col[5], "512 .. 16M");
	}
	assert_true(seen);
	free(rows);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_inherit),
		cmocka_unit_test(test_sockets),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_conflict_rules),
		cmocka_unit_test(test_cannot_read),
		cmocka_unit_test(test_not_text),
		cmocka_unit_test(test_load_string_name),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_sample_text),
		cmocka_unit_test(test_sample_values),
		cmocka_unit_test(test_stamp_listener),
		cmocka_unit_test(test_dump),
	};
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]), nbad, n = 0;
	struct CMUnitTest *tests;
	char **names;
	int rc;

	nbad = bad_names(&names);
	tests = calloc(nfixed + nbad, sizeof(*tests));
	if (tests == NULL)
		return 99;
	memcpy(tests, fixed, sizeof(fixed));
	n = nfixed;
	for (size_t i = 0; i < nbad; i++) {
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;	/* NAME.conf and NAME.expected */
		tests[n].name = names[i];
		tests[n].test_func = test_bad;
		tests[n].initial_state = names[i];
		n++;
	}
	rc = _cmocka_run_group_tests("conf", tests, n, NULL, NULL);
	for (size_t i = 0; i < nbad; i++)
		free(names[i]);
	free(names);
	free(tests);
	return rc;
}
