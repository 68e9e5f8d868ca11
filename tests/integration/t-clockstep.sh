#!/bin/sh
# The wall clock steps (an NTP step, `date -s`, a VM resumed) while echod
# runs, under libfaketime: FAKETIME_DONT_FAKE_MONOTONIC=1 moves only
# CLOCK_REALTIME, and FAKETIME_TIMESTAMP_FILE with FAKETIME_NO_CACHE=1
# lets the test move it in the running process.  Every duration, rate and
# timeout must come from the monotonic clock, so nothing a client sees may
# change:
#   back one hour: a TCP source opening one connection a second under
#   connection_rate = 2 keeps being admitted; a UDP source at 1/s under a
#   per-source limit of 10/s and under a global cap of 2/s keeps being
#   answered; the peer log rate limit keeps letting messages through; a
#   connection that went quiet before the step is still closed after
#   idle_timeout; a linger after echod's FIN (oneshot) whose peer sends
#   on still ends 5 s after the FIN (TCP_LINGER_MAX);
#   forward two hours: a connection trickling a byte a second is closed
#   neither for idleness (idle_timeout 3 s) nor for max_lifetime (60 s);
#   a linger begun before the step is not cut by it, but 5 s after its FIN;
#   the status's uptime and the close log's durations do not jump, and
#   the stop's wait for the workers to drain is not cut short.
. "$(dirname "$0")/lib.sh"
FTLIB=
for f in /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1; do
	[ -e "$f" ] && FTLIB=$f && break
done
[ -n "$FTLIB" ] || skip_all "libfaketime not installed (Debian package faketime)"
# ASan's runtime and libfaketime both interpose clock_gettime(); preloaded
# together, echod hangs in libfaketime's initialisation.  The plain build
# runs this test.
"$ECHOD" -V 2>&1 | grep -q '+sanitizers' &&
	skip_all "sanitizer build: libfaketime cannot be preloaded under ASan"
[ -x "${ECHOCTL:-}" ] || ECHOCTL=$top_builddir/src/echoctl
need_cmd python3
# udp_burst PORT N SIZE: N datagrams of SIZE bytes at once, one socket.
udp_burst() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[2])):
    s.sendto(b"x" * int(sys.argv[3]), ("127.0.0.1", int(sys.argv[1])))' "$@"
}

R=$(free_port)
U=$(free_port)
V=$(free_port)
I=$(free_port)
L=$(free_port)
ctl=$T/ctl.sock
rc=$T/faketime.rc
echo "+0" >"$rc"
# step OFFSET: the wall clock of echod is now real time + OFFSET seconds.
step() { echo "$1" >"$rc.new" && mv "$rc.new" "$rc"; }
# FAKETIME_FORCE_MONOTONIC_FIX=0: without it, libfaketime 0.9.10 with
# DONT_FAKE_MONOTONIC makes every pthread_cond_timedwait() on a
# CLOCK_MONOTONIC condition variable return at once, so each wait of the
# main thread for a worker "timed out" (seen: "worker 0 did not start
# draining within 10s" at the stop, with no step at all).
ECHOD_WRAPPER="env LD_PRELOAD=$FTLIB FAKETIME_TIMESTAMP_FILE=$rc FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_FORCE_MONOTONIC_FIX=0 $ECHOD_WRAPPER"
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "$ctl";
workers = 1;
listeners = (
	{ name = "rate"; protocol = "tcp"; address = "127.0.0.1"; port = $R;
	  limit_loopback = true; connection_rate = 2; connection_burst = 2; },
	{ name = "udp-source"; protocol = "udp"; address = "127.0.0.1"; port = $U;
	  limit_loopback = true; udp_source_rate = 10; udp_source_burst = 2;
	  max_datagram = 1000; },
	{ name = "udp-total"; protocol = "udp"; address = "127.0.0.1"; port = $V;
	  limit_loopback = true; udp_total_rate = 2; },
	{ name = "idle"; protocol = "tcp"; address = "127.0.0.1"; port = $I;
	  idle_timeout = "3s"; max_lifetime = "60s"; },
	{ name = "linger"; protocol = "tcp"; address = "127.0.0.1"; port = $L;
	  oneshot = true; }
);
CONF

plan 13
start_echod "$T/echod.conf" "tcp:127.0.0.1:$R" "udp:127.0.0.1:$U" \
	"udp:127.0.0.1:$V" "tcp:127.0.0.1:$I" "tcp:127.0.0.1:$L" || bail "echod did not start"
# libfaketime really is in echod: the wall clock it logs follows the file.
check "the wall clock of echod follows the test (libfaketime)" \
	grep -q "faketime" "/proc/$ECHOD_PID/maps"

# Before the step: every limit has seen the source, the log limiter has
# logged once, and a connection goes quiet.
"$ECHOPROBE" tcp-stream 127.0.0.1 "$R" 10 --timeout 5 >/dev/null ||
	bail "no echo before the step"
