/*
 * score.c: the ledger of points, fed by journal events.
 */
#include "rangectl/score.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

void
score_ledger_init(struct score_ledger *ledger,
    const struct scenario_team *teams, size_t n_teams)
{
	size_t i;

	memset(ledger, 0, sizeof(*ledger));
	ledger->teams = xcalloc(n_teams + 1, sizeof(*ledger->teams));
	ledger->n_teams = n_teams;
	for (i = 0; i < n_teams; i++)
		ledger->teams[i].team = &teams[i];
	strmap_init(&ledger->check_map);
	strmap_init(&ledger->grade_map);
	ledger->outage_attack = ledger->outage_self = 1000;
	detect_init(&ledger->detect, NULL);
}

void
score_ledger_clear(struct score_ledger *ledger)
{
	size_t i;

	if (ledger == NULL)
		return;
	for (i = ledger->n_block; i < ledger->n_rounds; i++)
		free(ledger->rounds[i].scores);
	free(ledger->round_block);
	free(ledger->rounds);
	free(ledger->teams);
	for (i = 0; i < ledger->n_checks; i++) {
		free(ledger->checks[i].host);
		free(ledger->checks[i].service);
		free(ledger->checks[i].key);
		outage_window_clear(&ledger->checks[i].window);
	}
	outage_msel_clear(&ledger->msel);
	free(ledger->checks);
	strmap_clear(&ledger->check_map);
	strmap_clear(&ledger->grade_map);
	for (i = 0; i < ledger->n_grades; i++)
		free(ledger->grades[i].report);
	free(ledger->grades);
	detect_clear(&ledger->detect);
	memset(ledger, 0, sizeof(*ledger));
}

long long
score_total(const struct score_team *t)
{
	return t->availability - t->penalties - t->sla -
	    outage_points(t->outage) + t->reports + t->adjustments + t->flags -
	    t->flags_lost + t->detection;
}

static struct score_team *
find_team(struct score_ledger *ledger, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < ledger->n_teams; i++)
		if (strcmp(ledger->teams[i].team->id, id) == 0)
			return &ledger->teams[i];
	return NULL;
}

static size_t
team_index(const struct score_ledger *ledger, const struct score_team *t)
{
	return (size_t)(t - ledger->teams);
}

/* The check of host's service, added (never checked yet) if new. */
static struct score_check *
check_of(struct score_ledger *ledger, size_t team, const char *host,
    const char *service)
{
	/*
	 * Looked up in a buffer on the stack: every check of every round of
	 * a replay comes here, and allocating its key was a tenth of it.
	 */
	char buf[256], *key;
	size_t h = strlen(host), sv = strlen(service);
	uintptr_t at;
	struct score_check *c;

	if (h + sv + 2 <= sizeof(buf)) {
		memcpy(buf, host, h);
		buf[h] = '/';
		memcpy(buf + h + 1, service, sv + 1);
		at = (uintptr_t)strmap_get(&ledger->check_map, buf);
		if (at != 0)
			return &ledger->checks[at - 1];
	}
	key = xasprintf("%s/%s", host, service);
	at = (uintptr_t)strmap_get(&ledger->check_map, key);
	if (at != 0) {
		free(key);
		return &ledger->checks[at - 1];
	}
	xgrow(&ledger->checks, &ledger->checks_alloc, ledger->n_checks + 1,
	    sizeof(*ledger->checks));
	c = &ledger->checks[ledger->n_checks++];
	memset(c, 0, sizeof(*c));
	c->team = team;
	c->host = xstrdup(host);
	c->service = xstrdup(service);
	c->key = key;	/* the map borrows it: the entry owns it */
	strmap_add(&ledger->check_map, key, (void *)(uintptr_t)ledger->n_checks);
	return c;
}

/*
 * One round's result of a check: its uptime, and a breach of the SLA
 * when this round makes sla_after failed rounds in a row (once per run,
 * however long the run goes on).
 */
