/*
 * score.c: the ledger of points, fed by journal events.
 */
#include "rangectl/score.h"

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
}

void
score_ledger_clear(struct score_ledger *ledger)
{
	size_t i;

	if (ledger == NULL)
		return;
	for (i = 0; i < ledger->n_rounds; i++)
		free(ledger->rounds[i].scores);
	free(ledger->rounds);
	free(ledger->teams);
	memset(ledger, 0, sizeof(*ledger));
}

long long
score_total(const struct score_team *t)
{
	return t->availability - t->penalties + t->reports + t->adjustments;
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

int
score_apply(struct score_ledger *ledger, const struct event *ev,
    char **error)
{
	struct score_team *team;

	switch (ev->type) {
	case EVENT_ROUND:
		if (apply_round(ledger, ev, error) < 0)
			return -1;
		record_round(ledger, &ev->u.round);
		return 0;
	case EVENT_GRADE:
		team = find_team(ledger, ev->u.grade.team);
		if (team == NULL)
			return unknown_team(ev, NULL, 0, ev->u.grade.team, error);
		team->reports += ev->u.grade.points;
		return 0;
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

json_t *
score_to_json(const struct score_ledger *ledger)
{
	json_t *teams = json_array();
	size_t i;

	for (i = 0; i < ledger->n_teams; i++) {
		const struct score_team *t = &ledger->teams[i];

		json_array_append_new(teams, json_pack("{s:s, s:o, s:s, s:I, s:I, "
		    "s:I, s:I, s:I}", "id", t->team->id, "name", t->team->name ?
		    json_string(t->team->name) : json_null(), "role",
		    role_name(t->team->role), "score", score_total(t),
		    "availability", t->availability, "penalties", t->penalties,
		    "reports", t->reports, "adjustments", t->adjustments));
	}
	return json_pack("{s:I, s:o}", "round", (json_int_t)(ledger->n_rounds ?
	    ledger->rounds[ledger->n_rounds - 1].n : 0), "teams", teams);
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
