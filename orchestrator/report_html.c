/*
 * report_html.c: the after-action report as one self-contained HTML page.
 *
 * Pure: the model (struct report) in, HTML out. The page holds the very
 * data of `report --json` (report_json.c renders the same model):
 * nothing is counted again here, only laid out, in the orders of
 * report_layout.c (penalties grouped into runs of rounds, the MSEL in
 * time order, teams by score). The page needs nothing beyond itself: the
 * style is inline, the score chart is inline SVG, there is no script and
 * no link to any other resource. Every string of the journal is escaped,
 * since trainees write report titles and bodies, and control writes
 * reasons. The output depends on the journal alone (no clock, no random
 * ids), so that it can be compared with a golden file.
 */
#include "rangectl/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/units.h"
#include "rangectl/util.h"

/* What is shown of an exec's output, and the rest said in a note. */
#define HTML_OUT_BYTES 1000
#define HTML_OUT_LINES 12

/* ---- small helpers ------------------------------------------------------ */

/*
 * Writes n bytes of s escaped for HTML text and attribute values alike.
 * Control characters other than tab and line ends, which HTML does not
 * allow, become U+FFFD: C0, DEL, and C1 (U+0080..U+009F, the two bytes
 * C2 80..C2 9F); jansson has checked that the text is UTF-8.
 */
static void
html_escape(FILE *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0xc2 && i + 1 < n &&
		    ((unsigned char)s[i + 1] & 0xe0) == 0x80) {
			fputs("\xef\xbf\xbd", out);
			i++;
			continue;
		}
		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		case '\t': case '\n': case '\r': fputc(c, out); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fputs("\xef\xbf\xbd", out);
			else
				fputc(c, out);
		}
	}
}

/* What a cell shows for a value that is not there. */
static const char html_dash[] = "<span class=\"none\">—</span>";

/* Writes s escaped; NULL as otherwise, which is trusted HTML. */
static void
html_text(FILE *out, const char *s, const char *otherwise)
{
	if (s != NULL)
		html_escape(out, s, strlen(s));
	else
		fputs(otherwise, out);
}

/* <td class="cls">s</td>, s escaped, "—" when NULL. */
static void
html_td(FILE *out, const char *cls, const char *s)
{
	if (cls != NULL)
		fprintf(out, "<td class=\"%s\">", cls);
	else
		fputs("<td>", out);
	html_text(out, s, html_dash);
	fputs("</td>", out);
}

static void
html_td_clock(FILE *out, double t)
{
	char at[UNITS_CLOCK_SIZE];

	fprintf(out, "<td class=\"num\">%s</td>", units_format_clock(t, at));
}

/*
 * A number of points as text, with a true minus sign (U+2212) when
 * negative and, when plus, a plus sign when positive.
 */
#define POINTS_TEXT 32
static const char *
points_text(long long v, bool plus, char *buf)
{
	const char *sign = v < 0 ? "\u2212" : plus && v > 0 ? "+" : "";

	/* Negated as unsigned, which LLONG_MIN survives. */
	snprintf(buf, POINTS_TEXT, "%s%llu", sign, v < 0 ?
	    0ULL - (unsigned long long)v : (unsigned long long)v);
	return buf;
}

/* Points with their sign, as the scores table and the lists give them. */
static void
html_td_points(FILE *out, long long points)
{
	char buf[POINTS_TEXT];

	fprintf(out, "<td class=\"num\">%s</td>", points_text(points, true,
	    buf));
}

/* A list of strings as "a, b, c", escaped; "—" when empty. */
static void
html_list(FILE *out, char *const *items, size_t n)
{
	size_t i;

	if (n == 0)
		fputs(html_dash, out);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", out);
		html_text(out, items[i], "");
	}
}

/*
 * Opens a table with its header cells, a "#" before a heading for a
 * column of numbers, aligned right; and its body, if body.
 */
static void
table_open(FILE *out, const char *cls, const char *const *heads, size_t n,
    bool body)
{
	size_t i;

	fprintf(out, "<table class=\"%s\">\n<thead><tr>", cls);
	for (i = 0; i < n; i++)
		if (heads[i][0] == '#')
			fprintf(out, "<th class=\"num\">%s</th>", heads[i] + 1);
		else
			fprintf(out, "<th>%s</th>", heads[i]);
	fputs(body ? "</tr></thead>\n<tbody>\n" : "</tr></thead>\n", out);
}

static void
table_close(FILE *out)
{
	fputs("</tbody>\n</table>\n", out);
}

/* <section id=id><h2>title</h2>, and "none" when the list is empty. */
static bool
section_open(FILE *out, const char *id, const char *title, size_t n)
{
	fprintf(out, "\n<section id=\"%s\">\n<h2>%s</h2>\n", id, title);
	if (n == 0)
		fputs("<p class=\"none\">None.</p>\n</section>\n", out);
	return n > 0;
}

/* ---- teams: colours and dashes ------------------------------------------ */

/*
 * The Okabe-Ito palette, which readers with colour blindness can tell
 * apart, darkened where it is too light on white; with seven dash
 * patterns, which cycle independently, so that no two of 56 teams have
 * both alike, and the chart reads in black and white.
 */
static const char *const team_colors[] = {
	"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#b07d00", "#56b4e9",
	"#000000", "#7a5195",
};
static const char *const team_dashes[] = {
	"", "10 5", "3 4", "12 4 3 4", "6 6", "1.5 3.5", "16 4 3 4 3 4",
};

static const char *
team_color(size_t i)
{
	return team_colors[i % ARRAY_SIZE(team_colors)];
}

static const char *
team_dash(size_t i)
{
	return team_dashes[i % ARRAY_SIZE(team_dashes)];
}

/* Opens an element drawn in team i's line; the caller closes it. */
static void
team_stroke(FILE *out, const char *element, size_t i)
{
	fprintf(out, "<%s fill=\"none\" stroke=\"%s\" stroke-width=\"3\"",
	    element, team_color(i));
	if (team_dash(i)[0] != '\0')
		fprintf(out, " stroke-dasharray=\"%s\"", team_dash(i));
}

/* The sample of a team's line, for the legend and the scores table. */
static void
team_swatch(FILE *out, size_t i)
{
	fputs("<svg class=\"swatch\" width=\"44\" height=\"12\" "
	    "viewBox=\"0 0 44 12\" aria-hidden=\"true\">", out);
	team_stroke(out, "line", i);
	fputs(" x1=\"1\" y1=\"6\" x2=\"43\" y2=\"6\"/></svg>", out);
}

