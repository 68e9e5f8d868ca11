/*
 * conf: reads the libconfig file and turns it into struct conf, driven by the
 * settings tables (settings.c).  Owns the file format: the top level holds
 * global settings, "defaults" holds listener settings that every listener
 * inherits, "listeners" is a list of groups.  Built-in defaults are parsed
 * from the tables' default texts through the same code as the user's file,
 * so a default can never be something the file could not say.
 *
 * Diagnostics name settings by path: "workers", "defaults.buffer_size",
 * "listeners[1].port" (listener indexes count from 0, in file order), list
 * elements as "listeners[0].allow[2]".  Messages carry the file name as the
 * caller passed it; tests strip the directory.  Every problem is collected,
 * then sorted by line.
 */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "settings.h"
#include "units.h"

#define CONF_MAX_BYTES (1024 * 1024)	/* a config file is never bigger */
#define BUILTIN_NAME "<built-in defaults>"

enum ctx { CTX_ROOT, CTX_DEFAULTS, CTX_LISTENER };

struct ditem {
	int line;
	char *msg;
};

/* One load: the file name for messages and the problems found so far. */
struct loader {
	const char *name;
	struct ditem *items;
	size_t n, cap;
};

void
diags_init(struct diags *d)
{
	memset(d, 0, sizeof(*d));
}

void
diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	diags_init(d);
}

static int
diags_push(struct diags *d, char *msg)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		char **m = realloc(d->msgs, cap * sizeof(*m));

		if (m == NULL)
			return -1;
		d->msgs = m;
		d->cap = cap;
	}
	d->msgs[d->n++] = msg;
	return 0;
}

void
diags_add(struct diags *d, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return;
	if (diags_push(d, msg) < 0)
		free(msg);
}

static void
ld_add(struct loader *ld, int line, const char *msg)
{
	char *copy;

	if (ld->n == ld->cap) {
		size_t cap = ld->cap ? ld->cap * 2 : 8;
		struct ditem *it = realloc(ld->items, cap * sizeof(*it));

		if (it == NULL)
			return;
		ld->items = it;
		ld->cap = cap;
	}
	if ((copy = strdup(msg)) == NULL)
		return;
	ld->items[ld->n].line = line;
	ld->items[ld->n++].msg = copy;
}

/* "FILE:LINE: PATH: PROBLEM"; no LINE when there is no setting to point at. */
static void __attribute__((format(printf, 4, 5)))
ld_err(struct loader *ld, const config_setting_t *cs, const char *path,
    const char *fmt, ...)
{
	char problem[1024], msg[1600];
	const char *file = NULL;
	int line = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	if (cs != NULL) {
		file = config_setting_source_file(cs);
		line = config_setting_source_line(cs);
	}
	if (file == NULL)
		file = ld->name;
	if (line > 0)
		snprintf(msg, sizeof(msg), "%s:%d: %s: %s", file, line, path,
		    problem);
	else
		snprintf(msg, sizeof(msg), "%s: %s: %s", file, path, problem);
	ld_add(ld, line, msg);
}

/* Move the problems, in line order, into the caller's list. */
static void
ld_flush(struct loader *ld, struct diags *d)
{
	/* insertion sort: stable, so one line's problems keep their order */
	for (size_t i = 1; i < ld->n; i++) {
		struct ditem t = ld->items[i];
		size_t j = i;

		for (; j > 0 && ld->items[j - 1].line > t.line; j--)
			ld->items[j] = ld->items[j - 1];
		ld->items[j] = t;
	}
	for (size_t i = 0; i < ld->n; i++)
		if (diags_push(d, ld->items[i].msg) < 0)
			free(ld->items[i].msg);
	free(ld->items);
	ld->items = NULL;
	ld->n = ld->cap = 0;
}

static const char *
type_got(const config_setting_t *cs)
{
	switch (config_setting_type(cs)) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a float";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "nothing";
	}
}

