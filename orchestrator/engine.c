/*
 * engine.c: the engine's top: engine_new (the journal replayed by
 * engine_replay.c), engine_free, and the thread of engine_run: epoll on
 * the timer, finished work, libvirt's events, commands and signals, each
 * handed to the piece below that deals with it.
 *
 * The only engine file that calls all the others; none calls it (see
 * engine_impl.h).
 */
#include "rangectl/engine.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "engine_impl.h"
#include "rangectl/inject.h"
#include "rangectl/util.h"

static void
index_hosts(struct engine *e)
{
	size_t i;

	strmap_init(&e->hosts);
	for (i = 0; i < e->plan->n_hosts; i++)
		strmap_add(&e->hosts, e->plan->hosts[i].name,
		    (void *)(uintptr_t)(i + 1));
}

/* A new engine of plan, before its replay: nothing opened yet. */
static struct engine *
make(const struct plan *plan, const struct engine_opts *opts)
{
	struct engine *e = xcalloc(1, sizeof(*e));

	e->plan = plan;
	e->opts = *opts;
	e->opts.range_event = NULL;
	if (e->opts.speed <= 0)
		e->opts.speed = 1;
	if (e->opts.exec_timeout <= 0)
		e->opts.exec_timeout = INJECT_EXEC_TIMEOUT;
	e->state_dir = xstrdup(opts->state_dir);
	e->timerfd = e->sigfd = e->epfd = e->wakefd = -1;
	e->journal.fd = -1;
	e->next_round = 1;
	e->reports = json_object();
	e->intel = json_object();
	e->open_firings = json_object();
	e->flags = json_object();
	e->flag_busy = xcalloc(plan->n_flags + 1, sizeof(*e->flag_busy));
	e->flag_again = xcalloc(plan->n_flags + 1, sizeof(*e->flag_again));
	/* Calls wait for engine_run() to answer them, until it has ended. */
	e->accepting = true;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->answered, NULL);
	exclock_init(&e->clock, (double)plan->duration,
	    e->opts.speed);
	schedule_init(&e->schedule, plan);
	score_ledger_init(&e->ledger, plan->teams, plan->n_teams);
	index_hosts(e);
	e->firings = xcalloc(plan->n_injects + 1, sizeof(*e->firings));
	e->fired = xcalloc(plan->n_injects + 1, sizeof(*e->fired));
	e->running = xcalloc(plan->n_hosts + 1, sizeof(*e->running));
	e->down_reason = xcalloc(plan->n_hosts + 1, sizeof(*e->down_reason));
	e->journaled_state = xcalloc(plan->n_hosts + 1,
	    sizeof(*e->journaled_state));
	return e;
}

struct engine *
engine_replayed(const struct plan *plan, const struct engine_opts *opts,
    char **error)
{
	struct engine *e = make(plan, opts);

	if (engine_replay(e, error) < 0) {
		engine_free(e);
		return NULL;
	}
	/* Its context is the caller's, for the replay only. */
	e->opts.check_replayed = NULL;
	e->opts.check_ctx = NULL;
	return e;
}

bool
engine_ended(const struct engine *e, double *t)
{
	*t = e->last_t;
	return e->clock_journaled == EXCLOCK_ENDED;
}

int
engine_changes_check(struct engine *e, char **error)
{
	return engine_timeline_check(e, error);
}

/* engine_start's and engine_start_cluster's: cl, or else virt alone. */
static int
start(struct engine *e, struct cluster *cl, struct virt *virt,
    const struct engine_opts *run, char **error)
{
	/* The nodes and their connections are the libvirt edge's. */
	engine_edge_new(e, cl, virt);
	if (run->range_event != NULL)
		e->range_event = json_deep_copy(run->range_event);
	e->opts.simulate_checks = run->simulate_checks;
	e->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->wakefd < 0) {
		*error = xasprintf("cannot make an eventfd: %s", strerror(errno));
		return -1;
	}
	if (mkdir(e->state_dir, 0700) < 0 && errno != EEXIST) {
		*error = xasprintf("cannot make the state folder '%s': %s",
		    e->state_dir, strerror(errno));
		return -1;
	}
	if (journal_open(&e->journal, e->state_dir, error) < 0)
		return -1;
	/*
	 * run builds its range between the replay and here: a journal that
	 * grew meanwhile (another run on the same folder) holds firings this
	 * engine does not know of, which it would fire again.
	 */
	if (e->journal.seq > e->replayed_seq) {
		*error = xasprintf("the journal in '%s' grew from event %llu to "
		    "%llu since it was read: another rangectl run on the same "
		    "state folder? nothing was fired", e->state_dir,
		    e->replayed_seq, e->journal.seq);
		return -1;
	}
	engine_restore_clock(e);
	if (engine_journal_start(e, error) < 0)
		return -1;
	/* A long replay is worth not doing again at the next start. */
	if (e->replayed > ENGINE_CHECKPOINT_AFTER)
		engine_checkpoint_write(e);
	return 0;
}

