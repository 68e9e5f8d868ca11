#!/bin/sh
# echoctl verify: a seeded pattern through a correct server and through
# badecho's faults; the first mismatch offset, truncation, loss and
# duplicates are reported exactly, with the right exit code.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/echoctl-lib.sh"

[ -x "$BADECHO" ] || skip_all "badecho not built"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
plan 19

verify() { n=$1; shift; run_ec "$n" verify "$@"; }
says() { sh -c "[ $rc -eq $1 ] && grep -q -- '$3' '$T/$2.out'"; }

start_badecho tok; p=$port
verify t1 tcp --seed 42 127.0.0.1 "$p"
check "tcp ok: 1 MiB verified, exit 0" says 0 t1 "seed 42: OK, all 1048576 bytes echoed intact"
verify t1b tcp -n 3M 127.0.0.1 "$p"
check "tcp ok: random seed printed, 3 MiB" says 0 t1b "3145728 bytes, seed [0-9]*: OK"

start_badecho tco -m corrupt -o 100000; p=$port
verify t2 tcp --seed 1 127.0.0.1 "$p"
check "tcp corrupt: first mismatch offset exact, exit 1" says 1 t2 "first mismatch at byte offset 100000: sent 0x"
start_badecho tdr -m drop -o 5000 -l 5; p=$port
verify t3 tcp --seed 1 127.0.0.1 "$p"
check "tcp dropped bytes: mismatch at the drop, exit 1" says 1 t3 "first mismatch at byte offset 5000:"
start_badecho tdu -m duplicate -o 300 -l 10; p=$port
verify t4 tcp --seed 1 127.0.0.1 "$p"
check "tcp duplicated bytes: mismatch right after them" says 1 t4 "first mismatch at byte offset 310:"
start_badecho ttr -m truncate -o 200000; p=$port
verify t5 tcp --seed 1 127.0.0.1 "$p"
check "tcp truncate: bytes echoed before the close, exit 1" says 1 t5 "truncated: the server closed the connection after 200000 of 1048576 bytes"
start_badecho tde -m delay -d 2000; p=$port
verify t6 tcp -n 1000 -t 0.3 127.0.0.1 "$p"
check "tcp stalled echo: timeout after -t, exit 1" says 1 t6 "timeout: no progress for 0.3s: 0 of 1000 bytes echoed"
verify t7 tcp --json --seed 9 127.0.0.1 "$(cat "$T/tco.port")"
check "--json: result and first_mismatch" says 1 t7 '"result":"mismatch".*"first_mismatch":100000'

start_badecho uok -u; p=$port
verify u1 udp -c 200 -s 1400 --seed 5 127.0.0.1 "$p"
check "udp ok: 200 datagrams intact, exit 0" says 0 u1 "200 datagrams of 1400 bytes, seed 5: OK, 200 of 200"
start_badecho udr -u -m drop -n 5; p=$port
verify u2 udp -c 20 -t 0.3 127.0.0.1 "$p"
check "udp drop: lost count and first lost datagram" says 1 u2 "lost 4 (first: datagram 4)"
start_badecho utr -u -m truncate -n 5; p=$port
verify u3 udp -c 20 -t 0.3 127.0.0.1 "$p"
check "udp truncate: count, first datagram and length" says 1 u3 "truncated 4 (first: datagram 4, 512 of 1024 bytes)"
start_badecho uco -u -m corrupt -n 5 -o 100; p=$port
verify u4 udp -c 20 -t 0.3 127.0.0.1 "$p"
check "udp corrupt: first mismatch offset in the stream" says 1 u4 "corrupt 4 (first mismatch at byte offset 4196 = datagram 4 byte 100)"
# An echo right as far as it goes but longer: the datagram named, not a
# "mismatch at byte 0 of datagram 1" (with -c 1 there is none).
start_badecho upa -u -m pad -n 1 -l 100; p=$port
verify u7 udp -c 1 -t 0.3 127.0.0.1 "$p"
check "udp echo longer than sent: datagram and lengths, exit 1" says 1 u7 "longer than sent 1 (first: datagram 0, 1124 bytes for 1024)"
check "udp echo longer than sent: not called corrupt" sh -c "! grep -q corrupt '$T/u7.out'"
start_badecho udu -u -m duplicate -n 5; p=$port
verify u5 udp -c 20 -t 0.3 127.0.0.1 "$p"
check "udp duplicate: reported, exit 1" says 1 u5 "duplicated [1-9]"
verify u6 udp --json -c 20 -t 0.3 127.0.0.1 "$(cat "$T/udr.port")"
check "udp --json: lost and first_lost" says 1 u6 '"lost":4,.*"first_lost":4'

cp=$(free_port)
verify r1 tcp 127.0.0.1 "$cp"
check "tcp refused: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'Connection refused' '$T/r1.err'"
verify r2 udp -c 3 -t 0.3 127.0.0.1 "$cp"
check "udp refused: exit 2, ICMP reported" says 2 r2 "ICMP port unreachable"
verify us udp -s 8 127.0.0.1 "$cp"
check "usage: -s too small exits 64" sh -c "[ $rc -eq 64 ]"
finish
