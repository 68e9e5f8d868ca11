#!/bin/sh
# Runs inside journal-sandbox (private journald): start echod with stderr on
# a journal stream and JOURNAL_STREAM set, exactly as systemd does, make it
# log each kind of event, stop it, and dump the journal as JSON.
# usage: journal-inner.sh ECHOD CONF OUTDIR PORT_TCP PORT_UDP
set -u
ECHOD=$1 CONF=$2 OUT=$3 PT=$4 PU=$5
python3 - "$ECHOD" "$CONF" > "$OUT/echod.pid" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("/run/systemd/journal/stdout")
# stream header: identifier, unit, priority, level prefix, syslog, kmsg, console
s.sendall(b"echod\n\n6\n1\n0\n0\n0\n")
st = os.fstat(s.fileno())
os.environ["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
pid = os.fork()
if pid == 0:
    os.dup2(s.fileno(), 2)
    os.execv(sys.argv[1], [sys.argv[1], "-c", sys.argv[2]])
print(pid, flush=True)
os.waitpid(pid, 0)
PY
i=0
until [ -S "$OUT/ctl.sock" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
pid=$(cat "$OUT/echod.pid")
printf 'hello\n' | timeout 10 socat -t5 -T5 - "TCP:127.0.0.1:$PT" > "$OUT/tcp.out" 2>&1
# Larger than max_datagram (16): dropped with reason too_big.
printf 'this datagram is far too big\n' | timeout 5 socat -T1 - "UDP:127.0.0.1:$PU" > /dev/null 2>&1
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
journalctl --sync 2>/dev/null
journalctl -o json > "$OUT/journal.json"
journalctl -o json LISTENER=tcp-main > "$OUT/by-listener.json"
