/*
 * udp: datagram echo.  Each datagram is echoed once, to its sender, from
 * the address it was sent to, with the same bytes; datagrams larger than
 * max_datagram are dropped and counted, never echoed cut short; a reply
 * that would block is dropped and counted.  Datagrams are received and sent
 * in batches (recvmmsg/sendmmsg), a bounded number per callback.
 */
#ifndef ECHOD_UDP_H
#define ECHOD_UDP_H

#include <ev.h>

struct udp_batch;

struct udp_batch *udp_batch_new(void);
void udp_batch_free(struct udp_batch *b);
/* ev_io callback of a UDP socket (a struct wlistener). */
void udp_read_cb(struct ev_loop *loop, ev_io *io, int revents);

#endif
