/*
 * test_conf: the configuration loader and the settings tables.
 *  - good configs (tests/data/conf/good) load with the expected values;
 *  - every tests/data/conf/bad/NAME.conf fails with exactly the lines of
 *    NAME.expected (one test per pair, found by listing the directory; the
 *    directory part of the path is stripped from the messages);
 *  - conf/echod.conf shows every setting with the table's default and help,
 *    and loads to the same values as the built-in defaults;
 *  - the tables are consistent and every value type parses.
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

#include <cmocka.h>

#include "conf.h"
#include "log.h"
#include "settings.h"

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
test_tables(void **state)
{
	(void)state;
	for (size_t k = 0; settings_tables[k] != NULL; k++) {
		for (const struct setting *s = settings_tables[k]; s->name; s++) {
			const char *n = s->name;

			assert_ptr_equal(settings_find(n), s);	/* unique */
			assert_true(strlen(n) > 0 && strlen(n) < 64);
			assert_non_null(s->help);
			assert_null(strpbrk(s->help, "\t\n"));
			assert_true(s->min <= s->max);
			if (s->flags & SETTING_REQUIRED) {
				assert_int_equal(s->scope, SETTING_LISTENER_ONLY);
				assert_null(s->def);
			} else {
				assert_non_null(s->def);
			}
			if (s->scope != SETTING_GLOBAL)
				assert_int_not_equal(s->protos, 0);
			switch (s->type) {
			case SETTING_INT:
			case SETTING_SIZE:
				assert_true(s->size == 1 || s->size == 2 ||
				    s->size == 4 || s->size == 8);
				assert_true(s->min >= 0);
				assert_true(s->max < 18446744073709551616.0 &&
				    (s->size == 8 ||
				    s->max < (double)(1ULL << (8 * s->size))));
				break;
			case SETTING_BOOL:
				assert_int_equal(s->size, sizeof(bool));
				break;
			case SETTING_ENUM:
				assert_int_equal(s->size, sizeof(int));
				assert_non_null(s->choices);
				break;
			case SETTING_DURATION:
				assert_int_equal(s->size, sizeof(double));
				break;
			case SETTING_INT_LIST:
				assert_int_equal(s->size,
				    sizeof(struct setting_ints));
				assert_true(s->max_items > 0);
				break;
			case SETTING_STR_LIST:
				assert_int_equal(s->size,
				    sizeof(struct setting_strs));
				assert_true(s->max_items > 0);
				break;
			case SETTING_STRING:
				break;
			}
		}
	}
}

static void
test_distance(void **state)
{
	(void)state;
	assert_int_equal(settings_distance("port", "port"), 0);
	assert_int_equal(settings_distance("prot", "port"), 1);
	assert_int_equal(settings_distance("idel_timeout", "idle_timeout"), 1);
	assert_int_equal(settings_distance("worker", "workers"), 1);
	assert_int_equal(settings_distance("adress", "address"), 1);
	assert_int_equal(settings_distance("buffersize", "buffer_size"), 1);
	assert_int_equal(settings_distance("abc", "xyz"), 3);
	assert_int_equal(settings_distance("", "name"), 4);
}

/* A struct with one member of every storage type, and rows pointing at it. */
struct fake {
	uint8_t u8;
	uint16_t u16;
	uint64_t u64;
	bool b;
	char arr[8];
	char *ptr;
	int e;
	double dur;
	uint32_t sz;
	struct setting_ints ints;
	struct setting_strs strs;
};

static int
check_even_length(const char *v, char *err, size_t errlen)
{
	if (strlen(v) % 2 == 0)
		return 0;
	snprintf(err, errlen, "'%s' has an odd length", v);
	return -1;
}

static const struct setting_choice fake_choices[] = {
	{ "one", 1 }, { "two", 2 }, { NULL, 0 },
};

