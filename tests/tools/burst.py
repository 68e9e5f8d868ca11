#!/usr/bin/python3
"""burst: bursts at an echo server that all wait in its sockets at once,
each answer checked.

usage: burst.py udp HOST PORT [--sizes S,S,...] [--count N] [--socks K]
                    [--gro] [--stop-pid PID] [--src ADDR] [--timeout SEC]
       burst.py tcp HOST PORT [--socks K] [--sizes S] [--stop-pid PID]
                    [--timeout SEC]

udp: K sockets each send the datagrams of --sizes (cycled to --count per
socket), interleaved, each starting with a header naming its socket and
sequence number and filled from it.  With --stop-pid the server is stopped
(SIGSTOP) while the burst is sent and continued (SIGCONT) after it, so the
whole burst waits in its socket at once.  Every answer must be exactly one
request, and each socket must get its answers in the order it sent them.
--gro turns on UDP_GRO on the client sockets: the kernel then hands over a
GSO train the server sent as one read with the segment size in a control
message; the train is cut there and each piece checked the same way.
--src: the address every answer must come from (default HOST).
Prints "ok datagrams=N reads=R trains=T" and exits 0, or says what was
wrong and exits 1.

tcp: K connections each echo one byte (so the server has accepted them
all), then each sends one message of the first --sizes bytes while the
server is stopped (--stop-pid), so that all K are readable in the server's
next loop iteration; every echo must come back exact.
Prints "ok conns=K bytes=B".
"""
import argparse
import os
import select
import signal
import socket
import struct
import sys
import time

SOL_UDP = 17
UDP_GRO = 104
HDR = struct.Struct('!HI')        # socket, sequence


def payload(sock_id, seq, size):
    head = HDR.pack(sock_id, seq)
    body = bytes((sock_id * 131 + seq * 7 + i) & 0xff for i in range(size))
    return (head + body[len(head):])[:size] if size >= len(head) else \
        body[:size]


def stopped(pid):
    """Every thread of pid is stopped (state T)."""
    try:
        for t in os.listdir(f'/proc/{pid}/task'):
            with open(f'/proc/{pid}/task/{t}/stat') as f:
                st = f.read()
            if st[st.rindex(')') + 2] not in 'tT':
                return False
    except OSError:
        return False
    return True


class Stopped:
    """The server stopped (every thread in state T) for the with-block."""

    def __init__(self, pid, timeout):
        self.pid, self.timeout = pid, timeout

    def __enter__(self):
        if not self.pid:
            return self
        os.kill(self.pid, signal.SIGSTOP)
        limit = time.monotonic() + self.timeout
        while not stopped(self.pid):
            if time.monotonic() > limit:
                os.kill(self.pid, signal.SIGCONT)
                sys.exit(f'process {self.pid} did not stop')
            time.sleep(0.001)
        return self

    def __exit__(self, *exc):
        if self.pid:
            os.kill(self.pid, signal.SIGCONT)


def tcp(a, sizes):
    conns = []
    for _ in range(a.socks):
        c = socket.create_connection((a.host, a.port), timeout=a.timeout)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conns.append(c)
    # One echo each first: every connection is accepted and watched by the
    # server before the burst.
    for c in conns:
        c.sendall(b'.')
        if c.recv(1) != b'.':
            sys.exit('warm-up echo failed')
    want = [payload(k, 0, sizes[0]) for k in range(a.socks)]
    with Stopped(a.stop_pid, a.timeout):
        for c, w in zip(conns, want):
            c.sendall(w)
    total = 0
    for k, (c, w) in enumerate(zip(conns, want)):
        got = b''
        while len(got) < len(w):
            chunk = c.recv(len(w) - len(got))
            if not chunk:
                sys.exit(f'connection {k}: closed after {len(got)} bytes')
            got += chunk
        if got != w:
            sys.exit(f'connection {k}: echo differs from what was sent')
        total += len(got)
        c.close()
    print(f'ok conns={a.socks} bytes={total}')


def main():
    p = argparse.ArgumentParser()
    p.add_argument('proto', choices=('udp', 'tcp'))
    p.add_argument('host')
    p.add_argument('port', type=int)
    p.add_argument('--sizes', default='100')
    p.add_argument('--count', type=int, default=64)
    p.add_argument('--socks', type=int, default=1)
    p.add_argument('--gro', action='store_true')
    p.add_argument('--stop-pid', type=int)
    p.add_argument('--src')
    p.add_argument('--timeout', type=float, default=5)
    a = p.parse_args()
    sizes = [int(s) for s in a.sizes.split(',')]
    if a.proto == 'tcp':
        tcp(a, sizes)
        return
    fam = socket.AF_INET6 if ':' in a.host else socket.AF_INET
    socks = []
    for _ in range(a.socks):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        if a.gro:
            s.setsockopt(SOL_UDP, UDP_GRO, 1)
        s.connect((a.host, a.port))
        socks.append(s)
    want = [[payload(k, i, sizes[i % len(sizes)]) for i in range(a.count)]
            for k in range(a.socks)]
    with Stopped(a.stop_pid, a.timeout):
        for i in range(a.count):
            for k, s in enumerate(socks):
                s.send(want[k][i])
    got = [0] * a.socks
    reads = trains = 0
    src = a.src or a.host
    deadline = time.monotonic() + a.timeout
    while any(got[k] < a.count for k in range(a.socks)):
        left = deadline - time.monotonic()
        if left <= 0:
            sys.exit(f'timeout: got {got} of {a.count} per socket')
        ready, _, _ = select.select(socks, [], [], left)
        for s in ready:
            k = socks.index(s)
            data, anc, _flags, addr = s.recvmsg(1 << 20, 256)
            reads += 1
            if addr[0] != src:
                sys.exit(f'answer from {addr[0]}, expected {src}')
            seg = None
            for level, kind, val in anc:
                if level == SOL_UDP and kind == UDP_GRO:
                    seg = struct.unpack('=H', val[:2])[0] if len(val) < 4 \
                        else struct.unpack('=I', val[:4])[0]
            pieces = [data]
            if seg is not None and seg > 0 and len(data) > seg:
                pieces = [data[o:o + seg] for o in range(0, len(data), seg)]
                trains += 1
            for piece in pieces:
                if got[k] >= a.count:
                    sys.exit(f'socket {k}: more answers than requests')
                if piece != want[k][got[k]]:
                    sys.exit(f'socket {k}: answer {got[k]} is not request '
                             f'{got[k]} ({len(piece)} bytes, expected '
                             f'{len(want[k][got[k]])})')
                got[k] += 1
    print(f'ok datagrams={sum(got)} reads={reads} trains={trains}')


if __name__ == '__main__':
    main()
