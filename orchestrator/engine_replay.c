/*
 * engine_replay.c: making an engine, and reading its journal back: the
 * clock, the injects fired, the scores, the links still down.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_impl.h"
#include "rangectl/inject.h"
#include "rangectl/util.h"

/* What replay learns beyond what lands in the engine directly. */
struct replay {
	struct engine *e;
	char *error;
};

size_t
engine_host_index(const struct engine *e, const char *name)
{
	uintptr_t v = name ? (uintptr_t)strmap_get(&e->hosts, name) : 0;

	return v ? (size_t)(v - 1) : PLAN_NONE;
}

size_t
engine_inject_index(const struct engine *e, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < e->plan->n_injects; i++)
		if (strcmp(e->plan->injects[i].src->id, id) == 0)
			return i;
	return PLAN_NONE;
}

static size_t
network_index(const struct engine *e, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < e->plan->n_networks; i++)
		if (strcmp(e->plan->networks[i].name, name) == 0)
			return i;
	return PLAN_NONE;
}

char *
engine_firing_key(const char *id, long long firing)
{
	return xasprintf("%s#%lld", id, firing);
}

static int
replay_exercise(struct replay *r, const struct event_exercise *x)
{
	if (strcmp(x->name, r->e->plan->sc->exercise.name) != 0) {
		r->error = xasprintf("the journal in '%s' belongs to exercise "
		    "'%s', not '%s'; give another --state folder",
		    r->e->state_dir, x->name, r->e->plan->sc->exercise.name);
		return -1;
	}
	return 0;
}

static void
replay_inject(struct replay *r, const struct event_inject *in)
{
	struct engine *e = r->e;
	size_t i = engine_inject_index(e, in->id);
	char *key;

	if (i == PLAN_NONE)
		return;	/* the scenario changed since: nothing to fire again */
	if ((unsigned)in->firing > e->firings[i])
		e->firings[i] = (unsigned)in->firing;
	e->fired[i] = true;
	if (in->scheduled >= 0)
		schedule_mark_fired(&e->schedule, i);
	engine_note_link_down(e, i, in->actual);
	key = engine_firing_key(in->id, in->firing);
	json_object_set_new(e->open_firings, key, event_strings_json(
	    in->targets, in->n_targets));
	free(key);
}

static void
replay_link(struct replay *r, const struct event_link *l)
{
	size_t host = engine_host_index(r->e, l->host);
	size_t net = network_index(r->e, l->network);

	if (host != PLAN_NONE && net != PLAN_NONE && l->up)
		engine_forget_link(r->e, host, net);
}

static void
replay_host(struct replay *r, const struct event_host *h)
{
	size_t host = engine_host_index(r->e, h->name);

	if (host == PLAN_NONE)
		return;
	free(r->e->journaled_state[host]);
	r->e->journaled_state[host] = xstrdup(h->state);
}

static void
replay_result(struct replay *r, const struct event_inject_result *ir)
{
	char *key = engine_firing_key(ir->id, ir->firing);

	json_object_del(r->e->open_firings, key);
	free(key);
}

/* The MSEL and scoring the journal runs by, from now on. */
static void
replay_timeline(struct engine *e, const struct event *ev)
{
	json_t *o = event_encode(ev);

	json_decref(e->timeline);
	e->timeline = engine_timeline_of(o);
	json_decref(o);
}

