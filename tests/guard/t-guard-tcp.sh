#!/bin/sh
# TCP limits with sources 127.0.0.x: connections per source, connection
# rate per source, the total over all listeners, maximum bytes and
# lifetime, and the stall timeout for a peer that never reads.  Over a
# limit echod refuses (closes at once, nothing echoed) or pauses accepting;
# it never stops serving for good.  Each limit is judged by what the client
# sees (its connection reset, its echo held back), the counters second.
. "$(dirname "$0")/guard-lib.sh"

A=$(free_port)
R=$(free_port)
L=$(free_port)
S=$(free_port)
G=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
status_interval = "1s";
max_connections_total = 12;
listeners = (
	{ name = "per-source"; protocol = "tcp"; address = "127.0.0.1"; port = $A;
	  limit_loopback = true; max_connections_per_source = 3;
	  connection_rate = 0; },
	{ name = "rate"; protocol = "tcp"; address = "127.0.0.1"; port = $R;
	  limit_loopback = true; connection_rate = 2; connection_burst = 4; },
	{ name = "lifetime"; protocol = "tcp"; address = "127.0.0.1"; port = $L;
	  max_lifetime = "1s"; max_bytes = 10000; },
	{ name = "stall"; protocol = "tcp"; address = "127.0.0.1"; port = $S;
	  stall_timeout = "1s"; buffer_size = "4k"; },
	{ name = "total"; protocol = "tcp"; address = "127.0.0.1"; port = $G; }
);
CONF

plan 17
start_echod "$T/echod.conf" "tcp:127.0.0.1:$A" "tcp:127.0.0.1:$R" \
	"tcp:127.0.0.1:$L" "tcp:127.0.0.1:$S" "tcp:127.0.0.1:$G" ||
	bail "echod did not start"

# tcp_echo FROM PORT BYTES: one connection from FROM gets BYTES echoed.
tcp_echo() {
	"$GUARDPROBE" tcp 127.0.0.1 "$2" --from "$1" --bytes "$3" --hold 10 \
		--until-echoed 1 | tee "$T/tcp_echo.out" |
		grep -q "^total conns=1 echoed=$3 closed=0 bad=0"
}

bg hold5 "$GUARDPROBE" tcp 127.0.0.1 "$A" --from 127.0.0.2 --conns 5 \
	--bytes 100 --hold 30
h=$BG_PID
wait_until 10 file_has "$T/hold5.out" '^held=5' || bail "hold failed"
two_closed() { [ "$(grep -c '^closed' "$T/hold5.out")" -ge 2 ]; }
check "5 connections from one source, limit 3: 2 are closed at once" \
	wait_until 10 two_closed
is "with nothing echoed on them" \
	"$(grep -c '^closed.* echoed=0$' "$T/hold5.out")" 2
check "drop_conn_per_source counts 2" wait_until 10 drops_are conn_per_source 2
is "and the other 3 stay open" "$(grep -c '^closed' "$T/hold5.out")" 2
check "another source still connects and echoes" tcp_echo 127.0.0.3 "$A" 10000
stop "$h"
check "once they closed, the source connects again" \
	wait_until 10 tcp_echo 127.0.0.2 "$A" 1000

bg hold8 "$GUARDPROBE" tcp 127.0.0.1 "$R" --from 127.0.0.5 --conns 8 --hold 30
h=$BG_PID
wait_until 10 file_has "$T/hold8.out" '^held=8' || bail "hold failed"
rate_closed() { [ "$(grep -c '^closed' "$T/hold8.out")" -ge 3 ]; }
check "8 connects at once at 2/s burst 4: at least 3 refused" \
	wait_until 10 rate_closed
check "drop_conn_rate counts them" wait_until 10 drops_at_least conn_rate 3
stop "$h"

"$GUARDPROBE" tcp 127.0.0.1 "$L" --bytes 16000 --hold 10 >"$T/maxb.out"
is "max_bytes 10000: 10000 of 16000 bytes echoed, then closed" \
	"$(grep '^total' "$T/maxb.out")" "total conns=1 echoed=10000 closed=1 bad=0"
check "counted as drop_max_bytes" wait_until 10 drops_are max_bytes 1
bg life "$GUARDPROBE" tcp 127.0.0.1 "$L" --hold 20
check "max_lifetime 1s: an idle connection is closed after 1 to 3 s" \
	wait_until 10 file_has "$T/life.out" '^closed idx=0 after=[1-2]\.'
# A client that sends and never reads: once echod's writes stop
# progressing for 1 s it is cut (a reset: echod holds unread input).  The
# client times it from its own last progress and from its connect.
python3 - "$S" "$(scaled_ms 15)" >"$T/stall.out" 2>&1 <<'PY'
import select, socket, sys, time
port, limit = int(sys.argv[1]), int(sys.argv[2]) / 1000.0
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
s.setblocking(False)
t0 = last = time.monotonic()
chunk = b"s" * 65536
while time.monotonic() - t0 < limit:
    try:
        if s.send(chunk) > 0:
            last = time.monotonic()
    except BlockingIOError:
        select.select([], [s], [s], 0.05)
    except OSError as e:
        now = time.monotonic()
        print("closed %s since_progress=%.3f since_connect=%.3f" %
              (type(e).__name__, now - last, now - t0))
        sys.exit(0)
print("still open after %.1f s" % (time.monotonic() - t0))
PY
diag "stall client: $(cat "$T/stall.out")"
stall_ok() {
	awk -v s="$ECHOD_TIME_SCALE" '/^closed / {
		split($3, p, "="); split($4, c, "=")
		ok = p[2] <= 5 * s && c[2] >= 1.0 } END { exit !ok }' "$T/stall.out"
}
check "stall_timeout 1s: the client that never reads is reset within 5 s of its last progress, not before 1 s" \
	stall_ok
check "and it is counted as drop_stall" wait_until 15 drops_are stall 1

# max_connections_total 12: 10 connections echo; of 4 more, exactly 2 echo
# while those are held (the others wait in the backlog, unanswered); once
# the 10 close, the 2 waiting ones echo too.
python3 - "$G" >"$T/total.out" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def conn():
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"t")
    return c
def echoed(c, wait):
    c.settimeout(wait)
    try:
        return c.recv(1) == b"t"
    except socket.timeout:
        return False
held = [conn() for _ in range(10)]
first = sum(echoed(c, 5) for c in held)
more = [conn() for _ in range(4)]
time.sleep(1.5)
got = [echoed(c, 0.01) for c in more]
for c in held:
    c.close()
later = sum(echoed(c, 5) for c, g in zip(more, got) if not g)
print("held_echoed=%d extra_echoed=%d later_echoed=%d" % (first, sum(got), later))
PY
diag "$(cat "$T/total.out")"
is "max_connections_total 12: 10 echo, then 2 of 4 more while the 10 are held" \
	"$(sed -n 's/^held_echoed=\([0-9]*\) extra_echoed=\([0-9]*\) .*/\1 \2/p' "$T/total.out")" "10 2"
is "and the 2 that waited echo once the 10 closed" \
	"$(sed -n 's/.* later_echoed=\([0-9]*\)$/\1/p' "$T/total.out")" 2
check "accepting paused at the limit is logged" \
	log_wait 'max_connections_total \(12\) reached'

stop_echod
is "echod exits 0" "$ECHOD_STATUS" 0
