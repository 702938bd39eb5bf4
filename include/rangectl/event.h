/*
 * event.h: every journal event, typed, and the one table that knows them.
 *
 * The journal (journal.h) is the exercise's only truth, and anyone may
 * hand rangectl a journal, so every event is read here and nowhere else:
 * event_decode() checks a JSON object against its type's fields and fills
 * a struct event, or fails with a sentence naming the journal's line
 * ("event 7 (inject): 'firing' must be an integer"); the engine's replay,
 * its live observers, the score ledger, the report and the API's live
 * stream all read through it, so they all accept and refuse the same.
 * Writers fill a struct event and journal event_encode()'s object.
 *
 * Strings of a decoded event are borrowed from the JSON object, which
 * must outlive it; its lists are the event's own (event_clear frees
 * them). An event to encode borrows everything from its writer.
 *
 * docs/internals/events.md is the reference of every type; a unit test
 * (tests/unit/test_event.c) holds it to event_table.
 */
#ifndef RANGECTL_EVENT_H
#define RANGECTL_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "rangectl/detect.h"
#include "rangectl/exclock.h"

/*
 * The journal's format, in its exercise event ("format"). A journal
 * without one was written before the format was numbered: format 1,
 * whose events are those of format 2. Format 3 adds optional fields
 * (a round's "simulated", the exercise's sla_after and sla_penalty, a
 * grade's regrade and reason, a message's people and from) and the
 * change event: every journal of
 * formats 1 and 2 is one of format 3.
 * Format 4 adds the flag and capture events (flags for the red teams)
 * and the login event (a dashboard login, ok, refused or throttled).
 * Format 5 adds an optional truth to each inject of the MSEL (the
 * exercise and change events; issue 14): what the inject really is,
 * resolved per target, for the report and the scores alone.
 * It also adds scoring.detection's points to both, and a report's
 * optional technique and indicators.
 * And the intel event (an observation a blue team shares).
 * And the range event (each team's digests of its range, at every
 * start: issue 14, point 5).
 */
#define EVENT_FORMAT 5

enum event_type {
	EVENT_EXERCISE,
	EVENT_CLOCK,
	EVENT_INJECT,
	EVENT_INJECT_RESULT,
	EVENT_ROUND,
	EVENT_LINK,
	EVENT_MESSAGE,
	EVENT_REPORT,
	EVENT_GRADE,
	EVENT_ADJUSTMENT,
	EVENT_HOST,
	EVENT_REVERT,
	EVENT_CHANGE,
	EVENT_FLAG,
	EVENT_CAPTURE,
	EVENT_LOGIN,
	EVENT_INTEL,
	EVENT_RANGE,
	EVENT_TYPES	/* the count, not a type */
};

/* Who may see an event as it happens (the API's live stream). */
enum event_audience {
	EVENT_NOBODY,	/* nobody: the journal and the report only */
	EVENT_STAFF,	/* controllers and instructors */
	EVENT_TEAM,	/* they, and the trainees of the event's team */
	EVENT_ADDRESSED,	/* they, and the trainees of the teams in "to" */
	EVENT_EVERYONE,
};

/* ---- the exercise event's lists ---------------------------------------- */

struct event_team {
	const char *id;
	const char *name;	/* NULL when none */
	int role;	/* enum team_role: red, blue or white */
};

/*
 * One indicator: of an inject's truth, resolved for one target; of a
 * report; of an observation (normalized there, intel.h).
 */
struct event_indicator {
	const char *type;	/* an indicator_type_name(): ipv4, url, sha256... */
	const char *value;
};

/* An inject's truth resolved for one of its targets. */
struct event_truth_row {
	const char *target;	/* a host name among the inject's targets */
	const char *team;	/* its team; NULL when none */
	struct event_indicator *indicators;
	size_t n_indicators;
};

/*
 * What an inject really is (format 5; plan.h's struct plan_truth, as the
 * plan resolved it): journaled in the MSEL so that the report and the
 * score ledger, which read the journal alone, can tell an attack's
 * effects and match what teams detect. Nobody sees the exercise event
 * live, and nothing built from it for a trainee carries it.
 */
struct event_truth {
	const char *technique;	/* Tnnnn or Tnnnn.nnn; NULL when none */
	const char **effects;	/* "HOST.SERVICE" or "SERVICE", as written */
	size_t n_effects;
	struct event_truth_row *resolved;	/* one per target, in order */
	size_t n_resolved;
};

