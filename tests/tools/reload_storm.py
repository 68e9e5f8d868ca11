#!/usr/bin/env python3
"""reload_storm: many reloads of a running echod through its control socket,
each one changing settings and listeners, with traffic after each reload,
judged as a client sees it (echoes, the control socket's status, the
process's memory in /proc).  Written against the control protocol's text
(proto.h) with python's socket module, not with echod's or echoctl's code.

  reload_storm.py idle CONF CTL PORT [--count N] [--seconds S]
      echod runs CONF (one worker, control socket CTL).  Each round writes
      CONF with one TCP listener on PORT and an idle_timeout never used
      before, reloads, and checks that a new connection echoes.  Prints
      "reloads=N reload_failed=N echo_failed=N first_echo_failure=I|none".

  reload_storm.py storm CONF CTL PID PORTS [--count N] [--seconds S]
                  [--warmup W] [--every K]
      PORTS: six free ports "main,big,mover1,mover2,extra,once".  Each
      round writes CONF anew: TCP+UDP "main" with settings that change
      every round, a "mover" pair (TCP and UDP) that keeps its name but
      moves between mover1 and mover2 every third round, a TCP "big" with
      max_connections = 1048576 in odd rounds, a UDP "extra" with a
      65536-source rate table in two rounds of four, and in odd rounds a
      TCP listener on port once with a name never used before ("once-N").
      After each reload: echoes on every present listener (one datagram
      too big for mover's max_datagram, which echod must drop), then the
      status, whose counters (totals and those of main and mover) must
      never go down.  Prints one "mem round=I rss_kb=N vmdata_kb=N" line
      after round W and every K rounds after it (always with big and extra
      absent), then a summary line:
      "reloads=N reload_failed=N echo_failed=N decreases=N first=..."
"""
import argparse
import os
import socket
import sys
import time

HOST = "127.0.0.1"