int
engine_start(struct engine *e, struct virt *virt,
    const struct engine_opts *run, char **error)
{
	return start(e, NULL, virt, run, error);
}

int
engine_start_cluster(struct engine *e, struct cluster *cl,
    const struct engine_opts *run, char **error)
{
	return start(e, cl, NULL, run, error);
}

/* engine_new's and engine_new_cluster's: the replay, its checks, start. */
static struct engine *
make_started(const struct plan *plan, struct cluster *cl, struct virt *virt,
    const struct engine_opts *opts, char **error)
{
	struct engine *e = engine_replayed(plan, opts, error);

	if (e == NULL)
		return NULL;
	if (engine_timeline_check(e, error) < 0 || start(e, cl, virt,
	    opts, error) < 0) {
		engine_free(e);
		return NULL;
	}
	return e;
}

struct engine *
engine_new(const struct plan *plan, struct virt *virt,
    const struct engine_opts *opts, char **error)
{
	return make_started(plan, NULL, virt, opts, error);
}

struct engine *
engine_new_cluster(const struct plan *plan, struct cluster *cl,
    const struct engine_opts *opts, char **error)
{
	return make_started(plan, cl, NULL, opts, error);
}

static void
close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

void
engine_free(struct engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	engine_edge_free(e);
	engine_drop_done(e);
	engine_journal_stop(e);
	journal_close(&e->journal);
	close_fd(e->timerfd);
	close_fd(e->sigfd);
	close_fd(e->epfd);
	close_fd(e->wakefd);
	schedule_clear(&e->schedule);
	score_ledger_clear(&e->ledger);
	strmap_clear(&e->hosts);
	for (i = 0; i < e->plan->n_hosts; i++) {
		free(e->down_reason[i]);
		free(e->journaled_state[i]);
	}
	free(e->down_reason);
	free(e->journaled_state);
	free(e->running);
	free(e->firings);
	free(e->fired);
	free(e->links);
	json_decref(e->reports);
	json_decref(e->intel);
	json_decref(e->open_firings);
	json_decref(e->flags);
	free(e->flag_busy);
	free(e->flag_again);
	json_decref(e->timeline);
	json_decref(e->pending_change);
	json_decref(e->range_event);
	free(e->failure);
	free(e->state_dir);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->answered);
	free(e);
}

/* ---- the loop --------------------------------------------------------- */

/*
 * A finished firing's, link's or revert's event, durable: its log line;
 * after a revert that worked, its host's flags are written again.
 */
static void
log_journaled(struct engine *e, void *arg, bool ok)
{
	json_t *event = arg;
	const char *type = json_string_value(json_object_get(event, "type"));
	size_t host;

	if (ok)
		engine_log_event(e, event);
	if (ok && type != NULL && strcmp(type, "revert") == 0 &&
	    json_is_true(json_object_get(event, "ok")) && (host =
	    engine_host_index(e, json_string_value(json_object_get(event,
	    "host")))) != PLAN_NONE)
		engine_flags_after_revert(e, host);
	json_decref(event);
}

static void
handle_done(struct engine *e, struct engine_done *d)
{
	switch (d->kind) {
	case DONE_ROUND:
		engine_round_done(e, &d->round);
		break;
	case DONE_NOTE:
	case DONE_EVENT:
		/*
		 * Logged once journaled, which gives it its "t": decoded
		 * before, it was refused ("'t' must be a number") and its
		 * line ("inject 'halt' done: 1 of 1 target(s) ok") lost.
		 */
		engine_journal_then(e, json_incref(d->event), false,
		    log_journaled, json_incref(d->event));
		json_decref(d->event);
		break;
	case DONE_CHECKPOINT:
		e->checkpoint_busy = false;
		if (d->event != NULL)
			engine_log(e, "%s", json_string_value(d->event));
		json_decref(d->event);
		break;
	case DONE_HOST:
		engine_host_changed(e, d->host, d->state, d->detail);
		break;
	case DONE_CONN_LOST:
		engine_conn_lost(e, d->host);
		break;
	default:
		break;
	}
	if (d->kind != DONE_HOST && d->kind != DONE_CONN_LOST &&
	    d->kind != DONE_NOTE)
		e->inflight--;
	free(d);
}

static void
drain_done(struct engine *e)
{
	struct engine_done *d;

	for (;;) {
		pthread_mutex_lock(&e->lock);
		d = e->done_head;
		if (d != NULL && (e->done_head = d->next) == NULL)
			e->done_tail = NULL;
		pthread_mutex_unlock(&e->lock);
		if (d == NULL)
			return;
		handle_done(e, d);
	}
}

