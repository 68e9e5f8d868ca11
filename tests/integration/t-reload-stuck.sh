#!/bin/sh
# A worker that does not acknowledge a reload in time - its thread stopped
# with ptrace while the rest of echod runs (tests/tools/freeze_thread.py),
# as a debugger, a stall or a bug would - never gets sockets closed under
# it: the reload returns after its 10 s wait saying so, the removed
# listener's socket stays open, a second reload is refused rather than
# posted over the first, and once the worker catches up the socket is
# closed and everything goes on.
. "$(dirname "$0")/lib.sh"
need_cmd python3 ss
[ -x "${ECHOCTL:-}" ] || ECHOCTL=$top_builddir/src/echoctl

A=$(free_port)
B=$(free_port)
C=$(free_port)
conf=$T/echod.conf
ctl=$T/ctl.sock
write_conf() {
	cat >"$conf.new" <<CONF
log_level = "info";
control_socket = "$ctl";
workers = 1;
io_uring = false;
listeners = (
	{ name = "a"; protocol = "tcp"; address = "127.0.0.1"; port = $A; },
	{ name = "$1"; protocol = "tcp"; address = "127.0.0.1"; port = $2; }
);
CONF
	mv "$conf.new" "$conf"
}
write_conf b "$B"
listening() { ss -Hltn "sport = :$1" | grep -q .; }

plan 12
start_echod "$conf" "tcp:127.0.0.1:$A" "tcp:127.0.0.1:$B" || bail "echod did not start"
bg freeze python3 "$top_srcdir/tests/tools/freeze_thread.py" "$ECHOD_PID" \
	echod-w0 "$T/go" --timeout 90
wait_until 10 file_has "$T/freeze.out" '^(frozen|no thread|.*ptrace)' || true
file_has "$T/freeze.out" '^frozen' ||
	skip_all "cannot stop one thread here: $(cat "$T/freeze.out")"

write_conf c "$C"
t0=$(now_ms)
"$ECHOCTL" reload --socket "$ctl" >"$T/reload1.out" 2>&1
rc=$?
t1=$(now_ms)
diag "first reload: exit $rc after $((t1 - t0)) ms: $(cat "$T/reload1.out")"
is "the reload is applied (exit 0) though worker 0 did not acknowledge" "$rc" 0
check "and says that the removed listeners' sockets stay open until it does" \
	grep -q '^warning=.*stay open' "$T/reload1.out"
check "b's socket is still open: the late worker may still watch it" listening "$B"
"$ECHOCTL" reload --socket "$ctl" >"$T/reload2.out" 2>&1
rc=$?
diag "second reload: exit $rc: $(cat "$T/reload2.out")"
is "a second reload meanwhile is refused as busy (EX_TEMPFAIL), not posted over the first" "$rc" 75
check "the refusal is logged" log_wait "reload refused: cannot reload yet: worker 0"

: >"$T/go"
reap "$BG_PID" 10 || diag "freeze_thread did not end"
check "once worker 0 caught up, b's socket is closed" \
	wait_until 10 sh -c "! ss -Hltn 'sport = :$B' | grep -q ."
check "and that is logged" \
	sh -c 'grep -q "every worker took the new listener set" "$0" &&
		grep -q "event=listener_closed.*listener=b " "$0"' "$ECHOD_LOG"
check "a still echoes" "$ECHOPROBE" tcp-stream 127.0.0.1 "$A" 65536 --timeout 10
check "c, added by the late reload, echoes" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$C" 65536 --timeout 10
write_conf b "$B"
check "a reload succeeds again" "$ECHOCTL" reload --socket "$ctl"
check "and b serves again" wait_until 10 ep_up "tcp:127.0.0.1:$B"
stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
