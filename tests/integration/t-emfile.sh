#!/bin/sh
# Out of file descriptors: when accept fails with EMFILE echod pauses
# accepting briefly instead of spinning, logs it, keeps serving the
# connections it has, and accepts again once descriptors are free.  The
# control socket too (seen before: its accept spun the main thread at a
# core and logged a million lines a second, unthrottled), and the metrics
# port (seen before: libmicrohttpd's thread at a core).
. "$(dirname "$0")/lib.sh"

# valgrind keeps descriptors of its own and closes accepted ones above its
# limit itself: under a wrapper this would test the wrapper.
[ -z "$ECHOD_WRAPPER" ] || skip_all "descriptor limits under ECHOD_WRAPPER"

need_cmd curl

LIMIT=48
HOLD=80
P=$(free_port)
M=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "$T/ctl";
metrics_listen = "127.0.0.1:$M";
workers = 1;
listeners = (
	{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = $P; }
);
CONF

plan 10
# Only echod gets the low limit (echoprobe raises its own back).
ulimit -S -n "$LIMIT" || skip_all "cannot lower the descriptor limit"
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"
ulimit -S -n "$(ulimit -H -n)" 2>/dev/null

# echod echoes before the descriptors run out.
"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 1000 >/dev/null ||
	bail "echod does not echo"
bg hold "$ECHOPROBE" hold 127.0.0.1 "$P" "$HOLD" --hold 120 --timeout 30
holder=$BG_PID
check "echod runs out of descriptors and logs the accept error" \
	log_wait "event=limit.*(Too many open files|EMFILE)" 20
check "echod is still alive" echod_running
: "${ECHOCTL:=$top_builddir/src/echoctl}"
bg ctlping "$ECHOCTL" ping --socket "$T/ctl" --timeout 4
bg scrape curl -s -o /dev/null --max-time 4 "http://127.0.0.1:$M/metrics"
check "the control socket's accept fails too, and says it pauses" \
	log_wait "control: accept: Too many open files, pausing" 10

# A spinning accept loop would burn the whole 2 s window.
t0=$(cpu_ticks "$ECHOD_PID")
sleep 2
t1=$(cpu_ticks "$ECHOD_PID")
diag "echod CPU ticks in 2 s at EMFILE: $((t1 - t0))"
check "echod does not spin on EMFILE (< 0.5 s CPU in 2 s)" \
	test $((t1 - t0)) -lt "$(($(getconf CLK_TCK) / 2))"
ctl_lines=$(log_count 'control: accept')
diag "control socket accept errors logged: $ctl_lines"
check "and logs them rate-limited (at most 10 lines)" test "$ctl_lines" -le 10
opened=$(log_count 'event=conn_open')
diag "echod accepted $opened connections with a limit of $LIMIT descriptors"
check "echod accepted fewer connections than were offered" \
	test "$opened" -lt $((HOLD + 1))

stop "$holder"
served() {
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 65536 --timeout 2
}
check "once descriptors are free a new client is served again" \
	wait_until 20 served
scraped() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
	    "http://127.0.0.1:$M/metrics")" = 200 ]
}
check "and the metrics port answers again" wait_until 20 scraped
# The probe, the first stream, the held ones (those left in the backlog
# too) and the last stream: each accepted and closed in the end.
all_closed() {
	[ "$(log_count 'event=conn_close')" -ge $((HOLD + 3)) ]
}
check "every held connection, even those left in the backlog, is closed" \
	wait_until 20 all_closed

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
