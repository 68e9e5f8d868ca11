/*
 * client_verify_udp: the UDP half of `echoctl verify` and the report of
 * both.  Datagram i carries bytes [i*size, (i+1)*size) of the seeded stream,
 * its first 12 bytes replaced by "EcVf" and the index, so every echo names
 * the datagram it claims to be and is checked byte by byte.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "client/client_pattern.h"
#include "client/client_verify.h"
#include "common/clock.h"
#include "common/json.h"

#define VERIFY_MAX_DGRAMS	10000000
#define VERIFY_HDR		12

static const unsigned char verify_magic[4] = { 'E', 'c', 'V', 'f' };

static void
verify_udp_build(const struct verify *v, uint64_t i, unsigned char *b)
{
	uint32_t hi = htonl((uint32_t)(i >> 32)), lo = htonl((uint32_t)i);

	client_pattern_fill(v->o->seed, i * v->o->size, b, v->o->size);
	memcpy(b, verify_magic, 4);
	memcpy(b + 4, &hi, 4);
	memcpy(b + 8, &lo, 4);
}

static void
verify_udp_done(struct verify *v, const char *result)
{
	if (v->result == NULL) {
		v->result = result;
		ev_break(v->loop, EVBREAK_ALL);
	}
}

static void
verify_udp_refused(struct verify *v)
{
	v->refused++;
	if (v->ok == 0) {
		snprintf(v->why, sizeof(v->why), "connection refused (ICMP port "
		    "unreachable: nothing listens there)");
		verify_udp_done(v, "refused");
	}
}

static void
verify_udp_send(struct verify *v)
{
	unsigned char buf[65536];

	/* In flight: at most VERIFY_WINDOW datagrams and about 128 KiB, which
	 * the receive buffers on both sides hold even for 64 KiB datagrams. */
	uint64_t window = 131072 / v->o->size;

	if (window > VERIFY_WINDOW)
		window = VERIFY_WINDOW;
	if (window == 0)
		window = 1;
	while (v->next < (uint64_t)v->o->count && v->inflight < window) {
		verify_udp_build(v, v->next, buf);
		if (send(v->fd, buf, v->o->size, 0) == -1) {
			if (errno == ECONNREFUSED) {
				verify_udp_refused(v);
				if (v->result != NULL)
					return;
				continue;	/* the error was consumed: resend */
			}
			if (errno == EAGAIN || errno == ENOBUFS ||
			    errno == EINTR) {
				ev_io_start(v->loop, &v->w);
				return;
			}
			snprintf(v->why, sizeof(v->why), "send: %s",
			    strerror(errno));
			verify_udp_done(v, "error");
			return;
		}
		v->state[v->next] = VERIFY_SENT;
		v->sent_at[v->next] = clock_mono();
		v->next++;
		v->inflight++;
		if (v->result != NULL)
			return;
	}
	ev_io_stop(v->loop, &v->w);
}

/* Declare overdue datagrams lost, send more, finish when all resolved. */
void
verify_udp_sweep(struct verify *v)
{
	double now = clock_mono();

	for (; v->oldest < v->next; v->oldest++) {
		if (v->state[v->oldest] != VERIFY_SENT)
			continue;
		if (now - v->sent_at[v->oldest] < v->o->timeout)
			break;
		v->state[v->oldest] = VERIFY_LOST;
		if (v->lost++ == 0)
			v->first_lost = v->oldest;
		v->inflight--;
	}
	verify_udp_send(v);
	if (v->next == (uint64_t)v->o->count && v->inflight == 0)
		verify_udp_done(v, "done");
}

static void
verify_udp_bad(struct verify *v, uint64_t i)
{
	if (v->state[i] == VERIFY_SENT) {
		v->state[i] = VERIFY_BAD;
		v->inflight--;
	}
}

/* Check one echo against the datagram its header names. */
static void
verify_udp_check(struct verify *v, const unsigned char *b, size_t n,
    unsigned char *want)
{
	uint32_t hi, lo;
	uint64_t i;
	size_t k, m = n < v->o->size ? n : v->o->size;

	if (n < VERIFY_HDR || memcmp(b, verify_magic, 4) != 0) {
		v->unknown++;
		return;
	}
	memcpy(&hi, b + 4, 4);
	memcpy(&lo, b + 8, 4);
	i = ((uint64_t)ntohl(hi) << 32) | ntohl(lo);
	if (i >= v->next) {
		v->unknown++;
		return;
	}
	verify_udp_build(v, i, want);
	for (k = 0; k < m && b[k] == want[k]; k++)
		;
	if (k < m || n > v->o->size) {
		uint64_t off = i * v->o->size + k;

		if (v->corrupt++ == 0 || off < v->first_corrupt)
			v->first_corrupt = off;
		verify_udp_bad(v, i);
	} else if (n < v->o->size) {
		if (v->truncated++ == 0 || i < v->first_trunc) {
			v->first_trunc = i;
			v->trunc_len = n;
		}
		verify_udp_bad(v, i);
	} else if (v->state[i] == VERIFY_OK || v->state[i] == VERIFY_BAD) {
		v->dup++;
	} else {
		if (v->state[i] == VERIFY_LOST)
			v->lost--;	/* late, but here and intact */
		else
			v->inflight--;
		v->state[i] = VERIFY_OK;
		v->ok++;
	}
}

void
verify_udp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct verify *v = w->data;
	unsigned char buf[65536], want[65536];
	ssize_t n = recv(v->fd, buf, sizeof(buf), 0);

	if (n == -1 && errno == ECONNREFUSED) {
		verify_udp_refused(v);
		return;
	}
	if (n == -1)
		return;
	verify_udp_check(v, buf, (size_t)n, want);
	verify_udp_sweep(v);
}