/* What one decoded event changes in the engine. */
static int
replay_event(struct replay *r, const struct event *ev)
{
	switch (ev->type) {
	case EVENT_EXERCISE:
		/* The ledger takes the SLA rule and the checks from it. */
		if (replay_exercise(r, &ev->u.exercise) < 0)
			return -1;
		replay_timeline(r->e, ev);
		return score_apply(&r->e->ledger, ev, &r->error);
	case EVENT_CHANGE:
		replay_timeline(r->e, ev);
		return score_apply(&r->e->ledger, ev, &r->error);
	case EVENT_CLOCK:
		r->e->clock_journaled = ev->u.clock.state;
		r->e->speed_journaled = ev->u.clock.speed;
		return 0;
	case EVENT_INJECT:
		replay_inject(r, &ev->u.inject);
		return 0;
	case EVENT_INJECT_RESULT:
		replay_result(r, &ev->u.inject_result);
		return 0;
	case EVENT_ROUND:
		r->e->next_round = (long)ev->u.round.n + 1;
		return score_apply(&r->e->ledger, ev, &r->error);
	case EVENT_GRADE:
	case EVENT_ADJUSTMENT:
		return score_apply(&r->e->ledger, ev, &r->error);
	case EVENT_REPORT:
		json_object_set_new(r->e->reports, ev->u.report.id,
		    json_string(ev->u.report.team));
		return 0;
	case EVENT_LINK:
		replay_link(r, &ev->u.link);
		return 0;
	case EVENT_HOST:
		replay_host(r, &ev->u.host);
		return 0;
	default:
		return 0;
	}
}

static int
replay_one(const json_t *o, void *ctx)
{
	struct replay *r = ctx;
	struct event ev;
	int rc;

	/* As rangectl report reads it: a damaged journal is not guessed at. */
	if (event_decode(o, 0, &ev, &r->error) < 0)
		return -1;
	/* Whoever watches live events sees the past ones first. */
	if (r->e->opts.observe != NULL)
		r->e->opts.observe(r->e->opts.observe_ctx, o);
	r->e->last_t = ev.t;
	r->e->last_wall = ev.wall;
	rc = replay_event(r, &ev);
	event_clear(&ev);
	return rc;
}

/* The clock where the journal left it; a running one ran on meanwhile. */
static void
restore_clock(struct engine *e)
{
	double mono = engine_mono(), t = e->last_t, gap;

	if (e->clock_journaled == EXCLOCK_PENDING)
		return;	/* never started */
	if (e->clock_journaled == EXCLOCK_RUNNING) {
		gap = (engine_wall() - e->last_wall) * (e->speed_journaled > 0 ?
		    e->speed_journaled : e->opts.speed);
		e->resumed = true;
		e->resumed_gap = gap > 0 ? gap : 0;
		exclock_restore(&e->clock, EXCLOCK_RUNNING, t + e->resumed_gap,
		    mono);
	} else {
		exclock_restore(&e->clock, e->clock_journaled, t, mono);
	}
	e->clock.speed = e->opts.speed;	/* this run's, from now on */
}

static int
replay(struct engine *e, char **error)
{
	struct replay r = { .e = e };
	char *path = xasprintf("%s/%s", e->state_dir, JOURNAL_FILE);
	unsigned long long offset = 0, first = 1;
	long n;

	engine_checkpoint_load(e, &offset, &first);
	n = journal_replay_from(path, offset, first, replay_one, &r, error);
	free(path);
	if (n < 0 && r.error != NULL) {
		free(*error);
		*error = xasprintf("cannot resume from the journal in '%s': %s",
		    e->state_dir, r.error);
	}
	free(r.error);
	if (n >= 0)
		restore_clock(e);
	e->replayed = n > 0 ? (unsigned long long)n : 0;
	return n < 0 ? -1 : 0;
}

/* The exercise event's MSEL, of plan (borrowed strings, new arrays). */
static struct event_msel *
msel_of(const struct plan *plan)
{
	struct event_msel *msel = xcalloc(plan->n_injects + 1, sizeof(*msel));
	size_t i, j;

	for (i = 0; i < plan->n_injects; i++) {
		const struct plan_inject *pi = &plan->injects[i];
		struct event_msel *m = &msel[i];

		*m = (struct event_msel){ .id = pi->src->id, .title =
		    pi->src->title, .at = pi->src->manual ? -1 : pi->src->at,
		    .action = action_name(pi->src->action), .n_targets =
		    pi->n_targets, .n_to = pi->n_to };
		m->targets = xcalloc(pi->n_targets + 1, sizeof(*m->targets));
		for (j = 0; j < pi->n_targets; j++)
			m->targets[j] = plan->hosts[pi->targets[j]].name;
		m->to = xcalloc(pi->n_to + 1, sizeof(*m->to));
		for (j = 0; j < pi->n_to; j++)
			m->to[j] = pi->to[j]->id;
	}
	return msel;
}

