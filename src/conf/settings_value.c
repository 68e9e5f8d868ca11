/*
 * settings_value: one setting's value in a struct conf or struct lconf:
 * checked against its row and stored (numbers, durations and sizes with
 * their units, strings, enums, lists element by element), and the values
 * a setting owns copied, compared and released.  See settings.h.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/units.h"
#include "conf/settings.h"

void
settings_put_uint(const struct setting *s, void *base, uint64_t v)
{
	unsigned char *p = (unsigned char *)base + s->offset;

	switch (s->size) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	case 8: memcpy(p, &v, 8); break;
	default: assert(!"integer member of unsupported size");
	}
}

uint64_t
settings_get_uint(const struct setting *s, const void *base)
{
	const unsigned char *p = (const unsigned char *)base + s->offset;
	uint8_t x1;
	uint16_t x2;
	uint32_t x4;
	uint64_t x8 = 0;

	switch (s->size) {
	case 1: memcpy(&x1, p, 1); return x1;
	case 2: memcpy(&x2, p, 2); return x2;
	case 4: memcpy(&x4, p, 4); return x4;
	case 8: memcpy(&x8, p, 8); return x8;
	default: assert(!"integer member of unsupported size");
	}
	return 0;
}

int
settings_put_string(const struct setting *s, void *base, const char *v,
    char *err, size_t errlen)
{
	char *p = (char *)base + s->offset;
	size_t n = strlen(v);
	char *copy;

	if (s->size > 0) {
		if (n >= s->size) {
			snprintf(err, errlen, "too long: %zu bytes (at most %zu)",
			    n, s->size - 1);
			return -1;
		}
		memcpy(p, v, n + 1);
		return 0;
	}
	if ((copy = strdup(v)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*(char **)(void *)p);
	*(char **)(void *)p = copy;
	return 0;
}

static int
copy_ints(struct setting_ints *dst, const struct setting_ints *src)
{
	dst->n = 0;
	dst->v = src->n > 0 ? calloc(src->n, sizeof(*dst->v)) : NULL;
	if (src->n > 0 && dst->v == NULL)
		return -1;
	if (src->n > 0)
		memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
	return 0;
}

static int
copy_strs(struct setting_strs *dst, const struct setting_strs *src)
{
	dst->n = 0;
	dst->v = src->n > 0 ? calloc(src->n, sizeof(*dst->v)) : NULL;
	if (src->n > 0 && dst->v == NULL)
		return -1;
	for (; dst->n < src->n; dst->n++)
		if ((dst->v[dst->n] = strdup(src->v[dst->n])) == NULL)
			return -1;	/* the caller releases the partial copy */
	return 0;
}

int
settings_copy(const struct setting *s, void *dst, const void *src)
{
	unsigned char *d = (unsigned char *)dst + s->offset;
	const unsigned char *p = (const unsigned char *)src + s->offset;
	const char *str;

	settings_release(s, dst);
	switch (s->type) {
	case SETTING_INT_LIST:
		return copy_ints((void *)d, (const void *)p);
	case SETTING_STR_LIST:
		return copy_strs((void *)d, (const void *)p);
	case SETTING_STRING:
		if (s->size == 0) {
			memcpy(&str, p, sizeof(str));
			str = strdup(str != NULL ? str : "");
			memcpy(d, &str, sizeof(str));
			return str != NULL ? 0 : -1;
		}
		/* FALLTHROUGH */
	default:
		memcpy(d, p, s->size);
		return 0;
	}
}