static bool
is_int(const config_setting_t *cs)
{
	int t = config_setting_type(cs);

	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

static int
err_type(struct loader *ld, const struct setting *s,
    const config_setting_t *cs, const char *path)
{
	char allowed[512];

	settings_allowed(s, allowed, sizeof(allowed));
	ld_err(ld, cs, path, "expected %s, got %s (allowed: %s)",
	    settings_type_expect(s->type), type_got(cs), allowed);
	return -1;
}

static int
err_range(struct loader *ld, const struct setting *s,
    const config_setting_t *cs, const char *path, const char *shown)
{
	char allowed[512];

	settings_allowed(s, allowed, sizeof(allowed));
	ld_err(ld, cs, path, "%s is out of range (allowed: %s)", shown, allowed);
	return -1;
}

static int
err_value(struct loader *ld, const struct setting *s,
    const config_setting_t *cs, const char *path, const char *why)
{
	char allowed[512];

	settings_allowed(s, allowed, sizeof(allowed));
	ld_err(ld, cs, path, "%s (allowed: %s)", why, allowed);
	return -1;
}

/* A number of seconds/bytes or a string with a unit; `shown` echoes it. */
static int
read_number(struct loader *ld, const struct setting *s,
    const config_setting_t *cs, const char *path, double *v, char *shown,
    size_t shownlen)
{
	char err[256];
	uint64_t bytes;
	int t = config_setting_type(cs);

	if (is_int(cs)) {
		long long x = config_setting_get_int64(cs);

		snprintf(shown, shownlen, "%lld", x);
		*v = (double)x;
	} else if (t == CONFIG_TYPE_FLOAT && s->type == SETTING_DURATION) {
		*v = config_setting_get_float(cs);
		snprintf(shown, shownlen, "%g", *v);
		if (!isfinite(*v))
			return err_range(ld, s, cs, path, shown);
	} else if (t == CONFIG_TYPE_STRING && s->type != SETTING_INT) {
		const char *str = config_setting_get_string(cs);

		snprintf(shown, shownlen, "\"%s\"", str);
		if (s->type == SETTING_DURATION &&
		    units_parse_duration(str, v, err, sizeof(err)) < 0)
			return err_value(ld, s, cs, path, err);
		if (s->type == SETTING_SIZE) {
			if (units_parse_size(str, &bytes, err, sizeof(err)) < 0)
				return err_value(ld, s, cs, path, err);
			*v = (double)bytes;
		}
	} else {
		return err_type(ld, s, cs, path);
	}
	if (*v < s->min || *v > s->max)
		return err_range(ld, s, cs, path, shown);
	return 0;
}

static int
apply_string(struct loader *ld, const struct setting *s,
    const config_setting_t *cs, void *base, const char *path)
{
	char err[256];
	const char *v;

	if (config_setting_type(cs) != CONFIG_TYPE_STRING)
		return err_type(ld, s, cs, path);
	v = config_setting_get_string(cs);
	if (s->check != NULL && s->check(v, err, sizeof(err)) < 0)
		return err_value(ld, s, cs, path, err);
	if (settings_put_string(s, base, v, err, sizeof(err)) < 0)
		return err_value(ld, s, cs, path, err);
	return 0;
}

static int
apply_enum(struct loader *ld, const struct setting *s,
    const config_setting_t *cs, void *base, const char *path)
{
	char why[256];
	const char *v;

	if (config_setting_type(cs) != CONFIG_TYPE_STRING)
		return err_type(ld, s, cs, path);
	v = config_setting_get_string(cs);
	for (const struct setting_choice *c = s->choices; c->name; c++) {
		if (strcmp(c->name, v) == 0) {
			memcpy((char *)base + s->offset, &c->value,
			    sizeof(c->value));
			return 0;
		}
	}
	snprintf(why, sizeof(why), "unknown value \"%s\"", v);
	return err_value(ld, s, cs, path, why);
}

/* One element of a list: an integer in range, or a string passing check. */
static int
apply_elem(struct loader *ld, const struct setting *s,
    const config_setting_t *e, const char *path, void *list, size_t i)
{
	struct setting_ints *ints = list;
	struct setting_strs *strs = list;
	char err[256], shown[64];

	if (s->type == SETTING_INT_LIST) {
		if (!is_int(e)) {
			ld_err(ld, e, path, "expected an integer, got %s",
			    type_got(e));
			return -1;
		}
		ints->v[i] = config_setting_get_int64(e);
		snprintf(shown, sizeof(shown), "%lld", (long long)ints->v[i]);
		if ((double)ints->v[i] < s->min || (double)ints->v[i] > s->max)
			return err_range(ld, s, e, path, shown);
		ints->n = i + 1;
		return 0;
	}
	if (config_setting_type(e) != CONFIG_TYPE_STRING) {
		ld_err(ld, e, path, "expected a string, got %s", type_got(e));
		return -1;
	}
	if (s->check != NULL &&
	    s->check(config_setting_get_string(e), err, sizeof(err)) < 0)
		return err_value(ld, s, e, path, err);
	if ((strs->v[i] = strdup(config_setting_get_string(e))) == NULL)
		return err_value(ld, s, e, path, "out of memory");
	strs->n = i + 1;
	return 0;
}

static int
apply_list(struct loader *ld, const struct setting *s,
    const config_setting_t *cs, void *base, const char *path)
{
	void *list = (char *)base + s->offset;
	struct setting_ints *ints = list;
	struct setting_strs *strs = list;
	char epath[256], why[128];
	int t = config_setting_type(cs), n, rc = 0;
	void *mem;

	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
		return err_type(ld, s, cs, path);
	n = config_setting_length(cs);
	if ((size_t)n > s->max_items) {
		snprintf(why, sizeof(why), "%d elements are too many", n);
		return err_value(ld, s, cs, path, why);
	}
	settings_release(s, base);
	if (n == 0)
		return 0;
	mem = calloc((size_t)n, s->type == SETTING_INT_LIST ?
	    sizeof(*ints->v) : sizeof(*strs->v));
	if (mem == NULL)
		return err_value(ld, s, cs, path, "out of memory");
	if (s->type == SETTING_INT_LIST)
		ints->v = mem;
	else
		strs->v = mem;
	for (int i = 0; i < n; i++) {
		snprintf(epath, sizeof(epath), "%s[%d]", path, i);
		if (apply_elem(ld, s, config_setting_get_elem(cs, (unsigned)i),
		    epath, list, (size_t)i) < 0) {
			rc = -1;
			break;
		}
	}
	return rc;
}

/* Parse one setting's value into base + s->offset. */
static int
apply(struct loader *ld, const struct setting *s, const config_setting_t *cs,
    void *base, const char *path)
{
	char shown[320];
	double v;
	bool b;

	switch (s->type) {
	case SETTING_INT:
	case SETTING_SIZE:
		if (read_number(ld, s, cs, path, &v, shown, sizeof(shown)) < 0)
			return -1;
		settings_put_uint(s, base, (uint64_t)v);
		return 0;
	case SETTING_DURATION:
		if (read_number(ld, s, cs, path, &v, shown, sizeof(shown)) < 0)
			return -1;
		memcpy((char *)base + s->offset, &v, sizeof(v));
		return 0;
	case SETTING_BOOL:
		if (config_setting_type(cs) != CONFIG_TYPE_BOOL)
			return err_type(ld, s, cs, path);
		b = config_setting_get_bool(cs) != 0;
		memcpy((char *)base + s->offset, &b, sizeof(b));
		return 0;
	case SETTING_STRING:
		return apply_string(ld, s, cs, base, path);
	case SETTING_ENUM:
		return apply_enum(ld, s, cs, base, path);
	case SETTING_INT_LIST:
	case SETTING_STR_LIST:
		return apply_list(ld, s, cs, base, path);
	}
	return -1;
}

static bool
in_ctx(const struct setting *s, enum ctx ctx)
{
	switch (ctx) {
	case CTX_ROOT: return s->scope == SETTING_GLOBAL;
	case CTX_DEFAULTS: return s->scope == SETTING_LISTENER;
	case CTX_LISTENER: return s->scope != SETTING_GLOBAL;
	}
	return false;
}

#define for_each_setting(t, s) \
	for (size_t t = 0; settings_tables[t] != NULL; t++) \
		for (const struct setting *s = settings_tables[t]; \
		    s->name != NULL; s++)

/* The names allowed in ctx, for hints and for the "allowed" list. */
static size_t
ctx_names(enum ctx ctx, const char **names, size_t max)
{
	size_t n = 0;

	for_each_setting(t, s)
		if (in_ctx(s, ctx) && n < max)
			names[n++] = s->name;
	if (ctx == CTX_ROOT && n + 2 <= max) {
		names[n++] = "defaults";
		names[n++] = "listeners";
	}
	return n;
}

static void
err_unknown(struct loader *ld, const config_setting_t *m, enum ctx ctx,
    const char *path)
{
	const char *names[256], *best = NULL;
	const char *name = config_setting_name(m);
	size_t n = ctx_names(ctx, names, 256), len = 0;
	int bestd = 3;
	char list[2048];

	for (size_t i = 0; i < n; i++) {
		int dist = settings_distance(name, names[i]);

		if (dist < bestd && (size_t)dist < strlen(name)) {
			bestd = dist;
			best = names[i];
		}
	}
	if (best != NULL) {
		ld_err(ld, m, path, "unknown setting (did you mean '%s'?)", best);
		return;
	}
	list[0] = '\0';
	for (size_t i = 0; i < n && len < sizeof(list); i++) {
		snprintf(list + len, sizeof(list) - len, "%s%s",
		    i ? ", " : "", names[i]);
		len += strlen(list + len);
	}
	ld_err(ld, m, path, "unknown setting (allowed: %s)", list);
}

/* Every member of a group must be a setting of that place. */
static void
check_members(struct loader *ld, const config_setting_t *g, enum ctx ctx,
    const char *prefix)
{
	char path[256];
	int n = config_setting_length(g);

	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g,
		    (unsigned)i);
		const char *name = config_setting_name(m);
		const struct setting *s = settings_find(name);

		snprintf(path, sizeof(path), "%s%s%s", prefix,
		    *prefix ? "." : "", name);
		if (s != NULL && in_ctx(s, ctx))
			continue;
		if (ctx == CTX_ROOT && (strcmp(name, "defaults") == 0 ||
		    strcmp(name, "listeners") == 0))
			continue;
		if (s == NULL)
			err_unknown(ld, m, ctx, path);
		else if (s->scope == SETTING_GLOBAL)
			ld_err(ld, m, path, "a global setting, not allowed "
			    "here (allowed: at the top level of the file)");
		else if (s->scope == SETTING_LISTENER)
			ld_err(ld, m, path, "a listener setting, not allowed "
			    "at the top level (allowed: in defaults or in a "
			    "listener)");
		else
			ld_err(ld, m, path, "set in each listener, not here "
			    "(allowed: inside a listener)");
	}
}

