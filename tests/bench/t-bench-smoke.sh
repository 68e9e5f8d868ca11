#!/bin/sh
# Smoke test of the bench tools (not a benchmark): the load generator runs
# each mode for a few hundred messages against the reference epoll server,
# and must catch a server that corrupts bytes and one that is not there.
# Loopback only; every run is bounded by --count and --duration.
set -u

top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
ECHOCTL=${ECHOCTL:-$top_builddir/src/echoctl}
EPOLL_ECHO=${EPOLL_ECHO:-$top_builddir/bench/epoll_echo}
for p in "$ECHOCTL" "$EPOLL_ECHO"; do
	if [ ! -x "$p" ]; then
		echo "Bail out! missing $p (build it first)"
		exit 99
	fi
done
[ -x /usr/bin/python3 ] || { echo "1..0 # SKIP /usr/bin/python3 missing"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t-bench.XXXXXX") || exit 99
pids=""
n=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	for f in "$tmp"/*.out "$tmp"/*.err "$tmp"/*.log; do
		[ -s "$f" ] && sed "s|^|# $(basename "$f"): |" "$f"
	done
}
# json_num FILE KEY: the number after "KEY": in a one-line JSON object.
json_num() {
	sed -n "s/.*\"$2\":\([-0-9.e]*\).*/\1/p" "$1"
}
port_free() {
	! (ss -Htuln 2>/dev/null | awk '{print $5}' | grep -q ":$1\$")
}
pick_port() {
	while :; do
		p=$(( $(od -An -N2 -tu2 /dev/urandom) % 12000 + 20000 ))
		port_free "$p" && port_free $((p + 1)) && { echo "$p"; return; }
	done
}
# wait_for FILE PATTERN: poll until the server said it is ready (5 s max).
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -gt 500 ] && return 1
		sleep 0.01
	done
}
run_bench() {	# name, then bench arguments
	name=$1
	shift
	timeout 60 "$ECHOCTL" bench --json "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
}

echo "1..29"

# The reference server, on free ports (retry if someone took them).
tries=0
while :; do
	port=$(pick_port)
	uport=$((port + 1))
	"$EPOLL_ECHO" -p "$port" -u "$uport" >"$tmp/server.log" 2>&1 &
	spid=$!
	pids="$pids $spid"
	wait_for "$tmp/server.log" '^listening' && break
	tries=$((tries + 1))
	[ "$tries" -ge 5 ] && { echo "Bail out! epoll_echo did not start"; cat "$tmp/server.log"; exit 99; }
done

check_count() {	# name, want: exit 0, exactly `want` messages, nothing wrong
	name=$1 want=$2 rc=$3
	msgs=$(json_num "$tmp/$name.out" messages)
	bad=$(json_num "$tmp/$name.out" mismatches)
	err=$(json_num "$tmp/$name.out" errors)
	if [ "$rc" -eq 0 ] && [ "$msgs" = "$want" ] && [ "$bad" = 0 ] && [ "$err" = 0 ]; then
		ok "$name: $want echoes checked"
	else
		not_ok "$name: rc=$rc messages=$msgs mismatches=$bad errors=$err (want $want)"
	fi
}

run_bench pingpong -p "$port" -c 10 -n 300 -t 20s pingpong; check_count pingpong 300 $?
# Latency comes from the histogram: positive and ordered.
lat=$(sed -n 's/.*"latency_us":{"p50":\([0-9.]*\),"p90":\([0-9.]*\),"p99":\([0-9.]*\),"p99.9":\([0-9.]*\),"max":\([0-9.]*\).*/\1 \2 \3 \4 \5/p' "$tmp/pingpong.out")
if [ -n "$lat" ] && echo "$lat" | awk '{ exit !($1 > 0 && $1 <= $2 && $2 <= $3 && $3 <= $4 && $4 <= $5) }'; then
	ok "latency percentiles p50<=p90<=p99<=p99.9<=max: $lat"
else
	not_ok "latency percentiles missing or out of order: '$lat'"
