/*
 * daemon: echod's lifecycle and the one struct that holds all of its state.
 *
 * Startup (daemon_main): options -> logging -> config -> listeners (adopted
 * from systemd or bound) -> workers -> control socket -> signals -> READY=1
 * -> main loop.  The main loop owns signals, reload, drain, the control
 * socket and systemd; each worker thread runs its own loop with its share of
 * the listeners and connections (worker.h).  Main and workers talk through
 * worker_command() only.
 *
 * Reload is a transaction: parse the new file, open what is new, and only
 * then commit (workers switch listener sets) and close what was removed.
 * Any failure leaves the old configuration running.
 */
#ifndef ECHOD_DAEMON_H
#define ECHOD_DAEMON_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "conf/conf.h"
#include "conf/diags.h"
#include "common/log.h"
#include "common/stats.h"
#include "daemon/memtrim.h"
#include "daemon/tcp.h"
#include "daemon/worker.h"

struct listener;
struct lcounters;
struct worker;
struct service;
struct ctl;
struct metrics_http;

enum daemon_phase {
	DAEMON_STARTING,
	DAEMON_RUNNING,
	DAEMON_RELOADING,
	DAEMON_DRAINING,
};

struct echod {
	struct ev_loop *loop;		/* the default loop: main thread */
	struct logger log;
	const char *conf_path;
	struct conf *conf;		/* the running configuration */
	enum daemon_phase phase;
	struct listener **set;		/* the running listeners */
	size_t nset;
	/* Counters of removed listeners: on the list while connections of
	 * theirs are open (they still count), then summed into the total and
	 * freed (daemon_retired_prune), so nothing grows with reloads. */
	struct lcounters *retired;
	struct stats retired_total;
	bool debug;			/* -d: debug logging whatever the config says */
	struct worker **workers;
	uint32_t nworkers;
	uint32_t workers_setting;	/* workers and io_uring as read at start */
	bool io_uring_setting;
	bool splice_setting;
	struct tcp_totals tcp_totals;	/* TCP connections of all workers */
	struct worker_env wenv;		/* what every worker is given */
	struct service *service;	/* systemd: notify, fds, watchdog */
	struct ctl *ctl;		/* control socket, NULL if none */
	struct metrics_http *metrics;	/* GET /metrics, NULL if none */
	struct metrics_http *metrics_next;	/* bound by a reload not committed yet */
	bool metrics_change;		/* that reload changes metrics_listen */
	char metrics_listen[ADDR_STRLEN + 8];	/* what metrics serves */

	ev_signal sig_term, sig_int, sig_hup, sig_usr1;
	ev_timer drain_timer;		/* drain deadline */
	ev_timer status_timer;		/* STATUS= refresh, periodic summary */
	struct memtrim memtrim;		/* freed heap back to the kernel */
	ev_async drained;		/* a worker finished draining */
	ev_async acked;			/* a worker acknowledged a command */
	/* Removed listeners whose sockets wait for every worker to take the
	 * set without them (daemon_reload.c). */
	struct listener **closing;
	size_t nclosing;
	int handover_fd;		/* signalfd of SIGUSR2 (handover.h) */
	ev_io handover_io;
	bool handing_over;		/* a restart's hand-over is under way */
	ev_timer handover_poll;		/* until the workers wrote out */
	double handover_deadline;	/* clock_mono() + drain_timeout */

	double started;			/* clock_mono() at startup */
	uint64_t reloads, reload_failures;
	char last_reload_error[512];
	struct stats last_summary;	/* totals at the last drop summary */
	int exit_code;
};

/* Per-listener view for status output. */
struct listener_status {
	char name[CONF_NAME_MAX];
	enum conf_proto proto;
	char address[ADDR_STRLEN];	/* bound address: "127.0.0.1:8888" */
	bool inherited;			/* socket came from systemd */
	int proxy_protocol;		/* TCP: PROXY versions accepted, 0 = off */
	uint32_t open_conns;
	struct stats st;		/* summed over workers */
};

struct daemon_status {
	const char *phase;		/* "running", "reloading", "draining" */
	double uptime;
	uint32_t workers;
	uint64_t reloads, reload_failures;
	const char *last_reload_error;	/* "" if none; valid until next reload */
	uint32_t open_conns;
	struct stats total;		/* includes retired listeners */
	size_t nlisteners;
	struct listener_status *listeners;
};

int daemon_main(int argc, char **argv);

/* Reload synchronously from d->conf_path.  0; -1 with every diagnostic in
 * `out` (the caller's, initialised; each is logged too), the old config
 * running on; -2 when no reload can start now (draining, reloading, a
 * worker late), with why in `out`. */
int daemon_reload(struct echod *d, struct diags *out);
/* A worker has not taken the last listener set yet: the removed
 * listeners' sockets are still open and reloads are refused. */
bool daemon_reload_pending(struct echod *d);
/* A worker acknowledged: once all have, close what waited for them. */
void daemon_reload_caught_up(struct echod *d);
/* Make the running listener set match `c` (startup: from nothing).  Opens
 * what is new first; on failure nothing changed.  0/-1 with err. */
int daemon_reload_apply(struct echod *d, const struct conf *c, char *err,
    size_t errlen);
/* Fold the counters of removed listeners whose last connection closed
 * into d->retired_total and free them. */
void daemon_retired_prune(struct echod *d);
/* The log level: the config's, or debug with -d. */
void daemon_apply_log_level(struct echod *d);
/* Begin a graceful drain (as SIGTERM does); a second call exits at once. */
void daemon_drain(struct echod *d);
/* Snapshot for status; free with daemon_status_free(). 0/-1. */
int daemon_status_snapshot(struct echod *d, struct daemon_status *st);
void daemon_status_free(struct daemon_status *st);
/* One short line for STATUS=: "2 listeners, 3 conns, 1.2 MB echoed ..." */
void daemon_status_line(struct echod *d, char *buf, size_t len);
/* Log what was dropped since the last summary, if anything. */
void daemon_status_summary(struct echod *d, double interval);

/* The Prometheus text (metrics.h) of a fresh snapshot, malloc'd, *len
 * bytes; NULL if out of memory.  Main thread (daemon_metrics.c). */
char *daemon_metrics_text(struct echod *d, size_t *len);
/* metrics_listen across start and reload: prepare binds c's address if it
 * differs from what is served (0/-1 with err; nothing changed on -1),
 * commit switches to it, abort forgets it; stop ends serving. */
int daemon_metrics_prepare(struct echod *d, const struct conf *c, char *err,
    size_t errlen);
void daemon_metrics_commit(struct echod *d, const struct conf *c);
void daemon_metrics_abort(struct echod *d);
void daemon_metrics_stop(struct echod *d);

#endif
