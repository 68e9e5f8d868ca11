/*
 * conf_listener: one listener's settings (struct lconf) as a value: its
 * protocol's name, its socket (conflicts, the same socket across a
 * reload, names and sockets used twice in one file), and the copy that a running listener keeps beyond the life of
 * the struct conf it came from (the values a setting owns, such as lists,
 * are copied, freed and compared by content, whatever table the setting
 * is in).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/settings.h"

const char *
conf_proto_name(enum conf_proto p)
{
	return p == CONF_UDP ? "udp" : p == CONF_STAMP ? "stamp" : "tcp";
}

const char *
conf_proxy_name(int versions)
{
	static const char *const names[] = { "off", "v1", "v2", "any" };

	return versions >= 0 && versions <= 3 ? names[versions] : "?";
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
	/* udp and stamp listeners are both UDP sockets. */
	if ((a->proto == CONF_TCP) != (b->proto == CONF_TCP) ||
	    a->port != b->port)
		return false;
	if (addr_equal(&a->bind.u.sa, &b->bind.u.sa))
		return true;	/* includes "*" against "::" */
	return (a->dualstack && is_v4_any(b)) || (b->dualstack && is_v4_any(a));
}

void
conf_socket_describe(const struct lconf *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s%s%s:%u", conf_proto_name(l->proto),
	    strchr(l->address, ':') ? "[" : "", l->address,
	    strchr(l->address, ':') ? "]" : "", l->port);
}

const struct lconf *
conf_listener(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nlisteners; i++)
		if (strcmp(c->listeners[i].name, name) == 0)
			return &c->listeners[i];
	return NULL;
}

/* A listener setting whose value lives outside struct lconf. */
static bool
owns_value(const struct setting *s)
{
	return s->scope != SETTING_GLOBAL &&
	    (s->type == SETTING_INT_LIST || s->type == SETTING_STR_LIST ||
	    (s->type == SETTING_STRING && s->size == 0));
}

/* Forget the owned values without freeing them. */
static void
strip(struct lconf *lc)
{
	SETTINGS_FOREACH(s)
		if (owns_value(s))
			memset((char *)lc + s->offset, 0, s->size ? s->size :
			    sizeof(char *));
}

int
conf_listener_dup(struct lconf *lc)
{
	struct lconf shallow = *lc;
	int rc = 0;

	strip(lc);
	SETTINGS_FOREACH(s)
		if (owns_value(s) && settings_copy(s, lc, &shallow) < 0)
			rc = -1;
	if (rc < 0)
		conf_listener_free(lc);
	return rc;
}

void
conf_listener_free(struct lconf *lc)
{
	SETTINGS_FOREACH(s)
		if (owns_value(s))
			settings_release(s, lc);
}

bool
conf_listener_equal(const struct lconf *a, const struct lconf *b)
{
	struct lconf x = *a, y = *b;

	/* Everything but where it was written; owned values by content. */
	x.line = y.line = 0;
	strip(&x);
	strip(&y);
	if (memcmp(&x, &y, sizeof(x)) != 0)
		return false;
	SETTINGS_FOREACH(s)
		if (owns_value(s) && !settings_equal(s, a, b))
			return false;
	return true;
}

void
conf_check_duplicates(const struct conf *c, const struct conf_lstate *st,
    struct diags *d)
{
	char path[64], mine[128], theirs[128];

	for (size_t i = 0; i < c->nlisteners; i++) {
		const struct lconf *l = &c->listeners[i];

		for (size_t j = 0; j < i && st[i].name_ok; j++) {
			if (!st[j].name_ok ||
			    strcmp(l->name, c->listeners[j].name) != 0)
				continue;
			snprintf(path, sizeof(path), "listeners[%zu].name", i);
			diags_add_line(d, st[i].name_line, "%s:%d: %s: duplicate "
			    "name '%s', already used by listeners[%zu] at line "
			    "%d (allowed: a name unique among listeners)",
			    st[i].name_file, st[i].name_line, path, l->name, j,
			    c->listeners[j].line);
			break;
		}
		for (size_t j = 0; j < i && st[i].socket_ok; j++) {
			const struct lconf *o = &c->listeners[j];

			if (!st[j].socket_ok || !conf_sockets_conflict(l, o))
				continue;
			snprintf(path, sizeof(path), "listeners[%zu]", i);
			conf_socket_describe(l, mine, sizeof(mine));
			conf_socket_describe(o, theirs, sizeof(theirs));
			if (conf_same_socket(l, o) ||
			    strcmp(l->address, o->address) == 0)
				diags_add_line(d, st[i].line, "%s:%d: %s: %s is "
				    "already used by listener '%s' at line %d "
				    "(allowed: each protocol, address and port "
				    "once)", st[i].file, st[i].line, path, mine,
				    o->name, o->line);
			else
				diags_add_line(d, st[i].line, "%s:%d: %s: %s "
				    "overlaps listener '%s' (%s) at line %d: "
				    "\"*\" includes \"::\" and \"0.0.0.0\" "
				    "(allowed: each protocol, address and port "
				    "once)", st[i].file, st[i].line, path, mine,
				    o->name, theirs, o->line);
			break;
		}
	}
}
