/*
 * settings: the description of every configuration setting as data.  A
 * table row gives a setting's name, scope, type, range, default (written in
 * config-file syntax, exactly as the sample shows it), the protocols it
 * applies to, where its value lives (an offset into struct conf or struct
 * lconf) and one line of help.  conf.c walks the tables to load, validate,
 * resolve defaults, hint at misspellings and print `echod --settings`.
 * Pure: no libconfig, no I/O except settings_dump() to a caller's FILE.
 *
 * Adding settings from another module (for example the UDP guard):
 *  1. add the fields to struct conf (global scope) or struct lconf (listener
 *     scope) in conf.h; embedding a struct of your own there is fine;
 *  2. in your own pure .c file define
 *         const struct setting settings_guard[] = {
 *             { .name = "guard_rate", .scope = SETTING_LISTENER, ... },
 *             SETTING_END
 *         };
 *     and declare `extern const struct setting settings_guard[];` in your
 *     header;
 *  3. add `settings_guard` to settings_tables[] in settings.c.
 * tests/unit/test_settings checks every table (types, sizes, defaults in
 * range, unique names); tests/unit/test_conf checks that conf/echod.conf
 * shows every setting with its default and help line, and loads to the
 * built-in defaults.
 *
 * Storage by type (the member at `offset`, `size` = sizeof the member):
 *  SETTING_INT       unsigned integer of 1, 2, 4 or 8 bytes (min >= 0)
 *  SETTING_BOOL      bool
 *  SETTING_STRING    char[size] when size > 0; a malloc'd char * when size is
 *                    0 (use SETTING_STRP), owned and freed by conf_free()
 *  SETTING_ENUM      int (or an enum), the `value` of the matching choice
 *  SETTING_DURATION  double, seconds
 *  SETTING_SIZE      unsigned integer of 1, 2, 4 or 8 bytes, bytes
 *  SETTING_INT_LIST  struct setting_ints (owned; min/max bound each element)
 *  SETTING_STR_LIST  struct setting_strs (owned; `check` validates each one)
 * A list in listener scope is deep-copied from the defaults group into each
 * listener that does not set it.
 */
#ifndef ECHOD_SETTINGS_H
#define ECHOD_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum setting_scope {
	SETTING_GLOBAL,		/* top level of the file */
	SETTING_LISTENER,	/* in "defaults" and overridable per listener */
	SETTING_LISTENER_ONLY,	/* only inside a listener (name, port, ...) */
};

enum setting_type {
	SETTING_INT,
	SETTING_BOOL,
	SETTING_STRING,
	SETTING_ENUM,
	SETTING_DURATION,
	SETTING_SIZE,
	SETTING_INT_LIST,
	SETTING_STR_LIST,
};

/* Protocols a listener setting applies to (bit mask). */
#define SETTING_TCP	0x1u
#define SETTING_UDP	0x2u	/* datagram listeners: udp and stamp */
#define SETTING_STAMP	0x4u	/* stamp listeners only */
#define SETTING_ANY	(SETTING_TCP | SETTING_UDP)

/* flags */
#define SETTING_REQUIRED	0x1u	/* listener-only: must be present */
#define SETTING_BUILD_DEFAULT	0x2u	/* default depends on configure paths */

struct setting_choice {
	const char *name;
	int value;
};

struct setting_ints {
	int64_t *v;
	size_t n;
};

struct setting_strs {
	char **v;
	size_t n;
};

/* Validates one string value: 0, or -1 with a reason in err (no trailing
 * "(allowed ...)": the caller appends the row's allowed text). */
typedef int setting_check_fn(const char *value, char *err, size_t errlen);

struct setting {
	const char *name;
	enum setting_scope scope;
	enum setting_type type;
	unsigned protos;		/* listener scopes: SETTING_TCP/UDP/STAMP/ANY */
	unsigned flags;
	size_t offset;			/* into struct conf or struct lconf */
	size_t size;			/* sizeof the member; 0 = char * */
	double min, max;		/* numbers, durations, sizes, list elements */
	size_t max_items;		/* lists: at most this many elements */
	const char *def;		/* config syntax: "\"notice\"", "64k"...; NULL = none */
	const struct setting_choice *choices;	/* enum; ends with name NULL */
	setting_check_fn *check;	/* strings and string list elements */
	const char *allowed;		/* appended to the range in messages */
	const char *help;		/* one line, shown in the sample and --settings */
};

