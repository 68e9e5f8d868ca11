#!/bin/sh
# TCP limits with sources 127.0.0.x: connections per source, connection
# rate per source, the total over all listeners, maximum bytes and
# lifetime, and the stall timeout for a peer that never reads.  Over a
# limit echod refuses (closes at once, nothing echoed) or pauses accepting;
# it never stops serving for good.
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

plan 15
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
bg noread "$ECHOPROBE" tcp-noread 127.0.0.1 "$S" 50000000 --stall 1 \
	--hold 20 --timeout 20
check "stall_timeout 1s: a peer that never reads is closed, counted as drop_stall" \
	wait_until 15 drops_are stall 1

# 12 in total: 10 held here, so 2 more get in and the rest wait.
bg hold10 "$GUARDPROBE" tcp 127.0.0.1 "$G" --conns 10 --hold 30
h=$BG_PID
wait_until 10 file_has "$T/hold10.out" '^held=10' || bail "hold failed"
bg over "$GUARDPROBE" tcp 127.0.0.1 "$G" --conns 4 --bytes 10 --hold 30 \
	--until-echoed 1
o=$BG_PID
check "max_connections_total 12: accepting pauses (logged)" \
	log_wait 'max_connections_total \(12\) reached'
stop "$h"
check "and resumes when connections close: all 4 waiting ones echoed" \
	wait_until 10 file_has "$T/over.out" '^total conns=4 echoed=40 closed=0 bad=0'
stop "$o"

stop_echod
is "echod exits 0" "$ECHOD_STATUS" 0