static void
count_check(struct score_ledger *ledger, struct score_check *c, bool up,
    const struct event_round *r)
{
	enum outage_cause cause = outage_round(&c->window, up, r->simulated,
	    r->at + (r->has_late ? r->late : 0));

	c->rounds++;
	c->state = up ? SCORE_UP : SCORE_DOWN;
	if (up) {
		c->up++;
		c->outage = 0;
		return;
	}
	/* Its cause, its downtime, and what scoring.outage weighs it. */
	if (cause == OUTAGE_ATTACK) {
		c->attack++;
		c->attack_s += ledger->interval;
		ledger->teams[c->team].outage += outage_extra(ledger->outage_attack,
		    c->points);
	} else {
		c->self++;
		c->self_s += ledger->interval;
		ledger->teams[c->team].outage += outage_extra(ledger->outage_self,
		    c->points);
	}
	c->outage++;
	if (c->outage > c->longest)
		c->longest = c->outage;
	if (ledger->sla_after > 0 && c->outage == ledger->sla_after) {
		c->breaches++;
		ledger->teams[c->team].sla += ledger->sla_penalty;
	}
}

/* The event names a team the ledger does not have. Returns -1. */
static int
unknown_team(const struct event *ev, const char *where, size_t i,
    const char *id, char **error)
{
	char place[48] = "";

	if (where != NULL)
		snprintf(place, sizeof(place), "%s[%zu].", where, i);
	*error = xasprintf("event %llu (%s): '%steam' names team '%s', which "
	    "the exercise event does not list", ev->seq,
	    event_type_name(ev->type), place, id);
	return -1;
}

/*
 * A round counts whole or not at all: every entry's team is found before
 * any is added, so a damaged round changes no score.
 */
static int
apply_round(struct score_ledger *ledger, const struct event *ev,
    char **error)
{
	const struct event_round *r = &ev->u.round;
	struct score_team *team;
	size_t i;

	for (i = 0; i < r->n_checks; i++)
		if (find_team(ledger, r->checks[i].team) == NULL)
			return unknown_team(ev, "checks", i, r->checks[i].team,
			    error);
	for (i = 0; i < r->n_compromises; i++)
		if (find_team(ledger, r->compromises[i].team) == NULL)
			return unknown_team(ev, "compromises", i,
			    r->compromises[i].team, error);
	for (i = 0; i < r->n_checks; i++) {
		team = find_team(ledger, r->checks[i].team);
		if (r->checks[i].up)
			team->availability += r->checks[i].points;
		/* The decoder requires both; a hand-made event may lack them. */
		if (r->checks[i].host != NULL && r->checks[i].service != NULL)
			count_check(ledger, check_of(ledger, team_index(ledger, team),
		    r->checks[i].host, r->checks[i].service), r->checks[i].up, r);
	}
	for (i = 0; i < r->n_compromises; i++) {
		team = find_team(ledger, r->compromises[i].team);
		if (r->compromises[i].active)
			team->penalties += r->compromises[i].penalty;
	}
	return 0;
}

/* Keeps every team's score as it stands after round n. */
static void
record_round(struct score_ledger *ledger, const struct event_round *round)
{
	struct score_round *r;
	size_t i;

	xgrow(&ledger->rounds, &ledger->rounds_alloc, ledger->n_rounds + 1,
	    sizeof(*ledger->rounds));
	r = &ledger->rounds[ledger->n_rounds++];
	r->n = (long)round->n;
	r->at = round->at;
	r->scores = xcalloc(ledger->n_teams + 1, sizeof(*r->scores));
	for (i = 0; i < ledger->n_teams; i++)
		r->scores[i] = score_total(&ledger->teams[i]);
}

/*
 * The SLA rule, and every check the exercise expects, so that one never
 * checked yet shows as unknown rather than not at all. A host of no team
 * the ledger has is no team's: none of its checks score.
 */
static void
apply_exercise(struct score_ledger *ledger, const struct event_exercise *x)
{
	struct score_team *team;
	size_t i, j;

	struct score_check *c;

	ledger->sla_after = x->sla_after;
	ledger->sla_penalty = x->sla_penalty;
	ledger->interval = x->interval;
	ledger->outages = x->format >= 5;
	ledger->outage_attack = x->has_outage ? x->outage_attack : 1000;
	ledger->outage_self = x->has_outage ? x->outage_self : 1000;
	outage_msel_set(&ledger->msel, x->injects, x->n_injects);
	for (i = 0; i < x->n_hosts; i++) {
		team = find_team(ledger, x->hosts[i].team);
		for (j = 0; team != NULL && j < x->hosts[i].n_services; j++) {
			const struct event_service *svc = &x->hosts[i].services[j];

			c = check_of(ledger, team_index(ledger, team),
			    x->hosts[i].name, svc->id);
			c->points = svc->points;
			c->exec = strcmp(svc->check, "exec") == 0;
		}
	}
}

