#!/bin/sh
# Bulk TCP echoes by splice(2): a stream from python's socket module comes
# back byte-exact through the worker's pipe (strace's record of every call
# on the connection replays against the rule of when echod splices, recvs
# or buffers), a peer that stops reading gets every byte once it
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
# the kernel takes no more for 1 s (or all is taken), says how many bytes
# echod's end then leaves unread in its socket while this end reads
# nothing, then reads everything; reset: writes
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
    # echod's end of this connection in /proc/net/tcp (local port = the
    # listener's, remote = ours): its receive queue once it is still.
    def held():
        me = s.getsockname()[1]
        for row in open("/proc/net/tcp").read().splitlines()[1:]:
            f = row.split()
            if (int(f[1].split(":")[1], 16) == port and f[3] == "01" and
                    int(f[2].split(":")[1], 16) == me):
                return int(f[4].split(":")[1], 16)
        return -1
    q, deadline = held(), time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.2)
        q, q0 = held(), q
        if q == q0 and q > 0:
            break
    print("stalled_at=%d held=%d" % (sent, q))
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

# paths LOG: replays the calls of each connection in LOG.* against the rule
# echod must follow, whatever the scheduling: a read goes by splice when the
# connection's last direct read was 4 KiB or more and nothing waits in its
# buffer, by recv when it was less, and into the buffer (read/readv, then
# write/writev out of it) while bytes wait there; they wait after a send or
# an outgoing splice that the peer's window cut short.  A splice that
# moved nothing (EAGAIN, or 0: the urgent mark, or the end) hands that
# read to recv, never to another splice.  Prints, for the
# connection that moved the most: "in out spliced recv buffered violations"
# and the first violation.  A connection's first read is by recv (bulk
# unknown); a close() of its fd ends it.
paths() {
	for f in "$1".*; do awk '
	function num(s) { return s ~ /^-/ ? -1 : s + 0 }
	function fd(s) { sub(/^[a-z]+\(/, "", s); sub(/,.*/, "", s); return s + 0 }
	function bad(c, why) {
		viol[c]++
		if (first[c] == "") first[c] = why " at line " NR
	}
	{ if ($0 ~ /= -1 [A-Z]/) r = -1; else r = num($NF) }
	/^close\(/ { c = fd($0); if (c in open) { save(c); delete open[c] }
		next }
	/^recvfrom\(/ { c = fd($0); if (!(c in open)) start(c)
		if (pend[c] > 0) bad(c, "recv while bytes waited")
		else if (bulk[c] && !none[c])
			bad(c, "recv after a read of 4 KiB or more")
		none[c] = 0
		if (r > 0) { in_[c] += r; rcv[c] += r; bulk[c] = r >= 4096 }
		next }
	/^sendto\(/ { c = fd($0); if (!(c in open)) next
		len = $0; sub(/^[^"]*""(\.\.\.)?, /, "", len); len += 0
		m = r > 0 ? r : 0; out[c] += m; pend[c] += len - m; next }
	/^splice\(/ {
		split($0, a, /[(, ]+/); src = a[2] + 0; dst = a[4] + 0; len = a[6] + 0
		if (src in open) { c = src
			if (pend[c] > 0) bad(c, "splice while bytes waited")
			else if (!bulk[c]) bad(c, "splice after a read under 4 KiB")
			else if (none[c])
				bad(c, "splice again after one that moved nothing")
			none[c] = r <= 0
			if (r > 0) { in_[c] += r; spl[c] += r; bulk[c] = r >= 4096 }
		} else if (dst in open) { c = dst
			m = r > 0 ? r : 0; out[c] += m; pend[c] += len - m
		}
		next }
	/^(read|readv)\(/ { c = fd($0); if (!(c in open)) next
		if (pend[c] <= 0) bad(c, "buffered read with nothing waiting")
		if (r > 0) { in_[c] += r; buf[c] += r; pend[c] += r }
		next }
	/^(write|writev)\(/ { c = fd($0); if (!(c in open)) next
		if (pend[c] <= 0) bad(c, "buffered write with nothing waiting")
		if (r > 0) { out[c] += r; pend[c] -= r }
		next }
	function start(c) { open[c] = 1; bulk[c] = 0; none[c] = 0; pend[c] = 0
		in_[c] = 0
		out[c] = 0; spl[c] = 0; rcv[c] = 0; buf[c] = 0; viol[c] = 0
		first[c] = "" }
	function save(c) { if (in_[c] + out[c] > best) { best = in_[c] + out[c]
		line = in_[c] " " out[c] " " spl[c] " " rcv[c] " " buf[c] " " \
		    viol[c] " " first[c] } }
	END { for (c in open) save(c); if (line != "") print line }
	' "$f"; done | sort -n -k1,1 | tail -n 1
}

# start_traced FILE: echod under strace (ECHOD_PID is strace's; ECHOD_REAL
# echod's own, which SIGTERM must reach: strace would only detach).
start_traced() {
	# LeakSanitizer cannot run under ptrace (it stops the process to scan
	# it and exits 1); the untraced run at the end keeps the leak check.
	ASAN_OPTIONS=${ASAN0:+$ASAN0:}detect_leaks=0
	export ASAN_OPTIONS
	ECHOD_WRAPPER="strace -f -ff -qq -s 0 -e trace=splice,recvfrom,sendto,read,readv,write,writev,close -e signal=none -o $1" \
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
line=$(paths "$T/strace")
set -- $line
diag "the stream: ${1-?} bytes in, ${2-?} out; in by splice ${3-?}, by recv ${4-?}, into the buffer ${5-?}; ${6-?} calls off the rule${7:+: $(echo "$line" | cut -d' ' -f7-)}"
# How much goes by recv or the buffer depends on the scheduling (a wakeup
# that finds under 4 KiB, a client that reads late); the rule does not.
on_rule() {
	[ "${1:-0}" -eq 8388608 ] && [ "${2:-0}" -eq 8388608 ] &&
		[ "${3:-0}" -ge 1048576 ] && [ "${6:-1}" -eq 0 ]
}
check "every call of the stream took echod's path: splice for bulk reads, recv after small ones, the buffer while bytes waited (8 MiB in and out seen)" \
	on_rule "$@"

out=$(stream stall 8388608)
diag "$out"
# How much the kernel takes before the writer blocks is its autotuning's
# business (up to tcp_rmem's and tcp_wmem's maximum); that echod stopped
# reading shows in its own socket: bytes it leaves there, unread.  (8 MiB
# is more than its send buffer and both 64 KiB ones can hold, unless
# tcp_wmem allows a send buffer of 8 MiB.)
held=$(echo "$out" | sed -n 's/.*held=\([0-9-]*\).*/\1/p')
wmem=$(awk '{ print $3 }' /proc/sys/net/ipv4/tcp_wmem)
if [ "$wmem" -lt $((8388608 - 3 * 65536)) ]; then
	check "a peer that stopped reading had echod stop too (bytes left unread in its socket)" \
		[ "${held:-0}" -gt 0 ]
else
	skip_test "a peer that stopped reading had echod stop too" \
	    "tcp_wmem lets a send buffer hold all 8 MiB ($wmem)"
fi
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
	    ! cat '$T/strace2'.* | grep -q '^splice('"
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
