/*
 * report.c: the after-action report's model, replayed from the journal.
 * Pure: journal events in, data out (report_load only reads the file).
 * Every event is decoded and checked by the event table (event.c); what
 * is left here is what only a whole journal can say is wrong: a firing
 * journaled twice, a result without its firing, a team nobody listed.
 */
#include "rangectl/report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rangectl/journal.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

/* One event being applied, for messages that name it. */
struct apply {
	struct report *r;
	const struct event *ev;
	char **error;
};

/* Fails the event with "event SEQ (TYPE): MESSAGE". Returns -1. */
static int __attribute__((format(printf, 2, 3)))
bad(struct apply *a, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	*a->error = xasprintf("event %llu (%s): %s", a->ev->seq,
	    event_type_name(a->ev->type), msg);
	free(msg);
	return -1;
}

/* Exercise seconds to the millisecond: the journal's doubles carry noise. */
static double
ms(double seconds)
{
	return round(seconds * 1000.0) / 1000.0;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A copy of a list of strings, for the model. */
static char **
copy_strings(const char *const *list, size_t n)
{
	char **items = xcalloc(n + 1, sizeof(*items));
	size_t i;

	for (i = 0; i < n; i++)
		items[i] = xstrdup(list[i]);
	return items;
}

/*
 * A message's recipients as the report lists them: its teams, then each
 * person addressed one by one as person:NAME (the scenario's words).
 */
static char **
copy_recipients(const char *const *to, size_t n_to,
    const char *const *people, size_t n_people, size_t *n)
{
	char **items = xcalloc(n_to + n_people + 1, sizeof(*items));
	size_t i;

	for (i = 0; i < n_to; i++)
		items[i] = xstrdup(to[i]);
	for (i = 0; i < n_people; i++)
		items[n_to + i] = xasprintf("%s%s", SCENARIO_PERSON, people[i]);
	*n = n_to + n_people;
	return items;
}

static void
free_strings(char **items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/*
 * The event's entry in one of the model's lists: {"t": its time to the
 * millisecond}, the fields added by the caller in the order of the
 * event's reference (absent ones as null).
 */
static json_t *
listed_entry(const struct event *ev)
{
	return json_pack("{s:f}", "t", ms(ev->t));
}

/* ---- the lists of the model -------------------------------------------- */

/* A new entry, zeroed, at the end of the list *itemsp of *n. */
static void *
list_push(void *itemsp, size_t *n, size_t *alloc, size_t size)
{
	char *item;

	xgrow(itemsp, alloc, *n + 1, size);
	item = (char *)*(void **)itemsp + *n * size;
	(*n)++;
	memset(item, 0, size);
	return item;
}

/*
 * The following add an event, decoded and checked already, to its list;
 * t is the event's exercise time. They copy what they keep.
 */
static void
add_clock(struct report_lists *l, double t, const struct event_clock *ev)
{
	struct report_clock *c = list_push(&l->clock, &l->n_clock,
	    &l->clock_alloc, sizeof(*c));

	c->t = ms(t);
	c->state = xstrdup(exclock_state_name(ev->state));
	if (ev->has_speed) {
		c->speed_kind = REPORT_SPEED_REAL;
		c->speed = ms(ev->speed);
	}
	c->reason = dup_or_null(ev->reason);
	c->by = dup_or_null(ev->by);
}

/* An active compromise c of round ev. */
static void
add_penalty(struct report_lists *l, const struct event_round *ev,
    const struct event_compromise *c)
{
	struct report_penalty *p = list_push(&l->penalties, &l->n_penalties,
	    &l->penalties_alloc, sizeof(*p));

	p->round = ev->n;
	p->at = ms(ev->at);
	p->team = xstrdup(c->team);
	p->host = xstrdup(c->host);
	p->inject = xstrdup(c->inject);
	p->penalty = c->penalty;
	p->reason = dup_or_null(c->reason);
}

static void
add_incident(struct report_lists *l, double t, const struct event_report *ev)
{
	struct report_incident *x = list_push(&l->reports, &l->n_reports,
	    &l->reports_alloc, sizeof(*x));

	x->t = ms(t);
	x->id = xstrdup(ev->id);
	x->team = xstrdup(ev->team);
	x->author = dup_or_null(ev->author);
	x->title = xstrdup(ev->title);
	x->body = dup_or_null(ev->body);
	x->inject = dup_or_null(ev->inject);
}

static void
add_grade(struct report_lists *l, double t, const struct event_grade *ev)
{
	struct report_grade *g = list_push(&l->grades, &l->n_grades,
	    &l->grades_alloc, sizeof(*g));

	g->t = ms(t);
	g->report = xstrdup(ev->report);
	g->team = xstrdup(ev->team);
	g->points = ev->points;
	g->comment = dup_or_null(ev->comment);
	g->by = dup_or_null(ev->by);
	g->regrade = ev->regrade;
	g->reason = dup_or_null(ev->reason);
}

static void
add_revert(struct report_lists *l, double t, const struct event_revert *ev)
{
	struct report_revert *v = list_push(&l->reverts, &l->n_reverts,
	    &l->reverts_alloc, sizeof(*v));

	v->t = ms(t);
	v->host = xstrdup(ev->host);
	v->by = dup_or_null(ev->by);
	v->has_ok = ev->has_ok;
	v->ok = ev->ok;
	v->error = dup_or_null(ev->error);
}

static void
add_adjustment(struct report_lists *l, double t,
    const struct event_adjustment *ev)
{
	struct report_adjustment *j = list_push(&l->adjustments,
	    &l->n_adjustments, &l->adjustments_alloc, sizeof(*j));

	j->t = ms(t);
	j->team = xstrdup(ev->team);
	j->points = ev->points;
	j->reason = xstrdup(ev->reason);
	j->by = dup_or_null(ev->by);
}

static void
add_message(struct report_lists *l, double t, const struct event_message *ev)
{
	struct report_message *m = list_push(&l->messages, &l->n_messages,
	    &l->messages_alloc, sizeof(*m));

	m->t = ms(t);
	m->inject = dup_or_null(ev->inject);
	m->to = copy_recipients(ev->to, ev->n_to, ev->people, ev->n_people,
	    &m->n_to);
	m->text = xstrdup(ev->text);
	m->by = dup_or_null(ev->by);
	m->from = dup_or_null(ev->from);
}

static void
add_host(struct report_lists *l, double t, const struct event_host *ev)
{
	struct report_host *h = list_push(&l->hosts, &l->n_hosts,
	    &l->hosts_alloc, sizeof(*h));

	h->t = ms(t);
	h->name = xstrdup(ev->name);
	h->team = dup_or_null(ev->team);
	h->state = xstrdup(ev->state);
	h->reason = dup_or_null(ev->reason);
}

static void
add_link(struct report_lists *l, double t, const struct event_link *ev)
{
	struct report_link *k = list_push(&l->links, &l->n_links,
	    &l->links_alloc, sizeof(*k));

	k->t = ms(t);
	k->host = xstrdup(ev->host);
	k->network = xstrdup(ev->network);
	k->up = ev->up;
	k->inject = dup_or_null(ev->inject);
	k->has_ok = ev->has_ok;
	k->ok = ev->ok;
	k->error = dup_or_null(ev->error);
}

/* Frees every entry of every list; l is then empty. */
static void
lists_clear(struct report_lists *l)
{
	size_t i;

	for (i = 0; i < l->n_clock; i++) {
		free(l->clock[i].state);
		free(l->clock[i].reason);
		free(l->clock[i].by);
	}
	for (i = 0; i < l->n_penalties; i++) {
		free(l->penalties[i].team);
		free(l->penalties[i].host);
		free(l->penalties[i].inject);
		free(l->penalties[i].reason);
	}
	for (i = 0; i < l->n_reports; i++) {
		free(l->reports[i].id);
		free(l->reports[i].team);
		free(l->reports[i].author);
		free(l->reports[i].title);
		free(l->reports[i].body);
		free(l->reports[i].inject);
	}
	for (i = 0; i < l->n_grades; i++) {
		free(l->grades[i].report);
		free(l->grades[i].team);
		free(l->grades[i].comment);
		free(l->grades[i].by);
		free(l->grades[i].reason);
	}
	for (i = 0; i < l->n_adjustments; i++) {
		free(l->adjustments[i].team);
		free(l->adjustments[i].reason);
		free(l->adjustments[i].by);
	}
	for (i = 0; i < l->n_messages; i++) {
		free(l->messages[i].inject);
		free_strings(l->messages[i].to, l->messages[i].n_to);
		free(l->messages[i].text);
		free(l->messages[i].by);
		free(l->messages[i].from);
	}
	for (i = 0; i < l->n_hosts; i++) {
		free(l->hosts[i].name);
		free(l->hosts[i].team);
		free(l->hosts[i].state);
		free(l->hosts[i].reason);
	}
	for (i = 0; i < l->n_links; i++) {
		free(l->links[i].host);
		free(l->links[i].network);
		free(l->links[i].inject);
		free(l->links[i].error);
	}
	free(l->clock);
	free(l->penalties);
	free(l->reports);
	free(l->grades);
	for (i = 0; i < l->n_reverts; i++) {
		free(l->reverts[i].host);
		free(l->reverts[i].by);
		free(l->reverts[i].error);
	}
	free(l->reverts);
	for (i = 0; i < l->n_changes; i++) {
		for (size_t j = 0; j < l->changes[i].n_what; j++)
			free(l->changes[i].what[j]);
		free(l->changes[i].what);
	}
	free(l->changes);
	free(l->adjustments);
	free(l->messages);
	free(l->hosts);
	free(l->links);
	memset(l, 0, sizeof(*l));
}

void
report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->state = "pending";
	r->reports = json_array();
	r->grades = json_array();
	r->messages = json_array();
}

static void
firing_clear(struct report_firing *f)
{
	size_t i;

	for (i = 0; i < f->n_results; i++) {
		free(f->results[i].host);
		free(f->results[i].error);
		free(f->results[i].out);
		free(f->results[i].err);
	}
	free(f->results);
	free(f->by);
	free_strings(f->targets, f->n_targets);
}

static void
inject_clear(struct report_inject *inj)
{
	size_t i;

	for (i = 0; i < inj->n_firings; i++)
		firing_clear(&inj->firings[i]);
	free(inj->firings);
	free(inj->id);
	free(inj->title);
	free(inj->action);
	free_strings(inj->targets, inj->n_targets);
	free_strings(inj->to, inj->n_to);
}

void
report_clear(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	score_ledger_clear(&r->ledger);
	for (i = 0; i < r->sc.n_teams; i++) {
		free(r->sc.teams[i].id);
		free(r->sc.teams[i].name);
	}
	free(r->sc.teams);
	for (i = 0; i < r->n_injects; i++)
		inject_clear(&r->injects[i]);
	free(r->injects);
	free(r->name);
	free(r->title);
	lists_clear(&r->lists);
	report_flags_clear(&r->flags);
	json_decref(r->reports);
	json_decref(r->grades);
	json_decref(r->messages);
	json_decref(r->range);
	memset(r, 0, sizeof(*r));
	r->state = "pending";
}

const struct score_team *
report_team(const struct report *r, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < r->ledger.n_teams; i++)
		if (strcmp(r->ledger.teams[i].team->id, id) == 0)
			return &r->ledger.teams[i];
	return NULL;
}

