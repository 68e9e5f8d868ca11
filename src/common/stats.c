/* stats: counter names and sums. */
#include "config.h"

#include "common/stats.h"

static const char *const names[ST_COUNT] = {
	[ST_CONN_ACCEPTED] = "conn_accepted",
	[ST_CONN_CLOSED] = "conn_closed",
	[ST_BYTES_IN] = "bytes_in",
	[ST_BYTES_OUT] = "bytes_out",
	[ST_DGRAMS_IN] = "dgrams_in",
	[ST_DGRAMS_OUT] = "dgrams_out",
	[ST_DGRAM_BYTES_IN] = "dgram_bytes_in",
	[ST_DGRAM_BYTES_OUT] = "dgram_bytes_out",
	[ST_IDLE_TIMEOUTS] = "idle_timeouts",
	[ST_PEER_ERRORS] = "peer_errors",
	[ST_ACCEPT_PAUSED] = "accept_paused",
	[ST_ACCEPT_ERRORS] = "accept_errors",
	[ST_STAMP_SESSIONS] = "stamp_sessions",
	[ST_STAMP_EVICTIONS] = "stamp_evictions",
	[ST_DROP_TOO_BIG] = "drop_too_big",
	[ST_DROP_WOULD_BLOCK] = "drop_would_block",
	[ST_DROP_SEND_ERROR] = "drop_send_error",
	[ST_DROP_SRC_PORT] = "drop_src_port",
	[ST_DROP_BOGON_SRC] = "drop_bogon_src",
	[ST_DROP_BCAST_DST] = "drop_bcast_dst",
	[ST_DROP_LOOPBACK_SRC] = "drop_loopback_src",
	[ST_DROP_ACL] = "drop_acl",
	[ST_DROP_RATE_SOURCE] = "drop_rate_source",
	[ST_DROP_RATE_GLOBAL] = "drop_rate_global",
	[ST_DROP_CONN_PER_SOURCE] = "drop_conn_per_source",
	[ST_DROP_CONN_RATE] = "drop_conn_rate",
	[ST_DROP_CONN_TABLE] = "drop_conn_table",
	[ST_DROP_ACL_RELOAD] = "drop_acl_reload",
	[ST_DROP_LIFETIME] = "drop_lifetime",
	[ST_DROP_MAX_BYTES] = "drop_max_bytes",
	[ST_DROP_STALL] = "drop_stall",
	[ST_DROP_LINGER] = "drop_linger",
	[ST_DROP_STAMP_SHORT] = "drop_stamp_short",
	[ST_DROP_PROXY_HEADER] = "drop_proxy_header",
	[ST_DROP_PROXY_FROM] = "drop_proxy_from",
	[ST_DROP_PROXY_TIMEOUT] = "drop_proxy_timeout",
	[ST_DROP_RCVBUF] = "drop_rcvbuf",
	[ST_DROP_NO_MEMORY] = "drop_no_memory",
	[ST_DROP_RESTART_LIMIT] = "drop_restart_limit",
};

void
stats_sum(struct stats *dst, const struct stats *src)
{
	for (int i = 0; i < ST_COUNT; i++)
		dst->v[i] += stat_get(src, (enum stat_id)i);
}

const char *
stat_name(enum stat_id id)
{
	return id < ST_COUNT && names[id] ? names[id] : "unknown";
}

const char *
stat_drop_reason(enum stat_id id)
{
	return stat_name(id) + (id >= ST_DROP_FIRST ? 5 : 0);
}

uint64_t
stats_drops(const struct stats *s)
{
	uint64_t n = 0;

	for (int i = ST_DROP_FIRST; i < ST_COUNT; i++)
		n += stat_get(s, (enum stat_id)i);
	return n;
}
