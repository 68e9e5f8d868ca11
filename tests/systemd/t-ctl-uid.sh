#!/bin/sh
# The control socket of an echod that does not run as root (setpriv, uid
# 65534): its own uid and root are served; another uid (65533) is refused
# by SO_PEERCRED even through a world-writable socket (ERR 403, EX_NOPERM,
# logged), and by the socket's mode 0600 otherwise; a refused reload
# changes nothing.
. "$(dirname "$0")/lib.sh"
need_echod
need_root
need_cmd setpriv
plan 10

U=65534		# echod's uid
O=65533		# another one
as() { _u=$1; shift; setpriv --reuid="$_u" --regid="$_u" --clear-groups "$@"; }
P=$(free_port)
chmod 0755 "$T_DIR"
mkdir "$T_DIR/run" && chown "$U:$U" "$T_DIR/run" || bail "cannot make the run dir"
conf=$T_DIR/echod.conf
cat > "$conf" <<CONF
log_level = "info";
control_socket = "$T_DIR/run/ctl.sock";
listeners = (
	{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = $P; }
);
CONF
chmod 0644 "$conf"
# setpriv itself (not a shell function) so that $! is echod: it execs.
setpriv --reuid="$U" --regid="$U" --clear-groups "$ECHOD" -c "$conf" \
    2> "$T_DIR/echod.log" &
pid=$!
T_PIDS=$pid
sock=$T_DIR/run/ctl.sock
uctl() { _u=$1; shift; as "$_u" "$ECHOCTL" "$@" --socket "$sock"; }
wait_for 100 uctl "$U" ping || bail "echod did not answer its own uid's ping"

check "echod runs as uid $U" sh -c "grep -Eq '^Uid:[[:space:]]+$U[[:space:]]+$U' /proc/$pid/status"
check "its socket is uid $U's, mode 0600" \
    test "$(stat -c '%u %a' "$sock")" = "$U 600"
uctl "$U" status > "$T_DIR/own.out" 2>&1
check "echod's own uid $U is served (status, exit 0)" \
    sh -c "[ $? -eq 0 ] && grep -qx 'phase=running' '$T_DIR/own.out'"
"$ECHOCTL" ping --socket "$sock" > "$T_DIR/root.out" 2>&1
check "root is served" sh -c "[ $? -eq 0 ] && grep -qx 'pid=$pid' '$T_DIR/root.out'"

uctl "$O" status > "$T_DIR/mode.out" 2>&1
rc=$?
check "uid $O through mode 0600: refused by the file mode, exit 77 (got $rc)" \
    sh -c "[ $rc -eq 77 ] && grep -qi 'permission denied' '$T_DIR/mode.out'"
chmod 0666 "$sock"
uctl "$O" status > "$T_DIR/cred.out" 2>&1
rc=$?
check "uid $O through a world-writable socket: ERR 403 by SO_PEERCRED, exit 77 (got $rc)" \
    sh -c "[ $rc -eq 77 ] && grep -q 'status: permission denied' '$T_DIR/cred.out'"
uctl "$O" reload > "$T_DIR/reload.out" 2>&1
rc=$?
check "uid $O's reload is refused too (exit 77, got $rc)" test "$rc" -eq 77
uctl "$U" status > "$T_DIR/after.out" 2>&1
check "and nothing was reloaded (reloads=0)" grep -qx 'reloads=0' "$T_DIR/after.out"
check "echod logged the refusals with the uid" \
    wait_for 50 grep -q "refused uid $O" "$T_DIR/echod.log"
uctl "$U" ping > /dev/null 2>&1
check "its own uid is still served afterwards" test $? -eq 0
finish