/* The exercise event's hosts and their services, of plan. */
static struct event_host_entry *
hosts_of(const struct plan *plan)
{
	struct event_host_entry *hosts = xcalloc(plan->n_hosts + 1,
	    sizeof(*hosts));
	size_t i, j;

	for (i = 0; i < plan->n_hosts; i++) {
		const struct plan_host *h = &plan->hosts[i];

		hosts[i] = (struct event_host_entry){ .name = h->name, .team =
		    h->team ? h->team->id : NULL, .n_services =
		    h->src->n_services };
		hosts[i].services = xcalloc(h->src->n_services + 1,
		    sizeof(*hosts[i].services));
		for (j = 0; j < h->src->n_services; j++)
			hosts[i].services[j] = (struct event_service){ .id =
			    h->src->services[j].id, .check = check_kind_name(
			    h->src->services[j].kind), .points =
			    h->src->services[j].points };
	}
	return hosts;
}

json_t *
engine_exercise_event(const struct plan *plan)
{
	const struct scenario *sc = plan->sc;
	struct event ev;
	json_t *o;
	size_t i;

	event_init(&ev, EVENT_EXERCISE);
	ev.has_t = false;
	ev.u.exercise.name = sc->exercise.name;
	ev.u.exercise.title = sc->exercise.title;
	ev.u.exercise.duration = sc->exercise.duration;
	ev.u.exercise.interval = sc->scoring.interval;
	ev.u.exercise.timeout = sc->scoring.timeout;
	if (sc->scoring.sla.node != NULL) {
		ev.u.exercise.sla_after = sc->scoring.sla.after;
		ev.u.exercise.sla_penalty = sc->scoring.sla.penalty;
	}
	ev.u.exercise.scenario = sc->path;
	ev.u.exercise.teams = xcalloc(sc->n_teams + 1,
	    sizeof(*ev.u.exercise.teams));
	for (i = 0; i < sc->n_teams; i++)
		ev.u.exercise.teams[i] = (struct event_team){ .id =
		    sc->teams[i].id, .name = sc->teams[i].name, .role =
		    sc->teams[i].role };
	ev.u.exercise.n_teams = sc->n_teams;
	ev.u.exercise.injects = msel_of(plan);
	ev.u.exercise.n_injects = plan->n_injects;
	ev.u.exercise.hosts = hosts_of(plan);
	ev.u.exercise.n_hosts = plan->n_hosts;
	o = event_encode(&ev);
	event_clear(&ev);
	return o;
}

/* Target i of a checkpoint's open firing ("?" if it is not a name). */
static const char *
host_name(const json_t *targets, size_t i)
{
	const char *name = json_string_value(json_array_get(targets, i));

	return name != NULL ? name : "?";
}

/* The results of a firing cut off by a crash: lost, and said so. */
static void
journal_lost_firing(struct engine *e, const char *key, const json_t *targets)
{
	const char *hash = strrchr(key, '#');
	char *id = xstrndup(key, (size_t)(hash - key));
	struct event_result *results = xcalloc(json_array_size(targets) + 1,
	    sizeof(*results));
	struct event ev;
	size_t i;

	for (i = 0; i < json_array_size(targets); i++)
		results[i] = (struct event_result){ .host = host_name(targets,
		    i), .error = "rangectl stopped "
		    "before this firing's result came back; the action may or "
		    "may not have run", .out = "", .err = "", .has_seconds =
		    true };
	engine_log(e, "inject '%s' firing %s: results lost in the last stop",
	    id, hash + 1);
	event_init(&ev, EVENT_INJECT_RESULT);
	ev.u.inject_result = (struct event_inject_result){ .id = id, .firing =
	    atoll(hash + 1), .results = results, .n_results =
	    json_array_size(targets), .lost = true };
	engine_journal(e, event_encode(&ev));
	free(results);
	free(id);
}

