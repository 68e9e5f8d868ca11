#!/bin/sh
# UDP replies from a wildcard socket leave from the address the request was
# sent to and follow the routes, in network namespaces this test makes
# (unshare -n; skipped where that is not permitted).  echod listens on "*"
# (dual stack: IPv4 arrives v4-mapped) in this namespace, which has extra
# addresses on lo; a second namespace (the client, with its own address on
# its lo) is joined by two veth pairs, and the routes are asymmetric:
# requests come in on pair 0, the way back is pair 1.  python's socket
# module reports each reply's source; the client's interface counters say
# which way it came back.  A reply whose pktinfo names the request's
# interface is pinned to pair 0 against the routes (for IPv4 the kernel
# then assumes the client is on that link), so it came back on pair 0.
if [ -z "${UDP_NETNS:-}" ]; then
	if unshare -n true 2>/dev/null; then
		UDP_NETNS=1 exec unshare -n "${SHELL:-/bin/sh}" "$0" "$@"
	fi
	echo "1..0 # SKIP cannot create a network namespace (unshare -n)"
	exit 77
fi
. "$(dirname "$0")/lib.sh"
need_cmd ip nsenter sysctl python3
UDPFROM=$top_srcdir/tests/tools/udp_from.py

ip link set lo up || skip_all "cannot configure lo in the namespace"
[ -e /proc/net/if_inet6 ] || skip_all "no IPv6"
sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
	2>/dev/null || true
ip -6 addr add 2001:db8:ff::1/128 dev lo nodad &&
	ip -6 addr add 2001:db8:ff::2/128 dev lo nodad ||
	skip_all "cannot add IPv6 addresses to lo"
ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true
bg client unshare -n sleep 120
peer=$BG_PID
in_client() { nsenter -t "$peer" -n "$@"; }
wait_until 5 own_netns "$peer" || bail "client namespace not ready"
# Pair i: 2001:db8:i+1::/64 and 198.51.100.0/24 (pair 0), 203.0.113.0/24
# (pair 1); the server has 192.0.2.1 and the client 192.0.2.66 on lo.
net4() { if [ "$1" = 0 ]; then echo 198.51.100; else echo 203.0.113; fi; }
for i in 0 1; do
	ip link add "va$i" type veth peer name "vb$i" netns "$peer" ||
		skip_all "cannot create a veth pair"
	ip -6 addr add "2001:db8:$((i + 1))::1/64" dev "va$i" nodad &&
		ip addr add "$(net4 $i).1/24" dev "va$i" &&
		ip link set "va$i" up || bail "cannot configure va$i"
	in_client sh -c "ip link set lo up &&
		ip -6 addr add 2001:db8:$((i + 1))::2/64 dev vb$i nodad &&
		ip addr add $(net4 $i).2/24 dev vb$i &&
		ip link set vb$i up" || bail "cannot configure vb$i"
done
ip addr add 192.0.2.1/32 dev lo || bail "server address"
in_client sh -c 'ip -6 addr add 2001:db8:ee::2/128 dev lo nodad &&
	ip addr add 192.0.2.66/32 dev lo' || bail "client address"
# Requests: client -> pair 0; replies: echod -> pair 1.  Reverse-path
# filters off: each side receives on the pair it does not route back by.
in_client sh -c 'ip -6 route add 2001:db8:ff::/64 via 2001:db8:1::1 dev vb0 &&
	ip route add 192.0.2.1/32 via 198.51.100.1 dev vb0' || bail "client routes"
ip -6 route add 2001:db8:ee::/64 via 2001:db8:2::2 dev va1 &&
	ip route add 192.0.2.66/32 via 203.0.113.2 dev va1 || bail "server routes"
for k in all default va0 va1; do
	sysctl -qw "net.ipv4.conf.$k.rp_filter=0" || true
done
for k in all default vb0 vb1; do
	in_client sysctl -qw "net.ipv4.conf.$k.rp_filter=0" || true
done
links_up() {
	ip -o link show va0 | grep -q 'state UP' &&
		ip -o link show va1 | grep -q 'state UP'
}
wait_until 10 links_up || bail "veths did not come up"

P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
workers = 1;
listeners = (
	{ name = "udp-any"; protocol = "udp"; address = "*"; port = $P; }
);
CONF

plan 7
start_echod "$T/echod.conf" "udp:127.0.0.1:$P" || bail "echod did not start"

# from_all FILE ADDR: every reply in FILE came from ADDR, and all came.
from_all() {
	grep -q '^replies \([0-9]*\) of \1$' "$1" &&
	    ! grep '^reply ' "$1" | grep -qv " from $2 $P\$"
}
python3 "$UDPFROM" --bind ::1 --count 10 2001:db8:ff::2 "$P" >"$T/lo6.out" 2>&1
check "IPv6 on lo: 10 requests to 2001:db8:ff::2, 10 replies from it (not ::1 or ff::1)" \
	from_all "$T/lo6.out" 2001:db8:ff::2
python3 "$UDPFROM" --bind 127.0.0.1 --count 10 127.0.0.2 "$P" >"$T/lo4.out" 2>&1
check "IPv4 on the dual-stack socket: replies from 127.0.0.2" \
	from_all "$T/lo4.out" 127.0.0.2

# rx_bytes of the client's side of each pair (the counters of this
# namespace's /sys are the parent's; ask ip in the client's).  Bytes, not
# packets: equal replies to one peer may leave as one UDP GSO train.
rx() {
	in_client ip -s -o link show "$1" |
		sed 's/.*RX:[^0-9]*\([0-9]*\).*/\1/'
}
# across FROM TO NAME: 50 requests from the client's FROM to echod's TO
# over the veths: every reply from TO; at least their payload's bytes
# (about 550) come in on pair 1, as routed, and less than that on pair 0,
# where the requests came in (a few neighbour packets at most).
across() {
	# A first exchange resolves the neighbours on both pairs (its replies
	# may be lost while they are; not counted).
	in_client python3 "$UDPFROM" --bind "$1" --wait 2 "$2" "$P" \
		>/dev/null 2>&1 || true
	_rx0=$(rx vb0)
	_rx1=$(rx vb1)
	in_client python3 "$UDPFROM" --bind "$1" --count 50 --wait 5 "$2" "$P" \
		>"$T/$3.out" 2>&1
	check "$3 across the veths: 50 requests to $2, 50 replies from it" \
		from_all "$T/$3.out" "$2"
	_d0=$(($(rx vb0) - _rx0))
	_d1=$(($(rx vb1) - _rx1))
	diag "$3: client rx bytes: pair 0 +$_d0, pair 1 +$_d1"
	_want=$(grep '^reply ' "$T/$3.out" | awk '{ n += length("udp_from " $2) } END { print n + 0 }')
	check "$3: replies back on pair 1 as routed, not pinned to pair 0 (rx bytes +$_d1, +$_d0; payload $_want)" \
		test "$_d1" -ge "$_want" -a "$_d0" -lt "$_want" -a "$_want" -gt 0
}
across 2001:db8:ee::2 2001:db8:ff::1 IPv6
across 192.0.2.66 192.0.2.1 IPv4-mapped

stop_echod
is "echod exits 0" "$ECHOD_STATUS" 0