const struct score_grade *
score_grade_of(const struct score_ledger *ledger, const char *report)
{
	uintptr_t at = (uintptr_t)strmap_get(&ledger->grade_map, report);

	return at != 0 ? &ledger->grades[at - 1] : NULL;
}

/* The report's grade as it stands, replaced by g: the last one counts. */
static void
apply_grade(struct score_ledger *ledger, struct score_team *team,
    const struct event_grade *g)
{
	struct score_grade *grade = (struct score_grade *)score_grade_of(ledger,
	    g->report);

	if (grade == NULL) {
		xgrow(&ledger->grades, &ledger->grades_alloc,
		    ledger->n_grades + 1, sizeof(*ledger->grades));
		grade = &ledger->grades[ledger->n_grades++];
		grade->report = xstrdup(g->report);
		/* The map borrows the report id: the grade owns it. */
		strmap_add(&ledger->grade_map, grade->report,
		    (void *)(uintptr_t)ledger->n_grades);
	} else {
		ledger->teams[grade->team].reports -= grade->points;
	}
	grade->team = team_index(ledger, team);
	grade->points = g->points;
	team->reports += g->points;
}

/* A red team took a blue team's flag: both teams must be the ledger's. */
static int
apply_capture(struct score_ledger *ledger, const struct event *ev,
    char **error)
{
	const struct event_capture *c = &ev->u.capture;
	struct score_team *red = find_team(ledger, c->team);
	struct score_team *owner = find_team(ledger, c->owner);

	if (red == NULL)
		return unknown_team(ev, NULL, 0, c->team, error);
	if (owner == NULL) {
		*error = xasprintf("event %llu (capture): 'owner' names team '%s', "
		    "which the exercise event does not list", ev->seq, c->owner);
		return -1;
	}
	red->flags += c->points;
	red->captured++;
	owner->flags_lost += c->penalty;
	owner->lost++;
	return 0;
}

/*
 * A firing opens a window on each check of its targets the inject is
 * known to break (outage.h); an inject the MSEL does not list breaks
 * nothing known.
 */
static void
apply_inject(struct score_ledger *ledger, const struct event_inject *f)
{
	const struct outage_inject *inj = outage_inject_find(&ledger->msel,
	    f->id);
	size_t i, j;

	for (i = 0; inj != NULL && i < f->n_targets; i++)
		for (j = 0; j < ledger->n_checks; j++) {
			struct score_check *c = &ledger->checks[j];

			if (strcmp(c->host, f->targets[i]) == 0 &&
			    outage_breaks(inj, c->host, c->service, c->exec))
				outage_open(&c->window, f->id, f->firing);
		}
}

/* The firing's results settle its windows: a failed action hit nothing. */
static void
apply_result(struct score_ledger *ledger, const struct event *ev)
{
	const struct event_inject_result *ir = &ev->u.inject_result;
	size_t i, j;

	for (j = 0; j < ledger->n_checks; j++) {
		struct score_check *c = &ledger->checks[j];

		/* Lost results: the action may have done its work. */
		if (ir->lost)
			outage_settle(&c->window, ir->id, ir->firing, true, ev->t);
		for (i = 0; i < ir->n_results; i++)
			if (ir->results[i].host != NULL &&
			    strcmp(ir->results[i].host, c->host) == 0)
				outage_settle(&c->window, ir->id, ir->firing,
				    ir->results[i].ok, ev->t);
	}
}

