/*
 * client_verify_udp: the UDP engine of `echoctl verify`.  Datagram i
 * carries bytes [i*size, (i+1)*size) of the seeded stream, its first 12
 * bytes replaced by "EcVf" and the index, so every echo names the datagram
 * it claims to be and is checked byte by byte.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "client/client_pattern.h"
#include "client/client_verify_udp.h"
#include "common/clock.h"

#define VERIFY_MAX_DGRAMS	10000000
#define VERIFY_HDR		12

enum verify_dgram {
	VERIFY_UNSENT,
	VERIFY_SENT,
	VERIFY_OK,
	VERIFY_BAD,
	VERIFY_LOST,
};

static const unsigned char verify_magic[4] = { 'E', 'c', 'V', 'f' };

static void
verify_udp_build(const struct verify_udp *u, uint64_t i, unsigned char *b)
{
	const struct client_opts *o = u->o;
	uint32_t hi = htonl((uint32_t)(i >> 32)), lo = htonl((uint32_t)i);

	client_pattern_fill(o->seed, i * o->size, b, o->size);
	memcpy(b, verify_magic, 4);
	memcpy(b + 4, &hi, 4);
	memcpy(b + 8, &lo, 4);
}

static void
verify_udp_refused(struct verify_udp *u)
{
	struct verify_result *r = u->r;

	r->refused++;
	if (r->ok == 0) {
		snprintf(r->why, sizeof(r->why), "connection refused (ICMP port "
		    "unreachable: nothing listens there)");
		verify_result_end(u->r, u->l, "refused");
	}
}

static void
verify_udp_send(void *arg)
{
	struct verify_udp *u = arg;
	unsigned char buf[65536];
	/* In flight: at most VERIFY_WINDOW datagrams and about 128 KiB, which
	 * the receive buffers on both sides hold even for 64 KiB datagrams. */
	uint64_t window = 131072 / u->o->size;

	if (window > VERIFY_WINDOW)
		window = VERIFY_WINDOW;
	if (window == 0)
		window = 1;
	while (u->next < (uint64_t)u->o->count && u->inflight < window) {
		verify_udp_build(u, u->next, buf);
		if (send(u->l->fd, buf, u->o->size, 0) == -1) {
			if (errno == ECONNREFUSED) {
				verify_udp_refused(u);
				if (u->r->result != NULL)
					return;
				continue;	/* the error was consumed: resend */
			}
			if (errno == EAGAIN || errno == ENOBUFS ||
			    errno == EINTR) {
				client_loop_want_write(u->l, 1);
				return;
			}
			snprintf(u->r->why, sizeof(u->r->why), "send: %s",
			    strerror(errno));
			verify_result_end(u->r, u->l, "error");
			return;
		}
		u->state[u->next] = VERIFY_SENT;
		u->sent_at[u->next] = clock_mono();
		u->next++;
		u->inflight++;
		if (u->r->result != NULL)
			return;
	}
	client_loop_want_write(u->l, 0);
}

/* Declare overdue datagrams lost, send more, finish when all resolved. */
static void
verify_udp_sweep(void *arg)
{
	struct verify_udp *u = arg;
	double now = clock_mono();

	for (; u->oldest < u->next; u->oldest++) {
		if (u->state[u->oldest] != VERIFY_SENT)
			continue;
		if (now - u->sent_at[u->oldest] < u->o->timeout)
			break;
		u->state[u->oldest] = VERIFY_LOST;
		if (u->r->lost++ == 0)
			u->r->first_lost = u->oldest;
		u->inflight--;
	}
	verify_udp_send(u);
	if (u->next == (uint64_t)u->o->count && u->inflight == 0)
		verify_result_end(u->r, u->l, "done");
}

static void
verify_udp_bad(struct verify_udp *u, uint64_t i)
{
	if (u->state[i] == VERIFY_SENT) {
		u->state[i] = VERIFY_BAD;
		u->inflight--;
	}
}

