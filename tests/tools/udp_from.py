#!/usr/bin/env python3
"""udp_from: which address do an echo server's UDP replies come from?

usage: udp_from.py [--bind ADDR] [--count N] [--wait S] HOST PORT

Sends N datagrams ("udp_from I") from one unconnected socket (bound to
ADDR, port 0, when given) to HOST PORT and prints one line per reply:
"reply I from ADDR PORT" (the source the kernel saw on the reply, read
with recvmsg), then "replies R of N".  Exit 0 when every datagram was
answered with its own bytes, 1 otherwise.  Python's socket module only:
a client independent of echod's own code.
"""
import argparse
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--wait", type=float, default=5.0)
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    a = ap.parse_args()
    family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    if a.bind:
        s.bind((a.bind, 0))
    want = {}
    for i in range(a.count):
        msg = ("udp_from %d" % i).encode()
        want[msg] = i
        s.sendto(msg, (a.host, a.port))
    got = 0
    end = time.monotonic() + a.wait
    while got < a.count:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, _, _, src = s.recvmsg(65536)
        except socket.timeout:
            break
        if data in want:
            print("reply %d from %s %d" % (want.pop(data), src[0], src[1]))
            got += 1
    print("replies %d of %d" % (got, a.count))
    sys.stdout.flush()
    return 0 if got == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
