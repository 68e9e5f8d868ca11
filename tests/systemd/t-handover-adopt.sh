#!/bin/sh
# Adoption at start without a container: a launcher written from the fd
# store's documented format (fdstore.h) hands echod, as systemd would
# after a restart, LISTEN_FDS with a stored listening socket
# (listen/tcp-main), a carrier holding two connections of tcp-main (one
# whose peer had sent bytes nobody read yet, one that came through a
# balancer) (conns/tcp-main), a carrier for a
# listener the configuration does not have (conns/gone) and an fd PID 1
# renamed for an invalid name (stored).  echod serves the listening socket,
# echoes the waiting bytes and then the rest on the adopted connection with
# its age kept, closes what matches nothing (that connection's peer sees
# EOF) and removes every name from the store.
. "$(dirname "$0")/lib.sh"
need_notify
plan 12

write_conf "$conf" tcp-main tcp "$P1"
echo "workers = 2;" >> "$conf"

cat > "$T_DIR/launch.py" <<'PY'
import json, os, socket, struct, sys, time
echod, conf, port, res = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def record(age_ns, bytes_in, via=None):
    # fdstore.h: a 64-byte record (ages, bytes, flags, the peer's address:
    # family 0 = not recorded, take the socket's; bit 31 of the flags: the
    # address is the client a PROXY header named).
    addr = b""
    flags = 0
    if via is not None:
        ip, port = via
        addr = struct.pack("=H2sI16s", 4, struct.pack("!H", port), 0, socket.inet_aton(ip))
        flags = 1 << 31
    return struct.pack("=QQQQI28s", age_ns, 0, bytes_in, bytes_in, flags, addr)

def carrier(conns):
    """conns: [(socket, age_ns, bytes_in, client or None)] in one message."""
    head = struct.pack("=4sHHHHIQ", b"ECH1", 1, 64, len(conns), 0, 0,
                       time.clock_gettime_ns(time.CLOCK_MONOTONIC))
    body = b"".join(record(a, b, v) for _, a, b, v in conns)
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.sendmsg([head + body], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
               struct.pack("%di" % len(conns), *[c.fileno() for c, _, _, _ in conns]))])
    a.close()
    return b

lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", port))
lst.listen(16)
c1 = socket.create_connection(("127.0.0.1", port))
s1, _ = lst.accept()
c2 = socket.create_connection(("127.0.0.1", port))
s2, _ = lst.accept()
c3 = socket.create_connection(("127.0.0.1", port))
s3, _ = lst.accept()
c1.sendall(b"early\n")          # waits in s1's receive queue
# s3 came through a balancer: its client is who the PROXY header named.
k1 = carrier([(s1, 3600 * 10**9, 1000, None), (s3, 0, 0, ("192.0.2.7", 5555))])
k2 = carrier([(s2, 0, 0, None)])
s1.close(); s2.close(); s3.close()
junk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

if os.fork() == 0:
    # The peers: the adopted connection echoes what waited and what
    # follows; the one of the gone listener is closed.
    lst.close(); k1.close(); k2.close(); junk.close(); c3.close()
    r = {}
    c1.settimeout(10)
    got = b""
    while len(got) < 6:
        got += c1.recv(64)
    r["early"] = got.decode()
    c1.sendall(b"after\n")
    got = b""
    while len(got) < 6:
        got += c1.recv(64)
    r["after"] = got.decode()
    def ending(sock, secs):
        sock.settimeout(secs)
        try:
            return "eof" if sock.recv(64) == b"" else "data"
        except OSError as e:
            return str(e)
    r["gone"] = ending(c2, 10)
    with open(res, "w") as f:
        json.dump(r, f)
    r["end"] = ending(c1, 30)
    with open(res, "w") as f:
        json.dump(r, f)
    os._exit(0)

c1.close(); c2.close(); c3.close()
# To 3, 4, 5, 6 in this order, through copies above them first: a
# socket's own number may be one of the targets.
high = [os.dup2(x.fileno(), 100 + i) for i, x in enumerate([lst, k1, junk, k2])]
for x in (lst, k1, junk, k2):
    x.close()
