#!/usr/bin/env python3
"""stamp_peer: an RFC 8762 STAMP peer for the tests, written from the RFC's
packet figures with struct (not from echod's or echoctl's code).

  stamp_peer.py reflect PORTFILE [--stateful] [--drop-forward N,...]
                [--drop-backward N,...] [--count N]
      A session reflector on 127.0.0.1 (port 0; the port is written to
      PORTFILE).  --drop-forward drops the test packets with these sender
      sequence numbers as if the network had (not counted by a stateful
      reflector); --drop-backward counts them but sends no answer.  Exits
      after --count packets (default 1000) or 60 s without traffic.

  The layouts (RFC 8762 §4.2.1 and §4.3.1, unauthenticated):
    sender:    !I Q H 30x                      seq, T1, err, MBZ
    reflector: !I Q H 2x Q I Q H 2x B 3x       seq, T3, err, MBZ, T2,
                                               sender seq, T1, sender err,
                                               MBZ, sender TTL, MBZ
"""
import argparse
import os
import socket
import struct
import sys
import time

SENDER = struct.Struct("!IQH30x")
REFLECTOR = struct.Struct("!IQH2xQIQH2xB3x")
assert SENDER.size == 44 and REFLECTOR.size == 44
NTP_UNIX = 2208988800  # seconds from 1900 to 1970
# Linux's values where this python's socket module lacks the names.
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
IPV6_HOPLIMIT = getattr(socket, "IPV6_HOPLIMIT", 52)


def ntp_now():
    ns = time.time_ns()
    sec, frac_ns = divmod(ns, 10**9)
    return ((sec + NTP_UNIX) % 2**32) << 32 | (frac_ns << 32) // 10**9


def ttl_of(ancdata):
    for level, kind, data in ancdata:
        if (level, kind) in ((socket.IPPROTO_IP, socket.IP_TTL),
                             (socket.IPPROTO_IPV6, IPV6_HOPLIMIT)):
            return int.from_bytes(data[:4], sys.byteorder) & 0xff
    return 0


def reflect(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    s.bind(("127.0.0.1", 0))
    s.settimeout(60)
    with open(args.portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(args.portfile + ".tmp", args.portfile)
    fwd = {int(x) for x in args.drop_forward.split(",") if x}
    bwd = {int(x) for x in args.drop_backward.split(",") if x}
    counter = 0
    for _ in range(args.count):
        try:
            data, anc, _flags, peer = s.recvmsg(65536, 256)
        except socket.timeout:
            break
        t2 = ntp_now()
        if len(data) < 44:
            continue
        seq, t1, err = SENDER.unpack_from(data)
        if seq in fwd:
            continue
        own = counter if args.stateful else seq
        counter += 1
        if seq in bwd:
            continue
        t3 = ntp_now()
        out = REFLECTOR.pack(own, t3, 0x0001, t2, seq, t1, err, ttl_of(anc))
        s.sendto(out + bytes(len(data) - 44), peer)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("reflect")
    r.add_argument("portfile")
    r.add_argument("--stateful", action="store_true")
    r.add_argument("--drop-forward", default="")
    r.add_argument("--drop-backward", default="")
    r.add_argument("--count", type=int, default=1000)
    args = ap.parse_args()
    reflect(args)


if __name__ == "__main__":
    main()
