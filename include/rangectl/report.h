/*
 * report.h: the after-action report, rebuilt from a journal alone.
 *
 * The journal's first event describes the exercise (teams, MSEL, hosts),
 * so a report needs no scenario file and no libvirt: report_load() replays
 * DIR/journal.jsonl through report_apply(), which feeds the score ledger
 * (score.c) the very events the engine scored by, and joins each inject
 * firing with its results. Events are decoded by the event table
 * (event.h, docs/internals/events.md), as the engine's replay decodes
 * them: an unknown type, or a known one malformed for its type, stops the
 * replay with an error naming its seq, since a report must not guess.
 *
 * struct report is the one model every renderer reads: report_json.c
 * (--json, and the dashboard's injects), report_print.c (text) and
 * report_html.c; report_layout.c holds the orders they share. Every
 * string of the model comes from the journal, which is hostile input:
 * renderers escape them for what they write.
 */
#ifndef RANGECTL_REPORT_H
#define RANGECTL_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rangectl/event.h"
#include "rangectl/scenario.h"
#include "rangectl/score.h"

/* What is said of a firing whose results never came back. */
#define REPORT_LOST "rangectl stopped before the results came back; the " \
	"action may or may not have run"

/* The result of a firing on one target host. */
struct report_result {
	char *host;
	bool ok;
	char *error;	/* a sentence, or NULL */
	bool has_exit;	/* exec only: exit holds the command's status */
	long long exit;
	char *out;	/* exec's output, "" when none */
	char *err;
	double seconds;	/* how long the action took */
};

/* One firing of an inject: its inject event joined with its results. */
struct report_firing {
	unsigned long long seq;	/* of its inject event */
	long n;	/* 1, 2... per inject */
	bool manual;
	double scheduled;	/* exercise seconds; -1 when manual */
	double actual;
	double late;	/* actual - scheduled; 0 when manual */
	char *by;	/* who fired it by hand; NULL: the clock */
	char **targets;	/* host names */
	size_t n_targets;
	bool answered;	/* its inject_result event came */
	bool lost;	/* its results never came: rangectl stopped first */
	struct report_result *results;
	size_t n_results;
};

/* An inject of the MSEL, with every firing in journal order. */
struct report_inject {
	char *id;
	char *title;	/* NULL when none */
	char *action;	/* "exec", "link_down"... */
	bool manual;
	long at;	/* exercise seconds; -1 when manual */
	bool listed;	/* in the exercise event (false: fired by a later
			 * version of the scenario, known from its firings) */
	bool moved;	/* a change event moved it: moved_from is its first at */
	long moved_from;	/* exercise seconds; -1 when it was manual */
	char **targets;	/* host names */
	size_t n_targets;
	char **to;	/* team ids and person:NAME, for messages */
	size_t n_to;
	struct report_firing *firings;
	size_t n_firings;
	size_t firings_alloc;
};

/* A change of the clock. */
struct report_clock {
	double t;	/* exercise seconds, to the millisecond */
	char *state;	/* "running", "paused" or "ended" */
	/*
	 * The speed, a number as the event table decodes it (an integer
	 * written by hand reads as the same real the engine writes).
	 */
	enum report_speed {
		REPORT_SPEED_NONE,	/* not given */
		REPORT_SPEED_REAL,	/* speed, to the millisecond */
	} speed_kind;
	double speed;
	char *reason;	/* NULL when none */
	char *by;	/* NULL when none */
};

/* What an active compromise cost its team in one round. */
struct report_penalty {
	long long round;
	double at;	/* the round's exercise seconds */
	char *team;
	char *host;
	char *inject;
	long long penalty;	/* points lost, positive */
	char *reason;	/* NULL when none */
};

/* An incident report, as a team sent it (the journal's report event). */
struct report_incident {
	double t;
	char *id;
	char *team;
	char *author;	/* NULL when none */
	char *title;
	char *body;	/* NULL when none */
	char *inject;	/* the inject it is about; NULL when none */
};

struct report_grade {
	double t;
	char *report;	/* the incident report's id */
	char *team;
	long long points;
	char *comment;	/* NULL when none */
	char *by;	/* NULL when none */
	bool regrade;	/* it replaced an earlier grade of the report */
	char *reason;	/* why it was graded again; NULL when none */
};

/* A change of the scenario's MSEL or scoring, accepted on a restart. */
struct report_change {
	double t;
	char **what;	/* one sentence per difference */
	size_t n_what;
};

/* A host reverted to its snapshot, asked by a trainee or a controller. */
struct report_revert {
	double t;
	char *host;
	char *by;	/* NULL when none */
	bool has_ok;	/* the event says whether it worked: ok */
	bool ok;
	char *error;	/* NULL when none */
};

