#!/bin/sh
# Backpressure: peers that send without ever reading make echod stop reading
# from them (their writes stall), echod's memory stays bounded and it does
# not spin, and other clients are still served meanwhile.
. "$(dirname "$0")/lib.sh"

P=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
io_uring = $IO_URING;
splice = $SPLICE;
control_socket = "";
listeners = (
	{ name = "tcp-main"; protocol = "tcp"; address = "127.0.0.1"; port = $P;
	  buffer_size = "16k"; }
);
CONF

NPEERS=4
WANT=268435456	# each peer tries to push 256 MiB

plan 8
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"
io_path_check
rss0=$(rss_kb "$ECHOD_PID")

peers=
for i in $(seq "$NPEERS"); do
	bg "noread$i" "$ECHOPROBE" tcp-noread 127.0.0.1 "$P" "$WANT" --seed "$i" \
		--stall 1 --hold 120 --timeout 60
	peers="$peers $BG_PID"
done
all_reported() {
	for i in $(seq "$NPEERS"); do
		file_has "$T/noread$i.out" '^accepted=' || return 1
	done
}
wait_until 90 all_reported || bail "the non-reading peers did not report"

stalled=0
maxacc=0
for i in $(seq "$NPEERS"); do
	diag "peer $i: $(cat "$T/noread$i.out")"
	file_has "$T/noread$i.out" 'stalled=1' && stalled=$((stalled + 1))
	acc=$(sed -n 's/^accepted=\([0-9]*\).*/\1/p' "$T/noread$i.out")
	[ "$acc" -gt "$maxacc" ] && maxacc=$acc
done
is "every non-reading peer's writes stall (echod stopped reading)" "$stalled" "$NPEERS"
# What a stalled peer got rid of sits in kernel socket buffers (a few MiB on
# loopback) and echod's 16 KiB ring; never anywhere near the 256 MiB offered.
check "each stalled peer got rid of less than 48 MiB (it offered 256 MiB)" \
	test "$maxacc" -lt 50331648

rss1=$(rss_kb "$ECHOD_PID")
diag "echod VmRSS: $rss0 kB before, $rss1 kB with $NPEERS stalled peers"
check "echod's RSS grew by less than 16 MiB" test $((rss1 - rss0)) -lt 16384

# A spinning loop would burn ~2 s of CPU in this 2 s window; a blocked
# echod burns none.  This measures a window, it does not wait for anything.
t0=$(cpu_ticks "$ECHOD_PID")
sleep 2
t1=$(cpu_ticks "$ECHOD_PID")
diag "echod CPU ticks in 2 s with stalled peers: $((t1 - t0))"
check "echod does not busy-loop on stalled peers (< 0.5 s CPU in 2 s)" \
	test $((t1 - t0)) -lt "$(($(getconf CLK_TCK) / 2))"

check "another client is still served: 1 MiB echoed byte-exact" \
	"$ECHOPROBE" tcp-stream 127.0.0.1 "$P" 1048576 --seed 99 --timeout 30

for pid in $peers; do
	stop "$pid"
done
closes() {
	[ "$(log_count 'event=conn_close.*listener=tcp-main')" -ge $((NPEERS + 1)) ]
}
check "echod closes the stalled peers' connections once they go away" \
	wait_until 10 closes

stop_echod
is "echod exits 0 on SIGTERM" "$ECHOD_STATUS" 0