int
score_apply(struct score_ledger *ledger, const struct event *ev,
    char **error)
{
	struct score_team *team;

	switch (ev->type) {
	case EVENT_EXERCISE:
		apply_exercise(ledger, &ev->u.exercise);
		score_detect_exercise(ledger, &ev->u.exercise);
		return 0;
	case EVENT_REPORT:
	case EVENT_INTEL:
		score_detect_event(ledger, ev);
		return 0;
	case EVENT_CHANGE:
		score_detect_change(ledger, &ev->u.change);
		/* An accepted change of the scenario: its rule from now on. */
		ledger->sla_after = ev->u.change.sla_after;
		ledger->sla_penalty = ev->u.change.sla_penalty;
		ledger->interval = ev->u.change.interval;
		ledger->outage_attack = ev->u.change.has_outage ?
		    ev->u.change.outage_attack : 1000;
		ledger->outage_self = ev->u.change.has_outage ?
		    ev->u.change.outage_self : 1000;
		outage_msel_set(&ledger->msel, ev->u.change.injects,
		    ev->u.change.n_injects);
		return 0;
	case EVENT_INJECT:
		apply_inject(ledger, &ev->u.inject);
		score_detect_event(ledger, ev);
		return 0;
	case EVENT_INJECT_RESULT:
		apply_result(ledger, ev);
		return 0;
	case EVENT_ROUND:
		if (apply_round(ledger, ev, error) < 0)
			return -1;
		record_round(ledger, &ev->u.round);
		return 0;
	case EVENT_GRADE:
		team = find_team(ledger, ev->u.grade.team);
		if (team == NULL)
			return unknown_team(ev, NULL, 0, ev->u.grade.team, error);
		apply_grade(ledger, team, &ev->u.grade);
		return 0;
	case EVENT_CAPTURE:
		return apply_capture(ledger, ev, error);
	case EVENT_ADJUSTMENT:
		team = find_team(ledger, ev->u.adjustment.team);
		if (team == NULL)
			return unknown_team(ev, NULL, 0, ev->u.adjustment.team,
			    error);
		team->adjustments += ev->u.adjustment.points;
		return 0;
	default:
		return 0;
	}
}

long
score_rank(const struct score_ledger *ledger, size_t team)
{
	const struct score_team *t = &ledger->teams[team];
	long rank = 1;
	size_t i;

	if (t->team->role == ROLE_WHITE)
		return 0;
	for (i = 0; i < ledger->n_teams; i++)
		if (ledger->teams[i].team->role == t->team->role &&
		    score_total(&ledger->teams[i]) > score_total(t))
			rank++;
	return rank;
}

void
score_uptime_of(const struct score_ledger *ledger, size_t team,
    const char *host, struct score_uptime *u)
{
	size_t i;

	memset(u, 0, sizeof(*u));
	for (i = 0; i < ledger->n_checks; i++) {
		const struct score_check *c = &ledger->checks[i];

		if (c->team == team && (host == NULL || strcmp(c->host, host) == 0))
			score_uptime_add(u, c);
	}
}

void
score_uptime_add(struct score_uptime *u, const struct score_check *c)
{
	u->checks++;
	u->rounds += c->rounds;
	u->up += c->up;
	u->breaches += c->breaches;
	u->attack += c->attack;
	u->self += c->self;
	u->attack_s += c->attack_s;
	u->self_s += c->self_s;
	if (c->longest > u->longest)
		u->longest = c->longest;
}

static json_t *
rank_json(const struct score_ledger *ledger, size_t team)
{
	long rank = score_rank(ledger, team);

	return rank > 0 ? json_integer(rank) : json_null();
}

json_t *
score_to_json(const struct score_ledger *ledger)
{
	json_t *teams = json_array();
	size_t i;

	for (i = 0; i < ledger->n_teams; i++) {
		const struct score_team *t = &ledger->teams[i];
		json_t *o = json_pack("{s:s, s:o, s:s, s:o, s:I, "
		    "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "id",
		    t->team->id, "name", t->team->name ?
		    json_string(t->team->name) : json_null(), "role",
		    role_name(t->team->role), "rank", rank_json(ledger, i),
		    "score", score_total(t), "availability", t->availability,
		    "penalties", t->penalties, "sla", t->sla, "reports",
		    t->reports, "adjustments", t->adjustments, "flags",
		    t->flags, "flags_lost", t->flags_lost, "captured",
		    (json_int_t)t->captured, "lost", (json_int_t)t->lost);

		/* Format 5: what scoring.outage added (0 with weights of 1). */
		if (ledger->outages)
			json_object_set_new(o, "outage",
			    json_integer(outage_points(t->outage)));
		/* Only where detection is measured: older answers stay as were. */
		if (ledger->detecting)
			json_object_set_new(o, "detection",
			    json_integer(t->detection));
		json_array_append_new(teams, o);
	}
	return json_pack("{s:I, s:o}", "round", (json_int_t)(ledger->n_rounds ?
	    ledger->rounds[ledger->n_rounds - 1].n : 0), "teams", teams);
}

/* A whole percent, rounded down; null before any round. */
static json_t *
percent_json(long up, long rounds)
{
	return rounds > 0 ? json_integer((json_int_t)up * 100 / rounds) :
	    json_null();
}

static const char *const state_names[] = { "unknown", "down", "up" };

