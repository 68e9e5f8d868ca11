#!/bin/sh
# echod's STAMP session reflector (protocol = "stamp", RFC 8762
# unauthenticated mode) checked by a sender written from the RFC's figures
# (tests/tools/stamp_peer.py: python's struct, not echod's or echoctl's
# code), octet by octet: offsets, copied fields, the TTL the packets were
# sent with (17), MBZ and padding zero, T2 <= T3 within the sender's own
# clock window, stateless and stateful numbering, IPv4 and IPv6 on a
# wildcard socket; short packets are dropped and counted; the UDP guard
# drops a spoofed service source port; answers are never larger than test
# packets; echoctl's sender measures against it; status and configtest.
. "$(dirname "$0")/lib.sh"

need_cmd python3 ss
PEER=$top_srcdir/tests/tools/stamp_peer.py
ECHOCTL=${ECHOCTL:-$top_builddir/src/echoctl}
GUARDPROBE=${GUARDPROBE:-$top_builddir/tests/guard/guardprobe}
[ -x "$ECHOCTL" ] || bail "$ECHOCTL not built"
[ -x "$GUARDPROBE" ] || bail "$GUARDPROBE not built"

P=$(free_port)
Q=$(free_port)
R=$(free_port)
CTL=$T/ctl.sock
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "$CTL";
status_interval = "1s";
listeners = (
	{ name = "stamp-sl"; protocol = "stamp"; address = "127.0.0.1"; port = $P; },
	{ name = "stamp-sf"; protocol = "stamp"; address = "127.0.0.1"; port = $Q;
	  stamp_mode = "stateful"; },
	{ name = "stamp-any"; protocol = "stamp"; address = "*"; port = $R;
	  stamp_mode = "stateful"; }
);
CONF

plan 22
start_echod "$T/echod.conf" "stamp:127.0.0.1:$P" "stamp:127.0.0.1:$Q" \
    "stamp:127.0.0.1:$R" || bail "echod did not start"

# peer NAME ARGS...: stamp_peer.py, output in $T/NAME.out; its status.
peer() {
	_n=$1
	shift
	python3 "$PEER" "$@" >"$T/$_n.out" 2>&1 || {
		diag "stamp_peer.py $*:"
		dump_file "$T/$_n.out"
		return 1
	}
}

drops() {
	sed -n "s/.*event=summary.* drop_$1=\([0-9]*\).*/\1/p" "$ECHOD_LOG" |
		awk '{ n += $1 } END { print n + 0 }'
}
drops_are() { [ "$(drops "$1")" = "$2" ]; }

check "stateless, 44 octets, TTL 17: every field as RFC 8762 §4.3.1 says" \
    peer sl send 127.0.0.1 "$P" --count 5 --ttl 17
check "stateless: the sender's numbers copied (from 1000)" \
    peer sl2 send 127.0.0.1 "$P" --count 3 --seq-base 1000 --ttl 17
check "a 200-octet packet with non-zero MBZ: 200 octets back, MBZ and padding zero" \
    peer pad send 127.0.0.1 "$P" --count 3 --size 200 --mbz-garbage --ttl 17
check "stateful: the reflector counts from 0 for a new session" \
    peer sf1 send 127.0.0.1 "$Q" --count 5 --mode stateful --seq-base 40 --ttl 17
check "stateful: another 5-tuple is another session, from 0 again" \
    peer sf2 send 127.0.0.1 "$Q" --count 3 --mode stateful --ttl 17
check "wildcard dual-stack socket, IPv4: TTL and numbering" \
    peer any4 send 127.0.0.1 "$R" --count 3 --mode stateful --ttl 17
if have_ipv6; then
	check "wildcard socket, IPv6 ::1: hop limit 17 and numbering" \
	    peer any6 send ::1 "$R" --count 3 --mode stateful --ttl 17 --size 64
else
	skip_test "wildcard socket, IPv6 ::1" "no IPv6 loopback"
fi

check "packets of 43, 41, 14 and 0 octets: no answer" \
    peer short short 127.0.0.1 "$P" 43 41 14 0
check "... dropped and counted as drop_stamp_short (4)" \
    wait_until 10 drops_are stamp_short 4
check "... and logged with protocol=stamp and drop_reason=stamp_short" \
    log_wait 'event=dgram_drop .* listener=stamp-sl protocol=stamp .*drop_reason=stamp_short'

# The UDP guard applies: source port 7 (echo) would make a loop.
if "$GUARDPROBE" flood 127.0.0.1 "$P" --count 10 --size 44 --src-port 7 \
    --timeout 1 >"$T/flood7.out" 2>&1; then
	is "spoofed source port 7: 10 test packets, no answer" \
	    "$(sed -n 's/^total sent=\([0-9]*\) .* recv=\([0-9]*\) .*/\2\/\1/p' \
	    "$T/flood7.out")" "0/10"
	check "... counted as drop_src_port (10)" \
	    wait_until 10 drops_are src_port 10
else
	skip_test "spoofed source port 7" "cannot bind port 7 here"
	skip_test "spoofed source port 7 counted" "cannot bind port 7 here"
