/*
 * engine_replay.c: the journal read back into a new engine (each event
 * replayed: the clock, the injects fired, the scores, the links still
 * down), the journal's first event, and what a run journals as it begins
 * (firings whose results were lost, the clock).
 *
 * Calls engine_state.c and engine_checkpoint.c only; engine.c calls it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "rangectl/inject.h"
#include "rangectl/round.h"
#include "rangectl/strlist.h"
#include "rangectl/util.h"

/* What replay learns beyond what lands in the engine directly. */
struct replay {
	struct engine *e;
	unsigned long long own_first;	/* the first event the engine replays */
	char *error;
	bool refused;	/* by opts.check_replayed: error is its own words */
};

static size_t
network_index(const struct engine *e, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < e->plan->n_networks; i++)
		if (strcmp(e->plan->networks[i].name, name) == 0)
			return i;
	return PLAN_NONE;
}

static int
replay_exercise(struct replay *r, const struct event_exercise *x)
{
	if (strcmp(x->name, r->e->plan->exercise) != 0) {
		r->error = xasprintf("the journal in '%s' belongs to exercise "
		    "'%s', not '%s'; give another --state folder",
		    r->e->state_dir, x->name, r->e->plan->exercise);
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
		/* An inject's effect windows (outage.h) are the ledger's,
		 * and the attacks it fired, for detection scoring. */
		return score_apply(&r->e->ledger, ev, &r->error);
	case EVENT_INJECT_RESULT:
		replay_result(r, &ev->u.inject_result);
		return score_apply(&r->e->ledger, ev, &r->error);
	case EVENT_ROUND:
		r->e->next_round = (long)ev->u.round.n + 1;
		return score_apply(&r->e->ledger, ev, &r->error);
	case EVENT_GRADE:
	case EVENT_ADJUSTMENT:
		return score_apply(&r->e->ledger, ev, &r->error);
	case EVENT_REPORT:
		json_object_set_new(r->e->reports, ev->u.report.id,
		    json_string(ev->u.report.team));
		return score_apply(&r->e->ledger, ev, &r->error);
	case EVENT_INTEL:
		engine_count_intel(r->e, ev->u.intel.team);
		return score_apply(&r->e->ledger, ev, &r->error);
	case EVENT_LINK:
		replay_link(r, &ev->u.link);
		return 0;
	case EVENT_HOST:
		replay_host(r, &ev->u.host);
		return 0;
	case EVENT_FLAG:
		engine_note_flag(r->e, ev);
		return 0;
	case EVENT_CAPTURE:
		engine_note_flag(r->e, ev);
		return score_apply(&r->e->ledger, ev, &r->error);
	default:
		return 0;
	}
}

/*
 * The observer's view of a replayed event: observe_replayed() when it
 * takes decoded events, else observe() with its JSON (encoded from the
 * decoded event for a round read without a tree).
 */
static void
show_replayed(struct engine *e, const struct journal_event *je)
{
	json_t *made = NULL;

	if (e->opts.observe_replayed != NULL) {
		e->opts.observe_replayed(e->opts.observe_ctx, je);
		return;
	}
	if (je->json == NULL && je->ev != NULL) {
		made = event_encode(je->ev);
		json_object_set_new(made, "seq", json_integer((json_int_t)je->seq));
		json_object_set_new(made, "wall", json_real(je->ev->wall));
	}
	if (je->json != NULL || made != NULL)
		e->opts.observe(e->opts.observe_ctx, je->json ? je->json : made);
	json_decref(made);
}

static int
replay_one(const struct journal_event *je, void *ctx)
{
	struct replay *r = ctx;

	/* Before the engine's checkpoint: the observer's alone. */
	if (je->seq < r->own_first) {
		show_replayed(r->e, je);
		return 0;
	}
	/* The caller's checks, in the same pass (engine_replayed()). */
	if (r->e->opts.check_replayed != NULL &&
	    r->e->opts.check_replayed(r->e->opts.check_ctx, je, &r->error) < 0) {
		r->refused = true;
		return -1;
	}
	/* As rangectl report reads it: a damaged journal is not guessed at. */
	if (je->ev == NULL) {
		r->error = xstrdup(je->error);
		return -1;
	}
	/* Whoever watches live events sees the past ones first. */
	if (r->e->opts.observe != NULL && je->seq > r->e->opts.observed_seq)
		show_replayed(r->e, je);
	r->e->replayed_seq = je->seq;
	r->e->last_t = je->ev->t;
	r->e->last_wall = je->ev->wall;
	return replay_event(r, je->ev);
}

