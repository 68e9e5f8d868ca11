#!/bin/sh
# The guard against traffic only another host or a broadcast can produce,
# in network namespaces this test makes (unshare -n; skipped where that is
# not permitted): echod listens on "*" in one namespace; a second namespace
# joined by a veth pair is the other host.  Checked with real kernels and
# crafted packets: directed, limited-on-lo and IPv6 multicast destinations,
# a loopback source arriving on the veth (route_localnet on), a spoofed
# source port 19 and an IPv6 :: source; each dropped and counted, while
# ordinary unicast from the other host is echoed.
if [ -z "${GUARD_NETNS:-}" ]; then
	if unshare -n true 2>/dev/null; then
		GUARD_NETNS=1 exec unshare -n "${SHELL:-/bin/sh}" "$0" "$@"
	fi
	echo "1..0 # SKIP cannot create a network namespace (unshare -n)"
	exit 77
fi
. "$(dirname "$0")/guard-lib.sh"
need_cmd ip nsenter sysctl

veth_peer
mac0=$(ip -o link show v0 | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/')

P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
status_interval = "1s";
workers = 1;
listeners = (
	{ name = "udp-any"; protocol = "udp"; address = "*"; port = $P; }
);
CONF

plan 10
start_echod "$T/echod.conf" "udp:127.0.0.1:$P" || bail "echod did not start"

peer_flood() {
	in_peer "$GUARDPROBE" flood "$@" >"$T/flood.out" 2>&1
	sed -n 's/^total .* recv=\([0-9]*\) .*/\1/p' "$T/flood.out"
}
is "unicast from the other host is echoed" \
	"$(peer_flood 10.9.0.1 "$P" --from 10.9.0.2 --count 5 --timeout 5)" 5
is "IPv6 unicast from the other host is echoed" \
	"$(peer_flood fd09::1 "$P" --from fd09::2 --count 5 --timeout 5)" 5
is "directed broadcast 10.9.0.255: no reply" \
	"$(peer_flood 10.9.0.255 "$P" --from 10.9.0.2 --count 5 --broadcast 1 \
	--timeout 1)" 0
flood 127.255.255.255 "$P" --count 5 --broadcast 1 --timeout 1 ||
	bail "guardprobe failed"
is "broadcast 127.255.255.255 on lo: no reply" "$F_RECV" 0
in_peer "$GUARDPROBE" raw v1 fd09::2 ff02::1 40000 "$P" --dmac 33:33:00:00:00:01 \
	>/dev/null || bail "raw send failed"
check "10 broadcast and 1 multicast (ff02::1) datagrams counted as drop_bcast_dst" \
	wait_until 10 drops_are bcast_dst 11

sysctl -qw net.ipv4.conf.v0.route_localnet=1 net.ipv4.conf.all.route_localnet=1 ||
	bail "cannot set route_localnet"
sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.v0.rp_filter=0 || true
in_peer "$GUARDPROBE" raw v1 127.0.0.5 10.9.0.1 40000 "$P" --dmac "$mac0" \
	>/dev/null || bail "raw send failed"
check "127.0.0.5 as source on the veth (route_localnet on): drop_loopback_src" \
	wait_until 10 drops_are loopback_src 1
in_peer "$GUARDPROBE" raw v1 10.9.0.2 10.9.0.1 19 "$P" --dmac "$mac0" \
	>/dev/null || bail "raw send failed"
check "spoofed source port 19 from the other host: drop_src_port" \
	wait_until 10 drops_are src_port 1
"$GUARDPROBE" raw lo :: ::1 40000 "$P" >/dev/null || bail "raw send failed"
"$GUARDPROBE" raw lo 0.1.2.3 127.0.0.1 40000 "$P" >/dev/null ||
	bail "raw send failed"
check "sources :: and 0.1.2.3 (the kernel lets both through on lo): drop_bogon_src" \
	wait_until 10 drops_are bogon_src 2
is "unicast from the other host is still echoed after all that" \
	"$(peer_flood 10.9.0.1 "$P" --from 10.9.0.2 --count 5 --timeout 5)" 5

stop_echod
is "echod exits 0" "$ECHOD_STATUS" 0
