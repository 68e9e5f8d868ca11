/*
 * client_series: the probes' schedule (see client_series.h).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "client/client_series.h"
#include "common/clock.h"

#define CLIENT_SERIES_RTTS	100000	/* round trips kept exactly */

int
client_series_init(struct client_series *s)
{
	bench_hist_init(&s->rtt_hist);
	return client_stats_init(&s->rtt, CLIENT_SERIES_RTTS);
}

void
client_series_free(struct client_series *s)
{
	client_stats_free(&s->rtt);
}

void
client_series_answer(struct client_series *s, struct client_series_slot *sl,
    double rtt_ms)
{
	sl->state = CLIENT_SERIES_ANSWERED;
	s->answered++;
	client_stats_add(&s->rtt, rtt_ms);
	bench_hist_record(&s->rtt_hist, (uint64_t)(rtt_ms * 1e6));
}

void
client_series_finish(struct client_series *s)
{
	if (!s->l->done)
		s->end = clock_mono();
	client_loop_finish(s->l, EX_OK, NULL);
}

static void
client_series_lose(struct client_series *s, struct client_series_slot *sl)
{
	sl->state = CLIENT_SERIES_LOST;
	s->ops->lost(s->arg, sl);
}

void
client_series_sweep(struct client_series *s, int all)
{
	double now = clock_mono();

	while (s->oldest != s->sent) {
		struct client_series_slot *sl =
		    &s->slot[s->oldest % CLIENT_SERIES_SLOTS];

		if (sl->state == CLIENT_SERIES_PENDING) {
			if (!all && now < sl->deadline)
				break;
			client_series_lose(s, sl);
		}
		s->oldest++;
	}
	if (s->o->count > 0 && s->sent >= (uint32_t)s->o->count &&
	    s->oldest == s->sent)
		client_series_finish(s);
}

struct client_series_slot *
client_series_find(struct client_series *s, uint32_t seq)
{
	struct client_series_slot *sl = &s->slot[seq % CLIENT_SERIES_SLOTS];

	if (seq >= s->sent || sl->seq != seq || sl->state == CLIENT_SERIES_FREE)
		return NULL;
	return sl;
}

static void
client_series_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client_series *s = w->data;
	uint32_t seq = s->sent;
	struct client_series_slot *sl = &s->slot[seq % CLIENT_SERIES_SLOTS];

	if (s->o->count > 0 && seq >= (uint32_t)s->o->count) {
		ev_timer_stop(loop, w);
		return;
	}
	if (sl->state == CLIENT_SERIES_PENDING)
		client_series_lose(s, sl);	/* remembered too long */
	memset(sl, 0, sizeof(*sl));
	sl->seq = seq;
	sl->state = CLIENT_SERIES_PENDING;
	sl->sent_ns = clock_mono_ns();
	sl->deadline = clock_mono() + s->o->wait;
	s->sent++;
	s->ops->send(s->arg, sl);
	client_series_sweep(s, 0);
}

static void
client_series_sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	client_series_sweep(w->data, 0);
}

/* SIGQUIT, like ping: one line on stderr, the run goes on. */
static void
client_series_sigquit_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct client_series *s = w->data;
	struct client_stats_summary r;

	(void)client_stats_summary(&s->rtt, &r);
	fprintf(stderr, "%llu/%u %s, %.1f%% loss, %smin/avg/max/mdev = "
	    "%.3f/%.3f/%.3f/%.3f ms\n", (unsigned long long)s->answered,
	    s->sent, s->ops->answers, client_series_loss_pct(s), s->ops->rtt,
	    r.min, r.avg, r.max, r.mdev);
}

void
client_series_run(struct client_series *s, struct client_loop *l,
    const struct client_opts *o, const struct client_series_ops *ops,
    void *arg)
{
	s->l = l;
	s->o = o;
	s->ops = ops;
	s->arg = arg;
	s->start = clock_mono();
	ev_timer_init(&s->tick, client_series_tick_cb, 0., o->interval);
	ev_timer_init(&s->sweep, client_series_sweep_cb, 0.02, 0.02);
	ev_signal_init(&s->sigquit, client_series_sigquit_cb, SIGQUIT);
	s->tick.data = s->sweep.data = s->sigquit.data = s;
	ev_timer_start(l->loop, &s->tick);
	ev_timer_start(l->loop, &s->sweep);
	ev_signal_start(l->loop, &s->sigquit);
	(void)client_loop_run(l);
	if (s->end == 0)
		s->end = clock_mono();
	client_series_sweep(s, 1);	/* on Ctrl-C: unanswered are lost */
}

double
client_series_loss_pct(const struct client_series *s)
{
	if (s->sent == 0)
		return 0;
	return 100.0 * (double)(s->sent - s->answered) / (double)s->sent;
}

void
client_series_json_summary(const struct client_series *s, struct json *j,
    size_t max, const char *peer, const char *proto,
    const struct json_u64_member *counts, size_t n)
{
	json_init(j, max);
	json_object_begin(j, NULL);
	json_str(j, "type", "summary");
	json_str(j, "peer", peer);
	json_str(j, "proto", proto);
	json_u64(j, "sent", s->sent);
	json_u64(j, "received", s->answered);
	json_num(j, "loss_pct", client_series_loss_pct(s), 1);
	json_u64_members(j, counts, n);
	json_num(j, "time_ms", (s->end - s->start) * 1000.0, 0);
}

int
client_series_status(const struct client_series *s, uint64_t refused,
    uint64_t connfail, int faults)
{
	if (s->sent > 0 && connfail == s->sent)
		return EXITCODE_CONNECT;
	if (s->answered == 0 && refused > 0)
		return EXITCODE_CONNECT;
	if (s->sent > 0 && s->answered == s->sent && !faults)
		return EX_OK;
	return EXITCODE_LOSS;
}