/*
 * The failed rounds and their downtime by cause (format 5 on): seconds,
 * a round's failure standing for its interval.
 */
static json_t *
downtime_json(const struct score_uptime *u)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "attack", (json_int_t)
	    u->attack_s, "self", (json_int_t)u->self_s, "attack_rounds",
	    (json_int_t)u->attack, "self_rounds", (json_int_t)u->self);
}

static json_t *
uptime_fields(const struct score_ledger *ledger, const struct score_uptime *u)
{
	json_t *o = json_pack("{s:o, s:I, s:I, s:I, s:I}", "uptime",
	    percent_json(u->up, u->rounds), "rounds", (json_int_t)u->rounds,
	    "up", (json_int_t)u->up, "longest_outage", (json_int_t)u->longest,
	    "breaches", (json_int_t)u->breaches);

	if (ledger->outages)
		json_object_set_new(o, "downtime", downtime_json(u));
	return o;
}

static json_t *
check_json(const struct score_ledger *ledger, const struct score_check *c)
{
	json_t *o = json_pack("{s:s, s:s}", "id", c->service, "state",
	    state_names[c->state]);
	struct score_uptime u = { 0 };

	score_uptime_add(&u, c);
	json_object_update_new(o, uptime_fields(ledger, &u));
	json_object_set_new(o, "outage", json_integer(c->outage));
	return o;
}

/* The team's hosts in the order their first check was seen. */
static json_t *
hosts_json(const struct score_ledger *ledger, size_t team)
{
	json_t *hosts = json_array(), *host = NULL, *services = NULL;
	const char *name = NULL;
	struct score_uptime u;
	size_t i;

	for (i = 0; i < ledger->n_checks; i++) {
		const struct score_check *c = &ledger->checks[i];

		if (c->team != team)
			continue;
		if (name == NULL || strcmp(name, c->host) != 0)
			host = NULL;
		for (size_t j = 0; host == NULL && j < json_array_size(hosts); j++)
			if (strcmp(json_string_value(json_object_get(
			    json_array_get(hosts, j), "name")), c->host) == 0)
				host = json_array_get(hosts, j);
		if (host == NULL) {
			score_uptime_of(ledger, team, c->host, &u);
			host = json_pack("{s:s}", "name", c->host);
			json_object_update_new(host, uptime_fields(ledger, &u));
			json_object_set_new(host, "services", json_array());
			json_array_append_new(hosts, host);
		}
		name = c->host;
		services = json_object_get(host, "services");
		json_array_append_new(services, check_json(ledger, c));
	}
	return hosts;
}

json_t *
score_uptime_to_json(const struct score_ledger *ledger, const char *team)
{
	json_t *teams = json_array(), *o;
	struct score_uptime u;
	size_t i;

	for (i = 0; i < ledger->n_teams; i++) {
		const struct score_team *t = &ledger->teams[i];

		if (team != NULL && strcmp(t->team->id, team) != 0)
			continue;
		score_uptime_of(ledger, i, NULL, &u);
		o = json_pack("{s:s, s:s}", "id", t->team->id, "role",
		    role_name(t->team->role));
		json_object_update_new(o, uptime_fields(ledger, &u));
		json_object_set_new(o, "sla_lost", json_integer(t->sla));
		json_object_set_new(o, "hosts", hosts_json(ledger, i));
		json_array_append_new(teams, o);
	}
	return json_pack("{s:I, s:o, s:o}", "round", (json_int_t)(
	    ledger->n_rounds ? ledger->rounds[ledger->n_rounds - 1].n : 0),
	    "sla", ledger->sla_after > 0 ? json_pack("{s:I, s:I}", "after",
	    (json_int_t)ledger->sla_after, "penalty",
	    (json_int_t)ledger->sla_penalty) : json_null(), "teams", teams);
}

/*
 * What attributing outages keeps (outage.h): the weights, each team's
 * weighted thousandths, the MSEL's reach and breaks, and each check's
 * record by cause and open window, in the order of "checks".
 */