/* Apply the settings of one place (root, defaults) that are present. */
static void
apply_group(struct loader *ld, const config_setting_t *g, enum setting_scope sc,
    void *base, const char *prefix)
{
	char path[256];

	for_each_setting(t, s) {
		const config_setting_t *cs;

		if (s->scope != sc ||
		    (cs = config_setting_get_member(g, s->name)) == NULL)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix,
		    *prefix ? "." : "", s->name);
		apply(ld, s, cs, base, path);
	}
}

/* What of a listener could be parsed, for the duplicate checks. */
struct lstate {
	bool name_ok, socket_ok;
	const config_setting_t *where, *name_where;
};

static void
check_protocols(struct loader *ld, const config_setting_t *g,
    const struct lconf *l, const char *prefix)
{
	unsigned bit = l->proto == CONF_TCP ? SETTING_TCP : SETTING_UDP;
	char path[256];

	for_each_setting(t, s) {
		const config_setting_t *cs;

		if (s->scope == SETTING_GLOBAL || (s->protos & bit) ||
		    (cs = config_setting_get_member(g, s->name)) == NULL)
			continue;
		snprintf(path, sizeof(path), "%s.%s", prefix, s->name);
		ld_err(ld, cs, path, "applies to %s listeners only; this "
		    "listener is %s (allowed: in defaults, or in a %s "
		    "listener)", settings_protos_name(s->protos),
		    l->proto == CONF_TCP ? "tcp" : "udp",
		    settings_protos_name(s->protos));
	}
}

