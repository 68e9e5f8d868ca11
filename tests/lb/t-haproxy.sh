#!/bin/sh
# Two echods behind a real HAProxy (Debian 12's haproxy 2.6) in TCP mode:
# send-proxy-v2 (and send-proxy, v1, on a second frontend), clients from
# distinct 127.0.0.x sources.  Each echod's log names every client by its
# own address with HAProxy as PROXY_ADDRESS; its access list refuses a
# denied client and its per-source limit counts clients, per instance; the
# tcp-check health check (a LOCAL header, then send/expect) marks an
# instance down when it stops and up when it is back, while traffic keeps
# flowing through the other.
. "$(dirname "$0")/../integration/lib.sh"
harness_init
need_cmd python3 socat
command -v haproxy >/dev/null 2>&1 ||
	skip_all "haproxy not installed (scripts/deps test installs the package haproxy)"
plan 16

PA=$(free_port)
PB=$(free_port)
F2=$(free_port)
F1=$(free_port)
conf() {	# conf NAME PORT
	cat >"$T/$1.conf" <<CONF
log_level = "info";
control_socket = "$T/$1.sock";
listeners = (
	{ name = "echo-$1"; protocol = "tcp"; address = "127.0.0.1"; port = $2;
	  proxy_protocol = "any"; proxy_protocol_from = ["127.0.0.1"];
	  deny = ["127.0.0.66"]; max_connections_per_source = 1;
	  limit_loopback = true; idle_timeout = "10s"; }
);
CONF
}
conf a "$PA"
conf b "$PB"
start_one() {	# start_one NAME PORT: start_echod with its own log; NAME_PID
	ECHOD_LOG=$T/$1.log
	ECHOD_PID=
	start_echod "$T/$1.conf" "tcp:127.0.0.1:$2" || bail "echod $1 did not start"
	eval "$1_PID=\$ECHOD_PID"
}
start_one a "$PA"
start_one b "$PB"

cat >"$T/haproxy.cfg" <<CFG
global
    log stderr format raw daemon info
    stats socket $T/haproxy.sock mode 600 level admin
defaults
    mode tcp
    log global
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe-v2
    bind 127.0.0.1:$F2
    default_backend be-v2
frontend fe-v1
    bind 127.0.0.1:$F1
    default_backend be-v1
backend be-v2
    balance roundrobin
    option tcp-check
    tcp-check send "health\n"
    tcp-check expect string health
    server a 127.0.0.1:$PA send-proxy-v2 check inter 200ms fall 2 rise 2
    server b 127.0.0.1:$PB send-proxy-v2 check inter 200ms fall 2 rise 2
backend be-v1
    server a 127.0.0.1:$PA send-proxy
CFG
check "haproxy -c accepts the configuration" haproxy -c -f "$T/haproxy.cfg"
bg haproxy haproxy -db -f "$T/haproxy.cfg"
hpid=$BG_PID

state() {	# state SERVER: UP, DOWN, ... as HAProxy's stats say
	echo "show stat" | socat - "UNIX-CONNECT:$T/haproxy.sock" 2>/dev/null |
		awk -F, -v s="$1" '$1 == "be-v2" && $2 == s { print $18 }'
}
is_state() {
	[ "$(state "$1")" = "$2" ]
}
if wait_until 20 is_state a UP && wait_until 20 is_state b UP; then
	ok "both instances pass HAProxy's tcp-check (a LOCAL header, then send/expect)"
else
	not_ok "both instances pass HAProxy's tcp-check"
	diag "a: $(state a) b: $(state b)"
fi

cat >"$T/client.py" <<'PY'
# client.py PORT SRC N [HOLD]: N sessions from SRC, each echoing its own
# line; prints one word per session (ok, or what went wrong), sorted.
# SRC "a.b.c.d+" gives session i the address a.b.c.(d+i).  With HOLD, all
# N are opened first and held open together.
import socket, sys
port, src, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
hold = len(sys.argv) > 4
def addr(i):
    if not src.endswith("+"):
        return src
    a = src[:-1].split(".")
    return ".".join(a[:3] + [str(int(a[3]) + i)])
def session(i):
    s = socket.socket()
    s.bind((addr(i), 0))
    s.connect(("127.0.0.1", port))
    s.settimeout(3)
    return s
