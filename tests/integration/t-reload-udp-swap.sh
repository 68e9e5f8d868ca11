#!/bin/sh
# A reload that puts a new UDP socket on a port one of echod's own holds:
# a udp listener turned stamp on the same address and port, and a udp
# listener moved from 127.0.0.1 to "*".  echod's UDP sockets are exclusive
# (no SO_REUSEADDR: t-guard-loop), and the kernel lets a second socket
# bind beside one only if both have it; the old sockets lend it for the
# moment of the bind (seen failing without: "cannot bind stamp 127.0.0.1
# port P: Address already in use").  Two workers: the SO_REUSEPORT path.
# Afterwards the sockets are exclusive again.
. "$(dirname "$0")/lib.sh"
need_cmd python3 setpriv
: "${ECHOCTL:=$top_builddir/src/echoctl}"

P=$(free_port)
ctl=$T/ctl.sock
conf() {	# PROTOCOL ADDRESS
	cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "$ctl";
workers = 2;
listeners = ({ name = "$1"; protocol = "$1"; address = "$2"; port = $P; });
CONF
}
reload() {
	"$ECHOCTL" reload --socket "$ctl" >"$T/reload.out" 2>&1
}
echoes() {	# ADDRESS: a datagram to ADDRESS:P comes back as sent
	"$ECHOCTL" udp -m hello "$1" "$P" 2>&1 | grep -qx hello
}
stamps() {	# one STAMP test packet answered
	"$ECHOCTL" probe stamp -c 1 -i 0.1 127.0.0.1 "$P" >"$T/stamp.out" 2>&1
}
plan 8
conf udp 127.0.0.1
start_echod "$T/echod.conf" "udp:127.0.0.1:$P" || bail "echod did not start"
conf stamp 127.0.0.1
check "udp to stamp on 127.0.0.1:$P: reload ok" reload
check "the reflector answers" stamps
conf udp 127.0.0.1
check "and back to udp: reload ok" reload
check "echoed" echoes 127.0.0.1
conf udp '*'
check "udp from 127.0.0.1 to \"*\": reload ok" reload
check "echoed on 127.0.0.2" echoes 127.0.0.2
is "the sockets are exclusive again" "$(udp_steal "$P")" refused
stop_echod
is "echod exits 0" "$ECHOD_STATUS" 0
finish