static const char html_style[] =
	":root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--zebra:#f3f5f7;"
	"--ok:#1a7f37;--bad:#b42318;--warn:#8a5a00}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0 auto;max-width:80rem;padding:1.5rem 2rem 3rem;"
	"color:var(--fg);background:#fff;font:18px/1.45 system-ui,"
	"-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",\"DejaVu Sans\","
	"sans-serif}\n"
	"h1{font-size:2.1rem;line-height:1.2;margin:0}\n"
	"h2{font-size:1.45rem;margin:2.4rem 0 .6rem;padding-bottom:.2rem;"
	"border-bottom:2px solid var(--fg)}\n"
	".sub{color:var(--muted);margin:.2rem 0 1rem}\n"
	"section{overflow-x:auto}\n"
	".banner{margin:1rem 0;padding:.7rem 1rem;border-left:.4rem solid "
	"var(--warn);background:#fdf6e3;font-weight:600}\n"
	".banner.ended{border-color:var(--ok);background:#eef7f0}\n"
	".banner.interrupted{border-color:var(--bad);background:#fdf0ef}\n"
	"dl.facts{display:grid;grid-template-columns:repeat(auto-fill,"
	"minmax(12rem,1fr));gap:.6rem 1.5rem;margin:1rem 0}\n"
	"dl.facts div{border-top:1px solid var(--line);padding-top:.3rem}\n"
	"dl.facts dt{font-size:.8rem;color:var(--muted);"
	"text-transform:uppercase;letter-spacing:.04em}\n"
	"dl.facts dd{margin:0;font-size:1.2rem;font-weight:600}\n"
	"nav ul{list-style:none;padding:0;margin:1rem 0;display:flex;"
	"flex-wrap:wrap;gap:.3rem 1.2rem}\n"
	"a{color:#0550ae}\n"
	"table{border-collapse:collapse;margin:.5rem 0 1rem;"
	"font-variant-numeric:tabular-nums}\n"
	"table.msel,table.scores{width:100%}\n"
	"th,td{text-align:left;vertical-align:top;padding:.35rem .6rem;"
	"border-bottom:1px solid var(--line)}\n"
	"thead th{border-bottom:2px solid var(--fg);font-size:.8rem;"
	"text-transform:uppercase;letter-spacing:.03em;white-space:nowrap}\n"
	"table:not(.msel) tbody tr:nth-child(even),table.msel "
	"tbody:nth-of-type(even){background:var(--zebra)}\n"
	"table.msel tbody{border-bottom:2px solid var(--line)}\n"
	".num{text-align:right;white-space:nowrap}\n"
	"td.score{font-weight:700;font-size:1.15em}\n"
	".ok{color:var(--ok);font-weight:700}\n"
	".failed{color:var(--bad);font-weight:700}\n"
	".lost{color:var(--warn);font-weight:700}\n"
	".none{color:var(--muted);font-style:italic}\n"
	".id{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;"
	"font-size:.92em}\n"
	"td.id,td.team,td.fired,td.result{white-space:nowrap}\n"
	"th .id{text-transform:none;letter-spacing:0;font-size:1rem}\n"
	"td.inject{min-width:11rem}\n"
	".msel .note{font-size:.8rem}\n"
	".note{color:var(--muted);font-size:.9rem}\n"
	"pre{margin:.25rem 0;padding:.3rem .5rem;max-width:42rem;"
	"white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;"
	"border:1px solid var(--line);border-radius:3px;"
	"font:.8rem/1.35 ui-monospace,\"DejaVu Sans Mono\",monospace}\n"
	"pre.err{border-color:#f0b8b2}\n"
	".body{white-space:pre-wrap;overflow-wrap:anywhere;margin-top:.2rem}\n"
	"svg.swatch{vertical-align:middle;margin-right:.4rem}\n"
	"figure{margin:.5rem 0 1rem}\n"
	"svg.chart{display:block;width:100%;height:auto;max-height:70vh}\n"
	"svg.chart text{font-family:system-ui,\"DejaVu Sans\",sans-serif;"
	"font-size:13px;fill:#333}\n"
	"svg.chart text.title{font-size:14px}\n"
	"svg.chart text.label{font-size:14px;font-weight:700}\n"
	"svg.chart text.halo{stroke:#fff;stroke-width:4px;paint-order:stroke}\n"
	"svg.chart line{stroke-width:1}\n"
	"svg.chart .grid{stroke:#e1e4e8}\n"
	"svg.chart .axis{stroke:#333}\n"
	"svg.chart .zero{stroke:#555;stroke-width:1.5}\n"
	"svg.chart .stop{stroke:#57606a;stroke-width:1.5;"
	"stroke-dasharray:4 4}\n"
	"ul.legend{list-style:none;padding:0;margin:.5rem 0;display:flex;"
	"flex-wrap:wrap;gap:.4rem 1.6rem}\n"
	"figcaption{color:var(--muted);font-size:.9rem}\n"
	"footer{margin-top:3rem;color:var(--muted);font-size:.85rem}\n"
	"td.cell{white-space:nowrap}\n"
	"td.cell.detected{background:#e3f4e8}\n"
	"td.cell.missed{background:#fbe4e4}\n"
	"td.cell.pending,td.cell.none{color:#767676}\n"
	"@media (max-width:60rem){\n"
	"body{padding:1rem}\n"
	"thead th{white-space:normal;text-transform:none;letter-spacing:0}\n"
	"td.inject{min-width:8rem}\n"
	"table.scores{font-size:.85em}\n"
	"svg.swatch{width:28px}\n"
	"}\n"
	"@media print{\n"
	"body{font-size:10.5pt;max-width:none;padding:0}\n"
	"section{overflow:visible}\n"
	"th,td{padding:.25rem .4rem}\n"
	"thead th{white-space:normal;text-transform:none;letter-spacing:0}\n"
	"td.inject{min-width:8rem}\n"
	"svg.swatch{width:28px}\n"
	"nav{display:none}\n"
	"h2{break-after:avoid;page-break-after:avoid}\n"
	"tr,pre,figure,.banner{break-inside:avoid;page-break-inside:avoid}\n"
	"thead{display:table-header-group}\n"
	"svg.chart{max-height:none}\n"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"a{color:inherit;text-decoration:none}\n"
	"@page{margin:14mm}\n"
	"}\n";

static void
print_head(const struct report *r, FILE *out)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"rangectl report\">\n"
	    "<title>After-action report: ", out);
	html_text(out, r->title ? r->title : r->name, "");
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n",
	    html_style);
}

/* The banner: how far the clock went, and whether the run was cut. */
static void
print_banner(const struct report *r, FILE *out)
{
	char at[UNITS_CLOCK_SIZE], of[UNITS_CLOCK_SIZE];

	units_format_clock(r->elapsed, at);
	units_format_clock((double)r->duration, of);
	if (strcmp(r->state, "pending") == 0)
		fputs("<p class=\"banner pending\">Pending: the clock never "
		    "started.</p>\n", out);
	else if (r->interrupted)
		fprintf(out, "<p class=\"banner interrupted\">Interrupted at "
		    "%s of %s: the journal ends while the clock was running, "
		    "so rangectl stopped before the end (run it again with the "
		    "same --state folder to resume).</p>\n", at, of);
	else if (strcmp(r->state, "ended") == 0)
		fprintf(out, "<p class=\"banner ended\">Ended at %s of %s."
		    "</p>\n", at, of);
	else
		fprintf(out, "<p class=\"banner\">%s at %s of %s.</p>\n",
		    strcmp(r->state, "paused") == 0 ? "Paused" : "Running", at,
		    of);
}

static void
fact(FILE *out, const char *term, const char *value)
{
	fprintf(out, "<div><dt>%s</dt><dd>", term);
	html_text(out, value, "—");
	fputs("</dd></div>\n", out);
}

static void
print_facts(const struct report *r, FILE *out)
{
	char buf[96], a[UNITS_CLOCK_SIZE], b[UNITS_CLOCK_SIZE], every[32];
	size_t i, fired = 0;

	for (i = 0; i < r->n_injects; i++)
		fired += r->injects[i].n_firings > 0;
	fputs("<dl class=\"facts\">\n", out);
	fact(out, "Exercise", r->name);
	fact(out, "State", r->interrupted ? "interrupted" : r->state);
	snprintf(buf, sizeof(buf), "%s of %s", units_format_clock(r->elapsed,
	    a), units_format_clock((double)r->duration, b));
	fact(out, "Elapsed", buf);
	units_format_duration(r->duration, buf, sizeof(buf));
	fact(out, "Duration", buf);
	units_format_duration(r->interval, every, sizeof(every));
	snprintf(buf, sizeof(buf), "%zu, one every %s", r->ledger.n_rounds,
	    every);
	fact(out, "Scoring rounds", buf);
	units_format_duration(r->timeout, buf, sizeof(buf));
	fact(out, "Check timeout", buf);
	snprintf(buf, sizeof(buf), "%zu", r->ledger.n_teams);
	fact(out, "Teams", buf);
	snprintf(buf, sizeof(buf), "%zu, %zu fired", r->n_injects, fired);
	fact(out, "Injects", buf);
	snprintf(buf, sizeof(buf), "%llu", r->events);
	fact(out, "Journal events", buf);
	fputs("</dl>\n", out);
}

static const char *const html_sections[][2] = {
	{ "scores", "Scores" }, { "uptime", "Service uptime" },
	{ "outages", "Outages by cause" },
	{ "chart", "Score over time" },
	{ "msel", "The MSEL as it happened" }, { "penalties", "Penalties" },
	{ "reports", "Incident reports" }, { "grades", "Grades" },
	{ "adjustments", "Adjustments" }, { "messages", "Messages" },
	{ "hosts", "Host state changes" }, { "links", "Link events" },
	{ "flags", "Flags" }, { "coalition", "Coalition: detection and sharing" },
	{ "range", "The same range for every team" },
	{ "reverts", "Reverts" }, { "changes", "Scenario changes" },
	{ "clock", "Clock" },
	{ "rounds", "Scores after each round" },
};