/* Results of firings cut off by a crash: lost, and said so. */
static void
journal_lost_firings(struct engine *e)
{
	/* A copy: journaling each result takes it out of open_firings. */
	json_t *open = json_deep_copy(e->open_firings);
	void *iter;

	for (iter = json_object_iter(open); iter != NULL;
	    iter = json_object_iter_next(open, iter))
		journal_lost_firing(e, json_object_iter_key(iter),
		    json_object_iter_value(iter));
	json_decref(open);
}

/* A new journal's first event: what the report needs to know. */
void
engine_introduce(struct engine *e)
{
	if (e->journal.seq == 0)
		engine_journal(e, engine_exercise_event(e->plan));
}

static void timeline_journal(struct engine *e);

/* The journaled steps of a run's start: lost results, the clock. */
void
engine_begin(struct engine *e)
{
	timeline_journal(e);
	journal_lost_firings(e);
	if (e->resumed) {
		char *why = xasprintf("resumed after a restart; %.0f s of "
		    "exercise time passed while rangectl was not running",
		    e->resumed_gap);

		engine_clock_event(e, why, NULL);
		free(why);
	} else if (e->clock.state == EXCLOCK_PENDING && !e->opts.wait_for_start) {
		exclock_start(&e->clock, engine_mono());
		engine_clock_event(e, "started", NULL);
	} else if (e->clock.state == EXCLOCK_PAUSED) {
		engine_log(e, "the clock is paused, as the journal left it");
	}
}

/* The plan's timeline, as an exercise event of it would say. */
static json_t *
plan_timeline(const struct plan *plan)
{
	json_t *ev = engine_exercise_event(plan), *t = engine_timeline_of(ev);

	json_decref(ev);
	return t;
}

/*
 * The journal's timeline (engine_timeline.c) against the plan's, once
 * replayed: 0 when alike or accepted (opts.accept_changes: a change to
 * journal at the start), -1 with *error naming every difference.
 */
static int
timeline_check(struct engine *e, char **error)
{
	json_t *now = plan_timeline(e->plan), *lines;

	if (e->timeline == NULL) {
		/* A new journal: its exercise event will say it. */
		e->timeline = now;
		return 0;
	}
	lines = engine_timeline_diff(e->timeline, now);
	if (json_array_size(lines) == 0) {
		json_decref(lines);
		json_decref(now);
		return 0;
	}
	if (e->opts.accept_changes) {
		e->pending_change = json_pack("{s:s, s:o}", "type", "change",
		    "what", lines);
		json_object_update(e->pending_change, now);
		json_decref(e->timeline);
		e->timeline = now;
		return 0;
	}
	*error = engine_timeline_refusal(e->plan, e->state_dir, lines);
	json_decref(lines);
	json_decref(now);
	return -1;
}

/* Journals the change the run accepted, if any. */
static void
timeline_journal(struct engine *e)
{
	json_t *change = e->pending_change;
	size_t i;

	if (change == NULL)
		return;
	e->pending_change = NULL;
	json_object_set_new(change, "t", json_real(e->last_t));
	for (i = 0; i < json_array_size(json_object_get(change, "what")); i++)
		engine_log(e, "the scenario changed, as accepted: %s",
		    json_string_value(json_array_get(json_object_get(change,
		    "what"), i)));
	engine_journal(e, change);
}

