#!/bin/sh
# The metrics HTTP server (libmicrohttpd behind metrics_listen) against
# real clients and hostile ones: curl gets fresh text/plain 0.0.4 for GET
# and HEAD of /metrics; other methods, paths, a body, oversized headers and
# binary garbage get an error and leave it serving; one address holding its
# connection share does not lock out another; with every connection held a
# new one waits until one is free; idle connections are closed after the
# timeout.  Runs tests/tools/metricsd (the same server code with
# a counter for its text), so no daemon state is involved.
. "$(dirname "$0")/lib.sh"
harness_init
need_cmd curl python3
METRICSD=${METRICSD:-$top_builddir/tests/tools/metricsd}
[ -x "$METRICSD" ] || bail "$METRICSD not built"
plan 18

port=$(free_port)
url="http://127.0.0.1:$port/metrics"
bg metricsd "$METRICSD" 127.0.0.1 "$port"
mpid=$BG_PID
wait_until 10 file_has "$T/metricsd.out" '^listening' || bail "metricsd did not start"

code() {	# code CURL-ARGS...: the HTTP status curl got
	curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' --max-time 5 "$@"
}

is "GET /metrics is 200" "$(code "$url")" 200
check "content type is the 0.0.4 text format" \
	grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$T/headers"
first=$(sed -n 's/^metricsd_renders_total //p' "$T/body")
code "$url" >/dev/null
second=$(sed -n 's/^metricsd_renders_total //p' "$T/body")
is "each GET gets a fresh rendering" "$second" "$((first + 1))"
is "POST is 405" "$(code -X POST --data x "$url")" 405
check "405 says Allow: GET, HEAD" grep -qi '^allow: GET, HEAD' "$T/headers"
is "another path is 404" "$(code "http://127.0.0.1:$port/")" 404
is "a GET with a body is 413" \
	"$(code -X GET -H 'Content-Type: text/plain' --data-binary 12345 "$url")" 413
is "a GET with Content-Length: 00 (no body) is 200" \
	"$(code -H 'Content-Length: 00' "$url")" 200
big=$(head -c 20000 /dev/zero | tr '\0' a)
got=$(code -H "X-Big: $big" "$url")
case $got in
4*) ok "a 20 kB header is refused ($got)" ;;
*) not_ok "a 20 kB header is refused (got $got)" ;;
esac

# HEAD, binary garbage and a pipelined keep-alive pair, with python's
# sockets.  libmicrohttpd answers garbage that looks like a request line
# with 400 or a close; one starting with a NUL it leaves waiting until the
# connection timeout closes it: bounded either way.
cat >"$T/raw.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def talk(data, want, limit=5):
    s = socket.create_connection(("127.0.0.1", port), timeout=limit)
    s.sendall(data)
    got, end = b"", time.monotonic() + limit
    start = time.monotonic()
    try:
        while got.count(b"HTTP/1.1 ") < want and time.monotonic() < end:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except socket.timeout:
        pass
    s.close()
    return got, time.monotonic() - start
h, _ = talk(b"HEAD /metrics HTTP/1.0\r\n\r\n", 99)
head, _, body = h.partition(b"\r\n\r\n")
print("head", head.split(b"\r\n")[0].decode(), len(body))
for g in (b"garbage\r\n\r\n", b"\x00\xff\x16\x03\x01garbage\r\n\r\n"):
    r, took = talk(g, 1, 14)
    print("garbage", r.split(b"\r\n")[0].decode(errors="replace") if r else "closed",
          "in", 0 if took < 1 else 10 if 8 < took < 13 else round(took))
p, _ = talk(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 2)
print("pipelined", p.count(b"HTTP/1.1 200"))
PY
python3 "$T/raw.py" "$port" >"$T/raw.out" 2>&1
check "HEAD /metrics is 200 without a body" grep -qx 'head HTTP/1.1 200 OK 0' "$T/raw.out"
check "garbage is refused or closed at once" \
	grep -Eqx 'garbage (HTTP/1.1 400.*|closed) in 0' "$T/raw.out"
check "garbage from a NUL is closed within the timeout" \
	grep -Eqx 'garbage (HTTP/1.1 400.*|closed) in (0|10)' "$T/raw.out"
check "two pipelined requests get two answers" grep -qx 'pipelined 2' "$T/raw.out"
diag "$(cat "$T/raw.out")"

# Idle connections from 127.0.0.1 up to its per-address share: another
# address is still served, and the idle ones are closed after the timeout
# (10 s in metrics_http.h).
cat >"$T/idle.py" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.sendall(b"GET /metr")
    socks.append(s)
print("open", len(socks), flush=True)
start = time.monotonic()
closed = 0
for s in socks:
    s.settimeout(max(0.1, 20 - (time.monotonic() - start)))
    try:
        closed += s.recv(1) == b""
    except (socket.timeout, ConnectionResetError):
        closed += 1 if not isinstance(sys.exc_info()[1], socket.timeout) else 0
print("closed", closed, "after", round(time.monotonic() - start), flush=True)
PY
bg idle python3 "$T/idle.py" "$port" 8
ipid=$BG_PID
wait_until 10 file_has "$T/idle.out" '^open 8' || diag "idle clients did not connect"
is "with 127.0.0.1 at its share, 127.0.0.2 is served" \
	"$(code --interface 127.0.0.2 "$url")" 200
reap "$ipid" 30
check "idle connections are closed after the timeout" \
	grep -Eq '^closed 8 after (9|1[0-2])$' "$T/idle.out"
# All 16 connections (METRICS_HTTP_CONNS) held by 16 addresses: a 17th is
# not served (libmicrohttpd stops accepting; it waits in the backlog) until
# they go, and then it is.
cat >"$T/full.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
held = []
for i in range(16):
    s = socket.socket(); s.bind(("127.0.1.%d" % (i + 1), 0))
    s.connect(("127.0.0.1", port)); s.sendall(b"GET /metr"); held.append(s)
time.sleep(0.3)
s = socket.socket(); s.bind(("127.0.2.1", 0)); s.settimeout(1)
s.connect(("127.0.0.1", port))
s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
try:
    r = s.recv(100); print("17th while full:", r.split(b"\r\n")[0].decode() or "closed")
except socket.timeout:
    print("17th while full: waiting")
for h in held:
    h.close()
s.settimeout(5)
r = s.recv(100)
print("17th after:", r.split(b"\r\n")[0].decode() or "closed")
PY
python3 "$T/full.py" "$port" >"$T/full.out" 2>&1
check "with all 16 connections held a 17th waits" \
	grep -qx '17th while full: waiting' "$T/full.out"
check "and is served once they are gone" \
	grep -qx '17th after: HTTP/1.1 200 OK' "$T/full.out"
diag "$(cat "$T/full.out")"
wait_until 5 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 '$url')\" = 200 ]"
is "still serving after all that" "$(code "$url")" 200
diag "$(cat "$T/idle.out")"
stop "$mpid"