fi
run_bench pipeline -p "$port" -c 4 -d 8 -n 400 -t 20s pipeline; check_count pipeline 400 $?
run_bench stream -p "$port" -c 2 -s 8k -d 4 -n 200 -t 20s stream; check_count stream 200 $?
run_bench churn -p "$port" -c 4 -n 200 -t 20s churn; check_count churn 200 $?
run_bench threads -p "$port" -c 8 -T 2 -n 400 -t 20s pingpong; check_count threads 400 $?
# The same without io_uring batches: a recv and a send per event.
run_bench plain-pingpong --no-io-uring -p "$port" -c 10 -n 300 -t 20s pingpong; check_count plain-pingpong 300 $?
run_bench plain-stream --no-io-uring -p "$port" -c 2 -s 8k -d 4 -n 200 -t 20s stream; check_count plain-stream 200 $?
run_bench plain-churn --no-io-uring -p "$port" -c 4 -n 200 -t 20s churn; check_count plain-churn 200 $?
# --plain: an ordinary client, one system call per message.
run_bench plain2-pingpong --plain -p "$port" -c 10 -n 300 -t 20s pingpong; check_count plain2-pingpong 300 $?
run_bench plain2-stream --plain -p "$port" -c 2 -s 8k -d 4 -n 200 -t 20s stream; check_count plain2-stream 200 $?

# The text report's histogram: ordered rows whose counts add up to the
# messages.
timeout 60 "$ECHOCTL" bench -p "$port" -c 10 -n 300 -t 20s pingpong >"$tmp/hist.out" 2>"$tmp/hist.err"
rows=$(awk '/^  latency histogram \(us\):$/ { on = 1; next }
    on && / - .*\|#* *[0-9]+ \([0-9.]+%\)$/ {
	lo = $1; hi = $3; if (hi + 0 <= lo + 0 || lo + 0 < last) bad = 1
	last = hi + 0; n += $(NF - 1); rows++; next }
    on { on = 0 }
    END { if (bad || rows == 0) exit 1; print n }' "$tmp/hist.out")
if [ "$rows" = 300 ]; then
	ok "text report: histogram rows count the 300 messages"
else
	not_ok "text report: histogram rows missing, out of order or not 300: '$rows'"
fi

# UDP: every datagram is either answered (and checked) or counted lost.
run_bench udp -p "$uport" -c 2 -d 4 -n 300 -t 20s udp
rc=$?
msgs=$(json_num "$tmp/udp.out" messages)
lost=$(json_num "$tmp/udp.out" udp_lost)
bad=$(json_num "$tmp/udp.out" mismatches)
if [ "$rc" -eq 0 ] && [ "$bad" = 0 ] && [ $((msgs + lost)) -eq 300 ] && [ "$msgs" -gt 0 ]; then
	ok "udp: $msgs answered, $lost lost, all checked"
else
	not_ok "udp: rc=$rc messages=$msgs lost=$lost mismatches=$bad"
fi

run_bench plain-udp --plain -p "$uport" -c 2 -d 4 -n 300 -t 20s udp
rc=$?
msgs=$(json_num "$tmp/plain-udp.out" messages)
lost=$(json_num "$tmp/plain-udp.out" udp_lost)
if [ "$rc" -eq 0 ] && [ $((msgs + lost)) -eq 300 ] && [ "$msgs" -gt 0 ] &&
    grep -q '"client":"plain"' "$tmp/plain-udp.out"; then
	ok "plain udp: $msgs answered, $lost lost, all checked"
else
	not_ok "plain udp: rc=$rc messages=$msgs lost=$lost"
fi

