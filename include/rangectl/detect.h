/*
 * detect.h: detection and sharing measured against the ground truth
 * (issue 14, point 3).
 *
 * An *attack* is one inject aimed at one team: the inject's truth row
 * resolved for that team (its technique, its indicators filled in with
 * the team's addresses), and the exercise time it first fired at the
 * team. A *sighting* is what a team wrote down: an observation (shared
 * intelligence) or an incident report with indicators, at the exercise
 * time it was journaled, with the teams it reached.
 *
 * The ledger learns both in journal order and answers, per attack:
 * when its team detected it (the first sighting of that team, at or after
 * the firing, that matches it), when the team shared a matching sighting
 * with an ally, whether an ally warned it (shared a sighting matching it
 * before it fired), or whether it was missed; and per team: indicators
 * that match no attack aimed at the team (false reports), and the points
 * of the rules. It never reads a clock: the same events give the same
 * answers, which is how a replay or the report finds the live figures.
 *
 * A sighting matches an attack when one of its indicators equals one of
 * the attack's (same type; addresses compared as addresses, hashes,
 * domains and e-mail addresses without regard to case). An attack whose
 * truth names no indicator is matched by its technique instead: the same
 * id, or its parent technique (T1491 names T1491.002). Indicators name
 * this attack; a technique names a whole class of them, so it only stands
 * in where the truth gives nothing sharper.
 *
 * Looking up a sighting costs a hash lookup per indicator and a pass over
 * the attacks that carry that indicator: never a scan of every attack.
 */
#ifndef RANGECTL_DETECT_H
#define RANGECTL_DETECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "rangectl/strmap.h"

/* scoring.detection of the scenario; all zero: no points, figures only. */
struct detect_rules {
	long points;	/* for detecting an attack at once */
	long half_life;	/* seconds after which detection earns half; 0: no decay */
	long sharing;	/* for sharing a detected attack with an ally */
	long early_warning;	/* to the first ally that warned a team in time */
	long false_indicator;	/* lost per indicator that matches nothing */
};

struct detect_indicator {
	int type;	/* enum indicator_type */
	const char *value;
};

struct detect_sighting {
	const char *id;	/* "o3" or "r2": an observation's or report's */
	const char *team;	/* whose */
	double t;	/* exercise seconds it was journaled */
	const char *technique;	/* or NULL */
	const struct detect_indicator *indicators;
	size_t n_indicators;
	const char *const *to;	/* the other teams it reached (not its own) */
	size_t n_to;
};

struct detect_attack {
	char *inject, *team, *technique;	/* own; technique may be NULL */
	char **hosts;	/* own: its team's hosts the inject targets */
	size_t n_hosts;
	const char **keys;	/* own array of the ledger's keys it is posted under */
	size_t n_keys;	/* its indicators' (none: its technique's) */
	size_t n_indicator_keys;	/* of those, indicators' */
	double fired;	/* first firing at the team; < 0: not yet */
	double detected;	/* < 0: not yet */
	char *detected_by;	/* own: the sighting's id, or NULL */
	double shared;	/* first matching sighting that reached an ally */
	double warned;	/* first ally's matching share before the firing */
	char *warned_by;	/* own: that ally's team id, or NULL */
	long long points;	/* detection and sharing, to its team */
};

struct detect_team {
	char *id;	/* own */
	long sightings;	/* observations and reports with indicators */
	long false_indicators;
	long warnings;	/* attacks on allies it warned of in time */
	long long points;	/* every point of the rules, either sign */
};

/*
 * One kind of event in the order of time, for the report's timeline:
 * "fired", "detected", "shared", "warned" (an ally's share reached the
 * team before the attack did: at the share's time).
 */
struct detect_moment {
	double t;
	const char *what;	/* static */
	size_t attack;	/* index into attacks */
};

struct detect_ledger {
	struct detect_rules rules;
	struct detect_attack *attacks;
	size_t n_attacks, attacks_alloc;
	struct detect_team *teams;
	size_t n_teams, teams_alloc;
	struct detect_moment *moments;
	size_t n_moments, moments_alloc;
	/* match key -> struct detect_postings *: the attacks carrying it */
	struct strmap by_key;
	struct strmap attack_map;	/* "inject\tteam" -> index + 1 */
	struct strmap team_map;	/* team id -> index + 1 */
	struct strmap target_map;	/* "inject\thost" -> attack index + 1 */
	char **keys;	/* own: every key of by_key and attack_map */
	size_t n_keys, keys_alloc;
};

