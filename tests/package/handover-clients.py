#!/usr/bin/env python3
"""Load for the restart hand-over test (tests/package/t-handover.sh), run
inside the container against the installed echod.

  handover-clients.py DIR TCP_PORT UDP_PORT CONNS

Holds CONNS-1 TCP connections that each send a numbered line whenever the
previous one came back, one connection that streams a seeded byte pattern
and checks every byte of the echo, and a UDP socket that sends a numbered
datagram every millisecond.  Every gap (time from a send to its echo, or
between stream reads while bytes are outstanding) longer than 20 ms is
logged with its wall-clock start, so the test can match gaps to restarts.

Control by files in DIR: it writes DIR/ready once every connection echoed
once; when DIR/final appears it checks each connection once more, writes
DIR/result.json and stops sending; then it waits (up to 60 s) for echod to
close every connection (the test stops the service), and writes
DIR/closed.json: how each connection ended (eof, reset, timeout).
Every loop is bounded: 900 s overall.
"""
import errno
import json
import os
import random
import selectors
import socket
import sys
import time

DIR, TCP_PORT, UDP_PORT, CONNS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
GAP_LOG = 0.020
STREAM_RATE = 2_000_000          # bytes per second
STREAM_WINDOW = 256 * 1024       # at most this much outstanding
UDP_EVERY = 0.001
DEADLINE = time.monotonic() + 900

rnd = random.Random(15)
PATTERN = bytes(rnd.getrandbits(8) for _ in range(65536))


def pattern(off, n):
    out = bytearray()
    while n > 0:
        i = off % len(PATTERN)
        k = min(n, len(PATTERN) - i)
        out += PATTERN[i:i + k]
        off += k
        n -= k
    return bytes(out)


gaps = []            # [kind, index, wall start, seconds]
errors = []


def gap(kind, idx, started_mono, now):
    d = now - started_mono
    if d > GAP_LOG:
        gaps.append([kind, idx, time.time() - (now - started_mono), round(d, 4)])


def receive(conn):
    """What conn's socket has, or b"" with conn.dead set if it ended."""
    try:
        b = conn.s.recv(65536)
    except BlockingIOError:
        return b""
    except OSError as e:
        conn.dead = "reset" if e.errno == errno.ECONNRESET else str(e)
        return b""
    if not b:
        conn.dead = "eof"
    return b


class Held:
    def __init__(self, i):
        self.i = i
        self.s = socket.create_connection(("127.0.0.1", TCP_PORT), timeout=10)
        self.s.setblocking(False)
        self.seq = 0
        self.expect = b""
        self.got = b""
        self.sent_at = None
        self.echoed = 0
        self.dead = None

    def send(self, now):
        self.seq += 1
        self.expect = b"h%d:%d\n" % (self.i, self.seq)
        self.got = b""
        self.s.send(self.expect)
        self.sent_at = now

    def readable(self, now):
        b = receive(self)
        if not b:
            return
        self.got += b
        if len(self.got) >= len(self.expect):
            if self.got != self.expect:
                errors.append("held %d: sent %r got %r" % (self.i, self.expect, self.got))
                self.dead = "mismatch"
                return
            gap("held", self.i, self.sent_at, now)
            self.echoed += 1
            self.sent_at = None


class Stream:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", TCP_PORT), timeout=10)
        self.s.setblocking(False)
        self.sent = 0
        self.recvd = 0
        self.last_progress = time.monotonic()
        self.t0 = time.monotonic()
        self.dead = None

    def pump(self, now):
        want = min(int((now - self.t0) * STREAM_RATE), self.recvd + STREAM_WINDOW)
        while self.sent < want:
            chunk = pattern(self.sent, min(16384, want - self.sent))
            try:
                n = self.s.send(chunk)
            except BlockingIOError:
                break
            except OSError as e:
                self.dead = str(e)
                return
            self.sent += n

    def readable(self, now):
        b = receive(self)
        if not b:
            return
        if b != pattern(self.recvd, len(b)):
            errors.append("stream: wrong bytes at offset %d" % self.recvd)
            self.dead = "mismatch"
            return
        gap("stream", 0, self.last_progress, now)
        self.recvd += len(b)
        self.last_progress = now


