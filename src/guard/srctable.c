/*
 * srctable: the table of sources.  See srctable.h.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "guard/srctable.h"

static void
seed_init(uint64_t seed[2])
{
	if (getrandom(seed, 2 * sizeof(seed[0]), GRND_NONBLOCK) !=
	    (ssize_t)(2 * sizeof(seed[0]))) {
		/* Only predictable placement, not wrong results. */
		seed[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
		seed[1] = (uint64_t)getpid() * 0xc2b2ae3d27d4eb4fULL;
	}
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

int
srctable_init(struct srctable *t, uint32_t min_slots, size_t slot_size,
    char *err, size_t errlen)
{
	uint32_t n = SRCTABLE_PROBE;

	memset(t, 0, sizeof(*t));
	if (min_slots > SRCTABLE_MAX_SLOTS) {
		snprintf(err, errlen, "table size must be at most %u",
		    SRCTABLE_MAX_SLOTS);
		return -1;
	}
	while (n < min_slots)
		n <<= 1;
	if ((t->slots = calloc(n, slot_size)) == NULL) {
		snprintf(err, errlen, "out of memory for %u source slots", n);
		return -1;
	}
	t->slot_size = slot_size;
	t->mask = n - 1;
	seed_init(t->seed);
	return 0;
}

void
srctable_fini(struct srctable *t)
{
	free(t->slots);
	t->slots = NULL;
}

size_t
srctable_bytes(const struct srctable *t)
{
	return ((size_t)t->mask + 1) * t->slot_size;
}

static struct srctable_slot *
slot_at(const struct srctable *t, const uint64_t key[2], uint32_t i)
{
	uint32_t h = (uint32_t)mix64(mix64(key[0] ^ t->seed[0]) ^ key[1] ^
	    t->seed[1]);

	return (struct srctable_slot *)(void *)(t->slots +
	    (size_t)((h + i) & t->mask) * t->slot_size);
}

/* A slot unseen for longer than the table's idle time is free again. */
static void
slot_expire(struct srctable *t, struct srctable_slot *s, double now)
{
	if (t->idle > 0 && s->last != 0 && now - s->last > t->idle) {
		s->last = 0;
		t->used--;
	}
}

void *
srctable_lookup(struct srctable *t, const uint64_t key[2], double now)
{
	for (uint32_t i = 0; i < SRCTABLE_PROBE; i++) {
		struct srctable_slot *s = slot_at(t, key, i);

		slot_expire(t, s, now);
		if (s->last != 0 && s->key[0] == key[0] &&
		    s->key[1] == key[1]) {
			s->seen = ++t->tick;
			return s;
		}
	}
	return NULL;
}

void *
srctable_claim(struct srctable *t, const uint64_t key[2], double now,
    bool (*evictable)(const void *slot))
{
	struct srctable_slot *victim = NULL;

	for (uint32_t i = 0; i < SRCTABLE_PROBE; i++) {
		struct srctable_slot *s = slot_at(t, key, i);

		slot_expire(t, s, now);
		if (s->last == 0) {
			victim = s;
			break;
		}
		if ((evictable == NULL || evictable(s)) &&
		    (victim == NULL || s->seen < victim->seen))
			victim = s;
	}
	if (victim == NULL)
		return NULL;
	if (victim->last == 0)
		t->used++;
	else
		t->evictions++;
	memset(victim, 0, t->slot_size);
	victim->key[0] = key[0];
	victim->key[1] = key[1];
	victim->last = now > 0 ? now : 1e-9;	/* 0 marks a free slot */
	victim->seen = ++t->tick;
	return victim;
}

static void
mask_key(uint64_t key[2], unsigned prefix)
{
	if (prefix == 0) {
		key[0] = key[1] = 0;
	} else if (prefix <= 64) {
		key[0] &= prefix == 64 ? ~0ULL : ~(~0ULL >> prefix);
		key[1] = 0;
	} else if (prefix < 128) {
		key[1] &= ~(~0ULL >> (prefix - 64));
	}
}

static uint64_t
load_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void
srctable_digest(const struct srctable *t, const uint64_t *words, size_t n,
    uint64_t key[2])
{
	uint64_t a = t->seed[0], b = t->seed[1] ^ 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < n; i++) {
		a = mix64(a ^ words[i]);
		b = mix64(b + words[i] * 0xc2b2ae3d27d4eb4fULL);
	}
	key[0] = a;
	key[1] = mix64(b ^ n);
}

int
srctable_check_prefixes(unsigned v4_prefix, unsigned v6_prefix, char *err,
    size_t errlen)
{
	if (v4_prefix > 32 || v6_prefix > 128) {
		snprintf(err, errlen, "prefix lengths: IPv4 0-32, IPv6 0-128");
		return -1;
	}
	return 0;
}

int
srctable_key(const struct sockaddr *sa, unsigned v4_prefix,
    unsigned v6_prefix, uint64_t key[2])
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
	const uint8_t *b;

	if (sa->sa_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		key[0] = 0;
		key[1] = 0xffff00000000ULL | (uint64_t)b[0] << 24 |
		    (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
	} else if (sa->sa_family == AF_INET6) {
		key[0] = load_be64(in6->sin6_addr.s6_addr);
		key[1] = load_be64(in6->sin6_addr.s6_addr + 8);
	} else {
		return -1;
	}
	if (key[0] == 0 && (key[1] >> 32) == 0xffff)
		mask_key(key, 96 + (v4_prefix > 32 ? 32 : v4_prefix));
	else
		mask_key(key, v6_prefix > 128 ? 128 : v6_prefix);
	return 0;
}

bool
srctable_is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
	const uint8_t *b;

	if (sa->sa_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		return b[0] == 127;
	}
	if (sa->sa_family != AF_INET6)
		return false;
	if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
		return in6->sin6_addr.s6_addr[12] == 127;
	return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}
