#!/bin/sh
# Loops between the UDP listeners of one echod, on one host.  Two UDP echo
# listeners and two STAMP reflectors on "*": a datagram from one's port to
# another's would be answered back and forth for as long as echod runs
# (seen: 215,000 datagrams a second, a core, after one datagram; loopback
# is exempt from the rate limits).  An unprivileged user could start it:
# echod's UDP sockets had SO_REUSEADDR, so anyone could bind 127.0.0.1 on
# an echod port, take the datagrams sent there, and send from that port.
# Now the UDP sockets are exclusive, and each listener drops datagrams
# from the ports of the others (a reload that adds or removes a listener
# updates the listeners it keeps).  The spoofed datagrams come from a raw
# socket (root); a STAMP listener's own port stays answerable (t-stamp).
. "$(dirname "$0")/guard-lib.sh"
need_cmd python3 setpriv
: "${ECHOCTL:=$top_builddir/src/echoctl}"
[ -x "$ECHOCTL" ] || bail "$ECHOCTL not built"
python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)' \
    2>/dev/null || skip_all "no raw socket here (needs CAP_NET_RAW)"

U1=$(free_port)
U2=$(free_port)
U3=$(free_port)
S1=$(free_port)
S2=$(free_port)
conf() {	# EXTRA-LISTENER
	cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "$T/ctl";
workers = 1;
listeners = (
	{ name = "u1"; protocol = "udp"; address = "*"; port = $U1; },
	{ name = "s1"; protocol = "stamp"; address = "*"; port = $S1; },
	{ name = "s2"; protocol = "stamp"; address = "*"; port = $S2; }$1
);
CONF
}
conf ",
	{ name = \"u2\"; protocol = \"udp\"; address = \"*\"; port = $U2; }"

plan 15
start_echod "$T/echod.conf" "udp:127.0.0.1:$U1" || bail "echod did not start"

# stat LISTENER COUNTER
stat() {
	"$ECHOCTL" stats --socket "$T/ctl" | sed -n "s/^listener\.$1\.$2=//p"
}

is "another user cannot take a UDP echo port's datagrams (bind on 127.0.0.1)" \
    "$(udp_steal "$U1")" refused
is "nor a STAMP port's" "$(udp_steal "$S1")" refused

# spoof SPORT DPORT: one datagram of 44 zero octets (a STAMP test packet's
# size) from 127.0.0.1:SPORT to 127.0.0.1:DPORT, by a raw socket.
spoof() {
	python3 - "$1" "$2" <<'PY'
import socket, struct, sys
sport, dport = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
s.sendto(struct.pack("!HHHH", sport, dport, 8 + 44, 0) + bytes(44),
         ("127.0.0.1", 0))
PY
}

# loop_case NAME FROM-LISTENER SPORT TO-LISTENER DPORT: the spoofed datagram
# is dropped at its destination, which answers nothing; a second to show a
# loop (a bounce takes well under a millisecond).
loop_case() {
	_to_in=$(stat "$4" dgrams_in)
	_to_drop=$(stat "$4" drop_src_port)
	_from_in=$(stat "$2" dgrams_in)
	spoof "$3" "$5" || bail "raw send failed"
	_want=$((_to_drop + 1))
	check "$1: dropped at $4 (drop_src_port +1)" \
	    wait_until 10 sh -c "[ \"\$(\"$ECHOCTL\" stats --socket '$T/ctl' |
	        sed -n 's/^listener\.$4\.drop_src_port=//p')\" = $_want ]"
	sleep 1	# the wait is the test: nothing may arrive meanwhile
	is "$1: $2 heard nothing, $4 got the one datagram" \
	    "$(($(stat "$2" dgrams_in) - _from_in)) $(($(stat "$4" dgrams_in) - _to_in))" "0 1"
}
loop_case "echo to STAMP" u1 "$U1" s1 "$S1"
loop_case "STAMP to echo" s1 "$S1" u1 "$U1"
loop_case "echo to echo" u2 "$U2" u1 "$U1"
loop_case "STAMP to STAMP" s2 "$S2" s1 "$S1"

# A reload that removes u2 and adds u3: u1, kept as it was, now drops u3's
# port and answers u2's (nothing of ours is there any more).
conf ",
	{ name = \"u3\"; protocol = \"udp\"; address = \"*\"; port = $U3; }"
"$ECHOCTL" reload --socket "$T/ctl" >"$T/reload.out" 2>&1 ||
	bail "reload failed: $(cat "$T/reload.out")"
loop_case "after a reload, from the new listener" u3 "$U3" u1 "$U1"
out0=$(stat u1 dgrams_out)
spoof "$U2" "$U1"
check "after a reload, the removed listener's port is answered" \
    wait_until 10 sh -c "[ \"\$(\"$ECHOCTL\" stats --socket '$T/ctl' |
        sed -n 's/^listener\.u1\.dgrams_out=//p')\" = $((out0 + 1)) ]"

is "an ordinary client of u1 is still echoed" \
    "$(flood 127.0.0.1 "$U1" --count 5 --timeout 5 && echo "$F_RECV")" 5
stop_echod
is "echod exits 0" "$ECHOD_STATUS" 0
finish
