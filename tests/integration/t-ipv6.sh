#!/bin/sh
# IPv6: TCP and UDP on ::1 (sharing one port number), UDP datagrams up to the
# IPv6 maximum of 65527 bytes, and a dual-stack "*" listener that serves
# IPv4 and IPv6 clients and answers each from the address it was sent to.
. "$(dirname "$0")/lib.sh"
need_cmd socat
have_ipv6 || skip_all "no IPv6 loopback (::1)"

P=$(free_port)
W=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
listeners = (
	{ name = "tcp6"; protocol = "tcp"; address = "::1"; port = $P; },
	{ name = "udp6"; protocol = "udp"; address = "::1"; port = $P; },
	{ name = "tcp-any"; protocol = "tcp"; address = "*"; port = $W; },
	{ name = "udp-any"; protocol = "udp"; address = "*"; port = $W; }
);
CONF

plan 13
start_echod "$T/echod.conf" "tcp:::1:$P" "udp:::1:$P" "tcp:::1:$W" \
	"udp:::1:$W" || bail "echod did not start"

check "TCP over ::1: 1 MiB of random bytes echoed byte-exact" \
	"$ECHOPROBE" tcp-stream ::1 "$P" 1048576 --seed 6
check "TCP over ::1: half-close" "$ECHOPROBE" tcp-halfclose ::1 "$P" 100000
for size in 0 1 1452 65507 65527; do
	check "UDP over ::1: $size-byte datagram echoed exactly" \
		"$ECHOPROBE" udp ::1 "$P" "$size" --seed "$size" --timeout 5
done
socat6() {
	out=$(printf 'hello v6' | timeout 10 socat -t 5 - "TCP6:[::1]:$P")
	[ "$out" = "hello v6" ]
}
check "socat over TCP6 gets its bytes back" socat6

check "dual-stack \"*\" TCP: an IPv6 client is served" \
	"$ECHOPROBE" tcp-stream ::1 "$W" 65536
check "dual-stack \"*\" TCP: an IPv4 client is served" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$W" 65536
check "dual-stack \"*\" UDP: IPv6 datagram echoed from ::1" \
	"$ECHOPROBE" udp ::1 "$W" 1000 --timeout 5
check "dual-stack \"*\" UDP: IPv4 datagram to 127.0.0.2 echoed from 127.0.0.2" \
	"$ECHOPROBE" udp 127.0.0.2 "$W" 1000 --timeout 5

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