static void
handle_signal(struct engine *e, int signo)
{
	struct engine_command cmd = { .kind = ENGINE_PAUSE, .by = "SIGUSR1" };
	char *error = NULL;

	if (signo == SIGUSR2) {
		cmd.kind = e->clock.state == EXCLOCK_PENDING ? ENGINE_START :
		    ENGINE_RESUME;
		cmd.by = "SIGUSR2";
	}
	if (signo == SIGUSR1 || signo == SIGUSR2) {
		if (engine_execute(e, &cmd, NULL, &error) < 0)
			engine_log(e, "%s", error);
		free(error);
		return;
	}
	if (e->stopping) {
		engine_log(e, "stopping now: firings still running are recorded "
		    "as lost when the exercise resumes");
		_exit(EXIT_FAILURE);
	}
	e->stopping = true;
	engine_log(e, "%s: finishing the current round and firings, then "
	    "stopping (again to stop at once)", strsignal(signo));
}

static void
read_fds(struct engine *e, const struct epoll_event *evs, int n)
{
	struct signalfd_siginfo si;
	uint64_t count;
	int i;

	for (i = 0; i < n; i++) {
		int fd = evs[i].data.fd;

		if (fd == e->sigfd) {
			if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				handle_signal(e, (int)si.ssi_signo);
		} else if (read(fd, &count, sizeof(count)) < 0 && errno !=
		    EAGAIN) {
			engine_log(e, "warning: cannot read an event counter: %s",
			    strerror(errno));
		}
	}
}

static bool
finished(struct engine *e)
{
	bool idle;

	pthread_mutex_lock(&e->lock);
	idle = e->inflight == 0 && e->done_head == NULL;
	pthread_mutex_unlock(&e->lock);

	return idle && e->pending == NULL && (e->clock.state == EXCLOCK_ENDED ||
	    e->stopping || e->failure != NULL);
}

/* Each lost node, every RECONNECT_SECONDS: the others go on meanwhile. */
static void
reconnect_due(struct engine *e)
{
	size_t i;

	for (i = 0; i < e->n_nodes; i++)
		if (!engine_node_up(e, i) && engine_mono() >=
		    engine_reconnect_at(e, i))
			engine_reconnect(e, i);
}

static int
loop(struct engine *e)
{
	struct epoll_event evs[8];
	int n;

	for (;;) {
		drain_done(e);
		engine_journal_drain(e);
		engine_answer_waiting(e);
		engine_answer_calls(e);
		reconnect_due(e);
		engine_tick(e);
		/* The state of a checkpoint is the journal's only when quiet. */
		if (e->checkpoint_wanted && e->pending == NULL)
			engine_checkpoint_start(e);
		if (e->clock.state == EXCLOCK_ENDED || e->stopping ||
		    e->failure != NULL)
			atomic_store(&e->winding_down, true);
		if (finished(e))
			break;
		engine_arm_timer(e);
		n = epoll_wait(e->epfd, evs, 8, -1);
		if (n < 0 && errno != EINTR) {
			e->failure = xasprintf("cannot wait for events: %s",
			    strerror(errno));
			continue;
		}
		read_fds(e, evs, n > 0 ? n : 0);
	}
	engine_journal_flush(e);
	if (e->failure == NULL)
		engine_checkpoint_write(e);
	/* From now on calls are refused at once; answer those already in. */
	pthread_mutex_lock(&e->lock);
	e->accepting = false;
	pthread_mutex_unlock(&e->lock);
	engine_answer_calls(e);
	engine_journal_flush(e);
	engine_answer_waiting(e);
	return e->failure != NULL ? -1 : e->clock.state == EXCLOCK_ENDED ? 0 :
	    1;
}

static int
watch(struct engine *e, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return fd < 0 ? -1 : epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int
open_fds(struct engine *e, char **error)
{
	sigset_t set;

	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	e->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC);
	if (watch(e, e->timerfd) < 0 || watch(e, e->wakefd) < 0)
		goto fail;
	if (e->opts.signals) {
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGUSR2);
		/* Every thread started after this inherits the mask. */
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		e->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
		if (watch(e, e->sigfd) < 0)
			goto fail;
	}
	return 0;
fail:
	*error = xasprintf("cannot set up the engine's timers and events: %s",
	    strerror(errno));
	return -1;
}

int
engine_run(struct engine *e, char **error)
{
	size_t i;
	int rc;

	if (e->clock.state == EXCLOCK_ENDED) {
		engine_log(e, "the exercise has ended already; nothing to do");
		return 0;
	}
	if (open_fds(e, error) < 0)
		return -1;
	engine_introduce(e);
	for (i = 0; i < e->n_nodes; i++) {
		engine_watch_libvirt(e, i);
		engine_check_hosts(e, i);
	}
	if (e->failure == NULL)
		engine_begin(e);
	rc = loop(e);
	if (rc < 0)
		*error = xstrdup(e->failure);
	return rc;
}
