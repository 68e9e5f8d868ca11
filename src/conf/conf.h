/*
 * conf: the configuration file (libconfig syntax) turned into plain C values.
 * conf.c is the only file that includes <libconfig.h>.
 *
 * Every setting is described once, in a settings table (settings.h; echod's
 * own rows are in settings_echod.c): name, scope, type, range, default, help.
 * The tables drive loading, validation, "did you mean" hints,
 * `echod --settings` and the sample/man page checks.
 *
 * Loading never logs and never exits: it returns 0 with a new struct conf, or
 * -1 with every problem found, in file order, in a diagnostics list:
 *   FILE:LINE: SETTING: PROBLEM (allowed: ...)
 *   FILE:LINE: syntax error[: libconfig's text]
 *   FILE: cannot read: REASON
 *   FILE: listeners: missing (...)          (nothing to point a line at)
 * FILE is the path as passed to conf_load.  SETTING is a path: "workers",
 * "defaults.buffer_size", "listeners[1].port" (listeners counted from 0 in
 * file order), list elements as "listeners[0].allow[2]".
 */
#ifndef ECHOD_CONF_H
#define ECHOD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "conf/diags.h"
#include "conf/settings_guard.h"
#include "conf/settings_stamp.h"

#define CONF_NAME_MAX 64

/* stamp: an RFC 8762 session reflector, UDP underneath. */
enum conf_proto { CONF_TCP, CONF_UDP, CONF_STAMP, CONF_PROTO_COUNT };

/* One listener with every default resolved.  Immutable once loaded. */
struct lconf {
	char name[CONF_NAME_MAX];
	enum conf_proto proto;
	char address[ADDR_STRLEN];	/* as written: "127.0.0.1", "*", "::" */
	uint16_t port;
	struct addr bind;		/* parsed address + port */
	bool dualstack;			/* address "*" */
	int line;			/* where the listener starts in the file */

	/* per-listener settings; the defaults come from the "defaults" group */
	double idle_timeout;		/* TCP, seconds; 0 = never */
	uint32_t max_connections;	/* TCP; 0 = unlimited */
	uint32_t buffer_size;		/* TCP bytes buffered per connection */
	uint32_t max_datagram;		/* UDP bytes; larger ones are dropped */
	bool oneshot;			/* TCP: echo the first read, then close */
	uint32_t oneshot_size;		/* TCP oneshot: bytes of that first read */
	int proxy_protocol;		/* TCP: PROXY_V1|PROXY_V2 accepted, 0 = off */
	double proxy_header_timeout;	/* TCP: seconds to receive that header */
	struct guard_lconf guard;	/* ACLs, loop guard, limits (settings_guard.c) */
	struct stamp_lconf stamp;	/* STAMP listeners (settings_stamp.c) */
};

struct conf {
	char *path;
	int log_level;			/* LOG_LVL_* */
	int log_target;			/* CONF_LOG_* */
	uint32_t workers;		/* 0 = one per CPU */
	bool io_uring;			/* batch TCP I/O (iobatch.h) if possible */
	bool splice;			/* bulk TCP echoes by splice(2) */
	double drain_timeout;		/* seconds */
	bool restart_keeps_connections;	/* hand over at a restart (fdstore.h) */
	double status_interval;		/* seconds between STATUS/summary updates */
	char *control_socket;		/* path of the AF_UNIX control socket, "" = none */
	char *metrics_listen;		/* "ADDR:PORT" of GET /metrics, "" = none */
	struct lconf defaults;		/* the listener defaults, resolved */
	struct lconf *listeners;
	size_t nlisteners;
	struct guard_gconf guard;	/* global limits (settings_guard.c) */
};

enum { CONF_LOG_AUTO, CONF_LOG_STDERR, CONF_LOG_JOURNAL };

/* Load a file.  0 and *out on success; -1 with d filled (at least one entry). */
int conf_load(const char *path, struct conf **out, struct diags *d);
/* Load from memory; `name` stands in for the file name in messages. */
int conf_load_string(const char *text, const char *name, struct conf **out,
    struct diags *d);
void conf_free(struct conf *c);

/* What of a listener the loader could parse, and where it is written. */
struct conf_lstate {
	bool name_ok, socket_ok;
	const char *file, *name_file;
	int line, name_line;
};
/* The loader's last check: a diagnostic for each listener whose name or
 * socket an earlier listener already has. */
void conf_check_duplicates(const struct conf *c, const struct conf_lstate *st,
    struct diags *d);
/* conf_listener.c: "tcp", "udp". */
const char *conf_proto_name(enum conf_proto p);
/* proxy_protocol as written: "off", "v1", "v2", "any". */
const char *conf_proxy_name(int versions);
/* Find a listener by name; NULL if absent. */
const struct lconf *conf_listener(const struct conf *c, const char *name);
/* Two listeners bind the same socket (protocol, address, port, and both or
 * neither dual-stack): a reload may keep the socket. */
bool conf_same_socket(const struct lconf *a, const struct lconf *b);
/* Two listeners cannot both bind: the same socket, or "*" (dual-stack)
 * against "::" or "0.0.0.0" on the same protocol and port. */
bool conf_sockets_conflict(const struct lconf *a, const struct lconf *b);
/* "tcp 127.0.0.1:8888", "udp [::1]:9999", for messages. */
void conf_socket_describe(const struct lconf *l, char *buf, size_t len);
/* The values a listener setting owns (lists) belong to their struct conf.
 * A running listener keeps a copy of its lconf beyond the conf's life:
 * lc is a shallow copy, and gets deep copies of them.  0/-1 (ENOMEM; the
 * lists are then empty).  free releases them. */
int conf_listener_dup(struct lconf *lc);
void conf_listener_free(struct lconf *lc);
/* The same settings in a and b (anything but where they were written):
 * a reload can keep the running listener object. */
bool conf_listener_equal(const struct lconf *a, const struct lconf *b);

/* Parse one value written in config syntax ("\"30s\"", "[7, 9]") for one
 * settings row into base + its offset (a struct conf or struct lconf).
 * 0, or -1 with diagnostics naming "<value>".  For tests and tools. */
struct setting;
int conf_parse_value(const struct setting *s, const char *value, void *base,
    struct diags *d);

/* Every settings table as text, for `echod --settings`, docs and tests: a
 * header line "# scope<TAB>name<TAB>type<TAB>protocols<TAB>default<TAB>
 * allowed<TAB>help", then one tab-separated row per setting.  scope is
 * global, listener (also allowed in "defaults") or listener-only; protocols
 * is "tcp", "udp", "tcp,udp" or "-" (global); default is written in config
 * syntax exactly as conf/echod.conf shows it ("-" when required). */
void conf_settings_dump(FILE *out);

/* Default config path: SYSCONFDIR "/echod.conf". */
const char *conf_default_path(void);

#endif