/* Check one echo against the datagram its header names. */
static void
verify_udp_check(struct verify_udp *u, const unsigned char *b, size_t n,
    unsigned char *want)
{
	struct verify_result *r = u->r;
	uint32_t hi, lo;
	uint64_t i;
	size_t k, m = n < u->o->size ? n : u->o->size;

	if (n < VERIFY_HDR || memcmp(b, verify_magic, 4) != 0) {
		r->unknown++;
		return;
	}
	memcpy(&hi, b + 4, 4);
	memcpy(&lo, b + 8, 4);
	i = ((uint64_t)ntohl(hi) << 32) | ntohl(lo);
	if (i >= u->next) {
		r->unknown++;
		return;
	}
	verify_udp_build(u, i, want);
	for (k = 0; k < m && b[k] == want[k]; k++)
		;
	if (k < m) {
		uint64_t off = i * u->o->size + k;

		if (r->corrupt++ == 0 || off < r->first_corrupt)
			r->first_corrupt = off;
		verify_udp_bad(u, i);
	} else if (n > u->o->size) {
		/* Right as far as it goes, but longer: its first wrong byte
		 * would be "byte 0 of" the next datagram, which was not
		 * this one (nor, for the last, sent at all). */
		if (r->oversized++ == 0 || i < r->first_long) {
			r->first_long = i;
			r->long_len = n;
		}
		verify_udp_bad(u, i);
	} else if (n < u->o->size) {
		if (r->truncated++ == 0 || i < r->first_trunc) {
			r->first_trunc = i;
			r->trunc_len = n;
		}
		verify_udp_bad(u, i);
	} else if (u->state[i] == VERIFY_OK || u->state[i] == VERIFY_BAD) {
		r->dup++;
	} else {
		if (u->state[i] == VERIFY_LOST)
			r->lost--;	/* late, but here and intact */
		else
			u->inflight--;
		u->state[i] = VERIFY_OK;
		r->ok++;
	}
}

static void
verify_udp_data(void *arg, const unsigned char *b, size_t n)
{
	struct verify_udp *u = arg;
	unsigned char want[CLIENT_LOOP_CHUNK];

	verify_udp_check(u, b, n, want);
	verify_udp_sweep(u);
}

/* ICMP port unreachable; other errors leave the datagrams to time out. */
static void
verify_udp_error(void *arg, int err)
{
	if (err == ECONNREFUSED)
		verify_udp_refused(arg);
}

const struct client_loop_ops verify_udp_ops = {
	.data = verify_udp_data, .error = verify_udp_error,
	.write = verify_udp_send, .timer = verify_udp_sweep,
};

int
verify_udp_start(struct verify_udp *u)
{
	uint64_t count = (uint64_t)u->o->count;

	if (count > VERIFY_MAX_DGRAMS) {
		fprintf(stderr, "echoctl: verify: -c is at most %d datagrams\n",
		    VERIFY_MAX_DGRAMS);
		return -1;
	}
	u->state = calloc(count, 1);
	u->sent_at = calloc(count, sizeof(double));
	if (u->state == NULL || u->sent_at == NULL) {
		fprintf(stderr, "echoctl: out of memory\n");
		return -1;
	}
	client_loop_timer(u->l, 0.02);		/* the loss sweep */
	verify_udp_send(u);
	return 0;
}

void
verify_udp_result(struct verify_udp *u)
{
	struct verify_result *r = u->r;
	uint64_t i;

	/* Interrupted: whatever is still in flight never came back. */
	for (i = u->oldest; i < u->next; i++)
		if (u->state[i] == VERIFY_SENT && r->lost++ == 0)
			r->first_lost = i;
	if (r->result == NULL || strcmp(r->result, "done") == 0)
		r->result = r->ok == (uint64_t)u->o->count && !r->dup &&
		    !r->unknown ? "ok" : "failed";
}

void
verify_udp_free(struct verify_udp *u)
{
	free(u->state);
	free(u->sent_at);
}
