#!/bin/sh
# PROXY protocol on a TCP listener, with python's sockets as the balancer
# (byte-exact v1 and v2 headers, from distinct 127.0.0.x sources) and curl
# --haproxy-protocol as a real v1 sender: the header is consumed and never
# echoed, even when it arrives a byte at a time; the client it names is the
# connection's peer for the logs (with the balancer as PROXY_ADDRESS), the
# access list and the per-source limits; LOCAL is served with the
# balancer's own address; no header, a bad one, a sender outside
# proxy_protocol_from and a header that does not complete in time are
# refused and counted under their own reasons; a reload that turns it off
# leaves a connection waiting for its header parsing as it started.
. "$(dirname "$0")/lib.sh"
harness_init
need_cmd curl python3
: "${ECHOCTL:=$top_builddir/src/echoctl}"
plan 22

P=$(free_port)
write_conf() {	# write_conf PROXY_PROTOCOL
	cat >"$T/echod.conf.new" <<CONF
log_level = "info";
control_socket = "$T/ctl.sock";
listeners = (
	{ name = "lb"; protocol = "tcp"; address = "127.0.0.1"; port = $P;
	  proxy_protocol = "$1"; proxy_protocol_from = ["127.0.0.1", "127.0.0.5"];
	  proxy_header_timeout = "1s"; idle_timeout = "2s";
	  deny = ["10.66.0.0/16"]; max_connections_per_source = 1; }
);
CONF
	mv "$T/echod.conf.new" "$T/echod.conf"
}
write_conf any
start_echod "$T/echod.conf" "tcp:127.0.0.1:$P" || bail "echod did not start"

cat >"$T/pp.py" <<'PY'
# pp.py PORT CMD...: a balancer's side of a connection, for t-proxy.sh.
import socket, struct, sys, time
port, cmd = int(sys.argv[1]), sys.argv[2]
SIG = b"\r\n\r\n\x00\r\nQUIT\n"
def v2(src, sport, dst="127.0.0.1", dport=port, cmd=0x21):
    a = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport)
    return SIG + bytes([cmd, 0x11]) + struct.pack("!H", len(a)) + a
def conn(src="127.0.0.1"):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.settimeout(3)
    return s
def read(s, n):
    got = b""
    try:
        while len(got) < n:
            b = s.recv(65536)
            if not b:
                return got + b"<eof>"
            got += b
    except socket.timeout:
        return got + b"<timeout>"
    except ConnectionResetError:
        return got + b"<eof>"	# refused with bytes unread: a reset
    return got
def echo(s, head, data):	# send head + data, read len(data) back
    s.sendall(head + data)
    return read(s, len(data))
if cmd == "v2":			# v2 SRC: header, then "hello"
    s = conn(); print(echo(s, v2(sys.argv[3], 40000), b"hello").decode(errors="replace"))
elif cmd == "v1":		# v1 SRC: text header, then "hello"
    s = conn()
    print(echo(s, b"PROXY TCP4 %s 127.0.0.1 40001 %d\r\n" % (sys.argv[3].encode(), port), b"hello").decode(errors="replace"))
elif cmd == "bytewise":		# the v2 header one byte every 10 ms
    s = conn()
    for b in v2("10.0.0.12", 40002):
        s.send(bytes([b])); time.sleep(0.01)
    print(echo(s, b"", b"slow").decode(errors="replace"))
elif cmd == "local":		# haproxy's health check: LOCAL, then bytes
    s = conn(); print(echo(s, SIG + b"\x20\x00\x00\x00", b"ping").decode(errors="replace"))
elif cmd == "raw":		# raw FROM DATA: no or a bad header
    s = conn(sys.argv[3]); s.sendall(sys.argv[4].encode())
    print(read(s, 1).decode(errors="replace"))
elif cmd == "partial":		# half a header, then silence
    s = conn(); s.sendall(v2("10.0.0.13", 40003)[:20]); t = time.monotonic()
    r = read(s, 1); print(r.decode(), round(time.monotonic() - t))
elif cmd == "twice":		# two connections at once claiming one client
    a = conn(); print(echo(a, v2(sys.argv[3], 40010), b"one").decode())
    b = conn(); print(echo(b, v2(sys.argv[3], 40011), b"two").decode(errors="replace"))
    c = conn(); print(echo(c, v2(sys.argv[4], 40012), b"three").decode(errors="replace"))
elif cmd == "hold":		# hold HEADER-BYTES: part of a header, wait for go, the rest
    s = conn(); h = v2("10.0.0.14", 40004); k = int(sys.argv[3])
    s.sendall(h[:k]); print("sent", flush=True)
    while True:
        try:
            open(sys.argv[4]).close(); break
        except OSError:
            time.sleep(0.02)
    print(echo(s, h[k:], b"after").decode(errors="replace"))
