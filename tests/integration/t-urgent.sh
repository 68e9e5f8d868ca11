#!/bin/sh
# TCP urgent data (MSG_OOB, as telnet's Synch and some scanners send it) is
# data the peer sent, and an echo sends back every byte: the urgent byte
# comes back in line, in its place, with splice = true and false.  Python
# clients send it after bulk (a splice stops at the urgent mark: before,
# the worker spun on EAGAIN at 100% of a core and echoed nothing after the
# mark), right before their FIN (a splice at the mark with the FIN in
# returns 0, which is not the end of the bytes), and amid small writes.
# The spin shows as echod's CPU time; another client is served meanwhile.
. "$(dirname "$0")/lib.sh"
need_cmd python3

P=$(free_port)
Q=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "$T/ctl.sock";
workers = 1;
listeners = (
	{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = $P; }
);
CONF
sed -e "s/port = $P;/port = $Q;/" "$T/echod.conf" >"$T/plain.conf"
printf 'splice = true;\n' >>"$T/echod.conf"
printf 'splice = false;\n' >>"$T/plain.conf"

# urgent PORT MODE: bulk sends 64 KiB, one urgent byte and 64 KiB more,
# 16 KiB at a time, then its FIN; fin sends 64 KiB, the urgent byte,
# 1000 bytes and its FIN at once; small sends "abc", urgent "X", "def" and
# its FIN.  Reads to EOF (5 s at most) and prints whether what came back
# is every byte sent, in order, and how long it took.
urgent() {
	python3 - "$@" <<'PY'
import os, socket, sys, threading, time
port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
got, eof = bytearray(), [0]
def reader():
    s.settimeout(5)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                eof[0] = 1
                break
            got.extend(b)
    except socket.timeout:
        pass
t0 = time.monotonic()
t = threading.Thread(target=reader)
t.start()
if mode == "small":
    parts = [(b"abc", 0), (b"X", socket.MSG_OOB), (b"def", 0)]
elif mode == "bulk":
    chunks = [(os.urandom(16384), 0) for _ in range(8)]
    parts = chunks[:4] + [(b"X", socket.MSG_OOB)] + chunks[4:]
else:
    parts = [(os.urandom(65536), 0), (b"X", socket.MSG_OOB),
             (os.urandom(1000), 0)]
sent = b""
for data, flags in parts:
    if flags:
        s.send(data, flags)
    else:
        s.sendall(data)
    sent += data
    # bulk: one 16 KiB segment at a time, each echoed before the next
    # (2 s at most), so every read before the mark is one of 16 KiB and
    # the one at the mark is echod's bulk path.
    deadline = time.monotonic() + 2
    while mode == "bulk" and not flags and len(got) < len(sent) and \
            time.monotonic() < deadline:
        time.sleep(0.005)
s.shutdown(socket.SHUT_WR)
t.join(10)
print("exact=%d eof=%d bytes=%d of %d in %.1fs" % (bytes(got) == sent,
      eof[0], len(got), len(sent), time.monotonic() - t0))
PY
}

plan 12
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"
log_wait 'bulk TCP echoes by splice' || diag "no 'by splice' line"

cpu0=$(cpu_ticks "$ECHOD_PID")
bg other "$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 100 --chunk 10 --delay 0.2 --timeout 10
other=$BG_PID
out=$(urgent "$P" bulk)
diag "splice, after bulk: $out"
check "splice = true, an urgent byte after 64 KiB of bulk: every byte back in place, then EOF" \
	sh -c "echo '$out' | grep -q '^exact=1 eof=1 bytes=131073 of 131073 '"
cpu1=$(cpu_ticks "$ECHOD_PID")
diag "echod's CPU for it: $((cpu1 - cpu0)) ticks of $(getconf CLK_TCK)/s"
# 128 KiB and a byte take a few ms; spinning until the client gives up
# (5 s) takes hundreds of ticks.
check "... with no busy loop at the urgent mark (under half a second of CPU)" \
	[ $((cpu1 - cpu0)) -lt $(($(getconf CLK_TCK) / 2)) ]
reap "$other" 20
is "another client meanwhile: served whole" "${REAPED_STATUS:-still running}" 0

out=$(urgent "$P" fin)
diag "splice, right before the FIN: $out"
check "an urgent byte right before the FIN: the 1000 bytes after it come back too" \
	sh -c "echo '$out' | grep -q '^exact=1 eof=1 bytes=66537 of 66537 '"
out=$(urgent "$P" small)
check "amid small writes: abc, urgent X, def come back as abcXdef" \
	sh -c "echo '$out' | grep -q '^exact=1 eof=1 bytes=7 of 7 '"
closed_done() {
	[ "$(log_count 'event=conn_close.*reason=done')" -ge 4 ]
}
check "each ended as done, none as an error" wait_until 10 closed_done
check "none was logged as a peer error" \
	sh -c "! grep -q 'reason=peer_error' '$ECHOD_LOG'"
stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0

start_echod "$T/plain.conf" "tcp:127.0.0.1:$Q" || bail "echod did not start"
for mode in bulk fin small; do
	case $mode in
	bulk) want=131073 ;;
	fin) want=66537 ;;
	small) want=7 ;;
	esac
	out=$(urgent "$Q" $mode)
	diag "recv and send, $mode: $out"
	check "splice = false, $mode: the urgent byte comes back in place" \
		sh -c "echo '$out' | grep -q '^exact=1 eof=1 bytes=$want of $want '"
done
stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
