#!/bin/sh
# Reloads under traffic: a TCP stream and a UDP stream (python clients
# that check every byte) run through 20 reloads that change settings on
# both listeners and add and remove a third; neither stream loses, reorders
# or corrupts anything, and no counter of echod's ever goes down from one
# reload to the next (totals, and each listener present in both).
. "$(dirname "$0")/lib.sh"
: "${ECHOCTL:=$top_builddir/src/echoctl}"
[ -x "$ECHOCTL" ] || bail "$ECHOCTL not built"
need_cmd python3

P=$(free_port)
X=$(free_port)
# write_conf ROUND: settings that change every round; "extra" in odd rounds.
write_conf() {
	{
		echo 'log_level = "info";'
		echo "control_socket = \"$T/ctl.sock\";"
		echo 'workers = 2;'
		echo 'listeners = ('
		echo "{ name = \"main-t\"; protocol = \"tcp\"; address = \"127.0.0.1\"; port = $P;"
		echo "  idle_timeout = \"$((60 + $1))s\"; buffer_size = \"$((64 + 16 * ($1 % 4)))k\"; },"
		echo "{ name = \"main-u\"; protocol = \"udp\"; address = \"127.0.0.1\"; port = $P;"
		echo "  max_datagram = $((2000 + $1)); }"
		[ $(($1 % 2)) -eq 1 ] &&
			echo ", { name = \"extra\"; protocol = \"tcp\"; address = \"127.0.0.1\"; port = $X; }"
		echo ');'
	} >"$T/echod.conf"
}
write_conf 0

plan 7
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" "udp:127.0.0.1:$P" ||
	bail "echod did not start"

cat >"$T/tcp.py" <<'PY'
import os, random, select, socket, sys, time
port, stop = int(sys.argv[1]), sys.argv[2]
rng = random.Random(3)
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.setblocking(False)
sent = bytearray()
got = 0
bad = False
end = time.monotonic() + 120
next_send = 0.0
shut = False
while time.monotonic() < end:
    if not shut and os.path.exists(stop):
        s.shutdown(socket.SHUT_WR)
        shut = True
    # Paced (16 KiB at most every 5 ms): a stream, not a benchmark.
    w = [s] if not shut and len(sent) - got < (256 << 10) else []
    r, w, _ = select.select([s], w, [], 0.005)
    if w and time.monotonic() >= next_send:
        chunk = rng.randbytes(16384)
        n = s.send(chunk)
        sent += chunk[:n]
        next_send = time.monotonic() + 0.005
    if r:
        b = s.recv(65536)
        if not b:
            break
        if b != sent[got:got + len(b)]:
            bad = True
            break
        got += len(b)
print("tcp sent=%d got=%d bad=%d eof=%d" % (len(sent), got, bad, not bad and got == len(sent)))
PY
cat >"$T/udp.py" <<'PY'
import os, socket, sys, time
port, stop = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", port))
s.setblocking(False)
sent = got = bad = 0
seen = set()
last_send = 0.0
def drain():
    global got, bad
    while True:
        try:
            b = s.recv(4096)
        except (BlockingIOError, ConnectionRefusedError):
            return
        i = int(b.split(b" ")[1]) if b.startswith(b"seq ") else -1
        if i < 0 or i in seen or b != (b"seq %d " % i) + b"u" * 500:
            bad += 1
        else:
            seen.add(i)
            got += 1
while not os.path.exists(stop):
    now = time.monotonic()
    if now - last_send >= 0.005:
        s.send((b"seq %d " % sent) + b"u" * 500)
        sent += 1
        last_send = now
    drain()
    time.sleep(0.001)
end = time.monotonic() + 3
while got + bad < sent and time.monotonic() < end:
    drain()
    time.sleep(0.01)
print("udp sent=%d got=%d bad=%d" % (sent, got, bad))
PY
bg tcp python3 "$T/tcp.py" "$P" "$T/stop"
tpid=$BG_PID
bg udp python3 "$T/udp.py" "$P" "$T/stop"
upid=$BG_PID

stats() { "$ECHOCTL" stats --socket "$T/ctl.sock" >"$T/stats.$1" 2>&1; }
stats 0 || bail "no stats"
fails=0
for r in $(seq 1 20); do
	write_conf "$r"
	"$ECHOCTL" reload --socket "$T/ctl.sock" >"$T/reload.$r" 2>&1 ||
		fails=$((fails + 1))
	stats "$r" || fails=$((fails + 1))
	sleep 0.1	# traffic between reloads (not a readiness wait)
done
touch "$T/stop"
reap "$tpid" 60
reap "$upid" 30
diag "$(cat "$T/tcp.out" "$T/udp.out")"
is "20 reloads and their stats, none failed" "$fails" 0
check "the TCP stream went on: byte-exact, all echoed, then EOF" \
	grep -Eq '^tcp sent=([1-9][0-9]{5,}) got=\1 bad=0 eof=1$' "$T/tcp.out"
check "the UDP stream went on: every datagram answered once, intact" \
	grep -Eq '^udp sent=([1-9][0-9]{2,}) got=\1 bad=0$' "$T/udp.out"
# No counter goes down between two snapshots (a listener's only while it
# is in both); the last snapshot agrees with what the clients did.
python3 - "$T" 20 >"$T/mono.out" 2>&1 <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
def load(i):
    return dict(l.rstrip("\n").split("=", 1) for l in open("%s/stats.%d" % (d, i)) if "=" in l)
down = []
for i in range(1, n + 1):
    a, b = load(i - 1), load(i)
    for k, v in b.items():
        if k in a and int(v) < int(a[k]):
            down.append("%s: %s -> %s after reload %d" % (k, a[k], v, i))
print("decreases=%d" % len(down))
for x in down[:10]:
    print(x)
PY
diag "$(cat "$T/mono.out")"
is "no counter went down across any of the 20 reloads" \
	"$(head -n 1 "$T/mono.out")" "decreases=0"
stats final
tsent=$(sed -n 's/^tcp sent=\([0-9]*\) .*/\1/p' "$T/tcp.out")
usent=$(sed -n 's/^udp sent=\([0-9]*\) .*/\1/p' "$T/udp.out")
is "main-t counted every byte the TCP client sent" \
	"$(sed -n 's/^listener\.main-t\.bytes_in=//p' "$T/stats.final")" "$tsent"
# The readiness probes of start_echod sent datagrams too.
check "main-u counted at least every datagram of the UDP client ($usent)" \
	test "$(sed -n 's/^listener\.main-u\.dgrams_out=//p' "$T/stats.final")" -ge "${usent:-1}"
stop_echod
is "echod exits 0" "$ECHOD_STATUS" 0
