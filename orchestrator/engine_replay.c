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

static const char *
str(const json_t *event, const char *key)
{
	return json_string_value(json_object_get(event, key));
}

char *
engine_firing_key(const char *id, long long firing)
{
	return xasprintf("%s#%lld", id, firing);
}

static int
replay_exercise(struct replay *r, const json_t *ev)
{
	const char *name = str(ev, "name");

	if (name == NULL || strcmp(name, r->e->plan->sc->exercise.name) != 0) {
		r->error = xasprintf("the journal in '%s' belongs to exercise "
		    "'%s', not '%s'; give another --state folder",
		    r->e->state_dir, name ? name : "(none)",
		    r->e->plan->sc->exercise.name);
		return -1;
	}
	return 0;
}

static void
replay_inject(struct replay *r, const json_t *ev)
{
	struct engine *e = r->e;
	size_t i = engine_inject_index(e, str(ev, "id"));
	json_int_t firing = json_integer_value(json_object_get(ev, "firing"));
	char *key;

	if (i == PLAN_NONE)
		return;	/* the scenario changed since: nothing to fire again */
	if ((unsigned)firing > e->firings[i])
		e->firings[i] = (unsigned)firing;
	e->fired[i] = true;
	if (!json_is_null(json_object_get(ev, "scheduled")))
		schedule_mark_fired(&e->schedule, i);
	engine_note_link_down(e, i, json_number_value(json_object_get(ev,
	    "actual")));
	key = engine_firing_key(str(ev, "id"), firing);
	json_object_set(e->open_firings, key, json_object_get(ev, "targets"));
	free(key);
}

static void
replay_link(struct replay *r, const json_t *ev)
{
	size_t host = engine_host_index(r->e, str(ev, "host"));
	size_t net = network_index(r->e, str(ev, "network"));

	if (host != PLAN_NONE && net != PLAN_NONE &&
	    json_is_true(json_object_get(ev, "up")))
		engine_forget_link(r->e, host, net);
}

static void
replay_host(struct replay *r, const json_t *ev)
{
	size_t host = engine_host_index(r->e, str(ev, "name"));

	if (host == PLAN_NONE || str(ev, "state") == NULL)
		return;
	free(r->e->journaled_state[host]);
	r->e->journaled_state[host] = xstrdup(str(ev, "state"));
}

static void
replay_result(struct replay *r, const json_t *ev)
{
	char *key = engine_firing_key(str(ev, "id") ? str(ev, "id") : "",
	    json_integer_value(json_object_get(ev, "firing")));

	json_object_del(r->e->open_firings, key);
	free(key);
}

static int
replay_round(struct replay *r, const json_t *ev)
{
	if (score_apply(&r->e->ledger, ev, &r->error) < 0)
		return -1;
	r->e->next_round = (long)json_integer_value(json_object_get(ev, "n")) +
	    1;
	return 0;
}

