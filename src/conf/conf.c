/*
 * conf: reads the libconfig file and turns it into struct conf, driven by the
 * settings tables (settings.h, settings_echod.c).  Owns the file format: the top level holds
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

#include <libconfig.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_file.h"
#include "common/stamp.h"
#include "conf/settings.h"

#define BUILTIN_NAME "<built-in defaults>"

/* One load: the file name for messages and where its problems go. */
struct loader {
	const char *name;
	struct diags *d;
};

/* "FILE:LINE: PATH: PROBLEM"; no LINE when there is no setting to point at. */
static void __attribute__((format(printf, 4, 5)))
ld_err(struct loader *ld, const config_setting_t *cs, const char *path,
    const char *fmt, ...)
{
	char problem[1024];
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
		diags_add_line(ld->d, line, "%s:%d: %s: %s", file, line, path,
		    problem);
	else
		diags_add(ld->d, "%s: %s: %s", file, path, problem);
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

static void
value_of(const config_setting_t *cs, struct setting_value *v)
{
	memset(v, 0, sizeof(*v));
	v->got = type_got(cs);
	switch (config_setting_type(cs)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v->kind = SV_INT;
		v->i = config_setting_get_int64(cs);
		break;
	case CONFIG_TYPE_FLOAT:
		v->kind = SV_FLOAT;
		v->f = config_setting_get_float(cs);
		break;
	case CONFIG_TYPE_BOOL:
		v->kind = SV_BOOL;
		v->b = config_setting_get_bool(cs) != 0;
		break;
	case CONFIG_TYPE_STRING:
		v->kind = SV_STRING;
		v->s = config_setting_get_string(cs);
		break;
	default:
		v->kind = SV_OTHER;
		break;
	}
}

static int
apply_list(struct loader *ld, const struct setting *s,
    const config_setting_t *cs, void *base, const char *path)
{
	struct setting_value v;
	char err[1024], epath[300];
	int n = config_setting_length(cs);

	if (settings_list_begin(s, base, (size_t)n, err, sizeof(err)) < 0) {
		ld_err(ld, cs, path, "%s", err);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(cs,
		    (unsigned)i);

		value_of(e, &v);
		if (settings_list_set(s, base, (size_t)i, &v, err,
		    sizeof(err)) < 0) {
			snprintf(epath, sizeof(epath), "%s[%d]", path, i);
			ld_err(ld, e, epath, "%s", err);
			return -1;
		}
	}
	return 0;
}

/* Check one setting's value and store it into base + s->offset. */
static int
apply(struct loader *ld, const struct setting *s, const config_setting_t *cs,
    void *base, const char *path)
{
	struct setting_value v;
	char err[1024];
	int t = config_setting_type(cs);

	if ((t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST) &&
	    (s->type == SETTING_INT_LIST || s->type == SETTING_STR_LIST))
		return apply_list(ld, s, cs, base, path);
	value_of(cs, &v);
	if (settings_set(s, base, &v, err, sizeof(err)) < 0) {
		ld_err(ld, cs, path, "%s", err);
		return -1;
	}
	return 0;
}


static void
err_unknown(struct loader *ld, const config_setting_t *m,
    enum setting_place where, const char *path)
{
	const char *hint = settings_suggest(config_setting_name(m), where);
	char list[2048];

	if (hint != NULL) {
		ld_err(ld, m, path, "unknown setting (did you mean '%s'?)", hint);
		return;
	}
	settings_names(where, list, sizeof(list));
	ld_err(ld, m, path, "unknown setting (allowed: %s)", list);
}

/* Every member of a group must be a setting of that place. */
static void
check_members(struct loader *ld, const config_setting_t *g, enum setting_place where,
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
		if (s != NULL && settings_belongs(s, where))
			continue;
		if (where == SETTING_AT_TOP && (strcmp(name, "defaults") == 0 ||
		    strcmp(name, "listeners") == 0))
			continue;
		if (s == NULL)
			err_unknown(ld, m, where, path);
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

	SETTINGS_FOREACH(s) {
		const config_setting_t *cs;

		if (s->scope != sc ||
		    (cs = config_setting_get_member(g, s->name)) == NULL)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", prefix,
		    *prefix ? "." : "", s->name);
		apply(ld, s, cs, base, path);
	}
}

/* Where a setting is, for conf_check_duplicates' messages. */
static void
where_of(struct loader *ld, const config_setting_t *cs, const char **file,
    int *line)
{
	*file = config_setting_source_file(cs);
	if (*file == NULL)
		*file = ld->name;
	*line = config_setting_source_line(cs);
}

