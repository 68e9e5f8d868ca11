#!/bin/sh
# Access lists on TCP and UDP listeners with sources 127.0.0.x: allow and
# deny CIDRs, deny wins, a refused peer gets no byte echoed, every refusal
# is counted; on reload, open connections are re-checked against the new
# lists (a now-denied one is closed, a still-allowed one stays).
. "$(dirname "$0")/guard-lib.sh"

P=$(free_port)
U=$(free_port)
conf=$T/echod.conf
write_conf() {
	cat >"$conf.new" <<CONF
log_level = "info";
control_socket = "";
status_interval = "1s";
defaults = { allow = [ "127.0.0.0/24" ]; deny = [ $1 ]; };
listeners = (
	{ name = "tcp-acl"; protocol = "tcp"; address = "127.0.0.1"; port = $P; },
	{ name = "udp-acl"; protocol = "udp"; address = "127.0.0.1"; port = $U; }
);
CONF
	mv "$conf.new" "$conf"
}
write_conf '"127.0.0.3", "::1"'

plan 13
start_echod "$conf" "tcp:127.0.0.1:$P" "udp:127.0.0.1:$U" ||
	bail "echod did not start"

# tcp_try FROM: one connection from FROM sends 10000 bytes; the result line.
tcp_try() {
	"$GUARDPROBE" tcp 127.0.0.1 "$P" --from "$1" --bytes 10000 --hold 10 \
		--until-echoed 1 | grep '^total'
}
refused() {
	[ "$(tcp_try "$1")" = "total conns=1 echoed=0 closed=1 bad=0" ]
}
is "TCP from 127.0.0.2 (allowed): 10000 bytes echoed byte-exact" \
	"$(tcp_try 127.0.0.2)" "total conns=1 echoed=10000 closed=0 bad=0"
check "TCP from 127.0.0.3 (denied): nothing echoed" refused 127.0.0.3
check "TCP from 127.0.1.5 (not in allow): nothing echoed" refused 127.0.1.5
flood 127.0.0.1 "$U" --from 127.0.0.2 --count 5 --timeout 5 || bail "guardprobe"
is "UDP from 127.0.0.2: 5 of 5 echoed" "$F_RECV" 5
flood 127.0.0.1 "$U" --from 127.0.0.3 --count 5 --timeout 1 || bail "guardprobe"
is "UDP from 127.0.0.3 (denied): no reply" "$F_RECV" 0
flood 127.0.0.1 "$U" --from 127.0.2.1 --count 5 --timeout 1 || bail "guardprobe"
is "UDP from 127.0.2.1 (not allowed): no reply" "$F_RECV" 0
check "drop_acl counts 2 connections and 10 datagrams" \
	wait_until 10 drops_are acl 12

# Two open connections, then a reload that denies one of their sources.
bg hold2 "$GUARDPROBE" tcp 127.0.0.1 "$P" --from 127.0.0.2 --hold 60
h2=$BG_PID
bg hold4 "$GUARDPROBE" tcp 127.0.0.1 "$P" --from 127.0.0.4 --hold 60
h4=$BG_PID
wait_until 10 file_has "$T/hold2.out" '^held=1' || bail "hold 127.0.0.2 failed"
wait_until 10 file_has "$T/hold4.out" '^held=1' || bail "hold 127.0.0.4 failed"
write_conf '"127.0.0.2", "127.0.0.3"'
kill -HUP "$ECHOD_PID"
check "the reload is applied" log_wait "event=reload_ok"
check "the open connection from 127.0.0.2 (now denied) is closed" \
	wait_until 10 file_has "$T/hold2.out" '^closed idx=0'
check "counted as drop_acl_reload" wait_until 10 drops_are acl_reload 1
is "the connection from 127.0.0.4 (still allowed) stays open" \
	"$(grep -c '^closed' "$T/hold4.out")" 0
check "new connections from 127.0.0.2 are refused" refused 127.0.0.2
stop "$h4"
stop "$h2"

stop_echod
is "echod exits 0" "$ECHOD_STATUS" 0