static const struct setting fake_rows[] = {
	{ .name = "u8", .type = SETTING_INT, SETTING_AT(struct fake, u8),
	  .min = 1, .max = 200 },
	{ .name = "u16", .type = SETTING_INT, SETTING_AT(struct fake, u16),
	  .min = 0, .max = 65535, .allowed = "0 = off" },
	{ .name = "u64", .type = SETTING_INT, SETTING_AT(struct fake, u64),
	  .min = 0, .max = SETTING_NOMAX },
	{ .name = "b", .type = SETTING_BOOL, SETTING_AT(struct fake, b) },
	{ .name = "arr", .type = SETTING_STRING, SETTING_AT(struct fake, arr),
	  .check = check_even_length, .allowed = "an even length" },
	{ .name = "ptr", .type = SETTING_STRING, SETTING_STRP(struct fake, ptr) },
	{ .name = "e", .type = SETTING_ENUM, SETTING_AT(struct fake, e),
	  .choices = fake_choices },
	{ .name = "dur", .type = SETTING_DURATION, SETTING_AT(struct fake, dur),
	  .min = 0.5, .max = 3600 },
	{ .name = "sz", .type = SETTING_SIZE, SETTING_AT(struct fake, sz),
	  .min = 0, .max = 1048576 },
	{ .name = "ints", .type = SETTING_INT_LIST, SETTING_AT(struct fake, ints),
	  .min = 1, .max = 65535, .max_items = 3 },
	{ .name = "strs", .type = SETTING_STR_LIST, SETTING_AT(struct fake, strs),
	  .check = check_even_length, .allowed = "even lengths", .max_items = 2 },
};

static const struct setting *
fake_row(const char *name)
{
	for (size_t i = 0; i < sizeof(fake_rows) / sizeof(fake_rows[0]); i++)
		if (strcmp(fake_rows[i].name, name) == 0)
			return &fake_rows[i];
	fail_msg("no fake row %s", name);
	return NULL;
}

static void
parse_ok(struct fake *f, const char *name, const char *value)
{
	struct diags d;

	diags_init(&d);
	if (conf_parse_value(fake_row(name), value, f, &d) != 0) {
		print_diags(&d);
		fail_msg("%s = %s rejected", name, value);
	}
	diags_free(&d);
}

static void
parse_bad(struct fake *f, const char *name, const char *value,
    const char *expected)
{
	struct diags d;

	diags_init(&d);
	assert_int_equal(conf_parse_value(fake_row(name), value, f, &d), -1);
	if (d.n != 1 || strcmp(d.msgs[0], expected) != 0) {
		print_diags(&d);
		fail_msg("%s = %s: expected '%s'", name, value, expected);
	}
	diags_free(&d);
}

static void
fake_release(struct fake *f)
{
	for (size_t i = 0; i < sizeof(fake_rows) / sizeof(fake_rows[0]); i++)
		settings_release(&fake_rows[i], f);
}

