#!/bin/sh
# sd_notify with a NOTIFY_SOCKET of our own (systemd-lab's notify-recv):
# READY=1 once listeners are up, STATUS= refreshed, RELOADING=1 with
# MONOTONIC_USEC then READY=1 around a good and a failed reload (STATUS says
# why), WATCHDOG=1 when WATCHDOG_USEC is set, STOPPING=1 on drain.
. "$(dirname "$0")/lib.sh"
need_notify socat
plan 13

write_conf "$conf" tcp-main tcp "$P1"
# Neither notify-recv nor echod may hold the TAP pipe: an orphan would
# keep make check waiting for ever.
WATCHDOG_USEC=600000 "$SDLAB/notify-recv" -t 60 -o "$out" -- \
    "$ECHOD" -c "$conf" > "$T_DIR/notify-recv.out" 2> "$T_DIR/echod.log" &
nr=$!
T_PIDS=$nr
cp /dev/null "$T_DIR/notify.log"
# notify-recv's child (echod) first, by its PID, then notify-recv itself.
trap 'cp "$out" "$T_DIR/notify.log" 2>/dev/null
for c in $(ps -o pid= --ppid "$nr" 2>/dev/null); do kill "$c" 2>/dev/null; done
t_cleanup' EXIT

wait_for 100 grep -q 'READY=1' "$out" || bail "no READY=1"
check "listener up when READY=1 arrives" tcp_echo "$P1" ready
check "READY=1 carries a STATUS= summary" grep -q 'READY=1.*STATUS=.*listener' "$out"
pid=$(sed -n 's/.* pid=\([0-9]*\) READY=1.*/\1/p' "$out" | head -n 1)
[ -n "$pid" ] || bail "no pid in notify output"

check "STATUS= is refreshed (status_interval 1s)" wait_for 50 sh -c "[ \$(grep -c '^[0-9.]* pid=[0-9]* STATUS=' '$out') -ge 2 ]"
check "WATCHDOG=1 pings (WATCHDOG_USEC=600000)" wait_for 30 sh -c "[ \$(grep -c 'WATCHDOG=1' '$out') -ge 3 ]"

# Good reload.
n0=$(wc -l < "$out")
write_conf "$conf" tcp-main tcp "$P1" tcp-b tcp "$(free_port)"
ctl reload > "$T_DIR/reload.out" 2>&1 || bail "reload failed: $(cat "$T_DIR/reload.out")"
# echoctl returns once echod sent READY=1; the receiver writes it to $out
# a moment later.
wait_for 20 sh -c "tail -n +$((n0 + 1)) '$out' | grep -q 'READY=1'"
tail -n +"$((n0 + 1))" "$out" | grep -v 'WATCHDOG=1$' > "$T_DIR/reload1.txt"
check "good reload: RELOADING=1 with MONOTONIC_USEC, then READY=1" python3 - "$T_DIR/reload1.txt" <<'PY'
import sys, time
lines = [l.split(" ", 2)[2].strip() for l in open(sys.argv[1]) if l.count(" ") >= 2]
r = [i for i, l in enumerate(lines) if "RELOADING=1" in l]
assert r, lines
f = dict(kv.split("=", 1) for kv in lines[r[0]].split("|"))
usec = int(f["MONOTONIC_USEC"])
assert abs(time.clock_gettime(time.CLOCK_MONOTONIC) - usec / 1e6) < 30, usec
ready = [l for l in lines[r[0] + 1:] if "READY=1" in l]
assert ready and "reload failed" not in ready[0], lines
PY

# Failed reload: READY=1 again, STATUS says why.
n0=$(wc -l < "$out")
echo 'listeners = ( { name = "broken"; } ); nonsense = 1;' > "$conf"
ctl reload > "$T_DIR/bad.out" 2>&1
check "failed reload: echoctl exit 78" test $? -eq 78
wait_for 20 sh -c "tail -n +$((n0 + 1)) '$out' | grep -q 'READY=1'"
tail -n +"$((n0 + 1))" "$out" | grep -v 'WATCHDOG=1$' > "$T_DIR/reload2.txt"
check "failed reload: RELOADING=1 then READY=1" sh -c "
    grep -n 'RELOADING=1.*MONOTONIC_USEC=' '$T_DIR/reload2.txt' | head -n1 | cut -d: -f1 > '$T_DIR/a' &&
    grep -n 'READY=1' '$T_DIR/reload2.txt' | head -n1 | cut -d: -f1 > '$T_DIR/b' &&
    [ -s '$T_DIR/a' ] && [ -s '$T_DIR/b' ] && [ \$(cat '$T_DIR/a') -lt \$(cat '$T_DIR/b') ]"
check "failed reload: STATUS=reload failed: <reason>" \
    grep -q 'READY=1.*STATUS=reload failed: .*echod.conf' "$T_DIR/reload2.txt"
check "service continues after the failed reload" tcp_echo "$P1" still

# A name with a newline (refused: names are identifiers): STATUS= quotes
# it, escaped, and no assignment of its own reaches the service manager.
n0=$(wc -l < "$out")
printf 'listeners = ( { name = "x\\nSTOPPING=1\\ny"; protocol = "tcp"; address = "127.0.0.1"; port = %s; } );\n' "$P1" > "$conf"
ctl reload > "$T_DIR/nl.out" 2>&1
wait_for 20 sh -c "tail -n +$((n0 + 1)) '$out' | grep -q 'READY=1'"
# Every FIELD=value of every datagram so far, one a line: none may be a
# STOPPING=1 of its own before SIGTERM.
no_stopping() { ! cut -d' ' -f3- "$out" | tr '|' '\n' | grep -qx 'STOPPING=1'; }
status_escaped() { tail -n +"$((n0 + 1))" "$out" | grep -qF 'x\x0aSTOPPING=1\x0ay'; }
check "a config name with a newline: no STOPPING=1 reaches sd_notify" no_stopping
check "STATUS= shows the newline as \\x0a" status_escaped

# Drain.
kill -TERM "$pid"
check "STOPPING=1 on SIGTERM" wait_for 50 grep -q 'STOPPING=1' "$out"
check "echod exits after draining" wait_for 100 sh -c "! kill -0 $pid 2>/dev/null"
finish