/* The index of the inject of that id, or r->n_injects if none. */
static size_t
inject_index(const struct report *r, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < r->n_injects; i++)
		if (strcmp(r->injects[i].id, id) == 0)
			return i;
	return r->n_injects;
}

const struct report_inject *
report_inject(const struct report *r, const char *id)
{
	size_t i = inject_index(r, id);

	return i < r->n_injects ? &r->injects[i] : NULL;
}

/* The firing n of inject id, NULL if none. */
static struct report_firing *
find_firing(struct report *r, const char *id, long n)
{
	size_t i = inject_index(r, id), j;

	for (j = 0; i < r->n_injects && j < r->injects[i].n_firings; j++)
		if (r->injects[i].firings[j].n == n)
			return &r->injects[i].firings[j];
	return NULL;
}

/* The team the event names, or an error naming where it was. */
static int
known_team(struct apply *a, const char *id)
{
	if (report_team(a->r, id) != NULL)
		return 0;
	return bad(a, "'team' names team '%s', which the exercise event "
	    "does not list", id);
}

/* ---- the exercise event ------------------------------------------------ */

static struct report_inject *
new_inject(struct report *r, const char *id)
{
	struct report_inject *inj;

	xgrow(&r->injects, &r->injects_alloc, r->n_injects + 1,
	    sizeof(*r->injects));
	inj = &r->injects[r->n_injects++];
	memset(inj, 0, sizeof(*inj));
	inj->id = xstrdup(id);
	return inj;
}

