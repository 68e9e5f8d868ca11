#!/bin/sh
# SIGHUP reload: a listener is added, another removed and a third changed
# while a connection on an unchanged listener stays open and keeps echoing;
# a broken file is refused with its errors logged and the running listeners
# keep serving.
. "$(dirname "$0")/lib.sh"
need_cmd socat

A=$(free_port)
B=$(free_port)
C=$(free_port)
D=$(free_port)
conf=$T/echod.conf
write_conf() {
	cat >"$conf.new" <<CONF
log_level = "info";
control_socket = "${CTL:-}";
${3:-}
listeners = (
	{ name = "tcp-a"; protocol = "tcp"; address = "127.0.0.1"; port = $A; },
	{ name = "udp-a"; protocol = "udp"; address = "127.0.0.1"; port = $A; },
	{ name = "udp-c"; protocol = "udp"; address = "127.0.0.1"; port = $C;
	  max_datagram = $2; },
	$1
);
CONF
	mv "$conf.new" "$conf"
}
write_conf "{ name = \"tcp-b\"; protocol = \"tcp\"; address = \"127.0.0.1\"; port = $B; }" 2000

plan 21
start_echod "$conf" "tcp:127.0.0.1:$A" "udp:127.0.0.1:$A" "tcp:127.0.0.1:$B" \
	"udp:127.0.0.1:$C" || bail "echod did not start"
check "before the reload udp-c echoes 1500-byte datagrams (max_datagram 2000)" \
	"$ECHOPROBE" udp 127.0.0.1 "$C" 1500 --timeout 5

# A long-lived session on tcp-a through socat, fed from a FIFO.
mkfifo "$T/session.in"
socat - "TCP:127.0.0.1:$A" <"$T/session.in" >"$T/session.out" 2>"$T/session.err" &
session=$!
track "$session"
exec 3>"$T/session.in"
printf 'before reload\n' >&3
check "the session echoes before the reload" \
	wait_until 10 file_has "$T/session.out" '^before reload$'
sess=$(sed -n 's/.*event=conn_open.*listener=tcp-a.* peer_port=\([0-9]*\).*/\1/p' \
	"$ECHOD_LOG" | tail -n 1)
[ -n "$sess" ] || bail "the session's conn_open is not logged"

write_conf "{ name = \"tcp-d\"; protocol = \"tcp\"; address = \"127.0.0.1\"; port = $D; }" 1000
kill -HUP "$ECHOD_PID"
check "reload is logged" log_wait "event=reload_ok"
check "the added listener tcp-d serves" \
	wait_until 10 ep_up "tcp:127.0.0.1:$D"
check "the added listener echoes 64 KiB byte-exact" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$D" 65536
check "the removed listener tcp-b stops accepting" \
	wait_until 10 ep_down "tcp:127.0.0.1:$B"
check "its removal is logged" log_wait "event=listener_closed.*listener=tcp-b"
printf 'after reload\n' >&3
check "the session opened before the reload still echoes" \
	wait_until 10 file_has "$T/session.out" '^after reload$'
is "the session's connection was never closed" \
	"$(log_count "event=conn_close.* peer_port=$sess ")" 0
check "the unchanged UDP listener still echoes" \
	"$ECHOPROBE" udp 127.0.0.1 "$A" 1472 --timeout 5
check "the changed udp-c now drops 1500-byte datagrams (max_datagram 1000)" \
	"$ECHOPROBE" udp 127.0.0.1 "$C" 1500 --timeout 1 --expect-none
check "and still echoes 1000-byte ones" \
	"$ECHOPROBE" udp 127.0.0.1 "$C" 1000 --timeout 5

cp "$conf" "$T/good.conf"
# Two errors, on lines 4 and 5: both must be logged.
cat >"$conf" <<CONF
log_level = "info";
control_socket = "";
listeners = (
	{ name = "tcp-a"; protocol = "tcp"; address = "127.0.0.1"; port = 99999; },
	{ name = "tcp-x"; protocol = "tcp"; address = "127.0.0.1"; port = $B; idle_timout = 1; }
);
CONF
kill -HUP "$ECHOD_PID"
check "a broken file: the reload failure is logged" log_wait "event=reload_failed"
check "every error is logged with file:line (lines 4 and 5)" \
	sh -c 'grep -Eq "event=config_error.*echod\.conf:4: .*port" "$0" &&
		grep -Eq "event=config_error.*echod\.conf:5: .*idle_timout" "$0"' "$ECHOD_LOG"
check "the failed reload did not open the broken file's listeners" \
	ep_down "tcp:127.0.0.1:$B"
check "old listeners still serve after the failed reload" \
	sh -c '"$0" tcp-stream 127.0.0.1 "$1" 65536 && "$0" tcp-stream 127.0.0.1 "$2" 65536 &&
		"$0" udp 127.0.0.1 "$1" 100 --timeout 5' "$ECHOPROBE" "$A" "$D"
printf 'after failed reload\n' >&3
check "the session still echoes after the failed reload" \
	wait_until 10 file_has "$T/session.out" '^after failed reload$'

# workers, io_uring and control_socket are read at start only: a reload
# that changes them still applies the rest, and says which settings wait
# for a restart (control_socket was silently ignored before).
CTL=$T/new.ctl write_conf "{ name = \"tcp-d\"; protocol = \"tcp\"; address = \"127.0.0.1\"; port = $D; }" 1000 \
	"workers = 3; io_uring = false;"
kill -HUP "$ECHOD_PID"
check "a reload that changes workers and io_uring succeeds" \
	wait_until 10 sh -c '[ "$(grep -c "event=reload_ok" "$0")" -ge 2 ]' "$ECHOD_LOG"
check "and says all three take effect at the next start" \
	sh -c 'grep -q "workers = 3 takes effect at the next start" "$0" &&
		grep -q "io_uring = false takes effect at the next start" "$0" &&
		grep -q "control_socket = \\\\\"$1\\\\\" takes effect at the next start; still on \\\\\"\\\\\"" "$0"' \
	"$ECHOD_LOG" "$T/new.ctl"

exec 3>&-
reap "$session" 10
is "socat ends cleanly when its input ends (half-close honoured)" \
	"${REAPED_STATUS:-still running}" 0

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
