/*
 * engine.c: the exercise engine's thread: timers, firings, rounds, libvirt
 * events and commands, every outcome journaled before it counts.
 *
 * Replaying the journal (engine_replay.c) and running the loop share the
 * same struct engine, declared in engine_impl.h.
 */
#include "rangectl/engine.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "engine_impl.h"
#include "rangectl/inject.h"
#include "rangectl/util.h"

/* Real seconds between attempts to reach a libvirtd that went away. */
#define RECONNECT_SECONDS 2.0

double
engine_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
engine_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Exercise seconds now, to the millisecond the journal keeps. */
static double
exercise_now(const struct engine *e)
{
	return round(exclock_now(&e->clock, engine_mono()) * 1000.0) / 1000.0;
}

void
engine_log(struct engine *e, const char *fmt, ...)
{
	long t = (long)exclock_now(&e->clock, engine_mono());
	va_list ap;

	if (e->opts.log == NULL)
		return;
	fprintf(e->opts.log, "[%ld:%02ld:%02ld] ", t / 3600, t / 60 % 60,
	    t % 60);
	va_start(ap, fmt);
	vfprintf(e->opts.log, fmt, ap);
	va_end(ap);
	fputc('\n', e->opts.log);
	fflush(e->opts.log);
}

/* What a checkpoint must know of the journal's last events. */
static void
note_journaled(struct engine *e, const struct event *ev)
{
	char *key;

	e->last_t = ev->t;
	e->last_wall = ev->wall;
	if (ev->type == EVENT_CLOCK) {
		e->clock_journaled = e->clock.state;
		e->speed_journaled = e->clock.speed;
	} else if (ev->type == EVENT_INJECT) {
		key = engine_firing_key(ev->u.inject.id, ev->u.inject.firing);
		json_object_set_new(e->open_firings, key, event_strings_json(
		    ev->u.inject.targets, ev->u.inject.n_targets));
		free(key);
	} else if (ev->type == EVENT_INJECT_RESULT) {
		key = engine_firing_key(ev->u.inject_result.id,
		    ev->u.inject_result.firing);
		json_object_del(e->open_firings, key);
		free(key);
	}
}

/*
 * What a journaled event changes: the ledger (under the lock, for
 * engine_snapshot's readers) and what a checkpoint notes. The event was
 * made here, so one that does not decode is a bug, said in the log.
 */
static void
apply_journaled(struct engine *e, const json_t *event)
{
	struct event ev;
	char *error = NULL;

	if (event_decode(event, 0, &ev, &error) < 0) {
		engine_log(e, "warning: the engine journaled a malformed event: "
		    "%s", error);
		free(error);
		return;
	}
	pthread_mutex_lock(&e->lock);
	if (score_apply(&e->ledger, &ev, &error) < 0)
		engine_log(e, "warning: %s", error);
	e->syncs = e->journal.syncs;
	e->sync_seconds = e->journal.sync_seconds;
	e->sync_max = e->journal.sync_max;
	pthread_mutex_unlock(&e->lock);
	note_journaled(e, &ev);
	event_clear(&ev);
	free(error);
}

/*
 * Journals event (stolen: made by event_encode()) at the exercise time
 * now (unless it has its own "t") and, for the ledger's types, applies
 * it. Returns 0 once it counts; -1 when the journal failed: the clock is
 * then stopped, since nothing may count unrecorded.
 */
int
engine_journal(struct engine *e, json_t *event)
{
	char *error = NULL;
	int rc = 0;

	if (json_object_get(event, "t") == NULL)
		json_object_set_new(event, "t", json_real(exercise_now(e)));
	json_object_set_new(event, "wall", json_real(round(engine_wall() *
	    1000.0) / 1000.0));
	if (e->failure != NULL || journal_append(&e->journal, event,
	    &error) < 0) {
		if (e->failure == NULL) {
			e->failure = xasprintf("%s; the clock is stopped at %.0f s "
			    "and nothing more is scored. Free the space or fix "
			    "the folder, then run again: it resumes from the "
			    "journal", error, exercise_now(e));
			pthread_mutex_lock(&e->lock);
			exclock_pause(&e->clock, engine_mono());
			pthread_mutex_unlock(&e->lock);
			engine_log(e, "error: %s", e->failure);
		}
		rc = -1;
	} else {
		apply_journaled(e, event);
		if (e->opts.observe != NULL)
			e->opts.observe(e->opts.observe_ctx, event);
	}
	free(error);
	json_decref(event);
	return rc;
}