static void
print_header(const struct report *r, FILE *out)
{
	size_t i;

	fputs("<header>\n<h1>", out);
	html_text(out, r->title ? r->title : r->name, "");
	fputs("</h1>\n<p class=\"sub\">After-action report of exercise "
	    "<span class=\"id\">", out);
	html_text(out, r->name, "");
	fputs("</span>, from its journal</p>\n", out);
	print_banner(r, out);
	print_facts(r, out);
	fputs("</header>\n<nav aria-label=\"Contents\"><ul>\n", out);
	for (i = 0; i < ARRAY_SIZE(html_sections); i++)
		if ((strcmp(html_sections[i][0], "flags") != 0 ||
		    report_has_flags(r)) && (strcmp(html_sections[i][0],
		    "outages") != 0 || r->ledger.outages) &&
		    (strcmp(html_sections[i][0], "coalition") != 0 ||
		    r->ledger.detecting) && (strcmp(html_sections[i][0],
		    "range") != 0 || r->range != NULL))
			fprintf(out, "<li><a href=\"#%s\">%s</a></li>\n",
			    html_sections[i][0], html_sections[i][1]);
	fputs("</ul></nav>\n", out);
}

/* ---- scores ------------------------------------------------------------- */

/* The teams of one role, by score: blue and red ranked apart, white not. */
static void
print_role_scores(const struct report *r, const struct score_team **order,
    int role, FILE *out)
{
	static const char *const all[] = { "#Rank", "Team", "Name",
		"#Score", "#Availability", "#Penalties", "#SLA", "#Reports",
		"#Adjustments" };
	const char *heads[ARRAY_SIZE(all) + 2];
	size_t n_heads = ARRAY_SIZE(all);

	/*
	 * The flags' column only when the exercise had flags, the outage's
	 * (scoring.outage) from format 5 on.
	 */
	memcpy(heads, all, sizeof(all));
	if (report_has_flags(r))
		heads[n_heads++] = "#Flags";
	if (r->ledger.outages)
		heads[n_heads++] = "#Outage";
	char buf[POINTS_TEXT];
	size_t i, n = 0;
	long k;

	for (i = 0; i < r->ledger.n_teams; i++)
		n += order[i]->team->role == role;
	if (n == 0)
		return;
	fprintf(out, role == ROLE_WHITE ? "<h3>%s teams (not ranked)</h3>\n" :
	    "<h3>%s teams, ranked among themselves</h3>\n", role == ROLE_BLUE ?
	    "Blue" : role == ROLE_RED ? "Red" : "White");
	table_open(out, "scores", heads, n_heads, true);
	for (i = 0; i < r->ledger.n_teams; i++) {
		const struct score_team *t = order[i];

		if (t->team->role != role)
			continue;
		k = score_rank(&r->ledger, (size_t)(t - r->ledger.teams));
		if (k > 0)
			fprintf(out, "<tr><td class=\"num\">%ld</td>", k);
		else
			fprintf(out, "<tr><td class=\"num\">%s</td>", html_dash);
		fputs("<td class=\"team\">", out);
		/* Its colour is its place in the exercise's order. */
		team_swatch(out, (size_t)(t - r->ledger.teams));
		fputs("<span class=\"id\">", out);
		html_text(out, t->team->id, "");
		fputs("</span></td>", out);
		html_td(out, NULL, t->team->name);
		fprintf(out, "<td class=\"num score\">%s</td><td class=\"num\">"
		    "%lld</td>", points_text(score_total(t), false, buf),
		    t->availability);
		html_td_points(out, -t->penalties);
		html_td_points(out, -t->sla);
		html_td_points(out, t->reports);
		html_td_points(out, t->adjustments);
		if (report_has_flags(r))
			html_td_points(out, t->flags - t->flags_lost);
		if (r->ledger.outages)
			html_td_points(out, -outage_points(t->outage));
		fputs("</tr>\n", out);
	}
	table_close(out);
}

static void
print_scores(const struct report *r, FILE *out)
{
	static const int roles[] = { ROLE_BLUE, ROLE_RED, ROLE_WHITE };
	const struct score_team **order = report_teams_by_score(r);
	size_t i;

	if (!section_open(out, "scores", "Scores", r->ledger.n_teams))
		goto cleanup;
	fprintf(out, "<p class=\"note\">Each score is availability − "
	    "penalties − SLA + reports + adjustments%s%s. Blue teams are ranked among blue "
	    "teams, red among red; white teams are not ranked.</p>\n",
	    report_has_flags(r) ? " + flags taken − flags lost" : "",
	    r->ledger.outages ? " − outage (what scoring.outage weighs)" : "");
	for (i = 0; i < ARRAY_SIZE(roles); i++)
		print_role_scores(r, order, roles[i], out);
	fputs("</section>\n", out);
cleanup:
	free(order);
}

/* ---- uptime ------------------------------------------------------------- */

static void
print_uptime_row(const struct report *r, const char *team, const char *host,
    const char *service, const struct score_uptime *u, const char *now,
    FILE *out)
{
	char at[UNITS_CLOCK_SIZE];

	fputs("<tr>", out);
	html_td(out, "id", team);
	html_td(out, "id", host);
	html_td(out, "id", service);
	if (u->rounds > 0)
		fprintf(out, "<td class=\"num\">%.1f%%</td>", 100.0 *
		    (double)u->up / (double)u->rounds);
	else
		fprintf(out, "<td class=\"num\">%s</td>", html_dash);
	fprintf(out, "<td class=\"num\">%ld / %ld</td><td class=\"num\">%ld "
	    "(%s)</td><td class=\"num\">%ld</td>", u->up, u->rounds,
	    u->longest, units_format_clock((double)(u->longest * r->interval),
	    at), u->breaches);
	html_td(out, now[0] ? now : NULL, now[0] ? now : NULL);
	fputs("</tr>\n", out);
}

static void
print_uptime(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "Team", "Host", "Service",
		"#Uptime", "#Rounds passed", "#Longest outage (rounds)",
		"#SLA breaches", "Last round" };
	static const char *const states[] = { "unknown", "down", "up" };
	const struct score_ledger *l = &r->ledger;
	struct score_uptime u;
	size_t i, t;

	if (!section_open(out, "uptime", "Service uptime", l->n_checks))
		return;
	if (l->sla_after > 0)
		fprintf(out, "<p class=\"note\">SLA: %ld failed rounds in a row "
		    "of one check cost its team %lld points, once per run.</p>\n",
		    l->sla_after, l->sla_penalty);
	else
		fputs("<p class=\"note\">No SLA rule.</p>\n", out);
	table_open(out, "uptime", heads, ARRAY_SIZE(heads), true);
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
			    c->service, &one, states[c->state], out);
		}
		print_uptime_row(r, l->teams[t].team->id, "all", NULL, &u, "",
		    out);
	}
	table_close(out);
	fputs("</section>\n", out);
}

/* ---- outages by cause (format 5) --------------------------------------- */

static void
html_td_downtime(FILE *out, long rounds, long long seconds)
{
	char at[UNITS_CLOCK_SIZE];

	fprintf(out, "<td class=\"num\">%ld (%s)</td>", rounds,
	    units_format_clock((double)seconds, at));
}

static void
print_outage_row(const char *team, const char *host, const char *service,
    const struct score_uptime *u, const long long *points, FILE *out)
{
	fputs("<tr>", out);
	html_td(out, "id", team);
	html_td(out, "id", host);
	html_td(out, "id", service);
	html_td_downtime(out, u->attack, u->attack_s);
	html_td_downtime(out, u->self, u->self_s);
	if (points != NULL)
		html_td_points(out, *points);
	else
		html_td(out, NULL, NULL);
	fputs("</tr>\n", out);
}

/*
 * Each team's downtime split in two, per check and in all (format 5 on;
 * older journals' pages read as they did).
 */
