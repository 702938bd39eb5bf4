/*
 * engine_work.c: the work the clock makes due: injects fired on threads
 * of their own, links that come back, rounds started and, once one is
 * done, journaled; the end of the exercise; the timer armed for the next
 * thing due.
 *
 * Calls engine_state.c and engine_checkpoint.c only; engine.c's loop
 * calls it (engine_tick, engine_arm_timer, engine_round_done), and
 * engine_command.c fires injects by hand through engine_fire.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>

#include "engine_impl.h"
#include "rangectl/inject.h"
#include "rangectl/util.h"

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
	struct cluster_refs *refs = engine_refs(e);
	json_t *results;

	results = inject_run(e->plan, f->inject, refs, e->opts.exec_timeout);
	engine_refs_drop(refs);

	d->kind = DONE_EVENT;
	d->event = result_event(e->plan->injects[f->inject].id, f->n,
	    results);
	json_decref(results);
	free(f);
	engine_post(e, d);
	return NULL;
}

/*
 * A firing's intent is durable: its action may run now, and only now,
 * so that a crash before never fires it and one after never twice.
 */
static void
intent_durable(struct engine *e, void *arg, bool ok)
{
	if (ok)
		engine_spawn(e, firing_thread, arg);
	else
		free(arg);
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

static void
forget_links_of(struct engine *e, size_t inject)
{
	const struct plan_inject *pi = &e->plan->injects[inject];
	size_t i, net;

	if (pi->action != ACTION_LINK_UP)
		return;
	for (i = 0; i < pi->n_targets; i++) {
		net = inject_nic_network(e->plan, pi->targets[i], pi->nic);
		if (net != PLAN_NONE)
			engine_forget_link(e, pi->targets[i], net);
	}
}

/*
 * A message inject's message, and its inject_result at once: there is
 * nothing to wait for. Its sender is the scenario's (its from, or
 * exercise control), also when a controller fired it by hand: who fired
 * it is the inject event's, in the journal, not a name in the trainees'
 * story.
 */
static int
journal_message(struct engine *e, size_t i)
{
	const struct plan_inject *pi = &e->plan->injects[i];
	const char **to = recipient_ids(pi);
	struct event ev;
	int rc;

	event_init(&ev, EVENT_MESSAGE);
	ev.u.message = (struct event_message){ .inject = pi->id, .to = to,
	    .n_to = pi->n_to, .people = (const char **)pi->people,
	    .n_people = pi->n_people, .text = pi->text, .by = NULL,
	    .from = pi->sender };
	rc = engine_journal_then(e, event_encode(&ev), true, NULL, NULL);
	free(to);
	if (rc < 0)
		return -1;
	event_init(&ev, EVENT_INJECT_RESULT);
	ev.u.inject_result.id = pi->id;
	ev.u.inject_result.firing = e->firings[i];
	return engine_journal(e, event_encode(&ev));
}

/* A message counts its recipients, not its targets (it has none). */
static void
log_firing(struct engine *e, const struct plan_inject *pi, const char *by,
    bool late)
{
	size_t people = 0, i;

	if (pi->action != ACTION_MESSAGE) {
		engine_log(e, "inject '%s' (%s) fired%s on %zu target(s)%s",
		    pi->id, action_name(pi->action), by ? " by hand" :
		    "", pi->n_targets, late ? ", late" : "");
		return;
	}
	/* plan.c keeps in people only those whose team is not in to. */
	for (i = 0; i < pi->n_to; i++)
		people += pi->to[i]->members.count;
	people += pi->n_people;
	engine_log(e, "inject '%s' (message) sent%s%s%s to %zu team(s), %zu "
	    "person(s)%s", pi->id, by ? " by hand, by '" : "", by ? by :
	    "", by ? "'" : "", pi->n_to, people, late ? ", late" : "");
}

/*
 * Fires plan inject i: its intent (the inject event) queued first, and
 * its action run once that is durable (intent_durable), so that a crash
 * can lose its results but never fire it twice. The engine's thread does
 * not wait for the disk: injects due together share one sync. A message
 * is its events alone, shown once durable: inject, message and result
 * are queued as one group, written in one write. scheduled < 0 for a
 * manual firing.
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
	ev.u.inject = (struct event_inject){ .id = pi->id, .action =
	    action_name(pi->action), .firing = e->firings[i] + 1,
	    .scheduled = scheduled >= 0 ? scheduled : -1, .actual = actual,
	    .late = scheduled >= 0 ? actual - scheduled : 0.0, .manual = by !=
	    NULL, .by = by, .targets = targets, .n_targets = pi->n_targets };
	if (pi->action == ACTION_MESSAGE) {
		rc = engine_journal_then(e, event_encode(&ev), true, NULL, NULL);
	} else {
		f = xcalloc(1, sizeof(*f));
		*f = (struct firing){ .e = e, .inject = i, .n = e->firings[i] + 1 };
		rc = engine_journal_then(e, event_encode(&ev), false,
		    intent_durable, f);
	}
	free(targets);
	if (rc < 0)
		return -1;
	e->firings[i]++;
	e->fired[i] = true;
	schedule_mark_fired(&e->schedule, i);
	engine_note_link_down(e, i, actual);
	forget_links_of(e, i);
	rc = pi->action == ACTION_MESSAGE ? journal_message(e, i) : 0;
	/*
	 * Once its group is queued whole: the log's write (a terminal, a
	 * pipe) is then not between the firing and the sync it waits for.
	 */
	log_firing(e, pi, by, scheduled >= 0 && actual - scheduled >= 1.0);
	return rc;
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
	struct engine_done *d = xcalloc(1, sizeof(*d));
	char *error = NULL;
	struct event ev;

	engine_set_link(e, job->link.host, job->link.network, true, &error);
	d->kind = DONE_EVENT;
	event_init(&ev, EVENT_LINK);
	ev.u.link = (struct event_link){ .host =
	    e->plan->hosts[job->link.host].name, .network =
	    e->plan->networks[job->link.network].name, .up = true, .inject =
	    e->plan->injects[job->link.inject].id, .has_ok = true, .ok =
	    error == NULL, .error = error };
	d->event = event_encode(&ev);
	free(error);
	free(job);
	engine_post(e, d);
	return NULL;
}

