#!/bin/sh
# The hand-over request without a container, against a NOTIFY_SOCKET of our
# own (systemd-lab's notify-recv): only a SIGUSR2 queued with a slot count
# (what `echod --stop-helper` sends) hands over; a plain SIGUSR2, a zero
# count, too few slots and restart_keeps_connections = false do not.  The
# hand-over sends FDSTORE=1 for the listening sockets and the connections'
# carrier under echod's names with FDPOLL=0, waits for the barrier and
# exits 0.  The stop helper outside a systemd unit changes nothing.
. "$(dirname "$0")/lib.sh"
need_notify
plan 9

nr=

# sigqueue(3) from root: SIGUSR2 carrying VALUE (python has no sigqueue).
sigq() {
	python3 -c 'import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
sys.exit(0 if libc.sigqueue(int(sys.argv[1]), 12, ctypes.c_void_p(int(sys.argv[2]))) == 0 else 1)' "$1" "$2"
}

# start [SETTING...]: echod under notify-recv with one worker, a TCP and a
# UDP listener on P1; sets pid.
start() {
	write_conf "$conf" tcp-main tcp "$P1" udp-main udp "$P1"
	echo "workers = 1;" >> "$conf"
	for s in "$@"; do echo "$s" >> "$conf"; done
	: > "$out"
	"$SDLAB/notify-recv" -t 60 -o "$out" -- "$ECHOD" -c "$conf" \
	    > "$T_DIR/notify-recv.out" 2>> "$T_DIR/echod.log" &
	nr=$!
	T_PIDS="$T_PIDS $nr"
	wait_for 100 grep -q 'READY=1' "$out" || bail "no READY=1"
	pid=$(sed -n 's/.* pid=\([0-9]*\) READY=1.*/\1/p' "$out" | head -n 1)
	[ -n "$pid" ] || bail "no pid in notify output"
}
# ended: echod and notify-recv are gone and echod exited 0.
ended() {
	wait_for 100 sh -c "! kill -0 $pid 2>/dev/null" || return 1
	wait "$nr"
}
# A client that holds one TCP connection open and echoes once on it.
hold() {
	rm -f "$T_DIR/held"
	python3 - "$P1" "$T_DIR/held" <<'PY' &
import socket, sys, time
end = time.monotonic() + 5
while True:
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
        break
    except OSError:
        if time.monotonic() > end:
            raise
        time.sleep(0.05)
s.sendall(b"held\n")
assert s.recv(16) == b"held\n"
open(sys.argv[2], "w").close()
s.settimeout(30)
try:
    s.recv(16)
except OSError:
    pass
PY
	T_PIDS="$T_PIDS $!"
	wait_for 50 test -e "$T_DIR/held" || bail "no connection held"
}

start
kill -USR2 "$pid"
check "a plain SIGUSR2 (no slot count) is not a hand-over request" wait_for 30 sh -c "
	kill -0 $pid && grep -q 'SIGUSR2 from pid .* is not a hand-over request' '$T_DIR/echod.log'"
sigq "$pid" 0
check "a SIGUSR2 queued with 0 slots is not one either; echod serves on" \
    wait_for 30 sh -c "[ \$(grep -c 'not a hand-over request' '$T_DIR/echod.log') -eq 2 ] &&
	kill -0 $pid && ! grep -q 'FDSTORE=1' '$out'"
"$ECHOD" --stop-helper "$pid" > "$T_DIR/helper.out" 2>&1
rc=$?
check "echod --stop-helper outside a unit: exit 0, says why, changes nothing" sh -c "
	[ $rc -eq 0 ] && grep -q 'echod stop helper: ' '$T_DIR/helper.out' &&
	kill -0 $pid && ! grep -q 'STOPPING=1' '$out'"
check "echod still echoes" tcp_echo "$P1" still-here

hold
sigq "$pid" 100
ended
rc=$?
check "a hand-over request with room: echod exits 0 (rc=$rc)" [ "$rc" -eq 0 ]
check "FDSTORE=1 for listen/tcp-main, listen/udp-main, conns/tcp-main with FDPOLL=0, then a barrier" sh -c "
	grep -q 'STOPPING=1.*STATUS=handing over' '$out' &&
	grep -q 'FDSTORE=1|FDNAME=listen/tcp-main|FDPOLL=0' '$out' &&
	grep -q 'FDSTORE=1|FDNAME=listen/udp-main|FDPOLL=0' '$out' &&
	grep -q 'FDSTORE=1|FDNAME=conns/tcp-main|FDPOLL=0' '$out' &&
	sed -n '/FDNAME=conns/,\$p' '$out' | grep -q 'BARRIER=1'"
check "the log counts what went into the store" \
    grep -q 'restart: 1 connections and 2 listening sockets left' "$T_DIR/echod.log"

start
hold
sigq "$pid" 2
ended
rc=$?
check "too few free slots (2 for 3): drained as a stop, nothing stored, exit 0" sh -c "
	[ $rc -eq 0 ] && grep -q 'the fd store has 2 free slots, 3 needed' '$T_DIR/echod.log' &&
	grep -q 'STOPPING=1.*STATUS=draining' '$out' && ! grep -q 'FDSTORE=1' '$out'"

start 'restart_keeps_connections = false;'
sigq "$pid" 100
ended
rc=$?
check "restart_keeps_connections = false: drained, nothing stored, exit 0" sh -c "
	[ $rc -eq 0 ] && grep -q 'restart_keeps_connections is false; draining' '$T_DIR/echod.log' &&
	! grep -q 'FDSTORE=1' '$out'"
finish