static void
test_value_numbers(void **state)
{
	struct fake f;

	(void)state;
	memset(&f, 0, sizeof(f));
	parse_ok(&f, "u8", "200");
	assert_int_equal(f.u8, 200);
	parse_bad(&f, "u8", "201",
	    "<value>:1: u8: 201 is out of range (allowed: 1 .. 200)");
	parse_bad(&f, "u8", "0",
	    "<value>:1: u8: 0 is out of range (allowed: 1 .. 200)");
	parse_bad(&f, "u8", "\"5\"", "<value>:1: u8: expected an integer, "
	    "got a string (allowed: 1 .. 200)");
	parse_bad(&f, "u8", "1.5", "<value>:1: u8: expected an integer, "
	    "got a float (allowed: 1 .. 200)");
	assert_int_equal(f.u8, 200);	/* a rejected value changes nothing */
	parse_ok(&f, "u16", "65535");
	assert_int_equal(f.u16, 65535);
	parse_bad(&f, "u16", "65536", "<value>:1: u16: 65536 is out of range "
	    "(allowed: 0 .. 65535; 0 = off)");
	parse_ok(&f, "u64", "5000000000L");
	assert_true(f.u64 == 5000000000ULL);
	parse_bad(&f, "u64", "-1",
	    "<value>:1: u64: -1 is out of range (allowed: 0 or more)");
	parse_ok(&f, "dur", "1");
	assert_true(f.dur == 1.0);
	parse_ok(&f, "dur", "2.5");
	assert_true(f.dur == 2.5);
	parse_ok(&f, "dur", "\"1h\"");
	assert_true(f.dur == 3600.0);
	parse_ok(&f, "dur", "\"500ms\"");
	assert_true(f.dur == 0.5);
	parse_bad(&f, "dur", "\"250ms\"", "<value>:1: dur: \"250ms\" is out of "
	    "range (allowed: 500ms .. 1h)");
	parse_bad(&f, "dur", "\"2h\"", "<value>:1: dur: \"2h\" is out of "
	    "range (allowed: 500ms .. 1h)");
	parse_bad(&f, "dur", "-1",
	    "<value>:1: dur: -1 is out of range (allowed: 500ms .. 1h)");
	parse_bad(&f, "dur", "\"5x\"", "<value>:1: dur: unknown duration unit "
	    "'x' in '5x' (use ms, s, m, h or d) (allowed: 500ms .. 1h)");
	parse_bad(&f, "dur", "\"-1s\"", "<value>:1: dur: '-1s' is not a number "
	    "with an optional unit (allowed: 500ms .. 1h)");
	parse_bad(&f, "dur", "true", "<value>:1: dur: expected a duration (a "
	    "number of seconds or a string like \"30s\"), got a boolean "
	    "(allowed: 500ms .. 1h)");
	assert_true(f.dur == 0.5);
	parse_ok(&f, "sz", "\"1M\"");
	assert_int_equal(f.sz, 1048576);
	parse_ok(&f, "sz", "0");
	assert_int_equal(f.sz, 0);
	parse_bad(&f, "sz", "\"1025k\"", "<value>:1: sz: \"1025k\" is out of "
	    "range (allowed: 0 .. 1M)");
	parse_bad(&f, "sz", "-5",
	    "<value>:1: sz: -5 is out of range (allowed: 0 .. 1M)");
	parse_bad(&f, "sz", "1.5", "<value>:1: sz: expected a size (a number "
	    "of bytes or a string like \"64k\"), got a float (allowed: 0 .. 1M)");
	parse_bad(&f, "sz", "\"64kb\"", "<value>:1: sz: unknown size unit 'kb' "
	    "in '64kb' (use k, M or G; 1k = 1024) (allowed: 0 .. 1M)");
	parse_bad(&f, "sz", "\"99999999999999999999\"", "<value>:1: sz: size "
	    "'99999999999999999999' is too large (allowed: 0 .. 1M)");
}

static void
test_value_others(void **state)
{
	struct fake f;

	(void)state;
	memset(&f, 0, sizeof(f));
	parse_ok(&f, "b", "true");
	assert_true(f.b);
	parse_bad(&f, "b", "1", "<value>:1: b: expected a boolean (true or "
	    "false), got an integer (allowed: true or false)");
	parse_ok(&f, "arr", "\"abcdef\"");
	assert_string_equal(f.arr, "abcdef");
	parse_bad(&f, "arr", "\"abc\"", "<value>:1: arr: 'abc' has an odd "
	    "length (allowed: an even length)");
	parse_bad(&f, "arr", "\"abcdefgh\"", "<value>:1: arr: too long: 8 bytes "
	    "(at most 7) (allowed: an even length)");
	parse_bad(&f, "arr", "[\"ab\"]", "<value>:1: arr: expected a string, "
	    "got an array (allowed: an even length)");
	assert_string_equal(f.arr, "abcdef");
	parse_ok(&f, "ptr", "\"x\"");
	parse_ok(&f, "ptr", "\"yy\"");	/* replaces: LeakSanitizer watches */
	assert_string_equal(f.ptr, "yy");
	parse_ok(&f, "e", "\"two\"");
	assert_int_equal(f.e, 2);
	parse_bad(&f, "e", "\"three\"", "<value>:1: e: unknown value \"three\" "
	    "(allowed: one, two)");
	parse_bad(&f, "e", "2", "<value>:1: e: expected a string, got an "
	    "integer (allowed: one, two)");
	assert_int_equal(f.e, 2);
	fake_release(&f);
	assert_null(f.ptr);
}

