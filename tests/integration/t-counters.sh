#!/bin/sh
# Counters say what happened, as the clients can tell:
#   - 300 peers send 1000 bytes and reset at once (python's socket module,
#     SO_LINGER 0): the close log's bytes_out add up to the bytes_out
#     counter (a send that failed sent nothing), bytes_in likewise;
#   - datagrams larger than max_datagram count their real size in
#     dgram_bytes_in (what the client sent), not the truncated one;
#   - a ninth control client at once is closed, and the log says so;
#   - while echod drains, its UDP sockets are not read: the datagrams a
#     client sends then get no answer, and no counter claims to have seen
#     them (there is no drop reason "draining" that never moves).
. "$(dirname "$0")/lib.sh"
need_cmd python3
[ -x "${ECHOCTL:-}" ] || ECHOCTL=$top_builddir/src/echoctl

P=$(free_port)
U=$(free_port)
ctl=$T/ctl.sock
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "$ctl";
workers = 1;
drain_timeout = "20s";
listeners = (
	{ name = "tcp"; protocol = "tcp"; address = "127.0.0.1"; port = $P; },
	{ name = "udp"; protocol = "udp"; address = "127.0.0.1"; port = $U;
	  max_datagram = 1000; }
);
CONF
stat() { "$ECHOCTL" stats --socket "$ctl" | sed -n "s/^$1=//p"; }

plan 12
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" "udp:127.0.0.1:$U" ||
	bail "echod did not start"

python3 - "$P" <<'PY' || bail "the resetting peers failed"
import socket, struct, sys
for _ in range(300):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.sendall(b"x" * 1000)
    s.close()
PY
"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 100000 >/dev/null || bail "no echo"
closed() { [ "$(log_count 'event=conn_close.*listener=tcp ')" -ge 301 ]; }
wait_until 20 closed || diag "not every close was logged"
logged() {	# FIELD: the sum of FIELD over the close log
	sed -n "s/.*event=conn_close.* $1=\\([0-9]*\\) .*/\\1/p" "$ECHOD_LOG" |
		awk '{ n += $1 } END { print n + 0 }'
}
errs=$(log_count 'event=conn_close.*reason=peer_error')
diag "$errs of 300 resetting peers ended in a peer error;" \
	"close log: in $(logged bytes_in) out $(logged bytes_out);" \
	"counters: in $(stat listener.tcp.bytes_in) out $(stat listener.tcp.bytes_out)"
check "the peers did make sends fail (peer errors: $errs)" test "$errs" -gt 0
is "the close log's bytes_out add up to the bytes_out counter" \
	"$(logged bytes_out)" "$(stat listener.tcp.bytes_out)"
is "and its bytes_in to bytes_in" "$(logged bytes_in)" "$(stat listener.tcp.bytes_in)"

in0=$(stat listener.udp.dgrams_in)
b0=$(stat listener.udp.dgram_bytes_in)
o0=$(stat listener.udp.dgram_bytes_out)
python3 - "$U" <<'PY' || bail "cannot send datagrams"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in [1500] * 10 + [500] * 10:
    s.sendto(b"d" * n, ("127.0.0.1", int(sys.argv[1])))
PY
twenty() { [ "$(stat listener.udp.dgrams_in)" = $((in0 + 20)) ]; }
wait_until 10 twenty || diag "dgrams_in: $(stat listener.udp.dgrams_in)"
is "dgram_bytes_in counts the real size of the 10 oversized datagrams (10 x 1500 + 10 x 500)" \
	"$(($(stat listener.udp.dgram_bytes_in) - b0))" 20000
is "those 10 are dropped as too big, the others echoed" \
	"$(stat listener.udp.drop_too_big) $(($(stat listener.udp.dgram_bytes_out) - o0))" "10 5000"

# The control socket serves 8 clients at once: a ninth is closed, and
# that limit is said in the log, not kept silent.
python3 - "$ctl" <<'PY' || diag "the ninth control client was not closed"
import socket, sys
held = []
for _ in range(8):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    held.append(s)
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
sys.exit(0 if s.recv(100) == b"" else 1)
PY
check "a ninth control client at once is closed, and that is logged" \
	log_wait "control: closing a new client: too many clients"

# Eight clients that never send a request hold the slots 5 s, not the 30 s
# a reply may take (seen before: echoctl locked out for 30 s, renewable).
check "eight silent control clients are closed within 5-8 s" \
    python3 - "$ctl" <<'PY'
import socket, sys, time
t0 = time.monotonic()
held = []
for _ in range(8):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.settimeout(12)
    held.append(s)
for s in held:
    if s.recv(100) != b"":
        sys.exit(2)
took = time.monotonic() - t0
print("closed after %.1f s" % took)
sys.exit(0 if 4.5 <= took <= 8 else 1)
PY
check "and echoctl gets in right after" "$ECHOCTL" ping --socket "$ctl"

# A peer that never answers echod's FIN keeps the drain going meanwhile.
bg hold python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print("held", flush=True)
time.sleep(30)' "$P"
wait_until 10 file_has "$T/hold.out" '^held' || bail "hold failed"
in0=$(stat listener.udp.dgrams_in)
kill -TERM "$ECHOD_PID"
log_wait "event=draining" || bail "no drain"
check "while draining, a datagram gets no answer" \
	"$ECHOPROBE" udp 127.0.0.1 "$U" 100 --count 5 --timeout 0.5 --expect-none
is "and no counter says it was received" "$(stat listener.udp.dgrams_in)" "$in0"
check "nor is there a drop reason 'draining' that cannot count anything" \
	sh -c '! "$0" stats --socket "$1" | grep -q "drop_draining"' "$ECHOCTL" "$ctl"
stop "$BG_PID"
stop_echod 20
is "echod exits 0 after the drain" "$ECHOD_STATUS" 0