static void
load_listener(struct loader *ld, struct conf *c, const config_setting_t *g,
    int i, struct lstate *st)
{
	struct lconf *l = &c->listeners[i];
	bool ok_name = false, ok_proto = false, ok_addr = false, ok_port = false;
	char prefix[32], path[256], allowed[512], err[256];

	snprintf(prefix, sizeof(prefix), "listeners[%d]", i);
	st->where = g;
	l->line = config_setting_source_line(g);
	for_each_setting(t, s)
		if (s->scope == SETTING_LISTENER &&
		    settings_copy(s, l, &c->defaults) < 0)
			ld_err(ld, g, prefix, "out of memory");
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		ld_err(ld, g, prefix, "expected a group, got %s (allowed: "
		    "{ name = ...; protocol = ...; address = ...; port = ...; })",
		    type_got(g));
		return;
	}
	check_members(ld, g, CTX_LISTENER, prefix);
	for_each_setting(t, s) {
		const config_setting_t *cs;
		int rc;

		if (s->scope == SETTING_GLOBAL)
			continue;
		snprintf(path, sizeof(path), "%s.%s", prefix, s->name);
		if ((cs = config_setting_get_member(g, s->name)) == NULL) {
			if (s->flags & SETTING_REQUIRED) {
				settings_allowed(s, allowed, sizeof(allowed));
				ld_err(ld, g, path, "missing (required in every "
				    "listener; allowed: %s)", allowed);
			}
			continue;
		}
		rc = apply(ld, s, cs, l, path);
		if (strcmp(s->name, "name") == 0) {
			ok_name = rc == 0;
			st->name_where = cs;
		}
		ok_proto |= rc == 0 && strcmp(s->name, "protocol") == 0;
		ok_addr |= rc == 0 && strcmp(s->name, "address") == 0;
		ok_port |= rc == 0 && strcmp(s->name, "port") == 0;
	}
	if (ok_proto)
		check_protocols(ld, g, l, prefix);
	if (ok_addr && ok_port && addr_parse(l->address, l->port, &l->bind,
	    &l->dualstack, err, sizeof(err)) == 0) {
		addr_unmap(&l->bind);
		st->socket_ok = ok_proto;
	}
	st->name_ok = ok_name;
}