def talk(s, i):
    msg = ("%s session %d\n" % (addr(i), i)).encode()
    try:
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            b = s.recv(4096)
            if not b:
                return "closed"
            got += b
        return "ok" if got == msg else "garbled"
    except OSError as e:
        return "closed" if isinstance(e, ConnectionResetError) else type(e).__name__
socks = [session(i) for i in range(n)]
out = []
for i, s in enumerate(socks):
    out.append(talk(s, i))
    if not hold:
        s.close()
print(" ".join(sorted(out)))
PY
client() {	# client NAME FRONTEND-PORT SRC N [hold]
	_n=$1
	shift
	python3 "$T/client.py" "$@" >"$T/client-$_n.out" 2>&1
	cat "$T/client-$_n.out"
}

is "8 sessions from 127.0.1.1-8 through send-proxy-v2 are echoed" \
	"$(client c2 "$F2" 127.0.1.1+ 8)" "ok ok ok ok ok ok ok ok"
check "instance a names each client by its own address, HAProxy as PROXY_ADDRESS" \
	sh -c "[ \$(grep -Ec 'event=conn_open .*peer_address=127\.0\.1\.[1-8] .*proxy_address=127\.0\.0\.1 ' '$T/a.log') -ge 3 ]"
check "so does instance b (round robin reached both: 8 in all)" \
	sh -c "[ \$(cat '$T/a.log' '$T/b.log' | grep -Eo 'event=conn_open .*peer_address=127\.0\.1\.[1-8] ' | sort -u | wc -l) -eq 8 ] &&
	    grep -Eq 'event=conn_open .*peer_address=127\.0\.1\.[1-8] .*proxy_address=127\.0\.0\.1 ' '$T/b.log'"
check "the health checks are served with HAProxy's own address (LOCAL)" \
	grep -Eq 'event=conn_open msg="connection from 127\.0\.0\.1 port ([0-9]+) via 127\.0\.0\.1 port \1 on echo-a"' "$T/a.log"
is "v1 (send-proxy) through the second frontend" "$(client c5 "$F1" 127.0.0.5+ 2)" "ok ok"
check "instance a names the v1 client too" \
	grep -Eq 'event=conn_open .*peer_address=127\.0\.0\.5 .*proxy_address=127\.0\.0\.1' "$T/a.log"

is "the access list refuses 127.0.0.66 behind HAProxy" \
	"$(client c66 "$F2" 127.0.0.66 2)" "closed closed"
check "refused as acl, naming the client and HAProxy" \
	sh -c "cat '$T/a.log' '$T/b.log' | grep -Eq 'refused a connection from 127\.0\.0\.66 port [0-9]+ via 127\.0\.0\.1 port [0-9]+ on echo-[ab]: acl'"
# max_connections_per_source = 1 per instance: of 3 held sessions from one
# client two land on one instance, which refuses the second; another
# client at the same time is not affected.
is "per-source limit: 3 sessions held from 127.0.0.7 over 2 instances" \
	"$(client c7 "$F2" 127.0.0.7 3 hold)" "closed ok ok"
is "2 held from 127.0.0.8 meanwhile" "$(client c8 "$F2" 127.0.0.8 2 hold)" "ok ok"

# Stop b: the health check marks it down, traffic goes through a; then b
# comes back up and gets traffic again.
kill -TERM "$b_PID"
reap "$b_PID" 15
if wait_until 15 is_state b DOWN; then
	ok "stopping instance b: HAProxy marks it DOWN"
else
	not_ok "stopping instance b: HAProxy marks it DOWN (state $(state b))"
fi
is "while b is down every session goes through a" \
	"$(client c9 "$F2" 127.0.2.1+ 10)" "ok ok ok ok ok ok ok ok ok ok"
mv "$T/b.log" "$T/b-first.log"
start_one b "$PB"
if wait_until 15 is_state b UP; then
	ok "instance b back: HAProxy marks it UP"
else
	not_ok "instance b back: HAProxy marks it UP (state $(state b))"
fi
client c10 "$F2" 127.0.3.1+ 6 >/dev/null
check "and b serves clients again" \
	grep -Eq 'event=conn_open .*peer_address=127\.0\.3\.[1-6] ' "$T/b.log"
stop "$hpid"
ECHOD_PID=$a_PID
stop_echod
ECHOD_PID=$b_PID
stop_echod
