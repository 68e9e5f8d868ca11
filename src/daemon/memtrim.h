/*
 * memtrim: hand the kernel back the heap pages that freed connection
 * buffers leave behind in the workers' malloc arenas (memtrim.c).
 */
#ifndef ECHOD_MEMTRIM_H
#define ECHOD_MEMTRIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "common/log.h"

struct memtrim {
	ev_timer timer;
	struct logger *log;
	size_t baseline;	/* free heap bytes when last trimmed or reused */
	uint64_t trims;
};

/* Fixed allocator thresholds; before the workers start. */
void memtrim_tune(void);
/* Every few seconds on LOOP, until memtrim_stop. */
void memtrim_start(struct memtrim *m, struct ev_loop *loop,
    struct logger *log);
void memtrim_stop(struct memtrim *m, struct ev_loop *loop);
/* The check itself: trim when enough was freed since the last time.
 * Returns true if it trimmed. */
bool memtrim_check(struct memtrim *m);

#endif