struct event_msel {
	const char *id;
	const char *title;	/* NULL when none */
	long at;	/* exercise seconds; -1 when manual */
	const char *action;
	const char **targets;	/* host names */
	size_t n_targets;
	const char **to;	/* team ids (a message's); absent: none */
	size_t n_to;
	const char **people;	/* user names addressed one by one; absent: none */
	size_t n_people;
	struct event_truth *truth;	/* NULL: none (absent before format 5) */
	/*
	 * The service checks the plan knows it breaks on its targets beyond
	 * what its action does to a host's power or link, as "HOST/SERVICE"
	 * (host names): its breaks, its truth's effects, the rehearsal's
	 * model of a defacement (format 5; absent: none). The ledger tells
	 * an attack's outages from a team's own by them (outage.h).
	 */
	const char **breaks;
	size_t n_breaks;
};

struct event_service {
	const char *id;
	const char *check;	/* its kind: tcp, http, exec */
	long long points;
};

struct event_host_entry {
	const char *name;
	const char *team;	/* NULL when none */
	struct event_service *services;
	size_t n_services;
};

struct event_exercise {
	int format;	/* EVENT_FORMAT; 1 when the journal says none */
	const char *name;
	const char *title;	/* NULL when none */
	long duration;	/* exercise seconds */
	long interval;	/* between rounds */
	long timeout;	/* of each check */
	const char *scenario;	/* its absolute path; NULL when absent */
	long sla_after;	/* scoring.sla's; 0 when none */
	long long sla_penalty;
	bool has_detection;	/* scoring.detection given (format 5) */
	struct detect_rules detection;	/* its points; zero without it */
	struct event_team *teams;
	size_t n_teams;
	struct event_msel *injects;
	size_t n_injects;
	struct event_host_entry *hosts;
	size_t n_hosts;
	/*
	 * scoring.outage (format 5), in thousandths: what a failed round
	 * costs when an inject caused it, and when the team did. has_outage
	 * false (no key): 1000 and 1000, today's cost.
	 */
	bool has_outage;
	long outage_attack, outage_self;
};

struct event_clock {
	enum exclock_state state;	/* RUNNING, PAUSED or ENDED */
	bool has_speed;
	double speed;
	const char *reason;	/* NULL when none */
	const char *by;	/* NULL: the engine */
};

struct event_inject {
	const char *id;
	const char *action;
	long long firing;	/* 1, 2... per inject */
	double scheduled;	/* exercise seconds; < 0 (null) when manual */
	double actual;
	double late;
	bool manual;
	const char *by;	/* NULL: the clock */
	const char **targets;	/* host names */
	size_t n_targets;
};

/* An action's result on one target. */
struct event_result {
	const char *host;
	const char *via;	/* the from host, or NULL */
	bool ok;
	const char *error;	/* a sentence, or NULL */
	bool has_exit;
	long long exit;
	const char *out;	/* NULL when absent */
	const char *err;
	bool has_seconds;
	double seconds;
	const char *command;	/* exec: as filled in; NULL otherwise */
};

struct event_inject_result {
	const char *id;
	long long firing;
	struct event_result *results;
	size_t n_results;
	bool lost;	/* written at a restart: the results never came */
};

struct event_check {
	const char *team;
	const char *host;
	const char *service;
	const char *kind;	/* NULL when absent */
	bool up;
	long long points;	/* earned: 0 when down */
	const char *reason;	/* NULL when none */
};

struct event_compromise {
	const char *team;
	const char *host;
	const char *inject;
	const char *kind;	/* NULL when absent */
	bool active;
	long long penalty;	/* lost: 0 when not active */
	const char *reason;	/* NULL when none */
};

struct event_round {
	long long n;
	double at;	/* n * interval */
	bool has_late;
	double late;
	struct event_check *checks;
	size_t n_checks;
	struct event_compromise *compromises;
	size_t n_compromises;
	bool simulated;	/* a rehearsal's results, no check sent (format 3) */
};

struct event_link {
	const char *host;
	const char *network;
	bool up;
	const char *inject;	/* the link_down, or NULL */
	bool has_ok;
	bool ok;
	const char *error;	/* NULL when none */
};

struct event_message {
	const char *inject;	/* NULL when none */
	const char **to;	/* team ids: every member of each receives it */
	size_t n_to;
	const char *text;
	const char *by;	/* NULL: the clock */
	/*
	 * User names that receive it one by one, beyond the teams in to
	 * (format 3, optional): a reader that knows only to shows such a
	 * message to staff alone, never to a team it was not sent to.
	 */
	const char **people;
	size_t n_people;
	const char *from;	/* the story's sender; NULL: exercise control */
};