bool
settings_equal(const struct setting *s, const void *a, const void *b)
{
	const unsigned char *pa = (const unsigned char *)a + s->offset;
	const unsigned char *pb = (const unsigned char *)b + s->offset;

	if (s->type == SETTING_INT_LIST) {
		const struct setting_ints *x = (const void *)pa;
		const struct setting_ints *y = (const void *)pb;

		return x->n == y->n && (x->n == 0 ||
		    memcmp(x->v, y->v, x->n * sizeof(*x->v)) == 0);
	}
	if (s->type == SETTING_STR_LIST) {
		const struct setting_strs *x = (const void *)pa;
		const struct setting_strs *y = (const void *)pb;

		if (x->n != y->n)
			return false;
		for (size_t i = 0; i < x->n; i++)
			if (strcmp(x->v[i], y->v[i]) != 0)
				return false;
		return true;
	}
	if (s->type == SETTING_STRING && s->size == 0) {
		const char *x, *y;

		memcpy(&x, pa, sizeof(x));
		memcpy(&y, pb, sizeof(y));
		return strcmp(x != NULL ? x : "", y != NULL ? y : "") == 0;
	}
	return memcmp(pa, pb, s->size) == 0;
}

void
settings_release(const struct setting *s, void *base)
{
	unsigned char *p = (unsigned char *)base + s->offset;
	struct setting_ints *ints = (void *)p;
	struct setting_strs *strs = (void *)p;

	switch (s->type) {
	case SETTING_INT_LIST:
		free(ints->v);
		ints->v = NULL;
		ints->n = 0;
		break;
	case SETTING_STR_LIST:
		for (size_t i = 0; i < strs->n; i++)
			free(strs->v[i]);
		free(strs->v);
		strs->v = NULL;
		strs->n = 0;
		break;
	case SETTING_STRING:
		if (s->size == 0) {
			free(*(char **)(void *)p);
			*(char **)(void *)p = NULL;
		}
		break;
	default:
		break;
	}
}

void
settings_release_scope(void *base, int global)
{
	SETTINGS_FOREACH(s)
			if ((s->scope == SETTING_GLOBAL) == (global != 0))
				settings_release(s, base);
}

