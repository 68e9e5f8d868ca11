#!/bin/bash
# Runs as root inside a booted systemd container (systemd-lab boot-test):
# installs the DESTDIR tree from /sdlab/in/dest and walks through the
# issue's end-to-end list.  Prints TAP.
set -u
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
wait_for() {	# TENTHS CMD...
	local i=$1
	shift
	while [ "$i" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i - 1))
	done
	return 1
}
# PORT TEXT: TEXT comes back within 10 s (returns as soon as it does; no
# socat here: after stdin's EOF it waits only 0.5 s for the answer).
tcp_echo() {
	local line=""
	{ exec 5<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
	printf '%s\n' "$2" >&5
	read -r -t 10 line <&5
	exec 5>&-
	[ "$line" = "$2" ]
}
udp_echo() {	# one read of the whole datagram (bash's read takes 1 byte)
	local line=""
	{ exec 5<>"/dev/udp/127.0.0.1/$1"; } 2>/dev/null || return 1
	printf '%s\n' "$2" >&5
	line=$(timeout 10 dd bs=65536 count=1 status=none <&5)
	exec 5>&-
	[ "$line" = "$2" ]
}
prop() { systemctl show -P "$2" "$1"; }
conf() {	# LISTENER-LINES...
	{
		echo 'log_level = "debug";'
		echo 'status_interval = "2s";'
		echo 'drain_timeout = "5s";'
		echo 'listeners = ('
		local sep=""
		for l in "$@"; do printf '%s  %s' "$sep" "$l"; sep=$',\n'; done
		echo
		echo ');'
	} > /etc/echod.conf
}
L_TCP='{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = 8888; }'
L_UDP='{ name = "udp-main"; protocol = "udp"; address = "127.0.0.1"; port = 9999; }'
# Port 7 (< 1024): the dynamic user binds it with CAP_NET_BIND_SERVICE only.
L_EXTRA='{ name = "tcp-extra"; protocol = "tcp"; address = "127.0.0.1"; port = 7; }'

echo "1..28"
cp -a "$SDLAB_IN/dest/." / || { echo "Bail out! install failed"; exit 1; }
for u in echod echod-activated; do
	mkdir -p "/etc/systemd/system/$u.service.d"
	# A fast watchdog, and a restart delay long enough to connect while
	# no echod runs.
	printf '[Service]\nWatchdogSec=3s\nRestartSec=2s\n' > "/etc/systemd/system/$u.service.d/test.conf"
done
systemctl daemon-reload
journalctl --update-catalog
conf "$L_TCP" "$L_UDP"

# --- echod binding its own ports ---------------------------------------
check "systemctl start echod (Type=notify: returns after READY=1)" systemctl start echod
check "TCP echo" tcp_echo 8888 hello-tcp
check "UDP echo" udp_echo 9999 hello-udp
check "STATUS= shows in systemctl status" sh -c "systemctl status echod | grep -q 'Status: \"running: 2 listeners'"
check "runs as a dynamic user, not root" sh -c "[ \$(ps -o uid= -p \$(systemctl show -P MainPID echod)) -ne 0 ]"
check "its only capability is CAP_NET_BIND_SERVICE" \
    grep -qx 'CapEff:[[:space:]]*0000000000000400' "/proc/$(prop echod MainPID)/status"

exec 3<>/dev/tcp/127.0.0.1/8888
echo before >&3
read -r -t 5 line <&3
pid0=$(prop echod MainPID)
conf "$L_TCP" "$L_UDP" "$L_EXTRA"
check "systemctl reload echod (new listener) succeeds" systemctl reload echod
check "the new listener serves" tcp_echo 7 extra
echo after >&3
read -r -t 5 line2 <&3
check "a connection opened before the reload still echoes" [ "$line" = before ] && [ "${line2:-}" = after ]
exec 3>&-

echo 'listeners = ( { name = "bad"; protocol = "sctp"; } );' > /etc/echod.conf
systemctl reload echod > /tmp/reload.out 2>&1
rc=$?
check "broken edit: systemctl reload fails (rc=$rc)" [ "$rc" -ne 0 ]
check "broken edit: the reason is in systemctl status" \
    sh -c "systemctl status echod | grep -q 'reload failed: /etc/echod.conf:1'"
check "broken edit: echoctl's diagnostics are in the journal" \
    sh -c "journalctl -u echod -o cat | grep -q 'echoctl: reload: reload failed'"
check "broken edit: still serving the old config, same process" \
    bash -c "$(declare -f tcp_echo udp_echo); tcp_echo 8888 a && tcp_echo 7 b && udp_echo 9999 c && [ \$(systemctl show -P MainPID echod) = $pid0 ]"
conf "$L_TCP" "$L_UDP"
systemctl reload echod

journalctl --sync
journalctl -u echod -o json > /tmp/j.json
check "journalctl -u echod -o json has the structured fields" sh -c "
    jq -s -e 'map(select(.LISTENER == \"tcp-main\" and .PROTOCOL == \"tcp\" and .PEER_ADDRESS == \"127.0.0.1\" and (.PEER_PORT|tonumber) > 0 and ((.BYTES_IN // \"0\")|tonumber) > 0 and ((.BYTES_OUT // \"0\")|tonumber) > 0 and .DURATION_USEC != null and (.MESSAGE_ID|length) == 32 and .PRIORITY != null)) | length > 0' /tmp/j.json > /dev/null &&
    journalctl -u echod LISTENER=udp-main -o json | jq -s -e 'length > 0 and all(.PROTOCOL == \"udp\")' > /dev/null"
check "journalctl -x explains a reload failure from the catalog" \
    sh -c "journalctl -u echod -x MESSAGE_ID=21ba6d5840e842649b707a0d043cc22b | grep -q 'keeps running with the previous one'"

pid1=$(prop echod MainPID)
kill -STOP "$pid1"
check "WatchdogSec: a SIGSTOPped echod is restarted" wait_for 300 sh -c "
    [ \$(systemctl show -P MainPID echod) != $pid1 ] && [ \$(systemctl show -P MainPID echod) != 0 ] &&
    systemctl is-active -q echod"
check "the watchdog fired (journal)" sh -c "journalctl -u echod | grep -q 'Watchdog timeout'"
wait_for 100 tcp_echo 8888 after-watchdog

systemctl stop echod
check "systemctl stop echod drains and stops cleanly" sh -c "
    journalctl -u echod MESSAGE_ID=f0a4c91df7644a57bab808fcb1581117 -o cat | grep -q draining &&
    journalctl -u echod MESSAGE_ID=251b85cca2444d22b1864e594c9120fa -o cat | grep -q stopped &&
    [ \$(systemctl show -P Result echod) = success ]"

# --- socket activation -------------------------------------------------
systemctl start echod.socket echod-udp.socket
check "sockets listen, nothing runs yet" sh -c "! systemctl is-active -q echod-activated"
check "first TCP connection starts echod-activated and is echoed" tcp_echo 8888 first-tcp
check "socket-activated echod has no capability at all" \
    grep -qx 'CapEff:[[:space:]]*0000000000000000' "/proc/$(prop echod-activated MainPID)/status"
check "fds adopted by name" sh -c "echoctl status | grep -qx 'listener.tcp-main.inherited=yes' && echoctl status | grep -qx 'listener.udp-main.inherited=yes'"
systemctl stop echod-activated.service 2>/dev/null
wait_for 50 sh -c "! systemctl is-active -q echod-activated"
check "first UDP datagram starts it again and is echoed" udp_echo 9999 first-udp
check "reload under socket activation (DynamicUser, PrivateUsers)" systemctl reload echod-activated
# RestrictAddressFamilies=AF_UNIX is real: a listener no socket unit
# provides cannot be bound, and the reload says why.
conf "$L_TCP" "$L_UDP" "$L_EXTRA"
systemctl reload echod-activated > /dev/null 2>&1
rc=$?
check "socket-activated: reload adding an unprovided listener fails with the reason (rc=$rc)" \
    sh -c "[ $rc -ne 0 ] && systemctl status echod-activated | grep -q 'reload failed: .*tcp-extra.*not supported'"
conf "$L_TCP" "$L_UDP"
systemctl reload echod-activated

# kill -9: systemd keeps the sockets, Restart= brings echod back, and every
# connection attempt made while no echod runs waits in systemd's socket and
# is served.  (A connection echod had already accepted dies with it: that
# is not an attempt lost, so the attempts start only once it is dead.)
pid2=$(prop echod-activated MainPID)
nr=$(prop echod-activated NRestarts)
kill -9 "$pid2"
wait_for 50 sh -c "[ \$(systemctl show -P SubState echod-activated) = auto-restart ]"
during=$(prop echod-activated SubState)
: > /tmp/attempts
for i in $(seq 1 20); do
	( if tcp_echo 8888 "n$i"; then echo ok; else echo FAIL; fi ) >> /tmp/attempts &
done
wait
check "kill -9: 20 of 20 attempts made while echod was down ($during) echoed" \
    sh -c "[ '$during' = auto-restart ] && [ \$(grep -c '^ok' /tmp/attempts) -eq 20 ]"
echo "# attempts: $(grep -c '^ok' /tmp/attempts) ok, $(grep -c FAIL /tmp/attempts) failed"
check "kill -9: restarted by Restart=on-failure" sh -c "
    [ \$(systemctl show -P NRestarts echod-activated) -gt $nr ] && [ \$(systemctl show -P MainPID echod-activated) != $pid2 ]"

check "switching back: systemctl start echod stops the socket units and serves" bash -c "
    $(declare -f tcp_echo); systemctl start echod && ! systemctl is-active -q echod.socket &&
    ! systemctl is-active -q echod-activated && tcp_echo 8888 switched"
systemctl stop echod echod-activated.service echod.socket echod-udp.socket
echo "# $fail failed"
exit $((fail > 0))