static json_t *
outages_state_json(const struct score_ledger *ledger)
{
	json_t *teams = json_array(), *msel = json_array(), *checks =
	    json_array();
	size_t i;

	for (i = 0; i < ledger->n_teams; i++)
		json_array_append_new(teams, json_integer(ledger->teams[i].outage));
	for (i = 0; i < ledger->msel.n_injects; i++) {
		const struct outage_inject *inj = &ledger->msel.injects[i];

		json_array_append_new(msel, json_pack("[s, i, o]", inj->id,
		    (int)inj->reach, event_strings_json((const char *const *)
		    inj->breaks, inj->n_breaks)));
	}
	for (i = 0; i < ledger->n_checks; i++) {
		const struct score_check *c = &ledger->checks[i];

		json_array_append_new(checks, json_pack("[I, I, I, I, I, b, o, I, "
		    "b, b, f]", (json_int_t)c->attack, (json_int_t)c->self,
		    (json_int_t)c->attack_s, (json_int_t)c->self_s,
		    (json_int_t)c->points, c->exec, c->window.inject ?
		    json_string(c->window.inject) : json_null(),
		    (json_int_t)c->window.firing, c->window.settled,
		    c->window.missed, c->window.settled_t));
	}
	return json_pack("{s:b, s:I, s:I, s:o, s:o, s:o}", "on", ledger->outages,
	    "attack", (json_int_t)ledger->outage_attack, "self",
	    (json_int_t)ledger->outage_self, "teams", teams, "msel", msel,
	    "checks", checks);
}

json_t *
score_state_to_json(const struct score_ledger *ledger)
{
	json_t *checks = json_array(), *grades = json_array();
	size_t i;

	for (i = 0; i < ledger->n_checks; i++) {
		const struct score_check *c = &ledger->checks[i];

		json_array_append_new(checks, json_pack("[s, s, s, I, I, I, I, I, "
		    "I]", ledger->teams[c->team].team->id, c->host, c->service,
		    (json_int_t)c->rounds, (json_int_t)c->up, (json_int_t)c->outage,
		    (json_int_t)c->longest, (json_int_t)c->breaches,
		    (json_int_t)c->state));
	}
	for (i = 0; i < ledger->n_grades; i++)
		json_array_append_new(grades, json_pack("[s, s, I]",
		    ledger->grades[i].report,
		    ledger->teams[ledger->grades[i].team].team->id,
		    (json_int_t)ledger->grades[i].points));
	json_t *state = json_pack("{s:I, s:I, s:I, s:o, s:o}", "sla_after",
	    (json_int_t)ledger->sla_after, "sla_penalty",
	    (json_int_t)ledger->sla_penalty, "interval",
	    (json_int_t)ledger->interval, "checks", checks, "grades", grades);

	json_object_set_new(state, "outages", outages_state_json(ledger));
	if (ledger->detecting)
		json_object_set_new(state, "detection", json_pack("{s:o, s:o}",
		    "rules", detect_rules_to_json(&ledger->detect.rules), "state",
		    detect_state_to_json(&ledger->detect)));
	return state;
}

/* Index of team id in the ledger, or -1. */
static long
team_at(const struct score_ledger *ledger, const char *id)
{
	const struct score_team *t = find_team((struct score_ledger *)ledger,
	    id);

	return t != NULL ? (long)team_index(ledger, t) : -1;
}

/* One inject of the MSEL's outage state, into inj. */
static int
restore_inject(struct outage_inject *inj, const json_t *v)
{
	const char *id;
	const json_t *breaks, *b;
	int reach;
	size_t j;

	if (json_unpack((json_t *)v, "[s, i, o]", &id, &reach, &breaks) < 0 ||
	    reach < OUTAGE_REACH_NONE || reach > OUTAGE_REACH_HOST ||
	    !json_is_array(breaks))
		return -1;
	inj->id = xstrdup(id);
	inj->reach = (enum outage_reach)reach;
	inj->breaks = xcalloc(json_array_size(breaks) + 1, sizeof(*inj->breaks));
	json_array_foreach(breaks, j, b) {
		if (!json_is_string(b))
			return -1;
		inj->breaks[inj->n_breaks++] = xstrdup(json_string_value(b));
	}
	return 0;
}

