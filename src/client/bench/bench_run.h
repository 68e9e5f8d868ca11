/*
 * bench_run: what one load-generator run is asked to do (struct bench_opts,
 * and the modes' names), what one thread's share of it is (struct
 * bench_share) and what that thread measured (struct bench_stats).  Each
 * thread fills its own stats; bench.c merges them after the threads are
 * joined, so no counter is shared while the load runs.
 */
#ifndef ECHOD_BENCH_RUN_H
#define ECHOD_BENCH_RUN_H

#include <stdint.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "client/bench/bench_hist.h"
#include "client/bench/bench_pattern.h"

enum bench_mode {
	BENCH_PINGPONG,		/* one message in flight per connection */
	BENCH_PIPELINE,		/* `depth` messages in flight per connection */
	BENCH_STREAM,		/* bulk: a window of chunks in flight */
	BENCH_CHURN,		/* connect, echo one message, close, repeat */
	BENCH_UDP,		/* `depth` datagrams in flight per socket */
	BENCH_IDLE,		/* open conns, one echo each, then hold them */
};

struct bench_opts {
	enum bench_mode mode;
	struct addr target;
	uint32_t conns;		/* TCP connections, UDP sockets, churn slots */
	uint32_t size;		/* message, chunk or datagram size */
	uint32_t depth;		/* messages/datagrams in flight per conn */
	uint32_t threads;
	uint64_t count;		/* stop after this many messages (0: none) */
	double duration;	/* stop after this long (always set) */
	double loss_timeout;	/* UDP: unanswered after this long = lost */
	double hold;		/* idle: keep the connections this long */
	int quiet;
	int io_uring;		/* TCP: batch reads and writes (iobatch.h) */
	/* An ordinary client: a system call per message (TCP: a send per
	 * message, a recv per readable event; UDP: a send and a recv per
	 * datagram), no io_uring, no sendmmsg/recvmmsg. */
	int plain;
	const struct bench_pattern *pat;	/* shared, read-only */
};

struct bench_stats {
	uint64_t messages;	/* completed echoes (msgs, chunks, cycles) */
	uint64_t bytes;		/* echoed bytes verified */
	uint64_t errors;	/* socket errors, unexpected EOF, refused */
	uint64_t mismatches;	/* echoed bytes that differed */
	uint64_t udp_sent;
	uint64_t udp_lost;	/* unanswered within loss_timeout */
	uint64_t udp_late;	/* answers after they were declared lost */
	uint64_t udp_dup;	/* answers to a datagram already answered */
	uint64_t udp_blocked;	/* send refused with EAGAIN/ENOBUFS */
	uint64_t established;	/* idle: connections open and answering */
	double elapsed;		/* seconds of measured load */
	struct bench_hist hist;	/* latency of each completed echo, ns */
};

/* One thread's share of the work: `conns` of opts->conns, a message budget,
 * and ids that keep its byte patterns distinct from other threads'. */
struct bench_share {
	const struct bench_opts *opts;
	uint32_t conns;
	uint32_t first_id;
	uint64_t budget;	/* messages this thread may start (0: none) */
	struct bench_stats stats;
};

const char *bench_mode_name(enum bench_mode m);
/* "pingpong" ... "idle" to the mode; 0/-1. */
int bench_mode_parse(const char *s, enum bench_mode *m);

#endif
