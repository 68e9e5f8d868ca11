#!/bin/sh
# UDP loop and reflection guard with real datagrams on loopback: source
# ports of self-answering services are dropped (default list and a custom
# one), every drop is counted by reason, and replies are never larger than
# requests (amplification factor <= 1).
. "$(dirname "$0")/guard-lib.sh"

P=$(free_port)
Q=$(free_port)
S=$(free_port)
cat >"$T/echod.conf" <<CONF
log_level = "info";
control_socket = "";
status_interval = "1s";
listeners = (
	{ name = "udp-default"; protocol = "udp"; address = "127.0.0.1"; port = $P; },
	{ name = "udp-custom"; protocol = "udp"; address = "127.0.0.1"; port = $Q;
	  udp_drop_source_ports = [ $S ]; }
);
CONF

plan 11
start_echod "$T/echod.conf" "udp:127.0.0.1:$P" "udp:127.0.0.1:$Q" ||
	bail "echod did not start"

flood 127.0.0.1 "$P" --count 20 --size 300 --src-port 5353 --timeout 1 ||
	bail "guardprobe failed"
is "source port 5353 (mDNS): 20 datagrams, no reply" "$F_RECV/$F_SENT" "0/20"
flood 127.0.0.1 "$P" --count 20 --size 300 --src-port 11211 --timeout 1 ||
	bail "guardprobe failed"
is "source port 11211 (memcached): no reply" "$F_RECV/$F_SENT" "0/20"
if "$GUARDPROBE" flood 127.0.0.1 "$P" --count 10 --src-port 19 --timeout 1 \
	>"$T/flood19.out" 2>&1; then
	is "source port 19 (chargen): no reply" \
		"$(sed -n 's/^total sent=\([0-9]*\) .* recv=\([0-9]*\) .*/\2\/\1/p' \
		"$T/flood19.out")" "0/10"
	n19=10
else
	skip_test "source port 19 (chargen): no reply" "cannot bind port 19 here"
	n19=0
fi
# Rounds of 10 per source, each waiting for its replies, so that no
# datagram is lost in socket buffers on a loaded machine.
got=0 amp=ok
for round in 1 2 3 4 5; do
	flood 127.0.0.1 "$P" --count 10 --size 1000 --sources 4 --timeout 5 ||
		bail "guardprobe failed"
	got=$((got + F_RECV))
	amplification_ok || amp="round $round: $F_BAD bad, $F_RECV_BYTES > $F_SENT_BYTES"
done
is "an ordinary source port: all 200 datagrams echoed" "$got" 200
is "amplification <= 1: every reply byte-equal to its request" "$amp" ok
check "the drops are counted as drop_src_port ($((40 + n19)))" \
	wait_until 10 drops_are src_port $((40 + n19))

# A custom list replaces the default one.
flood 127.0.0.1 "$Q" --count 10 --src-port 5353 --timeout 5 ||
	bail "guardprobe failed"
is "custom list: port 5353 is no longer dropped" "$F_RECV" 10
flood 127.0.0.1 "$Q" --count 10 --src-port "$S" --timeout 1 ||
	bail "guardprobe failed"
is "custom list: port $S is dropped" "$F_RECV" 0
check "and counted (drop_src_port = $((50 + n19)))" \
	wait_until 10 drops_are src_port $((50 + n19))

# Largest datagrams: still exactly one reply of the same size.
flood 127.0.0.1 "$P" --count 3 --size 65507 --timeout 5 || bail "guardprobe failed"
three_exact() { [ "$F_RECV" = 3 ] && amplification_ok; }
check "65507-byte datagrams: 3 replies, none bigger" three_exact

stop_echod
is "echod exits 0" "$ECHOD_STATUS" 0