/* A new reference to host's node's connection, or NULL while it is lost. */
virConnectPtr
engine_conn_host(struct engine *e, size_t host)
{
	virConnectPtr conn;

	pthread_mutex_lock(&e->lock);
	conn = e->cl->nodes[cluster_host_node(e->cl, e->plan, host)].conn;
	if (conn != NULL && virConnectRef(conn) < 0)
		conn = NULL;
	pthread_mutex_unlock(&e->lock);
	return conn;
}

/* A reference to every node's connection as it is now (NULL: lost). */
static void
engine_refs(struct engine *e, struct cluster_refs *refs)
{
	size_t i;

	refs->cl = e->cl;
	refs->plan = e->plan;
	refs->conns = xcalloc(e->cl->n, sizeof(*refs->conns));
	pthread_mutex_lock(&e->lock);
	for (i = 0; i < e->cl->n; i++) {
		refs->conns[i] = e->cl->nodes[i].conn;
		if (refs->conns[i] != NULL && virConnectRef(refs->conns[i]) < 0)
			refs->conns[i] = NULL;
	}
	pthread_mutex_unlock(&e->lock);
}

bool
engine_node_up(const struct engine *e, size_t node)
{
	return e->cl->nodes[node].conn != NULL;
}

/* Hands finished work to the engine's thread and wakes it. */
void
engine_post(struct engine *e, struct engine_done *d)
{
	uint64_t one = 1;

	pthread_mutex_lock(&e->lock);
	d->next = NULL;
	if (e->done_tail != NULL)
		e->done_tail->next = d;
	else
		e->done_head = d;
	e->done_tail = d;
	pthread_mutex_unlock(&e->lock);
	if (write(e->wakefd, &one, sizeof(one)) < 0)
		return;	/* the counter is already non-zero: it will wake */
}

/* Starts fn(arg) on a detached thread counted in flight. */
void
engine_spawn(struct engine *e, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t thread;

	e->inflight++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thread, &attr, fn, arg) != 0) {
		/* No thread to spare: run it here, late rather than never. */
		fn(arg);
	}
	pthread_attr_destroy(&attr);
}

/* ---- firings ---------------------------------------------------------- */

struct firing {
	struct engine *e;
	size_t inject;
	unsigned n;
};

/*
 * The inject_result event of a firing, from inject_run()'s results
 * (borrowed). Results that are not what the journal holds would be a bug
 * of inject.c: the firing then has one result saying so, and no other.
 */
static json_t *
result_event(const char *id, unsigned n, const json_t *results)
{
	struct event_result broken = { .host = "?" };
	struct event ev;
	char *error = NULL;
	json_t *o;

	event_init(&ev, EVENT_INJECT_RESULT);
	ev.u.inject_result.id = id;
	ev.u.inject_result.firing = n;
	if (event_decode_results(results, &ev.u.inject_result, &error) < 0) {
		broken.error = error;
		ev.u.inject_result.results = &broken;
		ev.u.inject_result.n_results = 1;
		o = event_encode(&ev);
	} else {
		o = event_encode(&ev);
		event_clear(&ev);
	}
	free(error);
	return o;
}

static void *
firing_thread(void *arg)
{
	struct firing *f = arg;
	struct engine *e = f->e;
	struct engine_done *d = xcalloc(1, sizeof(*d));
	struct cluster_refs refs;
	json_t *results;

	engine_refs(e, &refs);
	results = inject_run(e->plan, f->inject, &refs, e->opts.exec_timeout);
	cluster_refs_drop(&refs);

	d->kind = DONE_EVENT;
	d->event = result_event(e->plan->injects[f->inject].src->id, f->n,
	    results);
	json_decref(results);
	free(f);
	engine_post(e, d);
	return NULL;
}