static void
print_outages(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "Team", "Host", "Service",
		"#Attack: rounds (downtime)", "#Self: rounds (downtime)",
		"#Outage points" };
	const struct score_ledger *l = &r->ledger;
	char wa[UNITS_THOUSANDTHS_SIZE], ws[UNITS_THOUSANDTHS_SIZE];
	struct score_uptime u;
	long long pts;
	size_t i, t;

	if (!l->outages || !section_open(out, "outages", "Outages by cause",
	    l->n_checks))
		return;
	fprintf(out, "<p class=\"note\">Each failed round is an inject's "
	    "(attack) or the team's own (self), and stands for its round's "
	    "interval; scoring.outage weighs them %s and %s.</p>\n",
	    units_format_thousandths(l->outage_attack, wa),
	    units_format_thousandths(l->outage_self, ws));
	table_open(out, "outages", heads, ARRAY_SIZE(heads), true);
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
			    l->checks[i].service, &one, NULL, out);
		}
		pts = -outage_points(l->teams[t].outage);
		print_outage_row(l->teams[t].team->id, "all", NULL, &u, &pts, out);
	}
	table_close(out);
	fputs("</section>\n", out);
}

/* ---- the chart ---------------------------------------------------------- */

/* The plot's box within the SVG's viewBox. */
#define CHART_W 960
#define CHART_H 420
#define CHART_LEFT 70
#define CHART_RIGHT 130
#define CHART_TOP 20
#define CHART_BOTTOM 56
#define CHART_BASE (CHART_H - CHART_BOTTOM)
#define CHART_LABEL_GAP 15.0	/* least distance between end labels */

struct chart {
	double xmax;	/* exercise seconds at the right edge */
	double lo, hi;	/* scores at the bottom and top edges */
	double ystep;	/* between y ticks */
	const struct score_ledger *l;	/* its rounds and teams, not empty */
	double end;	/* of the journal: a last point after the rounds */
	const char *stop;	/* how the journal ends: "interrupted"... */
};

static double
chart_x(const struct chart *c, double t)
{
	return CHART_LEFT + t / c->xmax * (CHART_W - CHART_LEFT - CHART_RIGHT);
}

static double
chart_y(const struct chart *c, double v)
{
	return CHART_TOP + (c->hi - v) / (c->hi - c->lo) *
	    (CHART_BASE - CHART_TOP);
}

/* The last round's time. */
static double
chart_last_at(const struct chart *c)
{
	return c->l->rounds[c->l->n_rounds - 1].at;
}

/* 1, 2 or 5 times a power of ten, the least at least raw. */
static double
nice_step(double raw)
{
	double p = pow(10.0, floor(log10(raw)));

	if (raw <= p)
		return p;
	if (raw <= 2 * p)
		return 2 * p;
	return raw <= 5 * p ? 5 * p : 10 * p;
}

/* Sets the y range over 0 and every score the chart shows. */
static void
chart_y_range(struct chart *c)
{
	double lo = 0, hi = 0, v;
	size_t i, j;

	for (j = 0; j < c->l->n_teams; j++) {
		for (i = 0; i < c->l->n_rounds; i++) {
			v = (double)c->l->rounds[i].scores[j];
			lo = fmin(lo, v);
			hi = fmax(hi, v);
		}
		v = (double)score_total(&c->l->teams[j]);
		lo = fmin(lo, v);
		hi = fmax(hi, v);
	}
	if (hi - lo < 5)
		hi = lo + 5;
	c->ystep = nice_step((hi - lo) / 6);
	c->lo = floor(lo / c->ystep) * c->ystep;
	c->hi = ceil(hi / c->ystep) * c->ystep;
}

/* The chart of r, whose rounds and teams must not be empty. */
static void
chart_init(struct chart *c, const struct report *r)
{
	c->l = &r->ledger;
	c->end = fmax(chart_last_at(c), r->elapsed);
	c->xmax = fmax(c->end, (double)r->duration);
	if (c->xmax <= 0)
		c->xmax = 60;
	c->stop = r->interrupted ? "interrupted" : r->state;
	chart_y_range(c);
}

/* A step between x ticks, in seconds, for at most ten of them. */
static long
chart_x_step(double xmax)
{
	static const long steps[] = { 10, 15, 30, 60, 120, 300, 600, 900,
		1200, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(steps); i++)
		if (xmax / (double)steps[i] <= 10)
			return steps[i];
	return (long)ceil(xmax / 10 / 86400) * 86400;
}

/* A line of the chart; cls names its style. */
static void
svg_line(FILE *out, double x1, double y1, double x2, double y2,
    const char *cls)
{
	fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "class=\"%s\"/>\n", x1, y1, x2, y2, cls);
}

static void
chart_x_axis(const struct chart *c, FILE *out)
{
	long step = chart_x_step(c->xmax), t;
	char at[UNITS_CLOCK_SIZE];
	double x;

	for (t = 0; t <= (long)c->xmax; t += step) {
		x = chart_x(c, (double)t);
		/* H:MM:SS, or H:MM when every tick is a whole minute. */
		units_format_clock((double)t, at);
		if (step % 60 == 0)
			at[strlen(at) - 3] = '\0';
		if (t > 0)
			svg_line(out, x, CHART_TOP, x, CHART_BASE, "grid");
		svg_line(out, x, CHART_BASE, x, CHART_BASE + 5, "axis");
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
		    "%s</text>\n", x, CHART_BASE + 20, at);
	}
	svg_line(out, CHART_LEFT, CHART_BASE, CHART_W - CHART_RIGHT,
	    CHART_BASE, "axis");
	fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"title\" text-anchor="
	    "\"middle\">exercise time (%s)</text>\n", (CHART_LEFT + CHART_W -
	    CHART_RIGHT) / 2, CHART_H - 8, step % 60 ? "h:mm:ss" : "h:mm");
}

static void
chart_y_axis(const struct chart *c, FILE *out)
{
	long k, n = lround((c->hi - c->lo) / c->ystep);
	char buf[POINTS_TEXT];
	double v, y;

	for (k = 0; k <= n; k++) {
		v = c->lo + (double)k * c->ystep;
		y = chart_y(c, v);
		/* The zero line stands out: negative scores are below it. */
		svg_line(out, CHART_LEFT - 5, y, CHART_W - CHART_RIGHT, y,
		    llround(v) == 0 ? "zero" : "grid");
		fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s"
		    "</text>\n", CHART_LEFT - 9, y + 4.5,
		    points_text(llround(v), false, buf));
	}
	svg_line(out, CHART_LEFT, CHART_TOP, CHART_LEFT, CHART_BASE, "axis");
	fprintf(out, "<text class=\"title\" text-anchor=\"middle\" transform="
	    "\"translate(18 %d) rotate(-90)\">score</text>\n",
	    (CHART_TOP + CHART_BASE) / 2);
}

/* Whether team j's line needs a last point at the end, after the rounds. */
static bool
chart_has_end(const struct chart *c, size_t j)
{
	return c->l->rounds[c->l->n_rounds - 1].scores[j] !=
	    score_total(&c->l->teams[j]);
}

/*
 * One polyline: 0 when the clock starts, the score after each round,
 * and the final score at the end when grades or adjustments came after
 * the last round.
 */
static void
chart_line(const struct chart *c, size_t j, FILE *out)
{
	const struct score_team *t = &c->l->teams[j];
	char buf[POINTS_TEXT];
	size_t i;

	team_stroke(out, "polyline", j);
	fputs(" stroke-linejoin=\"round\" data-team=\"", out);
	html_text(out, t->team->id, "");
	fprintf(out, "\" points=\"%.1f,%.1f", chart_x(c, 0), chart_y(c, 0));
	for (i = 0; i < c->l->n_rounds; i++)
		fprintf(out, " %.1f,%.1f", chart_x(c, c->l->rounds[i].at),
		    chart_y(c, (double)c->l->rounds[i].scores[j]));
	if (chart_has_end(c, j))
		fprintf(out, " %.1f,%.1f", chart_x(c, c->end), chart_y(c,
		    (double)score_total(t)));
	fputs("\"><title>", out);
	html_text(out, t->team->id, "");
	fprintf(out, ": %s</title></polyline>\n", points_text(score_total(t),
	    false, buf));
}