static int __attribute__((format(printf, 4, 5)))
problem(const struct setting *s, char *err, size_t errlen, const char *fmt,
    ...)
{
	char what[512], allowed[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	settings_allowed(s, allowed, sizeof(allowed));
	snprintf(err, errlen, "%s (allowed: %s)", what, allowed);
	return -1;
}

static int
type_error(const struct setting *s, const struct setting_value *v, char *err,
    size_t errlen)
{
	return problem(s, err, errlen, "expected %s, got %s",
	    settings_type_expect(s->type), v->got);
}

/* A number of seconds/bytes or a string with a unit, within the range. */
static int
number(const struct setting *s, const struct setting_value *v, double *out,
    char *err, size_t errlen)
{
	char shown[300], why[256];
	uint64_t bytes;

	if (v->kind == SV_INT) {
		snprintf(shown, sizeof(shown), "%lld", v->i);
		*out = (double)v->i;
	} else if (v->kind == SV_FLOAT && s->type == SETTING_DURATION) {
		snprintf(shown, sizeof(shown), "%g", v->f);
		*out = v->f;
		if (!isfinite(*out))
			return problem(s, err, errlen, "%s is out of range", shown);
	} else if (v->kind == SV_STRING && s->type == SETTING_DURATION) {
		snprintf(shown, sizeof(shown), "\"%.*s%s\"",
		    LOG_EXCERPT(v->s, 128));
		if (units_parse_duration(v->s, out, why, sizeof(why)) < 0)
			return problem(s, err, errlen, "%s", why);
	} else if (v->kind == SV_STRING && s->type == SETTING_SIZE) {
		snprintf(shown, sizeof(shown), "\"%.*s%s\"",
		    LOG_EXCERPT(v->s, 128));
		if (units_parse_size(v->s, &bytes, why, sizeof(why)) < 0)
			return problem(s, err, errlen, "%s", why);
		*out = (double)bytes;
	} else {
		return type_error(s, v, err, errlen);
	}
	if (*out < s->min || *out > s->max)
		return problem(s, err, errlen, "%s is out of range", shown);
	return 0;
}

static int
set_string(const struct setting *s, void *base, const char *v, char *err,
    size_t errlen)
{
	char why[256];

	if (s->check != NULL && s->check(v, why, sizeof(why)) < 0)
		return problem(s, err, errlen, "%s", why);
	if (settings_put_string(s, base, v, why, sizeof(why)) < 0)
		return problem(s, err, errlen, "%s", why);
	return 0;
}

static int
set_enum(const struct setting *s, void *base, const char *v, char *err,
    size_t errlen)
{
	for (const struct setting_choice *c = s->choices; c->name; c++) {
		if (strcmp(c->name, v) == 0) {
			memcpy((char *)base + s->offset, &c->value,
			    sizeof(c->value));
			return 0;
		}
	}
	return problem(s, err, errlen, "unknown value \"%.*s%s\"",
	    LOG_EXCERPT(v, 64));
}

int
settings_set(const struct setting *s, void *base,
    const struct setting_value *v, char *err, size_t errlen)
{
	double d;

	switch (s->type) {
	case SETTING_INT:
	case SETTING_SIZE:
		if (number(s, v, &d, err, errlen) < 0)
			return -1;
		settings_put_uint(s, base, (uint64_t)d);
		return 0;
	case SETTING_DURATION:
		if (number(s, v, &d, err, errlen) < 0)
			return -1;
		memcpy((char *)base + s->offset, &d, sizeof(d));
		return 0;
	case SETTING_BOOL:
		if (v->kind != SV_BOOL)
			return type_error(s, v, err, errlen);
		memcpy((char *)base + s->offset, &v->b, sizeof(v->b));
		return 0;
	case SETTING_STRING:
		if (v->kind != SV_STRING)
			return type_error(s, v, err, errlen);
		return set_string(s, base, v->s, err, errlen);
	case SETTING_ENUM:
		if (v->kind != SV_STRING)
			return type_error(s, v, err, errlen);
		return set_enum(s, base, v->s, err, errlen);
	case SETTING_INT_LIST:
	case SETTING_STR_LIST:
		return type_error(s, v, err, errlen);
	}
	return -1;
}

int
settings_list_begin(const struct setting *s, void *base, size_t n, char *err,
    size_t errlen)
{
	void *list = (char *)base + s->offset, *mem;

	if (n > s->max_items)
		return problem(s, err, errlen, "%zu elements are too many", n);
	settings_release(s, base);
	if (n == 0)
		return 0;
	mem = calloc(n, s->type == SETTING_INT_LIST ? sizeof(int64_t) :
	    sizeof(char *));
	if (mem == NULL)
		return problem(s, err, errlen, "out of memory");
	if (s->type == SETTING_INT_LIST)
		((struct setting_ints *)list)->v = mem;
	else
		((struct setting_strs *)list)->v = mem;
	return 0;
}

int
settings_list_set(const struct setting *s, void *base, size_t i,
    const struct setting_value *v, char *err, size_t errlen)
{
	void *list = (char *)base + s->offset;
	struct setting_ints *ints = list;
	struct setting_strs *strs = list;
	char why[256];

	if (s->type == SETTING_INT_LIST) {
		if (v->kind != SV_INT) {
			snprintf(err, errlen, "expected an integer, got %s",
			    v->got);
			return -1;
		}
		if ((double)v->i < s->min || (double)v->i > s->max)
			return problem(s, err, errlen, "%lld is out of range",
			    v->i);
		ints->v[i] = v->i;
		ints->n = i + 1;
		return 0;
	}
	if (v->kind != SV_STRING) {
		snprintf(err, errlen, "expected a string, got %s", v->got);
		return -1;
	}
	if (s->check != NULL && s->check(v->s, why, sizeof(why)) < 0)
		return problem(s, err, errlen, "%s", why);
	if ((strs->v[i] = strdup(v->s)) == NULL)
		return problem(s, err, errlen, "out of memory");
	strs->n = i + 1;
	return 0;
}