static void
check_protocols(struct loader *ld, const config_setting_t *g,
    const struct lconf *l, const char *prefix)
{
	/* A stamp listener is a datagram listener too. */
	unsigned bit = l->proto == CONF_TCP ? SETTING_TCP :
	    l->proto == CONF_UDP ? SETTING_UDP : SETTING_UDP | SETTING_STAMP;
	char path[256];

	SETTINGS_FOREACH(s) {
		const config_setting_t *cs;

		if (s->scope == SETTING_GLOBAL || (s->protos & bit) ||
		    (cs = config_setting_get_member(g, s->name)) == NULL)
			continue;
		snprintf(path, sizeof(path), "%s.%s", prefix, s->name);
		ld_err(ld, cs, path, "applies to %s listeners only; this "
		    "listener is %s (allowed: in defaults, or in a %s "
		    "listener)", settings_protos_name(s->protos),
		    conf_proto_name(l->proto),
		    settings_protos_name(s->protos));
	}
}

static void
load_listener(struct loader *ld, struct conf *c, const config_setting_t *g,
    int i, struct conf_lstate *st)
{
	struct lconf *l = &c->listeners[i];
	bool ok_name = false, ok_proto = false, ok_addr = false, ok_port = false;
	char prefix[32], path[256], allowed[512], err[256];

	snprintf(prefix, sizeof(prefix), "listeners[%d]", i);
	where_of(ld, g, &st->file, &st->line);
	l->line = st->line;
	SETTINGS_FOREACH(s)
		if (s->scope == SETTING_LISTENER &&
		    settings_copy(s, l, &c->defaults) < 0)
			ld_err(ld, g, prefix, "out of memory");
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		ld_err(ld, g, prefix, "expected a group, got %s (allowed: "
		    "{ name = ...; protocol = ...; address = ...; port = ...; })",
		    type_got(g));
		return;
	}
	check_members(ld, g, SETTING_IN_LISTENER, prefix);
	SETTINGS_FOREACH(s) {
		const config_setting_t *cs;
		int rc;

		if (s->scope == SETTING_GLOBAL)
			continue;
		snprintf(path, sizeof(path), "%s.%s", prefix, s->name);
		if ((cs = config_setting_get_member(g, s->name)) == NULL) {
			if (strcmp(s->name, "port") == 0 && ok_proto &&
			    l->proto == CONF_STAMP) {
				/* RFC 8762 §4: reflectors listen on 862 by
				 * default. */
				l->port = STAMP_PORT;
				ok_port = true;
			} else if (s->flags & SETTING_REQUIRED) {
				settings_allowed(s, allowed, sizeof(allowed));
				ld_err(ld, g, path, "missing (required in every "
				    "listener; allowed: %s)", allowed);
			}
			continue;
		}
		rc = apply(ld, s, cs, l, path);
		if (strcmp(s->name, "name") == 0) {
			ok_name = rc == 0;
			where_of(ld, cs, &st->name_file, &st->name_line);
		}
		ok_proto |= rc == 0 && strcmp(s->name, "protocol") == 0;
		ok_addr |= rc == 0 && strcmp(s->name, "address") == 0;
		ok_port |= rc == 0 && strcmp(s->name, "port") == 0;
	}
	if (ok_proto)
		check_protocols(ld, g, l, prefix);
	/* A PROXY header is believed only from the balancers: without their
	 * addresses anyone could claim any client address. */
	if (ok_proto && l->proto == CONF_TCP && l->proxy_protocol != 0 &&
	    l->guard.proxy_protocol_from.n == 0) {
		snprintf(path, sizeof(path), "%s.proxy_protocol_from", prefix);
		ld_err(ld, g, path, "missing while proxy_protocol is on (allowed: "
		    "the addresses or CIDR prefixes of the balancers that send "
		    "the header)");
	}
	if (ok_addr && ok_port && addr_parse(l->address, l->port, &l->bind,
	    &l->dualstack, err, sizeof(err)) == 0) {
		addr_unmap(&l->bind);
		st->socket_ok = ok_proto;
	}
	st->name_ok = ok_name;
}

static void
load_listeners(struct loader *ld, struct conf *c, const config_setting_t *root)
{
	const config_setting_t *ls = config_setting_get_member(root, "listeners");
	struct conf_lstate *st;
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
	conf_check_duplicates(c, st, ld->d);
	free(st);
}

#define CONF_INCLUDE_DEPTH_TEXT "10"	/* libconfig's MAX_INCLUDE_DEPTH */