bool
conf_same_socket(const struct lconf *a, const struct lconf *b)
{
	return a->proto == b->proto && a->port == b->port &&
	    a->dualstack == b->dualstack && addr_equal(&a->bind.u.sa,
	    &b->bind.u.sa);
}

static bool
is_v4_any(const struct lconf *l)
{
	return l->bind.u.sa.sa_family == AF_INET &&
	    addr_is_wildcard(&l->bind.u.sa);
}

bool
conf_sockets_conflict(const struct lconf *a, const struct lconf *b)
{
	if (a->proto != b->proto || a->port != b->port)
		return false;
	if (addr_equal(&a->bind.u.sa, &b->bind.u.sa))
		return true;	/* includes "*" against "::" */
	return (a->dualstack && is_v4_any(b)) || (b->dualstack && is_v4_any(a));
}

static void
format_socket(const struct lconf *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s%s%s:%u", l->proto == CONF_TCP ? "tcp" : "udp",
	    strchr(l->address, ':') ? "[" : "", l->address,
	    strchr(l->address, ':') ? "]" : "", l->port);
}

static void
check_duplicates(struct loader *ld, const struct conf *c,
    const struct lstate *st)
{
	char path[64], mine[128], theirs[128];

	for (size_t i = 0; i < c->nlisteners; i++) {
		const struct lconf *l = &c->listeners[i];

		for (size_t j = 0; j < i && st[i].name_ok; j++) {
			if (!st[j].name_ok ||
			    strcmp(l->name, c->listeners[j].name) != 0)
				continue;
			snprintf(path, sizeof(path), "listeners[%zu].name", i);
			ld_err(ld, st[i].name_where, path, "duplicate name '%s', "
			    "already used by listeners[%zu] at line %d "
			    "(allowed: a name unique among listeners)",
			    l->name, j, c->listeners[j].line);
			break;
		}
		for (size_t j = 0; j < i && st[i].socket_ok; j++) {
			const struct lconf *o = &c->listeners[j];

			if (!st[j].socket_ok || !conf_sockets_conflict(l, o))
				continue;
			snprintf(path, sizeof(path), "listeners[%zu]", i);
			format_socket(l, mine, sizeof(mine));
			format_socket(o, theirs, sizeof(theirs));
			if (conf_same_socket(l, o) ||
			    strcmp(l->address, o->address) == 0)
				ld_err(ld, st[i].where, path, "%s is already used "
				    "by listener '%s' at line %d (allowed: each "
				    "protocol, address and port once)", mine,
				    o->name, o->line);
			else
				ld_err(ld, st[i].where, path, "%s overlaps "
				    "listener '%s' (%s) at line %d: \"*\" "
				    "includes \"::\" and \"0.0.0.0\" (allowed: "
				    "each protocol, address and port once)",
				    mine, o->name, theirs, o->line);
			break;
		}
	}
}

