#!/usr/bin/python3
"""The seed's Python asyncio echo servers (../shared/seed/asyncio-echo-notes.txt),
the TCP one and the UDP one in one process, as an anchor for scripts/bench.

The protocol classes are the seed's, unchanged: they decode each chunk as
text and print every message, exactly as the seed does.  Only the addresses
are parameters, and --uvloop runs the same code on uvloop's event loop.

usage: seed_server.py [--host 127.0.0.1] [--tcp 8888] [--udp 9999] [--uvloop]
(a port of 0 turns that server off)
"""
import argparse
import asyncio


class EchoServerProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.peername = transport.get_extra_info('peername')
        print('Connection from {}'.format(self.peername))
        self.transport = transport

    def data_received(self, data):
        message = data.decode()
        print('{} received: {!r}'.format(self.peername, message))
        print('{} Send: {!r}'.format(self.peername, message))
        self.transport.write(data)

    def connection_lost(self, exc):
        print('{} closed the connection'.format(self.peername))


class EchoDatagramProtocol:
    def __init__(self, on_con_lost):
        self.on_con_lost = on_con_lost
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        message = data.decode()
        print('Received %r from %s' % (message, addr))
        print('Send %r to %s' % (message, addr))
        self.transport.sendto(data, addr)

    def connection_lost(self, exc):
        print("server closed")
        if not self.on_con_lost.done():
            self.on_con_lost.set_result(True)


async def main(args):
    loop = asyncio.get_running_loop()
    server = None
    if args.tcp:
        server = await loop.create_server(
            lambda: EchoServerProtocol(), args.host, args.tcp)
        addr = server.sockets[0].getsockname()
        print(f'Serving on {addr}')
    if args.udp:
        print("Starting UDP server")
        on_con_lost = loop.create_future()
        await loop.create_datagram_endpoint(
            lambda: EchoDatagramProtocol(on_con_lost),
            local_addr=(args.host, args.udp))
    # Readiness line for scripts (printed after both sockets are bound).
    print('ready', flush=True)
    if server is not None:
        async with server:
            await server.serve_forever()
    else:
        await asyncio.sleep(3600)  # Serve for 1 hour, as the seed does.


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--tcp', type=int, default=8888)
    p.add_argument('--udp', type=int, default=9999)
    p.add_argument('--uvloop', action='store_true')
    return p.parse_args()


if __name__ == '__main__':
    args = parse()
    if args.uvloop:
        import uvloop
        uvloop.install()
    try:
        asyncio.run(main(args))
    except KeyboardInterrupt:
        pass