/* The exercise event's teams (and so the ledger), MSEL and hosts. */
static void
add_lists(struct report *r, const struct event_exercise *x)
{
	size_t i;

	r->sc.teams = xcalloc(x->n_teams + 1, sizeof(*r->sc.teams));
	for (i = 0; i < x->n_teams; i++) {
		r->sc.teams[i].id = xstrdup(x->teams[i].id);
		r->sc.teams[i].name = dup_or_null(x->teams[i].name);
		r->sc.teams[i].role = x->teams[i].role;
		r->sc.teams[i].index = i + 1;
	}
	r->sc.n_teams = x->n_teams;
	score_ledger_init(&r->ledger, r->sc.teams, r->sc.n_teams);
	for (i = 0; i < x->n_injects; i++) {
		const struct event_msel *m = &x->injects[i];
		struct report_inject *inj = new_inject(r, m->id);

		inj->title = dup_or_null(m->title);
		inj->action = xstrdup(m->action);
		inj->manual = m->at < 0;
		inj->at = m->at;
		inj->listed = true;
		inj->targets = copy_strings(m->targets, m->n_targets);
		inj->n_targets = m->n_targets;
		inj->to = copy_recipients(m->to, m->n_to, m->people,
		    m->n_people, &inj->n_to);
	}
	r->n_hosts = x->n_hosts;
}

