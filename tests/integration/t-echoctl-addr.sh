#!/bin/sh
# echoctl addressing: --source (address and port), --tos and --ttl as the
# server sees them, -4/-6, IPv6, host names through getaddrinfo, and the
# errors for names and families that do not resolve.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/echoctl-lib.sh"

[ -x "$BADECHO" ] || skip_all "badecho not built"
command -v ss >/dev/null || skip_all "ss (iproute2) not installed"
plan 13

says() { sh -c "[ $rc -eq $1 ] && grep -q -- '$3' '$T/$2'"; }

start_badecho u4 -u; u4=$port
start_badecho t4; t4=$port

sp=$(free_port)
run_ec s1 udp --source "127.0.0.2:$sp" --tos 32 --ttl 9 -m hi 127.0.0.1 "$u4"
check "udp --source ADDR:PORT, --tos, --ttl reach the server" \
    says 0 u4.log "from 127.0.0.2:$sp tos=32 ttl=9"
run_ec s2 tcp --source 127.0.0.3 -m hi 127.0.0.1 "$t4"
check "tcp --source ADDR: the server sees that address" says 0 t4.log "accept 127.0.0.3:"
run_ec s3 probe udp -c 2 -i 0.02 --tos 16 --ttl 3 127.0.0.1 "$u4"
check "probe --tos/--ttl" says 0 u4.log "tos=16 ttl=3"
run_ec s4 tcp -m hi localhost "$t4"
check "host name through getaddrinfo" says 0 s4.out "^hi\$"
run_ec s5 tcp -6 -m hi 127.0.0.1 "$t4"
check "-6 with an IPv4 address: cannot resolve, exit 2" says 2 s5.err "cannot resolve 127.0.0.1 port $t4 (IPv6)"
run_ec s6 tcp --source bogus -m hi 127.0.0.1 "$t4"
check "--source that is not an address: usage error 64" says 64 s6.err "bogus. is not a numeric"
run_ec s7 tcp --source ::1 -m hi 127.0.0.1 "$t4"
check "--source of another family: exit 2, explained" says 2 s7.err "has no address of the --source family"
run_ec s8 tcp -m hi no-such-host.invalid 7
check "unknown host: exit 2, explained" says 2 s8.err "cannot resolve no-such-host.invalid"

# A name with several addresses: each is tried in turn; failures before the
# one that works are not errors (Debian's /etc/hosts gives localhost ::1 too).
# A machine whose /etc/hosts names only 127.0.0.1 gets one that names both,
# bind-mounted in a mount namespace of echoctl's own.
both_localhost() {
	getent ahosts localhost | grep -q '^::1 ' &&
	    getent ahosts localhost | grep -q '^127\.0\.0\.1 '
}
if both_localhost; then
	run_ec s9 tcp -m hi localhost "$t4"
	check "every address of a name is tried, quietly" sh -c "[ $rc -eq 0 ] && [ ! -s '$T/s9.err' ]"
elif printf '::1 localhost\n127.0.0.1 localhost\n' >"$T/hosts" &&
    unshare -m sh -c "mount --bind '$T/hosts' /etc/hosts && getent ahosts localhost" \
    >"$T/s9.hosts" 2>&1 && grep -q '^::1 ' "$T/s9.hosts"; then
	rc=0
	unshare -m sh -c "mount --bind '$T/hosts' /etc/hosts && exec \"\$0\" \"\$@\"" \
	    "$ECHOCTL" tcp -m hi localhost "$t4" >"$T/s9.out" 2>"$T/s9.err" || rc=$?
	check "every address of a name is tried, quietly (::1 first, from a private /etc/hosts)" \
	    sh -c "[ $rc -eq 0 ] && [ ! -s '$T/s9.err' ] && grep -q '^hi\$' '$T/s9.out'"
else
	ok "# SKIP localhost has a single address here, and no mount namespace to give it two"
fi

# IPv6 on loopback, when the machine has it.
if "$BADECHO" -6 -u -f "$T/probe6" 2>/dev/null & pid=$!; wait_until 5 test -s "$T/probe6"; then
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
	start_badecho u6 -6 -u; u6=$port
	start_badecho t6 -6; t6=$port
	run_ec v1 udp -6 --source "[::1]:$sp" --tos 40 --ttl 7 -m hi ::1 "$u6"
	check "IPv6 udp: --source [ADDR]:PORT, TCLASS and hop limit" \
	    says 0 u6.log "from \[::1\]:$sp tos=40 ttl=7"
	run_ec v2 verify tcp -n 200k ::1 "$t6"
	check "IPv6 tcp verify" says 0 v2.out "OK, all 204800 bytes"
	run_ec v3 probe udp -c 2 -i 0.02 ::1 "$u6"
	check "IPv6 udp probe" says 0 v3.out "from \[::1\]:$u6: seq=1"
	run_ec v4 tcp -4 -m hi ::1 "$t6"
	check "-4 with an IPv6 address: exit 2" says 2 v4.err "cannot resolve ::1"
else
	kill "$pid" 2>/dev/null || true
	for i in 1 2 3 4; do ok "# SKIP no IPv6 loopback"; done
fi
finish