struct report_adjustment {
	double t;
	char *team;
	long long points;
	char *reason;
	char *by;	/* NULL when none */
};

struct report_message {
	double t;
	char *inject;	/* the inject that sent it; NULL: sent by hand */
	char **to;	/* team ids, then person:NAME for each person */
	size_t n_to;
	char *text;
	char *by;	/* NULL when none */
	char *from;	/* the story's sender; NULL: exercise control */
};

/* A host's change of state, as libvirt told the engine. */
struct report_host {
	double t;
	char *name;
	char *team;	/* NULL when none */
	char *state;
	char *reason;	/* NULL when none */
};

/* A link set up or down. */
struct report_link {
	double t;
	char *host;
	char *network;
	bool up;
	char *inject;	/* NULL when none */
	bool has_ok;	/* the event says whether it worked: ok */
	bool ok;
	char *error;	/* NULL when none */
};

/*
 * The events that are only listed, each list in journal order; the
 * report owns every entry and its strings.
 */
struct report_lists {
	struct report_clock *clock;
	size_t n_clock, clock_alloc;
	struct report_penalty *penalties;	/* every active compromise */
	size_t n_penalties, penalties_alloc;
	struct report_incident *reports;
	size_t n_reports, reports_alloc;
	struct report_grade *grades;
	size_t n_grades, grades_alloc;
	struct report_adjustment *adjustments;
	size_t n_adjustments, adjustments_alloc;
	struct report_message *messages;
	size_t n_messages, messages_alloc;
	struct report_host *hosts;
	size_t n_hosts, hosts_alloc;
	struct report_link *links;
	size_t n_links, links_alloc;
	struct report_revert *reverts;
	size_t n_reverts, reverts_alloc;
	struct report_change *changes;
	size_t n_changes, changes_alloc;
};

/* A red team's capture of a blue team's flag (no value: none is kept). */
struct report_capture {
	double t;
	char *flag;
	char *host;
	char *owner;	/* the host's team */
	char *team;	/* the red team */
	long long rotation;
	long long points;
	long long penalty;
	char *by;	/* NULL when none */
};

/*
 * The flags (report_flag.c): how many values were journaled and planted,
 * and every capture. A flag event's value is a secret, and the report is
 * read by the dashboard's view too: no value is kept.
 */
struct report_flags {
	unsigned long values;	/* fresh values journaled */
	unsigned long planted;	/* of those, written into their guests */
	struct report_capture *captures;
	size_t n_captures, captures_alloc;
};

struct report {
	bool started;	/* the exercise event was read */
	char *name;
	char *title;	/* NULL when none */
	long duration;	/* exercise seconds */
	long interval;	/* between scoring rounds */
	long timeout;	/* of each check */
	size_t n_hosts;
	/*
	 * The teams of the exercise event, as the only part of a scenario
	 * the ledger reads: sc.teams and its strings are the report's own,
	 * nothing else of sc is set.
	 */
	struct scenario sc;
	struct score_ledger ledger;
	const char *state;	/* "pending", "running", "paused", "ended" */
	bool interrupted;	/* the journal ends while the clock ran */
	double elapsed;	/* exercise time (t) of the last event */
	unsigned long long events;	/* replayed, of every type */
	struct report_inject *injects;
	size_t n_injects;
	size_t injects_alloc;
	struct report_lists lists;
	struct report_flags flags;
	/*
	 * The same messages, grades and reports as JSON, in the shape
	 * report_to_json() gives them, for the dashboard's view (view.c)
	 * alone, which filters and serves them as they are. No renderer
	 * reads them; they can go once view.c reads lists.
	 */
	json_t *messages;	/* [{t, inject, to, people, text, by, from}] */
	json_t *grades;	/* [{t, report, team, points, comment, by}] */
	json_t *reports;	/* [{t, id, team, author, title, body,
				 * inject}] */
	/*
	 * The last range event (format 5): {t, teams: [{team, digest, live
	 * (null on the test driver)}], differ: [sentence]}; NULL when the
	 * journal has none, and then no report shows a range section.
	 */
	json_t *range;
};

/*
 * report_flag.c: a flag or capture event into r (a capture is scored by
 * the ledger): 0, or -1 with *error set; report_flags_clear() frees r's.
 * report_flags_json() is {"values", "planted", "captures": [...], "teams":
 * [{"id", "role", "captured", "points", "lost", "points_lost"}]} of the
 * red and blue teams, new. The text and HTML reports write their section
 * (report_print.c, report_html.c) and the JSON its "flags" only when
 * the exercise had flags, so that reports of others read as they did.
 */
