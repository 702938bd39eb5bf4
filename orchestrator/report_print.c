/*
 * report_print.c: the report as tables for people to read. Pure: the
 * model in, text out. Every string of the journal goes through put(),
 * pad() and rpad(), never straight into a format, so that its control
 * characters are escaped (str_put_visible()) and columns still line up.
 */
#include "rangectl/report.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/units.h"
#include "rangectl/util.h"

#define PLURAL(n) ((n) == 1 ? "" : "s")

/* ---- helpers ------------------------------------------------------------ */

/*
 * Writes s, a string of the journal, its control characters escaped: a
 * report title must not clear the screen of whoever reads the report.
 * NULL writes nothing.
 */
static void
put(FILE *out, const char *s)
{
	str_put_visible(out, s);
}

/* The width put() gives s. */
static size_t
width(const char *s)
{
	return str_visible_len(s);
}

static void
spaces(FILE *out, size_t n)
{
	while (n-- > 0)
		fputc(' ', out);
}

/* s left-aligned in a column of w. */
static void
pad(FILE *out, const char *s, int w)
{
	put(out, s);
	if ((size_t)w > width(s))
		spaces(out, (size_t)w - width(s));
}

/* The width of a column headed by s, at least least. */
static int
column(const char *s, size_t least)
{
	return (int)(width(s) > least ? width(s) : least);
}

/* s right-aligned in a column of w. */
static void
rpad(FILE *out, const char *s, int w)
{
	if ((size_t)w > width(s))
		spaces(out, (size_t)w - width(s));
	put(out, s);
}

