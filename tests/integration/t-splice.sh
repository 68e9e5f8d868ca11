#!/bin/sh
# Bulk TCP echoes by splice(2): a stream from python's socket module comes
# back byte-exact through the worker's pipe (strace shows the splices and
# the bytes they moved), a peer that stops reading gets every byte once it
# reads again (the leftovers leave the pipe for the connection's buffer),
# the counters and the close log agree with what the client saw, a peer
# that resets in mid-stream ends only itself, and splice = false takes
# recv and send again, as it does by itself where a seccomp filter refuses
# splice.
. "$(dirname "$0")/lib.sh"
ASAN0=${ASAN_OPTIONS-}
DENY=${top_srcdir:-$(dirname "$0")/../..}/tests/tools/seccomp_deny.py
need_cmd strace
need_cmd python3
[ -x "${ECHOCTL:-}" ] || ECHOCTL=$top_builddir/src/echoctl

P=$(free_port)
conf() {	# SPLICE
	cat >"$T/echod.conf" <<CONF
log_level = "info";
splice = $1;
control_socket = "$T/ctl.sock";
listeners = (
	{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = $P; }
);
CONF
}

# stream MODE BYTES: python sends BYTES random bytes in 64 KiB writes and
# checks the echo.  MODE both: reads while it writes; stall: writes until
# the kernel takes no more for 1 s, then reads everything; reset: writes
# 1 MiB, then closes with SO_LINGER 0 without reading.
stream() {
	python3 - "$P" "$1" "$2" <<'PY'
import os, select, socket, struct, sys, threading, time
port, mode, total = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
data = os.urandom(total)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
if mode == "stall":	# small buffers, so echod is held back soon
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
s.settimeout(30)
s.connect(("127.0.0.1", port))
if mode == "reset":
    s.sendall(data[:1 << 20])
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("reset")
    sys.exit(0)
got = bytearray()
def reader():
    while len(got) < total:
        b = s.recv(1 << 16)
        if not b:
            break
        got.extend(b)
if mode == "both":
    t = threading.Thread(target=reader)
    t.start()
    for i in range(0, total, 1 << 16):
        s.sendall(data[i:i + (1 << 16)])
    t.join(60)
else:
    s.setblocking(False)
    sent, idle_since = 0, time.monotonic()
    while sent < total and time.monotonic() - idle_since < 1.0:
        select.select([], [s], [], 0.1)
        try:
            n = s.send(data[sent:sent + (1 << 16)])
            sent, idle_since = sent + n, time.monotonic()
        except BlockingIOError:
            pass
    print("stalled_at=%d" % sent)
    s.setblocking(True)
    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data[sent:])
    t.join(60)
s.shutdown(socket.SHUT_WR)
tail = s.recv(1)
print("exact=%d eof=%d bytes=%d" % (bytes(got) == data, tail == b"", len(got)))
PY
}

# spliced FILE: bytes moved by successful splice calls in an strace log.
spliced() {
	sed -n 's/.*splice(.*= \([0-9][0-9]*\)$/\1/p' "$1" |
		awk '{ n += $1 } END { print n + 0 }'
}

# start_traced FILE: echod under strace (ECHOD_PID is strace's; ECHOD_REAL
# echod's own, which SIGTERM must reach: strace would only detach).
start_traced() {
	# LeakSanitizer cannot run under ptrace (it stops the process to scan
	# it and exits 1); the untraced run at the end keeps the leak check.
	ASAN_OPTIONS=${ASAN0:+$ASAN0:}detect_leaks=0
	export ASAN_OPTIONS
	ECHOD_WRAPPER="strace -f -qq -e trace=splice -e signal=none -o $1" \
		start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" ||
		bail "echod did not start"
	ECHOD_REAL=$(cat "/proc/$ECHOD_PID/task/$ECHOD_PID/children")
	track "$ECHOD_REAL"
}
stop_traced() {
	kill -TERM "$ECHOD_REAL"
	reap "$ECHOD_PID" 20
	ECHOD_STATUS=$REAPED_STATUS
	ECHOD_PID=
}

