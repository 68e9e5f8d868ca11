#!/bin/sh
# echoctl probe against a correct server and against badecho's faults:
# each fault is reported as what it is, with the right exit code.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/echoctl-lib.sh"

[ -x "$BADECHO" ] || skip_all "badecho not built"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
plan 30

# probe NAME ARGS...: run, keep output; sets $rc.
probe() { n=$1; shift; run_ec "$n" probe "$@"; }
has() { grep_q "$2" "$T/$1.out"; }
rc_is() { [ "$rc" -eq "$1" ]; }

start_badecho uok -u; uok=$port
start_badecho tok; tok=$port

probe u1 udp -c 5 -i 0.02 127.0.0.1 "$uok"
check "udp probe ok: exit 0" rc_is 0
check "udp probe ok: per-reply lines with seq and time" has u1 "64 bytes from 127.0.0.1:$uok: seq=4 time="
check "udp probe ok: summary counts" has u1 "5 probes sent, 5 replies, 0.0% loss, 0 duplicates"
check "udp probe ok: min/avg/max/mdev and percentiles" \
    sh -c "grep -q '^rtt min/avg/max/mdev = [0-9.]*/[0-9.]*/[0-9.]*/[0-9.]* ms' '$T/u1.out' && grep -q '^rtt p50/p90/p99 = ' '$T/u1.out'"
check "udp probe ok: latency histogram rows count the 5 replies" hist_counts u1 5

probe t1 tcp -c 4 -i 0.02 -s 1000 127.0.0.1 "$tok"
check "tcp probe, one connection, 1000 bytes: exit 0" sh -c "[ $rc -eq 0 ] && grep -q '4 probes sent, 4 replies' '$T/t1.out'"
probe t2 tcp --reconnect -c 3 -i 0.02 127.0.0.1 "$tok"
check "tcp --reconnect: connect time per probe and in the summary" \
    sh -c "[ $rc -eq 0 ] && grep -q 'seq=2 time=[0-9.]* ms connect=' '$T/t2.out' && grep -q '^connect min/avg/max/mdev' '$T/t2.out'"

start_badecho udrop -u -m drop -n 3; p=$port
probe ud udp -c 6 -i 0.02 -W 0.2 127.0.0.1 "$p"
check "udp drop: exit 1" rc_is 1
check "udp drop: the dropped probes are named" sh -c "grep -q 'no reply .* for seq=2 within 0.2s' '$T/ud.out' && grep -q 'for seq=5 within' '$T/ud.out'"
check "udp drop: 33.3% loss" has ud "6 probes sent, 4 replies, 33.3% loss"

start_badecho utr -u -m truncate -n 2; p=$port
probe ut udp -c 2 -i 0.02 -W 0.3 127.0.0.1 "$p"
check "udp truncate: reported with sizes, exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'seq=1 truncated reply: 32 of 64 bytes' '$T/ut.out'"

# An empty datagram is a damaged reply, not the end of a connection.
start_badecho uem -u -m empty -n 1; p=$port
probe ue udp -c 5 -i 0.02 -W 0.3 127.0.0.1 "$p"
check "udp empty datagrams: every probe still sent and answered, exit 1" \
    sh -c "[ $rc -eq 1 ] && grep -q '5 probes sent, 5 replies' '$T/ue.out' && ! grep -q 'closed the connection' '$T/ue.out'"
check "udp empty datagrams: each one reported" sh -c \
    "[ \$(grep -c 'an empty datagram, not a reply to any probe' '$T/ue.out') -eq 5 ]"

start_badecho uco -u -m corrupt -n 2 -o 30; p=$port
probe uc udp -c 2 -i 0.02 -W 0.3 127.0.0.1 "$p"
check "udp corrupt: offset of the first difference, exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'seq=1 corrupt reply: first difference at byte 30' '$T/uc.out'"

start_badecho udu -u -m duplicate -n 1; p=$port
probe uu udp -c 3 -i 0.05 -W 0.3 127.0.0.1 "$p"
check "udp duplicate: (DUP!), exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'seq=0 time=.*(DUP!)' '$T/uu.out'"

start_badecho ude -u -m delay -d 300; p=$port
probe ue udp -c 1 -W 0.1 127.0.0.1 "$p"
check "udp delay beyond -W: timeout and 100% loss summary, exit 1" \
    sh -c "[ $rc -eq 1 ] && grep -q 'no reply .* for seq=0 within 0.1s' '$T/ue.out' && grep -q '1 probes sent, 0 replies, 100.0% loss' '$T/ue.out'"
