/*
 * report_print.c: rendering a report as JSON (for scripts) or as tables
 * (for people). Pure: data in, text out.
 */
#include "rangectl/report.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/units.h"
#include "rangectl/util.h"

/* ---- JSON -------------------------------------------------------------- */

static json_t *
string_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
strings_to_json(char *const *items, size_t n)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(list, json_string(items[i]));
	return list;
}

static json_t *
result_to_json(const struct report_result *res)
{
	return json_pack("{s:s, s:b, s:o, s:o, s:s, s:s, s:f}", "host",
	    res->host, "ok", res->ok, "error", string_or_null(res->error),
	    "exit", res->has_exit ? json_integer(res->exit) : json_null(),
	    "out", res->out, "err", res->err, "seconds", res->seconds);
}

static json_t *
firing_to_json(const struct report_firing *f)
{
	json_t *results = json_array();
	size_t i;

	for (i = 0; i < f->n_results; i++)
		json_array_append_new(results, result_to_json(&f->results[i]));
	return json_pack("{s:I, s:o, s:f, s:f, s:b, s:o, s:o, s:b, s:o, s:o}",
	    "firing", (json_int_t)f->n, "scheduled", f->manual ? json_null() :
	    json_real(f->scheduled), "actual", f->actual, "late", f->late,
	    "manual", f->manual, "by", string_or_null(f->by), "targets",
	    strings_to_json(f->targets, f->n_targets), "lost", f->lost,
	    "error", string_or_null(f->lost ? REPORT_LOST : NULL), "results",
	    results);
}

static json_t *
inject_to_json(const struct report_inject *inj)
{
	json_t *firings = json_array();
	size_t i;

	for (i = 0; i < inj->n_firings; i++)
		json_array_append_new(firings, firing_to_json(&inj->firings[i]));
	return json_pack("{s:s, s:o, s:s, s:o, s:b, s:b, s:o, s:o, s:o}", "id",
	    inj->id, "title", string_or_null(inj->title), "action",
	    inj->action, "at", inj->manual ? json_null() :
	    json_integer(inj->at), "manual", inj->manual, "listed",
	    inj->listed, "targets", strings_to_json(inj->targets,
	    inj->n_targets), "to", strings_to_json(inj->to, inj->n_to),
	    "firings", firings);
}

static json_t *
exercise_to_json(const struct report *r)
{
	return json_pack("{s:o, s:o, s:s, s:b, s:f, s:I, s:I, s:I, s:I, s:I}",
	    "name", string_or_null(r->name), "title", string_or_null(r->title),
	    "state", r->state, "interrupted", r->interrupted, "elapsed",
	    r->elapsed, "duration", (json_int_t)r->duration, "interval",
	    (json_int_t)r->interval, "timeout", (json_int_t)r->timeout,
	    "rounds", (json_int_t)r->ledger.n_rounds, "events",
	    (json_int_t)r->events);
}

/* The ledger's teams, as the scores API gives them. */
static json_t *
teams_to_json(const struct report *r)
{
	json_t *scores = score_to_json(&r->ledger);
	json_t *teams = json_incref(json_object_get(scores, "teams"));

	json_decref(scores);
	return teams;
}

json_t *
report_to_json(const struct report *r)
{
	json_t *injects = json_array();
	size_t i;

	for (i = 0; i < r->n_injects; i++)
		json_array_append_new(injects, inject_to_json(&r->injects[i]));
	return json_pack("{s:o, s:o, s:o, s:o, s:O, s:O, s:O, s:O, s:O, s:O, "
	    "s:O, s:O}", "exercise", exercise_to_json(r), "teams",
	    teams_to_json(r), "rounds", score_history_to_json(&r->ledger),
	    "injects", injects, "penalties", r->penalties, "reports",
	    r->reports, "grades", r->grades, "adjustments", r->adjustments,
	    "messages", r->messages, "hosts", r->hosts, "links", r->links,
	    "clock", r->clock);
}

int
report_print_json(const struct report *r, FILE *out)
{
	json_t *doc = report_to_json(r);
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(15));

	if (fputc('\n', out) == EOF)
		rc = -1;
	json_decref(doc);
	return rc;
}

/* ---- text: helpers ----------------------------------------------------- */

#define CLOCK_TEXT 32
#define PLURAL(n) ((n) == 1 ? "" : "s")

