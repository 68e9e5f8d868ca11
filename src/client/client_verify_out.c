/*
 * client_verify_out: the end and the report of a verify run (see
 * client_verify_out.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/client_verify_out.h"
#include "common/json.h"

void
verify_result_end(struct verify_result *r, struct client_loop *l,
    const char *result)
{
	if (r->result == NULL)
		r->result = result;
	client_loop_finish(l, EX_OK, NULL);	/* the status is the result's */
}

void
verify_result_interrupt(struct verify_result *r, struct client_loop *l)
{
	snprintf(r->why, sizeof(r->why), "interrupted");
	verify_result_end(r, l, "interrupted");
}

static void
verify_report_udp(const struct verify_result *r, FILE *f)
{
	if (r->lost)
		fprintf(f, "  lost %llu (first: datagram %llu)\n",
		    (unsigned long long)r->lost,
		    (unsigned long long)r->first_lost);
	if (r->truncated)
		fprintf(f, "  truncated %llu (first: datagram %llu, %zu of %zu "
		    "bytes)\n", (unsigned long long)r->truncated,
		    (unsigned long long)r->first_trunc, r->trunc_len,
		    r->o->size);
	if (r->oversized)
		fprintf(f, "  longer than sent %llu (first: datagram %llu, %zu "
		    "bytes for %zu)\n", (unsigned long long)r->oversized,
		    (unsigned long long)r->first_long, r->long_len, r->o->size);
	if (r->corrupt)
		fprintf(f, "  corrupt %llu (first mismatch at byte offset %llu "
		    "= datagram %llu byte %llu)\n",
		    (unsigned long long)r->corrupt,
		    (unsigned long long)r->first_corrupt,
		    (unsigned long long)(r->first_corrupt / r->o->size),
		    (unsigned long long)(r->first_corrupt % r->o->size));
	if (r->dup)
		fprintf(f, "  duplicated %llu\n", (unsigned long long)r->dup);
	if (r->unknown)
		fprintf(f, "  unidentifiable %llu (header damaged)\n",
		    (unsigned long long)r->unknown);
}

static void
verify_report_json(const struct verify_result *r)
{
	int udp = r->o->proto == CLIENT_UDP;
	struct json j;

	json_init(&j, 65536);
	json_object_begin(&j, NULL);
	json_str(&j, "type", "verify");
	json_str(&j, "proto", udp ? "udp" : "tcp");
	json_str(&j, "peer", r->peer);
	json_u64(&j, "seed", r->o->seed);
	json_str(&j, "result", r->result);
	json_num(&j, "time_ms", (r->end - r->start) * 1000.0, 0);
	if (!udp) {
		json_u64(&j, "bytes", r->total);
		json_u64(&j, "echoed", r->cmp);
		json_u64(&j, "extra", r->extra);
		if (strcmp(r->result, "mismatch") == 0)
			json_u64(&j, "first_mismatch", r->mismatch_at);
	} else {
		const struct json_u64_member counts[] = {
			{ "size", r->o->size }, { "intact", r->ok },
			{ "lost", r->lost }, { "truncated", r->truncated },
			{ "oversized", r->oversized }, { "corrupt", r->corrupt }, { "duplicated", r->dup },
			{ "unidentifiable", r->unknown },
		};

		json_i64(&j, "datagrams", r->o->count);
		json_u64_members(&j, counts, sizeof(counts) / sizeof(counts[0]));
		if (r->lost)
			json_u64(&j, "first_lost", r->first_lost);
		if (r->corrupt)
			json_u64(&j, "first_mismatch", r->first_corrupt);
	}
	if (r->why[0] != '\0')
		json_str(&j, "detail", r->why);
	json_object_end(&j);
	json_print_free(&j, stdout, "echoctl: verify");
}

void
verify_report(const struct verify_result *r)
{
	int udp = r->o->proto == CLIENT_UDP;
	int ok = strcmp(r->result, "ok") == 0;

	if (r->o->json) {
		verify_report_json(r);
		return;
	}
	if (udp)
		printf("verify udp %s: %ld datagrams of %zu bytes, seed %llu: ",
		    r->peer, r->o->count, r->o->size,
		    (unsigned long long)r->o->seed);
	else
		printf("verify tcp %s: %llu bytes, seed %llu: ", r->peer,
		    (unsigned long long)r->total,
		    (unsigned long long)r->o->seed);
	if (ok && udp)
		printf("OK, %llu of %ld datagrams echoed intact (%.0f ms)\n",
		    (unsigned long long)r->ok, r->o->count,
		    (r->end - r->start) * 1000.0);
	else if (ok)
		printf("OK, all %llu bytes echoed intact (%.0f ms)\n",
		    (unsigned long long)r->cmp, (r->end - r->start) * 1000.0);
	else if (udp && r->why[0] == '\0')
		printf("FAILED, %llu of %ld datagrams intact\n",
		    (unsigned long long)r->ok, r->o->count);
	else
		printf("%s: %s\n", r->result, r->why);
	if (udp)
		verify_report_udp(r, stdout);
	fflush(stdout);
}
