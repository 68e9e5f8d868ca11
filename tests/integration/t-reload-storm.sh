#!/bin/sh
# A reload storm, as config tooling makes one: 2000 reloads through the
# control socket, each changing settings and adding or removing listeners
# (tests/tools/reload_storm.py storm: a listener with max_connections =
# 1048576 every other round, one with a 65536-source UDP rate table, one
# with a name never used again, and a pair that keeps its names while
# moving between two ports), with echoes on every listener after each
# reload.  Judged from outside: every reload succeeds and every echo comes
# back; the counters in the status (totals and the listeners that stay)
# never go down, whatever moves; the periodic drop summary stays sane;
# and memory stays flat (VmData and VmRSS from /proc, see the bounds
# below).
. "$(dirname "$0")/lib.sh"
need_cmd python3 socat
[ -x "${ECHOCTL:-}" ] || ECHOCTL=$top_builddir/src/echoctl

ROUNDS=${STORM_ROUNDS:-2000}
M=$(free_port)
B=$(free_port)
M1=$(free_port)
M2=$(free_port)
X=$(free_port)
O=$(free_port)
conf=$T/echod.conf
ctl=$T/ctl.sock
cat >"$conf" <<CONF
log_level = "notice";
control_socket = "$ctl";
status_interval = "1s";
workers = 2;
listeners = (
	{ name = "main"; protocol = "tcp"; address = "127.0.0.1"; port = $M; },
	{ name = "main-u"; protocol = "udp"; address = "127.0.0.1"; port = $M; },
	{ name = "mover"; protocol = "udp"; address = "127.0.0.1"; port = $M1;
	  max_datagram = 100; },
	{ name = "mover-t"; protocol = "tcp"; address = "127.0.0.1"; port = $M1; }
);
CONF

plan 12
start_echod "$conf" "tcp:127.0.0.1:$M" "udp:127.0.0.1:$M" "udp:127.0.0.1:$M1" \
	"tcp:127.0.0.1:$M1" || bail "echod did not start"
wait_until 10 test -S "$ctl" || bail "no control socket"
secs=$(awk -v s="$ECHOD_TIME_SCALE" 'BEGIN { print 400 * s }')
python3 "$top_srcdir/tests/tools/reload_storm.py" storm "$conf" "$ctl" \
	"$ECHOD_PID" "$M,$B,$M1,$M2,$X,$O" --count "$ROUNDS" --seconds "$secs" \
	--warmup 200 --every 200 >"$T/storm.out" 2>&1
diag "$(cat "$T/storm.out")"
res=$(tail -n 1 "$T/storm.out")
field() { echo "$res" | sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p"; }
is "$ROUNDS reloads ran (within ${secs} s)" "$(field reloads)" "$ROUNDS"
is "every reload succeeded" "$(field reload_failed)" 0
is "every listener echoed after every reload" "$(field echo_failed)" 0
is "no counter of the status went down (totals, main, mover, mover-t)" \
	"$(field decreases)" 0

# Memory, sampled every 200 rounds after a warm-up of 200, always in a
# round without the big listener and the rate table.  One leaked table of
# the big listener is 128 MiB of VmData (4 Mi slots of 32 bytes), one of a
# once-named listener 2 MiB, one UDP rate table 1.5 MiB a worker: the
# bounds are below a single big table and below a handful of the others,
# and above what malloc's arenas keep cached (measured: see the report).
# Small state left per reload would grow steadily: the last sample may not
# exceed the one halfway by more than 1 MiB (about 1 KiB a round).
growth() {	# FIELD: max over the samples minus the first, in kB
	sed -n "s/^mem .*$1=\\([0-9]*\\).*/\\1/p" "$T/storm.out" |
		awk 'NR == 1 { first = $1 } { if ($1 > max) max = $1 }
		END { print (NR ? max - first : "none") }'
}
half=$((ROUNDS / 2 / 200 * 200))
late() {	# FIELD: the last sample minus the one halfway, in kB
	awk -v f="$1" -v h="$half" '$1 == "mem" { for (i = 2; i <= NF; i++) {
		split($i, kv, "="); v[kv[1]] = kv[2] }
		if (v["round"] == h) mid = v[f]; last = v[f] }
		END { print (mid != "" ? last - mid : "none") }' "$T/storm.out"
}
vd=$(growth vmdata_kb)
rs=$(growth rss_kb)
at_most() {	# VALUE BOUND: VALUE is a number, at most BOUND
	[ "${1:-none}" != none ] && [ "$1" -le "$2" ]
}
check "VmData flat across the storm (grew ${vd} kB; bound 16384 kB)" \
	at_most "$vd" 16384
check "VmRSS flat across the storm (grew ${rs} kB; bound 8192 kB)" \
	at_most "$rs" 8192
lvd=$(late vmdata_kb)
lrs=$(late rss_kb)
check "no steady growth: rounds $half to $ROUNDS added ${lvd} kB of VmData, ${lrs} kB of RSS (bound 1024 kB each)" \
	sh -c '[ "$0" != none ] && [ "$0" -le 1024 ] && [ "$1" -le 1024 ]' "$lvd" "$lrs"


# The periodic summary says how many were dropped since the last one: the
# storm drops one datagram a round, so no summary may say more than that.
sane_summaries() {
	sed -n 's/.*msg="dropped \([0-9]*\) datagrams.*/\1/p' "$ECHOD_LOG" |
		awk -v max="$ROUNDS" '{ n++; if ($1 > max) bad++ }
		END { exit !(n > 0 && bad == 0) }'
}
check "every drop summary is sane (at most one drop a round)" sane_summaries
check "after the storm the listeners of the last round still echo" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$M" 65536 --timeout 10

# A removed listener lives while a connection of its holds it, and its
# per-source table (128 MiB of VmData for max_connections = 1048576) is
# freed when that connection closes.
two() {		# WITH_BIG: the configuration with main, and big if 1
	cat >"$conf.new" <<CONF
log_level = "notice";
control_socket = "$ctl";
status_interval = "1s";
workers = 2;
listeners = (
	{ name = "main"; protocol = "tcp"; address = "127.0.0.1"; port = $M; }
	$([ "$1" = 1 ] && echo ", { name = \"big\"; protocol = \"tcp\";
	  address = \"127.0.0.1\"; port = $B; max_connections = 1048576; }")
);
CONF
	mv "$conf.new" "$conf" && "$ECHOCTL" reload --socket "$ctl" >/dev/null
}
vmdata() { awk '/^VmData:/ { print $2 }' "/proc/$ECHOD_PID/status"; }
two 0 || bail "reload failed"
v0=$(vmdata)
two 1 || bail "reload failed"
mkfifo "$T/big.in"
"$ECHOPROBE" tcp-stream 127.0.0.1 "$B" 1 --timeout 1 >/dev/null || bail "big does not echo"
socat - "TCP:127.0.0.1:$B" <"$T/big.in" >"$T/held.out" 2>&1 &
track $!
exec 3>"$T/big.in"
wait_until 10 sh -c "ss -Htn state established '( dport = :$B )' | grep -q ." ||
	bail "no connection to big"
two 0 || bail "reload failed"
v1=$(vmdata)
check "big removed while a connection holds it: its table is still there (VmData $v0 -> $v1 kB)" \
	test "$v1" -ge $((v0 + 100000))
exec 3>&-
freed() { [ "$(vmdata)" -le $((v0 + 4096)) ]; }
check "and freed once that connection closed (VmData back to $v0 kB + 4 MiB)" \
	wait_until 10 freed
diag "VmData: $v0 kB before big, $v1 kB with big removed but held, $(vmdata) kB after"
stop_echod 30
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