class Udp:
    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.connect(("127.0.0.1", UDP_PORT))
        self.s.setblocking(False)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.seq = 0
        self.sent_at = {}
        self.answered = 0
        self.refused = 0
        self.dups = 0
        self.max_delay = 0.0
        self.next = time.monotonic()

    def pump(self, now, stop):
        while not stop and now >= self.next:
            self.seq += 1
            try:
                self.s.send(b"u%d" % self.seq)
                self.sent_at[self.seq] = now
            except ConnectionRefusedError:
                self.refused += 1
            except BlockingIOError:
                pass
            self.next += UDP_EVERY

    def readable(self, now):
        while True:
            try:
                b = self.s.recv(2048)
            except BlockingIOError:
                return
            except ConnectionRefusedError:
                self.refused += 1
                continue
            seq = int(b[1:])
            t = self.sent_at.pop(seq, None)
            if t is None:
                self.dups += 1
                continue
            self.answered += 1
            self.max_delay = max(self.max_delay, now - t)
            gap("udp", seq, t, now)


def write(name, obj):
    tmp = os.path.join(DIR, name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
    os.rename(tmp, os.path.join(DIR, name))


def main():
    held = [Held(i) for i in range(CONNS - 1)]
    stream = Stream()
    udp = Udp()
    sel = selectors.DefaultSelector()
    for h in held:
        sel.register(h.s, selectors.EVENT_READ, h)
    sel.register(stream.s, selectors.EVENT_READ, stream)
    sel.register(udp.s, selectors.EVENT_READ, udp)
    ready = final = False
    final_at = None
    next_round = 0.0
    while time.monotonic() < DEADLINE:
        now = time.monotonic()
        if not final and os.path.exists(os.path.join(DIR, "final")):
            final, final_at = True, now
            for h in held:
                if h.sent_at is None and h.dead is None:
                    h.send(now)
        stop_udp = final
        udp.pump(now, stop_udp)
        if not final:
            stream.pump(now)
            if now >= next_round:
                # a new line on every connection whose last one came back
                for h in held:
                    if h.sent_at is None and h.dead is None:
                        h.send(now)
                next_round = now + 0.2
        for key, _ in sel.select(timeout=0.001):
            key.data.readable(time.monotonic())
        if not ready and all(h.echoed > 0 for h in held) and stream.recvd > 0 and udp.answered > 0:
            ready = True
            open(os.path.join(DIR, "ready"), "w").close()
        if final and (all(h.sent_at is None or h.dead for h in held) and
                      stream.recvd == stream.sent and not udp.sent_at or
                      now - final_at > 10):
            break
    result = {
        "held": len(held),
        "held_ok": sum(1 for h in held if h.dead is None and h.sent_at is None),
        "held_dead": {str(h.i): h.dead for h in held if h.dead},
        "held_waiting": [h.i for h in held if h.sent_at is not None],
        "stream_sent": stream.sent, "stream_echoed": stream.recvd,
        "stream_dead": stream.dead,
        "udp_sent": udp.seq, "udp_answered": udp.answered,
        "udp_missing": len(udp.sent_at), "udp_refused": udp.refused,
        "udp_dups": udp.dups, "udp_max_delay": round(udp.max_delay, 4),
        "errors": errors[:20], "gaps": gaps,
    }
    write("result.json", result)
    # Wait for echod to end every connection (the test stops it).
    conns = [h.s for h in held if h.dead is None] + ([stream.s] if stream.dead is None else [])
    ends = {}
    for s in conns:
        s.setblocking(True)
    end = time.monotonic() + 60
    pending = set(conns)
    while pending and time.monotonic() < end:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            if s not in pending:
                continue
            try:
                b = s.recv(65536)
            except OSError as e:
                ends[s.fileno()] = "reset" if e.errno == errno.ECONNRESET else str(e)
                pending.discard(s)
                sel.unregister(s)
                continue
            if not b:
                ends[s.fileno()] = "eof"
                pending.discard(s)
                sel.unregister(s)
    for s in pending:
        ends[s.fileno()] = "timeout"
    counts = {}
    for v in ends.values():
        counts[v] = counts.get(v, 0) + 1
    write("closed.json", {"conns": len(conns), "ends": counts})


main()