static void
test_value_lists(void **state)
{
	struct fake f;

	(void)state;
	memset(&f, 0, sizeof(f));
	parse_ok(&f, "ints", "[7, 9, 19]");
	assert_int_equal(f.ints.n, 3);
	assert_int_equal(f.ints.v[0], 7);
	assert_int_equal(f.ints.v[2], 19);
	parse_ok(&f, "ints", "(1, 65535)");
	assert_int_equal(f.ints.n, 2);
	assert_int_equal(f.ints.v[1], 65535);
	parse_ok(&f, "ints", "[]");
	assert_int_equal(f.ints.n, 0);
	parse_bad(&f, "ints", "[1, 2, 3, 4]", "<value>:1: ints: 4 elements are "
	    "too many (allowed: 1 .. 65535 each, at most 3)");
	parse_bad(&f, "ints", "[2, 0]", "<value>:1: ints[1]: 0 is out of range "
	    "(allowed: 1 .. 65535 each, at most 3)");
	parse_bad(&f, "ints", "[\"a\"]",
	    "<value>:1: ints[0]: expected an integer, got a string");
	parse_bad(&f, "ints", "5", "<value>:1: ints: expected a list of "
	    "integers like [7, 9], got an integer (allowed: 1 .. 65535 each, "
	    "at most 3)");
	parse_ok(&f, "strs", "[\"ab\", \"cdef\"]");
	assert_int_equal(f.strs.n, 2);
	assert_string_equal(f.strs.v[1], "cdef");
	parse_bad(&f, "strs", "[\"ab\", \"abc\"]", "<value>:1: strs[1]: 'abc' "
	    "has an odd length (allowed: even lengths)");
	parse_bad(&f, "strs", "[1]",
	    "<value>:1: strs[0]: expected a string, got an integer");
	parse_bad(&f, "strs", "[\"a\", \"b\", \"c\"]", "<value>:1: strs: 3 "
	    "elements are too many (allowed: even lengths)");
	fake_release(&f);
	assert_null(f.ints.v);
	assert_null(f.strs.v);
}

/* A listener setting that is a list is deep-copied into each listener. */
static void
test_value_copy(void **state)
{
	struct fake a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	parse_ok(&a, "strs", "[\"ab\", \"cd\"]");
	parse_ok(&a, "ints", "[3]");
	parse_ok(&a, "ptr", "\"zz\"");
	for (size_t i = 0; i < sizeof(fake_rows) / sizeof(fake_rows[0]); i++)
		assert_int_equal(settings_copy(&fake_rows[i], &b, &a), 0);
	assert_ptr_not_equal(a.strs.v, b.strs.v);
	assert_string_equal(b.strs.v[1], "cd");
	assert_int_equal(b.ints.v[0], 3);
	assert_ptr_not_equal(a.ptr, b.ptr);
	assert_string_equal(b.ptr, "zz");
	fake_release(&a);
	assert_string_equal(b.strs.v[0], "ab");
	fake_release(&b);
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
		cmocka_unit_test(test_conflict_rules),
		cmocka_unit_test(test_cannot_read),
		cmocka_unit_test(test_load_string_name),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_sample_text),
		cmocka_unit_test(test_sample_values),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_value_numbers),
		cmocka_unit_test(test_value_others),
		cmocka_unit_test(test_value_lists),
		cmocka_unit_test(test_value_copy),
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
