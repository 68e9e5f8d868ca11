/*
 * daemon: options, startup, signals, reload, drain and teardown of echod.
 * All state is in struct echod (daemon.h); reload and the listener set
 * transitions are in daemon_reload.c, status output in daemon_status.c.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/clock.h"
#include "daemon/ctl.h"
#include "daemon/ctl_commands.h"
#include "daemon/daemon.h"
#include "daemon/handover.h"
#include "daemon/listener.h"
#include "daemon/service.h"
#include "daemon/tcp.h"
#include "daemon/udp.h"
#include "common/version.h"
#include "daemon/worker.h"

#define MAX_WORKERS 256

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: echod [-c FILE] [-t] [-d] [-V] [--settings] [-h]\n"
	    "       echod --stop-helper PID\n"
	    "  -c, --config FILE  configuration file (default %s)\n"
	    "  -t, --test         check the configuration and exit\n"
	    "  -d, --debug        log at debug level whatever the config says\n"
	    "  -V, --version      print the version and compiled-in features\n"
	    "      --settings     print every configuration setting\n"
	    "      --stop-helper PID  the units' ExecStop=: on a restart, ask\n"
	    "                     echod PID to leave its sockets to the next one\n"
	    "  -h, --help         this help\n", conf_default_path());
}

/* Returns -1 to continue, else an exit code. */
static int
parse_options(struct echod *d, int argc, char **argv, bool *test_only)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "settings", no_argument, NULL, 'S' },
		{ "stop-helper", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	d->conf_path = conf_default_path();
	while ((ch = getopt_long(argc, argv, "c:tdVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d->conf_path = optarg;
			break;
		case 't':
			*test_only = true;
			break;
		case 'd':
			d->debug = true;
			break;
		case 'V':
			printf("echod %s %s\n", version_string(),
			    version_features());
			return EX_OK;
		case 'S':
			conf_settings_dump(stdout);
			return EX_OK;
		case 'H': {
			char *end;
			long pid = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || pid <= 0) {
				fprintf(stderr, "echod: --stop-helper: '%s' is "
				    "not a process id\n", optarg);
				return EX_USAGE;
			}
			return service_stop_helper((pid_t)pid);
		}
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "echod: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}
	return -1;
}

static int
load_config(struct echod *d, bool test_only)
{
	struct diags diags;
	int rc;

	diags_init(&diags);
	rc = conf_load(d->conf_path, &d->conf, &diags);
	if (rc < 0) {
		for (size_t i = 0; i < diags.n; i++)
			fprintf(stderr, "%s\n", diags.msgs[i]);
		fprintf(stderr, "echod: %s: configuration has %zu error%s\n",
		    d->conf_path, diags.n, diags.n == 1 ? "" : "s");
	} else if (test_only) {
		printf("configuration OK\n");
	}
	diags_free(&diags);
	return rc;
}

static uint32_t
cpu_count(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		n = CPU_COUNT(&set);
		if (n > 0)
			return (uint32_t)n;
	}
	n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (uint32_t)n : 1;
}

static int
start_workers(struct echod *d)
{
	d->workers_setting = d->conf->workers;
	d->io_uring_setting = d->conf->io_uring;
	d->splice_setting = d->conf->splice;
	d->nworkers = d->conf->workers ? d->conf->workers : cpu_count();
	if (d->nworkers > MAX_WORKERS)
		d->nworkers = MAX_WORKERS;
	d->workers = calloc(d->nworkers, sizeof(*d->workers));
	if (d->workers == NULL)
		return -1;
	d->wenv = (struct worker_env){
		.log = &d->log, .nworkers = d->nworkers,
		.io_uring = d->io_uring_setting, .splice = d->splice_setting,
		.main_loop = d->loop,
		.drained = &d->drained, .acked = &d->acked,
		.tcp_totals = &d->tcp_totals,
		.protos = { [CONF_TCP] = &tcp_proto, [CONF_UDP] = &udp_proto,
		    [CONF_STAMP] = &stamp_proto },
	};
	for (uint32_t i = 0; i < d->nworkers; i++) {
		char err[256];

		d->workers[i] = worker_new(&d->wenv, i, err, sizeof(err));
		if (d->workers[i] == NULL) {
			log_err(&d->log, "cannot start worker %u: %s", i, err);
			return -1;
		}
		if (worker_start(d->workers[i]) < 0) {
			log_err(&d->log, "cannot start worker %u: %s", i,
			    strerror(errno));
			return -1;
		}
	}
	if (tcp_batch_off_reason(d->workers[0]) == NULL)
		log_info(&d->log, "%u worker(s), TCP reads and writes batched "
		    "through io_uring", d->nworkers);
	else
		log_notice(&d->log, "%u worker(s), one system call per TCP "
		    "read and write: %s", d->nworkers,
		    tcp_batch_off_reason(d->workers[0]));
	/* Off by default: worth a notice only when asked for and refused. */
	if (tcp_splice_off_reason(d->workers[0]) == NULL)
		log_info(&d->log, "bulk TCP echoes by splice");
	else if (!d->splice_setting)
		log_info(&d->log, "bulk TCP echoes by recv and send: %s",
		    tcp_splice_off_reason(d->workers[0]));
	else
		log_notice(&d->log, "bulk TCP echoes by recv and send: %s",
		    tcp_splice_off_reason(d->workers[0]));
	return 0;
}

/* Post cmd to every started worker, then wait for them all with one
 * deadline; say which did not acknowledge in time. */
static void
command_all(struct echod *d, enum worker_cmd cmd, const char *what)
{
	double deadline = clock_mono() + WORKER_COMMAND_WAIT;

	for (uint32_t i = 0; i < d->nworkers; i++)
		if (d->workers[i] != NULL && d->workers[i]->started)
			(void)worker_post(d->workers[i], cmd, NULL, 0);
	for (uint32_t i = 0; i < d->nworkers; i++)
		if (d->workers[i] != NULL && d->workers[i]->started &&
		    worker_wait(d->workers[i], deadline) < 0)
			log_err(&d->log, "worker %u did not %s within %.0fs", i,
			    what, WORKER_COMMAND_WAIT);
}

static void
stop_workers(struct echod *d)
{
	command_all(d, WORKER_STOP, "stop");
	for (uint32_t i = 0; i < d->nworkers; i++)
		if (d->workers[i] != NULL)
			worker_join(d->workers[i]);
	for (uint32_t i = 0; i < d->nworkers; i++)
		worker_free(d->workers[i]);
	free(d->workers);
	d->workers = NULL;
	d->nworkers = 0;
}

/* systemd fds that no listener claimed: documented as kept open but not
 * served, so that a reload adding a matching listener can adopt them. */
static void
report_unmatched_fds(struct echod *d)
{
	size_t n;
	struct service_fd *sfds = service_listen_fds(d->service, &n);

	for (size_t i = 0; i < n; i++) {
		char where[ADDR_STRLEN] = "unknown address";

		if (sfds[i].used || sfds[i].kind != FDSTORE_FOREIGN)
			continue;
		if (sfds[i].addr.len > 0)
			addr_format(&sfds[i].addr.u.sa, where, sizeof(where));
		log_warn(&d->log, "socket fd %d from systemd (name '%s', %s %s) "
		    "matches no listener; it is not served", sfds[i].fd,
		    sfds[i].name[0] ? sfds[i].name : "unnamed",
		    sfds[i].type == SOCK_DGRAM ? "udp" : "tcp", where);
	}
}

static void
refresh_status(struct echod *d)
{
	char line[256];

	daemon_status_line(d, line, sizeof(line));
	service_status(d->service, line);
}

static void
check_drained(struct echod *d)
{
	if (d->handing_over)
		return;		/* the workers stay until handover.c is done */
	for (uint32_t i = 0; i < d->nworkers; i++)
		if (!worker_is_drained(d->workers[i]))
			return;
	log_notice(&d->log, "all connections finished");
	ev_break(d->loop, EVBREAK_ALL);
}

void
daemon_drain(struct echod *d)
{
	if (d->handing_over) {
		/* Bounded by drain_timeout; exiting now would lose what is
		 * being handed over. */
		log_notice(&d->log, "signal during the restart hand-over: "
		    "it finishes first");
		return;
	}
	if (d->phase == DAEMON_DRAINING) {
		log_notice(&d->log, "second signal: exiting now");
		ev_break(d->loop, EVBREAK_ALL);
		return;
	}
	d->phase = DAEMON_DRAINING;
	service_stopping(d->service, "draining connections");
	log_event(&d->log, LOG_LVL_NOTICE, LOG_EV_DRAINING, NULL, 0,
	    "draining: not accepting, finishing open connections "
	    "(deadline %.1fs)", d->conf->drain_timeout);
	command_all(d, WORKER_DRAIN, "start draining");
	ev_timer_set(&d->drain_timer, d->conf->drain_timeout, 0);
	ev_timer_start(d->loop, &d->drain_timer);
	check_drained(d);
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct echod *d = ev_userdata(loop);
	char line[256];
	struct diags why;

	switch (w->signum) {
	case SIGTERM:
	case SIGINT:
		daemon_drain(d);
		break;
	case SIGHUP:
		/* Every diagnostic is logged by the reload itself. */
		diags_init(&why);
		daemon_reload(d, &why);
		diags_free(&why);
		break;
	case SIGUSR1:
		daemon_status_line(d, line, sizeof(line));
		log_event(&d->log, LOG_LVL_NOTICE, LOG_EV_SUMMARY, NULL, 0,
		    "%s", line);
		break;
	}
}

static void
drain_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct echod *d = ev_userdata(loop);

	log_notice(&d->log, "drain deadline reached: closing what is left");
	ev_break(loop, EVBREAK_ALL);
}

