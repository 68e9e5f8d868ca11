/*
 * settings_text: the settings tables as text: names of types, scopes and
 * protocols for messages, the "allowed" text of a row (its range and the
 * row's own words), the --settings dump and the built-in defaults as a
 * config file.  See settings.h.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "conf/settings.h"

const char *
settings_type_name(enum setting_type t)
{
	static const char *const names[] = {
		"int", "bool", "string", "enum", "duration", "size",
		"int-list", "string-list",
	};

	return names[t];
}

const char *
settings_type_expect(enum setting_type t)
{
	static const char *const texts[] = {
		"an integer",
		"a boolean (true or false)",
		"a string",
		"a string",
		"a duration (a number of seconds or a string like \"30s\")",
		"a size (a number of bytes or a string like \"64k\")",
		"a list of integers like [7, 9]",
		"a list of strings like [\"a\", \"b\"]",
	};

	return texts[t];
}

const char *
settings_scope_name(enum setting_scope s)
{
	return s == SETTING_GLOBAL ? "global" :
	    s == SETTING_LISTENER ? "listener" : "listener-only";
}

const char *
settings_protos_name(unsigned protos)
{
	if (protos == SETTING_ANY)
		return "tcp,udp,stamp";
	if (protos == SETTING_TCP)
		return "tcp";
	if (protos == SETTING_UDP)
		return "udp,stamp";
	if (protos == SETTING_STAMP)
		return "stamp";
	return "-";
}

static void
format_number(const struct setting *s, double v, char *buf, size_t len)
{
	if (s->type == SETTING_DURATION)
		units_format_duration(v, buf, len);
	else if (s->type == SETTING_SIZE)
		units_format_size((uint64_t)v, buf, len);
	else
		snprintf(buf, len, "%.0f", v);
}

static void
format_range(const struct setting *s, char *buf, size_t len)
{
	char lo[32], hi[32];

	format_number(s, s->min, lo, sizeof(lo));
	format_number(s, s->max, hi, sizeof(hi));
	if (s->max >= SETTING_NOMAX)
		snprintf(buf, len, "%s or more", lo);
	else
		snprintf(buf, len, "%s .. %s", lo, hi);
}

void
settings_allowed(const struct setting *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	switch (s->type) {
	case SETTING_INT:
	case SETTING_DURATION:
	case SETTING_SIZE:
		format_range(s, buf, len);
		break;
	case SETTING_INT_LIST:
		format_range(s, buf, len);
		n = strlen(buf);
		snprintf(buf + n, len - n, " each, at most %zu", s->max_items);
		break;
	case SETTING_BOOL:
		snprintf(buf, len, "true or false");
		break;
	case SETTING_ENUM:
		for (const struct setting_choice *c = s->choices;
		    c->name != NULL && n < len; c++) {
			snprintf(buf + n, len - n, "%s%s",
			    c == s->choices ? "" : ", ", c->name);
			n += strlen(buf + n);
		}
		break;
	case SETTING_STRING:
	case SETTING_STR_LIST:
		if (s->allowed != NULL)
			snprintf(buf, len, "%s", s->allowed);
		else
			snprintf(buf, len, "any string");
		return;
	}
	n = strlen(buf);
	if (s->allowed != NULL && n < len)
		snprintf(buf + n, len - n, "; %s", s->allowed);
}

void
settings_dump(FILE *out)
{
	char allowed[512];

	fprintf(out, "# scope\tname\ttype\tprotocols\tdefault\tallowed\thelp\n");
	SETTINGS_FOREACH(s) {
		settings_allowed(s, allowed, sizeof(allowed));
		fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
		    settings_scope_name(s->scope), s->name,
		    settings_type_name(s->type),
		    s->scope == SETTING_GLOBAL ? "-" :
		    settings_protos_name(s->protos),
		    s->def != NULL ? s->def : "-", allowed, s->help);
	}
}

char *
settings_defaults_text(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return NULL;
	SETTINGS_FOREACH(s)
			if (s->scope == SETTING_GLOBAL && s->def != NULL)
				fprintf(f, "%s = %s;\n", s->name, s->def);
	fprintf(f, "defaults = {\n");
	SETTINGS_FOREACH(s)
			if (s->scope == SETTING_LISTENER && s->def != NULL)
				fprintf(f, "%s = %s;\n", s->name, s->def);
	fprintf(f, "};\n");
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