# --plain really makes one call per message: no batching call at all,
# where the default client makes them (strace counts the calls).
# calls NAME MODE-ARGS...: the batching calls the client made, as
# "io_uring_enter sendmmsg recvmmsg" counts ("failed" if the run did).
calls() {
	name=$1
	shift
	# LeakSanitizer cannot run under ptrace: the other runs check leaks.
	if ! ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -c -U name,calls -o "$tmp/$name.strace" "$ECHOCTL" \
	    bench -q "$@" >/dev/null 2>&1; then
		printf 'failed '
		return
	fi
	for c in io_uring_enter sendmmsg recvmmsg; do
		awk -v c="$c" '$1 == c { n = $2 } END { printf "%d ", n }' \
		    "$tmp/$name.strace"
	done
}
if command -v strace >/dev/null 2>&1; then
	plain=$(calls sc-plain --plain -p "$port" -c 4 -n 200 -t 20s pingpong)$(calls sc-plain-u --plain -p "$uport" -c 2 -d 4 -n 200 -t 20s udp)
	batch=$(calls sc-batch -p "$port" -c 4 -n 200 -t 20s pingpong)$(calls sc-batch-u -p "$uport" -c 2 -d 4 -n 200 -t 20s udp)
	set -- $batch
	if [ "$plain" = "0 0 0 0 0 0 " ] && [ "$1" -gt 0 ] && [ "$5" -gt 0 ] && [ "$6" -gt 0 ]; then
		ok "--plain makes no io_uring_enter/sendmmsg/recvmmsg (default client: $batch)"
	else
		not_ok "--plain calls: '$plain' (default client: '$batch')"
	fi
else
	ok "--plain system calls # SKIP strace not installed"
fi

# scripts/bench's report and chart, from raw results made of this test's
# own runs (a real run takes minutes): every server and client row, the
# ratios, the scale table, and an SVG with a bar per ratio.  The CPU times
# are whole clock ticks, as /proc/PID/stat gives them; ncat stands for a
# server that stalled on stream and used no measurable CPU, which must not
# read as the cheapest server of the table; socat for one that stalled in
# one run of two.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
/usr/bin/python3 - "$tmp" >"$tmp/raw.json" <<'EOF'
import json, sys
tmp = sys.argv[1]
def run(name, cpu):
    r = json.load(open(f'{tmp}/{name}.out'))
    r['server_cpu_s'] = cpu
    r['cpu_tick_s'] = 0.01
    return [r]
def runs(f, stream=1):
    return {'batching': {'pingpong': run('pingpong', 0.1 * f),
                         'stream': run('stream', 0.2 * f * stream),
                         'udp': run('udp', 0.1 * f)},
            'plain': {'pingpong': run('plain2-pingpong', 0.1 * f),
                      'stream': run('plain2-stream', 0.2 * f * stream),
                      'udp': run('plain-udp', 0.1 * f)}}
# socat: one stream run measurable, one stalled.
partly = runs(1)
partly['batching']['stream'] += run('stream', 0.0)
def windowed(name, cpu):
    r = json.load(open(f'{tmp}/{name}.out'))
    r['server_cpu_s'] = cpu        # read from schedstat, in ns
    r['window_s'] = r['elapsed_s']
    return [r]
def scale(f):
    return {'plain': {'pingpong-50': windowed('plain2-pingpong', 0.01 * f),
                      'udp-8': windowed('plain-udp', 0.01 * f)}}
print(json.dumps({
    'meta': {'date': '2026-01-01 00:00 UTC', 'command': ['scripts/bench'],
             'machine': 'test', 'pinned': True, 'load_start': '0.1',
             'load_end': '0.2', 'elapsed': 1},
    'args': {'reps': 1, 'duration': 1, 'quick': True, 'scale': True,
             'names': ['epoll', 'echod', 'ncat', 'socat'],
             'clients': 'batching,plain'},
    'results': {'epoll': {'runs': runs(1), 'scale': scale(1)},
                'echod': {'runs': runs(0.5), 'scale': scale(0.5)},
                'ncat': {'runs': runs(1, stream=0)},
                'socat': {'runs': partly}}}))
EOF
"$top_srcdir/scripts/bench" --from "$tmp/raw.json" --plot "$tmp/chart.svg" \
    >"$tmp/report.out" 2>"$tmp/report.err"