struct event_report {
	const char *id;	/* TEAM-1, TEAM-2... (r1, r2... before format 3) */
	const char *team;
	const char *author;	/* NULL when none */
	const char *title;
	const char *body;	/* NULL when absent */
	const char *inject;	/* NULL when none */
	/*
	 * What the team saw (format 5), matched against the truth of the
	 * injects that hit it (detect.h): an ATT&CK id or NULL, and
	 * indicators of the truth's types (none when absent).
	 */
	const char *technique;
	struct event_indicator *indicators;
	size_t n_indicators;
};

struct event_grade {
	const char *report;
	const char *team;
	long long points;
	const char *comment;	/* NULL when none */
	const char *by;
	bool regrade;	/* it replaces an earlier grade of the report */
	const char *reason;	/* why it was graded again; NULL when none */
};

struct event_adjustment {
	const char *team;
	long long points;
	const char *reason;
	const char *by;
};

struct event_host {
	const char *name;
	const char *team;	/* NULL when none */
	const char *state;	/* libvirt's: running, shutoff, crashed... */
	const char *reason;	/* NULL when none */
};

struct event_revert {
	const char *host;
	const char *by;	/* NULL when none */
	bool has_ok;
	bool ok;
	const char *error;	/* NULL when none */
};

/*
 * The scenario's timeline or scoring changed between two runs of one
 * exercise, and the controller accepted it (run --accept-changes): what
 * changed, in words, and the MSEL and scoring from then on.
 */
struct event_change {
	const char **what;	/* "inject 'deface': at 0:15:00, now 0:20:00" */
	size_t n_what;
	long duration, interval, timeout;
	long sla_after;	/* 0: no SLA rule */
	long long sla_penalty;
	bool has_detection;	/* as the exercise event's */
	struct detect_rules detection;
	struct event_msel *injects;	/* as the exercise event's */
	size_t n_injects;
	bool has_outage;	/* as the exercise event's (format 5) */
	long outage_attack, outage_self;
};

/*
 * A flag's fresh value, written (or, in a rehearsal, not) to its file in
 * a blue team's host (format 4). It carries a secret: its audience is
 * nobody, and the report and the view keep no value of it.
 */
struct event_flag {
	const char *flag;	/* the scenario's id */
	const char *host;	/* host name */
	const char *team;	/* the host's (blue) team */
	const char *value;	/* a secret */
	long long rotation;	/* 1 at the start, then 2, 3... */
	bool planted;	/* written in the guest */
	const char *error;	/* why not; NULL when planted */
	bool replant;	/* the same value written again after a revert */
};

/* A red team submitted a flag's current value (format 4). */
struct event_capture {
	const char *flag;
	const char *host;
	const char *owner;	/* the host's team, which loses penalty */
	const char *team;	/* the red team, which earns points */
	long long rotation;	/* of the value submitted */
	long long points;
	long long penalty;
	const char *by;	/* who submitted it; NULL when none */
};

/*
 * A password login to the dashboard (format 4): who, from where, and how
 * it ended. Never the password. A flood of throttled attempts is
 * journaled at most once a second, attempts counting those it stands for.
 */
struct event_login {
	const char *name;	/* as given: it may name nobody */
	const char *address;	/* the caller's; NULL when unknown */
	const char *result;	/* "ok", "refused" or "throttled" */
	bool has_attempts;
	long long attempts;	/* throttled attempts it stands for (>= 1) */
};

/*
 * An observation a blue trainee recorded (format 5): what they saw, its
 * TLP 2.0 label, and to, the teams that receive it, worked out once when
 * it was recorded (intel_audience()) so that every reader, the live
 * stream included, shows it to the same people.
 */
struct event_intel {
	const char *id;	/* TEAM-oN */
	const char *team;	/* the team that recorded it */
	const char *by;	/* the person; NULL when none */
	const char *tlp;	/* "TLP:RED" ... "TLP:CLEAR" */
	const char *technique;	/* an ATT&CK id; NULL when none */
	struct event_indicator *indicators;
	size_t n_indicators;
	const char *text;	/* NULL when none */
	double seen;	/* exercise seconds */
	const char **to;	/* team ids */
	size_t n_to;
};

/*
 * One team's digests of its range (format 5; fairness.h): of its whole
 * normalized slice and of each part, and of what libvirt held for it.
 */
struct event_range_team {
	const char *team;
	const char *digest;
	const char *networks;
	const char *hosts;
	const char *checks;
	const char *injects;
	const char *images;
	const char *live;	/* NULL when not taken (a test driver's) */
};