/* The names of the inject's targets, a new array of borrowed strings. */
static const char **
target_names(const struct plan *plan, const struct plan_inject *pi)
{
	const char **names = xcalloc(pi->n_targets + 1, sizeof(*names));
	size_t i;

	for (i = 0; i < pi->n_targets; i++)
		names[i] = plan->hosts[pi->targets[i]].name;
	return names;
}

/* The ids of a message's teams, a new array of borrowed strings. */
static const char **
recipient_ids(const struct plan_inject *pi)
{
	const char **ids = xcalloc(pi->n_to + 1, sizeof(*ids));
	size_t i;

	for (i = 0; i < pi->n_to; i++)
		ids[i] = pi->to[i]->id;
	return ids;
}

/* A link_down with a duration: each target's link comes back by itself. */
void
engine_note_link_down(struct engine *e, size_t inject, double from)
{
	const struct plan_inject *pi = &e->plan->injects[inject];
	size_t i, net;

	if (pi->src->action != ACTION_LINK_DOWN || pi->src->duration <= 0)
		return;
	for (i = 0; i < pi->n_targets; i++) {
		net = inject_nic_network(e->plan, pi->targets[i], pi->src->nic);
		if (net == PLAN_NONE)
			continue;
		xgrow(&e->links, &e->links_alloc, e->n_links + 1,
		    sizeof(*e->links));
		e->links[e->n_links++] = (struct engine_link){ .host =
		    pi->targets[i], .network = net, .until = from +
		    (double)pi->src->duration, .inject = inject };
	}
}

/* A link is up again (restored, or by a link_up): nothing left to do. */
void
engine_forget_link(struct engine *e, size_t host, size_t network)
{
	size_t i = 0;

	while (i < e->n_links)
		if (e->links[i].host == host && e->links[i].network == network)
			e->links[i] = e->links[--e->n_links];
		else
			i++;
}

static void
forget_links_of(struct engine *e, size_t inject)
{
	const struct plan_inject *pi = &e->plan->injects[inject];
	size_t i, net;

	if (pi->src->action != ACTION_LINK_UP)
		return;
	for (i = 0; i < pi->n_targets; i++) {
		net = inject_nic_network(e->plan, pi->targets[i], pi->src->nic);
		if (net != PLAN_NONE)
			engine_forget_link(e, pi->targets[i], net);
	}
}

/*
 * A message inject's message, and its inject_result at once: there is
 * nothing to wait for. Its sender is the scenario's (exercise control),
 * also when a controller fired it by hand: who fired it is the inject
 * event's, in the journal, not a name in the trainees' story.
 */
static int
journal_message(struct engine *e, size_t i)
{
	const struct plan_inject *pi = &e->plan->injects[i];
	const char **to = recipient_ids(pi);
	struct event ev;
	int rc;

	event_init(&ev, EVENT_MESSAGE);
	ev.u.message = (struct event_message){ .inject = pi->src->id, .to = to,
	    .n_to = pi->n_to, .text = pi->src->text, .by = NULL };
	rc = engine_journal(e, event_encode(&ev));
	free(to);
	if (rc < 0)
		return -1;
	event_init(&ev, EVENT_INJECT_RESULT);
	ev.u.inject_result.id = pi->src->id;
	ev.u.inject_result.firing = e->firings[i];
	return engine_journal(e, event_encode(&ev));
}