static int score(struct apply *a);

static int
apply_exercise(struct apply *a)
{
	const struct event_exercise *x = &a->ev->u.exercise;
	struct report *r = a->r;

	if (r->started)
		return bad(a, "a journal holds one exercise, and it began at "
		    "event 1");
	r->started = true;
	r->name = xstrdup(x->name);
	r->title = dup_or_null(x->title);
	r->duration = x->duration;
	r->interval = x->interval;
	r->timeout = x->timeout;
	add_lists(r, x);
	/* The SLA rule and the checks to expect, for uptime. */
	return score(a);
}

/* ---- the clock --------------------------------------------------------- */

static int
apply_clock(struct apply *a)
{
	const struct event_clock *c = &a->ev->u.clock;

	a->r->state = exclock_state_name(c->state);
	a->r->interrupted = c->state == EXCLOCK_RUNNING;
	add_clock(&a->r->lists, a->ev->t, c);
	return 0;
}

/* ---- injects and their results ---------------------------------------- */

/*
 * An inject the exercise event does not list: the scenario changed
 * between two runs of the same exercise. Known from its firing alone.
 */
static struct report_inject *
unlisted_inject(struct report *r, const struct event_inject *in)
{
	struct report_inject *inj = new_inject(r, in->id);

	inj->action = xstrdup(in->action);
	inj->manual = in->scheduled < 0;
	inj->at = inj->manual ? -1 : lround(in->scheduled);
	inj->targets = copy_strings(in->targets, in->n_targets);
	inj->n_targets = in->n_targets;
	inj->to = xcalloc(1, sizeof(*inj->to));
	return inj;
}

static int score(struct apply *a);

static int
apply_inject(struct apply *a)
{
	const struct event_inject *in = &a->ev->u.inject;
	struct report_inject *inj;
	struct report_firing *f;
	size_t i;

	f = find_firing(a->r, in->id, (long)in->firing);
	if (f != NULL)
		return bad(a, "firing %lld of inject '%s' was journaled already, "
		    "by event %llu", in->firing, in->id, f->seq);
	i = inject_index(a->r, in->id);
	inj = i < a->r->n_injects ? &a->r->injects[i] :
	    unlisted_inject(a->r, in);
	xgrow(&inj->firings, &inj->firings_alloc, inj->n_firings + 1,
	    sizeof(*inj->firings));
	f = &inj->firings[inj->n_firings++];
	memset(f, 0, sizeof(*f));
	f->seq = a->ev->seq;
	f->n = (long)in->firing;
	f->manual = in->manual;
	f->scheduled = in->scheduled < 0 ? -1 : ms(in->scheduled);
	f->actual = ms(in->actual);
	f->late = ms(in->late);
	f->by = dup_or_null(in->by);
	f->targets = copy_strings(in->targets, in->n_targets);
	f->n_targets = in->n_targets;
	f->lost = true;	/* until its results come */
	/* Its effect windows (outage.h), and the attacks it fires, for
	 * detection scoring. */
	return score(a);
}

