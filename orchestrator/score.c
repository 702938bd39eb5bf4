/*
 * score.c: the ledger of points, fed by journal events.
 */
#include "rangectl/score.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

void
score_ledger_init(struct score_ledger *ledger, const struct scenario *sc)
{
	size_t i;

	memset(ledger, 0, sizeof(*ledger));
	ledger->teams = xcalloc(sc->n_teams, sizeof(*ledger->teams));
	ledger->n_teams = sc->n_teams;
	for (i = 0; i < sc->n_teams; i++)
		ledger->teams[i].team = &sc->teams[i];
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
find_team(struct score_ledger *ledger, const json_t *entry)
{
	const char *id = json_string_value(json_object_get(entry, "team"));
	size_t i;

	for (i = 0; id != NULL && i < ledger->n_teams; i++)
		if (strcmp(ledger->teams[i].team->id, id) == 0)
			return &ledger->teams[i];
	return NULL;
}

/* The team and integer field of an entry; -1 when either is missing. */
static int
entry_points(struct score_ledger *ledger, const json_t *entry,
    const char *field, struct score_team **team, long long *points)
{
	const json_t *value = json_object_get(entry, field);

	*team = find_team(ledger, entry);
	if (*team == NULL || !json_is_integer(value))
		return -1;
	*points = json_integer_value(value);
	return 0;
}

/*
 * A round counts whole or not at all: every entry is checked before any
 * is added, so a damaged round changes no score.
 */
static int
apply_round(struct score_ledger *ledger, const json_t *event, char **error)
{
	const json_t *checks = json_object_get(event, "checks");
	const json_t *comps = json_object_get(event, "compromises");
	struct score_team *team;
	long long points;
	size_t i, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < json_array_size(checks); i++) {
			const json_t *c = json_array_get(checks, i);

			if (entry_points(ledger, c, "points", &team, &points) < 0)
				goto bad;
			if (pass == 1 && json_is_true(json_object_get(c, "up")))
				team->availability += points;
		}
		for (i = 0; i < json_array_size(comps); i++) {
			const json_t *c = json_array_get(comps, i);

			if (entry_points(ledger, c, "penalty", &team, &points) < 0)
				goto bad;
			if (pass == 1 && json_is_true(json_object_get(c, "active")))
				team->penalties += points;
		}
	}
	return 0;
bad:
	*error = xasprintf("round %lld of the journal names an unknown team or "
	    "lacks its points", json_integer_value(json_object_get(event, "n")));
	return -1;
}

/* Keeps every team's score as it stands after round n. */
static void
record_round(struct score_ledger *ledger, const json_t *event)
{
	struct score_round *r;
	size_t i;

	xgrow(&ledger->rounds, &ledger->rounds_alloc, ledger->n_rounds + 1,
	    sizeof(*ledger->rounds));
	r = &ledger->rounds[ledger->n_rounds++];
	r->n = (long)json_integer_value(json_object_get(event, "n"));
	r->at = json_number_value(json_object_get(event, "at"));
	r->scores = xcalloc(ledger->n_teams, sizeof(*r->scores));
	for (i = 0; i < ledger->n_teams; i++)
		r->scores[i] = score_total(&ledger->teams[i]);
}

int
score_apply(struct score_ledger *ledger, const json_t *event, char **error)
{
	const char *type = json_string_value(json_object_get(event, "type"));
	struct score_team *team;
	long long points;

	if (type == NULL)
		return 0;
	if (strcmp(type, "round") == 0) {
		if (apply_round(ledger, event, error) < 0)
			return -1;
		record_round(ledger, event);
		return 0;
	}
	if (strcmp(type, "grade") != 0 && strcmp(type, "adjustment") != 0)
		return 0;
	if (entry_points(ledger, event, "points", &team, &points) < 0) {
		*error = xasprintf("a %s event of the journal names an unknown "
		    "team or lacks its points", type);
		return -1;
	}
	if (strcmp(type, "grade") == 0)
		team->reports += points;
	else
		team->adjustments += points;
	return 0;
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
