/*
 * memtrim: hand the kernel back the heap pages that freed connection
 * buffers leave behind in the workers' malloc arenas.
 *
 * The soak measured 5.9 MB of arena against 0.67 MB in use per worker
 * once its load had gone, and RSS that grew by steps of a few MB whenever
 * a rarer peak of buffers came (the limits bound it, but an idle echod
 * should not hold it).  Two causes, two cures:
 *  - glibc shrinks an arena from its top once the free top exceeds the
 *    trim threshold, but that threshold follows the largest mmapped block
 *    freed so far (twice its size, up to 64 MiB): every reload that drops
 *    a source table of a few MB raises it, until no worker arena shrinks
 *    any more.  memtrim_tune fixes both thresholds, which turns that
 *    adjustment off.
 *  - below the top, a buffer freed next to one still in use stays
 *    resident.  malloc_trim(0) gives back the free pages of every arena;
 *    it locks each arena while it walks it, so it runs only when
 *    mallinfo2 says at least MEMTRIM_MIN bytes were freed since the last
 *    trim (or since the free memory was last reused), checked every
 *    MEMTRIM_PERIOD seconds.  HAProxy trims the same way when it releases
 *    its pools.
 * Without glibc's malloc_trim and mallopt this does nothing.
 */
#include "config.h"

#include <stdbool.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif

#include "daemon/memtrim.h"

#define MEMTRIM_PERIOD 2.0
#define MEMTRIM_MIN (1024 * 1024)
/* Blocks from this size on are mapped on their own and unmapped when
 * freed (source and connection tables, buffers above 1 MiB); connection
 * buffers of the default sizes stay in the arenas. */
#define MEMTRIM_MMAP_FROM (1024 * 1024)
#define MEMTRIM_TOP_MAX (1024 * 1024)	/* an arena's free top, at most */

void
memtrim_tune(void)
{
#ifdef HAVE_MALLOPT
	mallopt(M_MMAP_THRESHOLD, MEMTRIM_MMAP_FROM);
	mallopt(M_TRIM_THRESHOLD, MEMTRIM_TOP_MAX);
#endif
}

#if defined(HAVE_MALLOC_TRIM) && defined(HAVE_MALLINFO2)
static size_t
heap_free_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.fordblks;
}

static void
memtrim_check(struct memtrim *m)
{
	size_t now = heap_free_bytes();

	/* Free memory that was taken again is resident again: count what
	 * is freed from that lower mark on. */
	if (now < m->baseline)
		m->baseline = now;
	if (now - m->baseline < MEMTRIM_MIN)
		return;
	malloc_trim(0);
	m->baseline = heap_free_bytes();
	log_debug(m->log, "heap trimmed: %zu kB of it free", now / 1024);
}
#else
static size_t
heap_free_bytes(void)
{
	return 0;
}

static void
memtrim_check(struct memtrim *m)
{
	(void)m;
}
#endif

static void
memtrim_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	memtrim_check((struct memtrim *)t);
}

void
memtrim_start(struct memtrim *m, struct ev_loop *loop, struct logger *log)
{
	m->log = log;
	m->baseline = heap_free_bytes();
	ev_timer_init(&m->timer, memtrim_cb, MEMTRIM_PERIOD, MEMTRIM_PERIOD);
	ev_timer_start(loop, &m->timer);
}

void
memtrim_stop(struct memtrim *m, struct ev_loop *loop)
{
	ev_timer_stop(loop, &m->timer);
}
