/*
 * settings_guard: the guard's settings as plain values, embedded in struct
 * lconf (per listener) and struct conf (global).  The rows that load them
 * are in settings_guard.c; the run-time objects built from them are in
 * daemon/protect.h, the mechanisms in src/guard.
 */
#ifndef ECHOD_SETTINGS_GUARD_H
#define ECHOD_SETTINGS_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/settings.h"

struct guard_lconf {
	/* both protocols */
	struct setting_strs allow;	/* CIDRs; empty = all not denied */
	struct setting_strs deny;	/* CIDRs */
	struct setting_strs proxy_protocol_from;	/* TCP: balancers' CIDRs */
	uint32_t source_prefix4;	/* sources in one /N share limits */
	uint32_t source_prefix6;
	bool limit_loopback;		/* false: 127/8 and ::1 are exempt */

	/* UDP loop and reflection guard */
	struct setting_ints udp_drop_source_ports;
	bool udp_drop_bogon_sources;
	bool udp_drop_broadcast;
	bool udp_loopback_only_on_lo;
	/* UDP rate limits; 0 = unlimited */
	uint32_t udp_source_rate, udp_source_burst;	/* datagrams */
	uint32_t udp_source_bytes, udp_source_bytes_burst;
	uint32_t udp_total_rate;			/* all sources */
	uint32_t udp_total_bytes;
	uint32_t udp_sources_tracked;			/* table slots */

	/* TCP limits; 0 = unlimited */
	uint32_t max_connections_per_source;
	uint32_t connection_rate, connection_burst;	/* per source */
	double max_lifetime;		/* seconds */
	uint64_t max_bytes;		/* echoed per connection */
	double stall_timeout;		/* buffer full, no write progress */
};

struct guard_gconf {
	uint32_t max_connections_total;	/* all TCP listeners; 0 = unlimited */
};

extern const struct setting settings_guard[];

#endif