rc=$?
if [ "$rc" -eq 0 ] &&
    grep -q '^| echod (sample config) | batching client | .*(0\.50×)' "$tmp/report.out" &&
    grep -q '^| ″ | plain client | ' "$tmp/report.out" &&
    grep -q '^| pingpong-50 | plain client | .* | 0\.50× | 1\.00 | ' "$tmp/report.out"; then
	ok "scripts/bench --from: both clients' rows, ratios and the scale table"
else
	not_ok "scripts/bench --from: rc=$rc"
fi
if grep '^| ncat ' "$tmp/report.out" | grep -q '| server CPU below the clock tick |' &&
    ! grep '^| ncat ' "$tmp/report.out" | grep -q '| 0\.000 '; then
	ok "scripts/bench --from: no CPU per MB for a server that used no measurable CPU"
else
	not_ok "scripts/bench --from: a stalled server's CPU per MB reads as a figure"
fi
if grep '^| socat ' "$tmp/report.out" | grep -q '(1 of 2 runs below the clock tick)'; then
	ok "scripts/bench --from: a median of some runs says how many were left out"
else
	not_ok "scripts/bench --from: a median of some runs reads as one of all"
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	ok "scripts/bench --plot # SKIP gnuplot not installed"
elif grep -q "^chart: $tmp/chart.svg" "$tmp/report.out" &&
    grep -q '<svg' "$tmp/chart.svg" &&
    [ "$(grep -c '<path' "$tmp/chart.svg")" -ge 10 ]; then
	ok "scripts/bench --plot: an SVG chart of the ratios"
else
	not_ok "scripts/bench --plot: no chart"
fi

# Idle: holds the connections and says when all of them answered.
timeout 60 "$ECHOCTL" bench -p "$port" -c 30 -H 0.2s idle >"$tmp/idle.out" 2>"$tmp/idle.err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^ready 30$' "$tmp/idle.out" && grep -q 'established 30 of 30' "$tmp/idle.out"; then
	ok "idle: 30 connections established and held"
else
	not_ok "idle: rc=$rc"
fi

# A server that flips one bit per read must be caught.
cat >"$tmp/corrupt.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
print("listening", flush=True)
s.settimeout(30)
while True:
    c, _ = s.accept()
    c.settimeout(30)
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(bytes([d[0] ^ 1]) + d[1:])
    c.close()
EOF
cport=$(pick_port)
/usr/bin/python3 "$tmp/corrupt.py" "$cport" >"$tmp/corrupt.log" 2>&1 &
cpid=$!
pids="$pids $cpid"
corrupt_caught() {	# name, then extra bench arguments
	name=$1
	shift
	run_bench "$name" -q "$@" -p "$cport" -c 1 -n 50 -t 10s pingpong
	rc=$?
	bad=$(json_num "$tmp/$name.out" mismatches)
	if [ "$rc" -eq 1 ] && [ "${bad:-0}" -ge 1 ]; then
		ok "$name: a corrupting server is reported ($bad mismatched bytes, exit 1)"
	else
		not_ok "$name: corrupting server not caught: rc=$rc mismatches=$bad"
	fi
}
if wait_for "$tmp/corrupt.log" '^listening'; then
	corrupt_caught corrupt
	corrupt_caught corrupt-plain --no-io-uring
else
	not_ok "corrupting server did not start"
	not_ok "corrupting server did not start (plain client)"
fi

# Nobody listening: errors, exit 1, and the run still stops by itself.
dport=$(pick_port)
run_bench refused -q -p "$dport" -c 2 -n 10 -t 2s pingpong
rc=$?
err=$(json_num "$tmp/refused.out" errors)
if [ "$rc" -eq 2 ] && [ "${err:-0}" -ge 1 ]; then
	ok "connection refused is an error ($err errors, exit 2)"
else
	not_ok "refused: rc=$rc errors=$err"
fi
# A run that short (refused at once) has no CPU share to speak of: it said
# "1330% of one core" with one thread.  Under 10 ms of load it is null.
el=$(json_num "$tmp/refused.out" elapsed_s)
pct=$(sed -n 's/.*"client_cpu_pct":\([^,}]*\).*/\1/p' "$tmp/refused.out")
if awk -v e="$el" 'BEGIN { exit !(e != "" && e >= 0.01) }' || [ "$pct" = null ]; then
	ok "refused: no CPU share from ${el} s of load (client_cpu_pct $pct)"
