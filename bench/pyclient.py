#!/usr/bin/python3
"""An independent ping-pong client (Python asyncio, optionally uvloop) to
cross-check `echoctl bench`: same workload (N connections, one message in flight
each), every echo compared with what was sent, msg/s over a fixed time.

usage: pyclient.py [--host 127.0.0.1] [--port 8888] [--conns 50]
                   [--size 64] [--duration 3] [--uvloop]
"""
import argparse
import asyncio
import os
import time


async def conn(host, port, size, stop_at, counts, i):
    reader, writer = await asyncio.open_connection(host, port)
    n = bad = 0
    while time.monotonic() < stop_at:
        msg = os.urandom(size)
        writer.write(msg)
        got = await reader.readexactly(size)
        bad += got != msg
        n += 1
    writer.close()
    counts[i] = (n, bad)


async def main(a):
    counts = [(0, 0)] * a.conns
    start = time.monotonic()
    stop_at = start + a.duration
    await asyncio.gather(*(conn(a.host, a.port, a.size, stop_at, counts, i)
                           for i in range(a.conns)))
    took = time.monotonic() - start
    n = sum(c[0] for c in counts)
    bad = sum(c[1] for c in counts)
    print(f'pyclient: {n} messages in {took:.2f} s = {n / took:.0f} msg/s, '
          f'{bad} bad echoes')


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=8888)
    p.add_argument('--conns', type=int, default=50)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--duration', type=float, default=3.0)
    p.add_argument('--uvloop', action='store_true')
    args = p.parse_args()
    if args.uvloop:
        import uvloop
        uvloop.install()
    asyncio.run(main(args))
