#!/bin/sh
# The control protocol has no listener-count ceiling: with 2,200 listeners
# (1,100 TCP and 1,100 UDP, each pair on its own loopback address, one
# port; before the fix, key=value replies failed from 58 listeners and
# JSON ones from about 2,040, metrics from about 60) `echoctl status`,
# `status --json`, `stats`, `stats --json` and `metrics` answer in full: every listener is in the reply, the
# JSON is valid (python's json module) and its counts are the ones a
# client produced.
. "$(dirname "$0")/lib.sh"
: "${ECHOCTL:=$top_builddir/src/echoctl}"
[ -x "$ECHOCTL" ] || bail "$ECHOCTL not built"
need_cmd python3

N=1100			# listeners per protocol
# One fd per listener and worker, plus the daemon's own: raise the soft
# limit to what is needed when the hard one allows it.
need=$((2 * N + 200))
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge "$need" ] ||
	ulimit -n "$need" 2>/dev/null ||
	skip_all "needs $need file descriptors (ulimit -n: $(ulimit -n), hard $(ulimit -Hn))"

P=$(free_port)
# 127.0.1.1 .. 127.0.5.100: one address per pair on lo, no other test
# uses them.
addr_of() { echo "127.0.$((1 + $1 / 250)).$((1 + $1 % 250))"; }
{
	echo 'log_level = "info";'
	echo "control_socket = \"$T/ctl.sock\";"
	echo 'workers = 1;'
	echo 'listeners = ('
	i=0
	while [ "$i" -lt "$N" ]; do
		a=$(addr_of "$i")
		sep=,
		[ "$i" -eq $((N - 1)) ] && sep=
		echo "{ name = \"tcp-$i\"; protocol = \"tcp\"; address = \"$a\"; port = $P; },"
		echo "{ name = \"udp-$i\"; protocol = \"udp\"; address = \"$a\"; port = $P; }$sep"
		i=$((i + 1))
	done
	echo ');'
} >"$T/echod.conf"

plan 14
ECHOD_LOG=$T/echod.log
$ECHOD_WRAPPER "$ECHOD" -c "$T/echod.conf" >"$ECHOD_LOG" 2>&1 &
ECHOD_PID=$!
track "$ECHOD_PID"
wait_until 60 echod_listening $((2 * N)) || bail "echod: fewer than $((2 * N)) listeners up"
# Every socket is bound once logged; the first listeners answer.
wait_until 20 ep_up "udp:$(addr_of 0):$P" || bail "udp-0 does not answer"
wait_until 20 ep_up "tcp:$(addr_of 0):$P" || bail "tcp-0 does not answer"
last=$(addr_of $((N - 1)))

# Known traffic on the last listeners of each protocol, so the replies are
# checked for counts a client produced, not only for their shape.
"$ECHOPROBE" udp "$last" "$P" 100 --count 7 --timeout 2 >"$T/udp.out" 2>&1 ||
	bail "udp echo on $last failed"
"$ECHOPROBE" connect "$last" "$P" --timeout 2 >"$T/tcp.out" 2>&1 ||
	bail "tcp connect to $last failed"

# ctl VERB [--json]: the reply in $T/VERB[--json].out.
ctl() {
	"$ECHOCTL" "$1" --socket "$T/ctl.sock" ${2:+"$2"} >"$T/$1${2:-}.out" \
	    2>"$T/$1${2:-}.err"
}

check "status with $((2 * N)) listeners answers" ctl status
is "status: listeners=$((2 * N))" "$(sed -n 's/^listeners=//p' "$T/status.out")" $((2 * N))
is "status: every listener's address is in it" \
	"$(grep -c "^listener\.[a-z]*-[0-9]*.address=127\.0\.[1-9]\.[0-9]*:$P\$" "$T/status.out")" $((2 * N))
is "status: udp-$((N - 1)) counted the 7 datagrams sent to it" \
	"$(sed -n "s/^listener\.udp-$((N - 1))\.dgrams_out=//p" "$T/status.out")" 7

check "status --json answers" ctl status --json
check "status --json is valid JSON (python3 -m json.tool)" \
	python3 -m json.tool "$T/status--json.out"
# shellcheck disable=SC2016
is "status --json: $((2 * N)) listeners, udp-$((N - 1)) with 7 datagrams out" \
	"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ls = d["listeners"]
u = [l for l in ls if l["name"] == sys.argv[2]]
print(len(ls), len({l["name"] for l in ls}), u[0]["stats"]["dgrams_out"] if u else "none")
' "$T/status--json.out" "udp-$((N - 1))" 2>&1)" "$((2 * N)) $((2 * N)) 7"

check "stats answers" ctl stats
is "stats: udp-$((N - 1)) counted the 7 datagrams" \
	"$(sed -n "s/^listener\.udp-$((N - 1))\.dgrams_in=//p" "$T/stats.out")" 7
check "stats --json answers" ctl stats --json
# shellcheck disable=SC2016
is "stats --json: valid, $((2 * N)) listeners, tcp-$((N - 1)) accepted 1" \
	"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = [l for l in d["listeners"] if l["name"] == sys.argv[2]]
print(len(d["listeners"]), t[0]["stats"]["conn_accepted"] if t else "none")
' "$T/stats--json.out" "tcp-$((N - 1))" 2>&1)" "$((2 * N)) 1"

check "metrics answers" ctl metrics
is "metrics: udp-$((N - 1)) echoed the 7 datagrams" \
	"$(grep "^echod_datagrams_echoed_total{.*listener=\"udp-$((N - 1))\"" "$T/metrics.out" |
	awk '{ print $NF }')" 7
is "metrics: a sample for every listener" \
	"$(sed -n 's/^echod_datagrams_received_total{.*listener="\([^"]*\)".*/\1/p' "$T/metrics.out" |
	sort -u | wc -l | tr -d ' ')" "$N"
