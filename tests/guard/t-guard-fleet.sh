#!/bin/sh
# Two echods of one fleet, on two hosts (network namespaces this test
# makes, joined by a veth pair; skipped where unshare -n is not permitted),
# serve UDP on the same port, as a fleet behind a balancer does.  A
# datagram spoofed from host A's echo port to host B's would make them
# echo it to each other until a rate limit cut in (seen: 400 datagrams for
# one spoofed, every time the per-source bucket has refilled): the loop of
# CVE-1999-0103, between two echods.  A listener drops datagrams from its
# own port, so the spoofed one is dropped at B, counted as drop_src_port,
# and A hears nothing; ordinary clients of both are still echoed.
if [ -z "${GUARD_NETNS:-}" ]; then
	if unshare -n true 2>/dev/null; then
		GUARD_NETNS=1 exec unshare -n "${SHELL:-/bin/sh}" "$0" "$@"
	fi
	echo "1..0 # SKIP cannot create a network namespace (unshare -n)"
	exit 77
fi
. "$(dirname "$0")/guard-lib.sh"
need_cmd ip nsenter
: "${ECHOCTL:=$top_builddir/src/echoctl}"
[ -x "$ECHOCTL" ] || bail "$ECHOCTL not built"

veth_peer
mac1=$(in_peer ip -o link show v1 | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/')

P=$(free_port)
conf() {	# NAME ADDRESS
	cat >"$T/$1.conf" <<CONF
log_level = "info";
control_socket = "$T/$1.ctl";
workers = 1;
listeners = (
	{ name = "udp-$1"; protocol = "udp"; address = "$2"; port = $P; }
);
CONF
}
conf a 10.9.0.1
conf b 10.9.0.2

plan 7
start_echod "$T/a.conf" "udp:10.9.0.1:$P" || bail "echod A did not start"
# B runs in the other namespace (nsenter itself, not in_peer: a shell
# function would put a subshell between; nsenter -n execs echod), and its
# control socket is a file, which either namespace reaches.
bg echod_b nsenter -t "$peer" -n "$ECHOD" -c "$T/b.conf"
b_pid=$BG_PID
wait_until 10 "$ECHOCTL" ping --socket "$T/b.ctl" || bail "echod B did not start"

# stat NAME COUNTER: a counter of echod NAME's listener.
stat() {
	"$ECHOCTL" stats --socket "$T/$1.ctl" |
		sed -n "s/^listener\.udp-$1\.$2=//p"
}
is "a client of A is echoed" \
	"$(in_peer "$GUARDPROBE" flood 10.9.0.1 "$P" --from 10.9.0.2 --count 5 --timeout 5 |
	sed -n 's/^total .* recv=\([0-9]*\) .*/\1/p')" 5
is "a client of B is echoed" \
	"$(flood 10.9.0.2 "$P" --from 10.9.0.1 --count 5 --timeout 5 && echo "$F_RECV")" 5
a0=$(stat a dgrams_in)
b0=$(stat b dgrams_in)

# The spoofed datagram: from A's address and echo port, to B's.
"$GUARDPROBE" raw v0 10.9.0.1 10.9.0.2 "$P" "$P" --dmac "$mac1" >/dev/null ||
	bail "raw send failed"
b_dropped() { [ "$(stat b drop_src_port)" = 1 ]; }
check "B drops it: its source port is B's own (drop_src_port 1)" \
	wait_until 10 b_dropped
# A loop would be under way by now (one bounce takes well under 1 ms);
# give it a second to show.
sleep 1	# the wait is the test: nothing may arrive meanwhile
a1=$(stat a dgrams_in)
b1=$(stat b dgrams_in)
diag "datagrams in since the spoof: A $((a1 - a0)), B $((b1 - b0))"
is "A hears nothing from B" "$((a1 - a0))" 0
is "B got the one spoofed datagram and no more" "$((b1 - b0))" 1
is "a client of B is still echoed" \
	"$(flood 10.9.0.2 "$P" --from 10.9.0.1 --count 5 --timeout 5 && echo "$F_RECV")" 5

stop_echod
kill -TERM "$b_pid"
reap "$b_pid" 10
is "echods A and B exit 0" "$ECHOD_STATUS ${REAPED_STATUS:-running}" "0 0"
