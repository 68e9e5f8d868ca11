#!/bin/sh
# An idle connection holds no echo buffer: 500 idle connections on a
# listener with a 1 MiB buffer_size cost echod a few hundred bytes each,
# not a buffer each.  The measured cost per connection is printed.
. "$(dirname "$0")/lib.sh"

N=500
P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
listeners = (
	{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = $P;
	  buffer_size = "1M"; max_connections = 0; }
);
CONF

vm_kb() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

nofile=$(ulimit -n)
[ "$nofile" = unlimited ] || [ "$nofile" -gt $((N + 50)) ] ||
	skip_all "echod may open only $nofile files"

plan 4
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"

# Warm up: one echoed connection makes the workers allocate what they keep.
"$ECHOPROBE" tcp-many 127.0.0.1 "$P" 8 4 --size 65536 >/dev/null ||
	bail "warm-up failed"
base=$(log_count 'event=conn_open')
rss0=$(vm_kb "$ECHOD_PID" VmRSS)
data0=$(vm_kb "$ECHOD_PID" VmData)

bg hold "$ECHOPROBE" hold 127.0.0.1 "$P" "$N" --hold 120 --timeout 30
opened() {
	[ "$(log_count 'event=conn_open')" -ge $((base + N)) ]
}
check "echod accepts $N idle connections" wait_until 30 opened
rss1=$(vm_kb "$ECHOD_PID" VmRSS)
data1=$(vm_kb "$ECHOD_PID" VmData)
per_rss=$(((rss1 - rss0) * 1024 / N))
per_data=$(((data1 - data0) * 1024 / N))
diag "memory per idle connection: $per_rss bytes RSS, $per_data bytes VmData" \
	"(VmRSS $rss0 -> $rss1 kB, VmData $data0 -> $data1 kB for $N connections;" \
	"kernel socket buffers are not counted)"
check "RSS per idle connection < 4 KiB (a 1 MiB buffer each would show)" \
	test "$per_rss" -lt 4096
check "VmData per idle connection < 64 KiB (no 1 MiB buffer reserved)" \
	test "$per_data" -lt 65536

stop "$BG_PID"
stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