static void
drained_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	check_drained(ev_userdata(loop));
}

static void
acked_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	daemon_reload_caught_up(ev_userdata(loop));
}

static void
status_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct echod *d = ev_userdata(loop);

	refresh_status(d);
	daemon_status_summary(d, t->repeat);
}

/* SIGUSR2 through a signalfd: libev's signal watchers give no siginfo,
 * and only a request queued by the stop helper (root, with the fd store's
 * free slots) asks for a hand-over (handover.h). */
static void
handover_signal_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct echod *d = ev_userdata(loop);
	struct signalfd_siginfo si;

	while (read(w->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_uid != 0 || si.ssi_code != SI_QUEUE || si.ssi_int <= 0)
			log_warn(&d->log, "SIGUSR2 from pid %u uid %u is not a "
			    "hand-over request (see echod(8)); ignored",
			    si.ssi_pid, si.ssi_uid);
		else if (d->phase != DAEMON_RUNNING)
			log_notice(&d->log, "restart requested while "
			    "draining: ignored");
		else if (handover_begin(d, si.ssi_int) < 0)
			daemon_drain(d);
	}
}

/* Blocked in this thread (workers block every signal), so that it only
 * arrives through the signalfd; that also tells the stop helper that this
 * echod takes the request. */
static int
watch_handover(struct echod *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SERVICE_HANDOVER_SIGNAL);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	d->handover_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->handover_fd < 0)
		return -1;
	ev_io_init(&d->handover_io, handover_signal_cb, d->handover_fd, EV_READ);
	ev_io_start(d->loop, &d->handover_io);
	ev_unref(d->loop);	/* it alone keeps no loop alive */
	return 0;
}

