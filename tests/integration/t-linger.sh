#!/bin/sh
# After echod's FIN (oneshot, max_bytes) a connection lingers for the
# peer's FIN, discarding what the peer still sends, at most 5 s
# (TCP_LINGER_MAX): a peer past its limit that goes on sending, or that
# never closes, is cut then, counted as drop_linger and logged with
# reason=linger_timeout; a peer that closes after reading its echo ends
# as before (reason=done), and every echo comes back whole first.
# Four python clients run at once: the linger is a wait.
. "$(dirname "$0")/lib.sh"
need_cmd python3
[ -x "${ECHOCTL:-}" ] || ECHOCTL=$top_builddir/src/echoctl

P1=$(free_port)
P2=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "$T/ctl.sock";
listeners = (
	{ name = "one"; protocol = "tcp"; address = "127.0.0.1"; port = $P1;
	  oneshot = true; oneshot_size = 64; },
	{ name = "cap"; protocol = "tcp"; address = "127.0.0.1"; port = $P2;
	  max_bytes = 100000; }
);
CONF

plan 9
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P1" "tcp:127.0.0.1:$P2" ||
	bail "echod did not start"

bg one_on linger_peer send-on "$P1" 10
bg one_silent linger_peer silent "$P1" 10
bg cap_on linger_peer send-on "$P2" 300000
bg one_polite linger_peer polite "$P1" 10
finished() {
	for f in one_on one_silent cap_on one_polite; do
		grep -q '^echoed=' "$T/$f.out" 2>/dev/null || return 1
	done
}
# 5 s of linger, the 0.5 s sweep, a loaded machine: 20 s is room.
wait_until 30 finished || diag "not every client finished"
for f in one_on one_silent cap_on one_polite; do
	diag "$f: $(tr "\n" " " <"$T/$f.out" 2>/dev/null)"
done

check "oneshot, the peer sends on after the FIN: cut 5 s later" \
	linger_cut_ok one_on
capped() { grep -q '^echoed=100000 ' "$T/cap_on.out" && linger_cut_ok cap_on; }
check "max_bytes, the peer streams on: 100000 bytes echoed, cut 5 s later" \
	capped

lingered() {
	[ "$(log_count 'event=conn_close.*reason=linger_timeout')" -ge 3 ]
}
check "the three cuts are logged as linger_timeout" wait_until 10 lingered
# port_of NAME: the client's own port, as it printed it.
port_of() { sed -n 's/.*port=\([0-9]*\)$/\1/p' "$T/$1.out"; }
# The silent peer cannot see the close (its FIN came long before, and no
# byte of it was unread): echod's close line says when it came.
silent_cut() {
	grep "event=conn_close.* peer_port=$(port_of one_silent) .*reason=linger_timeout" \
		"$ECHOD_LOG" | sed -n 's/.*duration_usec=\([0-9]*\).*/\1/p' |
		awk -v lim="$(scaled_ms 8)" '
			{ n++; ok = $1 >= 4900000 && $1 / 1000 < lim }
			END { exit !(n == 1 && ok) }'
}
check "oneshot, the peer never closes: closed 5 s after the FIN" silent_cut
check "a peer that closes after its echo is not cut" \
	grep -q '^echoed=10 exact=1 cut=none ' "$T/one_polite.out"
polite_done() {
	log_wait "event=conn_close.* peer_port=$(port_of one_polite) .*reason=done"
}
check "and logged as done" polite_done
stat() {
	"$ECHOCTL" stats --socket "$T/ctl.sock" |
		sed -n "s/^listener\.$1\.drop_linger=//p"
}
is "counted as drop_linger on the oneshot listener" "$(stat one)" 2
is "and on the max_bytes one" "$(stat cap)" 1

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