/* Exercise seconds as H:MM:SS, the fraction dropped. */
static const char *
clock_text(double t, char *buf)
{
	long s = t > 0 ? (long)t : 0;

	snprintf(buf, CLOCK_TEXT, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60,
	    s % 60);
	return buf;
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const char *
jstr_or(const json_t *o, const char *key, const char *otherwise)
{
	const char *s = jstr(o, key);

	return s != NULL ? s : otherwise;
}

static double
jnum(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* Prints "a, b, c" of a list of strings. */
static void
print_list(const json_t *list, FILE *out)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		fprintf(out, "%s%s", i ? ", " : "",
		    json_string_value(json_array_get(list, i)));
}

static int
widest_team_id(const struct report *r, int least)
{
	size_t i, w = (size_t)least;

	for (i = 0; i < r->sc.n_teams; i++)
		if (strlen(r->sc.teams[i].id) > w)
			w = strlen(r->sc.teams[i].id);
	return (int)w;
}

/*
 * Entries of several lists in time order, ties in list order then in the
 * order of their list: a timeline of reports, grades and adjustments, or
 * of hosts and links.
 */
struct entry {
	double t;
	size_t list;
	size_t i;
	const json_t *o;
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->list != y->list)
		return x->list < y->list ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/* The entries of lists[0..n), sorted; the caller frees them. */
static struct entry *
timeline(json_t *const *lists, size_t n, size_t *count)
{
	struct entry *e;
	size_t l, i, k = 0;

	for (l = 0; l < n; l++)
		k += json_array_size(lists[l]);
	e = xcalloc(k, sizeof(*e));
	*count = k;
	for (k = 0, l = 0; l < n; l++)
		for (i = 0; i < json_array_size(lists[l]); i++, k++)
			e[k] = (struct entry){ jnum(json_array_get(lists[l], i),
			    "t"), l, i, json_array_get(lists[l], i) };
	qsort(e, *count, sizeof(*e), entry_cmp);
	return e;
}

/* ---- text: header and clock -------------------------------------------- */

static void
print_header(const struct report *r, FILE *out)
{
	char at[CLOCK_TEXT], of[CLOCK_TEXT], every[32];

	fprintf(out, "exercise %s%s%s%s: ", r->name, r->title ? " (" : "",
	    r->title ? r->title : "", r->title ? ")" : "");
	clock_text(r->elapsed, at);
	clock_text((double)r->duration, of);
	if (strcmp(r->state, "pending") == 0)
		fprintf(out, "pending: the clock never started\n");
	else if (r->interrupted)
		fprintf(out, "interrupted at %s of %s\nthe journal ends while "
		    "the clock was running: rangectl stopped before the end "
		    "(run it\nagain with the same --state folder to resume)\n", at,
		    of);
	else
		fprintf(out, "%s at %s of %s\n", r->state, at, of);
	units_format_duration(r->interval, every, sizeof(every));
	fprintf(out, "%zu team%s, %zu host%s, %zu inject%s; %zu scoring "
	    "round%s, one every %s; %llu events\n", r->sc.n_teams,
	    PLURAL(r->sc.n_teams), r->n_hosts, PLURAL(r->n_hosts), r->n_injects,
	    PLURAL(r->n_injects), r->ledger.n_rounds, PLURAL(r->ledger.n_rounds),
	    every, r->events);
}

static void
print_clock(const struct report *r, FILE *out)
{
	char at[CLOCK_TEXT];
	size_t i;

	fprintf(out, "clock\n");
	if (json_array_size(r->clock) == 0)
		fprintf(out, "  never started\n");
	for (i = 0; i < json_array_size(r->clock); i++) {
		const json_t *c = json_array_get(r->clock, i);

		fprintf(out, "  %s  %-8s %s", clock_text(jnum(c, "t"), at),
		    jstr(c, "state"), jstr_or(c, "reason", ""));
		if (jstr(c, "by") != NULL)
			fprintf(out, ", by %s", jstr(c, "by"));
		fputc('\n', out);
	}
}

/* ---- text: scores ------------------------------------------------------ */

static int
team_by_score(const void *a, const void *b)
{
	const struct score_team *x = *(const struct score_team *const *)a;
	const struct score_team *y = *(const struct score_team *const *)b;
	long long sx = score_total(x), sy = score_total(y);

	if (sx != sy)
		return sx > sy ? -1 : 1;
	/* Ties keep the exercise's order: teams point into one array. */
	return (x > y) - (x < y);
}

static void
print_scores(const struct report *r, FILE *out)
{
	const struct score_team **order = xcalloc(r->ledger.n_teams,
	    sizeof(*order));
	int w = widest_team_id(r, 4);
	size_t i;

	for (i = 0; i < r->ledger.n_teams; i++)
		order[i] = &r->ledger.teams[i];
	qsort(order, r->ledger.n_teams, sizeof(*order), team_by_score);
	fprintf(out, "scores after %zu rounds (each score is the sum of the "
	    "four columns after it)\n", r->ledger.n_rounds);
	fprintf(out, "RANK  %-*s  ROLE   %6s  %12s  %9s  %7s  %11s  NAME\n", w,
	    "TEAM", "SCORE", "AVAILABILITY", "PENALTIES", "REPORTS",
	    "ADJUSTMENTS");
	for (i = 0; i < r->ledger.n_teams; i++) {
		const struct score_team *t = order[i];

		fprintf(out, "%4zu  %-*s  %-5s  %6lld  %12lld  %9lld  %7lld  "
		    "%11lld  %s\n", i + 1, w, t->team->id, role_name(t->team->role),
		    score_total(t), t->availability, -t->penalties, t->reports,
		    t->adjustments, t->team->name ? t->team->name : "-");
	}
	free(order);
}

/* ---- text: the MSEL as it happened ------------------------------------- */

/* A result; lost: the engine said, on resuming, that it never came. */
static void
print_result(const struct report_result *res, bool lost, int w, FILE *out)
{
	if (res->ok && res->has_exit)
		fprintf(out, "      %-*s  ok      exit %lld, %.1f s\n", w,
		    res->host, res->exit, res->seconds);
	else if (res->ok)
		fprintf(out, "      %-*s  ok      %.1f s\n", w, res->host,
		    res->seconds);
	else
		fprintf(out, "      %-*s  %-6s  %s\n", w, res->host, lost ?
		    "LOST" : "FAILED", res->error ? res->error :
		    "no reason given");
}

static int
widest_target(const struct report_firing *f)
{
	size_t i, w = 4;

	for (i = 0; i < f->n_results; i++)
		if (strlen(f->results[i].host) > w)
			w = strlen(f->results[i].host);
	for (i = 0; i < f->n_targets; i++)
		if (strlen(f->targets[i]) > w)
			w = strlen(f->targets[i]);
	return (int)w;
}

static void
print_firing(const struct report_firing *f, FILE *out)
{
	char at[CLOCK_TEXT], late[32];
	size_t i;

	fprintf(out, "    firing %ld at %s", f->n, clock_text(f->actual, at));
	if (f->manual) {
		fprintf(out, " by %s", f->by ? f->by : "hand");
	} else if (f->late >= 1.0) {
		/* Whole seconds dropped, as clock_text drops them. */
		units_format_duration((long)f->late, late, sizeof(late));
		fprintf(out, ", %s late", late);
	} else {
		fprintf(out, ", on time");
	}
	if (f->n_targets > 0)
		fprintf(out, ", on %zu target%s", f->n_targets,
		    PLURAL(f->n_targets));
	fputc('\n', out);
	if (f->answered) {
		for (i = 0; i < f->n_results; i++)
			print_result(&f->results[i], f->lost, widest_target(f),
			    out);
		return;
	}
	for (i = 0; i < f->n_targets; i++)
		fprintf(out, "      %-*s  LOST    %s\n", widest_target(f),
		    f->targets[i], REPORT_LOST);
	if (f->n_targets == 0)
		fprintf(out, "      LOST    %s\n", REPORT_LOST);
}

static void
print_inject(const struct report_inject *inj, FILE *out)
{
	char at[CLOCK_TEXT];
	size_t i;

	fprintf(out, "%-8s  %s (%s", inj->manual ? "manual" :
	    clock_text((double)inj->at, at), inj->id, inj->action);
	for (i = 0; i < inj->n_to; i++)
		fprintf(out, "%s%s", i ? ", " : " to ", inj->to[i]);
	fprintf(out, ")%s%s%s\n", inj->title ? ": " : "",
	    inj->title ? inj->title : "", inj->listed ? "" :
	    " [not in the exercise's MSEL]");
	if (inj->n_firings == 0)
		fprintf(out, "    not fired\n");
	for (i = 0; i < inj->n_firings; i++)
		print_firing(&inj->firings[i], out);
}

/* Clock injects by time, then manual ones; ties in the MSEL's order. */
static int
inject_by_time(const void *a, const void *b)
{
	const struct report_inject *x = *(const struct report_inject *const *)a;
	const struct report_inject *y = *(const struct report_inject *const *)b;

	if (x->manual != y->manual)
		return x->manual ? 1 : -1;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return (x > y) - (x < y);
}

static void
print_injects(const struct report *r, FILE *out)
{
	const struct report_inject **order = xcalloc(r->n_injects,
	    sizeof(*order));
	size_t i;

	for (i = 0; i < r->n_injects; i++)
		order[i] = &r->injects[i];
	qsort(order, r->n_injects, sizeof(*order), inject_by_time);
	fprintf(out, "injects: the MSEL as it happened\n");
	if (r->n_injects == 0)
		fprintf(out, "  none\n");
	for (i = 0; i < r->n_injects; i++)
		print_inject(order[i], out);
	free(order);
}

/* ---- text: penalties, one line per run of rounds ------------------------ */

/* The width of a column of the runs' key, at least least. */
static int
widest_in_runs(const struct report_penalty_run *runs, size_t n,
    const char *key, size_t least)
{
	size_t i, w = least;

	for (i = 0; i < n; i++)
		if (strlen(jstr(runs[i].first, key)) > w)
			w = strlen(jstr(runs[i].first, key));
	return (int)w;
}

static void
print_penalties(const struct report *r, FILE *out)
{
	size_t n, i;
	struct report_penalty_run *runs = report_penalty_runs(r->penalties, &n);
	int w = widest_team_id(r, 4);
	int hw = widest_in_runs(runs, n, "host", 4);
	int iw = widest_in_runs(runs, n, "inject", 6);
	char rounds[48], at[CLOCK_TEXT];

	fprintf(out, "penalties: active compromises, one line per run of "
	    "rounds\n");
	if (n == 0)
		fprintf(out, "  none\n");
	else
		fprintf(out, "%-9s  %-8s  %-*s  %-*s  %-*s  %7s  REASON\n",
		    "ROUNDS", "FROM", w, "TEAM", hw, "HOST", iw, "INJECT",
		    "POINTS");
	for (i = 0; i < n; i++) {
		const json_t *p = runs[i].first;

		if (runs[i].from == runs[i].to)
			snprintf(rounds, sizeof(rounds), "%lld", runs[i].from);
		else
			snprintf(rounds, sizeof(rounds), "%lld-%lld", runs[i].from,
			    runs[i].to);
		fprintf(out, "%-9s  %-8s  %-*s  %-*s  %-*s  %7lld  %s\n",
		    rounds, clock_text(jnum(p, "at"), at), w, jstr(p, "team"),
		    hw, jstr(p, "host"), iw, jstr(p, "inject"), -runs[i].points,
		    jstr_or(p, "reason", "-"));
	}
	free(runs);
}

/* ---- text: reports, grades, adjustments -------------------------------- */

static void
print_points_entry(const struct entry *e, int w, FILE *out)
{
	const json_t *o = e->o;
	char at[CLOCK_TEXT];

	fprintf(out, "%-8s  %-*s  ", clock_text(e->t, at), w, jstr(o, "team"));
	if (e->list == 0) {
		fprintf(out, "%6s  report %s by %s: %s", "-", jstr(o, "id"),
		    jstr_or(o, "author", "?"), jstr(o, "title"));
		if (jstr(o, "inject") != NULL)
			fprintf(out, " (on inject %s)", jstr(o, "inject"));
	} else if (e->list == 1) {
		fprintf(out, "%+6lld  grade of report %s by %s: %s",
		    json_integer_value(json_object_get(o, "points")),
		    jstr(o, "report"), jstr_or(o, "by", "?"),
		    jstr_or(o, "comment", "no comment"));
	} else {
		fprintf(out, "%+6lld  adjustment by %s: %s",
		    json_integer_value(json_object_get(o, "points")),
		    jstr_or(o, "by", "?"), jstr(o, "reason"));
	}
	fputc('\n', out);
}

static void
print_points(const struct report *r, FILE *out)
{
	json_t *lists[] = { r->reports, r->grades, r->adjustments };
	size_t n, i;
	struct entry *e = timeline(lists, ARRAY_SIZE(lists), &n);
	int w = widest_team_id(r, 4);

	fprintf(out, "reports, grades and adjustments\n");
	if (n == 0)
		fprintf(out, "  none\n");
	else
		fprintf(out, "%-8s  %-*s  %6s  WHAT\n", "AT", w, "TEAM", "POINTS");
	for (i = 0; i < n; i++)
		print_points_entry(&e[i], w, out);
	free(e);
}

/* ---- text: messages, hosts and links ----------------------------------- */

static void
print_messages(const struct report *r, FILE *out)
{
	char at[CLOCK_TEXT];
	size_t i;

	fprintf(out, "messages\n");
	if (json_array_size(r->messages) == 0)
		fprintf(out, "  none\n");
	for (i = 0; i < json_array_size(r->messages); i++) {
		const json_t *m = json_array_get(r->messages, i);

		fprintf(out, "%-8s  to ", clock_text(jnum(m, "t"), at));
		print_list(json_object_get(m, "to"), out);
		if (jstr(m, "inject") != NULL)
			fprintf(out, ", from inject %s", jstr(m, "inject"));
		if (jstr(m, "by") != NULL)
			fprintf(out, ", by %s", jstr(m, "by"));
		fprintf(out, ": %s\n", jstr(m, "text"));
	}
}

static void
print_machine_entry(const struct entry *e, FILE *out)
{
	const json_t *o = e->o;
	char at[CLOCK_TEXT];

	fprintf(out, "%-8s  ", clock_text(e->t, at));
	if (e->list == 0) {
		fprintf(out, "%s %s", jstr(o, "name"), jstr(o, "state"));
		if (jstr(o, "reason") != NULL)
			fprintf(out, ": %s", jstr(o, "reason"));
	} else {
		fprintf(out, "%s link to %s %s", jstr(o, "host"),
		    jstr(o, "network"), json_is_true(json_object_get(o, "up")) ?
		    "up" : "down");
		if (jstr(o, "inject") != NULL)
			fprintf(out, " (inject %s)", jstr(o, "inject"));
		if (json_is_false(json_object_get(o, "ok")))
			fprintf(out, ", FAILED: %s", jstr_or(o, "error",
			    "no reason given"));
	}
	fputc('\n', out);
}

static void
print_machines(const struct report *r, FILE *out)
{
	json_t *lists[] = { r->hosts, r->links };
	size_t n, i;
	struct entry *e = timeline(lists, ARRAY_SIZE(lists), &n);

	fprintf(out, "hosts and links\n");
	if (n == 0)
		fprintf(out, "  none\n");
	for (i = 0; i < n; i++)
		print_machine_entry(&e[i], out);
	free(e);
}

/* ---- text: rounds ------------------------------------------------------ */

static void
print_rounds(const struct report *r, FILE *out)
{
	const struct score_ledger *l = &r->ledger;
	char at[CLOCK_TEXT];
	size_t i, j;

	fprintf(out, "rounds: each team's score after it\n");
	if (l->n_rounds == 0) {
		fprintf(out, "  none\n");
		return;
	}
	fprintf(out, "ROUND  %-8s", "AT");
	for (j = 0; j < l->n_teams; j++)
		fprintf(out, "  %6s", l->teams[j].team->id);
	fputc('\n', out);
	for (i = 0; i < l->n_rounds; i++) {
		fprintf(out, "%5ld  %-8s", l->rounds[i].n,
		    clock_text(l->rounds[i].at, at));
		for (j = 0; j < l->n_teams; j++)
			fprintf(out, "  %*lld", (int)(strlen(l->teams[j].team->id) >
			    6 ? strlen(l->teams[j].team->id) : 6),
			    l->rounds[i].scores[j]);
		fputc('\n', out);
	}
}

void
report_print(const struct report *r, FILE *out)
{
	static void (*const sections[])(const struct report *, FILE *) = {
		print_clock, print_scores, print_injects, print_penalties,
		print_points, print_messages, print_machines, print_rounds,
	};
	size_t i;

	print_header(r, out);
	for (i = 0; i < ARRAY_SIZE(sections); i++) {
		fputc('\n', out);
		sections[i](r, out);
	}
}