start_badecho ude2 -u -m delay -d 200; p=$port
probe ue2 udp -c 3 -i 0.3 -W 1 127.0.0.1 "$p"
check "udp delay within -W: RTT shows the delay, exit 0" \
    sh -c "[ $rc -eq 0 ] && grep -q 'seq=0 time=2[0-9][0-9]\.' '$T/ue2.out'"

start_badecho tco -m corrupt -o 100; p=$port
probe tc tcp -c 3 -i 0.02 -W 0.3 127.0.0.1 "$p"
check "tcp corrupt: probe and byte named, exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'seq=1 corrupt reply: first difference at byte 36' '$T/tc.out'"
start_badecho ttr -m truncate -o 160; p=$port
probe tt tcp -c 4 -i 0.02 -W 0.3 127.0.0.1 "$p"
check "tcp truncate: short reply and close reported, exit 1" \
    sh -c "[ $rc -eq 1 ] && grep -q 'truncated reply: 32 of 64 bytes before the close' '$T/tt.out' && grep -q 'the server closed the connection' '$T/tt.out'"
start_badecho tdu -m duplicate -o 64 -l 64; p=$port
probe td tcp -c 3 -i 0.05 -W 0.3 127.0.0.1 "$p"
check "tcp duplicate: (DUP!), exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'seq=1 time=.*(DUP!)' '$T/td.out'"

probe j udp --json -c 3 -i 0.02 127.0.0.1 "$uok"
if command -v python3 >/dev/null; then
	check "--json: every line parses, last is the summary" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["type"] for r in rows] == ["reply"] * 3 + ["summary"], rows
s = rows[-1]
assert s["sent"] == 3 and s["received"] == 3 and s["exit"] == 0, s
assert set(s["rtt_ms"]) == {"min", "avg", "max", "mdev", "p50", "p90", "p99"}
' "$T/j.out"
else
	ok "--json # SKIP python3 not installed"
fi
probe c udp --csv -c 2 -i 0.02 127.0.0.1 "$uok"
check "--csv: header, one row per reply, summary on stderr" \
    sh -c "[ \$(grep -c '^reply,[01],64,[0-9.]*,,,' '$T/c.out') -eq 2 ] && head -n 1 '$T/c.out' | grep -q '^type,seq,bytes,rtt_ms' && grep -q '2 probes sent' '$T/c.err'"

# No -c: runs until Ctrl-C; SIGQUIT prints an interim summary first.
"$ECHOCTL" probe udp -i 0.02 127.0.0.1 "$uok" >"$T/int.out" 2>"$T/int.err" &
pp=$!
ec_pids="$ec_pids $pp"
wait_until 10 grep -q "seq=3 " "$T/int.out" || true
kill -QUIT "$pp"
wait_until 10 grep -q "replies, .*% loss, min/avg/max/mdev" "$T/int.err" || true
kill -INT "$pp"
rc=0
wait "$pp" || rc=$?
check "SIGQUIT: interim summary on stderr" grep_q "replies, .*% loss, min/avg/max/mdev" "$T/int.err"
check "Ctrl-C: the final summary is printed" grep_q "^rtt min/avg/max/mdev" "$T/int.out"

cp=$(free_port)
probe r1 tcp -c 1 127.0.0.1 "$cp"
check "tcp probe refused: exit 2, clear message" sh -c "[ $rc -eq 2 ] && grep -q 'Connection refused' '$T/r1.err'"
probe r2 udp -c 2 -i 0.05 -W 0.2 127.0.0.1 "$cp"
check "udp probe refused: exit 2, ICMP reported" sh -c "[ $rc -eq 2 ] && grep -q 'ICMP port unreachable' '$T/r2.out'"
probe r3 tcp --reconnect -c 2 -i 0.02 127.0.0.1 "$cp"
check "tcp --reconnect refused: exit 2" rc_is 2

probe us udp -s 10 127.0.0.1 "$uok"
check "usage: -s below the header exits 64" sh -c "[ $rc -eq 64 ] && grep -q 'at least 24' '$T/us.err'"
# -i 0 was a one-shot timer: one probe, then a hang (-c 3 never reached).
timeout -s KILL 10 "$ECHOCTL" probe udp -i 0 -c 3 -W 1 127.0.0.1 "$uok" \
    >"$T/i0.out" 2>"$T/i0.err" && rc=0 || rc=$?
check "usage: -i 0 exits 64 and says what is allowed" sh -c \
    "[ $rc -eq 64 ] && grep -q -- '-i 0: the interval must be at least 1ms' '$T/i0.err'"
probe i1 udp -i 1ms -c 3 -W 1 127.0.0.1 "$uok"
check "-i 1ms: the smallest interval, 3 probes, exit 0" sh -c \
    "[ $rc -eq 0 ] && grep -q '3 probes sent, 3 replies' '$T/i1.out'"
finish