static void
unwatch_handover(struct echod *d)
{
	if (d->handover_fd <= 0)
		return;
	ev_ref(d->loop);
	ev_io_stop(d->loop, &d->handover_io);
	close(d->handover_fd);
	d->handover_fd = -1;
}

static void
watch_signals(struct echod *d)
{
	ev_signal *sigs[] = { &d->sig_term, &d->sig_int, &d->sig_hup,
		&d->sig_usr1 };
	int nums[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };

	for (size_t i = 0; i < 4; i++) {
		ev_signal_init(sigs[i], signal_cb, nums[i]);
		ev_signal_start(d->loop, sigs[i]);
	}
	ev_async_init(&d->drained, drained_cb);
	ev_async_start(d->loop, &d->drained);
	ev_timer_init(&d->drain_timer, drain_timeout_cb, 0, 0);
	ev_timer_init(&d->status_timer, status_cb, d->conf->status_interval,
	    d->conf->status_interval);
	ev_timer_start(d->loop, &d->status_timer);
	memtrim_start(&d->memtrim, d->loop, &d->log);
}

static int
start(struct echod *d)
{
	char err[8192], line[256];

	d->loop = ev_default_loop(EVFLAG_AUTO);
	if (d->loop == NULL) {
		log_err(&d->log, "cannot initialise the event loop");
		return EX_OSERR;
	}
	ev_set_userdata(d->loop, d);
	d->started = clock_mono();
	/* Before the first worker can acknowledge anything. */
	ev_async_init(&d->acked, acked_cb);
	ev_async_start(d->loop, &d->acked);
	signal(SIGPIPE, SIG_IGN);
	d->service = service_new(d->loop, &d->log);
	if (d->service == NULL)
		return EX_OSERR;
	if (d->conf->log_target == CONF_LOG_JOURNAL ||
	    (d->conf->log_target == CONF_LOG_AUTO && service_stderr_is_journal()))
		service_log_to_journal(&d->log);
	daemon_apply_log_level(d);
	memtrim_tune();
	log_event(&d->log, LOG_LVL_INFO, LOG_EV_STARTING, NULL, 0,
	    "echod %s starting (%s)", version_string(), d->conf_path);
	if (start_workers(d) < 0)
		return EX_OSERR;
	if (daemon_reload_apply(d, d->conf, err, sizeof(err)) < 0) {
		log_err(&d->log, "%s", err);
		return EX_OSERR;
	}
	handover_adopted(d);
	report_unmatched_fds(d);
	if (d->conf->control_socket[0] != '\0')
		d->ctl = ctl_new(d->loop, &d->log, d->conf->control_socket,
		    ctl_commands_answer, d);
	if (daemon_metrics_prepare(d, d->conf, err, sizeof(err)) < 0) {
		log_err(&d->log, "%s", err);
		return EX_OSERR;
	}
	daemon_metrics_commit(d, d->conf);
	watch_signals(d);
	if (watch_handover(d) < 0)
		log_warn(&d->log, "no SIGUSR2 watch: restarts drain: %s",
		    strerror(errno));
	service_watchdog_start(d->service);
	d->phase = DAEMON_RUNNING;
	daemon_status_line(d, line, sizeof(line));
	service_ready(d->service, line);
	log_notice(&d->log, "echod %s ready: %zu listeners, %u workers",
	    version_string(), d->nset, d->nworkers);
	return -1;
}