/* A message counts its recipients, not its targets (it has none). */
static void
log_firing(struct engine *e, const struct plan_inject *pi, const char *by,
    bool late)
{
	size_t people = 0, i;

	if (pi->src->action != ACTION_MESSAGE) {
		engine_log(e, "inject '%s' (%s) fired%s on %zu target(s)%s",
		    pi->src->id, action_name(pi->src->action), by ? " by hand" :
		    "", pi->n_targets, late ? ", late" : "");
		return;
	}
	for (i = 0; i < pi->n_to; i++)
		people += pi->to[i]->members.count;
	engine_log(e, "inject '%s' (message) sent%s%s%s to %zu team(s), %zu "
	    "person(s)%s", pi->src->id, by ? " by hand, by '" : "", by ? by :
	    "", by ? "'" : "", pi->n_to, people, late ? ", late" : "");
}

/*
 * Fires plan inject i: journaled first, so that a crash can lose its
 * results but never fire it twice. scheduled < 0 for a manual firing.
 */
int
engine_fire(struct engine *e, size_t i, double scheduled, const char *by)
{
	const struct plan_inject *pi = &e->plan->injects[i];
	double actual = exercise_now(e);
	const char **targets = target_names(e->plan, pi);
	struct firing *f;
	struct event ev;
	int rc;

	event_init(&ev, EVENT_INJECT);
	ev.u.inject = (struct event_inject){ .id = pi->src->id, .action =
	    action_name(pi->src->action), .firing = e->firings[i] + 1,
	    .scheduled = scheduled >= 0 ? scheduled : -1, .actual = actual,
	    .late = scheduled >= 0 ? actual - scheduled : 0.0, .manual = by !=
	    NULL, .by = by, .targets = targets, .n_targets = pi->n_targets };
	rc = engine_journal(e, event_encode(&ev));
	free(targets);
	if (rc < 0)
		return -1;
	e->firings[i]++;
	e->fired[i] = true;
	schedule_mark_fired(&e->schedule, i);
	engine_note_link_down(e, i, actual);
	forget_links_of(e, i);
	log_firing(e, pi, by, scheduled >= 0 && actual - scheduled >= 1.0);
	if (pi->src->action == ACTION_MESSAGE)
		return journal_message(e, i);
	f = xcalloc(1, sizeof(*f));
	*f = (struct firing){ .e = e, .inject = i, .n = e->firings[i] };
	engine_spawn(e, firing_thread, f);
	return 0;
}

static void
fire_due(struct engine *e, double t)
{
	size_t n, k, *due = schedule_due(&e->schedule, t, &n);

	for (k = 0; k < n && e->failure == NULL; k++) {
		const struct schedule_item *it = NULL;
		size_t j;

		for (j = 0; j < e->schedule.n; j++)
			if (e->schedule.items[j].inject == due[k])
				it = &e->schedule.items[j];
		engine_fire(e, due[k], it != NULL ? (double)it->at : t, NULL);
	}
	free(due);
}

/* ---- links that come back --------------------------------------------- */

struct link_job {
	struct engine *e;
	struct engine_link link;
};

static void *
link_thread(void *arg)
{
	struct link_job *job = arg;
	struct engine *e = job->e;
	virConnectPtr conn = engine_conn_host(e, job->link.host);
	struct engine_done *d = xcalloc(1, sizeof(*d));
	char *error = NULL;
	struct event ev;

	if (conn == NULL)
		error = xstrdup("no connection to libvirt");
	else
		inject_set_link(conn, e->plan, job->link.host,
		    job->link.network, true, &error);
	d->kind = DONE_EVENT;
	event_init(&ev, EVENT_LINK);
	ev.u.link = (struct event_link){ .host =
	    e->plan->hosts[job->link.host].name, .network =
	    e->plan->networks[job->link.network].name, .up = true, .inject =
	    e->plan->injects[job->link.inject].src->id, .has_ok = true, .ok =
	    error == NULL, .error = error };
	d->event = event_encode(&ev);
	free(error);
	if (conn != NULL)
		virConnectClose(conn);
	free(job);
	engine_post(e, d);
	return NULL;
}

/* Whether link's host's node is connected: a link waits for it. */
static bool
link_reachable(const struct engine *e, const struct engine_link *link)
{
	return engine_node_up(e, cluster_host_node(e->cl, e->plan, link->host));
}