/*
 * The range every team got, journaled at each start of a run, after
 * `up` (format 5): anyone may see it, as the proof that every nation got
 * the same range. differ names each team that does not, as a sentence.
 */
struct event_range {
	struct event_range_team *teams;	/* the event's own array */
	size_t n_teams;
	const char **differ;	/* the event's own array; NULL when none */
	size_t n_differ;
};

struct event {
	enum event_type type;
	/* Its line in the journal (its seq), for messages; 0 before it is
	 * journaled */
	unsigned long long seq;
	bool has_t;	/* false: the journal gives it the time of writing */
	double t;	/* exercise seconds */
	double wall;	/* Unix time; 0 before it is journaled */
	union {
		struct event_exercise exercise;
		struct event_clock clock;
		struct event_inject inject;
		struct event_inject_result inject_result;
		struct event_round round;
		struct event_link link;
		struct event_message message;
		struct event_report report;
		struct event_grade grade;
		struct event_adjustment adjustment;
		struct event_host host;
		struct event_revert revert;
		struct event_change change;
		struct event_flag flag;
		struct event_capture capture;
		struct event_login login;
		struct event_intel intel;
		struct event_range range;
	} u;
};

/* What decoding one event needs: event.c's own. */
struct event_decoder;

/* A field of an event at its top level, for its reference. */
struct event_field {
	const char *key;
	int kind;	/* event.c's: a string, a number, a list... */
	/*
	 * For the entries of an event's lists: where the value goes in the
	 * entry's struct, and where whether it was given, each its offset
	 * plus one (0: not stored there).
	 */
	size_t at, has;
};

/* One row of the table of event types. */
struct event_kind {
	const char *name;	/* its "type" */
	const struct event_field *fields;	/* ends with a NULL key */
	enum event_audience audience;
	/* The live stream's event name ("inject", "state"...), or NULL. */
	const char *live;
	bool scores;	/* it changes the scores: everyone gets them anew */
	/*
	 * What the field table cannot say (lists, enumerations, nulls that
	 * mean something), after it checked o and stored its fields; NULL
	 * when it says everything.
	 */
	int (*decode)(struct event_decoder *d, const json_t *o, struct event *ev);
	json_t *(*encode)(const struct event *ev);
};

/* Indexed by enum event_type. */
extern const struct event_kind event_table[EVENT_TYPES];

/* The type's name, "?" for none. */
const char *event_type_name(enum event_type type);
/* EVENT_TYPES when name is no type. */
enum event_type event_type_parse(const char *name);
/*
 * A field's kind for its reference: "string", "integer or null", "list"...
 * (with " (optional)" when it may be absent), from the table.
 */
const char *event_field_kind(int kind);
bool event_field_optional(int kind);

/* An empty event of type, at no time yet: fill it, then encode it. */
void event_init(struct event *ev, enum event_type type);
/*
 * Decodes and checks o, the event on line (its seq in the journal, which
 * journal_replay holds to its line number; 0 to take o's own "seq").
 * Returns 0, or -1 with *error set (the caller frees it) to
 * "event LINE (TYPE): WHAT", for a type it does not know too; ev is then
 * cleared. o must outlive ev.
 */
int event_decode(const json_t *o, unsigned long long line, struct event *ev,
    char **error);
/*
 * Decodes a list of action results (inject.c makes them) into ir, as an
 * inject_result event's; the strings are borrowed from list. Returns 0,
 * or -1 with *error set for an entry that is not a result.
 */
int event_decode_results(const json_t *list, struct event_inject_result *ir,
    char **error);
/* Frees what event_decode() allocated (never the strings); NULL is safe. */
void event_clear(struct event *ev);
/*
 * The event as the journal holds it, a new object without seq and wall
 * (journal_append() and the engine add them), with t when has_t.
 */
json_t *event_encode(const struct event *ev);

/* A list of strings as a JSON array, new (the caller owns it). */
json_t *event_strings_json(const char *const *items, size_t n);

/*
 * Whether someone may see ev as it happens: staff (controllers and
 * instructors) see every event shown live; a trainee of team (an id)
 * sees those for everyone, their team's and those addressed to it.
 */
bool event_visible(const struct event *ev, bool staff, const char *team);

/*
 * The same for a user by name as well: a message names its recipients by
 * team and by person, and reaches a trainee named in its people (and
 * staff) whatever their team.
 */
bool event_visible_to(const struct event *ev, bool staff, const char *team,
    const char *user);
/* The team an event concerns, for EVENT_TEAM (NULL: none). */
const char *event_team(const struct event *ev);

#endif
