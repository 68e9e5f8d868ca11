/*
 * memtrim: hand the kernel back the heap pages that freed connection
 * buffers leave behind in the workers' malloc arenas (memtrim.c).
 */
#ifndef ECHOD_MEMTRIM_H
#define ECHOD_MEMTRIM_H

#include <stddef.h>

#include <ev.h>

#include "common/log.h"

struct memtrim {
	ev_timer timer;
	struct logger *log;
	size_t baseline;	/* free heap bytes when last trimmed or reused */
};

/* Fixed allocator thresholds; before the workers start. */
void memtrim_tune(void);
/* Every few seconds on LOOP, until memtrim_stop. */
void memtrim_start(struct memtrim *m, struct ev_loop *loop,
    struct logger *log);
void memtrim_stop(struct memtrim *m, struct ev_loop *loop);

#endif