static void
set_result(struct report_result *res, const struct event_result *o)
{
	res->host = xstrdup(o->host);
	res->ok = o->ok;
	res->error = dup_or_null(o->error);
	res->has_exit = o->has_exit;
	res->exit = o->has_exit ? o->exit : 0;
	res->out = xstrdup(o->out ? o->out : "");
	res->err = xstrdup(o->err ? o->err : "");
	res->seconds = ms(o->seconds);
}

static int
apply_result(struct apply *a)
{
	const struct event_inject_result *ir = &a->ev->u.inject_result;
	struct report_firing *f;
	size_t i;

	f = find_firing(a->r, ir->id, (long)ir->firing);
	if (f == NULL)
		return bad(a, "no inject event before it fired inject '%s' "
		    "(firing %lld)", ir->id, ir->firing);
	if (f->answered)
		return bad(a, "firing %lld of inject '%s' has its results already",
		    ir->firing, ir->id);
	f->results = xcalloc(ir->n_results + 1, sizeof(*f->results));
	for (i = 0; i < ir->n_results; i++)
		set_result(&f->results[i], &ir->results[i]);
	f->n_results = ir->n_results;
	f->answered = true;
	f->lost = ir->lost;
	return score(a);
}

/* ---- rounds, grades, adjustments: the ledger's events ------------------ */

/* The ledger's own verdict: its error names the event already. */
static int
score(struct apply *a)
{
	return score_apply(&a->r->ledger, a->ev, a->error);
}

static void
add_penalties(struct report *r, const struct event_round *round)
{
	size_t i;

	for (i = 0; i < round->n_compromises; i++) {
		const struct event_compromise *c = &round->compromises[i];

		if (c->active)
			add_penalty(&r->lists, round, c);
	}
}

static int
apply_round(struct apply *a)
{
	if (score(a) < 0)
		return -1;
	add_penalties(a->r, &a->ev->u.round);
	return 0;
}

static int
apply_grade(struct apply *a)
{
	const struct event_grade *g = &a->ev->u.grade;
	json_t *o;

	if (score(a) < 0)
		return -1;
	o = listed_entry(a->ev);
	json_object_set_new(o, "report", json_string(g->report));
	json_object_set_new(o, "team", json_string(g->team));
	json_object_set_new(o, "points", json_integer(g->points));
	json_object_set_new(o, "comment", jstr(g->comment));
	json_object_set_new(o, "by", jstr(g->by));
	json_array_append_new(a->r->grades, o);
	add_grade(&a->r->lists, a->ev->t, g);
	return 0;
}

static int
apply_adjustment(struct apply *a)
{
	const struct event_adjustment *adj = &a->ev->u.adjustment;

	if (score(a) < 0)
		return -1;
	add_adjustment(&a->r->lists, a->ev->t, adj);
	return 0;
}

/* ---- what is only listed ---------------------------------------------- */

static json_t *
indicators_json(const struct event_report *rep)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < rep->n_indicators; i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "type",
		    rep->indicators[i].type, "value", rep->indicators[i].value));
	return list;
}

static int
apply_incident(struct apply *a)
{
	const struct event_report *rep = &a->ev->u.report;
	json_t *o;

	if (known_team(a, rep->team) < 0)
		return -1;
	o = listed_entry(a->ev);
	json_object_set_new(o, "id", json_string(rep->id));
	json_object_set_new(o, "team", json_string(rep->team));
	json_object_set_new(o, "author", jstr(rep->author));
	json_object_set_new(o, "title", json_string(rep->title));
	json_object_set_new(o, "body", jstr(rep->body));
	json_object_set_new(o, "inject", jstr(rep->inject));
	if (rep->technique != NULL)
		json_object_set_new(o, "technique", json_string(rep->technique));
	if (rep->n_indicators > 0)
		json_object_set_new(o, "indicators", indicators_json(rep));
	json_array_append_new(a->r->reports, o);
	add_incident(&a->r->lists, a->ev->t, rep);
	/* What it names, matched against the truth. */
	return score_apply(&a->r->ledger, a->ev, a->error);
}

