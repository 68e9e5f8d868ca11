/*
 * client_loop: the watchers every network mode shares, and the end of a
 * run (see client_loop.h).  libev's callbacks land here and are handed to
 * the mode's.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/client_loop.h"
#include "client/client_net.h"
#include "common/exitcode.h"

static void
client_loop_update(struct client_loop *l)
{
	if (l->ops->update != NULL && !l->done)
		l->ops->update(l->arg);
}

/* One recv for the mode's data() or error(). */
static void
client_loop_read(struct client_loop *l)
{
	const struct client_loop_ops *ops = l->ops;
	unsigned char buf[CLIENT_LOOP_CHUNK];
	ssize_t n = recv(l->fd, buf, sizeof(buf), 0);
	char why[160];

	if (n >= 0) {
		ops->data(l->arg, buf, (size_t)n);
	} else if (errno == EAGAIN || errno == EINTR) {
		return;
	} else if (ops->error != NULL) {
		ops->error(l->arg, errno);
	} else {
		snprintf(why, sizeof(why), "receive: %s", strerror(errno));
		client_loop_finish(l, EXITCODE_LOSS, why);
	}
}

/* The socket or stdin. */
static void
client_loop_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client_loop *l = w->data;
	const struct client_loop_ops *ops = l->ops;

	if (w == &l->in) {
		if (ops->input != NULL)
			ops->input(l->arg);
	} else {
		if ((revents & EV_READ) && ops->data != NULL)
			client_loop_read(l);
		else if ((revents & EV_READ) && ops->read != NULL)
			ops->read(l->arg);
		if ((revents & EV_WRITE) && ops->write != NULL && !l->done)
			ops->write(l->arg);
	}
	client_loop_update(l);
}

static void
client_loop_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client_loop *l = w->data;

	if (l->ops->timer != NULL)
		l->ops->timer(l->arg);
	client_loop_update(l);
}

static void
client_loop_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct client_loop *l = w->data;

	if (l->ops->signal != NULL)
		l->ops->signal(l->arg, w->signum);
	else
		client_loop_finish(l, EXITCODE_LOSS, "interrupted");
}

int
client_loop_init(struct client_loop *l, const struct client_opts *o,
    int fd, const struct addr *peer, const struct client_loop_ops *ops,
    void *arg)
{
	l->loop = ev_default_loop(EVBACKEND_POLL);
	if (l->loop == NULL)
		return -1;
	l->ops = ops;
	l->arg = arg;
	l->fd = fd;
	l->done = 0;
	l->status = EXITCODE_LOSS;	/* until the mode says otherwise */
	l->peer[0] = '\0';
	if (peer != NULL)
		client_net_describe(o, peer, l->peer, sizeof(l->peer));
	ev_io_init(&l->sock, client_loop_io_cb, fd, EV_READ);
	ev_io_init(&l->in, client_loop_io_cb, STDIN_FILENO, EV_READ);
	ev_init(&l->timer, client_loop_timer_cb);
	ev_signal_init(&l->sigint, client_loop_signal_cb, SIGINT);
	ev_signal_init(&l->sigterm, client_loop_signal_cb, SIGTERM);
	l->sock.data = l->in.data = l->timer.data = l;
	l->sigint.data = l->sigterm.data = l;
	if (fd >= 0)
		ev_io_start(l->loop, &l->sock);
	ev_signal_start(l->loop, &l->sigint);
	ev_signal_start(l->loop, &l->sigterm);
	return 0;
}

void
client_loop_want_write(struct client_loop *l, int on)
{
	int events = EV_READ | (on ? EV_WRITE : 0);

	if ((l->sock.events & (EV_READ | EV_WRITE)) == events)
		return;
	/* libev changes an active watcher's events only when stopped. */
	ev_io_stop(l->loop, &l->sock);
	ev_io_set(&l->sock, l->fd, events);
	ev_io_start(l->loop, &l->sock);
}

void
client_loop_want_input(struct client_loop *l, int on)
{
	if (on)
		ev_io_start(l->loop, &l->in);
	else
		ev_io_stop(l->loop, &l->in);
}

void
client_loop_timer(struct client_loop *l, double after)
{
	l->timer.repeat = after;
	ev_timer_again(l->loop, &l->timer);
}

void
client_loop_finish(struct client_loop *l, int status, const char *why)
{
	if (l->done)
		return;
	l->done = 1;
	l->status = status;
	if (why != NULL && l->peer[0] != '\0')
		fprintf(stderr, "echoctl: %s: %s\n", l->peer, why);
	ev_break(l->loop, EVBREAK_ALL);
}

int
client_loop_run(struct client_loop *l)
{
	if (!l->done)
		ev_run(l->loop, 0);
	return l->status;
}