static void
load_listeners(struct loader *ld, struct conf *c, const config_setting_t *root)
{
	const config_setting_t *ls = config_setting_get_member(root, "listeners");
	struct lstate *st;
	int n;

	if (ls == NULL) {
		ld_err(ld, NULL, "listeners", "missing (allowed: a list of at "
		    "least one listener: listeners = ( { ... } ))");
		return;
	}
	if (config_setting_type(ls) != CONFIG_TYPE_LIST) {
		ld_err(ld, ls, "listeners", "expected a list of groups, got %s "
		    "(allowed: listeners = ( { ... }, { ... } ))", type_got(ls));
		return;
	}
	if ((n = config_setting_length(ls)) == 0) {
		ld_err(ld, ls, "listeners", "empty (allowed: at least one "
		    "listener)");
		return;
	}
	c->listeners = calloc((size_t)n, sizeof(*c->listeners));
	st = calloc((size_t)n, sizeof(*st));
	if (c->listeners == NULL || st == NULL) {
		ld_err(ld, ls, "listeners", "out of memory");
		free(st);
		return;
	}
	c->nlisteners = (size_t)n;
	for (int i = 0; i < n; i++)
		load_listener(ld, c, config_setting_get_elem(ls, (unsigned)i),
		    i, &st[i]);
	check_duplicates(ld, c, st);
	free(st);
}

/* The tables' default texts as a config file of their own. */
static char *
builtin_text(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return NULL;
	for_each_setting(t, s)
		if (s->scope == SETTING_GLOBAL && s->def != NULL)
			fprintf(f, "%s = %s;\n", s->name, s->def);
	fprintf(f, "defaults = {\n");
	for_each_setting(t, s)
		if (s->scope == SETTING_LISTENER && s->def != NULL)
			fprintf(f, "%s = %s;\n", s->name, s->def);
	fprintf(f, "};\n");
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static int
parse_text(struct loader *ld, config_t *cfg, const char *text)
{
	const char *file, *why;
	char msg[1200];

	if (config_read_string(cfg, text) == CONFIG_TRUE)
		return 0;
	file = config_error_file(cfg);
	why = config_error_text(cfg);
	if (why == NULL || strcmp(why, "syntax error") == 0)
		why = NULL;	/* libconfig's generic text would say it twice */
	snprintf(msg, sizeof(msg), "%s:%d: syntax error%s%s",
	    file != NULL ? file : ld->name, config_error_line(cfg),
	    why != NULL ? ": " : "", why != NULL ? why : "");
	ld_add(ld, config_error_line(cfg), msg);
	return -1;
}

/* Globals and listener defaults from the tables' default texts. */
static int
load_builtin(struct conf *c, struct loader *user)
{
	struct loader ld = { .name = BUILTIN_NAME };
	const config_setting_t *defaults;
	char *text = builtin_text();
	config_t cfg;
	int rc = -1;

	config_init(&cfg);
	if (text == NULL) {
		ld_add(user, 0, BUILTIN_NAME ": out of memory");
		goto out;
	}
	if (parse_text(&ld, &cfg, text) == 0) {
		apply_group(&ld, config_root_setting(&cfg), SETTING_GLOBAL, c, "");
		defaults = config_lookup(&cfg, "defaults");
		apply_group(&ld, defaults, SETTING_LISTENER, &c->defaults,
		    "defaults");
	}
	rc = ld.n == 0 ? 0 : -1;
	for (size_t i = 0; i < ld.n; i++) {	/* a table bug: tests catch it */
		ld_add(user, 0, ld.items[i].msg);
		free(ld.items[i].msg);
	}
	free(ld.items);
out:
	config_destroy(&cfg);
	free(text);
	return rc;
}

static void
load_root(struct loader *ld, struct conf *c, const config_setting_t *root)
{
	const config_setting_t *defaults;

	check_members(ld, root, CTX_ROOT, "");
	apply_group(ld, root, SETTING_GLOBAL, c, "");
	defaults = config_setting_get_member(root, "defaults");
	if (defaults != NULL && config_setting_type(defaults) !=
	    CONFIG_TYPE_GROUP) {
		ld_err(ld, defaults, "defaults", "expected a group, got %s "
		    "(allowed: defaults = { idle_timeout = ...; ... })",
		    type_got(defaults));
	} else if (defaults != NULL) {
		check_members(ld, defaults, CTX_DEFAULTS, "defaults");
		apply_group(ld, defaults, SETTING_LISTENER, &c->defaults,
		    "defaults");
	}
	load_listeners(ld, c, root);
}

static int
load_text(const char *text, const char *name, const char *incdir,
    struct conf **out, struct diags *d)
{
	struct loader ld = { .name = name };
	struct conf *c;
	config_t cfg;

	*out = NULL;
	config_init(&cfg);
	if (incdir != NULL)
		config_set_include_dir(&cfg, incdir);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(name)) == NULL) {
		ld_add(&ld, 0, "out of memory");
		goto fail;
	}
	if (load_builtin(c, &ld) < 0 || parse_text(&ld, &cfg, text) < 0)
		goto fail;
	load_root(&ld, c, config_root_setting(&cfg));
	if (ld.n > 0)
		goto fail;
	config_destroy(&cfg);
	*out = c;
	return 0;
