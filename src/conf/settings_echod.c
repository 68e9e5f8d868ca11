/*
 * settings_echod: the settings of echod itself (globals, listener defaults,
 * listener identity), their validators, and the registry of every table.
 * Pure data plus small checks; see settings.h for how a row is read.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "common/addr.h"
#include "conf/conf.h"
#include "common/log.h"
#include "common/proxy_header.h"
#include "conf/settings.h"

static int
check_name(const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (n == 0 || n >= CONF_NAME_MAX) {
		snprintf(err, errlen, "'%.*s%s' has %zu characters",
		    LOG_EXCERPT(v, 64), n);
		return -1;
	}
	n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-");
	if (v[n] != '\0') {
		snprintf(err, errlen, "'%.*s%s' contains '%c'",
		    LOG_EXCERPT(v, 64), v[n]);
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
		snprintf(err, errlen, "'%.*s%s' is not a numeric address",
		    LOG_EXCERPT(v, 128));
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

static int
check_metrics_listen(const char *v, char *err, size_t errlen)
{
	struct addr a;

	if (v[0] == '\0')
		return 0;
	return addr_parse_hostport(v, true, &a, err, errlen);
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

static const struct setting_choice proxy_choices[] = {
	{ "off", 0 }, { "v1", PROXY_V1 }, { "v2", PROXY_V2 },
	{ "any", PROXY_ANY }, { NULL, 0 },
};

static const struct setting_choice proto_choices[] = {
	{ "tcp", CONF_TCP }, { "udp", CONF_UDP }, { "stamp", CONF_STAMP },
	{ NULL, 0 },
};

const struct setting settings_echod[] = {
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
	  .help = "worker threads that serve the listeners; read at start only" },
	{ .name = "io_uring", .scope = SETTING_GLOBAL, .type = SETTING_BOOL,
	  SETTING_AT(struct conf, io_uring), .def = "true",
	  .help = "batch the TCP reads and writes of each loop iteration through io_uring when enough connections are readable at once; read at start only" },
	{ .name = "splice", .scope = SETTING_GLOBAL, .type = SETTING_BOOL,
	  SETTING_AT(struct conf, splice), .def = "false",
	  .help = "echo TCP connections that move bulk (reads of 4 KiB or more) with splice(2) through a pipe, so their bytes are not copied into echod and back: less server CPU per byte, less throughput to an ordinary client; read at start only" },
	{ .name = "drain_timeout", .scope = SETTING_GLOBAL,
	  .type = SETTING_DURATION, SETTING_AT(struct conf, drain_timeout),
	  .min = 0, .max = SETTING_NOMAX, .def = "\"10s\"",
	  .help = "on SIGTERM or SIGINT, time to finish pending echoes before exiting" },
	{ .name = "restart_keeps_connections", .scope = SETTING_GLOBAL,
	  .type = SETTING_BOOL,
	  SETTING_AT(struct conf, restart_keeps_connections), .def = "true",
	  .help = "on systemctl restart and package upgrades under systemd, hand the sockets and open TCP connections to the next echod (systemd's fd store) instead of draining them" },
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
	  .help = "AF_UNIX socket where echoctl reaches the daemon; read at "
	  "start only" },
	{ .name = "metrics_listen", .scope = SETTING_GLOBAL,
	  .type = SETTING_STRING, SETTING_STRP(struct conf, metrics_listen),
	  .def = "\"\"", .check = check_metrics_listen,
	  .allowed = "\"ADDR:PORT\" or \"[ADDR]:PORT\", e.g. \"127.0.0.1:9641\"; \"\" = none",
	  .help = "where a Prometheus scraper can GET /metrics over HTTP (no TLS, no authentication: keep it on a trusted network)" },

	{ .name = "name", .scope = SETTING_LISTENER_ONLY,
	  .type = SETTING_STRING, .protos = SETTING_ANY,
	  .flags = SETTING_REQUIRED, SETTING_AT(struct lconf, name),
	  .check = check_name, .allowed = "1 to 63 of A-Z a-z 0-9 _ . -",
	  .help = "unique name of the listener, shown in logs and by echoctl" },
	{ .name = "protocol", .scope = SETTING_LISTENER_ONLY,
	  .type = SETTING_ENUM, .protos = SETTING_ANY,
	  .flags = SETTING_REQUIRED, SETTING_AT(struct lconf, proto),
	  .choices = proto_choices,
	  .help = "tcp, udp, or stamp (an RFC 8762 STAMP session reflector "
	  "over UDP)" },
	{ .name = "address", .scope = SETTING_LISTENER_ONLY,
	  .type = SETTING_STRING, .protos = SETTING_ANY,
	  .flags = SETTING_REQUIRED, SETTING_AT(struct lconf, address),
	  .check = check_address,
	  .allowed = "a numeric IPv4 or IPv6 address, or \"*\" for both",
	  .help = "address to listen on; \"*\" is one dual-stack socket for IPv4 and IPv6" },
	{ .name = "port", .scope = SETTING_LISTENER_ONLY, .type = SETTING_INT,
	  .protos = SETTING_ANY, .flags = SETTING_REQUIRED,
	  SETTING_AT(struct lconf, port), .min = 1, .max = 65535,
	  .help = "port to listen on; a tcp and a udp or stamp listener may "
	  "share one; stamp: 862 when not given" },

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
	  .help = "echo the first read of each connection, then close it (the "
	  "peer then has 5s to close its side, or is cut)" },
	{ .name = "oneshot_size", .scope = SETTING_LISTENER,
	  .type = SETTING_SIZE, .protos = SETTING_TCP,
	  SETTING_AT(struct lconf, oneshot_size), .min = 1,
	  .max = 16 * 1048576, .def = "\"4k\"",
	  .help = "with oneshot: bytes read for that first echo" },
	{ .name = "proxy_protocol", .scope = SETTING_LISTENER,
	  .type = SETTING_ENUM, .protos = SETTING_TCP,
	  SETTING_AT(struct lconf, proxy_protocol), .def = "\"off\"",
	  .choices = proxy_choices,
	  .help = "behind a load balancer: every connection starts with a PROXY "
	  "protocol header (HAProxy's v1 text, v2 binary, or either) naming the "
	  "client, which then counts as the peer for access lists, limits and "
	  "logs; connections without one are refused" },
	{ .name = "proxy_header_timeout", .scope = SETTING_LISTENER,
	  .type = SETTING_DURATION, .protos = SETTING_TCP,
	  SETTING_AT(struct lconf, proxy_header_timeout), .min = 0.1,
	  .max = 60, .def = "\"3s\"",
	  .help = "with proxy_protocol: a connection whose header is not complete "
	  "by then is refused (3s covers a TCP retransmit)" },
	SETTING_END
};

