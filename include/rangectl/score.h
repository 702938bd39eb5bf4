/*
 * score.h: the score ledger, computed from journal events alone.
 *
 * A team's score is the points of every service check it passed, minus
 * every compromise penalty, minus the SLA's penalties (scoring.sla: a
 * check failed N rounds in a row costs the penalty once per such run),
 * plus the last grade of each of its reports, plus manual adjustments,
 * plus (red) the points of flags it captured, minus (blue) those of its
 * flags captured. The ledger only ever learns from journal events, so the
 * scores after a replay are those of an uninterrupted run by construction.
 *
 * It reads the decoded exercise (the SLA rule and the checks to expect),
 * round, grade, adjustment and capture events (event.h); other types
 * (a flag's value among them) are not its
 * business and change nothing.
 *
 * Blue teams are ranked among blue teams and red among red; white teams
 * are not ranked.
 */
#ifndef RANGECTL_SCORE_H
#define RANGECTL_SCORE_H

#include <jansson.h>
#include <stddef.h>

#include "rangectl/detect.h"
#include "rangectl/event.h"
#include "rangectl/outage.h"
#include "rangectl/scenario.h"
#include "rangectl/strmap.h"

struct score_team {
	const struct scenario_team *team;	/* borrowed: the plan's, or a report's */
	long long availability;	/* points of checks passed */
	long long penalties;	/* points lost to compromises, positive */
	long long reports;	/* grades of its reports */
	long long adjustments;	/* manual, either sign */
	long long sla;	/* points lost to SLA breaches, positive */
	long long flags;	/* red: points of flags captured */
	long long flags_lost;	/* blue: points lost to captures, positive */
	long captured;	/* red: flag values captured */
	long lost;	/* blue: its flags' values captured */
	/*
	 * scoring.outage: what its weights add to the cost of the team's
	 * failed rounds, in thousandths of points (0 with weights of 1);
	 * the score counts outage_points() of it.
	 */
	long long outage;
	long long detection;	/* blue: scoring.detection's, either sign */
};

/* A check's last result: none yet, failed, passed. */
enum score_state { SCORE_UNKNOWN, SCORE_DOWN, SCORE_UP };

/* One service check over the rounds: its uptime and the SLA. */
struct score_check {
	size_t team;	/* index into the ledger's teams */
	char *host, *service;	/* own */
	char *key;	/* own: "host/service", the map's key */
	long rounds;	/* rounds that checked it */
	long up;	/* of those, the ones it passed */
	long outage;	/* failed rounds in a row up to the last round */
	long longest;	/* the longest such run */
	long breaches;	/* runs of sla_after failed rounds */
	enum score_state state;
	/* Failed rounds by cause (outage.h), and their downtime in seconds. */
	long attack, self;
	long long attack_s, self_s;
	long long points;	/* a round's, from the exercise event; 0: unknown */
	bool exec;	/* an exec check: a link_down does not reach it */
	struct outage_window window;	/* the attack's on it, if open */
};

/* A report's grade as it stands: a later grade replaces it. */
struct score_grade {
	char *report;	/* own */
	size_t team;
	long long points;
};

/* Sums over several checks (a host's, a team's). */
struct score_uptime {
	long checks, rounds, up, longest, breaches;
	long attack, self;	/* failed rounds by cause */
	long long attack_s, self_s;	/* their downtime, seconds */
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
	/*
	 * The scores of the first n_block rounds, in one allocation (own):
	 * those of a ledger restored from a checkpoint (report_state.c),
	 * 88,700 rounds at 100,000 events, where an allocation each was a
	 * third of the restore. Later rounds' scores are their own.
	 */
	long long *round_block;
	size_t n_block;
	long sla_after;	/* 0: no SLA rule */
	long long sla_penalty;
	long interval;	/* seconds per round, from the exercise event */
	struct score_check *checks;	/* in the order first seen */
	size_t n_checks, checks_alloc;
	struct strmap check_map;	/* key -> index + 1 */
	struct score_grade *grades;
	size_t n_grades, grades_alloc;
	struct strmap grade_map;	/* report id -> index + 1 */
	/*
	 * Outages by cause (format 5 and later: outages is true, and the
	 * JSON shows them; older journals' scores and shapes stay as they
	 * were). The weights are thousandths, 1000 without scoring.outage.
	 */
	bool outages;
	long outage_attack, outage_self;
	struct outage_msel msel;
	/*
	 * Detection scoring (score_detect.c): on when the exercise has
	 * scoring.detection or an inject with truth, so that journals
	 * without either report exactly as before.
	 */
	bool detecting;
	struct detect_ledger detect;
};

/* A ledger of n_teams teams, all at zero; teams must outlive it. */
void score_ledger_init(struct score_ledger *ledger,
    const struct scenario_team *teams, size_t n_teams);
void score_ledger_clear(struct score_ledger *ledger);
/* The grade report stands at (borrowed from ledger), or NULL if none yet. */
const struct score_grade *score_grade_of(const struct score_ledger *ledger,
    const char *report);
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
/*
 * The team's rank among the teams of its role (1 is first; ties share
 * a rank), or 0 for a white team, which is not ranked.
 */
long score_rank(const struct score_ledger *ledger, size_t team);
/* The sums of the team's checks, of one host's only when host is not NULL. */
void score_uptime_of(const struct score_ledger *ledger, size_t team,
    const char *host, struct score_uptime *u);
/* Adds one check to the sums u (zeroed first for one check's own). */
void score_uptime_add(struct score_uptime *u, const struct score_check *c);
/* {"round": N, "teams": [{"id","name","role","rank","score",...}]}, new. */
json_t *score_to_json(const struct score_ledger *ledger);
/*
 * {"round", "sla": {after, penalty} or null, "teams": [{"id", "role",
 * "uptime", ..., "hosts": [{"name", ..., "services": [...]}]}]}, new;
 * only team's entry when team is not NULL. "uptime" is a whole percent,
 * rounded down (100 only when no round failed), null before any round.
 */
json_t *score_uptime_to_json(const struct score_ledger *ledger,
    const char *team);
/*
 * What the ledger keeps beyond the teams' totals (the SLA rule, each
 * check's record, each report's grade), for the engine's checkpoint, and
 * back. score_restore() returns -1 with *error set for a malformed one.
 */
json_t *score_state_to_json(const struct score_ledger *ledger);
int score_restore(struct score_ledger *ledger, const json_t *state,
    char **error);
/*
 * score_detect.c: the exercise's (or a change's) truth and detection
 * rules into ledger.detect, and a firing, report or observation applied
 * to it; score_apply() calls them.
 */
void score_detect_exercise(struct score_ledger *ledger,
    const struct event_exercise *x);
void score_detect_change(struct score_ledger *ledger,
    const struct event_change *c);
void score_detect_event(struct score_ledger *ledger, const struct event *ev);
/* The "detection" of score_state_to_json(), back; -1 when malformed. */
int score_detect_restore(struct score_ledger *ledger, const json_t *o);
/* [{"n","at","scores":{"ro":12,...}}], new. */
json_t *score_history_to_json(const struct score_ledger *ledger);

#endif