static void
index_hosts(struct engine *e)
{
	size_t i;

	strmap_init(&e->hosts);
	for (i = 0; i < e->plan->n_hosts; i++)
		strmap_add(&e->hosts, e->plan->hosts[i].name,
		    (void *)(uintptr_t)(i + 1));
}

/* The engine's per node state, each naming its node for libvirt's calls. */
static void
init_nodes(struct engine *e)
{
	size_t i;

	e->nodes = xcalloc(e->cl->n ? e->cl->n : 1, sizeof(*e->nodes));
	for (i = 0; i < e->cl->n; i++) {
		e->nodes[i].e = e;
		e->nodes[i].index = i;
		e->nodes[i].lifecycle_callback = -1;
	}
}

struct engine *
engine_new(const struct plan *plan, struct virt *virt,
    const struct engine_opts *opts, char **error)
{
	struct cluster one = { virt, 1, false, NULL };

	return engine_new_cluster(plan, &one, opts, error);
}

struct engine *
engine_new_cluster(const struct plan *plan, struct cluster *cl,
    const struct engine_opts *opts, char **error)
{
	struct engine *e = xcalloc(1, sizeof(*e));

	e->plan = plan;
	/*
	 * A copy of the cluster (engine_new's lives on its stack); its nodes
	 * array is the caller's, where each node's conn is swapped.
	 */
	e->cl_copy = *cl;
	e->cl = &e->cl_copy;
	init_nodes(e);
	e->opts = *opts;
	if (e->opts.speed <= 0)
		e->opts.speed = 1;
	if (e->opts.exec_timeout <= 0)
		e->opts.exec_timeout = INJECT_EXEC_TIMEOUT;
	e->state_dir = xstrdup(opts->state_dir);
	e->timerfd = e->sigfd = e->epfd = -1;
	e->journal.fd = -1;
	e->next_round = 1;
	e->reports = json_object();
	e->open_firings = json_object();
	/* Calls wait for engine_run() to answer them, until it has ended. */
	e->accepting = true;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->answered, NULL);
	exclock_init(&e->clock, (double)plan->sc->exercise.duration,
	    e->opts.speed);
	schedule_init(&e->schedule, plan);
	score_ledger_init(&e->ledger, plan->sc->teams, plan->sc->n_teams);
	index_hosts(e);
	e->firings = xcalloc(plan->n_injects + 1, sizeof(*e->firings));
	e->fired = xcalloc(plan->n_injects + 1, sizeof(*e->fired));
	e->running = xcalloc(plan->n_hosts + 1, sizeof(*e->running));
	e->down_reason = xcalloc(plan->n_hosts + 1, sizeof(*e->down_reason));
	e->journaled_state = xcalloc(plan->n_hosts + 1,
	    sizeof(*e->journaled_state));
	e->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->wakefd < 0) {
		*error = xasprintf("cannot make an eventfd: %s", strerror(errno));
		goto fail;
	}
	if (mkdir(e->state_dir, 0700) < 0 && errno != EEXIST) {
		*error = xasprintf("cannot make the state folder '%s': %s",
		    e->state_dir, strerror(errno));
		goto fail;
	}
	if (replay(e, error) < 0 || timeline_check(e, error) < 0 ||
	    journal_open(&e->journal, e->state_dir, error) < 0)
		goto fail;
	/* A long replay is worth not doing again at the next start. */
	if (e->replayed > ENGINE_CHECKPOINT_AFTER)
		engine_checkpoint_write(e);
	return e;
fail:
	engine_free(e);
	return NULL;
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
	for (i = 0; i < e->cl->n; i++)
		if (e->cl->nodes[i].conn != NULL)
			engine_unwatch_libvirt(e, i, e->cl->nodes[i].conn);
	engine_drop_done(e);
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
	free(e->nodes);
	json_decref(e->reports);
	json_decref(e->open_firings);
	json_decref(e->timeline);
	json_decref(e->pending_change);
	free(e->failure);
	free(e->state_dir);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->answered);
	free(e);
}