"$ECHOPROBE" udp 127.0.0.1 "$U" 100 --timeout 2 >/dev/null &&
	"$ECHOPROBE" udp 127.0.0.1 "$V" 100 --timeout 2 >/dev/null ||
	bail "no UDP echo before the step"
"$ECHOPROBE" udp 127.0.0.1 "$U" 2000 --timeout 0.3 --expect-none >/dev/null
log_wait "dropped a datagram from 127.0.0.1" || bail "no drop logged"
bg quiet "$ECHOPROBE" hold 127.0.0.1 "$I" 1 --hold 30
wait_until 10 file_has "$T/quiet.out" '^held=1' || bail "hold failed"
bg linger_back linger_peer send-on "$L" 10
wait_until 10 file_has "$T/linger_back.out" '^eof' || bail "no oneshot FIN"

step -3600
# The log limiter (burst 20, 5/s): 25 drops at once, then one more a
# second and a half later must be logged, saying how many were not.
udp_burst "$U" 25 2000
sleep 1.5	# the pause is the test: the limiter refills meanwhile
"$ECHOPROBE" udp 127.0.0.1 "$U" 2000 --timeout 0.3 --expect-none >/dev/null
check "after the wall clock stepped back an hour, peer messages are still logged (rate-limited)" \
	log_wait "dropped a datagram .*\\([1-9][0-9]* similar messages suppressed\\)" 5

tcp_ok=0 src_ok=0 tot_ok=0
for i in 1 2 3 4 5 6; do
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$R" 10 --timeout 2 >/dev/null 2>&1 &&
		tcp_ok=$((tcp_ok + 1))
	"$ECHOPROBE" udp 127.0.0.1 "$U" 100 --timeout 0.5 >/dev/null 2>&1 &&
		src_ok=$((src_ok + 1))
	"$ECHOPROBE" udp 127.0.0.1 "$V" 100 --timeout 0.5 >/dev/null 2>&1 &&
		tot_ok=$((tot_ok + 1))
	sleep 1	# the load: one of each a second
done
is "TCP, one connection a second under connection_rate = 2: all admitted" "$tcp_ok" 6
is "UDP, one datagram a second under udp_source_rate = 10: all answered" "$src_ok" 6
is "UDP, one datagram a second under udp_total_rate = 2: all answered" "$tot_ok" 6
wait_until 10 file_has "$T/quiet.out" '^all closed' || true
after=$(sed -n 's/^closed idx=0 after=//p' "$T/quiet.out")
check "a connection quiet since before the step is closed after idle_timeout (3 s; client saw ${after:-not closed})" \
	awk -v a="${after:-x}" -v s="$ECHOD_TIME_SCALE" \
	'BEGIN { exit !(a + 0 >= 2.7 && a + 0 <= 8 * s) }'
wait_until 20 file_has "$T/linger_back.out" '^echoed=' || true
diag "linger_back: $(tr '\n' ' ' <"$T/linger_back.out")"
check "a linger begun before the step back ends 5 s after echod's FIN" \
	linger_cut_ok linger_back

# Forward two hours while a connection trickles a byte a second.
bg trickle "$ECHOPROBE" tcp-stream 127.0.0.1 "$I" 8 --chunk 1 --delay 1 --timeout 30
trickle_pid=$BG_PID
bg linger_fwd linger_peer send-on "$L" 10
wait_until 10 file_has "$T/linger_fwd.out" '^eof' || bail "no oneshot FIN"
sleep 1.5	# let it start: the step must come while it is open
step +3600
reap "$trickle_pid" 30
is "after a forward step of two hours, a connection sending a byte a second lives on (idle_timeout 3 s, max_lifetime 60 s)" \
	"${REAPED_STATUS:-still running}" 0
up=$("$ECHOCTL" status --socket "$ctl" 2>"$T/status.err" |
	sed -n 's/^uptime_sec=//p')
wait_until 20 file_has "$T/linger_fwd.out" '^echoed=' || true
diag "linger_fwd: $(tr '\n' ' ' <"$T/linger_fwd.out")"
check "a linger begun before the step forward is not cut by it, but 5 s after its FIN" \
	linger_cut_ok linger_fwd
check "the uptime in the status does not jump with the wall clock (${up:-none} s)" \
	awk -v u="${up:-x}" 'BEGIN { exit !(u ~ /^[0-9.]+/ && u + 0 < 600) }'
# The close log's durations (duration_usec) are monotonic too: none is
# negative (a huge unsigned number) or an hour long.
sane_durations() {
	sed -n 's/.*event=conn_close.* duration_usec=\([0-9]*\) .*/\1/p' "$ECHOD_LOG" |
		awk '{ n++; if ($1 > 600000000) bad++ } END { exit !(n >= 8 && bad == 0) }'
}
check "every logged connection duration is that of the monotonic clock" sane_durations

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
# The main thread waits for its workers (the drain at the stop) on the
# monotonic clock: two steps later, no wait may end early.
waits_whole() { ! grep -q "level=err .*did not .* within" "$ECHOD_LOG"; }
check "no wait of the main thread for a worker ended early after the steps" \
	waits_whole
