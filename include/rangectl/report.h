/*
 * report.h: the after-action report, rebuilt from a journal alone.
 *
 * The journal's first event describes the exercise (teams, MSEL, hosts),
 * so a report needs no scenario file and no libvirt: report_load() replays
 * DIR/journal.jsonl through report_apply(), which feeds the score ledger
 * (score.c) the very events the engine scored by, and joins each inject
 * firing with its results. The event types are those of
 * docs/internals/engine.md; a known event that is malformed for its type
 * stops the replay with an error naming its seq, since a report must not
 * guess. Unknown types are skipped: a later rangectl may add some.
 *
 * The lists that are only ever shown (penalties, grades...) are kept as
 * JSON objects already in the shape report_to_json() gives them.
 */
#ifndef RANGECTL_REPORT_H
#define RANGECTL_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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
	char **targets;	/* host names */
	size_t n_targets;
	char **to;	/* team ids, for messages */
	size_t n_to;
	struct report_firing *firings;
	size_t n_firings;
	size_t firings_alloc;
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
	json_t *clock;	/* [{t, state, speed, reason, by}] */
	json_t *penalties;	/* [{round, at, team, host, inject, penalty,
				 * reason}]: every active compromise */
	json_t *reports;	/* [{t, id, team, author, title, body, inject}] */
	json_t *grades;	/* [{t, report, team, points, comment, by}] */
	json_t *adjustments;	/* [{t, team, points, reason, by}] */
	json_t *messages;	/* [{t, inject, to, text, by}] */
	json_t *hosts;	/* [{t, name, team, state, reason}] */
	json_t *links;	/* [{t, host, network, up, inject, ok, error}] */
};

/* An empty report, before any event: report_clear() it after use. */
void report_init(struct report *report);
void report_clear(struct report *report);
/*
 * Applies one journal event, in journal order; the first must be the
 * exercise event. Returns 0, or -1 with *error set (the caller frees it)
 * to a sentence naming the event's seq: "event 7 (inject_result): ...".
 */
int report_apply(struct report *report, const json_t *event, char **error);
/*
 * Builds the report of the state folder dir from dir/journal.jsonl.
 * Returns 0, or -1 with *error set (the caller frees it) when dir or its
 * journal is missing, unreadable, empty or damaged; report is then
 * cleared.
 */
int report_load(struct report *report, const char *dir, char **error);

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
 */
json_t *report_to_json(const struct report *report);

/*
 * Consecutive rounds in which one compromise cost its team, for one
 * reason: what the text and HTML reports show as one line.
 */
struct report_penalty_run {
	const json_t *first;	/* borrowed: the run's first entry */
	long long from, to;	/* rounds */
	long long points;	/* lost in all (positive) */
};
/*
 * The entries of penalties (report->penalties, or its copy in
 * report_to_json()) as runs, ordered by first round. Returns an array of
 * *count runs that the caller frees.
 */
struct report_penalty_run *report_penalty_runs(const json_t *penalties,
    size_t *count);
/* Writes the JSON, indented, ending with a newline. 0, or -1. */
int report_print_json(const struct report *report, FILE *out);
/* Writes the report as tables for people to read. */
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
