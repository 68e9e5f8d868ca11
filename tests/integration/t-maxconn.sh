#!/bin/sh
# max_connections: at the limit echod stops accepting (a new client waits in
# the kernel backlog and gets no echo), and accepting resumes as soon as one
# connection closes.  Other listeners are not affected.
. "$(dirname "$0")/lib.sh"

P=$(free_port)
R=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
listeners = (
	{ name = "tcp-max"; protocol = "tcp"; address = "127.0.0.1"; port = $P;
	  max_connections = 2; },
	{ name = "tcp-other"; protocol = "tcp"; address = "127.0.0.1"; port = $R; }
);
CONF

plan 7
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" "tcp:127.0.0.1:$R" ||
	bail "echod did not start"

# The readiness probe was a connection too: count from here.
base=$(log_count 'event=conn_open.*listener=tcp-max')
bg hold1 "$ECHOPROBE" hold 127.0.0.1 "$P" 1 --hold 60
h1=$BG_PID
bg hold2 "$ECHOPROBE" hold 127.0.0.1 "$P" 1 --hold 60
opens() {
	[ "$(log_count 'event=conn_open.*listener=tcp-max')" -ge $((base + $1)) ]
}
wait_until 10 opens 2 || bail "the two holders were not accepted"

bg third "$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 1000 --seed 3 --timeout 60
third=$BG_PID
# A bounded window in which the third client must NOT be served.
wait_until 1.5 file_has "$T/third.out" . && diag "third: $(cat "$T/third.out")"
check "at the limit a third client gets no echo (waits in the backlog)" \
	test ! -s "$T/third.out"
is "echod accepted only 2 connections" \
	"$(($(log_count 'event=conn_open.*listener=tcp-max') - base))" 2
check "the limit is logged" log_wait "event=limit.*listener=tcp-max"
check "another listener still serves meanwhile" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$R" 65536 --timeout 10

stop "$h1"
check "when one connection closes the waiting client is served" \
	wait_until 10 file_has "$T/third.out" '^ok sent=1000 received=1000'
reap "$third" 10
is "the waiting client exits 0" "${REAPED_STATUS:-timeout}" 0

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