static void
teardown(struct echod *d)
{
	if (d->loop != NULL) {
		ev_timer_stop(d->loop, &d->drain_timer);
		ev_timer_stop(d->loop, &d->status_timer);
		memtrim_stop(&d->memtrim, d->loop);
	}
	if (d->loop != NULL)
		unwatch_handover(d);
	ctl_free(d->ctl);
	d->ctl = NULL;
	daemon_metrics_stop(d);
	if (d->workers != NULL)
		stop_workers(d);
	for (size_t i = 0; i < d->nclosing; i++)
		listener_retire(d->closing[i]);
	free(d->closing);
	for (size_t i = 0; i < d->nset; i++)
		listener_retire(d->set[i]);
	free(d->set);
	d->set = NULL;
	while (d->retired != NULL) {
		struct lcounters *c = d->retired;

		d->retired = c->next_retired;
		lcounters_unref(c);
	}
	if (d->phase != DAEMON_STARTING)
		log_event(&d->log, LOG_LVL_NOTICE, LOG_EV_STOPPED, NULL, 0,
		    "stopped");
	service_free(d->service);
	conf_free(d->conf);
	if (d->loop != NULL)
		ev_loop_destroy(d->loop);
}

int
daemon_main(int argc, char **argv)
{
	struct echod d;
	bool test_only = false;
	int rc;

	memset(&d, 0, sizeof(d));
	log_init(&d.log, "echod", LOG_LVL_NOTICE);
	rc = parse_options(&d, argc, argv, &test_only);
	if (rc >= 0)
		return rc;
	if (load_config(&d, test_only) < 0)
		return EX_CONFIG;
	if (test_only) {
		conf_free(d.conf);
		return EX_OK;
	}
	rc = start(&d);
	if (rc < 0) {
		ev_run(d.loop, 0);
		rc = d.exit_code;
	}
	teardown(&d);
	return rc;
}