/* A team's id beside its line's end, moved so as not to overlap. */
struct end_label {
	double x0, y0;	/* the line's end */
	double y;	/* the label's */
	size_t team;
};

static int
end_label_cmp(const void *a, const void *b)
{
	const struct end_label *x = a, *y = b;

	if (x->y0 != y->y0)
		return x->y0 < y->y0 ? -1 : 1;
	return (x->team > y->team) - (x->team < y->team);
}

/* Spreads n > 0 sorted labels apart, and above the x axis' labels. */
static void
end_labels_spread(struct end_label *l, size_t n)
{
	double gap = fmin(CHART_LABEL_GAP, (CHART_BASE - CHART_TOP) /
	    (double)n);
	size_t i;

	for (i = 1; i < n; i++)
		l[i].y = fmax(l[i].y, l[i - 1].y + gap);
	l[n - 1].y = fmin(l[n - 1].y, CHART_BASE - 4);
	for (i = n - 1; i-- > 0;)
		l[i].y = fmin(l[i].y, l[i + 1].y - gap);
}

static void
chart_end_labels(const struct chart *c, FILE *out)
{
	size_t n = c->l->n_teams, i;
	struct end_label *l = xcalloc(n, sizeof(*l));
	double x = 0;

	for (i = 0; i < n; i++) {
		l[i].x0 = chart_x(c, chart_has_end(c, i) ? c->end :
		    chart_last_at(c));
		l[i].y0 = l[i].y = chart_y(c,
		    (double)score_total(&c->l->teams[i]));
		l[i].team = i;
		x = fmax(x, l[i].x0 + 16);
	}
	qsort(l, n, sizeof(*l), end_label_cmp);
	end_labels_spread(l, n);
	for (i = 0; i < n; i++) {
		const char *color = team_color(l[i].team);

		fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" style=\"stroke:%s\"/>\n<text x=\"%.1f\" "
		    "y=\"%.1f\" class=\"label\" style=\"fill:%s\">",
		    l[i].x0 + 3, l[i].y0, x - 3, l[i].y, color, x, l[i].y + 5,
		    color);
		html_text(out, c->l->teams[l[i].team].team->id, "");
		fputs("</text>\n", out);
	}
	free(l);
}

/* Where the journal ends, when before the exercise's duration. */
static void
chart_stop(const struct chart *c, FILE *out)
{
	char at[UNITS_CLOCK_SIZE];
	double x = chart_x(c, c->end);

	if (c->end >= c->xmax || c->stop == NULL)
		return;
	svg_line(out, x, CHART_TOP, x, CHART_BASE, "stop");
	/* Left of the line: the teams' labels are on its right. */
	fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" "
	    "class=\"halo\">", x - 5, CHART_TOP + 12);
	html_text(out, c->stop, "");
	fprintf(out, " at %s</text>\n", units_format_clock(c->end, at));
}

static void
chart_legend(const struct chart *c, FILE *out)
{
	char buf[POINTS_TEXT];
	size_t j;

	fputs("<ul class=\"legend\">\n", out);
	for (j = 0; j < c->l->n_teams; j++) {
		const struct score_team *t = &c->l->teams[j];

		fputs("<li>", out);
		team_swatch(out, j);
		fputs("<span class=\"id\">", out);
		html_text(out, t->team->id, "");
		fputs("</span>", out);
		if (t->team->name != NULL) {
			fputs(" ", out);
			html_text(out, t->team->name, "");
		}
		fprintf(out, " (%s)</li>\n", points_text(score_total(t), false,
		    buf));
	}
	fputs("</ul>\n", out);
}

static void
print_chart(const struct report *r, FILE *out)
{
	struct chart c;
	size_t j;

	fputs("\n<section id=\"chart\">\n<h2>Score over time</h2>\n", out);
	if (r->ledger.n_rounds == 0 || r->ledger.n_teams == 0) {
		fputs("<p class=\"none\">No scoring round ran: there is "
		    "nothing to chart.</p>\n</section>\n", out);
		return;
	}
	chart_init(&c, r);
	fprintf(out, "<figure>\n<svg class=\"chart\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-labelledby=\"chart-title\">\n<title "
	    "id=\"chart-title\">Each team's score over exercise time</title>\n",
	    CHART_W, CHART_H);
	chart_y_axis(&c, out);
	chart_x_axis(&c, out);
	for (j = 0; j < c.l->n_teams; j++)
		chart_line(&c, j, out);
	chart_stop(&c, out);
	chart_end_labels(&c, out);
	fputs("</svg>\n", out);
	chart_legend(&c, out);
	fputs("<figcaption>Each line starts at 0 when the clock starts and "
	    "has a point after every scoring round; where grades or "
	    "adjustments came after the last round, a last point at the end "
	    "gives the final score.</figcaption>\n</figure>\n</section>\n",
	    out);
}

/* ---- the MSEL as it happened -------------------------------------------- */

/* The rows a firing takes: one a result, else one a lost target, or one. */
static size_t
firing_rows(const struct report_firing *f)
{
	size_t n = f->n_results;

	if (n == 0 && f->lost)
		n = f->n_targets;
	return n > 0 ? n : 1;
}

static size_t
inject_rows(const struct report_inject *inj)
{
	size_t i, n = 0;

	for (i = 0; i < inj->n_firings; i++)
		n += firing_rows(&inj->firings[i]);
	return n > 0 ? n : 1;
}

/*
 * An exec's output in a <pre>, trailing newlines dropped, cut after
 * HTML_OUT_BYTES bytes or HTML_OUT_LINES lines (never inside a UTF-8
 * character), with a note of what was left out.
 */