int report_flag_apply(struct report *r, const struct event *ev,
    char **error);
void report_flags_clear(struct report_flags *f);
json_t *report_flags_json(const struct report *r);
/* Whether the journal held a flag or capture event. */
bool report_has_flags(const struct report *r);

/* An empty report, before any event: report_clear() it after use. */
void report_init(struct report *report);
void report_clear(struct report *report);
/*
 * Applies one journal event, in journal order; the first must be the
 * exercise event. Returns 0, or -1 with *error set (the caller frees it)
 * to a sentence naming the event's seq: "event 7 (inject_result): ...".
 */
int report_apply(struct report *report, const json_t *event, char **error);
/* The same for an event decoded already (event_decode()). */
int report_apply_event(struct report *report, const struct event *ev,
    char **error);
/*
 * Builds the report of the state folder dir from dir/journal.jsonl.
 * Returns 0, or -1 with *error set (the caller frees it) when dir or its
 * journal is missing, unreadable, empty or damaged; report is then
 * cleared.
 */
int report_load(struct report *report, const char *dir, char **error);

/*
 * What the rounds left in report (the ledger whole, the penalties, the
 * count of events and the time of the last), for the dashboard's
 * checkpoint (report_state.c): a new object, and in *bin (new, *len
 * bytes) the rounds' scores and penalties as binary records it counts.
 * report_state_restore() puts it back onto a report that took every
 * other event of the same journal up to the same one: it replaces the
 * ledger and adds the penalties. Returns 0, or -1 with *error set (a
 * phrase: "its ... are damaged") for a malformed state, leaving report
 * to be cleared.
 */
json_t *report_state_to_json(const struct report *report, char **bin,
    size_t *len);
int report_state_restore(struct report *report, const json_t *state,
    const char *bin, size_t len, char **error);
/*
 * report_state_restore() but for the penalties, which are left out (the
 * records are only checked to be as many as the state counts): the
 * ledger, the count of events and the time of the last, for what reads
 * only those (view_restore_lazy()'s first half, whose report the whole
 * one replaces).
 */
int report_state_restore_ledger(struct report *report, const json_t *state,
    const char *bin, size_t len, char **error);

/* The team's score entry in the ledger, NULL if there is no such team. */
const struct score_team *report_team(const struct report *report,
    const char *id);
/* The inject of that id, NULL if none. */
const struct report_inject *report_inject(const struct report *report,
    const char *id);

/*
 * The report as a new JSON object (the caller releases it): exercise,
 * teams, rounds, injects, penalties, reports, grades, adjustments,
 * messages, hosts, links, clock. Times are exercise seconds.
 * (report_json.c)
 */
json_t *report_to_json(const struct report *report);
/* The "injects" list of report_to_json() alone (new), for GET /injects. */
json_t *report_injects_to_json(const struct report *report);
/* Writes the JSON, indented, ending with a newline. 0, or -1. */
int report_print_json(const struct report *report, FILE *out);

/*
 * Consecutive rounds in which one compromise cost its team, for one
 * reason: what the text and HTML reports show as one line.
 * (report_layout.c, as the two orders after it)
 */
struct report_penalty_run {
	const struct report_penalty *first;	/* the run's first round */
	long long from, to;	/* rounds */
	long long points;	/* lost in all (positive) */
};
/*
 * The report's penalties as runs, ordered by first round. Returns an
 * array of *count runs that the caller frees; they point into report.
 */
struct report_penalty_run *report_penalty_runs(const struct report *report,
    size_t *count);
/*
 * The MSEL as it happened: clock injects by time, then manual ones, ties
 * in the MSEL's order. An array of report->n_injects pointers into
 * report, which the caller frees.
 */
const struct report_inject **report_injects_by_time(
    const struct report *report);
/*
 * The ledger's teams by score, highest first, ties in the exercise's
 * order. An array of report->ledger.n_teams pointers into the ledger,
 * which the caller frees.
 */
const struct score_team **report_teams_by_score(const struct report *report);

/*
 * Writes the report as tables for people to read (report_print.c). Every
 * string of the journal is written with its control characters escaped
 * (str_put_visible()), so that no journal can drive the terminal.
 */
void report_print(const struct report *report, FILE *out);
/*
 * Writes the report as one self-contained HTML page (report_html.c): the
 * data of report_to_json(), every string escaped, the scores over time
 * as inline SVG; no script, and no link to anything outside the page.
 * The same report always gives the same bytes. 0, or -1 when out has an
 * error.
 */
int report_print_html(const struct report *report, FILE *out);

#endif
