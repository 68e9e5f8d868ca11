#!/bin/sh
# Buffers go back when their connections close: ten peers that never read
# fill a 4 MiB echo buffer each, then leave; echod's RSS must come back to
# what it was before them, not keep a pool of big buffers for later (the
# spare pool holds at most 1 MiB a worker).
. "$(dirname "$0")/lib.sh"
# Under ASan, free() parks memory in a 256 MiB quarantine instead of giving
# it back, which would measure ASan, not echod: with no quarantine its big
# chunks are unmapped at free, as glibc's are above M_MMAP_THRESHOLD.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
export ASAN_OPTIONS

N=10
P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
listeners = (
	{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = $P;
	  buffer_size = "4M"; stall_timeout = "30s"; }
);
CONF

plan 4
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"
"$ECHOPROBE" tcp-many 127.0.0.1 "$P" 8 4 --size 65536 >/dev/null ||
	bail "warm-up failed"
rss0=$(rss_kb "$ECHOD_PID")

for i in $(seq 1 "$N"); do
	bg "noread.$i" "$ECHOPROBE" tcp-noread 127.0.0.1 "$P" 100000000 \
		--hold 2 --timeout 20
done
all_stalled() {
	[ "$(cat "$T"/noread.*.out 2>/dev/null | grep -c stalled=1)" -ge "$N" ]
}
check "$N peers that never read fill echod's buffers" wait_until 20 all_stalled
rss1=$(rss_kb "$ECHOD_PID")
diag "RSS $rss0 kB idle, $rss1 kB with $N full 4 MiB buffers"
check "the buffers were in RSS (>= $N x 3 MiB more)" \
	[ "$rss1" -ge $((rss0 + N * 3072)) ]
closed() {
	[ "$(log_count 'event=conn_close.*listener=tcp-main')" -ge $((8 + N)) ]
}
wait_until 20 closed || diag "not all $N closes logged"
# The close is logged just before its buffer is freed: poll a moment.
rss_back() { [ "$(rss_kb "$ECHOD_PID")" -le $((rss0 + 4096)) ]; }
check "RSS back within 4 MiB of idle once they left" wait_until 5 rss_back
diag "RSS $(rss_kb "$ECHOD_PID") kB once they left"
stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