plan 14
conf true
start_traced "$T/strace"
check "echod says bulk echoes go by splice" log_wait 'bulk TCP echoes by splice'

out=$(stream both 8388608)
is "8 MiB streamed both ways come back byte-exact, then EOF" "$out" \
	"exact=1 eof=1 bytes=8388608"
n=$(spliced "$T/strace")
diag "strace: $(grep -c 'splice(' "$T/strace") splice calls moved $n bytes"
# In and out: each echoed byte is spliced twice (a few first reads of a
# connection go by recv before it counts as bulk).
check "the stream went through splice (>= 2 x 7 MiB spliced)" \
	[ "$n" -ge $((2 * 7340032)) ]

out=$(stream stall 8388608)
diag "$out"
check "a peer that stopped reading had echod stop too (< 8 MiB taken)" \
	sh -c "echo '$out' | grep -q 'stalled_at=[0-9]' && \
	    [ \$(echo '$out' | sed -n 's/.*stalled_at=\([0-9]*\).*/\1/p') -lt 8388608 ]"
check "once it reads again, all 8 MiB come back byte-exact, then EOF" \
	sh -c "echo '$out' | grep -q 'exact=1 eof=1 bytes=8388608'"
closes8m() {
	[ "$(log_count 'event=conn_close.*bytes_in=8388608 bytes_out=8388608')" -ge 2 ]
}
check "the close log counts 8 MiB in and out for both streams" \
	wait_until 10 closes8m

out=$(stream reset 0)
out=$(stream both 1048576)
is "after a peer reset in mid-stream, the next stream is exact" "$out" \
	"exact=1 eof=1 bytes=1048576"
reset_logged() {
	log_wait 'event=conn_close.*reason=peer_error' 1 ||
	    [ "$(log_count 'event=conn_close')" -ge 4 ]
}
check "the reset connection was closed and logged" wait_until 10 reset_logged
stat() { "$ECHOCTL" stats --socket "$T/ctl.sock" | sed -n "s/^listener.tcp-main.$1=//p"; }
bin=$(stat bytes_in)
bout=$(stat bytes_out)
diag "stats: bytes_in=$bin bytes_out=$bout"
check "bytes_out counts what left: all but what the reset peer never took" \
	[ -n "$bin" ] && [ -n "$bout" ] && [ "$bout" -le "$bin" ] &&
	[ "$bout" -ge $((bin - 1048576)) ] && [ "$bout" -ge $((17 * 1048576)) ]
stop_traced
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0

conf false
start_traced "$T/strace2"
log_wait 'bulk TCP echoes by recv and send: splice = false' ||
	diag "no 'by recv and send' line"
out=$(stream both 4194304)
check "splice = false: 4 MiB exact, and no splice call at all" \
	sh -c "[ '$out' = 'exact=1 eof=1 bytes=4194304' ] && \
	    ! grep -q 'splice(' '$T/strace2'"
stop_traced

# A unit whose SystemCallFilter leaves splice out (EPERM): a real seccomp
# filter; echod says so once a worker and goes on by recv and send.
conf true
python3 "$DENY" splice true
deny=$?
if [ "$deny" -eq 0 ]; then
	ASAN_OPTIONS=$ASAN0
	export ASAN_OPTIONS
	ECHOD_WRAPPER="python3 $DENY splice" \
		start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" ||
		bail "echod did not start"
	out=$(stream both 4194304)
	is "splice refused by seccomp: 4 MiB still come back exact" "$out" \
		"exact=1 eof=1 bytes=4194304"
	check "and echod said it went back to recv and send" \
		log_wait 'splice from a socket failed \(Operation not permitted\); bulk TCP echoes go through recv and send'
	out=$(stream both 4194304)
	is "the next stream too" "$out" "exact=1 eof=1 bytes=4194304"
	stop_echod
else
	for i in 1 2 3; do
		skip_test "splice refused by seccomp" "no seccomp filter here"
	done
fi