def ctl(path, verb, timeout=30):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.sendall(verb.encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    return buf.decode(errors="replace").split("\n")


def kv(lines):
    out = {}
    for line in lines[1:]:
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


def tcp_echo(port, data, timeout=5):
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            s.sendall(data)
            got = b""
            while len(got) < len(data):
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            return got == data
    except OSError:
        return False


def udp_echo(port, data, timeout=2):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.connect((HOST, port))
        s.send(data)
        try:
            return s.recv(65536) == data
        except OSError:
            return False


def udp_send(port, data):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(data, (HOST, port))


def write(path, text):
    with open(path + ".new", "w") as f:
        f.write(text)
    os.rename(path + ".new", path)


def header(ctlpath, workers):
    return ('log_level = "notice";\ncontrol_socket = "%s";\n'
            'status_interval = "1s";\nworkers = %d;\n' % (ctlpath, workers))


def idle(args):
    failed = echo_failed = 0
    first = "none"
    deadline = time.monotonic() + args.seconds
    n = 0
    while n < args.count and time.monotonic() < deadline:
        n += 1
        write(args.conf, header(args.ctl, 1) +
              'listeners = ({ name = "idle"; protocol = "tcp"; '
              'address = "%s"; port = %d; idle_timeout = "%dms"; });\n'
              % (HOST, args.port, 60000 + n))
        if not ctl(args.ctl, "reload")[0].startswith("OK"):
            failed += 1
        if not tcp_echo(args.port, b"round %d\n" % n):
            echo_failed += 1
            if first == "none":
                first = str(n)
    print("reloads=%d reload_failed=%d echo_failed=%d first_echo_failure=%s"
          % (n, failed, echo_failed, first))


def listeners(i, ports):
    main, big, m1, m2, extra, once = ports
    mover = (m1, m2)[(i // 3) % 2]
    ls = [
        ('name = "main"; protocol = "tcp"; port = %d; idle_timeout = "%dms";'
         ' buffer_size = "%s"; max_connections = %d;'
         % (main, 30000 + i, ("16k", "32k")[i % 2], 100 + i % 50)),
        'name = "main-u"; protocol = "udp"; port = %d; max_datagram = %d;'
        % (main, 1000 + i % 100),
        'name = "mover"; protocol = "udp"; port = %d; max_datagram = 100;'
        % mover,
        'name = "mover-t"; protocol = "tcp"; port = %d;' % mover,
    ]
    if i % 2:
        # A name used once: its counters are folded into the totals when
        # it goes, and nothing of it may stay.
        ls.append('name = "once-%d"; protocol = "tcp"; port = %d;'
                  % (i, once))
        ls.append('name = "big"; protocol = "tcp"; port = %d; '
                  'max_connections = 1048576;' % big)
    if i % 4 in (1, 2):
        ls.append('name = "extra"; protocol = "udp"; port = %d; '
                  'limit_loopback = true; udp_source_rate = 1000; '
                  'udp_sources_tracked = 65536;' % extra)
    return mover, ls


def conf_text(args, ls):
    return header(args.ctl, 2) + "listeners = (\n" + ",\n".join(
        '\t{ address = "%s"; %s }' % (HOST, x) for x in ls) + "\n);\n"


def traffic(i, ports, mover):
    main, big, _, _, extra, once = ports
    ok = tcp_echo(main, b"main %d\n" % i)
    ok = udp_echo(main, b"main-u %d" % i) and ok
    ok = udp_echo(mover, b"mover %d" % i) and ok
    ok = tcp_echo(mover, b"mover-t %d\n" % i) and ok
    udp_send(mover, b"x" * 200)		# over max_datagram: dropped
    if i % 2:
        ok = tcp_echo(big, b"big %d\n" % i) and ok
        ok = tcp_echo(once, b"once %d\n" % i) and ok
    if i % 4 in (1, 2):
        ok = udp_echo(extra, b"extra %d" % i) and ok
    return ok


def memory(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmData"):
                out[k] = int(v.split()[0])
    return out


WATCHED = ("total.", "listener.main.", "listener.mover.", "listener.mover-t.")


def storm(args):
    ports = [int(p) for p in args.ports.split(",")]
    assert len(ports) == 6, "six ports"
    failed = echo_failed = decreases = 0
    first = "none"
    prev = {}
    deadline = time.monotonic() + args.seconds
    n = 0
    while n < args.count and time.monotonic() < deadline:
        n += 1
        mover, ls = listeners(n, ports)
        write(args.conf, conf_text(args, ls))
        rep = ctl(args.ctl, "reload")
        if not rep[0].startswith("OK"):
            failed += 1
            if first == "none":
                first = "reload %d: %s" % (n, " | ".join(rep[:4]))
        if not traffic(n, ports, mover):
            echo_failed += 1
            if first == "none":
                first = "echo in round %d" % n
        st = kv(ctl(args.ctl, "stats"))
        for k, v in st.items():
            if not k.startswith(WATCHED) or not v.isdigit():
                continue
            if k in prev and int(v) < prev[k]:
                decreases += 1
                if first == "none":
                    first = "round %d: %s went from %d to %s" % (
                        n, k, prev[k], v)
            prev[k] = int(v)
        if n >= args.warmup and (n - args.warmup) % args.every == 0:
            m = memory(args.pid)
            print("mem round=%d rss_kb=%d vmdata_kb=%d"
                  % (n, m["VmRSS"], m["VmData"]), flush=True)
    print("reloads=%d reload_failed=%d echo_failed=%d decreases=%d first=%s"
          % (n, failed, echo_failed, decreases, first), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("idle")
    a.add_argument("conf")
    a.add_argument("ctl")
    a.add_argument("port", type=int)
    b = sub.add_parser("storm")
    b.add_argument("conf")
    b.add_argument("ctl")
    b.add_argument("pid", type=int)
    b.add_argument("ports")
    b.add_argument("--warmup", type=int, default=200)
    b.add_argument("--every", type=int, default=100)
    for x in (a, b):
        x.add_argument("--count", type=int, default=600)
        x.add_argument("--seconds", type=float, default=240)
    args = p.parse_args()
    if args.cmd == "idle":
        idle(args)
        return 0
    # Memory is sampled in rounds where big and extra are absent.
    args.every += -args.every % 4
    args.warmup += -args.warmup % 4
    storm(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