static void
restore_links(struct engine *e, double t)
{
	size_t i = 0;

	while (i < e->n_links) {
		struct link_job *job;

		if (e->links[i].until > t || !link_reachable(e, &e->links[i])) {
			i++;
			continue;
		}
		job = xcalloc(1, sizeof(*job));
		*job = (struct link_job){ .e = e, .link = e->links[i] };
		e->links[i] = e->links[--e->n_links];
		engine_spawn(e, link_thread, job);
	}
}

/* ---- rounds ----------------------------------------------------------- */

struct round_job {
	struct engine *e;
	struct round round;
};

static void *
round_thread(void *arg)
{
	struct round_job *job = arg;
	struct engine_done *d = xcalloc(1, sizeof(*d));
	struct cluster_refs refs;

	engine_refs(job->e, &refs);
	round_run(&job->round, &refs);
	cluster_refs_drop(&refs);
	d->kind = DONE_ROUND;
	d->round = job->round;
	engine_post(job->e, d);
	free(job);
	return NULL;
}

static double
round_at(const struct engine *e, long n)
{
	return (double)n * (double)e->plan->sc->scoring.interval;
}

static void
start_round(struct engine *e, double t)
{
	struct round_job *job = xcalloc(1, sizeof(*job));
	size_t i;

	round_init(&job->round, e->plan, e->next_round, round_at(e,
	    e->next_round), (int)(e->plan->sc->scoring.timeout * 1000));
	job->round.late = t - job->round.at;
	round_add_services(&job->round, e->running,
	    (const char *const *)e->down_reason);
	for (i = 0; i < e->plan->n_injects; i++)
		if (e->fired[i])
			round_add_compromises(&job->round, i, e->running,
			    (const char *const *)e->down_reason);
	job->e = e;
	e->round_busy = true;
	engine_spawn(e, round_thread, job);
}

static void
log_scores(struct engine *e, long n)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb);
	for (i = 0; i < e->ledger.n_teams; i++)
		if (e->ledger.teams[i].team->role != ROLE_WHITE)
			strbuf_printf(&sb, "%s%s %lld", i ? ", " : "",
			    e->ledger.teams[i].team->id,
			    score_total(&e->ledger.teams[i]));
	engine_log(e, "round %ld: %s", n, sb.len ? sb.data : "no teams");
	strbuf_free(&sb);
}

static void
round_done(struct engine *e, struct round *r)
{
	e->round_busy = false;
	if (engine_journal(e, round_to_event(r)) == 0) {
		e->next_round = r->n + 1;
		log_scores(e, r->n);
		engine_checkpoint_write(e);
	}
	round_clear(r);
}

/* ---- the clock -------------------------------------------------------- */

/* Journals a clock change already made to e->clock. */
int
engine_clock_event(struct engine *e, const char *reason, const char *by)
{
	struct event ev;

	engine_log(e, "clock %s (%s)", exclock_state_name(e->clock.state),
	    reason);
	/* At the instant of the change, not after the journal's own time. */
	event_init(&ev, EVENT_CLOCK);
	ev.has_t = true;
	ev.t = round(e->clock.offset * 1000.0) / 1000.0;
	ev.u.clock = (struct event_clock){ .state = e->clock.state, .has_speed =
	    true, .speed = e->clock.speed, .reason = reason, .by = by };
	return engine_journal(e, event_encode(&ev));
}

static void
maybe_end(struct engine *e, double t)
{
	if (t < (double)e->plan->sc->exercise.duration || e->round_busy ||
	    round_at(e, e->next_round) <= t)
		return;
	pthread_mutex_lock(&e->lock);
	exclock_stop(&e->clock, engine_mono());
	pthread_mutex_unlock(&e->lock);
	engine_clock_event(e, "the exercise's duration is over", NULL);
}

static void
tick(struct engine *e)
{
	double t = exercise_now(e);

	if (e->clock.state != EXCLOCK_RUNNING || e->stopping ||
	    e->failure != NULL)
		return;
	fire_due(e, t);
	/* A link waits for its node's libvirt to be back rather than stay down. */
	restore_links(e, t);
	if (!e->round_busy && round_at(e, e->next_round) <= t &&
	    round_at(e, e->next_round) <= (double)e->plan->sc->exercise.duration)
		start_round(e, t);
	maybe_end(e, t);
}

