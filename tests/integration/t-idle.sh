#!/bin/sh
# Idle timeout: echod closes connections that stay quiet for idle_timeout,
# not before, and keeps a connection that trickles data.
. "$(dirname "$0")/lib.sh"

P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
listeners = (
	{ name = "tcp-idle"; protocol = "tcp"; address = "127.0.0.1"; port = $P;
	  idle_timeout = "1s"; }
);
CONF

plan 5
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"

bg hold "$ECHOPROBE" hold 127.0.0.1 "$P" 3 --hold 30
wait_until 20 file_has "$T/hold.out" '^all closed' ||
	diag "idle connections still open: $(cat "$T/hold.out")"
check "echod closes all 3 idle connections" file_has "$T/hold.out" '^all closed'
# Closed after roughly 1 s, by echod's own clock (a loaded machine can delay
# the client's timestamps): not before 0.9 s, and within a generous 6 s.
in_window() {
	sed -n 's/.*event=conn_close.* duration_usec=\([0-9]*\) reason=idle_timeout.*/\1/p' \
		"$ECHOD_LOG" | awk -v s="$ECHOD_TIME_SCALE" '
		{ n++; if ($1 < 900000 || $1 > 6000000 * s) bad++ }
		END { exit !(n == 3 && bad == 0) }'
}
check "each was closed after about idle_timeout (0.9 s .. 6 s)" \
	wait_until 5 in_window
check "the close is logged with reason=idle_timeout" \
	log_wait "event=conn_close.*listener=tcp-idle.*reason=idle_timeout"
check "a connection sending a byte every 0.3 s for 3 s is not closed" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 10 --chunk 1 --delay 0.3 --timeout 20

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
