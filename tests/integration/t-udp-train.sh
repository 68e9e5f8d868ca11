#!/bin/sh
# UDP replies in GSO trains: a run of equal replies to one peer leaves as
# one UDP_SEGMENT send (udp_reply.c), and the peer must still get each
# datagram exactly, in the order it sent them.  Checked with python's socket
# module: bursts that wait in echod's socket together (echod is stopped
# while they are sent), from one and from several sockets, equal and mixed
# sizes, and clients that turn on UDP_GRO, which hands them a train as one
# read with its segment size: that is how the test sees trains were sent.
. "$(dirname "$0")/lib.sh"
need_cmd python3
BURST=${top_srcdir:-$(dirname "$0")/../..}/tests/tools/burst.py

P=$(free_port)
W=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
workers = 1;
listeners = (
	{ name = "udp-main"; protocol = "udp"; address = "127.0.0.1"; port = $P; },
	{ name = "udp-any"; protocol = "udp"; address = "0.0.0.0"; port = $W; }
);
CONF

plan 9
start_echod "$T/echod.conf" "udp:127.0.0.1:$P" "udp:127.0.0.1:$W" ||
	bail "echod did not start"

# burst ARGS...: burst.py udp against echod, stopped while the burst goes out;
# prints its "ok ..." line.
burst() {
	python3 "$BURST" udp "$@" --stop-pid "$ECHOD_PID" --timeout 10
}
trains_of() {
	sed -n 's/^ok .* trains=\([0-9]*\)$/\1/p'
}

check "64 equal datagrams from one socket: each echoed exactly, in order" \
	burst 127.0.0.1 "$P" --sizes 100 --count 64
out=$(burst 127.0.0.1 "$P" --sizes 100 --count 64 --gro)
diag "$out"
case $(printf '%s' "$out" | trains_of) in
[1-9]*) ok "a UDP_GRO client gets the run as trains, each cut into the requests" ;;
*) not_ok "a UDP_GRO client gets the run as trains, each cut into the requests" ;;
esac
MIXED=100,100,100,100,100,37,100,100,100,0,1200,1200,1200,1201,1201,100
check "mixed sizes from 3 sockets: every socket gets its echoes in order" \
	burst 127.0.0.1 "$P" --sizes "$MIXED" --count 32 --socks 3
check "the same through UDP_GRO clients: trains cut where the sizes change" \
	burst 127.0.0.1 "$P" --sizes "$MIXED" --count 32 --socks 3 --gro
# Datagrams over 1200 bytes never ride in a train (a path with a smaller
# MTU could not carry it without fragments): one read each.
out=$(burst 127.0.0.1 "$P" --sizes 1201,8000 --count 16 --gro)
is "datagrams over 1200 bytes are sent one by one" \
	"$(printf '%s' "$out" | sed -n 's/^ok datagrams=\([0-9]*\) reads=\([0-9]*\) .*/\1 \2/p')" "16 16"
check "1-byte datagrams: 200 in a burst, all back in order" \
	burst 127.0.0.1 "$P" --sizes 1 --count 200 --gro
# A wildcard listener answers from the address each datagram was sent to;
# a train carries that address for all its datagrams.
out=$(burst 127.0.0.2 "$W" --sizes 64 --count 64 --socks 2 --gro --src 127.0.0.2)
diag "$out"
case $(printf '%s' "$out" | trains_of) in
[1-9]*) ok "wildcard listener: trains leave from 127.0.0.2 when sent to it" ;;
*) not_ok "wildcard listener: trains leave from 127.0.0.2 when sent to it" ;;
esac
check "echod did not turn trains off (no GSO refusal logged)" \
	sh -c "! grep -q 'UDP GSO refused' '$ECHOD_LOG'"

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
