#!/bin/sh
# echoctl's control verbs (ping, status, reload...) against control sockets
# that misbehave, written here in python: --timeout bounds the whole
# exchange, the connect included (a listener that never accepts and whose
# backlog is full made connect() wait forever).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/echoctl-lib.sh"

command -v python3 >/dev/null || skip_all "python3 not installed"
plan 6

# noaccept PATH: a listener on PATH that never accepts, its backlog filled
# (the next non-blocking connect fails with EAGAIN); PATH.ready after.
noaccept() {
	python3 - "$1" <<'PY' 2>"$T/noaccept.log" &
import socket, sys, time
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(0)
fill = []
for _ in range(64):
    c = socket.socket(socket.AF_UNIX)
    c.setblocking(False)
    try:
        c.connect(path)
    except BlockingIOError:
        break
    fill.append(c)
else:
    sys.exit("the backlog did not fill")
open(path + ".ready", "w").close()
time.sleep(60)
PY
	ec_pids="$ec_pids $!"
	wait_until 10 test -e "$1.ready" || bail "no full-backlog listener"
}

# ctl_timed NAME VERB ARGS...: echoctl VERB, killed after 20 s; sets $rc and
# $took (seconds).
ctl_timed() {
	name=$1
	shift
	t0=$(date +%s)
	timeout -s KILL 20 "$ECHOCTL" "$@" >"$T/$name.out" 2>"$T/$name.err" &&
	    rc=0 || rc=$?
	took=$(( $(date +%s) - t0 ))
}

noaccept "$T/full.sock"
ctl_timed full ping --socket "$T/full.sock" --timeout 1
check "a full backlog: ping --timeout 1 ends, exit 69 (not reachable in time)" \
    sh -c "[ $rc -eq 69 ] && grep -q 'cannot reach echod at .*full.sock: .*timed out' '$T/full.err'"
check "a full backlog: within --timeout (took ${took}s)" [ "$took" -le 3 ]
ctl_timed fullr reload --socket "$T/full.sock" --timeout 1
check "a full backlog: reload --timeout 1 too, exit 69" \
    sh -c "[ $rc -eq 69 ] && [ $took -le 3 ]"

# --timeout that does not parse: the parser's reason, exit 64 (both said
# "must be > 0"); one that parses to 0 is still "must be > 0".
ctl_timed tx ping --socket "$T/none.sock" --timeout 5x
check "--timeout 5x: exit 64, the unit is what is wrong" \
    sh -c "[ $rc -eq 64 ] && grep -q \"^echoctl: --timeout: unknown duration unit 'x' in '5x' (use ms, s, m, h or d)\$\" '$T/tx.err'"
ctl_timed te ping --socket "$T/none.sock" --timeout 1e300
check "--timeout 1e300: exit 64, not 'must be > 0'" \
    sh -c "[ $rc -eq 64 ] && grep -q 'unknown duration unit' '$T/te.err' && ! grep -q 'must be' '$T/te.err'"
ctl_timed t0 ping --socket "$T/none.sock" --timeout 0
check "--timeout 0: exit 64, must be > 0" \
    sh -c "[ $rc -eq 64 ] && grep -q '^echoctl: --timeout 0: must be > 0\$' '$T/t0.err'"

finish
