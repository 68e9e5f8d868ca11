#!/bin/sh
# An inherited UDP socket bound to a wildcard replies from the address each
# request was sent to, whatever address the config names: the fd comes
# from systemd-socket-activate bound to 0.0.0.0 and named after a listener
# whose config says 192.0.2.1.  Requests to 127.0.0.2, 127.0.0.3 and
# 127.0.0.1 from a client bound to 127.0.0.1 (python's socket module, which
# reports each reply's source) must be answered from those addresses; the
# kernel would pick 127.0.0.1 for all of them without pktinfo.
. "$(dirname "$0")/lib.sh"
need_echod
need_cmd systemd-socket-activate ss python3 setpriv
UDPFROM=$top_srcdir/tests/tools/udp_from.py
plan 7

PU=$(free_port)		# the systemd socket, 0.0.0.0
PQ=$(free_port)		# the configured port: never bound
conf=$T_DIR/echod.conf
cat > "$conf" <<CONF
log_level = "debug";
control_socket = "$T_DIR/ctl.sock";
listeners = (
	{ name = "udp-named"; protocol = "udp"; address = "192.0.2.1"; port = $PQ; }
);
CONF

systemd-socket-activate --datagram -l "0.0.0.0:$PU" --fdname=udp-named \
    "$ECHOD" -c "$conf" > "$T_DIR/echod.log" 2>&1 &
pid=$!
T_PIDS=$pid
wait_for 50 sh -c "ss -Hlnu | grep -q '0.0.0.0:$PU '" || bail "socket-activate did not listen"

# from_all FILE ADDR: every reply in FILE came from ADDR, and all came.
from_all() {
	grep -q '^replies \([0-9]*\) of \1$' "$1" &&
	    ! grep '^reply ' "$1" | grep -qv " from $2 $PU\$"
}

# The first datagram starts echod, which answers it once it adopted the fd.
python3 "$UDPFROM" --bind 127.0.0.1 --wait 30 127.0.0.2 "$PU" > "$T_DIR/first.log" 2>&1
check "first datagram (to 127.0.0.2) answered from 127.0.0.2" from_all "$T_DIR/first.log" 127.0.0.2
wait_for 50 ctl ping || bail "echod did not answer ping"
ctl status > "$T_DIR/status.log"
check "udp-named adopted by name, bound to 0.0.0.0:$PU" sh -c "
    grep -qx 'listener.udp-named.inherited=yes' '$T_DIR/status.log' &&
    grep -qx 'listener.udp-named.address=0.0.0.0:$PU' '$T_DIR/status.log'"
python3 "$UDPFROM" --bind 127.0.0.1 --count 20 127.0.0.3 "$PU" > "$T_DIR/r3.log" 2>&1
check "20 datagrams to 127.0.0.3: 20 replies, all from 127.0.0.3" from_all "$T_DIR/r3.log" 127.0.0.3
python3 "$UDPFROM" --bind 127.0.0.3 --count 5 127.0.0.1 "$PU" > "$T_DIR/r1.log" 2>&1
check "to 127.0.0.1 from a client on 127.0.0.3: replies from 127.0.0.1" from_all "$T_DIR/r1.log" 127.0.0.1
# A reload keeps the socket and what was read from it.
ctl reload > "$T_DIR/reload.log" 2>&1 || bail "reload failed: $(cat "$T_DIR/reload.log")"
python3 "$UDPFROM" --bind 127.0.0.1 --count 5 127.0.0.2 "$PU" > "$T_DIR/r2.log" 2>&1
check "after a reload: still from 127.0.0.2" from_all "$T_DIR/r2.log" 127.0.0.2
check "the configured 192.0.2.1 port $PQ was never bound" sh -c "! ss -Hlnu | grep -q ':$PQ '"
# systemd binds with SO_REUSEADDR, which on UDP lets another user bind
# 127.0.0.1 on the port and take what is sent there; echod clears it.
steal() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PY3" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)' "$PU"
}
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=$(command -v python3)
check "another user cannot bind 127.0.0.1:$PU beside the adopted socket" steal
finish