/* Fill offset and size from a member. */
#define SETTING_AT(type, member) \
	.offset = offsetof(type, member), .size = sizeof(((type *)0)->member)
/* A char * member (malloc'd and owned). */
#define SETTING_STRP(type, member) .offset = offsetof(type, member), .size = 0
#define SETTING_END { .name = NULL }
/* No upper bound for min/max. */
#define SETTING_NOMAX 1e300

/* Every table, NULL-terminated, in the order they are walked (settings.c).
 * settings_echod.c holds echod's own rows. */
extern const struct setting *const settings_tables[];
extern const struct setting settings_echod[];

/* Every row of every table, in order; break and continue work as in any
 * for loop. */
const struct setting *settings_first(void);
const struct setting *settings_next(const struct setting *s);
#define SETTINGS_FOREACH(s) \
	for (const struct setting *s = settings_first(); s != NULL; \
	    s = settings_next(s))

/* A value as the file wrote it, handed over by the parser (conf.c). */
enum setting_kind { SV_INT, SV_FLOAT, SV_BOOL, SV_STRING, SV_OTHER };
struct setting_value {
	enum setting_kind kind;
	long long i;
	double f;
	bool b;
	const char *s;
	const char *got;	/* "an integer", "a group": for type errors */
};

/* Check v against the row and store it at base + s->offset.  0, or -1 with
 * "PROBLEM (allowed: ...)" in err and the stored value unchanged. */
int settings_set(const struct setting *s, void *base,
    const struct setting_value *v, char *err, size_t errlen);
/* Lists: begin replaces the value with room for n elements, then each
 * element is set in order.  After a failure the list holds the elements
 * before the bad one.  0/-1 with err as above. */
int settings_list_begin(const struct setting *s, void *base, size_t n,
    char *err, size_t errlen);
int settings_list_set(const struct setting *s, void *base, size_t i,
    const struct setting_value *v, char *err, size_t errlen);
/* The built-in defaults as a config file ("name = default;" and a
 * "defaults" group); malloc'd, NULL on ENOMEM. */
char *settings_defaults_text(void);

/* Find by name in every table; NULL if unknown. */
const struct setting *settings_find(const char *name);
/* Optimal string alignment (Damerau-Levenshtein) distance, capped at 99. */
int settings_distance(const char *a, const char *b);

/* The places of a file.  The top level also allows the group names
 * "defaults" and "listeners", which are not settings. */
enum setting_place { SETTING_AT_TOP, SETTING_IN_DEFAULTS, SETTING_IN_LISTENER };
bool settings_belongs(const struct setting *s, enum setting_place where);
/* The closest name allowed there (distance <= 2 and shorter than the
 * name), for "did you mean"; NULL when nothing is close. */
const char *settings_suggest(const char *name, enum setting_place where);
/* "a, b, c": every name allowed there. */
void settings_names(enum setting_place where, char *buf, size_t len);

/* Texts for messages, the dump and the sample. */
const char *settings_type_name(enum setting_type t);	/* "duration" */
const char *settings_type_expect(enum setting_type t);	/* "a duration (...)" */
const char *settings_scope_name(enum setting_scope s);	/* "global" */
const char *settings_protos_name(unsigned protos);	/* "tcp", "udp", "tcp,udp" */
/* "0 .. 256; 0 = one per CPU", "512 .. 16M", "err, warning, ..." */
void settings_allowed(const struct setting *s, char *buf, size_t len);

/* Typed stores into base + s->offset.  -1 when the value does not fit the
 * member (too long a string): err says why. */
void settings_put_uint(const struct setting *s, void *base, uint64_t v);
uint64_t settings_get_uint(const struct setting *s, const void *base);
int settings_put_string(const struct setting *s, void *base, const char *v,
    char *err, size_t errlen);
/* Deep copy one setting's value from src to dst (same struct type), and
 * release what a setting owns (strings by pointer, lists). 0/-1 (ENOMEM). */
int settings_copy(const struct setting *s, void *dst, const void *src);
void settings_release(const struct setting *s, void *base);
/* The same value in a and b (lists and strings by content). */
bool settings_equal(const struct setting *s, const void *a, const void *b);
/* Release every owned value of one scope in a struct conf/lconf. */
void settings_release_scope(void *base, int global);

/* One line per setting, tab-separated, after a "#"-header line:
 * scope name type protocols default allowed help.
 * Protocols and default are "-" when they do not apply. */
void settings_dump(FILE *out);

#endif