static int
replay_one(const json_t *ev, void *ctx)
{
	struct replay *r = ctx;
	const char *type = str(ev, "type");

	/* Whoever watches live events sees the past ones first. */
	if (r->e->opts.observe != NULL)
		r->e->opts.observe(r->e->opts.observe_ctx, ev);
	r->e->last_t = json_number_value(json_object_get(ev, "t"));
	r->e->last_wall = json_number_value(json_object_get(ev, "wall"));
	if (type == NULL)
		return 0;
	if (strcmp(type, "exercise") == 0)
		return replay_exercise(r, ev);
	if (strcmp(type, "clock") == 0) {
		const char *state = str(ev, "state");

		r->e->clock_journaled = state == NULL ? EXCLOCK_PENDING :
		    strcmp(state, "running") == 0 ? EXCLOCK_RUNNING :
		    strcmp(state, "paused") == 0 ? EXCLOCK_PAUSED : EXCLOCK_ENDED;
		r->e->speed_journaled = json_number_value(json_object_get(ev,
		    "speed"));
	} else if (strcmp(type, "inject") == 0) {
		replay_inject(r, ev);
	} else if (strcmp(type, "inject_result") == 0) {
		replay_result(r, ev);
	} else if (strcmp(type, "round") == 0) {
		return replay_round(r, ev);
	} else if (strcmp(type, "grade") == 0 || strcmp(type,
	    "adjustment") == 0) {
		return score_apply(&r->e->ledger, ev, &r->error);
	} else if (strcmp(type, "report") == 0 && str(ev, "id") != NULL) {
		json_object_set_new(r->e->reports, str(ev, "id"),
		    json_string(str(ev, "team") ? str(ev, "team") : ""));
	} else if (strcmp(type, "link") == 0) {
		replay_link(r, ev);
	} else if (strcmp(type, "host") == 0) {
		replay_host(r, ev);
	}
	return 0;
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

json_t *
engine_exercise_event(const struct plan *plan)
{
	const struct scenario *sc = plan->sc;
	json_t *teams = json_array(), *injects = json_array(), *hosts =
	    json_array();
	size_t i, j;

	for (i = 0; i < sc->n_teams; i++)
		json_array_append_new(teams, json_pack("{s:s, s:o, s:s}", "id",
		    sc->teams[i].id, "name", sc->teams[i].name ?
		    json_string(sc->teams[i].name) : json_null(), "role",
		    role_name(sc->teams[i].role)));
	for (i = 0; i < plan->n_injects; i++) {
		const struct plan_inject *pi = &plan->injects[i];
		json_t *targets = json_array(), *to = json_array();

		for (j = 0; j < pi->n_targets; j++)
			json_array_append_new(targets, json_string(
			    plan->hosts[pi->targets[j]].name));
		for (j = 0; j < pi->n_to; j++)
			json_array_append_new(to, json_string(pi->to[j]->id));
		json_array_append_new(injects, json_pack("{s:s, s:o, s:o, s:s, "
		    "s:o, s:o}", "id", pi->src->id, "title", pi->src->title ?
		    json_string(pi->src->title) : json_null(), "at",
		    pi->src->manual ? json_null() : json_integer(pi->src->at),
		    "action", action_name(pi->src->action), "targets", targets,
		    "to", to));
	}
	for (i = 0; i < plan->n_hosts; i++) {
		const struct plan_host *h = &plan->hosts[i];
		json_t *services = json_array();

		for (j = 0; j < h->src->n_services; j++)
			json_array_append_new(services, json_pack("{s:s, s:s, s:I}",
			    "id", h->src->services[j].id, "check", check_kind_name(
			    h->src->services[j].kind), "points", (json_int_t)
			    h->src->services[j].points));
		json_array_append_new(hosts, json_pack("{s:s, s:o, s:o}", "name",
		    h->name, "team", h->team ? json_string(h->team->id) :
		    json_null(), "services", services));
	}
	return json_pack("{s:s, s:s, s:o, s:I, s:I, s:I, s:s, s:o, s:o, s:o}",
	    "type", "exercise", "name", sc->exercise.name, "title",
	    sc->exercise.title ? json_string(sc->exercise.title) : json_null(),
	    "duration", (json_int_t)sc->exercise.duration, "interval",
	    (json_int_t)sc->scoring.interval, "timeout",
	    (json_int_t)sc->scoring.timeout, "scenario", sc->path, "teams",
	    teams, "injects", injects, "hosts", hosts);
}

/* Results of firings cut off by a crash: lost, and said so. */
static void
journal_lost_firings(struct engine *e)
{
	/* A copy: journaling each result takes it out of open_firings. */
	json_t *open = json_deep_copy(e->open_firings), *targets, *results;
	const char *key;
	void *iter;

	for (iter = json_object_iter(open); iter != NULL;
	    iter = json_object_iter_next(open, iter)) {
		size_t i;
		char *id;
		const char *hash;

		key = json_object_iter_key(iter);
		targets = json_object_iter_value(iter);
		hash = strrchr(key, '#');
		id = xstrndup(key, (size_t)(hash - key));
		results = json_array();
		for (i = 0; i < json_array_size(targets); i++)
			json_array_append_new(results, json_pack("{s:O, s:n, s:b, "
			    "s:s, s:n, s:s, s:s, s:f}", "host", json_array_get(
			    targets, i), "via", "ok", 0, "error", "rangectl "
			    "stopped before this firing's result came back; the "
			    "action may or may not have run", "exit", "out", "",
			    "err", "", "seconds", 0.0));
		engine_log(e, "inject '%s' firing %s: results lost in the last "
		    "stop", id, hash + 1);
		engine_journal(e, json_pack("{s:s, s:s, s:I, s:o, s:b}", "type",
		    "inject_result", "id", id, "firing", (json_int_t)atoll(hash +
		    1), "results", results, "lost", 1));
		free(id);
	}
	json_decref(open);
}

/* A new journal's first event: what the report needs to know. */
void
engine_introduce(struct engine *e)
{
	if (e->journal.seq == 0)
		engine_journal(e, engine_exercise_event(e->plan));
}

/* The journaled steps of a run's start: lost results, the clock. */
void
engine_begin(struct engine *e)
{
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
	score_ledger_init(&e->ledger, plan->sc);
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
	if (replay(e, error) < 0 || journal_open(&e->journal, e->state_dir,
	    error) < 0)
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
	free(e->failure);
	free(e->state_dir);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->answered);
	free(e);
}