static void
html_output(FILE *out, const char *cls, const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0, n = 0, lines = 0;

	while (len > 0 && s[len - 1] == '\n')
		len--;
	if (len == 0)
		return;
	for (; n < len && n < HTML_OUT_BYTES; n++)
		if (s[n] == '\n' && ++lines == HTML_OUT_LINES)
			break;
	while (n > 0 && n < len && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	fprintf(out, "<pre class=\"%s\">", cls);
	html_escape(out, s, n);
	if (n < len)
		fprintf(out, "\n<span class=\"note\">[%zu more bytes not "
		    "shown]</span>", len - n);
	fputs("</pre>", out);
}

/* Target; result, exit status and time taken; then error and output. */
static void
msel_result(FILE *out, const struct report_result *res, bool lost)
{
	const char *cls = res->ok ? "ok" : lost ? "lost" : "failed";

	html_td(out, "id", res->host);
	fprintf(out, "<td class=\"result\"><span class=\"%s\">%s</span>",
	    cls, cls);
	/* A lost action was never seen to end: no status, no time. */
	if (res->has_exit)
		fprintf(out, "<div class=\"note\">exit %lld, %.1f s</div>",
		    res->exit, res->seconds);
	else if (res->ok || !lost)
		fprintf(out, "<div class=\"note\">%.1f s</div>", res->seconds);
	fputs("</td><td>", out);
	if (res->error != NULL) {
		fputs("<div>", out);
		html_text(out, res->error, "");
		fputs("</div>", out);
	}
	html_output(out, "out", res->out);
	html_output(out, "err", res->err);
	fputs("</td>", out);
}

/* A firing's row i with no result: a lost target, or a message sent. */
static void
msel_no_result(FILE *out, const struct report_inject *inj,
    const struct report_firing *f, size_t i)
{
	html_td(out, "id", i < f->n_targets ? f->targets[i] : NULL);
	fprintf(out, "<td class=\"result\"><span class=\"%s\">%s</span></td>"
	    "<td>", f->lost ? "lost" : "ok", f->lost ? "lost" :
	    strcmp(inj->action, "message") == 0 ? "sent" : "done");
	html_text(out, f->lost ? REPORT_LOST : NULL, "");
	fputs("</td>", out);
}

/* When, how late and by whom: a cell spanning the firing's rows. */
static void
msel_firing_cell(FILE *out, const struct report_firing *f, size_t rows,
    bool several)
{
	char at[UNITS_CLOCK_SIZE], late[32];

	fprintf(out, "<td class=\"fired\" rowspan=\"%zu\">", rows);
	if (several)
		fprintf(out, "#%ld at ", f->n);
	fprintf(out, "%s<div class=\"note\">", units_format_clock(f->actual,
	    at));
	if (!f->manual && f->late >= 1.0) {
		/* Whole seconds, as the fired time drops the fraction. */
		units_format_duration((long)f->late, late, sizeof(late));
		fprintf(out, "%s late, ", late);
	} else if (!f->manual) {
		fputs("on time, ", out);
	}
	fputs("by ", out);
	html_text(out, f->by, f->manual ? "hand" : "the clock");
	fputs("</div></td>", out);
}

/* The inject's own cells, spanning all its rows. */
static void
msel_inject_cells(FILE *out, const struct report_inject *inj, size_t rows)
{
	char at[UNITS_CLOCK_SIZE];

	fprintf(out, "<td class=\"num\" rowspan=\"%zu\">%s</td><td class="
	    "\"inject\" rowspan=\"%zu\"><strong class=\"id\">", rows,
	    inj->manual ? "manual" : units_format_clock((double)inj->at, at),
	    rows);
	html_text(out, inj->id, "");
	fputs("</strong> (", out);
	html_text(out, inj->action, "");
	if (inj->n_to > 0) {
		fputs(" to ", out);
		html_list(out, inj->to, inj->n_to);
	}
	fputs(")", out);
	if (inj->title != NULL) {
		fputs("<br>", out);
		html_text(out, inj->title, "");
	}
	if (!inj->listed)
		fputs("<div class=\"note\">not in the exercise's MSEL</div>",
		    out);
	if (inj->moved)
		fprintf(out, "<div class=\"note\">moved: planned %s when the "
		    "exercise began</div>", inj->moved_from < 0 ? "manual" :
		    units_format_clock((double)inj->moved_from, at));
	fputs("</td>", out);
}

/* A firing's rows; the first continues the row already open. */
static void
msel_firing(FILE *out, const struct report_inject *inj,
    const struct report_firing *f, bool several)
{
	size_t i, rows = firing_rows(f);

	msel_firing_cell(out, f, rows, several);
	for (i = 0; i < rows; i++) {
		if (i > 0)
			fputs("<tr>", out);
		if (f->n_results > 0)
			msel_result(out, &f->results[i], f->lost);
		else
			msel_no_result(out, inj, f, i);
		fputs("</tr>\n", out);
	}
}

static void
msel_inject(FILE *out, const struct report_inject *inj)
{
	size_t i;

	fputs("<tbody>\n<tr>", out);
	msel_inject_cells(out, inj, inject_rows(inj));
	if (inj->n_firings == 0)
		fputs("<td colspan=\"4\" class=\"none\">not fired</td></tr>\n",
		    out);
	for (i = 0; i < inj->n_firings; i++) {
		if (i > 0)
			fputs("<tr>", out);
		msel_firing(out, inj, &inj->firings[i], inj->n_firings > 1);
	}
	fputs("</tbody>\n", out);
}

static void
print_msel(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#Scheduled", "Inject", "Fired",
		"Target", "Result", "Error and output" };
	const struct report_inject **order = report_injects_by_time(r);
	size_t i;

	if (section_open(out, "msel", "The MSEL as it happened",
	    r->n_injects)) {
		fprintf(out, "<p class=\"note\">Each inject with every firing, "
		    "and each firing's result on every target; output is cut "
		    "after %d lines or %d bytes.</p>\n", HTML_OUT_LINES,
		    HTML_OUT_BYTES);
		table_open(out, "msel", heads, ARRAY_SIZE(heads), false);
		for (i = 0; i < r->n_injects; i++)
			msel_inject(out, order[i]);
		fputs("</table>\n</section>\n", out);
	}
	free(order);
}

/* ---- penalties, one row per run of rounds ------------------------------- */

static void
penalty_row(FILE *out, const struct report_penalty_run *run)
{
	const struct report_penalty *p = run->first;

	fprintf(out, "<tr><td class=\"num\">%lld", run->from);
	if (run->to != run->from)
		fprintf(out, "–%lld", run->to);
	fputs("</td>", out);
	html_td_clock(out, p->at);
	html_td(out, "id", p->team);
	html_td(out, "id", p->host);
	html_td(out, "id", p->inject);
	html_td_points(out, -run->points);
	html_td(out, NULL, p->reason);
	fputs("</tr>\n", out);
}

static void
print_penalties(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#Rounds", "#From", "Team", "Host",
		"Inject", "#Points", "Reason" };
	size_t n, i;
	struct report_penalty_run *runs = report_penalty_runs(r, &n);

	if (section_open(out, "penalties", "Penalties", n)) {
		fputs("<p class=\"note\">Active compromises, one row per run "
		    "of consecutive rounds with the same reason.</p>\n", out);
		table_open(out, "penalties", heads, ARRAY_SIZE(heads), true);
		for (i = 0; i < n; i++)
			penalty_row(out, &runs[i]);
		table_close(out);
		fputs("</section>\n", out);
	}
	free(runs);
}

/* ---- the lists: reports, grades, adjustments, messages, hosts... ------- */

static bool list_open(FILE *out, const char *id, const char *title,
    const char *const *heads, size_t n_heads, size_t n);
static void list_close(FILE *out);

static void
print_changes(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#At", "What changed" };
	size_t i, j;

	if (!list_open(out, "changes", "Scenario changes", heads,
	    ARRAY_SIZE(heads), r->lists.n_changes))
		return;
	for (i = 0; i < r->lists.n_changes; i++)
		for (j = 0; j < r->lists.changes[i].n_what; j++) {
			fputs("<tr>", out);
			html_td_clock(out, r->lists.changes[i].t);
			html_td(out, NULL, r->lists.changes[i].what[j]);
			fputs("</tr>\n", out);
		}
	list_close(out);
}

/* What each red team took and each blue team lost, then every capture. */
static void
print_flags(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#At", "Red team", "Flag", "Host",
		"Blue team", "#Value", "By", "#Points", "#Penalty" };
	const struct report_flags *f = &r->flags;
	size_t i;

	if (!report_has_flags(r))
		return;
	section_open(out, "flags", "Flags", 1);
	fprintf(out, "<p class=\"note\">%lu value(s) given, %lu written into "
	    "their guests. Captured by red teams, lost by blue teams:</p>\n<ul>",
	    f->values, f->planted);
	for (i = 0; i < r->ledger.n_teams; i++) {
		const struct score_team *t = &r->ledger.teams[i];

		if (t->team->role != ROLE_RED && t->team->role != ROLE_BLUE)
			continue;
		fputs("<li><span class=\"id\">", out);
		html_text(out, t->team->id, "");
		if (t->team->role == ROLE_RED)
			fprintf(out, "</span> captured %ld (+%lld)</li>",
			    t->captured, t->flags);
		else
			fprintf(out, "</span> lost %ld (−%lld)</li>", t->lost,
			    t->flags_lost);
	}
	fputs("</ul>\n", out);
	table_open(out, "flags", heads, ARRAY_SIZE(heads), true);
	for (i = 0; i < f->n_captures; i++) {
		const struct report_capture *c = &f->captures[i];

		fputs("<tr>", out);
		html_td_clock(out, c->t);
		html_td(out, "id", c->team);
		html_td(out, "id", c->flag);
		html_td(out, "id", c->host);
		html_td(out, "id", c->owner);
		fprintf(out, "<td class=\"num\">%lld</td>", c->rotation);
		html_td(out, NULL, c->by);
		html_td_points(out, c->points);
		html_td_points(out, -c->penalty);
		fputs("</tr>\n", out);
	}
	list_close(out);
}

/* ---- coalition ---------------------------------------------------------- */

/* A cell of the matrix, coloured by how the team did. */
static void
matrix_cell(FILE *out, const struct detect_attack *a)
{
	char cell[DETECT_CELL_MAX];
	const char *cls = a == NULL ? "none" : a->fired < 0 ? "pending" :
	    a->detected < 0 ? "missed" : "detected";

	fprintf(out, "<td class=\"cell %s\">", cls);
	html_text(out, a != NULL ? detect_cell(a, cell) : "–", "");
	fputs("</td>", out);
}

