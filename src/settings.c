/*
 * settings: the core settings table (globals, listener defaults, listener
 * identity) and the table helpers shared by every table: typed stores,
 * deep copies, range texts, misspelling distance and the --settings dump.
 * conf.c does the libconfig side.
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "conf.h"
#include "log.h"
#include "settings.h"
#include "units.h"

static int
check_name(const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n == 0 || n >= CONF_NAME_MAX) {
		snprintf(err, errlen, "'%s' has %zu characters", v, n);
		return -1;
	}
	n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-");
	if (v[n] != '\0') {
		snprintf(err, errlen, "'%s' contains '%c'", v, v[n]);
		return -1;
	}
	return 0;
}

static int
check_address(const char *v, char *err, size_t errlen)
{
	struct addr a;
	struct in_addr in4;
	char ignored[128];

	/* getaddrinfo also takes inet_aton's "127.1"; only dotted quads here */
	if (addr_parse(v, 0, &a, NULL, ignored, sizeof(ignored)) < 0 ||
	    (a.u.sa.sa_family == AF_INET && inet_pton(AF_INET, v, &in4) != 1)) {
		snprintf(err, errlen, "'%s' is not a numeric address", v);
		return -1;
	}
	return 0;
}

static int
check_socket_path(const char *v, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	size_t n = strlen(v);

	if (n >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "the path is %zu bytes long", n);
		return -1;
	}
	return 0;
}

static const struct setting_choice level_choices[] = {
	{ "err", LOG_LVL_ERR }, { "warning", LOG_LVL_WARNING },
	{ "notice", LOG_LVL_NOTICE }, { "info", LOG_LVL_INFO },
	{ "debug", LOG_LVL_DEBUG }, { NULL, 0 },
};

static const struct setting_choice target_choices[] = {
	{ "auto", CONF_LOG_AUTO }, { "stderr", CONF_LOG_STDERR },
	{ "journal", CONF_LOG_JOURNAL }, { NULL, 0 },
};

static const struct setting_choice proto_choices[] = {
	{ "tcp", CONF_TCP }, { "udp", CONF_UDP }, { NULL, 0 },
};

