#!/bin/sh
# Idle timeout: echod closes connections that stay quiet for idle_timeout,
# not before and not much later, as the client sees it, and keeps a
# connection that trickles data.
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

# Three quiet connections (python's socket module), each timed by the
# client from before its connect() (echod cannot accept it earlier) and
# from when connect() returned, until it reads EOF.
python3 - "$P" "$(scaled_ms 30)" >"$T/hold.out" 2>&1 <<'PY'
import select, socket, sys, time
port, limit = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
conns = []
for i in range(3):
    before = time.monotonic()
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    conns.append((i, c, before, time.monotonic()))
open_ = {c.fileno(): (i, c, b, a) for i, c, b, a in conns}
end = time.monotonic() + limit
while open_ and time.monotonic() < end:
    r, _, _ = select.select(list(open_), [], [], 0.5)
    for fd in r:
        i, c, b, a = open_[fd]
        data = c.recv(100)
        now = time.monotonic()
        print("closed idx=%d since_connect_call=%.3f since_connected=%.3f%s" %
              (i, now - b, now - a, "" if data == b"" else " data"))
        del open_[fd]
        c.close()
print("all closed" if not open_ else "open=%d" % len(open_))
PY
check "echod closes all 3 idle connections" file_has "$T/hold.out" '^all closed'
diag "$(grep '^closed' "$T/hold.out")"
# Never before idle_timeout, and within 2.5 s: a timeout even twice too
# long fails, whatever echod's own figures say.
in_window() {
	awk -v s="$ECHOD_TIME_SCALE" '/^closed idx=/ {
		split($3, b, "="); split($4, a, "="); n++
		if ($5 != "" || b[2] < 1.0 || a[2] > 2.5 * s) bad++ }
		END { exit !(n == 3 && bad == 0) }' "$T/hold.out"
}
check "each was closed by EOF at 1 s .. 2.5 s, by the client's clock" in_window
check "the close is logged with reason=idle_timeout" \
	log_wait "event=conn_close.*listener=tcp-idle.*reason=idle_timeout"
check "a connection sending a byte every 0.3 s for 3 s is not closed" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 10 --chunk 1 --delay 0.3 --timeout 20

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
