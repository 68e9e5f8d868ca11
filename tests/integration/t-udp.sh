#!/bin/sh
# UDP echo: each datagram comes back exactly (0 bytes up to the IPv4 maximum
# of 65507), to its sender, from the address it was sent to (also on a
# wildcard listener); one larger than max_datagram is dropped and counted,
# never echoed cut short.  socat and nc as clients too.
. "$(dirname "$0")/lib.sh"
need_cmd socat nc

P=$(free_port)
Q=$(free_port)
W=$(free_port)
S=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
status_interval = "1s";
listeners = (
	{ name = "udp-main"; protocol = "udp"; address = "127.0.0.1"; port = $P; },
	{ name = "udp-small"; protocol = "udp"; address = "127.0.0.1"; port = $Q;
	  max_datagram = 1000; },
	{ name = "udp-any"; protocol = "udp"; address = "0.0.0.0"; port = $W; }
);
CONF

plan 15
start_echod "$T/echod.conf" "udp:127.0.0.1:$P" "udp:127.0.0.1:$Q" \
	"udp:127.0.0.1:$W" || bail "echod did not start"

for size in 0 1 1472 65507; do
	check "$size-byte datagram echoed exactly, from the address sent to" \
		"$ECHOPROBE" udp 127.0.0.1 "$P" "$size" --seed "$size" --timeout 5
done
check "500 distinct datagrams, each echoed exactly once" \
	"$ECHOPROBE" udp 127.0.0.1 "$P" 200 --count 500 --timeout 5
check "reply goes back to the sender's own port" \
	"$ECHOPROBE" udp 127.0.0.1 "$P" 100 --src 127.0.0.1 --src-port "$S" --timeout 5
check "max_datagram 1000: a 1000-byte datagram is echoed" \
	"$ECHOPROBE" udp 127.0.0.1 "$Q" 1000 --timeout 5
check "max_datagram 1000: a 1001-byte datagram gets no reply, not even a cut one" \
	"$ECHOPROBE" udp 127.0.0.1 "$Q" 1001 --timeout 1 --expect-none
check "max_datagram 1000: a 65507-byte datagram gets no reply" \
	"$ECHOPROBE" udp 127.0.0.1 "$Q" 65507 --timeout 1 --expect-none
check "the listener still echoes after dropping" \
	"$ECHOPROBE" udp 127.0.0.1 "$Q" 999 --timeout 5
# The periodic summary reports the drops of each interval: they add up to 2.
drops_are() {
	[ "$(sed -n 's/.*event=summary.* drop_too_big=\([0-9]*\).*/\1/p' \
		"$ECHOD_LOG" | awk '{ n += $1 } END { print n + 0 }')" = "$1" ]
}
check "the 2 drops are counted (summary lines: drop_too_big adds up to 2)" \
	wait_until 10 drops_are 2
# 127.0.0.2 is a loopback address too; a reply from 127.0.0.1 (the route's
# default source) would mean the arrival address was not kept.
check "wildcard listener: reply comes from 127.0.0.2 when sent to 127.0.0.2" \
	"$ECHOPROBE" udp 127.0.0.2 "$W" 512 --timeout 5

socat_udp() {
	out=$(printf 'hello over udp' | timeout 10 socat -t 2 - "UDP:127.0.0.1:$P")
	[ "$out" = "hello over udp" ]
}
check "socat: a datagram comes back" socat_udp
nc_udp() {
	out=$(printf 'hello nc' | timeout 10 nc -u -w 1 127.0.0.1 "$P")
	[ "$out" = "hello nc" ]
}
check "nc: a datagram comes back" nc_udp

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