/* Whether link's host's node is connected: a link waits for it. */
static bool
link_reachable(const struct engine *e, const struct engine_link *link)
{
	return engine_node_up(e, engine_host_node(e, link->host));
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
	struct cluster_refs *refs = engine_refs(job->e);

	round_run(&job->round, refs);
	engine_refs_drop(refs);
	d->kind = DONE_ROUND;
	d->round = job->round;
	engine_post(job->e, d);
	free(job);
	return NULL;
}

static double
round_at(const struct engine *e, long n)
{
	return (double)n * (double)e->plan->interval;
}

/* True when inject i's link action is on host's first NIC. */
static bool
link_first_nic(const struct engine *e, size_t i, size_t host)
{
	const struct plan_host *h = &e->plan->hosts[host];

	return h->n_nics > 0 && inject_nic_network(e->plan, host,
	    e->plan->injects[i].nic) == h->nics[0].network;
}

/*
 * Which hosts' first NIC is cut, by the links waiting to come back and
 * the link_down injects fired without a duration; a link_up fired on the
 * same NIC counts as later (the engine keeps no order of firings).
 * New; per host.
 */
static bool *
links_cut(const struct engine *e)
{
	const struct plan *plan = e->plan;
	bool *cut = xcalloc(plan->n_hosts + 1, sizeof(*cut));
	size_t i, j;

	for (i = 0; i < e->n_links; i++) {
		const struct plan_host *h = &plan->hosts[e->links[i].host];

		if (h->n_nics > 0 && h->nics[0].network == e->links[i].network)
			cut[e->links[i].host] = true;
	}
	for (int pass = 0; pass < 2; pass++) {
		int action = pass == 0 ? ACTION_LINK_DOWN : ACTION_LINK_UP;

		for (i = 0; i < plan->n_injects; i++) {
			const struct plan_inject *pi = &plan->injects[i];

			if (!e->fired[i] || pi->action != action ||
			    (action == ACTION_LINK_DOWN && pi->duration > 0))
				continue;
			for (j = 0; j < pi->n_targets; j++)
				if (link_first_nic(e, i, pi->targets[j]))
					cut[pi->targets[j]] = action ==
					    ACTION_LINK_DOWN;
		}
	}
	return cut;
}

