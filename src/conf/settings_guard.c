/*
 * settings_guard: the settings rows of the guard (access lists, the UDP
 * loop and reflection guard, per-source limits, TCP limits).  The help
 * texts say why each default protects a host on the open internet; they
 * are what `echod --settings`, the sample config and echod.conf(5) show.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "guard/acl.h"
#include "conf/conf.h"
#include "conf/settings_guard.h"
#include "conf/settings.h"

static int
check_cidr(const char *v, char *err, size_t errlen)
{
	struct acl_cidr c;

	return acl_cidr_parse(v, &c, err, errlen);
}

#define L(member) SETTING_AT(struct lconf, guard.member)
#define LISTENER(t, p) .scope = SETTING_LISTENER, .type = (t), .protos = (p)

const struct setting settings_guard[] = {
	{ .name = "allow", LISTENER(SETTING_STR_LIST, SETTING_ANY), L(allow),
	  .max_items = ACL_MAX_ENTRIES, .def = "[]", .check = check_cidr,
	  .allowed = "IPv4/IPv6 addresses or CIDR prefixes; [] = everyone not denied",
	  .help = "only these sources may use the listener (checked before any "
	  "byte is echoed, and again for open connections on reload)" },
	{ .name = "deny", LISTENER(SETTING_STR_LIST, SETTING_ANY), L(deny),
	  .max_items = ACL_MAX_ENTRIES, .def = "[]", .check = check_cidr,
	  .allowed = "IPv4/IPv6 addresses or CIDR prefixes; deny wins over allow",
	  .help = "these sources may never use the listener" },
	{ .name = "proxy_protocol_from", LISTENER(SETTING_STR_LIST, SETTING_TCP),
	  L(proxy_protocol_from), .max_items = ACL_MAX_ENTRIES, .def = "[]",
	  .check = check_cidr,
	  .allowed = "IPv4/IPv6 addresses or CIDR prefixes of the balancers; "
	  "needed with proxy_protocol",
	  .help = "with proxy_protocol: the only sources whose PROXY header is "
	  "believed; a connection from anywhere else is refused, since its "
	  "header could claim any client address" },
	{ .name = "source_prefix4", LISTENER(SETTING_INT, SETTING_ANY),
	  L(source_prefix4), .min = 0, .max = 32, .def = "32",
	  .help = "IPv4 sources within one prefix of this length share their "
	  "per-source limits" },
	{ .name = "source_prefix6", LISTENER(SETTING_INT, SETTING_ANY),
	  L(source_prefix6), .min = 0, .max = 128, .def = "64",
	  .help = "IPv6 sources within one prefix share their limits; 64 because "
	  "one host usually owns a whole /64 and could rotate addresses in it" },
	{ .name = "limit_loopback", LISTENER(SETTING_BOOL, SETTING_ANY),
	  L(limit_loopback), .def = "false",
	  .help = "apply the per-source limits and the UDP totals "
	  "(udp_total_rate, udp_total_bytes) to 127/8 and ::1 too; off so "
	  "local health checks and benchmarks are not throttled (they cannot "
	  "be spoofed from outside: see udp_loopback_only_on_lo)" },

	{ .name = "udp_drop_source_ports", LISTENER(SETTING_INT_LIST, SETTING_UDP),
	  L(udp_drop_source_ports), .min = 0, .max = 65535, .max_items = 65536,
	  .def = "[0, 7, 9, 13, 17, 19, 37, 53, 111, 123, 137, 161, 389, 1900, "
	  "2049, 5353, 11211]",
	  .allowed = "[] = none",
	  .help = "drop datagrams from these source ports: services that answer "
	  "by themselves (echo, chargen, DNS, NTP, SNMP, SSDP, memcached, ...), "
	  "and, unless the list is empty, the ports of this config's udp "
	  "listeners (another echod on them, as in a fleet, answers too) and "
	  "of its stamp listeners (a stamp listener: not its own port, where "
	  "Session-Senders send from too, and the other stamp ports only from "
	  "this host), so a spoofed datagram cannot start a loop "
	  "(CVE-1999-0103)" },
	{ .name = "udp_drop_bogon_sources", LISTENER(SETTING_BOOL, SETTING_UDP),
	  L(udp_drop_bogon_sources), .def = "true",
	  .help = "drop datagrams from 0/8, 224/4, 240/4, ::, ff00::/8 "
	  "(IPv4-mapped unmapped first): such sources are always spoofed" },
	{ .name = "udp_drop_broadcast", LISTENER(SETTING_BOOL, SETTING_UDP),
	  L(udp_drop_broadcast), .def = "true",
	  .help = "drop datagrams sent to a broadcast or multicast address "
	  "(\"Fraggle\" amplification); no honest peer does this" },
	{ .name = "udp_loopback_only_on_lo", LISTENER(SETTING_BOOL, SETTING_UDP),
	  L(udp_loopback_only_on_lo), .def = "true",
	  .help = "accept 127/8 and ::1 sources only on the loopback interface" },
	{ .name = "udp_source_rate", LISTENER(SETTING_INT, SETTING_UDP),
	  L(udp_source_rate), .min = 0, .max = 10000000, .def = "100",
	  .allowed = "datagrams/s; 0 = unlimited",
	  .help = "datagrams per second echoed to one source: far above what a "
	  "person or a monitor sends, low enough to be a poor reflector" },
	{ .name = "udp_source_burst", LISTENER(SETTING_INT, SETTING_UDP),
	  L(udp_source_burst), .min = 1, .max = 10000000, .def = "200",
	  .help = "datagrams one source may send at once above udp_source_rate" },
	{ .name = "udp_source_bytes", LISTENER(SETTING_SIZE, SETTING_UDP),
	  L(udp_source_bytes), .min = 0, .max = 1073741824, .def = "\"64k\"",
	  .allowed = "bytes/s; 0 = unlimited",
	  .help = "bytes per second echoed to one source: a spoofed victim gets "
	  "at most about 0.5 Mbit/s from this listener" },
	{ .name = "udp_source_bytes_burst", LISTENER(SETTING_SIZE, SETTING_UDP),
	  L(udp_source_bytes_burst), .min = 1, .max = 1073741824,
	  .def = "\"128k\"",
	  .help = "bytes one source may send at once above udp_source_bytes" },
	{ .name = "udp_total_rate", LISTENER(SETTING_INT, SETTING_UDP),
	  L(udp_total_rate), .min = 0, .max = 100000000, .def = "10000",
	  .allowed = "datagrams/s; 0 = unlimited",
	  .help = "datagrams per second echoed to all sources together: bounds "
	  "what any number of spoofed sources can make echod send" },
	{ .name = "udp_total_bytes", LISTENER(SETTING_SIZE, SETTING_UDP),
	  L(udp_total_bytes), .min = 0, .max = 1073741824, .def = "\"8M\"",
	  .allowed = "bytes/s; 0 = unlimited",
	  .help = "bytes per second echoed to all sources together (8M = 64 "
	  "Mbit/s)" },
	{ .name = "udp_sources_tracked", LISTENER(SETTING_INT, SETTING_UDP),
	  L(udp_sources_tracked), .min = 8, .max = 16777216, .def = "16384",
	  .help = "fixed size of each worker's source table (40 bytes a slot); "
	  "a spoofed flood evicts idle sources, it never grows memory" },

	{ .name = "max_connections_per_source", LISTENER(SETTING_INT, SETTING_TCP),
	  L(max_connections_per_source), .min = 0, .max = 1048576, .def = "32",
	  .allowed = "0 = unlimited",
	  .help = "open connections one source may hold: room for a NAT full of "
	  "users, yet one peer cannot take every slot" },
	{ .name = "connection_rate", LISTENER(SETTING_INT, SETTING_TCP),
	  L(connection_rate), .min = 0, .max = 1000000, .def = "10",
	  .allowed = "connections/s; 0 = unlimited",
	  .help = "new connections per second from one source; more are refused "
	  "(closed at once), never queued" },
	{ .name = "connection_burst", LISTENER(SETTING_INT, SETTING_TCP),
	  L(connection_burst), .min = 1, .max = 1000000, .def = "20",
	  .help = "connections one source may open at once above connection_rate" },
	{ .name = "max_lifetime", LISTENER(SETTING_DURATION, SETTING_TCP),
	  L(max_lifetime), .min = 0, .max = SETTING_NOMAX, .def = "0",
	  .allowed = "0 = unlimited",
	  .help = "close a connection this long after it was accepted" },
	{ .name = "max_bytes", LISTENER(SETTING_SIZE, SETTING_TCP),
	  L(max_bytes), .min = 0, .max = 1099511627776.0, .def = "0",
	  .allowed = "0 = unlimited",
	  .help = "close a connection once it has echoed this many bytes (the "
	  "peer then has 5s to close its side, or is cut)" },
	{ .name = "stall_timeout", LISTENER(SETTING_DURATION, SETTING_TCP),
	  L(stall_timeout), .min = 0, .max = SETTING_NOMAX, .def = "\"60s\"",
	  .allowed = "0 = never",
	  .help = "close a connection whose buffer stays full while the peer "
	  "reads nothing for this long (a peer that never reads)" },

	{ .name = "max_connections_total", .scope = SETTING_GLOBAL,
	  .type = SETTING_INT, SETTING_AT(struct conf, guard.max_connections_total),
	  .min = 0, .max = 16777216, .def = "4096", .allowed = "0 = unlimited",
	  .help = "open TCP connections of all listeners together; beyond it "
	  "accepting pauses until one closes" },
	SETTING_END
};