void
verify_udp_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	verify_udp_send(w->data);
}

int
verify_udp_start(struct verify *v)
{
	uint64_t count = (uint64_t)v->o->count;

	if (count > VERIFY_MAX_DGRAMS) {
		fprintf(stderr, "echoctl: verify: -c is at most %d datagrams\n",
		    VERIFY_MAX_DGRAMS);
		return -1;
	}
	v->state = calloc(count, 1);
	v->sent_at = calloc(count, sizeof(double));
	if (v->state == NULL || v->sent_at == NULL) {
		fprintf(stderr, "echoctl: out of memory\n");
		return -1;
	}
	verify_udp_send(v);
	return 0;
}

void
verify_udp_result(struct verify *v)
{
	uint64_t i;

	/* Interrupted: whatever is still in flight never came back. */
	for (i = v->oldest; i < v->next; i++)
		if (v->state[i] == VERIFY_SENT && v->lost++ == 0)
			v->first_lost = i;
	if (v->result == NULL || strcmp(v->result, "done") == 0)
		v->result = v->ok == (uint64_t)v->o->count && !v->dup &&
		    !v->unknown ? "ok" : "failed";
}

void
verify_udp_free(struct verify *v)
{
	free(v->state);
	free(v->sent_at);
}

static void
verify_report_udp(const struct verify *v, FILE *f)
{
	if (v->lost)
		fprintf(f, "  lost %llu (first: datagram %llu)\n",
		    (unsigned long long)v->lost,
		    (unsigned long long)v->first_lost);
	if (v->truncated)
		fprintf(f, "  truncated %llu (first: datagram %llu, %zu of %zu "
		    "bytes)\n", (unsigned long long)v->truncated,
		    (unsigned long long)v->first_trunc, v->trunc_len,
		    v->o->size);
	if (v->corrupt)
		fprintf(f, "  corrupt %llu (first mismatch at byte offset %llu "
		    "= datagram %llu byte %llu)\n",
		    (unsigned long long)v->corrupt,
		    (unsigned long long)v->first_corrupt,
		    (unsigned long long)(v->first_corrupt / v->o->size),
		    (unsigned long long)(v->first_corrupt % v->o->size));
	if (v->dup)
		fprintf(f, "  duplicated %llu\n", (unsigned long long)v->dup);
	if (v->unknown)
		fprintf(f, "  unidentifiable %llu (header damaged)\n",
		    (unsigned long long)v->unknown);
}

static void
verify_report_json(const struct verify *v)
{
	int udp = v->o->proto == CLIENT_UDP;
	struct json j;

	json_init(&j, 65536);
	json_object_begin(&j, NULL);
	json_str(&j, "type", "verify");
	json_str(&j, "proto", udp ? "udp" : "tcp");
	json_str(&j, "peer", v->peer);
	json_u64(&j, "seed", v->o->seed);
	json_str(&j, "result", v->result);
	json_num(&j, "time_ms", (v->end - v->start) * 1000.0, 0);
	if (!udp) {
		json_u64(&j, "bytes", v->total);
		json_u64(&j, "echoed", v->cmp);
		json_u64(&j, "extra", v->extra);
		if (strcmp(v->result, "mismatch") == 0)
			json_u64(&j, "first_mismatch", v->mismatch_at);
	} else {
		json_i64(&j, "datagrams", v->o->count);
		json_u64(&j, "size", v->o->size);
		json_u64(&j, "intact", v->ok);
		json_u64(&j, "lost", v->lost);
		json_u64(&j, "truncated", v->truncated);
		json_u64(&j, "corrupt", v->corrupt);
		json_u64(&j, "duplicated", v->dup);
		json_u64(&j, "unidentifiable", v->unknown);
		if (v->lost)
			json_u64(&j, "first_lost", v->first_lost);
		if (v->corrupt)
			json_u64(&j, "first_mismatch", v->first_corrupt);
	}
	if (v->why[0] != '\0')
		json_str(&j, "detail", v->why);
	json_object_end(&j);
	if (json_print(&j, stdout) == -1)
		fprintf(stderr, "echoctl: verify: no memory for the JSON report\n");
	json_free(&j);
}

void
verify_report(const struct verify *v)
{
	int udp = v->o->proto == CLIENT_UDP;
	int ok = strcmp(v->result, "ok") == 0;

	if (v->o->json) {
		verify_report_json(v);
		return;
	}
	if (udp)
		printf("verify udp %s: %ld datagrams of %zu bytes, seed %llu: ",
		    v->peer, v->o->count, v->o->size,
		    (unsigned long long)v->o->seed);
	else
		printf("verify tcp %s: %llu bytes, seed %llu: ", v->peer,
		    (unsigned long long)v->total,
		    (unsigned long long)v->o->seed);
	if (ok && udp)
		printf("OK, %llu of %ld datagrams echoed intact (%.0f ms)\n",
		    (unsigned long long)v->ok, v->o->count,
		    (v->end - v->start) * 1000.0);
	else if (ok)
		printf("OK, all %llu bytes echoed intact (%.0f ms)\n",
		    (unsigned long long)v->cmp, (v->end - v->start) * 1000.0);
	else if (udp && v->why[0] == '\0')
		printf("FAILED, %llu of %ld datagrams intact\n",
		    (unsigned long long)v->ok, v->o->count);
	else
		printf("%s: %s\n", v->result, v->why);
	if (udp)
		verify_report_udp(v, stdout);
	fflush(stdout);
}