/* outages_state_json()'s, over the checks score_restore() put back. */
static int
restore_outages(struct score_ledger *ledger, const json_t *o)
{
	const json_t *teams = json_object_get(o, "teams"), *msel =
	    json_object_get(o, "msel"), *checks = json_object_get(o, "checks");
	json_int_t n[2], c4[5], firing;
	double settled_t;
	const json_t *v, *inject;
	int on, exec, settled, missed;
	size_t i;

	if (json_unpack((json_t *)o, "{s:b, s:I, s:I}", "on", &on, "attack",
	    &n[0], "self", &n[1]) < 0 || json_array_size(teams) !=
	    ledger->n_teams || json_array_size(checks) != ledger->n_checks ||
	    !json_is_array(msel))
		return -1;
	ledger->outages = on;
	ledger->outage_attack = (long)n[0];
	ledger->outage_self = (long)n[1];
	for (i = 0; i < ledger->n_teams; i++)
		ledger->teams[i].outage = json_integer_value(json_array_get(teams,
		    i));
	outage_msel_clear(&ledger->msel);
	ledger->msel.injects = xcalloc(json_array_size(msel) + 1,
	    sizeof(*ledger->msel.injects));
	json_array_foreach(msel, i, v) {
		ledger->msel.n_injects = i + 1;
		if (restore_inject(&ledger->msel.injects[i], v) < 0)
			return -1;
	}
	json_array_foreach(checks, i, v) {
		struct score_check *c = &ledger->checks[i];

		if (json_unpack((json_t *)v, "[I, I, I, I, I, b, o, I, b, b, F]",
		    &c4[0], &c4[1], &c4[2], &c4[3], &c4[4], &exec, &inject,
		    &firing, &settled, &missed, &settled_t) < 0 ||
		    !(json_is_null(inject) ||
		    json_is_string(inject)))
			return -1;
		c->attack = (long)c4[0];
		c->self = (long)c4[1];
		c->attack_s = c4[2];
		c->self_s = c4[3];
		c->points = c4[4];
		c->exec = exec;
		if (json_is_string(inject)) {
			outage_open(&c->window, json_string_value(inject), firing);
			c->window.settled = settled;
			c->window.missed = missed;
			c->window.settled_t = settled_t;
		}
	}
	return 0;
}

int
score_restore(struct score_ledger *ledger, const json_t *state,
    char **error)
{
	json_int_t n[6], points;
	const char *team, *host, *service, *report;
	struct score_check *c;
	const json_t *v;
	size_t i;

	if (json_unpack((json_t *)state, "{s:I, s:I, s:I}", "sla_after", &n[0],
	    "sla_penalty", &n[1], "interval", &n[2]) < 0)
		goto bad;
	ledger->sla_after = (long)n[0];
	ledger->sla_penalty = n[1];
	ledger->interval = (long)n[2];
	json_array_foreach(json_object_get(state, "checks"), i, v) {
		if (json_unpack((json_t *)v, "[s, s, s, I, I, I, I, I, I]", &team,
		    &host, &service, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5]) < 0 ||
		    team_at(ledger, team) < 0 || n[5] < SCORE_UNKNOWN ||
		    n[5] > SCORE_UP)
			goto bad;
		c = check_of(ledger, (size_t)team_at(ledger, team), host, service);
		c->rounds = (long)n[0];
		c->up = (long)n[1];
		c->outage = (long)n[2];
		c->longest = (long)n[3];
		c->breaches = (long)n[4];
		c->state = (enum score_state)n[5];
	}
	if (restore_outages(ledger, json_object_get(state, "outages")) < 0)
		goto bad;
	json_array_foreach(json_object_get(state, "grades"), i, v) {
		struct event_grade g = { 0 };

		if (json_unpack((json_t *)v, "[s, s, I]", &report, &team,
		    &points) < 0 || team_at(ledger, team) < 0)
			goto bad;
		/* The team's total is restored apart: only the grade is new. */
		g.report = report;
		g.points = points;
		apply_grade(ledger, &ledger->teams[team_at(ledger, team)], &g);
		ledger->teams[team_at(ledger, team)].reports -= points;
	}
	v = json_object_get(state, "detection");
	if (v != NULL && score_detect_restore(ledger, v) < 0)
		goto bad;
	return 0;
bad:
	*error = xstrdup("the score's state in the checkpoint is malformed");
	return -1;
}
json_t *
score_history_to_json(const struct score_ledger *ledger)
{
	json_t *rounds = json_array(), *scores;
	size_t i, j;

	for (i = 0; i < ledger->n_rounds; i++) {
		const struct score_round *r = &ledger->rounds[i];

		scores = json_object();
		for (j = 0; j < ledger->n_teams; j++)
			json_object_set_new(scores, ledger->teams[j].team->id,
			    json_integer(r->scores[j]));
		json_array_append_new(rounds, json_pack("{s:I, s:f, s:o}", "n",
		    (json_int_t)r->n, "at", r->at, "scores", scores));
	}
	return rounds;
}
