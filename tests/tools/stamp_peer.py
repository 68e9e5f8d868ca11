#!/usr/bin/env python3
"""stamp_peer: an RFC 8762 STAMP peer for the tests, written from the RFC's
packet figures with struct (not from echod's or echoctl's code).

  stamp_peer.py reflect PORTFILE [--stateful] [--drop-forward N,...]
                [--drop-backward N,...] [--count N] [--residence S]
      A session reflector on 127.0.0.1 (port 0; the port is written to
      PORTFILE).  --drop-forward drops the test packets with these sender
      sequence numbers as if the network had (not counted by a stateful
      reflector); --drop-backward counts them but sends no answer.
      --residence claims T3 = T2 + S seconds (answering at once: a
      reflector whose clock or timestamps are wrong).  Exits after --count
      packets (default 1000) or 60 s without traffic.

  stamp_peer.py send HOST PORT [--count N] [--size N] [--ttl N]
                [--mode stateless|stateful] [--first N] [--mbz-garbage]
      A session sender that checks every answer octet by octet: the length
      is the test packet's, the sender's fields are copied, the TTL is the
      one sent with (IP_TTL / IPV6_UNICAST_HOPS), every MBZ octet and every
      octet past 44 is zero, T2 and T3 are NTP times within this script's
      own clock window around the exchange and T2 <= T3, the reflector's
      numbers are ours (stateless) or count from --first (stateful).  One
      socket (one 5-tuple) for all; prints one line per answer, exits 1 at
      the first fault with what it was.

  stamp_peer.py short HOST PORT LEN...
      Datagrams of these lengths (all under 44 octets): exits 1 if any of
      them is answered within half a second.

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
        t3 = ntp_now() if args.residence is None else \
            (t2 + int(args.residence * 2**32)) % 2**64
        out = REFLECTOR.pack(own, t3, 0x0001, t2, seq, t1, err, ttl_of(anc))
        s.sendto(out + bytes(len(data) - 44), peer)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check_answer(i, sent, data, t_before, t_after, args):
    if len(data) != len(sent):
        fail("answer %d: %d octets for a %d-octet test packet"
             % (i, len(data), len(sent)))
    (seq, t3, err, t2, sseq, st1, serr, sttl) = REFLECTOR.unpack_from(data)
    q, t1, e = SENDER.unpack_from(sent)
    if (sseq, st1, serr) != (q, t1, e):
        fail("answer %d: sender fields %r, sent %r" % (i, (sseq, st1, serr),
                                                       (q, t1, e)))
    for off in (14, 15, 38, 39, 41, 42, 43):
        if data[off] != 0:
            fail("answer %d: MBZ octet %d is %d" % (i, off, data[off]))
    if any(data[44:]):
        fail("answer %d: octets past 44 are not zero" % i)
    if sttl != args.ttl:
        fail("answer %d: Ses-Sender TTL %d, sent with %d" % (i, sttl,
                                                            args.ttl))
    if err & 0x4000:
        fail("answer %d: Z bit set (PTP) in the default NTP mode" % i)
    if err & 0xff == 0:
        fail("answer %d: Error Estimate multiplier 0" % i)
    if not t_before <= t2 <= t3 <= t_after:
        fail("answer %d: T2 %x T3 %x not within %x..%x (or T2 > T3)"
             % (i, t2, t3, t_before, t_after))
    want = q if args.mode == "stateless" else args.first + i
    if seq != want:
        fail("answer %d: reflector seq %d, want %d (%s)" % (i, seq, want,
                                                           args.mode))
    print("answer %d: seq=%d sender_seq=%d ttl=%d len=%d err=%04x "
          "t2-t1=%dns t3-t2=%dns" % (i, seq, sseq, sttl, len(data), err,
          ((t2 - t1) * 10**9) >> 32, ((t3 - t2) * 10**9) >> 32))


def send(args):
    fam = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, args.ttl)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, args.ttl)
    s.connect((args.host, args.port))
    s.settimeout(2)
    for i in range(args.count):
        seq = args.seq_base + i
        t_before = ntp_now()
        pkt = bytearray(args.size)
        SENDER.pack_into(pkt, 0, seq, t_before, 0x8001)
        if args.mbz_garbage:
            pkt[14:] = bytes((0xa5 + k) & 0xff for k in range(args.size - 14))
        s.send(pkt)
        try:
            data = s.recv(65536)
        except socket.timeout:
            fail("no answer to test packet %d" % i)
        check_answer(i, bytes(pkt), data, t_before, ntp_now(), args)


def short(args):
    fam = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.connect((args.host, args.port))
    for n in args.lens:
        s.send(bytes(n))
    s.settimeout(0.5)
    try:
        data = s.recv(65536)
    except socket.timeout:
        print("no answer to %d short datagrams" % len(args.lens))
        return
    fail("a %d-octet answer to a short datagram" % len(data))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("reflect")
    r.add_argument("portfile")
    r.add_argument("--stateful", action="store_true")
    r.add_argument("--drop-forward", default="")
    r.add_argument("--drop-backward", default="")
    r.add_argument("--count", type=int, default=1000)
    r.add_argument("--residence", type=float)
    w = sub.add_parser("send")
    w.add_argument("host")
    w.add_argument("port", type=int)
    w.add_argument("--count", type=int, default=5)
    w.add_argument("--size", type=int, default=44)
    w.add_argument("--ttl", type=int, default=64)
    w.add_argument("--mode", choices=("stateless", "stateful"),
                   default="stateless")
    w.add_argument("--first", type=int, default=0)
    w.add_argument("--seq-base", type=int, default=0)
    w.add_argument("--mbz-garbage", action="store_true")
    h = sub.add_parser("short")
    h.add_argument("host")
    h.add_argument("port", type=int)
    h.add_argument("lens", type=int, nargs="+")
    args = ap.parse_args()
    {"reflect": reflect, "send": send, "short": short}[args.cmd](args)


if __name__ == "__main__":
    main()
