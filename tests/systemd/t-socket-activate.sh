#!/bin/sh
# Socket activation with systemd-socket-activate and the real echod: TCP and
# UDP fds adopted, matched by FileDescriptorName and by address; the first
# connection and the first datagram are served; an fd matching no listener
# is logged by name; a reload never closes an inherited fd.
. "$(dirname "$0")/lib.sh"
need_echod
need_cmd systemd-socket-activate socat ss python3
plan 12

PT=$(free_port)		# tcp-main's socket from systemd (matched by name)
PQ=$(free_port)		# tcp-main's configured port: unused when adopted
PU=$(free_port)		# UDP socket from systemd (unnamed: by address)
PS=$(free_port)		# a stray TCP socket no listener wants
conf=$T_DIR/echod.conf
write_conf "$conf" tcp-main tcp "$PQ" udp-x udp "$PU"

# Chain: the outer one passes a datagram socket (named "unknown" = unnamed),
# the inner one adds two stream sockets; names list all fds in order.
systemd-socket-activate --datagram -l "127.0.0.1:$PU" \
    systemd-socket-activate -l "127.0.0.1:$PT" -l "127.0.0.1:$PS" \
    --fdname=unknown:tcp-main:stray \
    "$ECHOD" -c "$conf" > "$T_DIR/echod.log" 2>&1 &
pid=$!
T_PIDS=$pid
wait_for 50 sh -c "ss -Hlnu | grep -q ':$PU '" || bail "socket-activate did not listen"

# Nothing runs yet: the first datagram starts the inner activator, whose
# TCP sockets then wait for the first connection to start echod; the
# datagram waits in its socket meanwhile.  Both get their echo.
( ECHO_WAIT=30 udp_echo "$PU" first-dgram && echo first-dgram > "$T_DIR/udp1.out" ) &
upid=$!
wait_for 50 sh -c "ss -Hlnt | grep -q ':$PS '" || bail "inner socket-activate did not listen"
ECHO_WAIT=30 check "first TCP connection starts echod and is echoed" tcp_echo "$PT" first-conn
wait "$upid"
check "first datagram is echoed" grep -qx first-dgram "$T_DIR/udp1.out"
wait_for 50 ctl ping || bail "echod did not answer ping"
ctl ping > "$T_DIR/ping.out"
check "echod is the activated process (exec'd, same pid)" grep -qx "pid=$pid" "$T_DIR/ping.out"

ctl status > "$T_DIR/status.out"
check "tcp-main matched by name (fd on $PT, not its configured $PQ)" sh -c "
    grep -qx 'listener.tcp-main.inherited=yes' '$T_DIR/status.out' &&
    grep -qx 'listener.tcp-main.address=127.0.0.1:$PT' '$T_DIR/status.out'"
check "configured port $PQ was not bound" sh -c "! ss -Hlnt | grep -q ':$PQ '"
check "udp-x matched by address" grep -qx 'listener.udp-x.inherited=yes' "$T_DIR/status.out"
check "unmatched fd logged with its name and address" \
    grep -q "stray.*127.0.0.1:$PS" "$T_DIR/echod.log"
check "UDP echo on the adopted socket" udp_echo "$PU" again

# Reload without tcp-main: the inherited fd stays open (not served)...
ino() { readlink "/proc/$pid/fd/$1" 2>/dev/null; }
fd4=$(ino 4)
fd5=$(ino 5)
write_conf "$conf" udp-x udp "$PU"
ctl reload > "$T_DIR/reload1.out" 2>&1 || bail "reload 1 failed: $(cat "$T_DIR/reload1.out")"
check "reload removing tcp-main keeps inherited fd 4 open ($fd4)" \
    test -n "$fd4" -a "$(ino 4)" = "$fd4"
# ...so a reload adding it back adopts the very same socket.
write_conf "$conf" tcp-main tcp "$PQ" udp-x udp "$PU"
ctl reload > "$T_DIR/reload2.out" 2>&1 || bail "reload 2 failed: $(cat "$T_DIR/reload2.out")"
check "reload adding tcp-main back serves the inherited socket" tcp_echo "$PT" back
ctl status > "$T_DIR/status2.out"
check "re-added tcp-main is inherited again" \
    grep -qx 'listener.tcp-main.inherited=yes' "$T_DIR/status2.out"
# A reload must not close the stray fd either.
check "stray inherited fd 5 still open after two reloads ($fd5)" \
    test -n "$fd5" -a "$(ino 5)" = "$fd5"
finish
