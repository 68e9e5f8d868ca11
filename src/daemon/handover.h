/*
 * handover: a restart that keeps echod's sockets (issue 15).
 *
 * The units' stop helper (`echod --stop-helper`, service.h) asks the
 * running echod with SIGUSR2, carrying the number of free fd store slots,
 * when and only when systemd is restarting the unit.  echod then stops
 * accepting and reading, lets each connection write out what it has
 * pending (at most drain_timeout; one that cannot is closed), takes the
 * connections from the workers and leaves them, in carriers (fdstore.h),
 * together with its own listening TCP and UDP sockets in systemd's fd
 * store, and exits.  What peers send meanwhile waits in the kernel.
 *
 * At start, the next echod adopts the stored sockets that fit its
 * listeners (listener.c) and the connections of each carrier into the TCP
 * listener of that name (spread over the workers, admitted against the
 * limits of now: tcp_accept.c), closes what matches nothing, and removes
 * every stored name: while echod runs its store is empty, so a stop, a
 * crash and Restart=on-failure find nothing of it there.
 *
 * SIGTERM and SIGINT keep meaning "drain and exit".
 */
#ifndef ECHOD_HANDOVER_H
#define ECHOD_HANDOVER_H

struct echod;

/* The stop helper's request (daemon.c reads it): systemd restarts echod
 * and its store has `slots` free slots.  0: the hand-over is under way and
 * ends echod's loop when done; -1: not possible (said why): drain. */
int handover_begin(struct echod *d, int slots);
/* After startup opened its listeners: adopt the stored connections,
 * close and log the stored fds nothing took, empty the store. */
void handover_adopted(struct echod *d);

#endif
