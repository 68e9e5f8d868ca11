#!/bin/sh
# UDP rate limits with real datagrams from several 127.0.0.x sources:
# per-source datagrams/s and bytes/s buckets, the total cap over all
# sources, drops counted by reason and never answered, loopback exempt by
# default.  Bounds: burst + rate x elapsed time (+1 for the bucket's debt).
. "$(dirname "$0")/guard-lib.sh"

R=$(free_port)
B=$(free_port)
G=$(free_port)
E=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
status_interval = "1s";
workers = 2;
listeners = (
	{ name = "udp-rate"; protocol = "udp"; address = "127.0.0.1"; port = $R;
	  limit_loopback = true; udp_source_rate = 10; udp_source_burst = 20;
	  udp_source_bytes = 0; udp_total_rate = 0; udp_total_bytes = 0; },
	{ name = "udp-bytes"; protocol = "udp"; address = "127.0.0.1"; port = $B;
	  limit_loopback = true; udp_source_rate = 0; udp_source_bytes = 10000;
	  udp_source_bytes_burst = 10000; udp_total_rate = 0; udp_total_bytes = 0; },
	{ name = "udp-total"; protocol = "udp"; address = "127.0.0.1"; port = $G;
	  limit_loopback = true; udp_source_rate = 0; udp_source_bytes = 0;
	  udp_total_rate = 100; udp_total_bytes = 0; udp_sources_tracked = 8; },
	{ name = "udp-exempt"; protocol = "udp"; address = "127.0.0.1"; port = $E;
	  udp_source_rate = 1; udp_source_burst = 1; }
);
CONF

plan 13
t_start=$(now_ms)
start_echod "$T/echod.conf" "udp:127.0.0.1:$E" || bail "echod did not start"

# timed_flood ARGS...: flood, with the elapsed seconds (rounded up) in EL.
timed_flood() {
	_t0=$(now_ms)
	flood "$@" || bail "guardprobe failed"
	EL=$((($(now_ms) - _t0 + 999) / 1000))
}

timed_flood 127.0.0.1 "$R" --from 127.0.0.2 --sources 5 --count 60 \
	--size 100 --timeout 0.5
max=$((20 + 10 * EL + 1))
per_source_ok() {
	for a in 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6; do
		n=$(src_recv "$a")
		[ "$n" -ge 20 ] && [ "$n" -le "$max" ] || {
			echo "$a got $n replies (want 20..$max)"; return 1; }
	done
}
check "5 sources x 60 datagrams at 10/s burst 20: each gets 20..$max" per_source_ok
check "no reply bigger than its request" amplification_ok
K=$(sock_drops "$R")
D=$((F_SENT - F_RECV - K))
check "drop_rate_source counts every unanswered datagram echod read ($D; kernel dropped $K)" \
	wait_until 10 drops_are rate_source "$D"

timed_flood 127.0.0.1 "$B" --from 127.0.0.7 --count 60 --size 1000 --timeout 0.5
bmax=$((10 + 10 * EL + 1))
bytes_ok() { [ "$F_RECV" -ge 10 ] && [ "$F_RECV" -le "$bmax" ]; }
check "10000 bytes/s, burst 10000: $F_RECV of 60 1000-byte datagrams (10..$bmax)" bytes_ok
K=$(sock_drops "$B")
D=$((D + F_SENT - F_RECV - K))
check "and counted as drop_rate_source (now $D; kernel dropped $K)" \
	wait_until 10 drops_are rate_source "$D"

timed_flood 127.0.0.1 "$G" --from 127.0.1.1 --sources 40 --count 8 \
	--size 64 --timeout 0.5
gmax=$((100 + 100 * EL + 2))
total_ok() { [ "$F_RECV" -ge 50 ] && [ "$F_RECV" -le "$gmax" ]; }
check "total cap 100/s over 40 sources (320 datagrams): $F_RECV (50..$gmax)" total_ok
check "drop_rate_global counts the rest ($((F_SENT - F_RECV)))" \
	wait_until 10 drops_are rate_global $((F_SENT - F_RECV))
check "a table of 8 slots for 40 sources still limits (evicts, never grows)" \
	echod_running

# Rounds of 50 so that no datagram is lost in the socket buffers.
exempt_total=0
for round in 1 2 3 4; do
	flood 127.0.0.1 "$E" --count 50 --size 200 --timeout 5 ||
		bail "guardprobe failed"
	exempt_total=$((exempt_total + F_RECV))
done
is "loopback is exempt by default: 200 of 200 echoed at rate 1/s burst 1" \
	"$exempt_total" 200
flood 127.0.0.1 "$R" --from 127.0.0.2 --count 5 --timeout 0.5 ||
	bail "guardprobe failed"
is "a throttled source gets replies again once its bucket refilled" \
	"$F_RECV" 5
check "the throttled sources never got a bigger reply" amplification_ok

# Hundreds of drops, yet the log holds at most each worker's budget for
# per-datagram messages (burst 20, then 5/s) plus one summary a second.
secs=$((($(now_ms) - t_start) / 1000 + 1))
log_bounded() {
	n=$(log_count 'event=dgram_drop')
	echo "dgram_drop lines: $n in $secs s, drops counted: $(drops rate_source)"
	[ "$n" -le $((2 * (20 + 5 * secs))) ] && [ "$(drops rate_source)" -ge 150 ]
}
check "the flood does not flood the log (drop lines within the rate limit)" \
	log_bounded

stop_echod
is "echod exits 0" "$ECHOD_STATUS" 0
