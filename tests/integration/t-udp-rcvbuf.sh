#!/bin/sh
# Datagrams the kernel drops on a full receive buffer are counted as their
# own drop reason, drop_rcvbuf, equal to the kernel's own count (ss -uam,
# skmem d): echod is stopped (SIGSTOP) while a burst overflows its socket,
# then continued; the next datagram carries the socket's drop count
# (SO_RXQ_OVFL).  The count shows in stats, status (key=value and JSON),
# the summary line and a dgram_drop event with drop_reason=rcvbuf.
. "$(dirname "$0")/lib.sh"
: "${ECHOCTL:=$top_builddir/src/echoctl}"
need_cmd python3 ss

P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "$T/ctl.sock";
status_interval = "1s";
workers = 1;
listeners = (
	{ name = "u"; protocol = "udp"; address = "127.0.0.1"; port = $P; }
);
CONF

plan 9
start_echod "$T/echod.conf" "udp:127.0.0.1:$P" || bail "echod did not start"

# kernel_drops: the socket's own drop count (one socket: workers = 1).
kernel_drops() {
	ss -Huanm "sport = :$P" | sed -n 's/.*skmem:(.*,d\([0-9]*\)).*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }'
}
stat() {
	"$ECHOCTL" stats --socket "$T/ctl.sock" | sed -n "s/^listener\.u\.$1=//p"
}
stopped() {
	[ "$(sed 's/.*) //' "/proc/$ECHOD_PID/stat" | cut -d' ' -f1)" = T ]
}
is "no drops before the burst" "$(kernel_drops)" 0
base=$(stat dgrams_in)

kill -STOP "$ECHOD_PID"
wait_until 5 stopped || bail "echod did not stop"
# 3000 datagrams of 200 bytes: far more than a default receive buffer
# holds (each costs its truesize, about 1 KiB on lo).
python3 - "$P" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    s.sendto(b"x" * 200, ("127.0.0.1", int(sys.argv[1])))
PY
kd=$(kernel_drops)
kill -CONT "$ECHOD_PID"
diag "the kernel dropped $kd of 3000"
check "the burst overflowed the socket (kernel drops > 0)" test "$kd" -gt 0
# The next datagram carries the count; its echo says it was read.
check "a datagram after the burst is echoed" \
	"$ECHOPROBE" udp 127.0.0.1 "$P" 10 --timeout 5
is "no more drops since (the kernel's count is still $kd)" "$(kernel_drops)" "$kd"
is "stats: drop_rcvbuf is the kernel's count" "$(stat drop_rcvbuf)" "$kd"
is "stats: dgrams_in are the rest, plus the last one" \
	"$(stat dgrams_in)" $((base + 3000 - kd + 1))
"$ECHOCTL" status --json --socket "$T/ctl.sock" >"$T/status.json"
is "status --json: listener u drop_rcvbuf and total drops" \
	"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
u = [l for l in d["listeners"] if l["name"] == "u"][0]["stats"]
print(u["drop_rcvbuf"], d["total"]["drop_rcvbuf"], d["total"]["drops"])
' "$T/status.json" 2>&1)" "$kd $kd $kd"
check "the summary line counts drop_rcvbuf=$kd" \
	log_wait "event=summary .*drop_rcvbuf=$kd( |\$)"
check "a dgram_drop event with drop_reason=rcvbuf and the count" \
	log_wait "event=dgram_drop .*drop_reason=rcvbuf count=$kd"