fi

# Amplification 1: each answer has its test packet's length.
check "answers as long as test packets of 45, 1000 and 1472 octets" sh -c "
    python3 '$PEER' send 127.0.0.1 $P --count 2 --size 45 --ttl 17 &&
    python3 '$PEER' send 127.0.0.1 $Q --count 2 --size 1000 --ttl 17 --mode stateful &&
    python3 '$PEER' send 127.0.0.1 $P --count 2 --size 1472 --ttl 17
    "
# Many sources at once (guardprobe; its datagrams are no STAMP packets
# but 100 octets each): each is answered once, none is bigger.
"$GUARDPROBE" flood 127.0.0.1 "$P" --count 20 --size 100 --sources 2 \
    --timeout 5 >"$T/flood.out" 2>&1 || bail "guardprobe failed"
is "2 sources x 20 datagrams of 100 octets: 40 answers, none identical (STAMP, not echo)" \
    "$(sed -n 's/^total sent=\([0-9]*\) sent_bytes=\([0-9]*\) recv=\([0-9]*\) .* bad=\([0-9]*\)$/\1 \2 \3 \4/p' "$T/flood.out")" \
    "40 4000 0 40"

# A Session-Sender may send from port 862 itself (stamp-suite's does by
# default): from the reflector's own port number (on 127.0.0.2, as the
# reflector holds it on 127.0.0.1) it is answered all the same.
same_port() {
	python3 - "$P" <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", port))
s.settimeout(3)
s.sendto(struct.pack("!I", 7) + bytes(40), ("127.0.0.1", port))
data, src = s.recvfrom(2048)
sys.exit(0 if len(data) == 44 and src[1] == port and data[24:28] == struct.pack("!I", 7) else 1)
PY
}
check "a sender on the reflector's own port number is answered" same_port

# echoctl's sender against the reflector.
"$ECHOCTL" probe stamp --stateful -c 20 -i 0.01 --ttl 17 127.0.0.1 "$Q" \
    >"$T/ec.out" 2>&1
rc=$?
check "echoctl probe stamp: exit 0, every packet answered" \
    sh -c "[ $rc -eq 0 ] && grep -q '20 packets sent, 20 answers, 0.0% loss' '$T/ec.out'"
check "echoctl: TTL 17 reported, loss by direction 0/0/0" sh -c "
    [ \$(grep -c ' ttl=17\$' '$T/ec.out') -eq 20 ] &&
    grep -q 'loss by direction: forward 0, backward 0, unknown 0' '$T/ec.out'"
"$ECHOCTL" probe stamp --json -c 10 -i 0.01 127.0.0.1 "$P" >"$T/ec.json" 2>&1
check "echoctl --json: one host, one clock: 0 <= forward, backward <= round trip" \
    python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
ans = [l for l in lines if l["type"] == "answer"]
assert len(ans) == 10, lines
for a in ans:
    # One clock: each way is non-negative and within the round trip
    # (plus the rounding of three-decimal ms values).
    assert -0.002 <= a["forward_ms"] <= a["rtt_ms"] + a["reflector_ms"] + 0.002, a
    assert -0.002 <= a["backward_ms"] <= a["rtt_ms"] + a["reflector_ms"] + 0.002, a
    assert a["reflector_seq"] == a["seq"], a
s = lines[-1]
assert s["received"] == 10 and s["reflector_numbering"] == "copied", s
' "$T/ec.json"

"$ECHOCTL" status --socket "$CTL" >"$T/status.out" 2>&1
check "echoctl status: the stamp listeners with their protocol" \
    sh -c "grep -q 'stamp-sf' '$T/status.out' && grep -q 'stamp' '$T/status.out' &&
    grep -Eq 'stamp_sessions[=: ]+[1-9]' '$T/status.out'"

# Configuration mistakes name the file, the line, the setting, the choices.
# bad NAME PROTOCOL STAMP_MODE: echod -t on a one-listener file; its output
# in $T/NAME.out, the exit status in $rc.
bad() {
	printf 'listeners = (\n\t{ name = "x"; protocol = "%s"; port = %s;\n\t  address = "127.0.0.1"; stamp_mode = "%s"; }\n);\n' \
	    "$2" "$P" "$3" >"$T/$1.conf"
	rc=0
	"$ECHOD" -t -c "$T/$1.conf" >"$T/$1.out" 2>&1 || rc=$?
}
bad bad1 stamp statefull
check "stamp_mode = \"statefull\": exit 78, file:line, setting and choices" \
    sh -c "[ $rc -eq 78 ] && grep -q 'bad1.conf:3: listeners\[0\].stamp_mode: .*stateless, stateful' '$T/bad1.out'"
bad bad2 udp stateful
check "stamp_mode on a udp listener: exit 78, applies to stamp listeners only" \
    sh -c "[ $rc -eq 78 ] && grep -q 'bad2.conf:3: .*stamp_mode: applies to stamp listeners only' '$T/bad2.out'"

check "echod still running" echod_running