static int
widest_team_id(const struct report *r, int least)
{
	size_t i, w = (size_t)least;

	for (i = 0; i < r->sc.n_teams; i++)
		if (width(r->sc.teams[i].id) > w)
			w = width(r->sc.teams[i].id);
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
	size_t i;	/* in its list */
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

/* ---- header and clock --------------------------------------------------- */

static void
print_header(const struct report *r, FILE *out)
{
	char at[UNITS_CLOCK_SIZE], of[UNITS_CLOCK_SIZE], every[32];

	fputs("exercise ", out);
	put(out, r->name);
	if (r->title != NULL) {
		fputs(" (", out);
		put(out, r->title);
		fputc(')', out);
	}
	fputs(": ", out);
	units_format_clock(r->elapsed, at);
	units_format_clock((double)r->duration, of);
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
	char at[UNITS_CLOCK_SIZE];
	size_t i;

	fprintf(out, "clock\n");
	if (r->lists.n_clock == 0)
		fprintf(out, "  never started\n");
	for (i = 0; i < r->lists.n_clock; i++) {
		const struct report_clock *c = &r->lists.clock[i];

		fprintf(out, "  %s  ", units_format_clock(c->t, at));
		pad(out, c->state, 8);
		fputc(' ', out);
		put(out, c->reason);
		if (c->by != NULL) {
			fputs(", by ", out);
			put(out, c->by);
		}
		fputc('\n', out);
	}
}

/* ---- scores ------------------------------------------------------------- */

/* The teams of one role, by score: blue and red ranked apart, white not. */
static void
print_role_scores(const struct report *r, const struct score_team **order,
    int role, int w, FILE *out)
{
	size_t i, n = 0;
	char rank[24];

	for (i = 0; i < r->ledger.n_teams; i++)
		n += order[i]->team->role == role;
	if (n == 0)
		return;
	fprintf(out, role == ROLE_WHITE ? "%s teams (not ranked)\n" :
	    "%s teams, ranked among themselves\n", role_name(role));
	fprintf(out, "RANK  %-*s  %6s  %12s  %9s  %5s  %7s  %11s  %s%s", w,
	    "TEAM", "SCORE", "AVAILABILITY", "PENALTIES", "SLA", "REPORTS",
	    "ADJUSTMENTS", report_has_flags(r) ? " FLAGS  " : "",
	    r->ledger.outages ? "OUTAGE  NAME\n" : "NAME\n");
	for (i = 0; i < r->ledger.n_teams; i++) {
		const struct score_team *t = order[i];
		long k = score_rank(&r->ledger, (size_t)(t - r->ledger.teams));

		if (t->team->role != role)
			continue;
		if (k > 0)
			snprintf(rank, sizeof(rank), "%ld", k);
		else
			snprintf(rank, sizeof(rank), "-");
		fprintf(out, "%4s  ", rank);
		pad(out, t->team->id, w);
		fprintf(out, "  %6lld  %12lld  %9lld  %5lld  %7lld  %11lld  ",
		    score_total(t), t->availability, -t->penalties, -t->sla,
		    t->reports, t->adjustments);
		/* Flags: what red took, less what blue lost. */
		if (report_has_flags(r))
			fprintf(out, "%6lld  ", t->flags - t->flags_lost);
		/* scoring.outage's weights (format 5 on). */
		if (r->ledger.outages)
			fprintf(out, "%6lld  ", -outage_points(t->outage));
		put(out, t->team->name ? t->team->name : "-");
		fputc('\n', out);
	}
}

static void
print_scores(const struct report *r, FILE *out)
{
	const struct score_team **order = report_teams_by_score(r);
	static const int roles[] = { ROLE_BLUE, ROLE_RED, ROLE_WHITE };
	int w = widest_team_id(r, 4);
	size_t i;

	static const char *const counts[] = { "five", "six", "seven" };

	fprintf(out, "scores after %zu rounds (each score is the sum of the "
	    "%s columns after it)\n", r->ledger.n_rounds,
	    counts[report_has_flags(r) + r->ledger.outages]);
	if (r->ledger.n_teams == 0)
		fprintf(out, "  no teams\n");
	for (i = 0; i < ARRAY_SIZE(roles); i++)
		print_role_scores(r, order, roles[i], w, out);
	free(order);
}

/* ---- uptime and the SLA ------------------------------------------------- */

/* "83.3%", or "-" before any round. */
static const char *
percent_text(long up, long rounds, char *buf, size_t size)
{
	if (rounds == 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f%%", 100.0 * (double)up / (double)rounds);
	return buf;
}

static void
print_uptime_row(const struct report *r, const char *team, const char *host,
    const char *service, const struct score_uptime *u, const char *now,
    int w, int hw, FILE *out)
{
	char pct[16], longest[64], at[UNITS_CLOCK_SIZE];

	pad(out, team, w);
	fputs("  ", out);
	pad(out, host, hw);
	fputs("  ", out);
	pad(out, service, 10);
	snprintf(longest, sizeof(longest), "%ld round%s (%s)", u->longest,
	    PLURAL(u->longest), units_format_clock((double)(u->longest *
	    r->interval), at));
	fprintf(out, "  %7s  %6ld/%-6ld  %-20s  %8ld  %s\n", percent_text(u->up,
	    u->rounds, pct, sizeof(pct)), u->up, u->rounds, longest,
	    u->breaches, now);
}

static void
print_uptime(const struct report *r, FILE *out)
{
	static const char *const states[] = { "unknown", "down", "up" };
	const struct score_ledger *l = &r->ledger;
	struct score_uptime u;
	int w = widest_team_id(r, 4), hw = 4;
	size_t i, t;

	fprintf(out, "uptime: each service check's rounds passed");
	if (l->sla_after > 0)
		fprintf(out, "; SLA: %ld failed rounds in a row cost %lld "
		    "points, once per run\n", l->sla_after, l->sla_penalty);
	else
		fprintf(out, "; no SLA rule\n");
	if (l->n_checks == 0) {
		fprintf(out, "  no service checks\n");
		return;
	}
	for (i = 0; i < l->n_checks; i++)
		hw = column(l->checks[i].host, (size_t)hw);
	fprintf(out, "%-*s  %-*s  %-10s  %7s  %13s  %-20s  %8s  LAST\n", w,
	    "TEAM", hw, "HOST", "SERVICE", "UPTIME", "UP/ROUNDS",
	    "LONGEST OUTAGE", "BREACHES");
	for (t = 0; t < l->n_teams; t++) {
		score_uptime_of(l, t, NULL, &u);
		if (u.checks == 0)
			continue;
		for (i = 0; i < l->n_checks; i++) {
			const struct score_check *c = &l->checks[i];
			struct score_uptime one = { 0 };

			if (c->team != t)
				continue;
			score_uptime_add(&one, c);
			print_uptime_row(r, l->teams[t].team->id, c->host,
			    c->service, &one, states[c->state], w, hw, out);
		}
		print_uptime_row(r, l->teams[t].team->id, "all", "-", &u, "-",
		    w, hw, out);
	}
}

/* ---- outages by cause (format 5) --------------------------------------- */

/* "2 rounds (0:02:00)": failed rounds and their downtime. */
static const char *
downtime_text(long rounds, long long seconds, char *buf, size_t size)
{
	char at[UNITS_CLOCK_SIZE];

	snprintf(buf, size, "%ld round%s (%s)", rounds, PLURAL(rounds),
	    units_format_clock((double)seconds, at));
	return buf;
}

static void
print_outage_row(const char *team, const char *host, const char *service,
    const struct score_uptime *u, const char *points, int w, int hw,
    FILE *out)
{
	char a[64], b[64];

	pad(out, team, w);
	fputs("  ", out);
	pad(out, host, hw);
	fputs("  ", out);
	pad(out, service, 10);
	fprintf(out, "  %-20s  %-20s  %s\n", downtime_text(u->attack,
	    u->attack_s, a, sizeof(a)), downtime_text(u->self, u->self_s, b,
	    sizeof(b)), points);
}

/*
 * Each team's downtime split in two, the attack's and its own, per check
 * and in all, with what scoring.outage made of it; journals before
 * format 5 have none, and their reports read as they did.
 */
static void
print_outages(const struct report *r, FILE *out)
{
	const struct score_ledger *l = &r->ledger;
	char wa[UNITS_THOUSANDTHS_SIZE], ws[UNITS_THOUSANDTHS_SIZE], pts[32];
	struct score_uptime u;
	int w = widest_team_id(r, 4), hw = 4;
	size_t i, t;

	fprintf(out, "outages: each failed round is an inject's (ATTACK) or "
	    "the team's own (SELF), and stands for its round's interval; "
	    "scoring.outage weighs them %s and %s\n",
	    units_format_thousandths(l->outage_attack, wa),
	    units_format_thousandths(l->outage_self, ws));
	if (l->n_checks == 0) {
		fprintf(out, "  no service checks\n");
		return;
	}
	for (i = 0; i < l->n_checks; i++)
		hw = column(l->checks[i].host, (size_t)hw);
	fprintf(out, "%-*s  %-*s  %-10s  %-20s  %-20s  OUTAGE POINTS\n", w,
	    "TEAM", hw, "HOST", "SERVICE", "ATTACK", "SELF");
	for (t = 0; t < l->n_teams; t++) {
		score_uptime_of(l, t, NULL, &u);
		if (u.checks == 0)
			continue;
		for (i = 0; i < l->n_checks; i++) {
			struct score_uptime one = { 0 };

			if (l->checks[i].team != t)
				continue;
			score_uptime_add(&one, &l->checks[i]);
			print_outage_row(l->teams[t].team->id, l->checks[i].host,
			    l->checks[i].service, &one, "", w, hw, out);
		}
		snprintf(pts, sizeof(pts), "%lld",
		    -outage_points(l->teams[t].outage));
		print_outage_row(l->teams[t].team->id, "all", "-", &u, pts, w, hw,
		    out);
	}
}

/* ---- scenario changes --------------------------------------------------- */

static void
print_changes(const struct report *r, FILE *out)
{
	char at[UNITS_CLOCK_SIZE];
	size_t i, j;

	fprintf(out, "scenario changes accepted on a restart "
	    "(run --accept-changes)\n");
	if (r->lists.n_changes == 0)
		fprintf(out, "  none\n");
	for (i = 0; i < r->lists.n_changes; i++)
		for (j = 0; j < r->lists.changes[i].n_what; j++) {
			fprintf(out, "%-8s  ", units_format_clock(
			    r->lists.changes[i].t, at));
			put(out, r->lists.changes[i].what[j]);
			fputc('\n', out);
		}
}

/* ---- flags -------------------------------------------------------------- */

/* What each red team took and each blue team lost, then every capture. */
static void
print_flags(const struct report *r, FILE *out)
{
	const struct report_flags *f = &r->flags;
	char at[UNITS_CLOCK_SIZE];
	size_t i;

	fprintf(out, "flags: %lu value(s) given, %lu written into their "
	    "guests; %zu capture(s)\n", f->values, f->planted, f->n_captures);
	for (i = 0; i < r->ledger.n_teams; i++) {
		const struct score_team *t = &r->ledger.teams[i];

		if (t->team->role == ROLE_RED) {
			fputs("  red  ", out);
			put(out, t->team->id);
			fprintf(out, ": captured %ld, +%lld\n", t->captured,
			    t->flags);
		} else if (t->team->role == ROLE_BLUE) {
			fputs("  blue ", out);
			put(out, t->team->id);
			fprintf(out, ": lost %ld, -%lld\n", t->lost,
			    t->flags_lost);
		}
	}
	for (i = 0; i < f->n_captures; i++) {
		const struct report_capture *c = &f->captures[i];

		fprintf(out, "%-8s  ", units_format_clock(c->t, at));
		put(out, c->team);
		fputs(" took ", out);
		put(out, c->flag);
		fputs(" of ", out);
		put(out, c->host);
		fprintf(out, " (value %lld) by ", c->rotation);
		put(out, c->by ? c->by : "?");
		fprintf(out, ": +%lld, ", c->points);
		put(out, c->owner);
		fprintf(out, " -%lld\n", c->penalty);
	}
}

/* ---- coalition: detection and sharing against the truth ----------------- */

/* Inject × blue team: when each detected, shared, was warned, or missed. */
static void
print_matrix(const struct report *r, FILE *out)
{
	const struct detect_ledger *d = &r->ledger.detect;
	char cell[DETECT_CELL_MAX];
	size_t i, j;

	fputs("  inject", out);
	for (j = 0; j < r->ledger.n_teams; j++)
		if (r->ledger.teams[j].team->role == ROLE_BLUE) {
			fputs(" | ", out);
			put(out, r->ledger.teams[j].team->id);
		}
	fputc('\n', out);
	for (i = 0; i < d->n_attacks; i++) {
		if (!detect_first_of_inject(d, i))
			continue;
		fputs("  ", out);
		put(out, d->attacks[i].inject);
		for (j = 0; j < r->ledger.n_teams; j++) {
			const struct detect_attack *a;

			if (r->ledger.teams[j].team->role != ROLE_BLUE)
				continue;
			a = detect_find(d, d->attacks[i].inject,
			    r->ledger.teams[j].team->id);
			fputs(" | ", out);
			put(out, a != NULL ? detect_cell(a, cell) : "-");
		}
		fputc('\n', out);
	}
}

static void
print_detect_team(const json_t *t, FILE *out)
{
	char a[UNITS_CLOCK_SIZE], b[UNITS_CLOCK_SIZE];
	const json_t *md = json_object_get(t, "mean_detect");
	const json_t *ms = json_object_get(t, "mean_share");

	fputs("  ", out);
	put(out, json_string_value(json_object_get(t, "id")));
	fprintf(out, ": detected %lld of %lld, missed %lld, shared %lld, "
	    "warned in time %lld, warned others %lld, false indicators %lld, "
	    "mean time to detect %s, to share %s, points %+lld\n",
	    json_integer_value(json_object_get(t, "detected")),
	    json_integer_value(json_object_get(t, "attacks")),
	    json_integer_value(json_object_get(t, "missed")),
	    json_integer_value(json_object_get(t, "shared")),
	    json_integer_value(json_object_get(t, "warned")),
	    json_integer_value(json_object_get(t, "warnings")),
	    json_integer_value(json_object_get(t, "false_indicators")),
	    json_is_number(md) ? units_format_clock(json_number_value(md), a) :
	    "-", json_is_number(ms) ? units_format_clock(json_number_value(ms),
	    b) : "-", json_integer_value(json_object_get(t, "points")));
}

static void
print_coverage(const json_t *coverage, FILE *out)
{
	const json_t *row, *tech;
	size_t i, j;

	fputs("ATT&CK coverage (detected of attacks, per technique):\n", out);
	json_array_foreach(coverage, i, row) {
		fputs("  ", out);
		put(out, json_string_value(json_object_get(row, "team")));
		fputc(':', out);
		json_array_foreach(json_object_get(row, "techniques"), j, tech) {
			fprintf(out, " %s %lld/%lld", json_string_value(
			    json_object_get(tech, "id")), json_integer_value(
			    json_object_get(tech, "detected")), json_integer_value(
			    json_object_get(tech, "attacks")));
		}
		if (j == 0)
			fputs(" none", out);
		fputc('\n', out);
	}
}

static void
print_coalition(const struct report *r, FILE *out)
{
	const struct detect_rules *rules = &r->ledger.detect.rules;
	json_t *doc = detect_to_json(&r->ledger.detect), *v;
	char at[UNITS_CLOCK_SIZE];
	size_t i;

	fprintf(out, "coalition: detection and sharing against the injects' "
	    "truth; points: detection %ld (half-life %s), sharing %ld, early "
	    "warning %ld, false indicator -%ld\n", rules->points,
	    rules->half_life ? units_format_clock((double)rules->half_life, at) :
	    "none", rules->sharing, rules->early_warning,
	    rules->false_indicator);
	fputs("  (D: detected after the attack hit; S: shared with allies "
	    "after detecting; W: warned in time by)\n", out);
	print_matrix(r, out);
	json_array_foreach(json_object_get(doc, "teams"), i, v) {
		print_detect_team(v, out);
	}
	fputs("timeline:\n", out);
	json_array_foreach(json_object_get(doc, "timeline"), i, v) {
		fprintf(out, "  %-8s  %-8s  ", units_format_clock(json_number_value(
		    json_object_get(v, "t")), at), json_string_value(
		    json_object_get(v, "what")));
		put(out, json_string_value(json_object_get(v, "inject")));
		fputs("  ", out);
		put(out, json_string_value(json_object_get(v, "team")));
		fputc('\n', out);
	}
	print_coverage(json_object_get(doc, "coverage"), out);
	json_decref(doc);
}

/* ---- reverts ------------------------------------------------------------ */

static void
print_reverts(const struct report *r, FILE *out)
{
	char at[UNITS_CLOCK_SIZE];
	size_t i;

	fprintf(out, "reverts: hosts put back to their snapshot by hand\n");
	if (r->lists.n_reverts == 0)
		fprintf(out, "  none\n");
	for (i = 0; i < r->lists.n_reverts; i++) {
		const struct report_revert *v = &r->lists.reverts[i];

		fprintf(out, "%-8s  ", units_format_clock(v->t, at));
		put(out, v->host);
		fputs(" by ", out);
		put(out, v->by ? v->by : "?");
		if (v->has_ok && !v->ok) {
			fputs(", FAILED: ", out);
			put(out, v->error ? v->error : "no reason given");
		} else if (v->has_ok) {
			fputs(", done", out);
		}
		fputc('\n', out);
	}
}

/* ---- the MSEL as it happened -------------------------------------------- */

/* A result; lost: the engine said, on resuming, that it never came. */
static void
print_result(const struct report_result *res, bool lost, int w, FILE *out)
{
	fputs("      ", out);
	pad(out, res->host, w);
	if (res->ok && res->has_exit) {
		fprintf(out, "  ok      exit %lld, %.1f s\n", res->exit,
		    res->seconds);
	} else if (res->ok) {
		fprintf(out, "  ok      %.1f s\n", res->seconds);
	} else {
		fprintf(out, "  %-6s  ", lost ? "LOST" : "FAILED");
		put(out, res->error ? res->error : "no reason given");
		fputc('\n', out);
	}
}

static int
widest_target(const struct report_firing *f)
{
	size_t i, w = 4;

	for (i = 0; i < f->n_results; i++)
		if (width(f->results[i].host) > w)
			w = width(f->results[i].host);
	for (i = 0; i < f->n_targets; i++)
		if (width(f->targets[i]) > w)
			w = width(f->targets[i]);
	return (int)w;
}

static void
print_firing(const struct report_firing *f, FILE *out)
{
	char at[UNITS_CLOCK_SIZE], late[32];
	size_t i;

	fprintf(out, "    firing %ld at %s", f->n, units_format_clock(f->actual,
	    at));
	if (f->manual) {
		fputs(" by ", out);
		put(out, f->by ? f->by : "hand");
	} else if (f->late >= 1.0) {
		/* Whole seconds dropped, as the clock drops them. */
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
	for (i = 0; i < f->n_targets; i++) {
		fputs("      ", out);
		pad(out, f->targets[i], widest_target(f));
		fputs("  LOST    " REPORT_LOST "\n", out);
	}
	if (f->n_targets == 0)
		fputs("      LOST    " REPORT_LOST "\n", out);
}

static void
print_inject(const struct report_inject *inj, FILE *out)
{
	char at[UNITS_CLOCK_SIZE], at2[UNITS_CLOCK_SIZE];
	size_t i;

	fprintf(out, "%-8s  ", inj->manual ? "manual" :
	    units_format_clock((double)inj->at, at));
	put(out, inj->id);
	fputs(" (", out);
	put(out, inj->action);
	for (i = 0; i < inj->n_to; i++) {
		fputs(i ? ", " : " to ", out);
		put(out, inj->to[i]);
	}
	fputc(')', out);
	if (inj->title != NULL) {
		fputs(": ", out);
		put(out, inj->title);
	}
	fprintf(out, "%s\n", inj->listed ? "" :
	    " [not in the exercise's MSEL]");
	if (inj->moved)
		fprintf(out, "    moved: planned %s%s when the exercise began, "
		    "then %s%s by a scenario change\n", inj->moved_from < 0 ?
		    "" : "at ", inj->moved_from < 0 ? "manual" :
		    units_format_clock((double)inj->moved_from, at), inj->manual ?
		    "" : "at ", inj->manual ? "manual" : units_format_clock(
		    (double)inj->at, at2));
	if (inj->n_firings == 0)
		fprintf(out, "    not fired\n");
	for (i = 0; i < inj->n_firings; i++)
		print_firing(&inj->firings[i], out);
}

static void
print_injects(const struct report *r, FILE *out)
{
	const struct report_inject **order = report_injects_by_time(r);
	size_t i;

	fprintf(out, "injects: the MSEL as it happened\n");
	if (r->n_injects == 0)
		fprintf(out, "  none\n");
	for (i = 0; i < r->n_injects; i++)
		print_inject(order[i], out);
	free(order);
}

/* ---- penalties, one line per run of rounds ------------------------------ */

/* The widths of the host and inject columns, at least 4 and 6. */
static void
widest_in_runs(const struct report_penalty_run *runs, size_t n, int *hw,
    int *iw)
{
	size_t i, h = 4, j = 6;

	for (i = 0; i < n; i++) {
		if (width(runs[i].first->host) > h)
			h = width(runs[i].first->host);
		if (width(runs[i].first->inject) > j)
			j = width(runs[i].first->inject);
	}
	*hw = (int)h;
	*iw = (int)j;
}

static void
print_penalty_run(const struct report_penalty_run *run, int w, int hw,
    int iw, FILE *out)
{
	const struct report_penalty *p = run->first;
	char rounds[48], at[UNITS_CLOCK_SIZE];

	if (run->from == run->to)
		snprintf(rounds, sizeof(rounds), "%lld", run->from);
	else
		snprintf(rounds, sizeof(rounds), "%lld-%lld", run->from, run->to);
	fprintf(out, "%-9s  %-8s  ", rounds, units_format_clock(p->at, at));
	pad(out, p->team, w);
	fputs("  ", out);
	pad(out, p->host, hw);
	fputs("  ", out);
	pad(out, p->inject, iw);
	fprintf(out, "  %7lld  ", -run->points);
	put(out, p->reason ? p->reason : "-");
	fputc('\n', out);
}

static void
print_penalties(const struct report *r, FILE *out)
{
	size_t n, i;
	struct report_penalty_run *runs = report_penalty_runs(r, &n);
	int w = widest_team_id(r, 4), hw, iw;

	widest_in_runs(runs, n, &hw, &iw);
	fprintf(out, "penalties: active compromises, one line per run of "
	    "rounds\n");
	if (n == 0)
		fprintf(out, "  none\n");
	else
		fprintf(out, "%-9s  %-8s  %-*s  %-*s  %-*s  %7s  REASON\n",
		    "ROUNDS", "FROM", w, "TEAM", hw, "HOST", iw, "INJECT",
		    "POINTS");
	for (i = 0; i < n; i++)
		print_penalty_run(&runs[i], w, hw, iw, out);
	free(runs);
}

/* ---- reports, grades, adjustments --------------------------------------- */

enum { POINTS_REPORT, POINTS_GRADE, POINTS_ADJUSTMENT };

static void
print_incident(const struct report_incident *x, FILE *out)
{
	fprintf(out, "%6s  report ", "-");
	put(out, x->id);
	fputs(" by ", out);
	put(out, x->author ? x->author : "?");
	fputs(": ", out);
	put(out, x->title);
	if (x->inject != NULL) {
		fputs(" (on inject ", out);
		put(out, x->inject);
		fputc(')', out);
	}
}

static void
print_grade(const struct report_grade *g, FILE *out)
{
	fprintf(out, "%+6lld  %s of report ", g->points, g->regrade ?
	    "regrade (replacing the last grade)" : "grade");
	put(out, g->report);
	fputs(" by ", out);
	put(out, g->by ? g->by : "?");
	fputs(": ", out);
	put(out, g->comment ? g->comment : "no comment");
	if (g->reason != NULL) {
		fputs(" (why again: ", out);
		put(out, g->reason);
		fputc(')', out);
	}
}

static void
print_adjustment(const struct report_adjustment *j, FILE *out)
{
	fprintf(out, "%+6lld  adjustment by ", j->points);
	put(out, j->by ? j->by : "?");
	fputs(": ", out);
	put(out, j->reason);
}

/* The team of an entry of the timeline of points. */
static const char *
points_team(const struct report_lists *l, const struct entry *e)
{
	if (e->list == POINTS_REPORT)
		return l->reports[e->i].team;
	if (e->list == POINTS_GRADE)
		return l->grades[e->i].team;
	return l->adjustments[e->i].team;
}

static void
print_points_entry(const struct report_lists *l, const struct entry *e,
    int w, FILE *out)
{
	char at[UNITS_CLOCK_SIZE];

	fprintf(out, "%-8s  ", units_format_clock(e->t, at));
	pad(out, points_team(l, e), w);
	fputs("  ", out);
	if (e->list == POINTS_REPORT)
		print_incident(&l->reports[e->i], out);
	else if (e->list == POINTS_GRADE)
		print_grade(&l->grades[e->i], out);
	else
		print_adjustment(&l->adjustments[e->i], out);
	fputc('\n', out);
}

static void
print_points(const struct report *r, FILE *out)
{
	const struct report_lists *l = &r->lists;
	size_t n = l->n_reports + l->n_grades + l->n_adjustments, i, k = 0;
	struct entry *e = xcalloc(n ? n : 1, sizeof(*e));
	int w = widest_team_id(r, 4);

	for (i = 0; i < l->n_reports; i++)
		e[k++] = (struct entry){ l->reports[i].t, POINTS_REPORT, i };
	for (i = 0; i < l->n_grades; i++)
		e[k++] = (struct entry){ l->grades[i].t, POINTS_GRADE, i };
	for (i = 0; i < l->n_adjustments; i++)
		e[k++] = (struct entry){ l->adjustments[i].t, POINTS_ADJUSTMENT,
		    i };
	qsort(e, n, sizeof(*e), entry_cmp);
	fprintf(out, "reports, grades and adjustments\n");
	if (n == 0)
		fprintf(out, "  none\n");
	else
		fprintf(out, "%-8s  %-*s  %6s  WHAT\n", "AT", w, "TEAM", "POINTS");
	for (i = 0; i < n; i++)
		print_points_entry(l, &e[i], w, out);
	free(e);
}

/* ---- messages, hosts and links ------------------------------------------ */

enum { MACHINE_HOST, MACHINE_LINK };

static void
print_messages(const struct report *r, FILE *out)
{
	char at[UNITS_CLOCK_SIZE];
	size_t i, j;

	fprintf(out, "messages\n");
	if (r->lists.n_messages == 0)
		fprintf(out, "  none\n");
	for (i = 0; i < r->lists.n_messages; i++) {
		const struct report_message *m = &r->lists.messages[i];

		fprintf(out, "%-8s  to ", units_format_clock(m->t, at));
		for (j = 0; j < m->n_to; j++) {
			fputs(j ? ", " : "", out);
			put(out, m->to[j]);
		}
		if (m->inject != NULL) {
			fputs(", from inject ", out);
			put(out, m->inject);
		}
		if (m->from != NULL) {
			fputs(", sender ", out);
			put(out, m->from);
		}
		if (m->by != NULL) {
			fputs(", by ", out);
			put(out, m->by);
		}
		fputs(": ", out);
		put(out, m->text);
		fputc('\n', out);
	}
}

static void
print_host(const struct report_host *h, FILE *out)
{
	put(out, h->name);
	fputc(' ', out);
	put(out, h->state);
	if (h->reason != NULL) {
		fputs(": ", out);
		put(out, h->reason);
	}
}

static void
print_link(const struct report_link *k, FILE *out)
{
	put(out, k->host);
	fputs(" link to ", out);
	put(out, k->network);
	fputs(k->up ? " up" : " down", out);
	if (k->inject != NULL) {
		fputs(" (inject ", out);
		put(out, k->inject);
		fputc(')', out);
	}
	if (k->has_ok && !k->ok) {
		fputs(", FAILED: ", out);
		put(out, k->error ? k->error : "no reason given");
	}
}

static void
print_machines(const struct report *r, FILE *out)
{
	const struct report_lists *l = &r->lists;
	size_t n = l->n_hosts + l->n_links, i, k = 0;
	struct entry *e = xcalloc(n ? n : 1, sizeof(*e));
	char at[UNITS_CLOCK_SIZE];

	for (i = 0; i < l->n_hosts; i++)
		e[k++] = (struct entry){ l->hosts[i].t, MACHINE_HOST, i };
	for (i = 0; i < l->n_links; i++)
		e[k++] = (struct entry){ l->links[i].t, MACHINE_LINK, i };
	qsort(e, n, sizeof(*e), entry_cmp);
	fprintf(out, "hosts and links\n");
	if (n == 0)
		fprintf(out, "  none\n");
	for (i = 0; i < n; i++) {
		fprintf(out, "%-8s  ", units_format_clock(e[i].t, at));
		if (e[i].list == MACHINE_HOST)
			print_host(&l->hosts[e[i].i], out);
		else
			print_link(&l->links[e[i].i], out);
		fputc('\n', out);
	}
	free(e);
}

/* ---- rounds ------------------------------------------------------------- */

static void
print_rounds(const struct report *r, FILE *out)
{
	const struct score_ledger *l = &r->ledger;
	char at[UNITS_CLOCK_SIZE];
	size_t i, j;

	fprintf(out, "rounds: each team's score after it\n");
	if (l->n_rounds == 0) {
		fprintf(out, "  none\n");
		return;
	}
	fprintf(out, "ROUND  %-8s", "AT");
	for (j = 0; j < l->n_teams; j++) {
		fputs("  ", out);
		rpad(out, l->teams[j].team->id, 6);
	}
	fputc('\n', out);
	for (i = 0; i < l->n_rounds; i++) {
		fprintf(out, "%5ld  %-8s", l->rounds[i].n,
		    units_format_clock(l->rounds[i].at, at));
		for (j = 0; j < l->n_teams; j++)
			fprintf(out, "  %*lld", column(l->teams[j].team->id, 6),
			    l->rounds[i].scores[j]);
		fputc('\n', out);
	}
}

/*
 * Each team's digest of its range, as the journal's last range event
 * gives them and saying where they come from; report_print() leaves the
 * section out of a journal without one.
 */
static void
print_range(const struct report *r, FILE *out)
{
	const json_t *t, *differ = json_object_get(r->range, "differ");
	char at[UNITS_CLOCK_SIZE];
	int w = widest_team_id(r, 4);
	size_t i;

	fprintf(out, "range: each team's SHA-256 digest of its range, as "
	    "rangectl run journaled it at its last start (%s); rangectl verify "
	    "STATE recomputes them\n", units_format_clock(json_real_value(
	    json_object_get(r->range, "t")), at));
	fprintf(out, "%-*s  %-64s  LIVE\n", w, "TEAM", "DIGEST");
	json_array_foreach(json_object_get(r->range, "teams"), i, t) {
		const char *live = json_string_value(json_object_get(t, "live"));

		fprintf(out, "%-*s  %-64s  %s\n", w, json_string_value(
		    json_object_get(t, "team")), json_string_value(
		    json_object_get(t, "digest")), live ? live : "-");
	}
	if (json_array_size(differ) == 0)
		fprintf(out, "  every team got its role's range\n");
	json_array_foreach(differ, i, t) {
		fprintf(out, "  differs: %s\n", json_string_value(t));
	}
}

void
report_print(const struct report *r, FILE *out)
{
	static void (*const sections[])(const struct report *, FILE *) = {
		print_clock, print_scores, print_uptime, print_outages,
		print_injects,
		print_penalties, print_points, print_messages, print_machines,
		print_flags, print_coalition, print_range, print_reverts,
		print_changes, print_rounds,
	};
	size_t i;

	print_header(r, out);
	for (i = 0; i < ARRAY_SIZE(sections); i++) {
		/* Only with flags, so that other reports read as they did. */
		if (sections[i] == print_flags && !report_has_flags(r))
			continue;
		/* Only from format 5 on, for the same reason. */
		if (sections[i] == print_outages && !r->ledger.outages)
			continue;
		/* Only where detection was measured, for the same reason. */
		if (sections[i] == print_coalition && !r->ledger.detecting)
			continue;
		/* Only with a range event (format 5), for the same reason. */
		if (sections[i] == print_range && r->range == NULL)
			continue;
		fputc('\n', out);
		sections[i](r, out);
	}
}
