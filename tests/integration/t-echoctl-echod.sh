#!/bin/sh
# echoctl against the real echod: pipe, one-shot, interactive, probe and
# verify over TCP and UDP on one port, and echod's oneshot listener.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/echoctl-lib.sh"

: "${ECHOD:=$top_builddir/src/echod}"
[ -x "$ECHOD" ] || skip_all "echod not built"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
plan 15

says() { sh -c "[ $rc -eq $1 ] && grep -q -- '$3' '$T/$2'"; }

P=$(free_port)
O=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
listeners = (
	{ name = "t"; protocol = "tcp"; address = "127.0.0.1"; port = $P; },
	{ name = "u"; protocol = "udp"; address = "127.0.0.1"; port = $P; },
	{ name = "one"; protocol = "tcp"; address = "127.0.0.1"; port = $O;
	  oneshot = true; }
);
CONF
"$ECHOD" -c "$T/echod.conf" >"$T/echod.log" 2>&1 &
ec_pids="$ec_pids $!"
ready() {
	"$ECHOCTL" tcp -t 0.5 -m ready 127.0.0.1 "$P" >/dev/null 2>&1 &&
	    "$ECHOCTL" udp -t 0.5 -m ready 127.0.0.1 "$P" >/dev/null 2>&1 &&
	    "$ECHOCTL" tcp -t 0.5 -m ready 127.0.0.1 "$O" >/dev/null 2>&1
}
wait_until 20 ready || { ec_dump; bail "echod did not answer on $P and $O"; }

head -c 1048576 /dev/urandom >"$T/in.bin"
run_ec p1 tcp -v 127.0.0.1 "$P" <"$T/in.bin"
check "tcp pipe: 1 MiB byte-exact, exit 0" sh -c "[ $rc -eq 0 ] && cmp -s '$T/in.bin' '$T/p1.out'"
check "tcp pipe: echod closes after our FIN, all verified" says 0 p1.err "echoed 1048576 bytes, all verified"
seq 1 500 >"$T/lines.txt"
run_ec p2 udp 127.0.0.1 "$P" <"$T/lines.txt"
check "udp pipe: 500 datagrams, output equals input" sh -c "[ $rc -eq 0 ] && cmp -s '$T/lines.txt' '$T/p2.out'"
run_ec m1 tcp -m "hello echod" 127.0.0.1 "$P"
check "tcp -m" says 0 m1.out "^hello echod\$"
run_ec m2 udp -m "hello echod" 127.0.0.1 "$P"
check "udp -m" says 0 m2.out "^hello echod\$"
run_ec m3 tcp -m "first read" 127.0.0.1 "$O"
check "oneshot listener: -m gets its echo, exit 0" says 0 m3.out "^first read\$"

run_ec pr1 probe tcp -c 5 -i 0.02 127.0.0.1 "$P"
check "probe tcp: 5/5, exit 0" says 0 pr1.out "5 probes sent, 5 replies, 0.0% loss"
run_ec pr2 probe tcp --reconnect -c 3 -i 0.02 127.0.0.1 "$P"
check "probe tcp --reconnect: connect times" says 0 pr2.out "^connect min/avg/max/mdev"
run_ec pr3 probe udp --json -c 5 -i 0.02 -s 1472 127.0.0.1 "$P"
check "probe udp --json: 5/5 of 1472 bytes" says 0 pr3.out '"type":"summary".*"sent":5,"received":5'

run_ec v1 verify tcp -n 8M 127.0.0.1 "$P"
check "verify tcp 8 MiB" says 0 v1.out "OK, all 8388608 bytes"
run_ec v2 verify udp -c 500 -s 1472 127.0.0.1 "$P"
check "verify udp 500 x 1472" says 0 v2.out "OK, 500 of 500"
run_ec v3 verify udp -c 4 -s 65507 127.0.0.1 "$P"
check "verify udp: largest IPv4 datagrams (65507 bytes)" says 0 v3.out "OK, 4 of 4"

# The whole interactive path, through a pseudo-terminal.
if command -v tmux >/dev/null; then
	TM="tmux -S $T/tmux.sock"
	$TM new-session -d -s i -x 160 -y 20 \
	    "XDG_STATE_HOME='$T/state' '$ECHOCTL' tcp 127.0.0.1 $P; echo \$? >'$T/i.exit'; sleep 600"
	pane_has() { $TM capture-pane -p -t i | grep -q -- "$1"; }
	wait_until 10 pane_has "type lines to send" || true
	$TM send-keys -t i "hi echod" Enter
	check "interactive: echo from echod printed" wait_until 10 pane_has "^< hi echod$"
	$TM send-keys -t i q Enter
	check "interactive: q quits with 0" sh -c "n=0; while [ ! -s '$T/i.exit' ] && [ \$n -lt 100 ]; do sleep 0.05; n=\$((n+1)); done; [ \"\$(cat '$T/i.exit')\" = 0 ]"
else
	ok "# SKIP tmux not installed"
	ok "# SKIP tmux not installed"
fi
head -c 300000 /dev/urandom >"$T/big.bin"
run_ec o1 tcp 127.0.0.1 "$O" <"$T/big.bin"
check "oneshot listener and more than one read: echoctl reports the early close" \
    says 1 o1.err "the server closed the connection after echoing"
finish
