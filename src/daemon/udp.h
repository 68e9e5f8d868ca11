/*
 * udp: datagram echo.  Each datagram is echoed once, to its sender, from
 * the address it was sent to, with the same bytes; datagrams larger than
 * max_datagram are dropped and counted, never echoed cut short; a reply
 * that would block is dropped and counted.  Datagrams are received and sent
 * in batches (recvmmsg/sendmmsg), a bounded number per callback.
 * STAMP listeners (stamp_reflect.h) take the same path and answer each
 * test packet with a reflector packet of its length instead.
 */
#ifndef ECHOD_UDP_H
#define ECHOD_UDP_H

/* What the workers run UDP and STAMP listeners with (worker.h). */
extern const struct worker_proto udp_proto;
extern const struct worker_proto stamp_proto;

#endif
