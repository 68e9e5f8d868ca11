#!/bin/sh
# echoctl tcp|udp pipe and -m modes against badecho's faults: mismatch,
# truncation, extra bytes, a byte echoed as urgent data, a slow echo against --linger and -t, UDP loss
# and corruption, and bounded memory (backpressure) when nothing comes back.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/echoctl-lib.sh"

[ -x "$BADECHO" ] || skip_all "badecho not built"
plan 19

says() { sh -c "[ $rc -eq $1 ] && grep -q -- '$3' '$T/$2'"; }
head -c 100000 /dev/urandom >"$T/in.bin"

start_badecho tok; p=$port
run_ec ok tcp 127.0.0.1 "$p" <"$T/in.bin"
check "tcp pipe through badecho ok: exit 0, byte-exact" sh -c "[ $rc -eq 0 ] && cmp -s '$T/in.bin' '$T/ok.out'"

start_badecho tco -m corrupt -o 1000; p=$port
run_ec co tcp 127.0.0.1 "$p" <"$T/in.bin"
check "tcp pipe corrupt: exit 1, offset of the difference" says 1 co.err "echo differs from what was sent at byte offset 1000$"
start_badecho ttr -m truncate -o 1000; p=$port
run_ec tr tcp 127.0.0.1 "$p" <"$T/in.bin"
check "tcp pipe truncate: exit 1, bytes echoed before the close" says 1 tr.err "the server closed the connection after echoing 1000 of 100000 bytes"
check "tcp pipe truncate: what came back is printed" sh -c "[ \$(wc -c <'$T/tr.out') -eq 1000 ]"
head -c 100 "$T/in.bin" >"$T/in100.bin"
start_badecho tdu -m duplicate -o 90 -l 10; p=$port
run_ec du tcp 127.0.0.1 "$p" <"$T/in100.bin"
check "tcp pipe extra bytes: exit 1, counted" says 1 du.err "the server sent 10 bytes more than were sent"
# Both wrong and too long ("helllo" for "hello"): the first difference is
# reported, and the extra byte too (only the extra bytes were).
start_badecho tdm -m duplicate -o 2 -l 1; p=$port
run_ec dm tcp -t 2 -m hello 127.0.0.1 "$p"
check "-m echo wrong and too long: exit 1, the mismatch and the extra byte" says 1 dm.err "echo differs from what was sent at byte offset 4, and the server sent 1 bytes more than were sent"

# Urgent data is data: a byte the server sends with MSG_OOB, in its place,
# is part of the echo (echoctl reads it in line), and an echo that is
# right is not reported wrong; verify checks it the same way.
start_badecho tur -m urgent -o 1000; p=$port
run_ec ur tcp 127.0.0.1 "$p" <"$T/in.bin"
check "tcp pipe, byte 1000 sent back as urgent data: exit 0, byte-exact" \
	sh -c "[ $rc -eq 0 ] && cmp -s '$T/in.bin' '$T/ur.out'"
run_ec urv verify tcp -n 100000 127.0.0.1 "$p"
check "verify, the same: exit 0, every byte checked" says 0 urv.out "100000 bytes"

start_badecho tde -m delay -d 800; p=$port
rc=0
printf abc | "$ECHOCTL" tcp --linger 0.2 127.0.0.1 "$p" >"$T/l1.out" 2>"$T/l1.err" || rc=$?
check "--linger shorter than the echo: exit 1, explained" says 1 l1.err "timed out waiting for the echo: 0 of 3 bytes came back"
rc=0
printf abc | "$ECHOCTL" tcp --linger 5 127.0.0.1 "$p" >"$T/l2.out" 2>"$T/l2.err" || rc=$?
check "--linger long enough: exit 0, echo printed" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/l2.out')\" = abc ]"
run_ec m1 tcp -t 0.2 -m hi 127.0.0.1 "$p"
check "-m with a late echo: exit 1 after -t" says 1 m1.err "timed out waiting for the echo: 0 of 2 bytes"

start_badecho uok -u; p=$port
seq 1 300 >"$T/lines.txt"
run_ec u1 udp 127.0.0.1 "$p" <"$T/lines.txt"
check "udp pipe in order: stdout equals stdin exactly" sh -c "[ $rc -eq 0 ] && cmp -s '$T/lines.txt' '$T/u1.out'"
start_badecho udr -u -m drop -n 3; p=$port
seq 1 6 >"$T/six.txt"
run_ec u2 udp -v -t 0.3 127.0.0.1 "$p" <"$T/six.txt"
check "udp pipe drop: exit 1, 2 lost" sh -c "[ $rc -eq 1 ] && grep -q 'sent 6 datagrams, echoed 4, lost 2' '$T/u2.err'"
start_badecho udu -u -m duplicate -n 1
start_badecho uco -u -m corrupt -n 2 -o 0; p=$port
run_ec u3 udp -t 0.3 127.0.0.1 "$p" <"$T/six.txt"
check "udp pipe corrupt: exit 1, echo matches nothing sent" says 1 u3.err "matches no datagram sent"
run_ec u4 udp -t 0.3 -m hello 127.0.0.1 "$(cat "$T/udr.port")"
check "udp -m answered: exit 0" says 0 u4.out "^hello\$"

# bench udp against a server that answers every datagram twice: the second
# answers are duplicates, not late replies (they were), and the run is not
# clean (it exited 0).
run_ec bd bench -p "$(cat "$T/udu.port")" -c 1 -n 200 -t 10s udp
check "bench udp, every datagram twice: duplicated, none late, exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'late 0, duplicated [1-9]' '$T/bd.out'"
run_ec bdj bench --json -p "$(cat "$T/udu.port")" -c 1 -n 200 -t 10s udp
check "bench udp --json: udp_duplicated, udp_late 0, exit 1" sh -c "[ $rc -eq 1 ] && grep -q '\"udp_late\":0,\"udp_duplicated\":[1-9]' '$T/bdj.out'"

# Backpressure: the server takes one chunk and then stalls for 100 s.  With
# a regular file on stdin, its offset is exactly what echoctl has read.
start_badecho tst -m delay -d 100000; p=$port
truncate -s 64M "$T/zero.bin"
"$ECHOCTL" tcp -t 60 127.0.0.1 "$p" <"$T/zero.bin" >/dev/null 2>"$T/bp.err" &
bp=$!
ec_pids="$ec_pids $bp"
pos() { sed -n 's/^pos:[[:space:]]*//p' "/proc/$bp/fdinfo/0" 2>/dev/null; }
window_full() { [ "$(pos)" = 1048576 ]; }
wait_until 20 window_full || true
stays=0
n=0
while [ $n -lt 20 ]; do
	[ "$(pos)" = 1048576 ] && stays=$((stays + 1))
	sleep 0.05
	n=$((n + 1))
done
check "backpressure: stdin read stops at the 1 MiB window" test "$stays" -eq 20
rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$bp/status")
kill "$bp"
rc=0
wait "$bp" || rc=$?
echo "# echoctl RSS with a stalled server: ${rss} kB"
check "backpressure: interrupted run exits 1" test "$rc" -eq 1
finish
