#!/bin/sh
# Errors a peer can cause are rate-limited in the log: 200 peers that reset
# their connection while echod still has an echo to write produce a bounded
# number of peer_error lines (with a count of the suppressed ones), and echod
# keeps serving.
. "$(dirname "$0")/lib.sh"

N=200
P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
workers = 1;
listeners = (
	{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = $P; }
);
CONF

plan 7
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"

t0=$(now_ms)
check "$N peers send 200 kB without reading and reset" \
	"$ECHOPROBE" tcp-reset 127.0.0.1 "$P" "$N" --size 200000 --rcvbuf 4096 \
	--timeout 10
closed() {
	[ "$(log_count 'event=conn_close.*listener=tcp-main')" -ge $((N + 1)) ]
}
check "echod closes all $N connections" wait_until 20 closed
t1=$(now_ms)
errors=$(log_count 'event=peer_error')
resets=$(log_count 'event=conn_close.*reason=peer_error')
# One worker: a burst of 20, then 5 a second (worker.c); 5 lines of slack.
bound=$((20 + 5 * (t1 - t0) / 1000 + 5))
diag "$resets connections ended in a peer error; $errors peer_error lines" \
	"in $((t1 - t0)) ms (bound $bound)"
check "the peers did cause errors (connection reset while echoing)" \
	test "$resets" -gt 20
check "peer_error lines are rate-limited ($errors <= $bound)" \
	test "$errors" -le "$bound"
check "a later line reports how many were suppressed" \
	log_wait "event=peer_error.*\\(([1-9][0-9]*) similar messages suppressed\\)"
check "echod still serves: 1 MiB echoed byte-exact" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 1048576

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