fail:
	config_destroy(&cfg);
	conf_free(c);
	ld_flush(&ld, d);
	return -1;
}

int
conf_load_string(const char *text, const char *name, struct conf **out,
    struct diags *d)
{
	return load_text(text, name, NULL, out, d);
}

/* The whole file, NUL-terminated; bounded so a wrong path cannot eat memory. */
static char *
read_file(const char *path, struct diags *d)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t n = 0;

	if (f == NULL)
		goto fail;
	if ((text = malloc(CONF_MAX_BYTES + 1)) == NULL)
		goto fail;
	n = fread(text, 1, CONF_MAX_BYTES + 1, f);
	if (ferror(f))
		goto fail;
	fclose(f);
	if (n > CONF_MAX_BYTES) {
		diags_add(d, "%s: cannot read: larger than %d bytes", path,
		    CONF_MAX_BYTES);
		free(text);
		return NULL;
	}
	if (memchr(text, '\0', n) != NULL) {
		diags_add(d, "%s: cannot read: not a text file (NUL byte)",
		    path);
		free(text);
		return NULL;
	}
	text[n] = '\0';
	return text;
fail:
	diags_add(d, "%s: cannot read: %s", path, strerror(errno));
	if (f != NULL)
		fclose(f);
	free(text);
	return NULL;
}

int
conf_load(const char *path, struct conf **out, struct diags *d)
{
	char *text, *dircopy;
	int rc;

	*out = NULL;
	if ((text = read_file(path, d)) == NULL)
		return -1;
	if ((dircopy = strdup(path)) == NULL) {
		free(text);
		diags_add(d, "%s: out of memory", path);
		return -1;
	}
	rc = load_text(text, path, dirname(dircopy), out, d);
	free(dircopy);
	free(text);
	return rc;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nlisteners; i++)
		settings_release_scope(&c->listeners[i], 0);
	settings_release_scope(&c->defaults, 0);
	settings_release_scope(c, 1);
	free(c->listeners);
	free(c->path);
	free(c);
}

const struct lconf *
conf_listener(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nlisteners; i++)
		if (strcmp(c->listeners[i].name, name) == 0)
			return &c->listeners[i];
	return NULL;
}

void
conf_settings_dump(FILE *out)
{
	settings_dump(out);
}

const char *
conf_default_path(void)
{
	return SYSCONFDIR "/echod.conf";
}

int
conf_parse_value(const struct setting *s, const char *value, void *base,
    struct diags *d)
{
	struct loader ld = { .name = "<value>" };
	const config_setting_t *cs;
	char *text = NULL;
	config_t cfg;

	config_init(&cfg);
	if (asprintf(&text, "%s = %s;", s->name, value) < 0) {
		text = NULL;
		ld_add(&ld, 0, "out of memory");
	} else if (parse_text(&ld, &cfg, text) == 0) {
		cs = config_setting_get_member(config_root_setting(&cfg),
		    s->name);
		if (cs != NULL)
			apply(&ld, s, cs, base, s->name);
		else
			ld_add(&ld, 0, "<value>: not a single value");
	}
	config_destroy(&cfg);
	free(text);
	if (ld.n == 0)
		return 0;
	ld_flush(&ld, d);
	return -1;
}