/*
 * The key under which an indicator matches: "TYPE:VALUE", the value as
 * indicator_normalize() (indicator.h) writes it, in buf (at least
 * DETECT_KEY_MAX bytes: a type's name and INDICATOR_VALUE_MAX bytes). Returns buf, or NULL when the
 * value is too long to be one (nothing matches it).
 */
#define DETECT_KEY_MAX 1100
const char *detect_key(int type, const char *value, char *buf);

/*
 * The rules as {"points", "half_life", "sharing", "early_warning",
 * "false_indicator"}, new; and back: -1 unless o holds those five whole
 * numbers from 0 and nothing else.
 */
json_t *detect_rules_to_json(const struct detect_rules *rules);
int detect_rules_from_json(const json_t *o, struct detect_rules *rules);

void detect_init(struct detect_ledger *ledger, const struct detect_rules *rules);
void detect_clear(struct detect_ledger *ledger);
/*
 * Declares a team (blue, in scenario order) so that its figures exist
 * even when nothing names it; idempotent.
 */
void detect_team(struct detect_ledger *ledger, const char *team);
/*
 * Declares the attack of inject on team, with its truth row (copied).
 * Declaring one twice keeps the first. Returns its index.
 */
size_t detect_attack(struct detect_ledger *ledger, const char *inject,
    const char *team, const char *technique,
    const struct detect_indicator *indicators, size_t n_indicators);
/* The inject fired at the team at t (exercise seconds); the first counts. */
void detect_fired(struct detect_ledger *ledger, const char *inject,
    const char *team, double t);
/*
 * Names host as one of attack's targets, so that a firing journaled by
 * host names finds it: detect_fired_at() is detect_fired() of the team
 * whose attack targets host (nothing when none does).
 */
void detect_target(struct detect_ledger *ledger, size_t attack,
    const char *host);
void detect_fired_at(struct detect_ledger *ledger, const char *inject,
    const char *host, double t);
/*
 * A team's sighting, in journal order. Returns how many times one of its
 * indicators (or its technique) met an attack that had hit its team: 0
 * when it matched nothing yet.
 */
size_t detect_sighting(struct detect_ledger *ledger,
    const struct detect_sighting *s);
/* The team's figures (borrowed), or NULL if never declared nor named. */
const struct detect_team *detect_team_of(const struct detect_ledger *ledger,
    const char *team);
/*
 * Whether attack i is the first of its inject in the ledger: the rows of
 * an inject × team matrix, in the order the MSEL declared them.
 */
bool detect_first_of_inject(const struct detect_ledger *ledger, size_t i);
/* A missed attack: fired, and not detected (yet). */
bool detect_missed(const struct detect_attack *a);
/* The attack of inject on team (borrowed), or NULL when none was aimed. */
const struct detect_attack *detect_find(const struct detect_ledger *ledger,
    const char *inject, const char *team);
/*
 * The matrix's cell of attack a, for the report: "not yet", "missed",
 * "D 0:02:10" (detected that long after it hit), then " S 0:01:00"
 * (shared that long after) and " W ua" (warned in time by ua). In buf
 * (DETECT_CELL_MAX bytes), returned.
 */
#define DETECT_CELL_MAX 160
const char *detect_cell(const struct detect_attack *a, char *buf);

/*
 * {"rules": {...}, "attacks": [{"inject", "team", "technique", "fired",
 * "detected", "detected_by", "shared", "warned", "warned_by", "points"}],
 * "teams": [{"id", "detected", "missed", "shared", "warned",
 * "warnings", "false_indicators", "mean_detect", "mean_share",
 * "points"}], "timeline": [{"t", "what", "inject", "team"}],
 * "coverage": [{"team", "techniques": [{"id", "attacks", "detected"}]}]},
 * new. Times are exercise seconds, null when they did not happen.
 */
json_t *detect_to_json(const struct detect_ledger *ledger);
/*
 * Everything the ledger learned, for a checkpoint, and back into a
 * ledger just detect_init()ed. detect_restore() returns -1 with *error
 * set ("its detection state ...") when state is malformed.
 */
json_t *detect_state_to_json(const struct detect_ledger *ledger);
int detect_restore(struct detect_ledger *ledger, const json_t *state,
    char **error);

#endif