static int
apply_message(struct apply *a)
{
	const struct event_message *m = &a->ev->u.message;
	json_t *o = listed_entry(a->ev);

	json_object_set_new(o, "inject", jstr(m->inject));
	json_object_set_new(o, "to", event_strings_json(m->to, m->n_to));
	/* The view delivers by these two: teams, and people one by one. */
	json_object_set_new(o, "people", event_strings_json(m->people,
	    m->n_people));
	json_object_set_new(o, "text", json_string(m->text));
	json_object_set_new(o, "by", jstr(m->by));
	json_object_set_new(o, "from", jstr(m->from));
	json_array_append_new(a->r->messages, o);
	add_message(&a->r->lists, a->ev->t, m);
	return 0;
}

static int
apply_host(struct apply *a)
{
	add_host(&a->r->lists, a->ev->t, &a->ev->u.host);
	return 0;
}

static int
apply_link(struct apply *a)
{
	add_link(&a->r->lists, a->ev->t, &a->ev->u.link);
	return 0;
}

/*
 * The scenario changed and the run accepted it: each inject's planned
 * time from now on, so that the MSEL tells when it was planned when it
 * fired, and the time it had when the exercise began.
 */
static int
apply_change(struct apply *a)
{
	const struct event_change *c = &a->ev->u.change;
	struct report *r = a->r;
	struct report_change *entry = list_push(&r->lists.changes,
	    &r->lists.n_changes, &r->lists.changes_alloc, sizeof(*entry));
	struct report_inject *inj;
	size_t i, j;

	entry->t = ms(a->ev->t);
	entry->what = copy_strings(c->what, c->n_what);
	entry->n_what = c->n_what;
	for (i = 0; i < c->n_injects; i++) {
		const struct event_msel *m = &c->injects[i];

		inj = NULL;
		for (j = 0; j < r->n_injects; j++)
			if (strcmp(r->injects[j].id, m->id) == 0)
				inj = &r->injects[j];
		if (inj == NULL) {
			inj = new_inject(r, m->id);
			inj->title = dup_or_null(m->title);
			inj->action = xstrdup(m->action);
			inj->targets = copy_strings(m->targets, m->n_targets);
			inj->n_targets = m->n_targets;
			inj->to = copy_recipients(m->to, m->n_to, m->people,
			    m->n_people, &inj->n_to);
			inj->listed = true;
		} else if (inj->at != m->at && !inj->moved) {
			inj->moved = true;
			inj->moved_from = inj->at;
		}
		inj->at = m->at;
		inj->manual = m->at < 0;
	}
	r->duration = c->duration;
	r->interval = c->interval;
	r->timeout = c->timeout;
	/* The SLA rule from now on. */
	return score(a);
}

/* A host reverted by hand: listed, as trainees' reverts matter too. */
static int
apply_revert(struct apply *a)
{
	add_revert(&a->r->lists, a->ev->t, &a->ev->u.revert);
	return 0;
}

/* A flag's value (counted, never kept) or a capture: report_flag.c. */
static int
apply_flag(struct apply *a)
{
	return report_flag_apply(a->r, a->ev, a->error);
}

/*
 * Logins are the server's, not the exercise's: who logged in says
 * nothing of a team's work, and the report goes to trainees too.
 */
static int
apply_login(struct apply *a)
{
	(void)a;
	return 0;
}

/*
 * An observation: the ledger matches it against the truth (the coalition
 * section shows what it detected, shared and warned of).
 */
static int
apply_intel(struct apply *a)
{
	/* Matched against the truth: detection, sharing, warnings. */
	return score_apply(&a->r->ledger, a->ev, a->error);
}

/*
 * Each team's digests of its range, as `rangectl run` journaled them at
 * its last start (the one the exercise ran on): the report shows them so
 * that whoever reads it can hold them against `rangectl verify`.
 */