void
engine_restore_clock(struct engine *e)
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

/* Replays STATE/journal.jsonl (after a checkpoint that matches it). */
int
engine_replay(struct engine *e, char **error)
{
	struct replay r = { .e = e };
	char *path = xasprintf("%s/%s", e->state_dir, JOURNAL_FILE);
	unsigned long long offset = 0, first = 1;
	long n;

	if (engine_checkpoint_load(e, &offset, &first, error) < 0) {
		free(path);
		return -1;
	}
	r.own_first = first;
	e->replayed_seq = first - 1;
	/* The observer needs events from before the checkpoint: one pass. */
	if (e->opts.observe != NULL && e->opts.observed_seq + 1 < first) {
		offset = e->opts.observed_offset;
		first = e->opts.observed_seq + 1;
	}
	n = journal_read_from(path, offset, first, replay_one, &r, error);
	free(path);
	if (n < 0 && r.refused) {
		free(*error);
		*error = r.error ? r.error : xstrdup("refused by its caller");
		r.error = NULL;
	} else if (n < 0 && r.error != NULL) {
		free(*error);
		*error = xasprintf("cannot resume from the journal in '%s': %s",
		    e->state_dir, r.error);
	}
	free(r.error);
	e->replayed = n > 0 ? (unsigned long long)n : 0;
	return n < 0 ? -1 : 0;
}

/*
 * An inject's truth as the MSEL journals it (issue 14): the plan's, a row
 * per target with its team (borrowed strings, new arrays); NULL when none.
 */
static struct event_truth *
truth_of(const struct plan *plan, const struct plan_inject *pi)
{
	const struct plan_truth *pt = pi->truth;
	struct event_truth *t;
	size_t i, j;

	if (pt == NULL)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->technique = pt->technique;
	t->effects = xcalloc(pt->effects.count + 1, sizeof(*t->effects));
	for (i = 0; i < pt->effects.count; i++)
		t->effects[i] = pt->effects.items[i];
	t->n_effects = pt->effects.count;
	t->resolved = xcalloc(pi->n_targets + 1, sizeof(*t->resolved));
	for (i = 0; i < pi->n_targets; i++) {
		const struct plan_host *h = &plan->hosts[pi->targets[i]];
		struct event_truth_row *row = &t->resolved[i];

		row->target = h->name;
		row->team = h->team ? h->team->id : NULL;
		row->indicators = xcalloc(pt->n_indicators + 1,
		    sizeof(*row->indicators));
		for (j = 0; j < pt->n_indicators; j++) {
			const struct plan_indicator *ind =
			    &pt->indicators[i * pt->n_indicators + j];

			row->indicators[j].type = indicator_type_name(ind->type);
			row->indicators[j].value = ind->value;
		}
		row->n_indicators = pt->n_indicators;
	}
	t->n_resolved = pi->n_targets;
	return t;
}

/* Whether truth t's effects name service c of host h ("HOST.SERVICE"). */
static bool
truth_names(const struct plan_truth *t, const struct plan_host *h,
    const struct scenario_check *c)
{
	size_t i, n = strlen(h->id);

	for (i = 0; t != NULL && c->id != NULL && i < t->effects.count; i++) {
		const char *e = t->effects.items[i];

		if (strcmp(e, c->id) == 0 || (strncmp(e, h->id, n) == 0 &&
		    e[n] == '.' && strcmp(e + n + 1, c->id) == 0))
			return true;
	}
	return false;
}

/*
 * The checks pi is known to break on its targets beyond its action's
 * power and link (event.h's breaks): "HOST/SERVICE", new in *owned, which
 * outlives the event; NULL when none.
 */
static const char **
breaks_of(const struct plan *plan, const struct plan_inject *pi,
    struct strlist *owned, size_t *n)
{
	const char **keys = NULL;
	size_t i, j, alloc = 0;

