#!/bin/sh
# Graceful drain also echoes the bytes a client sent before SIGTERM that
# echod had not read yet (they sit, acknowledged, in echod's socket buffer):
# dropping them would hand the client a short echo and a clean EOF.
. "$(dirname "$0")/lib.sh"

P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
io_uring = $IO_URING;
splice = $SPLICE;
control_socket = "";
drain_timeout = "20s";
listeners = (
	{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = $P;
	  buffer_size = "1M"; }
);
CONF

plan 4
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"
io_path_check
# 8 MiB without reading, through a 4 KiB receive window: more than echod's
# ring and socket buffers hold, all of it acknowledged before the SIGTERM.
bg pending "$ECHOPROBE" tcp-pending 127.0.0.1 "$P" 8388608 --rcvbuf 4096 \
	--go-file "$T/go" --timeout 60
client=$BG_PID
wait_until 30 file_has "$T/pending.out" '^sent=' || bail "the client did not send"
kill -TERM "$ECHOD_PID"
log_wait "event=draining" || diag "no draining event"
touch "$T/go"
reap "$client" 60
diag "client: $(tr '\n' ' ' <"$T/pending.out")"
is "every byte sent before SIGTERM is echoed, then EOF" \
	"${REAPED_STATUS:-still running}" 0
check "the client saw the whole echo" \
	grep -Eq '^received=([0-9]+) of \1 eof$' "$T/pending.out"
stop_echod 30
is "echod exits 0" "$ECHOD_STATUS" 0
