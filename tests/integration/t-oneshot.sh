#!/bin/sh
# oneshot listeners echo the first read (at most oneshot_size bytes) and then
# close the connection by themselves, like the seed's Streams server.
. "$(dirname "$0")/lib.sh"
need_cmd nc

P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
io_uring = $IO_URING;
splice = $SPLICE;
control_socket = "";
listeners = (
	{ name = "tcp-one"; protocol = "tcp"; address = "127.0.0.1"; port = $P;
	  oneshot = true; oneshot_size = 64; }
);
CONF

plan 6
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"
io_path_check

check "10 bytes are echoed, then echod closes (the client never closes)" \
	sh -c '"$0" tcp-send 127.0.0.1 "$1" 10 --timeout 10 | grep -x "sent=10 received=10 eof"' \
	"$ECHOPROBE" "$P"
check "a 100-byte write: only the first 64 bytes come back, then the close" \
	sh -c '"$0" tcp-send 127.0.0.1 "$1" 100 --timeout 10 | grep -Ex "sent=100 received=64 (eof|reset)"' \
	"$ECHOPROBE" "$P"
# nc without -N never shuts its side down: it ends only because echod closes.
nc_oneshot() {
	out=$(printf 'hello oneshot' | timeout 10 nc 127.0.0.1 "$P")
	[ "$out" = "hello oneshot" ]
}
check "nc: the message comes back and echod ends the connection" nc_oneshot
check "the closes are logged as done" \
	log_wait "event=conn_close.*listener=tcp-one.*reason=done"

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
