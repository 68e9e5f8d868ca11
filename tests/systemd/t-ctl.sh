#!/bin/sh
# The control socket with the real echod: ping, status, stats (text and
# JSON), a good and a rejected reload, the request size limit, bad requests,
# the socket mode and the peer credential check, and echoctl's exit codes.
. "$(dirname "$0")/lib.sh"
need_echod
need_cmd socat python3 ss
plan 19

P1=$(free_port)
P2=$(free_port)
conf=$T_DIR/echod.conf
write_conf "$conf" tcp-main tcp "$P1"
"$ECHOD" -c "$conf" 2> "$T_DIR/echod.log" &
pid=$!
T_PIDS=$pid
wait_for 100 ctl ping || bail "echod did not answer ping"

ctl ping > "$T_DIR/ping.out"
check "ping answers with the daemon's pid" grep -qx "pid=$pid" "$T_DIR/ping.out"
check "socket mode is 0600" test "$(stat -c %a "$T_DIR/ctl.sock")" = 600
tcp_echo "$P1" hello || true
ctl status > "$T_DIR/status.out"
check "status shows phase, listener and counters" sh -c "
    grep -qx 'phase=running' '$T_DIR/status.out' &&
    grep -qx 'listener.tcp-main.address=127.0.0.1:$P1' '$T_DIR/status.out' &&
    grep -qx 'total.conn_accepted=1' '$T_DIR/status.out' &&
    grep -qx 'total.bytes_out=6' '$T_DIR/status.out'"
ctl status --json > "$T_DIR/status.json"
check "status --json is JSON with the same facts" python3 -c "
import json, sys
d = json.load(open('$T_DIR/status.json'))
assert d['phase'] == 'running', d
assert d['total']['bytes_out'] == 6, d
l = d['listeners'][0]
assert l['name'] == 'tcp-main' and l['address'] == '127.0.0.1:$P1', l
assert l['inherited'] is False and l['stats']['conn_accepted'] == 1, l
"
ctl stats --json > "$T_DIR/stats.json"
check "stats --json has counters only" python3 -c "
import json
d = json.load(open('$T_DIR/stats.json'))
assert 'phase' not in d and d['total']['conn_accepted'] == 1, d
assert d['listeners'][0]['stats']['bytes_in'] == 6, d
"
ctl stats > "$T_DIR/stats.out"
check "stats text has per-listener counters" grep -qx 'listener.tcp-main.bytes_in=6' "$T_DIR/stats.out"

# A good reload: a new listener serves, the old one still does.
write_conf "$conf" tcp-main tcp "$P1" udp-new udp "$P2"
ctl reload > "$T_DIR/reload.out" 2>&1
check "reload ok: exit 0" test $? -eq 0
check "reload ok: the new UDP listener echoes" udp_echo "$P2" fresh
check "reload ok: the old TCP listener echoes" tcp_echo "$P1" still

# A rejected reload: EX_CONFIG, every diagnostic shown, old config runs.
printf 'listeners = ( { name = "x"; protocol = "tcp"; port = 99999; } );\nbogus_setting = 1;\n' > "$conf"
ctl reload > "$T_DIR/bad.out" 2> "$T_DIR/bad.err"
rc=$?
check "rejected reload: exit 78 (EX_CONFIG), got $rc" test "$rc" -eq 78
check "rejected reload: diagnostics on stderr" sh -c "
    grep -q 'reload failed' '$T_DIR/bad.err' && grep -q 'bogus_setting' '$T_DIR/bad.err' &&
    grep -q 'port' '$T_DIR/bad.err'"
check "rejected reload: the old listeners still echo" sh -c "
    . '$(dirname "$0")/lib.sh' >/dev/null; tcp_echo $P1 old && udp_echo $P2 old"
ctl status > "$T_DIR/status2.out"
check "status counts the failure" grep -qx 'reload_failures=1' "$T_DIR/status2.out"

# Raw protocol: oversize and bad requests get an error, never a hang.
head -c 5000 /dev/zero | tr '\0' a | timeout 5 socat -t3 - "UNIX-CONNECT:$T_DIR/ctl.sock" > "$T_DIR/big.out" 2>&1
check "oversize request: ERR 413" grep -q '^ERR 413 ' "$T_DIR/big.out"
printf 'shutdown\n' | timeout 5 socat -t3 - "UNIX-CONNECT:$T_DIR/ctl.sock" > "$T_DIR/verb.out" 2>&1
check "unknown verb: ERR 400" grep -q '^ERR 400 ' "$T_DIR/verb.out"

# Bounded: 12 silent clients at once; the daemon keeps 8 and closes the
# rest at once; once they leave, control works again.
check "at most 8 control clients at once, the rest closed" python3 - "$T_DIR/ctl.sock" <<'PY'
import socket, sys, time
socks = []
for _ in range(12):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    socks.append(s)
closed = set()
deadline = time.monotonic() + 5
while len(closed) < 4 and time.monotonic() < deadline:
    for i, s in enumerate(socks):
        s.settimeout(0.05)
        try:
            if i not in closed and s.recv(1) == b"":
                closed.add(i)
        except socket.timeout:
            pass
for i, s in enumerate(socks):	# and no more than 4
    try:
        if i not in closed and s.recv(1) == b"":
            closed.add(i)
    except socket.timeout:
        pass
closed = len(closed)
for s in socks:
    s.close()
sys.exit(0 if closed == 4 else 1)
PY
check "control answers again once the silent clients left" wait_for 50 ctl ping

# Peer credentials: even with a world-writable socket, other users are
# refused by SO_PEERCRED.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 0666 "$T_DIR/ctl.sock"
	chmod 0755 "$T_DIR"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$ECHOCTL" status \
	    --socket "$T_DIR/ctl.sock" > "$T_DIR/nobody.out" 2>&1
	rc=$?
	check "other uid refused: exit 77 (EX_NOPERM) and 'permission denied', got $rc" \
	    sh -c "[ $rc -eq 77 ] && grep -q 'permission denied' '$T_DIR/nobody.out'"
else
	ok "# SKIP other uid refused: needs root and setpriv"
fi

kill "$pid"
t_wait_gone "$pid" 100
"$ECHOCTL" ping --socket "$T_DIR/ctl.sock" --timeout 2s > /dev/null 2>&1
rc=$?
check "daemon gone: exit 69 (EX_UNAVAILABLE), got $rc" test "$rc" -eq 69
finish