PY
pp() {	# pp NAME ARGS...: run pp.py, its output in $T/NAME.out
	python3 "$T/pp.py" "$P" "$@" >"$T/pp-$1.out" 2>&1
}
metric() {	# metric REASON: refusals counted for that reason
	"$ECHOCTL" metrics --socket "$T/ctl.sock" | awk -v k="echod_connections_dropped_total{listener=\"lb\",protocol=\"tcp\",reason=\"$1\"}" '$1 == k { print $2 }'
}
base_header=$(metric proxy_header)	# start_echod's probes sent none

pp v2 10.0.0.7
is "v2: only the payload is echoed" "$(cat "$T/pp-v2.out")" hello
check "v2: the log names the client and the balancer" log_wait \
	'event=conn_open msg="connection from 10\.0\.0\.7 port 40000 via 127\.0\.0\.1 port [0-9]+ on lb" listener=lb protocol=tcp peer_address=10\.0\.0\.7 peer_port=40000 proxy_address=127\.0\.0\.1 proxy_port=[0-9]+'
pp v1 10.0.0.11
is "v1: only the payload is echoed" "$(cat "$T/pp-v1.out")" hello
pp bytewise
is "a header that comes one byte at a time still works" "$(cat "$T/pp-bytewise.out")" slow
check "bytewise: the client is the one named" log_wait 'peer_address=10\.0\.0\.12 peer_port=40002'

# curl as the balancer, v1 with its own addresses, from 127.0.0.5.
curl -s --http0.9 --haproxy-protocol --interface 127.0.0.5 --max-time 5 \
	"http://127.0.0.1:$P/echo-me" >"$T/curl.out" 2>"$T/curl.err"
check "curl --haproxy-protocol: the request comes back without the PROXY line" \
	sh -c "head -n1 '$T/curl.out' | grep -q '^GET /echo-me HTTP/1.1' && ! grep -q PROXY '$T/curl.out'"
check "curl: the peer is curl's own address, as its header says" \
	log_wait 'connection from 127\.0\.0\.5 port [0-9]+ via 127\.0\.0\.5 port [0-9]+ on lb'

pp local
is "LOCAL (a health check) is echoed" "$(cat "$T/pp-local.out")" ping
check "LOCAL: served with the balancer's own address" \
	log_wait 'connection from 127\.0\.0\.1 port ([0-9]+) via 127\.0\.0\.1 port \1 on lb'

pp raw 127.0.0.1 "hello without a header"
is "no header: closed, nothing echoed" "$(cat "$T/pp-raw.out")" "<eof>"
check "no header: logged as proxy_header" \
	log_wait 'refused a connection from 127\.0\.0\.1 port [0-9]+ on lb: proxy_header: no PROXY protocol header'
pp raw 127.0.0.1 "PROXY TCP4 10.0.0.1 127.0.0.1 01 2
"
check "a bad v1 line: refused with the parser's reason" \
	log_wait 'proxy_header: PROXY v1 line ends in LF without CR'
pp raw 127.0.0.9 "PROXY TCP4 10.0.0.1 127.0.0.1 1 2"
check "a sender outside proxy_protocol_from is refused before any byte is read" \
	log_wait 'refused a connection from 127\.0\.0\.9 port [0-9]+ on lb: proxy_from'
pp partial
is "half a header: closed after proxy_header_timeout (1 s)" "$(cat "$T/pp-partial.out")" "<eof> 1"
check "and logged as proxy_timeout" log_wait 'proxy_timeout: no complete PROXY header after 1s \(20 bytes of one\)'

pp v2 10.66.3.4
is "the access list applies to the client the header names" "$(cat "$T/pp-v2.out")" "<eof>"
check "refused as acl, with the balancer in the log" \
	log_wait 'refused a connection from 10\.66\.3\.4 port 40000 via 127\.0\.0\.1 port [0-9]+ on lb: acl.* proxy_address=127\.0\.0\.1'
pp twice 10.0.0.20 10.0.0.21
is "max_connections_per_source counts the named client, not the balancer" \
	"$(tr '\n' ' ' <"$T/pp-twice.out")" "one <eof> three "
is "the refusals are counted by reason" \
	"$(($(metric proxy_header) - base_header)) $(metric proxy_from) $(metric proxy_timeout) $(metric acl) $(metric conn_per_source)" \
	"2 1 1 1 1"
check "echoctl status shows the listener's proxy_protocol" \
	sh -c "'$ECHOCTL' status --socket '$T/ctl.sock' | grep -qx 'listener.lb.proxy_protocol=any'"

# Reload to off while a connection has sent half its header: it finishes
# it under the settings it was accepted with; new connections are plain.
rm -f "$T/go"
bg hold python3 "$T/pp.py" "$P" hold 10 "$T/go"
hpid=$BG_PID
wait_until 10 file_has "$T/hold.out" '^sent'
write_conf off
kill -HUP "$ECHOD_PID"
log_wait 'event=reload_ok' 10
: >"$T/go"
reap "$hpid" 10
is "a connection accepted with proxy_protocol keeps it across a reload to off" \
	"$(sed -n 2p "$T/hold.out")" after
pp raw 127.0.0.1 "x"
is "after the reload a plain connection is echoed" "$(cat "$T/pp-raw.out")" x
stop_echod
