/*
 * settings: the registry of the settings tables and finding rows in them:
 * by name, by place in the file, by likeness for "did you mean".  The
 * other helpers shared by every table are in settings_value.c (checking,
 * storing, copying, comparing and releasing values) and settings_text.c
 * (texts for messages, --settings and the built-in defaults).  conf.c
 * does the libconfig side; the rows are in settings_echod.c and
 * settings_guard.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf/settings.h"
#include "conf/settings_guard.h"
#include "conf/settings_stamp.h"

/* Every table; add another module's table here (see settings.h). */
const struct setting *const settings_tables[] = {
	settings_echod,
	settings_guard,
	settings_stamp,
	NULL
};

/* The first row of the first non-empty table from index t on. */
static const struct setting *
table_from(size_t t)
{
	for (; settings_tables[t] != NULL; t++)
		if (settings_tables[t][0].name != NULL)
			return settings_tables[t];
	return NULL;
}

const struct setting *
settings_first(void)
{
	return table_from(0);
}

const struct setting *
settings_next(const struct setting *s)
{
	if (s[1].name != NULL)
		return s + 1;
	/* The end of a table: find which, and go on with the next. */
	for (size_t t = 0; settings_tables[t] != NULL; t++) {
		const struct setting *last = settings_tables[t];

		if (last->name == NULL)
			continue;
		while (last[1].name != NULL)
			last++;
		if (last == s)
			return table_from(t + 1);
	}
	return NULL;
}

const struct setting *
settings_find(const char *name)
{
	SETTINGS_FOREACH(s)
			if (strcmp(s->name, name) == 0)
				return s;
	return NULL;
}

static int
min3(int a, int b, int c)
{
	int m = a < b ? a : b;

	return m < c ? m : c;
}

int
settings_distance(const char *a, const char *b)
{
	enum { N = 64 };
	int d[N + 1][N + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > N || lb > N)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];

			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1,
			    d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb] > 99 ? 99 : d[la][lb];
}

bool
settings_belongs(const struct setting *s, enum setting_place where)
{
	switch (where) {
	case SETTING_AT_TOP: return s->scope == SETTING_GLOBAL;
	case SETTING_IN_DEFAULTS: return s->scope == SETTING_LISTENER;
	case SETTING_IN_LISTENER: return s->scope != SETTING_GLOBAL;
	}
	return false;
}

static const char *const top_groups[] = { "defaults", "listeners", NULL };

const char *
settings_suggest(const char *name, enum setting_place where)
{
	const char *best = NULL;
	int bestd = 3;

	SETTINGS_FOREACH(s) {
		int d = settings_distance(name, s->name);

		if (settings_belongs(s, where) && d < bestd &&
		    (size_t)d < strlen(name)) {
			bestd = d;
			best = s->name;
		}
	}
	for (size_t i = 0; where == SETTING_AT_TOP && top_groups[i]; i++) {
		int d = settings_distance(name, top_groups[i]);

		if (d < bestd && (size_t)d < strlen(name)) {
			bestd = d;
			best = top_groups[i];
		}
	}
	return best;
}

void
settings_names(enum setting_place where, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	SETTINGS_FOREACH(s) {
		if (n >= len)
			break;
		if (!settings_belongs(s, where))
			continue;
		snprintf(buf + n, len - n, "%s%s", n ? ", " : "", s->name);
		n += strlen(buf + n);
	}
	for (size_t i = 0; where == SETTING_AT_TOP && top_groups[i] &&
	    n < len; i++) {
		snprintf(buf + n, len - n, ", %s", top_groups[i]);
		n += strlen(buf + n);
	}
}
