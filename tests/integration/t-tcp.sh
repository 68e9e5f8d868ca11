#!/bin/sh
# TCP echo: random bytes come back byte-exact whatever the write sizes,
# half-close flushes then closes, many connections are served at once, and
# clients the project did not write (socat, nc) get their bytes back.
. "$(dirname "$0")/lib.sh"
need_cmd socat nc python3
BURST=${top_srcdir:-$(dirname "$0")/../..}/tests/tools/burst.py

P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
io_uring = $IO_URING;
splice = $SPLICE;
control_socket = "";
listeners = (
	{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = $P; }
);
CONF

plan 15
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"
io_path_check
check "listening event names the listener and address" \
	log_wait "event=listening.*listener=tcp-main.*127\.0\.0\.1:$P"

check "1 MiB of random bytes echoed byte-exact (64 KiB writes)" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 1048576 --chunk 65536 --seed 11
check "1 MiB echoed byte-exact in odd 999-byte writes" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 1048576 --chunk 999 --seed 12
check "4 KiB of 1-byte writes echoed in order" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 4096 --chunk 1 --seed 13
check "half-close: 512 KiB all echoed, then echod closes its side" \
	"$ECHOPROBE" tcp-halfclose 127.0.0.1 "$P" 524288 --seed 14
check "half-close with nothing sent: echod closes at once" \
	"$ECHOPROBE" tcp-halfclose 127.0.0.1 "$P" 0
check "200 concurrent connections x 20 messages, all echoed" \
	"$ECHOPROBE" tcp-many 127.0.0.1 "$P" 200 20 --size 700 --timeout 60
# The echoes really take the path the log names.  Batching pays only when
# many connections are readable in one loop iteration (tcp_batch.c): a lone
# connection reads and writes with plain system calls, and 64 connections
# made readable at once (echod stopped while they write; the workers share
# them, one gets at least 32) go through the ring.  Without batching echod
# has no ring at all.
batching() { grep -q 'batched through io_uring' "$ECHOD_LOG"; }
ring_ops() { uring_completions "$ECHOD_PID"; }
lone_is_plain() {
	n0=$(ring_ops)
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 1048576 --chunk 999 --seed 15 ||
		return 1
	n1=$(ring_ops)
	diag "ring completions: $n0 before, $n1 after"
	if batching; then [ "$n1" -eq "$n0" ]; else [ -z "$n1" ]; fi
}
check "a lone connection: 1 MiB echoed with plain calls, none through a ring" \
	lone_is_plain
many_batched() {
	n0=$(ring_ops)
	python3 "$BURST" tcp 127.0.0.1 "$P" --socks 64 --sizes 700 \
		--stop-pid "$ECHOD_PID" --timeout 20 || return 1
	n1=$(ring_ops)
	diag "ring completions: $n0 before, $n1 after"
	if batching; then [ "$n1" -ge $((n0 + 64)) ]; else [ -z "$n1" ]; fi
}
check "64 connections readable at once: their reads and echoes batched" \
	many_batched

head -c 300000 /dev/urandom >"$T/in.bin"
socat_roundtrip() {
	timeout 30 socat -t 10 - "TCP:127.0.0.1:$P" <"$T/in.bin" >"$T/socat.bin" &&
		cmp "$T/in.bin" "$T/socat.bin"
}
check "socat: 300 KB binary file comes back identical" socat_roundtrip
nc_roundtrip() {
	timeout 30 nc -N 127.0.0.1 "$P" <"$T/in.bin" >"$T/nc.bin" &&
		cmp "$T/in.bin" "$T/nc.bin"
}
check "nc: 300 KB binary file comes back identical" nc_roundtrip
check "conn_open is logged with the listener and the peer" \
	log_wait "event=conn_open.*listener=tcp-main.*peer_address=127\\.0\\.0\\.1 peer_port=[0-9]+"
check "conn_close is logged with the peer, bytes and duration" \
	log_wait "event=conn_close.*listener=tcp-main.*peer_address=127\\.0\\.0\\.1.*bytes_in=300000 bytes_out=300000 duration_usec=[0-9]+"

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
