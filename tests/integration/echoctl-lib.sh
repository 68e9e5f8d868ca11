# echoctl-lib.sh: shared shell helpers of the echoctl integration tests
# (t-echoctl-*.sh): TAP output, a temp dir per test, free loopback ports,
# echo servers started by the test and readiness by polling.  Sourced.
set -eu

: "${ECHOCTL:=$(pwd)/src/echoctl}"
: "${top_builddir:=$(pwd)}"
BADECHO=${BADECHO:-$top_builddir/tests/tools/badecho}
T=$(mktemp -d "${TMPDIR:-/tmp}/echoctl-test.XXXXXX")
tap_n=0
tap_failed=0
ec_pids=""

ec_cleanup() {
	for p in $ec_pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $ec_pids; do
		wait "$p" 2>/dev/null || true
	done
	if [ -S "$T/tmux.sock" ]; then
		tmux -S "$T/tmux.sock" kill-server 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap ec_cleanup EXIT

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 77; }
bail() { echo "Bail out! $*"; exit 99; }

# Dump every log of this test (after a failure).
ec_dump() {
	for f in "$T"/*.log "$T"/*.out "$T"/*.err "$T"/*.pane; do
		[ -f "$f" ] || continue
		grep -Iq . "$f" || continue	# empty or binary
		echo "# ---- $f"
		sed -n '1,40p' "$f" | sed 's/^/# /'
	done
}

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
	ec_dump
}

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# Run echoctl, keep stdout/stderr in $T/NAME.out/.err, set $rc.
run_ec() {
	name=$1
	shift
	rc=0
	"$ECHOCTL" "$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
}

# A port free for both TCP and UDP on loopback, random below 32768.
free_port() {
	i=0
	while [ $i -lt 100 ]; do
		p=$(( (($(od -An -N2 -tu2 /dev/urandom) % 12000)) + 20000 ))
		if ! ss -Htuan "( sport = :$p )" | grep -q .; then
			echo "$p"
			return 0
		fi
		i=$((i + 1))
	done
	bail "no free port"
}

# wait_until SECONDS COMMAND...: poll until the command succeeds.
wait_until() {
	limit=$1
	shift
	n=0
	while [ "$n" -lt $((limit * 20)) ]; do
		if "$@" 2>/dev/null; then
			return 0
		fi
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

tcp_listening() { ss -Hltn "( sport = :$1 )" | grep -q .; }
udp_bound() { ss -Huan "( sport = :$1 )" | grep -q .; }

# socat echo servers (clients/servers the project did not write).
start_socat_tcp() {
	socat "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork" EXEC:cat \
	    2>"$T/socat-tcp-$1.log" &
	ec_pids="$ec_pids $!"
	wait_until 10 tcp_listening "$1" || bail "socat tcp $1 not listening"
}

start_socat_udp() {
	socat "UDP-RECVFROM:$1,bind=127.0.0.1,fork" EXEC:cat \
	    2>"$T/socat-udp-$1.log" &
	ec_pids="$ec_pids $!"
	wait_until 10 udp_bound "$1" || bail "socat udp $1 not bound"
}

# start_badecho NAME ARGS...: the misbehaving server; sets $port.  It binds
# port 0 and writes the port it got to a file: no race for a free port.
start_badecho() {
	name=$1
	shift
	"$BADECHO" -f "$T/$name.port" "$@" 2>"$T/$name.log" &
	ec_pids="$ec_pids $!"
	wait_until 10 test -s "$T/$name.port" || bail "badecho $name not ready"
	port=$(cat "$T/$name.port")
}

grep_q() { grep -q -- "$1" "$2"; }

# A terminal (tmux, on this test's own server; t-echoctl-interactive,
# t-echoctl-terminal).  term NAME CMD: run the shell command CMD in a
# fresh 160x40 window, with $TERM_ENV (e.g. a locale) in its environment;
# its exit status lands in $T/NAME.exit.
TM="tmux -u -S $T/tmux.sock"
TERM_ENV=""
term() {
	name=$1
	shift
	$TM new-session -d -s "$name" -x 160 -y 40 \
	    "env $TERM_ENV TERM=xterm XDG_STATE_HOME='${XDG_STATE_HOME:-}' $*; echo \$? >'$T/$name.exit'; sleep 600" ||
	    bail "tmux new-session failed"
}
# session NAME ARGS...: echoctl interactive in a window, ready to type.
session() {
	name=$1
	shift
	term "$name" "'$ECHOCTL' $*"
	wait_until 10 pane_has "$name" "type lines to send" ||
	    bail "echoctl $name did not start"
}
pane() { $TM capture-pane -p -t "$1" >"$T/$1.pane"; cat "$T/$1.pane"; }
pane_has() { pane "$1" | grep -q -- "$2"; }
pane_lacks() { ! pane "$1" | grep -q -- "$2"; }
pane_count() { pane "$1" | grep -c -- "$2" || true; }
exited() { test -s "$T/$1.exit"; }
# exit_is NAME CODE: wait for the window's command to end, compare its status.
exit_is() { wait_until 10 exited "$1" && [ "$(cat "$T/$1.exit")" = "$2" ]; }
keys() { s=$1; shift; $TM send-keys -t "$s" "$@"; }

finish() {
	[ "$tap_failed" -eq 0 ]
}

# hist_rows NAME [LABEL]: the rows of the latency histogram in $T/NAME.out
# ("latency histogram (LABEL):", "rtt, ms" by default): ordered bounds,
# one bar each; prints the sum of their counts.
hist_rows() {
	awk -v head="latency histogram (${2:-rtt, ms}):" '$0 == head { on = 1; next }
	    on && / - .*\|#* *[0-9]+ \([0-9.]+%\)$/ {
		lo = $1; hi = $3; if (hi + 0 <= lo + 0 || lo + 0 < last) bad = 1
		last = hi + 0; n += $(NF - 1); rows++; next }
	    on { on = 0 }
	    END { if (bad || rows == 0) exit 1; print n }' "$T/$1.out"
}
# hist_counts NAME COUNT [LABEL]: the rows count COUNT answers.
hist_counts() { [ "$(hist_rows "$1" "${3:-}")" = "$2" ]; }
