/*
 * srctable: a fixed-size table of traffic sources, the one behind both the
 * UDP rate limits (ratelimit.c) and the TCP per-source limits
 * (connlimit.c).
 *
 * A source is its address cut to a prefix, IPv4 as v4-mapped IPv6 (/32 and
 * /64 by default: one IPv6 host usually owns a whole /64, so keying per
 * address would let it rotate addresses for free).  The table never grows:
 * a source hashes (keyed with a random seed, so a peer cannot aim at one
 * window) to a window of SRCTABLE_PROBE slots; a new source takes a free
 * slot in its window or evicts the one seen least recently (in the order of
 * lookups, not of clock readings, which a batch of datagrams shares) among
 * those its owner allows.  A table may also forget what it has not seen for `idle`
 * seconds (the STAMP reflector's sessions); keys other than one source's
 * prefix (a 5-tuple) are a keyed digest of their words (srctable_digest).  The owner's slot type begins with struct srctable_slot;
 * the table knows only that header and the slot size.  No locks: one
 * owner at a time.
 */
#ifndef ECHOD_SRCTABLE_H
#define ECHOD_SRCTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SRCTABLE_PROBE 8		/* slots examined per lookup */
#define SRCTABLE_MAX_SLOTS (1u << 24)

struct srctable_slot {
	uint64_t key[2];
	double last;			/* last seen (monotonic); 0 = free */
	/* The table's tick when last looked up or claimed: the order of
	 * eviction.  Not `last`: a batch of datagrams shares one clock
	 * reading, and a flooder must not lose its slot to a tie. */
	uint64_t seen;
};

struct srctable {
	unsigned char *slots;
	size_t slot_size;
	uint32_t mask;
	uint64_t seed[2];
	double idle;			/* forget slots unseen this long; 0 = never */
	size_t used;
	uint64_t evictions;		/* live slots given to another key */
	uint64_t tick;			/* lookups and claims so far */
};

/* At least `min_slots` (rounded up to a power of two, SRCTABLE_PROBE ..
 * SRCTABLE_MAX_SLOTS) slots of slot_size bytes.  0, or -1 with err. */
int srctable_init(struct srctable *t, uint32_t min_slots, size_t slot_size,
    char *err, size_t errlen);
void srctable_fini(struct srctable *t);
size_t srctable_bytes(const struct srctable *t);

/* The slot holding key, or NULL.  `now` matters only to a table with an
 * idle time (a slot unseen for longer is free again). */
void *srctable_lookup(struct srctable *t, const uint64_t key[2], double now);
/* A slot for a key that has none: a free one, else the least recently
 * seen one that `evictable` accepts (any, when it is NULL); NULL when
 * there is none.  The slot comes back zeroed but for its key and `last`
 * (= now, or the smallest time above 0). */
void *srctable_claim(struct srctable *t, const uint64_t key[2], double now,
    bool (*evictable)(const void *slot));

/* A key for anything else (a 5-tuple, say): a digest of n words keyed with
 * the table's seed, so a peer cannot make two keys collide. */
void srctable_digest(const struct srctable *t, const uint64_t *words,
    size_t n, uint64_t key[2]);
/* Prefix lengths that make sense (IPv4 0-32, IPv6 0-128): 0, or -1 with
 * err. */
int srctable_check_prefixes(unsigned v4_prefix, unsigned v6_prefix,
    char *err, size_t errlen);
/* The source key of an address under the prefix lengths.  -1 if not IP. */
int srctable_key(const struct sockaddr *sa, unsigned v4_prefix,
    unsigned v6_prefix, uint64_t key[2]);
/* 127/8 (also v4-mapped) or ::1. */
bool srctable_is_loopback(const struct sockaddr *sa);

#endif
