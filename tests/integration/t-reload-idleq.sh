#!/bin/sh
# 600 reloads, each setting an idle_timeout never used before (config
# tooling does this): every reload succeeds and a new connection after
# each one still echoes.  An idle queue is kept per distinct timeout; one
# that outlives its last listener and connection would, after a few
# hundred reloads, make every new connection close at once, unlogged and
# uncounted.  Then the last timeout still closes an idle connection.
. "$(dirname "$0")/lib.sh"
need_cmd python3

P=$(free_port)
conf=$T/echod.conf
ctl=$T/ctl.sock
storm() { python3 "$top_srcdir/tests/tools/reload_storm.py" "$@"; }
cat >"$conf" <<CONF
log_level = "notice";
control_socket = "$ctl";
workers = 1;
listeners = ({ name = "idle"; protocol = "tcp"; address = "127.0.0.1";
	port = $P; idle_timeout = "60s"; });
CONF

plan 5
start_echod "$conf" "tcp:127.0.0.1:$P" || bail "echod did not start"
wait_until 10 test -S "$ctl" || bail "no control socket"
storm idle "$conf" "$ctl" "$P" --count 600 --seconds "$(awk -v s="$ECHOD_TIME_SCALE" 'BEGIN { print 240 * s }')" \
	>"$T/idle.out" 2>&1
diag "$(cat "$T/idle.out")"
res=$(tail -n 1 "$T/idle.out")
is "600 reloads with a new idle_timeout each ran" \
	"$(echo "$res" | sed -n 's/^reloads=\([0-9]*\) .*/\1/p')" 600
is "every reload succeeded" "$(echo "$res" | sed -n 's/.* reload_failed=\([0-9]*\) .*/\1/p')" 0
is "a new connection echoed after every reload" \
	"$(echo "$res" | sed -n 's/.* echo_failed=\([0-9]*\) .*/\1/p')" 0

# The last reload set 660 s; one more sets 1 s, which must still work.
sed "s/idle_timeout = \"[0-9]*ms\"/idle_timeout = \"1s\"/" "$conf" >"$conf.new" &&
	mv "$conf.new" "$conf"
python3 - "$ctl" <<'PY' || bail "reload to 1 s failed"
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"reload\n")
sys.exit(0 if s.recv(4096).startswith(b"OK") else 1)
PY
bg hold "$ECHOPROBE" hold 127.0.0.1 "$P" 1 --hold 20
wait_until 15 file_has "$T/hold.out" '^all closed' || diag "still open after 15 s"
# The client's clock: held for about the timeout, neither closed at once
# nor kept.
after=$(sed -n 's/^closed idx=0 after=//p' "$T/hold.out")
check "after the storm an idle connection is closed after idle_timeout (1 s; client saw ${after:-never})" \
	awk -v a="${after:-x}" -v s="$ECHOD_TIME_SCALE" 'BEGIN { exit !(a + 0 >= 0.9 && a + 0 <= 6 * s) }'
stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
