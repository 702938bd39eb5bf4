/*
 * score.h: the score ledger, computed from journal events alone.
 *
 * A team's score is the points of every service check it passed, minus
 * every compromise penalty, plus the grades of its reports, plus manual
 * adjustments. The ledger only ever learns from journal events, so the
 * scores after a replay are those of an uninterrupted run by construction.
 *
 * It reads the decoded round, grade and adjustment events (event.h);
 * other types are not its business and change nothing.
 */
#ifndef RANGECTL_SCORE_H
#define RANGECTL_SCORE_H

#include <jansson.h>
#include <stddef.h>

#include "rangectl/event.h"
#include "rangectl/scenario.h"

struct score_team {
	const struct scenario_team *team;	/* borrowed: the plan's, or a report's */
	long long availability;	/* points of checks passed */
	long long penalties;	/* points lost to compromises, positive */
	long long reports;	/* grades of its reports */
	long long adjustments;	/* manual, either sign */
};

struct score_round {
	long n;
	double at;	/* exercise seconds */
	long long *scores;	/* per team, in scenario order, after the round */
};

struct score_ledger {
	struct score_team *teams;
	size_t n_teams;
	struct score_round *rounds;
	size_t n_rounds;
	size_t rounds_alloc;
};

/* A ledger of n_teams teams, all at zero; teams must outlive it. */
void score_ledger_init(struct score_ledger *ledger,
    const struct scenario_team *teams, size_t n_teams);
void score_ledger_clear(struct score_ledger *ledger);
/*
 * Applies one decoded journal event. Returns 0, or -1 with *error set
 * ("event 7 (round): 'checks[0].team' names team...") for an event that
 * names a team the ledger does not have: a journal that says so is
 * damaged, and scores must not be guessed. A round counts whole or not
 * at all.
 */
int score_apply(struct score_ledger *ledger, const struct event *ev,
    char **error);
long long score_total(const struct score_team *team);
/* {"round": N, "teams": [{"id","name","role","score",...}]}, new. */
json_t *score_to_json(const struct score_ledger *ledger);
/* [{"n","at","scores":{"ro":12,...}}], new. */
json_t *score_history_to_json(const struct score_ledger *ledger);

#endif
