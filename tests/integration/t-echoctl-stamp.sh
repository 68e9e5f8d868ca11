#!/bin/sh
# echoctl probe stamp (an RFC 8762 session sender) against a reflector we
# did not write in C: tests/tools/stamp_peer.py, built from the RFC's
# figures with python's struct.  The peer loses chosen packets on the way
# there (a stateful reflector does not count them) or on the way back
# (counted, not answered), so the loss split by direction is checked
# against what really happened; the TTL set with --ttl comes back; an
# ordinary UDP echo server is not mistaken for a reflector; an answer
# whose T3 - T2 exceeds the round trip is not a round trip.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/echoctl-lib.sh"

PEER=${top_srcdir:-$(dirname "$0")/../..}/tests/tools/stamp_peer.py
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
plan 24

# reflector NAME ARGS...: a stamp_peer reflector; sets $port.
reflector() {
	name=$1
	shift
	python3 "$PEER" reflect "$T/$name.port" "$@" 2>"$T/$name.log" &
	ec_pids="$ec_pids $!"
	wait_until 10 test -s "$T/$name.port" || bail "reflector $name not ready"
	port=$(cat "$T/$name.port")
}

stamp() { n=$1; shift; run_ec "$n" probe stamp "$@"; }
has() { grep_q "$2" "$T/$1.out"; }
rc_is() { [ "$rc" -eq "$1" ]; }

# 1. Stateful, seq 2 lost forward, seq 4 lost backward.
reflector sf --stateful --drop-forward 2 --drop-backward 4 --count 8
stamp sf -c 8 -i 0.02 -W 0.3 --ttl 17 127.0.0.1 "$port"
check "stateful, two lost: exit 1" rc_is 1
check "stateful: the loss split by direction" has sf \
    "loss by direction: forward 1, backward 1, unknown 0"
check "stateful: the reflector's own numbers after the forward loss" \
    has sf "seq=3 rtt=[0-9.]* ms fwd=-*[0-9.]* ms bwd=-*[0-9.]* ms reflector seq=2 ttl=17"
check "the TTL we sent (17) is the one the reflector saw" \
    sh -c "[ \$(grep -c 'ttl=17\$' '$T/sf.out') -eq 6 ]"
check "both lost packets are named" sh -c "grep -q 'for seq=2 within 0.3s' '$T/sf.out' && grep -q 'for seq=4 within 0.3s' '$T/sf.out'"
check "summary: sent, answers, loss" has sf "8 packets sent, 6 answers, 25.0% loss"
check "summary: round trip, forward, backward, jitter" sh -c "
    grep -q '^round trip min/avg/max/mdev = ' '$T/sf.out' &&
    grep -q '^forward min/avg/max/mdev = ' '$T/sf.out' &&
    grep -q '^backward min/avg/max/mdev = ' '$T/sf.out' &&
    grep -q '^jitter (mean change between consecutive answers): round trip' '$T/sf.out'"
check "summary: the round-trip histogram counts the 6 answers" \
    hist_counts sf 6 "round trip, ms"
check "summary: the clock caveat" has sf \
    "only as accurate as the two clocks' synchronization"

# 2. A loss after the last answer has no known direction.
reflector tail --stateful --drop-forward 5 --count 5
stamp tail -c 6 -i 0.02 -W 0.3 127.0.0.1 "$port"
check "numbers equal ours: the direction is not guessed" has tail \
    "loss by direction: unknown (the reflector's numbers equal ours"
reflector tail2 --stateful --drop-forward 5 --count 5
stamp tail2 --stateful -c 6 -i 0.02 -W 0.3 127.0.0.1 "$port"
check "--stateful: a loss after the last answer has no known direction" \
    has tail2 "loss by direction: forward 0, backward 0, unknown 1"

# 3. Stateless: the numbers are ours, the direction cannot be told.
reflector sl --drop-backward 1 --count 4
stamp sl -c 4 -i 0.02 -W 0.3 127.0.0.1 "$port"
check "stateless: reflector seq = ours" has sl "seq=3 .* reflector seq=3 "
check "stateless: the direction is said to be unknown" has sl \
    "loss by direction: unknown (the reflector's numbers equal ours"

