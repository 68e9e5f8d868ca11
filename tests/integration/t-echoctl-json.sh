#!/bin/sh
# echoctl's --json outputs (probe, verify, bench) are JSON a stock parser
# (python's json module) reads, with their keys in the documented order,
# even when a field holds text echoctl did not write: a host name with a
# quote and a backslash in it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/echoctl-lib.sh"

[ -x "$BADECHO" ] || skip_all "badecho not built"
command -v python3 >/dev/null || skip_all "python3 not installed"
plan 6

# keys FILE: every line must be a JSON object; prints the last one's keys
# (nested objects as KEY{...}), comma-separated.
keys() {
	python3 -c '
import json, sys
last = None
for line in open(sys.argv[1]):
    last = json.loads(line)
    assert isinstance(last, dict)
def k(d):
    return ",".join(x + ("{" + k(v) + "}" if isinstance(v, dict) else "")
                    for x, v in d.items())
print(k(last))' "$1"
}
# field FILE KEY: a top-level string or number of the last line.
field() {
	python3 -c '
import json, sys
print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])' "$1" "$2"
}

start_badecho uok -u; uok=$port
start_badecho tcor -m corrupt -o 100; tcor=$port

# A name that resolves nowhere: every probe fails to connect, and the name
# is what the summary calls the peer.
run_ec name probe tcp --reconnect --json -c 2 -i 0.02 'no"such\host' 9
check "probe --json: a host name with \" and \\ stays valid JSON" \
    test "$(field "$T/name.out" peer)" = 'no"such\host:9'

run_ec pu probe udp --json -c 3 -i 0.02 127.0.0.1 "$uok"
check "probe --json: summary keys in order" test "$(keys "$T/pu.out")" = \
    'type,peer,proto,sent,received,loss_pct,duplicates,reordered,corrupt,truncated,late,connect_failures,icmp_unreachable,time_ms,rtt_ms{min,avg,max,mdev,p50,p90,p99},exit'

run_ec vt verify tcp --json --seed 1 -n 10k 127.0.0.1 "$tcor"
check "verify tcp --json: mismatch report keys in order" test "$(keys "$T/vt.out")" = \
    'type,proto,peer,seed,result,time_ms,bytes,echoed,extra,first_mismatch,detail'
check "verify tcp --json: the first mismatch is at the corrupted byte" \
    test "$(field "$T/vt.out" first_mismatch)" = 100

run_ec vu verify udp --json --seed 1 -c 10 127.0.0.1 "$uok"
check "verify udp --json: keys in order" test "$(keys "$T/vu.out")" = \
    'type,proto,peer,seed,result,time_ms,datagrams,size,intact,lost,truncated,oversized,corrupt,duplicated,unidentifiable'

run_ec bu bench --json -p "$uok" -c 1 -n 20 -t 10s udp
check "bench --json: keys in order" test "$(keys "$T/bu.out")" = \
    'mode,target,client,conns,size,depth,threads,elapsed_s,messages,bytes,msg_per_s,mb_per_s,latency_us{p50,p90,p99,p99.9,max,mean},errors,mismatches,udp_sent,udp_lost,udp_late,udp_duplicated,udp_blocked,loss_pct,established,client_cpu_s,client_cpu_pct'
finish
