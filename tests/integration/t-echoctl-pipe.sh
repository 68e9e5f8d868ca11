#!/bin/sh
# echoctl tcp|udp with stdin not a terminal (pipe mode), -m one-shot, a
# refused port, usage errors and --version, against socat echo servers.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/echoctl-lib.sh"

command -v socat >/dev/null || skip_all "socat not installed"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
plan 18

tp=$(free_port); start_socat_tcp "$tp"
up=$(free_port); start_socat_udp "$up"

# 1 MiB of random bytes, byte-exact, half-close, exit 0, -v counts.
head -c 1048576 /dev/urandom >"$T/in.bin"
rc=0
"$ECHOCTL" tcp -v 127.0.0.1 "$tp" <"$T/in.bin" >"$T/big.out" 2>"$T/big.err" || rc=$?
check "tcp pipe: 1 MiB random bytes exit 0" test "$rc" -eq 0
check "tcp pipe: echo byte-exact" cmp -s "$T/in.bin" "$T/big.out"
check "tcp pipe: -v reports sent and echoed bytes" \
    grep_q "sent 1048576 bytes, echoed 1048576 bytes, all verified" "$T/big.err"

# --no-shutdown: no FIN, ends once everything came back.
printf 'abc\000def\n' >"$T/small.bin"
rc=0
"$ECHOCTL" tcp --no-shutdown 127.0.0.1 "$tp" <"$T/small.bin" >"$T/ns.out" 2>"$T/ns.err" || rc=$?
check "tcp pipe --no-shutdown: exit 0, byte-exact" sh -c "[ $rc -eq 0 ] && cmp -s '$T/small.bin' '$T/ns.out'"

# Empty input: nothing to send, exit 0.
run_ec empty tcp 127.0.0.1 "$tp" </dev/null
check "tcp pipe: empty stdin exits 0 with no output" sh -c "[ $rc -eq 0 ] && [ ! -s '$T/empty.out' ]"

# -m one-shot (the seed's Streams client).
run_ec m1 tcp -m "hello world" 127.0.0.1 "$tp" </dev/null
check "tcp -m: prints the echo, exit 0" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/m1.out')\" = 'hello world' ]"
run_ec m3 tcp -m "$(printf 'a\tb\001')" 127.0.0.1 "$tp" </dev/null
check "tcp -m: control characters escaped" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/m3.out')\" = 'a\\tb\\x01' ]"
run_ec m2 tcp --hex -m "AB" 127.0.0.1 "$tp" </dev/null
check "tcp -m --hex: hex dump" grep_q "41 42" "$T/m2.out"

# UDP pipe: each line a datagram.  socat forks per datagram, so echoes may
# come back in another order: compare the sorted lines.
printf 'one\ntwo\n\nthree\n' >"$T/lines.txt"
rc=0
"$ECHOCTL" udp -v 127.0.0.1 "$up" <"$T/lines.txt" >"$T/udp.out" 2>"$T/udp.err" || rc=$?
sort "$T/lines.txt" >"$T/lines.sorted"
sort "$T/udp.out" >"$T/udp.sorted"
check "udp pipe: exit 0, same datagrams back" sh -c "[ $rc -eq 0 ] && cmp -s '$T/lines.sorted' '$T/udp.sorted'"
check "udp pipe: -v counts 4 datagrams" grep_q "sent 4 datagrams, echoed 4, lost 0" "$T/udp.err"
run_ec um udp -m "ping me" 127.0.0.1 "$up" </dev/null
check "udp -m: prints the echo, exit 0" sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/um.out')\" = 'ping me' ]"

# Refused: nothing listens on a fresh port.
cp=$(free_port)
run_ec ref tcp 127.0.0.1 "$cp" </dev/null
check "tcp refused: exit 2" test "$rc" -eq 2
check "tcp refused: clear message" grep_q "connect to tcp 127.0.0.1:$cp: Connection refused" "$T/ref.err"
run_ec uref udp -m x 127.0.0.1 "$cp" </dev/null
check "udp refused (ICMP port unreachable): exit 2 and message" \
    sh -c "[ $rc -eq 2 ] && grep -q 'connection refused (ICMP port unreachable' '$T/uref.err'"

# Usage errors: 64, with the reason.
run_ec u1 tcp 127.0.0.1
check "usage: missing PORT exits 64" sh -c "[ $rc -eq 64 ] && grep -q 'expected HOST PORT' '$T/u1.err'"
run_ec u2 tcp --count 3 127.0.0.1 "$tp"
check "usage: probe option on tcp exits 64" sh -c "[ $rc -eq 64 ] && grep -q 'does not apply' '$T/u2.err'"
run_ec u3 frob
check "usage: unknown command exits 64" sh -c "[ $rc -eq 64 ] && grep -q \"unknown command 'frob'\" '$T/u3.err'"

run_ec ver --version
check "--version prints version and features" grep_q "^echoctl [0-9][0-9.]* .*libedit" "$T/ver.out"
finish