for i, fd in enumerate(high):
    os.dup2(fd, 3 + i, inheritable=True)
    os.close(fd)
env = dict(os.environ, LISTEN_FDS="4", LISTEN_PID=str(os.getpid()),
           LISTEN_FDNAMES="listen/tcp-main:conns/tcp-main:stored:conns/gone")
os.execve(echod, [echod, "-c", conf], env)
PY

"$SDLAB/notify-recv" -t 60 -o "$out" -- python3 "$T_DIR/launch.py" "$ECHOD" "$conf" "$P1" "$T_DIR/result.json" \
    > "$T_DIR/notify-recv.out" 2> "$T_DIR/echod.log" &
nr=$!
T_PIDS=$nr
wait_for 100 grep -q 'READY=1' "$out" || bail "no READY=1"
pid=$(sed -n 's/.* pid=\([0-9]*\) READY=1.*/\1/p' "$out" | head -n 1)
wait_for 100 test -s "$T_DIR/result.json" || bail "the peers did not finish"

check "the adopted connection echoes the bytes that waited in the kernel" \
    grep -q '"early": "early\\n"' "$T_DIR/result.json"
check "... and what its peer sends after the restart" \
    grep -q '"after": "after\\n"' "$T_DIR/result.json"
check "a connection of a listener the configuration lacks is closed (EOF)" \
    grep -q '"gone": "eof"' "$T_DIR/result.json"
check "the stored listening socket serves new connections" tcp_echo "$P1" new-one
check "the log says what was adopted and what was closed" sh -c "
	grep -q 'tcp-main: 2 connections from the previous echod adopted' '$T_DIR/echod.log' &&
	grep -q \"connections 'conns/gone' from the previous echod matches nothing\" '$T_DIR/echod.log' &&
	grep -q \"fd 'stored' from the previous echod matches nothing\" '$T_DIR/echod.log'"
check "one that came through a balancer keeps its client as the PROXY header named it" \
    grep -q 'connection from 192.0.2.7 port 5555 via 127.0.0.1 port [0-9]* on tcp-main' "$T_DIR/echod.log"
check "every stored name is removed from the store, then a barrier" sh -c "
	for n in listen/tcp-main conns/tcp-main stored conns/gone; do
		grep -q \"FDSTOREREMOVE=1|FDNAME=\$n\" '$out' || exit 1
	done
	sed -n '/FDSTOREREMOVE/,\$p' '$out' | grep -q 'BARRIER=1'"
kill -TERM "$pid"
wait "$nr"
rc=$?
check "SIGTERM: echod exits 0 (rc=$rc)" [ "$rc" -eq 0 ]
check "SIGTERM drains the adopted connection (its peer sees EOF); its age and bytes went on" \
    wait_for 50 sh -c "grep -q '\"end\": \"eof\"' '$T_DIR/result.json' &&
	grep -q 'closed (.*): 1012 bytes in, 1012 out, 360[0-9]\\.' '$T_DIR/echod.log'"

# A LISTEN_FDS entry that is not open when echod starts (its number is then
# free for echod's own descriptors): never touched, said, and echod serves.
python3 -c 'import os, sys
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES="listen/tcp-main")
os.execv(sys.argv[1], sys.argv[1:])' "$ECHOD" -c "$conf" 2> "$T_DIR/echod2.log" &
p2=$!
T_PIDS="$T_PIDS $p2"
check "an fd in LISTEN_FDS that is not open is ignored (said), not closed" \
    wait_for 50 sh -c "grep -q 'fd 3 in LISTEN_FDS is not a socket; ignored' '$T_DIR/echod2.log' &&
	grep -q 'ready' '$T_DIR/echod2.log'"
check "... and echod serves (its own socket)" tcp_echo "$P1" own-socket
kill -TERM "$p2"
wait "$p2"
rc=$?
check "... and exits 0 on SIGTERM (rc=$rc)" [ "$rc" -eq 0 ]
finish