	*n = 0;
	for (i = 0; i < pi->n_targets; i++) {
		const struct plan_host *h = &plan->hosts[pi->targets[i]];

		for (j = 0; j < h->n_services; j++) {
			const struct scenario_check *c = &h->services[j];

			if (round_inject_breaks(pi, c) == ROUND_INTACT &&
			    !truth_names(pi->truth, h, c))
				continue;
			owned->items = xrealloc(owned->items, (owned->count + 1) *
			    sizeof(*owned->items));
			xgrow(&keys, &alloc, *n + 1, sizeof(*keys));
			keys[(*n)++] = owned->items[owned->count++] =
			    xasprintf("%s/%s", h->name, c->id);
		}
	}
	return keys;
}

/* The exercise event's MSEL, of plan (borrowed strings, new arrays). */
static struct event_msel *
msel_of(const struct plan *plan, struct strlist *owned)
{
	struct event_msel *msel = xcalloc(plan->n_injects + 1, sizeof(*msel));
	size_t i, j;

	for (i = 0; i < plan->n_injects; i++) {
		const struct plan_inject *pi = &plan->injects[i];
		struct event_msel *m = &msel[i];

		*m = (struct event_msel){ .id = pi->id, .title =
		    pi->title, .at = pi->manual ? -1 : pi->at,
		    .action = action_name(pi->action), .n_targets =
		    pi->n_targets, .n_to = pi->n_to };
		m->targets = xcalloc(pi->n_targets + 1, sizeof(*m->targets));
		for (j = 0; j < pi->n_targets; j++)
			m->targets[j] = plan->hosts[pi->targets[j]].name;
		m->to = xcalloc(pi->n_to + 1, sizeof(*m->to));
		for (j = 0; j < pi->n_to; j++)
			m->to[j] = pi->to[j]->id;
		m->people = xcalloc(pi->n_people + 1, sizeof(*m->people));
		for (j = 0; j < pi->n_people; j++)
			m->people[j] = pi->people[j];
		m->n_people = pi->n_people;
		m->truth = truth_of(plan, pi);
		m->breaks = breaks_of(plan, pi, owned, &m->n_breaks);
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
		    h->n_services };
		hosts[i].services = xcalloc(h->n_services + 1,
		    sizeof(*hosts[i].services));
		for (j = 0; j < h->n_services; j++)
			hosts[i].services[j] = (struct event_service){ .id =
			    h->services[j].id, .check = check_kind_name(
			    h->services[j].kind), .points =
			    h->services[j].points };
	}
	return hosts;
}

json_t *
engine_exercise_event(const struct plan *plan)
{
	struct strlist owned = { 0 };
	struct event ev;
	json_t *o;
	size_t i;

	event_init(&ev, EVENT_EXERCISE);
	ev.has_t = false;
	ev.u.exercise.name = plan->exercise;
	ev.u.exercise.title = plan->title;
	ev.u.exercise.duration = plan->duration;
	ev.u.exercise.interval = plan->interval;
	ev.u.exercise.timeout = plan->timeout;
	ev.u.exercise.sla_after = plan->sla_after;
	ev.u.exercise.sla_penalty = plan->sla_penalty;
	/* Only a rule that changes a cost is written: older journals alike. */
	ev.u.exercise.has_outage = plan->outage_attack != 1000 ||
	    plan->outage_self != 1000;
	ev.u.exercise.outage_attack = plan->outage_attack;
	ev.u.exercise.outage_self = plan->outage_self;
	ev.u.exercise.has_detection = plan->has_detection;
	ev.u.exercise.detection = plan->detection;
	ev.u.exercise.scenario = plan->path;
	ev.u.exercise.teams = xcalloc(plan->n_teams + 1,
	    sizeof(*ev.u.exercise.teams));
	for (i = 0; i < plan->n_teams; i++)
		ev.u.exercise.teams[i] = (struct event_team){ .id =
		    plan->teams[i].id, .name = plan->teams[i].name, .role =
		    plan->teams[i].role };
	ev.u.exercise.n_teams = plan->n_teams;
	ev.u.exercise.injects = msel_of(plan, &owned);
	ev.u.exercise.n_injects = plan->n_injects;
	ev.u.exercise.hosts = hosts_of(plan);
	ev.u.exercise.n_hosts = plan->n_hosts;
	o = event_encode(&ev);
	event_clear(&ev);
	strlist_clear(&owned);
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
	if (e->range_event != NULL) {
		engine_journal(e, e->range_event);
		e->range_event = NULL;
	}
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
int
engine_timeline_check(struct engine *e, char **error)
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
