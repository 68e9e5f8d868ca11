#!/bin/sh
# UDP GSO trains on a path with a small MTU, in network namespaces this test
# makes (unshare -n; skipped where that is not permitted): a veth pair with
# MTU 576 joins echod's namespace to a second one, the other host.  A train
# of 1000-byte datagrams does not fit that path (the kernel refuses it with
# EMSGSIZE): echod must send those replies one by one (fragmented, as it
# always would), and still send trains where they fit (500 bytes).
if [ -z "${TRAIN_NETNS:-}" ]; then
	if unshare -n true 2>/dev/null; then
		TRAIN_NETNS=1 exec unshare -n "${SHELL:-/bin/sh}" "$0" "$@"
	fi
	echo "1..0 # SKIP cannot create a network namespace (unshare -n)"
	exit 77
fi
. "$(dirname "$0")/lib.sh"
need_cmd ip nsenter python3
BURST=${top_srcdir:-$(dirname "$0")/../..}/tests/tools/burst.py

veth_peer 576

P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
workers = 1;
listeners = (
	{ name = "udp-veth"; protocol = "udp"; address = "10.9.0.1"; port = $P; }
);
CONF

plan 5
start_echod "$T/echod.conf" "udp:10.9.0.1:$P" || bail "echod did not start"
peer_burst() {
	in_peer python3 "$BURST" udp 10.9.0.1 "$P" --stop-pid "$ECHOD_PID" \
		--timeout 10 "$@"
}
peer_up() { peer_burst --sizes 10 --count 1 >/dev/null 2>&1; }
wait_until 10 peer_up || bail "echod does not answer over the veth"

check "1000-byte datagrams over MTU 576: all 16 echoed, in order" \
	peer_burst --sizes 1000 --count 16
check "the same to a UDP_GRO client (no train can reach it)" \
	peer_burst --sizes 1000 --count 16 --gro
out=$(peer_burst --sizes 500 --count 16 --gro)
diag "$out"
case $out in
*trains=[1-9]*) ok "500-byte datagrams fit the path: sent as trains" ;;
*) not_ok "500-byte datagrams fit the path: sent as trains" ;;
esac
check "a train that does not fit does not turn trains off" \
	sh -c "! grep -q 'UDP GSO refused' '$ECHOD_LOG'"

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