static void
print_coalition_matrix(const struct report *r, FILE *out)
{
	const struct detect_ledger *d = &r->ledger.detect;
	size_t i, j;

	fputs("<table class=\"matrix\">\n<thead><tr><th>Inject</th>", out);
	for (j = 0; j < r->ledger.n_teams; j++)
		if (r->ledger.teams[j].team->role == ROLE_BLUE) {
			fputs("<th class=\"id\">", out);
			html_text(out, r->ledger.teams[j].team->id, "");
			fputs("</th>", out);
		}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (i = 0; i < d->n_attacks; i++) {
		if (!detect_first_of_inject(d, i))
			continue;
		fputs("<tr>", out);
		html_td(out, "id", d->attacks[i].inject);
		for (j = 0; j < r->ledger.n_teams; j++)
			if (r->ledger.teams[j].team->role == ROLE_BLUE)
				matrix_cell(out, detect_find(d, d->attacks[i].inject,
				    r->ledger.teams[j].team->id));
		fputs("</tr>\n", out);
	}
	table_close(out);
}

static void
td_clock_or_dash(FILE *out, const json_t *v)
{
	if (json_is_number(v))
		html_td_clock(out, json_number_value(v));
	else
		fputs("<td class=\"num\">–</td>", out);
}

static void
print_coalition_teams(const json_t *teams, FILE *out)
{
	static const char *const heads[] = { "Team", "#Detected", "#Missed",
		"#Shared", "#Warned in time", "#Warned others",
		"#False indicators", "#Mean time to detect", "#Mean time to share",
		"#Points" };
	static const char *const counts[] = { "detected", "missed", "shared",
		"warned", "warnings", "false_indicators" };
	const json_t *t;
	size_t i, k;

	table_open(out, "detect", heads, ARRAY_SIZE(heads), true);
	json_array_foreach(teams, i, t) {
		fputs("<tr>", out);
		html_td(out, "id", json_string_value(json_object_get(t, "id")));
		for (k = 0; k < ARRAY_SIZE(counts); k++)
			fprintf(out, "<td class=\"num\">%lld</td>",
			    json_integer_value(json_object_get(t, counts[k])));
		td_clock_or_dash(out, json_object_get(t, "mean_detect"));
		td_clock_or_dash(out, json_object_get(t, "mean_share"));
		html_td_points(out, json_integer_value(json_object_get(t,
		    "points")));
		fputs("</tr>\n", out);
	}
	table_close(out);
}

static void
print_coalition_timeline(const json_t *timeline, FILE *out)
{
	static const char *const heads[] = { "#At", "What", "Inject", "Team" };
	const json_t *v;
	size_t i;

	fputs("<h3>Timeline of attacks, detections and shares</h3>\n", out);
	table_open(out, "timeline", heads, ARRAY_SIZE(heads), true);
	json_array_foreach(timeline, i, v) {
		fputs("<tr>", out);
		html_td_clock(out, json_number_value(json_object_get(v, "t")));
		html_td(out, NULL, json_string_value(json_object_get(v, "what")));
		html_td(out, "id", json_string_value(json_object_get(v, "inject")));
		html_td(out, "id", json_string_value(json_object_get(v, "team")));
		fputs("</tr>\n", out);
	}
	table_close(out);
}

static void
print_coalition_coverage(const json_t *coverage, FILE *out)
{
	const json_t *row, *tech;
	size_t i, j;

	fputs("<h3>ATT&amp;CK coverage</h3>\n<ul>", out);
	json_array_foreach(coverage, i, row) {
		fputs("<li><span class=\"id\">", out);
		html_text(out, json_string_value(json_object_get(row, "team")), "");
		fputs("</span>:", out);
		json_array_foreach(json_object_get(row, "techniques"), j, tech) {
			fputs(" <span class=\"id\">", out);
			html_text(out, json_string_value(json_object_get(tech, "id")),
			    "");
			fprintf(out, "</span> %lld/%lld",
			    json_integer_value(json_object_get(tech, "detected")),
			    json_integer_value(json_object_get(tech, "attacks")));
		}
		fputs(j == 0 ? " none</li>" : "</li>", out);
	}
	fputs("</ul>\n", out);
}

/*
 * Inject × nation: when each detected, shared, was warned or missed; each
 * nation's figures; the timeline across nations; ATT&CK coverage.
 */
static void
print_coalition(const struct report *r, FILE *out)
{
	json_t *doc;

	if (!r->ledger.detecting)
		return;
	doc = detect_to_json(&r->ledger.detect);
	section_open(out, "coalition", "Coalition: detection and sharing", 1);
	fputs("<p class=\"note\">Each cell: D, detected that long after the "
	    "attack hit the team; S, shared with allies that long after "
	    "detecting; W, warned in time by that ally; missed; not yet "
	    "fired.</p>\n", out);
	print_coalition_matrix(r, out);
	print_coalition_teams(json_object_get(doc, "teams"), out);
	print_coalition_timeline(json_object_get(doc, "timeline"), out);
	print_coalition_coverage(json_object_get(doc, "coverage"), out);
	fputs("</section>\n", out);
	json_decref(doc);
}

/*
 * Each team's digests as the journal's last range event gives them, with
 * where they come from, so that a reader can hold them against `rangectl
 * verify`; nothing at all for a journal without one.
 */
static void
print_range(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "Team", "Digest of its range",
	    "Of what libvirt held" };
	const json_t *t, *differ;
	char at[UNITS_CLOCK_SIZE];
	size_t i;

	if (r->range == NULL)
		return;
	section_open(out, "range", "The same range for every team", 1);
	fprintf(out, "<p class=\"note\">SHA-256 digests of each team's "
	    "normalized slice of the plan (its networks, hosts, checks, injects "
	    "and base images), as <code>rangectl run</code> journaled them at "
	    "its last start, at %s. Teams of one role should share one digest; "
	    "<code>rangectl verify STATE</code> recomputes them from the "
	    "scenario, the images and the live range.</p>\n", units_format_clock(json_real_value(
	    json_object_get(r->range, "t")), at));
	table_open(out, "range", heads, ARRAY_SIZE(heads), true);
	json_array_foreach(json_object_get(r->range, "teams"), i, t) {
		fputs("<tr>", out);
		html_td(out, "id", json_string_value(json_object_get(t, "team")));
		html_td(out, "id", json_string_value(json_object_get(t,
		    "digest")));
		html_td(out, "id", json_string_value(json_object_get(t, "live")));
		fputs("</tr>\n", out);
	}
	table_close(out);
	differ = json_object_get(r->range, "differ");
	if (json_array_size(differ) == 0)
		fputs("<p>Every team got its role's range.</p>\n", out);
	json_array_foreach(differ, i, t) {
		fputs("<p>", out);
		html_text(out, json_string_value(t), "");
		fputs("</p>\n", out);
	}
	fputs("</section>\n", out);
}

static void
print_reverts(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#At", "Host", "By", "Result" };
	size_t i;

	if (!list_open(out, "reverts", "Reverts", heads, ARRAY_SIZE(heads),
	    r->lists.n_reverts))
		return;
	for (i = 0; i < r->lists.n_reverts; i++) {
		const struct report_revert *v = &r->lists.reverts[i];

		fputs("<tr>", out);
		html_td_clock(out, v->t);
		html_td(out, "id", v->host);
		html_td(out, NULL, v->by);
		html_td(out, NULL, !v->has_ok ? NULL : v->ok ? "done" :
		    v->error ? v->error : "failed");
		fputs("</tr>\n", out);
	}
	list_close(out);
}

/*
 * Opens a list's section and table, its id the table's class, or says
 * "none" and returns false when it has no entry; list_close() closes it.
 */
static bool
list_open(FILE *out, const char *id, const char *title,
    const char *const *heads, size_t n_heads, size_t n)
{
	if (!section_open(out, id, title, n))
		return false;
	table_open(out, id, heads, n_heads, true);
	return true;
}

static void
list_close(FILE *out)
{
	table_close(out);
	fputs("</section>\n", out);
}