else
	not_ok "refused: client_cpu_pct $pct from ${el} s of load"
fi
timeout 60 "$ECHOCTL" bench -q -p "$dport" -c 2 -n 10 -t 2s pingpong >"$tmp/refused-text.out" 2>"$tmp/refused-text.err"
el=$(sed -n 's/.*thread(s), .* client, \([0-9.]*\) s$/\1/p' "$tmp/refused-text.out")
if grep -q 'client cpu [0-9.]* s (share of one core n/a: under 10 ms of load)$' "$tmp/refused-text.out" ||
    { [ "$el" != 0.00 ] && grep -q 'client cpu [0-9.]* s ([0-9]*% of one core)$' "$tmp/refused-text.out"; }; then
	ok "refused, text: the CPU share is n/a"
else
	not_ok "refused, text: $(grep cpu "$tmp/refused-text.out")"
fi

# A listener whose accept queue is full: the SYNs are dropped, no connect
# completes.  -t bounds the run (a 10 s floor for connecting made -t 2 run
# 10 s), and the connections that never opened are errors (it said 0).
cat >"$tmp/noaccept.py" <<'EOF'
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
fill = []
for _ in range(8):
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex(s.getsockname())
    fill.append(c)
time.sleep(0.2)
print("listening", s.getsockname()[1], flush=True)
time.sleep(60)
EOF
/usr/bin/python3 "$tmp/noaccept.py" >"$tmp/noaccept.log" 2>&1 &
pids="$pids $!"
if wait_for "$tmp/noaccept.log" '^listening'; then
	nport=$(awk '{ print $2 }' "$tmp/noaccept.log")
	t0=$(date +%s)
	run_bench noaccept -q -p "$nport" -c 2 -t 2s pingpong
	rc=$?
	took=$(( $(date +%s) - t0 ))
	err=$(json_num "$tmp/noaccept.out" errors)
	if [ "$rc" -eq 2 ] && [ "${err:-0}" -eq 2 ] && [ "$took" -le 4 ]; then
		ok "connections never accepted: errors, exit 2, within -t"
	else
		not_ok "noaccept: rc=$rc errors=$err took ${took}s (want 2, 2, <= 4)"
	fi
else
	not_ok "full-backlog listener did not start"
fi

# scripts/memtest: holds the connections and charges the server for them.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
timeout 120 "$top_srcdir/scripts/memtest" --json --bench "$ECHOCTL bench" --port "$port" \
    --conns 50 --hold 20 --pid "$spid" >"$tmp/memtest.out" 2>"$tmp/memtest.err"
rc=$?
conns=$(json_num "$tmp/memtest.out" conns)
pss=$(json_num "$tmp/memtest.out" pss_kib_per_conn)
after=$(json_num "$tmp/memtest.out" pss_after_kib)
if [ "$rc" -eq 0 ] && [ "$conns" = 50 ] && [ -n "$pss" ] && [ "${after:-0}" -gt 0 ]; then
	ok "memtest: 50 idle connections, $pss KiB PSS each"
else
	not_ok "memtest: rc=$rc conns=$conns pss/conn=$pss pss_after=$after"
fi

# Bad usage is refused with status 64 and says why.
"$ECHOCTL" bench -p "$port" -s 8 udp >"$tmp/usage.out" 2>"$tmp/usage.err"
rc=$?
if [ "$rc" -eq 64 ] && grep -q 'size must be 16' "$tmp/usage.err"; then
	ok "too small a datagram is a usage error"
else
	not_ok "usage: rc=$rc"
fi
"$ECHOCTL" bench -p "$port" pingpong extra >"$tmp/usage2.out" 2>"$tmp/usage2.err"
rc=$?
if [ "$rc" -eq 64 ] && grep -q 'exactly one MODE' "$tmp/usage2.err"; then
	ok "a stray argument is a usage error"
else
	not_ok "usage2: rc=$rc"
fi

exit 0