static void
start_round(struct engine *e, double t)
{
	struct round_job *job = xcalloc(1, sizeof(*job));
	size_t i;

	round_init(&job->round, e->plan, e->next_round, round_at(e,
	    e->next_round), (int)(e->plan->timeout * 1000));
	job->round.late = t - job->round.at;
	round_add_services(&job->round, e->running,
	    (const char *const *)e->down_reason);
	for (i = 0; i < e->plan->n_injects; i++)
		if (e->fired[i])
			round_add_compromises(&job->round, i, e->running,
			    (const char *const *)e->down_reason);
	if (e->opts.simulate_checks) {
		bool *cut = links_cut(e);

		round_simulate(&job->round, e->fired, cut);
		free(cut);
	}
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

/* A round is durable: its scores logged, a checkpoint due. */
static void
round_durable(struct engine *e, void *arg, bool ok)
{
	if (!ok)
		return;
	log_scores(e, (long)(intptr_t)arg);
	e->checkpoint_wanted = true;
}

void
engine_round_done(struct engine *e, struct round *r)
{
	e->round_busy = false;
	if (engine_journal_then(e, round_to_event(r), false, round_durable,
	    (void *)(intptr_t)r->n) == 0)
		e->next_round = r->n + 1;
	round_clear(r);
}

/* ---- the end, and the timer ------------------------------------------- */

static void
maybe_end(struct engine *e, double t)
{
	if (t < (double)e->plan->duration || e->round_busy ||
	    round_at(e, e->next_round) <= t)
		return;
	pthread_mutex_lock(&e->lock);
	exclock_stop(&e->clock, engine_mono());
	pthread_mutex_unlock(&e->lock);
	engine_clock_event(e, "the exercise's duration is over", NULL);
}

void
engine_tick(struct engine *e)
{
	double t = exercise_now(e);

	if (e->clock.state != EXCLOCK_RUNNING || e->stopping ||
	    e->failure != NULL)
		return;
	fire_due(e, t);
	engine_flags_due(e, t);
	/* A link waits for its node's libvirt to be back rather than stay down. */
	restore_links(e, t);
	if (!e->round_busy && round_at(e, e->next_round) <= t &&
	    round_at(e, e->next_round) <= (double)e->plan->duration)
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
void
engine_arm_timer(struct engine *e)
{
	struct itimerspec its = { 0 };
	double when = -1, next;
	size_t i;

	if (e->clock.state == EXCLOCK_RUNNING && !e->stopping) {
		next = schedule_next_at(&e->schedule);
		if (next >= 0)
			when = exclock_mono_at(&e->clock, next);
		next = engine_flags_next_at(e);
		if (next >= 0)
			when = earliest(when, exclock_mono_at(&e->clock, next));
		if (!e->round_busy)
			when = earliest(when, exclock_mono_at(&e->clock,
			    round_at(e, e->next_round)));
		for (i = 0; i < e->n_links; i++)
			if (link_reachable(e, &e->links[i]))
				when = earliest(when, exclock_mono_at(&e->clock,
				    e->links[i].until));
		when = earliest(when, exclock_mono_at(&e->clock,
		    (double)e->plan->duration));
	}
	for (i = 0; i < e->n_nodes; i++)
		if (!engine_node_up(e, i))
			when = earliest(when, engine_reconnect_at(e, i));
	if (when >= 0) {
		if (when < 1e-9)
			when = 1e-9;	/* zero would disarm it */
		its.it_value.tv_sec = (time_t)when;
		its.it_value.tv_nsec = (long)((when - floor(when)) * 1e9);
	}
	timerfd_settime(e->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}