static void
print_reports(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#At", "Team", "Report", "Author",
		"On inject", "Title and text" };
	size_t i;

	if (!list_open(out, "reports", "Incident reports", heads,
	    ARRAY_SIZE(heads), r->lists.n_reports))
		return;
	for (i = 0; i < r->lists.n_reports; i++) {
		const struct report_incident *x = &r->lists.reports[i];

		fputs("<tr>", out);
		html_td_clock(out, x->t);
		html_td(out, "id", x->team);
		html_td(out, "id", x->id);
		html_td(out, NULL, x->author);
		html_td(out, "id", x->inject);
		fputs("<td><strong>", out);
		html_text(out, x->title, "");
		fputs("</strong><div class=\"body\">", out);
		html_text(out, x->body, "");
		fputs("</div></td></tr>\n", out);
	}
	list_close(out);
}

static void
print_grades(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#At", "Team", "Report", "#Points",
		"By", "Comment", "Regrade: why" };
	size_t i;

	if (!list_open(out, "grades", "Grades", heads, ARRAY_SIZE(heads),
	    r->lists.n_grades))
		return;
	for (i = 0; i < r->lists.n_grades; i++) {
		const struct report_grade *g = &r->lists.grades[i];

		fputs("<tr>", out);
		html_td_clock(out, g->t);
		html_td(out, "id", g->team);
		html_td(out, "id", g->report);
		html_td_points(out, g->points);
		html_td(out, NULL, g->by);
		html_td(out, NULL, g->comment);
		/* A regrade replaced the report's earlier grade. */
		html_td(out, NULL, g->regrade ? (g->reason ? g->reason :
		    "graded again") : NULL);
		fputs("</tr>\n", out);
	}
	list_close(out);
}

static void
print_adjustments(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#At", "Team", "#Points", "By",
		"Reason" };
	size_t i;

	if (!list_open(out, "adjustments", "Adjustments", heads,
	    ARRAY_SIZE(heads), r->lists.n_adjustments))
		return;
	for (i = 0; i < r->lists.n_adjustments; i++) {
		const struct report_adjustment *j = &r->lists.adjustments[i];

		fputs("<tr>", out);
		html_td_clock(out, j->t);
		html_td(out, "id", j->team);
		html_td_points(out, j->points);
		html_td(out, NULL, j->by);
		html_td(out, NULL, j->reason);
		fputs("</tr>\n", out);
	}
	list_close(out);
}

static void
print_messages(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#At", "To", "From inject", "By",
		"Text" };
	size_t i;

	if (!list_open(out, "messages", "Messages", heads, ARRAY_SIZE(heads),
	    r->lists.n_messages))
		return;
	for (i = 0; i < r->lists.n_messages; i++) {
		const struct report_message *m = &r->lists.messages[i];

		fputs("<tr>", out);
		html_td_clock(out, m->t);
		fputs("<td>", out);
		html_list(out, m->to, m->n_to);
		fputs("</td>", out);
		html_td(out, "id", m->inject);
		/* Sent by hand: who; by an inject: its sender, if named. */
		html_td(out, NULL, m->by != NULL ? m->by : m->from);
		html_td(out, NULL, m->text);
		fputs("</tr>\n", out);
	}
	list_close(out);
}

static void
print_hosts(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#At", "Host", "Team", "State",
		"Reason" };
	size_t i;

	if (!list_open(out, "hosts", "Host state changes", heads,
	    ARRAY_SIZE(heads), r->lists.n_hosts))
		return;
	for (i = 0; i < r->lists.n_hosts; i++) {
		const struct report_host *h = &r->lists.hosts[i];

		fputs("<tr>", out);
		html_td_clock(out, h->t);
		html_td(out, "id", h->name);
		html_td(out, "id", h->team);
		html_td(out, NULL, h->state);
		html_td(out, NULL, h->reason);
		fputs("</tr>\n", out);
	}
	list_close(out);
}

/* ok, or failed with its error; "—" when the event does not say. */
static void
link_result(FILE *out, const struct report_link *k)
{
	if (!k->has_ok) {
		fprintf(out, "<td>%s</td>", html_dash);
		return;
	}
	if (k->ok) {
		fputs("<td class=\"ok\">ok</td>", out);
		return;
	}
	fputs("<td><span class=\"failed\">failed</span>: ", out);
	html_text(out, k->error, "no reason given");
	fputs("</td>", out);
}

static void
print_links(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#At", "Host", "Network", "Link",
		"Inject", "Result" };
	size_t i;

	if (!list_open(out, "links", "Link events", heads, ARRAY_SIZE(heads),
	    r->lists.n_links))
		return;
	for (i = 0; i < r->lists.n_links; i++) {
		const struct report_link *k = &r->lists.links[i];

		fputs("<tr>", out);
		html_td_clock(out, k->t);
		html_td(out, "id", k->host);
		html_td(out, "id", k->network);
		fprintf(out, "<td>%s</td>", k->up ? "up" : "down");
		html_td(out, "id", k->inject);
		link_result(out, k);
		fputs("</tr>\n", out);
	}
	list_close(out);
}

/* The clock's speed, "30×". */
static void
clock_speed(FILE *out, const struct report_clock *c)
{
	if (c->speed_kind == REPORT_SPEED_REAL)
		fprintf(out, "<td class=\"num\">%g×</td>", c->speed);
	else
		fprintf(out, "<td class=\"num\">%s</td>", html_dash);
}

static void
print_clock(const struct report *r, FILE *out)
{
	static const char *const heads[] = { "#At", "State", "#Speed", "Reason",
		"By" };
	size_t i;

	if (!list_open(out, "clock", "Clock", heads, ARRAY_SIZE(heads),
	    r->lists.n_clock))
		return;
	for (i = 0; i < r->lists.n_clock; i++) {
		const struct report_clock *c = &r->lists.clock[i];

		fputs("<tr>", out);
		html_td_clock(out, c->t);
		html_td(out, NULL, c->state);
		clock_speed(out, c);
		html_td(out, NULL, c->reason);
		html_td(out, NULL, c->by);
		fputs("</tr>\n", out);
	}
	list_close(out);
}

/* ---- rounds, and the page ----------------------------------------------- */

static void
print_rounds(const struct report *r, FILE *out)
{
	const struct score_ledger *l = &r->ledger;
	char buf[POINTS_TEXT];
	size_t i, j;

	if (!section_open(out, "rounds", "Scores after each round",
	    l->n_rounds))
		return;
	fputs("<table class=\"rounds\">\n<thead><tr><th class=\"num\">Round"
	    "</th><th class=\"num\">At</th>", out);
	for (j = 0; j < l->n_teams; j++) {
		fputs("<th class=\"num\"><span class=\"id\">", out);
		html_text(out, l->teams[j].team->id, "");
		fputs("</span></th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (i = 0; i < l->n_rounds; i++) {
		fprintf(out, "<tr><td class=\"num\">%ld</td>", l->rounds[i].n);
		html_td_clock(out, l->rounds[i].at);
		for (j = 0; j < l->n_teams; j++)
			fprintf(out, "<td class=\"num\">%s</td>",
			    points_text(l->rounds[i].scores[j], false, buf));
		fputs("</tr>\n", out);
	}
	table_close(out);
	fputs("</section>\n", out);
}

int
report_print_html(const struct report *r, FILE *out)
{
	static void (*const sections[])(const struct report *, FILE *) = {
		print_header, print_scores, print_uptime, print_outages,
		print_chart,
		print_msel, print_penalties, print_reports, print_grades,
		print_adjustments, print_messages, print_hosts, print_links,
		print_flags, print_coalition, print_range, print_reverts,
		print_changes, print_clock, print_rounds,
	};
	size_t i;

	print_head(r, out);
	for (i = 0; i < ARRAY_SIZE(sections); i++)
		sections[i](r, out);
	fprintf(out, "\n<footer>Made by <code>rangectl report</code> from the "
	    "journal alone (%llu events). Times are exercise time, h:mm:ss "
	    "from the start of the clock.</footer>\n</body>\n</html>\n",
	    r->events);
	return ferror(out) ? -1 : 0;
}