static double
earliest(double a, double b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* Arms the timerfd for the next thing due, in monotonic time. */
static void
arm_timer(struct engine *e)
{
	struct itimerspec its = { 0 };
	double when = -1, next;
	size_t i;

	if (e->clock.state == EXCLOCK_RUNNING && !e->stopping) {
		next = schedule_next_at(&e->schedule);
		if (next >= 0)
			when = exclock_mono_at(&e->clock, next);
		if (!e->round_busy)
			when = earliest(when, exclock_mono_at(&e->clock,
			    round_at(e, e->next_round)));
		for (i = 0; i < e->n_links; i++)
			if (link_reachable(e, &e->links[i]))
				when = earliest(when, exclock_mono_at(&e->clock,
				    e->links[i].until));
		when = earliest(when, exclock_mono_at(&e->clock,
		    (double)e->plan->sc->exercise.duration));
	}
	for (i = 0; i < e->cl->n; i++)
		if (!engine_node_up(e, i))
			when = earliest(when, e->nodes[i].last_reconnect +
			    RECONNECT_SECONDS);
	if (when >= 0) {
		if (when < 1e-9)
			when = 1e-9;	/* zero would disarm it */
		its.it_value.tv_sec = (time_t)when;
		its.it_value.tv_nsec = (long)((when - floor(when)) * 1e9);
	}
	timerfd_settime(e->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* ---- the loop --------------------------------------------------------- */

static void
handle_done(struct engine *e, struct engine_done *d)
{
	switch (d->kind) {
	case DONE_ROUND:
		round_done(e, &d->round);
		break;
	case DONE_EVENT:
		engine_log_event(e, d->event);
		engine_journal(e, d->event);
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
	if (d->kind != DONE_HOST && d->kind != DONE_CONN_LOST)
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

/*
 * Frees what came after the loop ended (libvirt's lifecycle events, a lost
 * connection): nothing is left to act on it.
 */
void
engine_drop_done(struct engine *e)
{
	struct engine_done *d, *next;

	pthread_mutex_lock(&e->lock);
	d = e->done_head;
	e->done_head = e->done_tail = NULL;
	pthread_mutex_unlock(&e->lock);
	for (; d != NULL; d = next) {
		next = d->next;
		if (d->kind == DONE_ROUND)
			round_clear(&d->round);
		json_decref(d->event);
		free(d);
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

	return idle && (e->clock.state == EXCLOCK_ENDED || e->stopping ||
	    e->failure != NULL);
}

/* Each lost node, every RECONNECT_SECONDS: the others go on meanwhile. */
static void
reconnect_due(struct engine *e)
{
	size_t i;

	for (i = 0; i < e->cl->n; i++)
		if (!engine_node_up(e, i) && engine_mono() -
		    e->nodes[i].last_reconnect >= RECONNECT_SECONDS)
			engine_reconnect(e, i);
}

static int
loop(struct engine *e)
{
	struct epoll_event evs[8];
	int n;

	for (;;) {
		drain_done(e);
		engine_answer_calls(e);
		reconnect_due(e);
		tick(e);
		if (finished(e))
			break;
		arm_timer(e);
		n = epoll_wait(e->epfd, evs, 8, -1);
		if (n < 0 && errno != EINTR) {
			e->failure = xasprintf("cannot wait for events: %s",
			    strerror(errno));
			continue;
		}
		read_fds(e, evs, n > 0 ? n : 0);
	}
	if (e->failure == NULL)
		engine_checkpoint_write(e);
	/* From now on calls are refused at once; answer those already in. */
	pthread_mutex_lock(&e->lock);
	e->accepting = false;
	pthread_mutex_unlock(&e->lock);
	engine_answer_calls(e);
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
	for (i = 0; i < e->cl->n; i++) {
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