static int
parse_text(struct loader *ld, config_t *cfg, const char *text)
{
	const char *file, *why;

	if (config_read_string(cfg, text) == CONFIG_TRUE)
		return 0;
	file = config_error_file(cfg);
	why = config_error_text(cfg);
	if (why != NULL && strcmp(why, "syntax error") == 0)
		why = NULL;	/* libconfig's generic text would say it twice */
	/* libconfig stops a chain of @include at its depth limit (10 in
	 * 1.5): say what that is usually, a file that includes itself. */
	if (why != NULL && strcmp(why, "include file nesting too deep") == 0)
		why = "@include nested too deep (allowed: at most "
		    CONF_INCLUDE_DEPTH_TEXT " levels; does a file include "
		    "itself, directly or through another?)";
	diags_add_line(ld->d, config_error_line(cfg), "%s:%d: syntax error%s%s",
	    file != NULL ? file : ld->name, config_error_line(cfg),
	    why != NULL ? ": " : "", why != NULL ? why : "");
	return -1;
}

/* Globals and listener defaults from the tables' default texts, through the
 * same checks as the file, so a default is always something the file could
 * say.  A problem here is a table bug, which test_conf catches. */
static int
load_builtin(struct conf *c, struct diags *d)
{
	struct loader ld = { .name = BUILTIN_NAME, .d = d };
	char *text = settings_defaults_text();
	size_t before = d->n;
	config_t cfg;

	config_init(&cfg);
	if (text == NULL)
		diags_add(d, BUILTIN_NAME ": out of memory");
	else if (parse_text(&ld, &cfg, text) == 0) {
		apply_group(&ld, config_root_setting(&cfg), SETTING_GLOBAL, c, "");
		apply_group(&ld, config_lookup(&cfg, "defaults"),
		    SETTING_LISTENER, &c->defaults, "defaults");
	}
	config_destroy(&cfg);
	free(text);
	return d->n == before ? 0 : -1;
}

static void
load_root(struct loader *ld, struct conf *c, const config_setting_t *root)
{
	const config_setting_t *defaults;

	check_members(ld, root, SETTING_AT_TOP, "");
	apply_group(ld, root, SETTING_GLOBAL, c, "");
	defaults = config_setting_get_member(root, "defaults");
	if (defaults != NULL && config_setting_type(defaults) !=
	    CONFIG_TYPE_GROUP) {
		ld_err(ld, defaults, "defaults", "expected a group, got %s "
		    "(allowed: defaults = { idle_timeout = ...; ... })",
		    type_got(defaults));
	} else if (defaults != NULL) {
		check_members(ld, defaults, SETTING_IN_DEFAULTS, "defaults");
		apply_group(ld, defaults, SETTING_LISTENER, &c->defaults,
		    "defaults");
	}
	load_listeners(ld, c, root);
}

static int
load_text(const char *text, const char *name, const char *incdir,
    struct conf **out, struct diags *d)
{
	struct loader ld = { .name = name, .d = d };
	size_t before = d->n;
	struct conf *c;
	config_t cfg;

	*out = NULL;
	config_init(&cfg);
	if (incdir != NULL)
		config_set_include_dir(&cfg, incdir);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(name)) == NULL) {
		diags_add(d, "%s: out of memory", name);
		goto fail;
	}
	if (load_builtin(c, d) < 0 || (incdir != NULL &&
	    conf_file_includes(text, name, incdir, d) < 0) ||
	    parse_text(&ld, &cfg, text) < 0)
		goto fail;
	load_root(&ld, c, config_root_setting(&cfg));
	if (d->n > before)
		goto fail;
	config_destroy(&cfg);
	*out = c;
	return 0;
fail:
	config_destroy(&cfg);
	conf_free(c);
	diags_sort(d, before);
	if (d->n == before)	/* every message lost to ENOMEM */
		diags_add(d, "%s: out of memory", name);
	return -1;
}

int
conf_load_string(const char *text, const char *name, struct conf **out,
    struct diags *d)
{
	return load_text(text, name, NULL, out, d);
}

int
conf_load(const char *path, struct conf **out, struct diags *d)
{
	char *text, *dircopy;
	int rc;

	*out = NULL;
	if ((text = conf_file_read(path, d)) == NULL)
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
	struct loader ld = { .name = "<value>", .d = d };
	const config_setting_t *cs;
	size_t before = d->n;
	char *text = NULL;
	config_t cfg;

	config_init(&cfg);
	if (asprintf(&text, "%s = %s;", s->name, value) < 0) {
		text = NULL;
		diags_add(d, "<value>: out of memory");
	} else if (parse_text(&ld, &cfg, text) == 0) {
		cs = config_setting_get_member(config_root_setting(&cfg),
		    s->name);
		if (cs != NULL)
			apply(&ld, s, cs, base, s->name);
		else
			diags_add(d, "<value>: not a single value");
	}
	config_destroy(&cfg);
	free(text);
	return d->n == before ? 0 : -1;
}