# 4. No loss, padded packets, --json parsed by python.
reflector ok --stateful --count 5
stamp ok --stateful -c 5 -i 0.02 -s 100 --json 127.0.0.1 "$port"
check "no loss: exit 0" rc_is 0
check "--json: every line is JSON, the summary complete" python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
ans = [l for l in lines if l["type"] == "answer"]
s = lines[-1]
assert len(ans) == 5 and all(a["bytes"] == 100 for a in ans), ans
assert [a["reflector_seq"] for a in ans] == [0, 1, 2, 3, 4]
assert s["type"] == "summary" and s["proto"] == "stamp", s
assert s["sent"] == 5 and s["received"] == 5 and s["exit"] == 0, s
assert s["reflector_numbering"] == "copied", s
assert s["loss_direction"] == {"forward": 0, "backward": 0, "unknown": 0}
for k in ("rtt_ms", "forward_ms", "backward_ms"):
    assert s[k]["min"] <= s[k]["avg"] <= s[k]["max"], s[k]
assert s["rtt_ms"]["min"] > 0, s
assert set(s["jitter_ms"]) == {"rtt", "forward", "backward"}, s
assert "synchronization" in s["clocks"]["caveat"], s
' "$T/ok.out"

# 5. T3 - T2 longer than the round trip: negative round trips, cast to
# 2^64 - x for the chart, spun echoctl forever; --json said min < 0.
reflector res --residence 10 --count 3
timeout -s KILL 20 "$ECHOCTL" probe stamp -c 2 -i 0.02 -W 1 127.0.0.1 \
    "$port" >"$T/res.out" 2>"$T/res.err" && rc=0 || rc=$?
check "T3 - T2 > T4 - T1: ends, exit 1, both answers named inconsistent" \
    sh -c "[ $rc -eq 1 ] && [ \$(grep -c 'seq=[01]: answer with inconsistent timestamps' '$T/res.out') -eq 2 ]"
check "inconsistent: counted in the summary, no round trip" sh -c "
    grep -q '2 packets sent, 0 answers, .* 2 with inconsistent timestamps' '$T/res.out' &&
    ! grep -q '^round trip min' '$T/res.out' && ! grep -q 'rtt=-' '$T/res.out'"
reflector resj --residence 10 --count 3
timeout -s KILL 20 "$ECHOCTL" probe stamp --json -c 2 -i 0.02 -W 1 \
    127.0.0.1 "$port" >"$T/resj.out" 2>"$T/resj.err" && rc=0 || rc=$?
check "--json: inconsistent 2, no negative round trip, exit 1" python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
s = lines[-1]
assert s["type"] == "summary" and s["inconsistent"] == 2, s
assert s["received"] == 0 and s["exit"] == 1 and int(sys.argv[2]) == 1, s
assert not [l for l in lines if l["type"] == "answer"], lines
assert "rtt_ms" not in s or s["rtt_ms"]["min"] >= 0, s
' "$T/resj.out" "$rc"

# 6. What is not a STAMP exchange.
stamp short -c 1 -s 43 127.0.0.1 9
check "-s 43: refused (44 octets at least), exit 64" sh -c "[ $rc -eq 64 ] && grep -q 'at least 44 octets' '$T/short.err'"
stamp csv -c 1 --csv 127.0.0.1 9
check "--csv: refused, exit 64" rc_is 64
run_ec sfudp probe udp --stateful -c 1 127.0.0.1 9
check "--stateful is for stamp only, exit 64" rc_is 64
uport=$(free_port)
start_socat_udp "$uport"
stamp echo -c 2 -i 0.02 -W 0.3 127.0.0.1 "$uport"
check "a plain UDP echo is not a reflector: answers to no packet of ours, exit 1" \
    sh -c "[ $rc -eq 1 ] && grep -q 'answer to no packet of ours' '$T/echo.out' && grep -q '2 packets sent, 0 answers' '$T/echo.out'"
cport=$(free_port)
stamp closed -c 2 -i 0.02 -W 0.3 127.0.0.1 "$cport"
check "nothing listening: ICMP port unreachable, exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'ICMP port unreachable' '$T/closed.out'"
stamp help --help
check "--help names stamp" has help "probe tcp|udp|stamp"

finish
