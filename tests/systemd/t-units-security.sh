#!/bin/sh
# The units: systemd-analyze verify finds nothing but the (not installed)
# binaries, and the exposure scores stay at or below the issue's limits:
# 1.0 for the socket-activated service, 2.0 for the self-binding one.
. "$(dirname "$0")/lib.sh"
need_cmd systemd-analyze
units=$top_builddir/systemd
[ -f "$units/echod.service" ] || bail "units not generated in $units"

plan 8

exposure() {	# UNIT-FILE: the overall exposure, e.g. 0.9
	systemd-analyze security --offline=yes --no-pager "$1" 2>&1 |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
at_most() {	# VALUE LIMIT
	[ -n "$1" ] && awk -v v="$1" -v l="$2" 'BEGIN { exit !(v <= l) }'
}

cp "$units/echod.service" "$units/echod-activated.service" \
    "$top_srcdir/systemd/echod.socket" "$top_srcdir/systemd/echod-udp.socket" "$T_DIR/"
systemd-analyze verify --man=no "$T_DIR/echod.service" "$T_DIR/echod-activated.service" \
    "$T_DIR/echod.socket" "$T_DIR/echod-udp.socket" > "$T_DIR/verify.log" 2>&1
grep -v 'is not executable: No such file or directory' "$T_DIR/verify.log" > "$T_DIR/verify-rest.log"
check "systemd-analyze verify: no problem but missing binaries" test ! -s "$T_DIR/verify-rest.log"

a=$(exposure "$T_DIR/echod-activated.service")
echo "# echod-activated.service exposure: $a"
check "socket-activated service exposure $a <= 1.0" at_most "$a" 1.0
b=$(exposure "$T_DIR/echod.service")
echo "# echod.service exposure: $b"
check "self-binding service exposure $b <= 2.0" at_most "$b" 2.0

check "self-binding unit has CAP_NET_BIND_SERVICE and no other capability" \
    grep -qx 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' "$T_DIR/echod.service"
check "socket-activated unit has no capability and no Internet sockets" \
    sh -c "grep -qx 'CapabilityBoundingSet=' '$T_DIR/echod-activated.service' &&
        grep -qx 'RestrictAddressFamilies=AF_UNIX' '$T_DIR/echod-activated.service'"
check "units are Type=notify with a synchronous ExecReload" \
    sh -c "for u in echod echod-activated; do
        grep -qx 'Type=notify' '$T_DIR/'\$u.service &&
        grep -qx 'ExecReload=.*/echoctl reload' '$T_DIR/'\$u.service || exit 1; done"
check "paths substituted" sh -c "! grep -q '@[a-z]*@' '$T_DIR/echod.service' '$T_DIR/echod-activated.service'"
check "each socket unit names its listener" \
    sh -c "grep -qx 'FileDescriptorName=tcp-main' '$T_DIR/echod.socket' &&
        grep -qx 'FileDescriptorName=udp-main' '$T_DIR/echod-udp.socket'"
finish