static const struct setting core_settings[] = {
	{ .name = "log_level", .scope = SETTING_GLOBAL, .type = SETTING_ENUM,
	  SETTING_AT(struct conf, log_level), .def = "\"notice\"",
	  .choices = level_choices,
	  .help = "least important message level that is logged" },
	{ .name = "log_target", .scope = SETTING_GLOBAL, .type = SETTING_ENUM,
	  SETTING_AT(struct conf, log_target), .def = "\"auto\"",
	  .choices = target_choices,
	  .help = "where logs go: auto = the journal under systemd, else stderr" },
	{ .name = "workers", .scope = SETTING_GLOBAL, .type = SETTING_INT,
	  SETTING_AT(struct conf, workers), .min = 0, .max = 256, .def = "0",
	  .allowed = "0 = one per CPU",
	  .help = "worker threads that serve the listeners" },
	{ .name = "drain_timeout", .scope = SETTING_GLOBAL,
	  .type = SETTING_DURATION, SETTING_AT(struct conf, drain_timeout),
	  .min = 0, .max = SETTING_NOMAX, .def = "\"10s\"",
	  .help = "on SIGTERM or SIGINT, time to finish pending echoes before exiting" },
	{ .name = "status_interval", .scope = SETTING_GLOBAL,
	  .type = SETTING_DURATION, SETTING_AT(struct conf, status_interval),
	  .min = 1, .max = SETTING_NOMAX, .def = "\"5s\"",
	  .help = "time between status updates to systemd and summary log lines" },
	{ .name = "control_socket", .scope = SETTING_GLOBAL,
	  .type = SETTING_STRING, SETTING_STRP(struct conf, control_socket),
	  .flags = SETTING_BUILD_DEFAULT,
	  .def = "\"" RUNSTATEDIR "/echod/control.sock\"",
	  .check = check_socket_path,
	  .allowed = "a socket path of at most 107 bytes; \"\" = none",
	  .help = "AF_UNIX socket where echoctl reaches the daemon" },

	{ .name = "name", .scope = SETTING_LISTENER_ONLY,
	  .type = SETTING_STRING, .protos = SETTING_ANY,
	  .flags = SETTING_REQUIRED, SETTING_AT(struct lconf, name),
	  .check = check_name, .allowed = "1 to 63 of A-Z a-z 0-9 _ . -",
	  .help = "unique name of the listener, shown in logs and by echoctl" },
	{ .name = "protocol", .scope = SETTING_LISTENER_ONLY,
	  .type = SETTING_ENUM, .protos = SETTING_ANY,
	  .flags = SETTING_REQUIRED, SETTING_AT(struct lconf, proto),
	  .choices = proto_choices, .help = "tcp or udp" },
	{ .name = "address", .scope = SETTING_LISTENER_ONLY,
	  .type = SETTING_STRING, .protos = SETTING_ANY,
	  .flags = SETTING_REQUIRED, SETTING_AT(struct lconf, address),
	  .check = check_address,
	  .allowed = "a numeric IPv4 or IPv6 address, or \"*\" for both",
	  .help = "address to listen on; \"*\" is one dual-stack socket for IPv4 and IPv6" },
	{ .name = "port", .scope = SETTING_LISTENER_ONLY, .type = SETTING_INT,
	  .protos = SETTING_ANY, .flags = SETTING_REQUIRED,
	  SETTING_AT(struct lconf, port), .min = 1, .max = 65535,
	  .help = "port to listen on; a tcp and a udp listener may share one" },

	{ .name = "idle_timeout", .scope = SETTING_LISTENER,
	  .type = SETTING_DURATION, .protos = SETTING_TCP,
	  SETTING_AT(struct lconf, idle_timeout), .min = 0,
	  .max = SETTING_NOMAX, .def = "\"300s\"", .allowed = "0 = never",
	  .help = "close a connection after this long without traffic" },
	{ .name = "max_connections", .scope = SETTING_LISTENER,
	  .type = SETTING_INT, .protos = SETTING_TCP,
	  SETTING_AT(struct lconf, max_connections), .min = 0,
	  .max = 1048576, .def = "1024", .allowed = "0 = unlimited",
	  .help = "open connections at most; beyond it new ones wait in the backlog" },
	{ .name = "buffer_size", .scope = SETTING_LISTENER,
	  .type = SETTING_SIZE, .protos = SETTING_TCP,
	  SETTING_AT(struct lconf, buffer_size), .min = 512,
	  .max = 16 * 1048576, .def = "\"64k\"",
	  .help = "bytes buffered per connection when the peer reads slowly" },
	{ .name = "max_datagram", .scope = SETTING_LISTENER,
	  .type = SETTING_SIZE, .protos = SETTING_UDP,
	  SETTING_AT(struct lconf, max_datagram), .min = 0, .max = 65527,
	  .def = "65527", .allowed = "IPv4 carries at most 65507",
	  .help = "larger datagrams are dropped and counted, never echoed cut short" },
	{ .name = "oneshot", .scope = SETTING_LISTENER, .type = SETTING_BOOL,
	  .protos = SETTING_TCP, SETTING_AT(struct lconf, oneshot),
	  .def = "false",
	  .help = "echo the first read of each connection, then close it" },
	{ .name = "oneshot_size", .scope = SETTING_LISTENER,
	  .type = SETTING_SIZE, .protos = SETTING_TCP,
	  SETTING_AT(struct lconf, oneshot_size), .min = 1,
	  .max = 16 * 1048576, .def = "\"4k\"",
	  .help = "with oneshot: bytes read for that first echo" },
	SETTING_END
};

const struct setting *const settings_tables[] = {
	core_settings,
	guard_settings,
	NULL
};

const struct setting *
settings_find(const char *name)
{
	for (size_t t = 0; settings_tables[t] != NULL; t++)
		for (const struct setting *s = settings_tables[t];
		    s->name != NULL; s++)
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
		return "tcp,udp";
	if (protos == SETTING_TCP)
		return "tcp";
	if (protos == SETTING_UDP)
		return "udp";
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
	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return 0;
	if ((dst->v = calloc(src->n, sizeof(*dst->v))) == NULL)
		return -1;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
	return 0;
}

static int
copy_strs(struct setting_strs *dst, const struct setting_strs *src)
{
	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return 0;
	if ((dst->v = calloc(src->n, sizeof(*dst->v))) == NULL)
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
	for (size_t t = 0; settings_tables[t] != NULL; t++)
		for (const struct setting *s = settings_tables[t];
		    s->name != NULL; s++)
			if ((s->scope == SETTING_GLOBAL) == (global != 0))
				settings_release(s, base);
}

void
settings_dump(FILE *out)
{
	char allowed[512];

	fprintf(out, "# scope\tname\ttype\tprotocols\tdefault\tallowed\thelp\n");
	for (size_t t = 0; settings_tables[t] != NULL; t++) {
		for (const struct setting *s = settings_tables[t];
		    s->name != NULL; s++) {
			settings_allowed(s, allowed, sizeof(allowed));
			fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			    settings_scope_name(s->scope), s->name,
			    settings_type_name(s->type),
			    s->scope == SETTING_GLOBAL ? "-" :
			    settings_protos_name(s->protos),
			    s->def != NULL ? s->def : "-", allowed, s->help);
		}
	}
}