static int
apply_range(struct apply *a)
{
	const struct event_range *g = &a->ev->u.range;
	json_t *teams = json_array(), *differ = json_array();
	size_t i;

	for (i = 0; i < g->n_teams; i++)
		json_array_append_new(teams, json_pack("{s:s, s:s, s:s?}",
		    "team", g->teams[i].team, "digest", g->teams[i].digest,
		    "live", g->teams[i].live));
	for (i = 0; i < g->n_differ; i++)
		json_array_append_new(differ, json_string(g->differ[i]));
	json_decref(a->r->range);
	a->r->range = json_pack("{s:f, s:o, s:o}", "t", ms(a->ev->t), "teams",
	    teams, "differ", differ);
	return 0;
}

/* ---- replay ------------------------------------------------------------ */

/* What each type does to the report, indexed by enum event_type. */
static int (*const appliers[EVENT_TYPES])(struct apply *a) = {
	[EVENT_EXERCISE] = apply_exercise,
	[EVENT_CLOCK] = apply_clock,
	[EVENT_INJECT] = apply_inject,
	[EVENT_INJECT_RESULT] = apply_result,
	[EVENT_ROUND] = apply_round,
	[EVENT_LINK] = apply_link,
	[EVENT_MESSAGE] = apply_message,
	[EVENT_REPORT] = apply_incident,
	[EVENT_GRADE] = apply_grade,
	[EVENT_ADJUSTMENT] = apply_adjustment,
	[EVENT_HOST] = apply_host,
	[EVENT_REVERT] = apply_revert,
	[EVENT_CHANGE] = apply_change,
	[EVENT_FLAG] = apply_flag,
	[EVENT_CAPTURE] = apply_flag,
	[EVENT_LOGIN] = apply_login,
	[EVENT_INTEL] = apply_intel,
	[EVENT_RANGE] = apply_range,
};

int
report_apply_event(struct report *r, const struct event *ev, char **error)
{
	struct apply a = { .r = r, .ev = ev, .error = error };

	if (!r->started && ev->type != EVENT_EXERCISE)
		return bad(&a, "the journal must begin with the exercise event "
		    "that rangectl run writes first");
	if (appliers[ev->type](&a) < 0)
		return -1;
	r->elapsed = ms(ev->t);
	return 0;
}

int
report_apply(struct report *r, const json_t *event, char **error)
{
	const json_t *seq = json_object_get(event, "seq");
	struct event ev;
	int rc;

	r->events++;
	if (event_decode(event, json_is_integer(seq) ? (unsigned long long)
	    json_integer_value(seq) : r->events, &ev, error) < 0)
		return -1;
	rc = report_apply_event(r, &ev, error);
	event_clear(&ev);
	return rc;
}

struct load {
	struct report *r;
	char *error;
};

static int
load_one(const json_t *event, void *ctx)
{
	struct load *l = ctx;

	return report_apply(l->r, event, &l->error);
}

/* The state folder and its journal exist: 0, or -1 with *error set. */
static int
check_state_dir(const char *dir, const char *path, char **error)
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		*error = errno == ENOENT ? xasprintf("there is no state folder "
		    "'%s'", dir) : xasprintf("cannot read state folder '%s': %s",
		    dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		*error = xasprintf("'%s' is not a folder: give the state folder "
		    "of a run (its --state)", dir);
		return -1;
	}
	if (stat(path, &st) < 0) {
		*error = errno == ENOENT ? xasprintf("state folder '%s' has no "
		    "journal '%s': no exercise ran there", dir, JOURNAL_FILE) :
		    xasprintf("cannot read journal '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
report_load(struct report *r, const char *dir, char **error)
{
	char *path = xasprintf("%s/%s", dir, JOURNAL_FILE), *why = NULL;
	struct load l = { .r = r };
	long n;
	int rc = -1;

	report_init(r);
	if (check_state_dir(dir, path, error) < 0)
		goto cleanup;
	n = journal_replay(path, load_one, &l, &why);
	if (n < 0 && l.error != NULL)
		*error = xasprintf("journal '%s' %s", path, l.error);
	else if (n < 0)
		*error = xstrdup(why);
	else if (n == 0)
		*error = xasprintf("journal '%s' holds no event: the exercise "
		    "never began", path);
	else
		rc = 0;
cleanup:
	if (rc < 0)
		report_clear(r);
	free(l.error);
	free(why);
	free(path);
	return rc;
}
