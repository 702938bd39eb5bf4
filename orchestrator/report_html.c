/*
 * report_html.c: the after-action report as one self-contained HTML page.
 *
 * Pure: the report in, HTML out. It renders what report_to_json() gives,
 * so the page holds the very data of `report --json`: nothing is counted
 * again here, only laid out (penalties grouped into runs of rounds, the
 * MSEL put in time order). The page needs nothing beyond itself: the
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
#define CLOCK_TEXT 32

/* ---- small helpers ------------------------------------------------------ */

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static double
jnum(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static long long
jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static bool
jtrue(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static bool
str_same(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

/* Exercise seconds as H:MM:SS, the fraction dropped (as the text report). */
static const char *
clock_text(double t, char *buf)
{
	long s = t > 0 ? (long)t : 0;

	snprintf(buf, CLOCK_TEXT, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60,
	    s % 60);
	return buf;
}

/*
 * Writes n bytes of s escaped for HTML text and attribute values alike.
 * Control characters other than tab and line ends, which HTML does not
 * allow, become U+FFFD; jansson has checked that the text is UTF-8.
 */
static void
html_escape(FILE *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

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
	char at[CLOCK_TEXT];

	fprintf(out, "<td class=\"num\">%s</td>", clock_text(t, at));
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
html_list(FILE *out, const json_t *list)
{
	size_t i;

	if (json_array_size(list) == 0)
		fputs(html_dash, out);
	for (i = 0; i < json_array_size(list); i++) {
		fputs(i ? ", " : "", out);
		html_text(out, json_string_value(json_array_get(list, i)), "");
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

/* ---- teams: order, colours and dashes ----------------------------------- */

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

struct ranked {
	const json_t *team;
	size_t index;	/* in the exercise's order: its colour */
};

static int
ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	long long sx = jint(x->team, "score"), sy = jint(y->team, "score");

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/* The teams by score, ties in the exercise's order; the caller frees. */
static struct ranked *
teams_ranked(const json_t *teams)
{
	size_t n = json_array_size(teams), i;
	struct ranked *r = xcalloc(n ? n : 1, sizeof(*r));

	for (i = 0; i < n; i++)
		r[i] = (struct ranked){ json_array_get(teams, i), i };
	qsort(r, n, sizeof(*r), ranked_cmp);
	return r;
}

/* ---- head and exercise -------------------------------------------------- */

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
print_head(const json_t *ex, FILE *out)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"rangectl report\">\n"
	    "<title>After-action report: ", out);
	html_text(out, jstr(ex, "title") ? jstr(ex, "title") : jstr(ex, "name"),
	    "");
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n",
	    html_style);
}

/* The banner: how far the clock went, and whether the run was cut. */
static void
print_banner(const json_t *ex, FILE *out)
{
	const char *state = jstr(ex, "state");
	char at[CLOCK_TEXT], of[CLOCK_TEXT];

	clock_text(jnum(ex, "elapsed"), at);
	clock_text(jnum(ex, "duration"), of);
	if (str_same(state, "pending"))
		fputs("<p class=\"banner pending\">Pending: the clock never "
		    "started.</p>\n", out);
	else if (jtrue(ex, "interrupted"))
		fprintf(out, "<p class=\"banner interrupted\">Interrupted at "
		    "%s of %s: the journal ends while the clock was running, "
		    "so rangectl stopped before the end (run it again with the "
		    "same --state folder to resume).</p>\n", at, of);
	else if (str_same(state, "ended"))
		fprintf(out, "<p class=\"banner ended\">Ended at %s of %s."
		    "</p>\n", at, of);
	else
		fprintf(out, "<p class=\"banner\">%s at %s of %s.</p>\n",
		    str_same(state, "paused") ? "Paused" : "Running", at, of);
}

static void
fact(FILE *out, const char *term, const char *value)
{
	fprintf(out, "<div><dt>%s</dt><dd>", term);
	html_text(out, value, "—");
	fputs("</dd></div>\n", out);
}

static void
print_facts(const json_t *doc, const json_t *ex, FILE *out)
{
	char buf[96], a[CLOCK_TEXT], b[CLOCK_TEXT], every[32];
	const json_t *injects = json_object_get(doc, "injects");
	size_t i, fired = 0;

	for (i = 0; i < json_array_size(injects); i++)
		fired += json_array_size(json_object_get(json_array_get(injects,
		    i), "firings")) > 0;
	fputs("<dl class=\"facts\">\n", out);
	fact(out, "Exercise", jstr(ex, "name"));
	fact(out, "State", jtrue(ex, "interrupted") ? "interrupted" :
	    jstr(ex, "state"));
	snprintf(buf, sizeof(buf), "%s of %s", clock_text(jnum(ex, "elapsed"),
	    a), clock_text(jnum(ex, "duration"), b));
	fact(out, "Elapsed", buf);
	units_format_duration((long)jint(ex, "duration"), buf, sizeof(buf));
	fact(out, "Duration", buf);
	units_format_duration((long)jint(ex, "interval"), every, sizeof(every));
	snprintf(buf, sizeof(buf), "%lld, one every %s", jint(ex, "rounds"),
	    every);
	fact(out, "Scoring rounds", buf);
	units_format_duration((long)jint(ex, "timeout"), buf, sizeof(buf));
	fact(out, "Check timeout", buf);
	snprintf(buf, sizeof(buf), "%zu", json_array_size(json_object_get(doc,
	    "teams")));
	fact(out, "Teams", buf);
	snprintf(buf, sizeof(buf), "%zu, %zu fired", json_array_size(injects),
	    fired);
	fact(out, "Injects", buf);
	snprintf(buf, sizeof(buf), "%lld", jint(ex, "events"));
	fact(out, "Journal events", buf);
	fputs("</dl>\n", out);
}

static const char *const html_sections[][2] = {
	{ "scores", "Scores" }, { "chart", "Score over time" },
	{ "msel", "The MSEL as it happened" }, { "penalties", "Penalties" },
	{ "reports", "Incident reports" }, { "grades", "Grades" },
	{ "adjustments", "Adjustments" }, { "messages", "Messages" },
	{ "hosts", "Host state changes" }, { "links", "Link events" },
	{ "clock", "Clock" }, { "rounds", "Scores after each round" },
};

static void
print_header(const json_t *doc, FILE *out)
{
	const json_t *ex = json_object_get(doc, "exercise");
	size_t i;

	fputs("<header>\n<h1>", out);
	html_text(out, jstr(ex, "title") ? jstr(ex, "title") : jstr(ex, "name"),
	    "");
	fputs("</h1>\n<p class=\"sub\">After-action report of exercise "
	    "<span class=\"id\">", out);
	html_text(out, jstr(ex, "name"), "");
	fputs("</span>, from its journal</p>\n", out);
	print_banner(ex, out);
	print_facts(doc, ex, out);
	fputs("</header>\n<nav aria-label=\"Contents\"><ul>\n", out);
	for (i = 0; i < ARRAY_SIZE(html_sections); i++)
		fprintf(out, "<li><a href=\"#%s\">%s</a></li>\n",
		    html_sections[i][0], html_sections[i][1]);
	fputs("</ul></nav>\n", out);
}

/* ---- scores ------------------------------------------------------------- */

static void
print_scores(const json_t *doc, FILE *out)
{
	static const char *const heads[] = { "#Rank", "Team", "Name", "Role",
		"#Score", "#Availability", "#Penalties", "#Reports",
		"#Adjustments" };
	const json_t *teams = json_object_get(doc, "teams");
	struct ranked *order = teams_ranked(teams);
	char buf[POINTS_TEXT];
	size_t i;

	if (!section_open(out, "scores", "Scores", json_array_size(teams)))
		goto cleanup;
	fputs("<p class=\"note\">Each score is availability − penalties + "
	    "reports + adjustments.</p>\n", out);
	table_open(out, "scores", heads, ARRAY_SIZE(heads), true);
	for (i = 0; i < json_array_size(teams); i++) {
		const json_t *t = order[i].team;

		fprintf(out, "<tr><td class=\"num\">%zu</td><td "
		    "class=\"team\">", i + 1);
		team_swatch(out, order[i].index);
		fputs("<span class=\"id\">", out);
		html_text(out, jstr(t, "id"), "");
		fputs("</span></td>", out);
		html_td(out, NULL, jstr(t, "name"));
		html_td(out, NULL, jstr(t, "role"));
		fprintf(out, "<td class=\"num score\">%s</td><td class=\"num\">"
		    "%lld</td>", points_text(jint(t, "score"), false, buf),
		    jint(t, "availability"));
		html_td_points(out, -jint(t, "penalties"));
		html_td_points(out, jint(t, "reports"));
		html_td_points(out, jint(t, "adjustments"));
		fputs("</tr>\n", out);
	}
	table_close(out);
	fputs("</section>\n", out);
cleanup:
	free(order);
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
	const json_t *rounds;
	const json_t *teams;
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

/* The score of the team of that id after round i. */
static long long
round_score(const struct chart *c, size_t i, const char *id)
{
	return (long long)json_integer_value(json_object_get(json_object_get(
	    json_array_get(c->rounds, i), "scores"), id));
}

static const json_t *
chart_team(const struct chart *c, size_t j)
{
	return json_array_get(c->teams, j);
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

	for (j = 0; j < json_array_size(c->teams); j++) {
		const char *id = jstr(chart_team(c, j), "id");

		for (i = 0; i < json_array_size(c->rounds); i++) {
			v = (double)round_score(c, i, id);
			lo = fmin(lo, v);
			hi = fmax(hi, v);
		}
		v = (double)jint(chart_team(c, j), "score");
		lo = fmin(lo, v);
		hi = fmax(hi, v);
	}
	if (hi - lo < 5)
		hi = lo + 5;
	c->ystep = nice_step((hi - lo) / 6);
	c->lo = floor(lo / c->ystep) * c->ystep;
	c->hi = ceil(hi / c->ystep) * c->ystep;
}

/* The chart of doc, whose rounds and teams must not be empty. */
static void
chart_init(struct chart *c, const json_t *doc)
{
	const json_t *ex = json_object_get(doc, "exercise");
	const json_t *last;

	c->rounds = json_object_get(doc, "rounds");
	c->teams = json_object_get(doc, "teams");
	last = json_array_get(c->rounds, json_array_size(c->rounds) - 1);
	c->end = fmax(jnum(last, "at"), jnum(ex, "elapsed"));
	c->xmax = fmax(c->end, jnum(ex, "duration"));
	if (c->xmax <= 0)
		c->xmax = 60;
	c->stop = jtrue(ex, "interrupted") ? "interrupted" : jstr(ex, "state");
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
	char at[CLOCK_TEXT];
	double x;

	for (t = 0; t <= (long)c->xmax; t += step) {
		x = chart_x(c, (double)t);
		/* H:MM:SS, or H:MM when every tick is a whole minute. */
		clock_text((double)t, at);
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
	return round_score(c, json_array_size(c->rounds) - 1,
	    jstr(chart_team(c, j), "id")) != jint(chart_team(c, j), "score");
}

/*
 * One polyline: 0 when the clock starts, the score after each round,
 * and the final score at the end when grades or adjustments came after
 * the last round.
 */
static void
chart_line(const struct chart *c, size_t j, FILE *out)
{
	const json_t *t = chart_team(c, j);
	size_t i, n = json_array_size(c->rounds);
	char buf[POINTS_TEXT];

	team_stroke(out, "polyline", j);
	fputs(" stroke-linejoin=\"round\" data-team=\"", out);
	html_text(out, jstr(t, "id"), "");
	fprintf(out, "\" points=\"%.1f,%.1f", chart_x(c, 0), chart_y(c, 0));
	for (i = 0; i < n; i++)
		fprintf(out, " %.1f,%.1f", chart_x(c, jnum(json_array_get(
		    c->rounds, i), "at")), chart_y(c, (double)round_score(c, i,
		    jstr(t, "id"))));
	if (chart_has_end(c, j))
		fprintf(out, " %.1f,%.1f", chart_x(c, c->end), chart_y(c,
		    (double)jint(t, "score")));
	fputs("\"><title>", out);
	html_text(out, jstr(t, "id"), "");
	fprintf(out, ": %s</title></polyline>\n", points_text(jint(t, "score"),
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
	size_t n = json_array_size(c->teams), i;
	struct end_label *l = xcalloc(n, sizeof(*l));
	const json_t *last = json_array_get(c->rounds,
	    json_array_size(c->rounds) - 1);
	double x = 0;

	for (i = 0; i < n; i++) {
		l[i].x0 = chart_x(c, chart_has_end(c, i) ? c->end :
		    jnum(last, "at"));
		l[i].y0 = l[i].y = chart_y(c, (double)jint(chart_team(c, i),
		    "score"));
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
		html_text(out, jstr(chart_team(c, l[i].team), "id"), "");
		fputs("</text>\n", out);
	}
	free(l);
}

/* Where the journal ends, when before the exercise's duration. */
static void
chart_stop(const struct chart *c, FILE *out)
{
	char at[CLOCK_TEXT];
	double x = chart_x(c, c->end);

	if (c->end >= c->xmax || c->stop == NULL)
		return;
	svg_line(out, x, CHART_TOP, x, CHART_BASE, "stop");
	/* Left of the line: the teams' labels are on its right. */
	fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" "
	    "class=\"halo\">", x - 5, CHART_TOP + 12);
	html_text(out, c->stop, "");
	fprintf(out, " at %s</text>\n", clock_text(c->end, at));
}

static void
chart_legend(const struct chart *c, FILE *out)
{
	char buf[POINTS_TEXT];
	size_t j;

	fputs("<ul class=\"legend\">\n", out);
	for (j = 0; j < json_array_size(c->teams); j++) {
		const json_t *t = chart_team(c, j);

		fputs("<li>", out);
		team_swatch(out, j);
		fputs("<span class=\"id\">", out);
		html_text(out, jstr(t, "id"), "");
		fputs("</span>", out);
		if (jstr(t, "name") != NULL) {
			fputs(" ", out);
			html_text(out, jstr(t, "name"), "");
		}
		fprintf(out, " (%s)</li>\n", points_text(jint(t, "score"),
		    false, buf));
	}
	fputs("</ul>\n", out);
}

static void
print_chart(const json_t *doc, FILE *out)
{
	struct chart c;
	size_t j;

	fputs("\n<section id=\"chart\">\n<h2>Score over time</h2>\n", out);
	if (json_array_size(json_object_get(doc, "rounds")) == 0 ||
	    json_array_size(json_object_get(doc, "teams")) == 0) {
		fputs("<p class=\"none\">No scoring round ran: there is "
		    "nothing to chart.</p>\n</section>\n", out);
		return;
	}
	chart_init(&c, doc);
	fprintf(out, "<figure>\n<svg class=\"chart\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-labelledby=\"chart-title\">\n<title "
	    "id=\"chart-title\">Each team's score over exercise time</title>\n",
	    CHART_W, CHART_H);
	chart_y_axis(&c, out);
	chart_x_axis(&c, out);
	for (j = 0; j < json_array_size(c.teams); j++)
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

struct msel_entry {
	const json_t *inject;
	size_t index;
};

/* Clock injects by time, then manual ones; ties in the MSEL's order. */
static int
msel_cmp(const void *a, const void *b)
{
	const struct msel_entry *x = a, *y = b;
	bool mx = jtrue(x->inject, "manual"), my = jtrue(y->inject, "manual");

	if (mx != my)
		return mx ? 1 : -1;
	if (jint(x->inject, "at") != jint(y->inject, "at"))
		return jint(x->inject, "at") < jint(y->inject, "at") ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/* The rows a firing takes: one a result, else one a lost target, or one. */
static size_t
firing_rows(const json_t *f)
{
	size_t n = json_array_size(json_object_get(f, "results"));

	if (n == 0 && jtrue(f, "lost"))
		n = json_array_size(json_object_get(f, "targets"));
	return n > 0 ? n : 1;
}

static size_t
inject_rows(const json_t *inj)
{
	const json_t *firings = json_object_get(inj, "firings");
	size_t i, n = 0;

	for (i = 0; i < json_array_size(firings); i++)
		n += firing_rows(json_array_get(firings, i));
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
msel_result(FILE *out, const json_t *res, bool lost)
{
	const char *cls = jtrue(res, "ok") ? "ok" : lost ? "lost" : "failed";

	html_td(out, "id", jstr(res, "host"));
	fprintf(out, "<td class=\"result\"><span class=\"%s\">%s</span>",
	    cls, cls);
	/* A lost action was never seen to end: no status, no time. */
	if (json_is_integer(json_object_get(res, "exit")))
		fprintf(out, "<div class=\"note\">exit %lld, %.1f s</div>",
		    jint(res, "exit"), jnum(res, "seconds"));
	else if (jtrue(res, "ok") || !lost)
		fprintf(out, "<div class=\"note\">%.1f s</div>",
		    jnum(res, "seconds"));
	fputs("</td><td>", out);
	if (jstr(res, "error") != NULL) {
		fputs("<div>", out);
		html_text(out, jstr(res, "error"), "");
		fputs("</div>", out);
	}
	html_output(out, "out", jstr(res, "out"));
	html_output(out, "err", jstr(res, "err"));
	fputs("</td>", out);
}

/* A firing's row with no result: a lost target, or a message sent. */
static void
msel_no_result(FILE *out, const json_t *inj, const json_t *f, size_t i)
{
	const char *host = json_string_value(json_array_get(json_object_get(f,
	    "targets"), i));
	bool lost = jtrue(f, "lost");

	html_td(out, "id", host);
	fprintf(out, "<td class=\"result\"><span class=\"%s\">%s</span></td>"
	    "<td>", lost ? "lost" : "ok", lost ? "lost" :
	    str_same(jstr(inj, "action"), "message") ? "sent" : "done");
	html_text(out, jstr(f, "error"), "");
	fputs("</td>", out);
}

/* When, how late and by whom: a cell spanning the firing's rows. */
static void
msel_firing_cell(FILE *out, const json_t *f, size_t rows, bool several)
{
	char at[CLOCK_TEXT], late[32];

	fprintf(out, "<td class=\"fired\" rowspan=\"%zu\">", rows);
	if (several)
		fprintf(out, "#%lld at ", jint(f, "firing"));
	fprintf(out, "%s<div class=\"note\">", clock_text(jnum(f, "actual"),
	    at));
	if (!jtrue(f, "manual") && jnum(f, "late") >= 1.0) {
		/* Whole seconds, as the fired time drops the fraction. */
		units_format_duration((long)jnum(f, "late"), late,
		    sizeof(late));
		fprintf(out, "%s late, ", late);
	} else if (!jtrue(f, "manual")) {
		fputs("on time, ", out);
	}
	fputs("by ", out);
	html_text(out, jstr(f, "by"), jtrue(f, "manual") ? "hand" :
	    "the clock");
	fputs("</div></td>", out);
}

/* The inject's own cells, spanning all its rows. */
static void
msel_inject_cells(FILE *out, const json_t *inj, size_t rows)
{
	char at[CLOCK_TEXT];

	fprintf(out, "<td class=\"num\" rowspan=\"%zu\">%s</td><td class="
	    "\"inject\" rowspan=\"%zu\"><strong class=\"id\">", rows,
	    jtrue(inj, "manual") ? "manual" : clock_text(jnum(inj, "at"), at),
	    rows);
	html_text(out, jstr(inj, "id"), "");
	fputs("</strong> (", out);
	html_text(out, jstr(inj, "action"), "");
	if (json_array_size(json_object_get(inj, "to")) > 0) {
		fputs(" to ", out);
		html_list(out, json_object_get(inj, "to"));
	}
	fputs(")", out);
	if (jstr(inj, "title") != NULL) {
		fputs("<br>", out);
		html_text(out, jstr(inj, "title"), "");
	}
	if (!jtrue(inj, "listed"))
		fputs("<div class=\"note\">not in the exercise's MSEL</div>",
		    out);
	fputs("</td>", out);
}

/* A firing's rows; the first continues the row already open. */
static void
msel_firing(FILE *out, const json_t *inj, const json_t *f, bool several)
{
	const json_t *results = json_object_get(f, "results");
	size_t i, rows = firing_rows(f);

	msel_firing_cell(out, f, rows, several);
	for (i = 0; i < rows; i++) {
		if (i > 0)
			fputs("<tr>", out);
		if (json_array_size(results) > 0)
			msel_result(out, json_array_get(results, i),
			    jtrue(f, "lost"));
		else
			msel_no_result(out, inj, f, i);
		fputs("</tr>\n", out);
	}
}

static void
msel_inject(FILE *out, const json_t *inj)
{
	const json_t *firings = json_object_get(inj, "firings");
	size_t i, n = json_array_size(firings);

	fputs("<tbody>\n<tr>", out);
	msel_inject_cells(out, inj, inject_rows(inj));
	if (n == 0)
		fputs("<td colspan=\"4\" class=\"none\">not fired</td></tr>\n",
		    out);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs("<tr>", out);
		msel_firing(out, inj, json_array_get(firings, i), n > 1);
	}
	fputs("</tbody>\n", out);
}

static void
print_msel(const json_t *doc, FILE *out)
{
	static const char *const heads[] = { "#Scheduled", "Inject", "Fired",
		"Target", "Result", "Error and output" };
	const json_t *injects = json_object_get(doc, "injects");
	size_t i, n = json_array_size(injects);
	struct msel_entry *e = xcalloc(n ? n : 1, sizeof(*e));

	for (i = 0; i < n; i++)
		e[i] = (struct msel_entry){ json_array_get(injects, i), i };
	qsort(e, n, sizeof(*e), msel_cmp);
	if (section_open(out, "msel", "The MSEL as it happened", n)) {
		fprintf(out, "<p class=\"note\">Each inject with every firing, "
		    "and each firing's result on every target; output is cut "
		    "after %d lines or %d bytes.</p>\n", HTML_OUT_LINES,
		    HTML_OUT_BYTES);
		table_open(out, "msel", heads, ARRAY_SIZE(heads), false);
		for (i = 0; i < n; i++)
			msel_inject(out, e[i].inject);
		fputs("</table>\n</section>\n", out);
	}
	free(e);
}

/* ---- penalties, one row per run of rounds ------------------------------- */

static void
penalty_row(FILE *out, const struct report_penalty_run *run)
{
	const json_t *p = run->first;

	fprintf(out, "<tr><td class=\"num\">%lld", run->from);
	if (run->to != run->from)
		fprintf(out, "–%lld", run->to);
	fputs("</td>", out);
	html_td_clock(out, jnum(p, "at"));
	html_td(out, "id", jstr(p, "team"));
	html_td(out, "id", jstr(p, "host"));
	html_td(out, "id", jstr(p, "inject"));
	html_td_points(out, -run->points);
	html_td(out, NULL, jstr(p, "reason"));
	fputs("</tr>\n", out);
}

static void
print_penalties(const json_t *doc, FILE *out)
{
	static const char *const heads[] = { "#Rounds", "#From", "Team", "Host",
		"Inject", "#Points", "Reason" };
	size_t n, i;
	struct report_penalty_run *runs = report_penalty_runs(json_object_get(doc,
	    "penalties"), &n);

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

enum column_kind {
	COL_TEXT,	/* a string, escaped */
	COL_ID,	/* the same, as an identifier */
	COL_CLOCK,	/* exercise seconds, as H:MM:SS */
	COL_POINTS,	/* an integer with its sign */
	COL_SPEED,	/* the clock's speed, "30×" */
	COL_LIST,	/* a list of strings */
	COL_REPORT,	/* an incident report's title, then its body */
	COL_LINK,	/* up or down */
	COL_OK,	/* ok, or failed with the error */
};

struct column {
	const char *head;
	const char *key;
	enum column_kind kind;
};

static bool
column_right(enum column_kind kind)
{
	return kind == COL_CLOCK || kind == COL_POINTS || kind == COL_SPEED;
}

/* ok, or failed with its error; "—" when the event does not say. */
static void
column_ok(FILE *out, const json_t *o, const char *key)
{
	if (json_object_get(o, key) == NULL) {
		fprintf(out, "<td>%s</td>", html_dash);
		return;
	}
	if (jtrue(o, key)) {
		fputs("<td class=\"ok\">ok</td>", out);
		return;
	}
	fputs("<td><span class=\"failed\">failed</span>: ", out);
	html_text(out, jstr(o, "error"), "no reason given");
	fputs("</td>", out);
}

static void
column_cell(FILE *out, const struct column *col, const json_t *o)
{
	const char *s = jstr(o, col->key);

	switch (col->kind) {
	case COL_TEXT: html_td(out, NULL, s); break;
	case COL_ID: html_td(out, "id", s); break;
	case COL_CLOCK: html_td_clock(out, jnum(o, col->key)); break;
	case COL_POINTS: html_td_points(out, jint(o, col->key)); break;
	case COL_SPEED:
		if (json_is_number(json_object_get(o, col->key)))
			fprintf(out, "<td class=\"num\">%g×</td>",
			    jnum(o, col->key));
		else
			fprintf(out, "<td class=\"num\">%s</td>", html_dash);
		break;
	case COL_LIST:
		fputs("<td>", out);
		html_list(out, json_object_get(o, col->key));
		fputs("</td>", out);
		break;
	case COL_REPORT:
		fputs("<td><strong>", out);
		html_text(out, s, "");
		fputs("</strong><div class=\"body\">", out);
		html_text(out, jstr(o, "body"), "");
		fputs("</div></td>", out);
		break;
	case COL_LINK:
		fprintf(out, "<td>%s</td>", jtrue(o, col->key) ? "up" : "down");
		break;
	case COL_OK:
		column_ok(out, o, col->key);
		break;
	}
}

/* A section listing the entries of doc's key, one row each, in order. */
static void
print_list(FILE *out, const json_t *doc, const char *id, const char *title,
    const struct column *cols)
{
	const json_t *list = json_object_get(doc, id);
	size_t i, j;

	if (!section_open(out, id, title, json_array_size(list)))
		return;
	fprintf(out, "<table class=\"%s\">\n<thead><tr>", id);
	for (j = 0; cols[j].head != NULL; j++)
		fprintf(out, column_right(cols[j].kind) ? "<th class=\"num\">%s"
		    "</th>" : "<th>%s</th>", cols[j].head);
	fputs("</tr></thead>\n<tbody>\n", out);
	for (i = 0; i < json_array_size(list); i++) {
		fputs("<tr>", out);
		for (j = 0; cols[j].head != NULL; j++)
			column_cell(out, &cols[j], json_array_get(list, i));
		fputs("</tr>\n", out);
	}
	table_close(out);
	fputs("</section>\n", out);
}

static const struct column report_columns[] = {
	{ "At", "t", COL_CLOCK }, { "Team", "team", COL_ID },
	{ "Report", "id", COL_ID }, { "Author", "author", COL_TEXT },
	{ "On inject", "inject", COL_ID }, { "Title and text", "title",
	COL_REPORT }, { NULL, NULL, COL_TEXT },
};
static const struct column grade_columns[] = {
	{ "At", "t", COL_CLOCK }, { "Team", "team", COL_ID },
	{ "Report", "report", COL_ID }, { "Points", "points", COL_POINTS },
	{ "By", "by", COL_TEXT }, { "Comment", "comment", COL_TEXT },
	{ NULL, NULL, COL_TEXT },
};
static const struct column adjustment_columns[] = {
	{ "At", "t", COL_CLOCK }, { "Team", "team", COL_ID },
	{ "Points", "points", COL_POINTS }, { "By", "by", COL_TEXT },
	{ "Reason", "reason", COL_TEXT }, { NULL, NULL, COL_TEXT },
};
static const struct column message_columns[] = {
	{ "At", "t", COL_CLOCK }, { "To", "to", COL_LIST },
	{ "From inject", "inject", COL_ID }, { "By", "by", COL_TEXT },
	{ "Text", "text", COL_TEXT }, { NULL, NULL, COL_TEXT },
};
static const struct column host_columns[] = {
	{ "At", "t", COL_CLOCK }, { "Host", "name", COL_ID },
	{ "Team", "team", COL_ID }, { "State", "state", COL_TEXT },
	{ "Reason", "reason", COL_TEXT }, { NULL, NULL, COL_TEXT },
};
static const struct column link_columns[] = {
	{ "At", "t", COL_CLOCK }, { "Host", "host", COL_ID },
	{ "Network", "network", COL_ID }, { "Link", "up", COL_LINK },
	{ "Inject", "inject", COL_ID }, { "Result", "ok", COL_OK },
	{ NULL, NULL, COL_TEXT },
};
static const struct column clock_columns[] = {
	{ "At", "t", COL_CLOCK }, { "State", "state", COL_TEXT },
	{ "Speed", "speed", COL_SPEED }, { "Reason", "reason", COL_TEXT },
	{ "By", "by", COL_TEXT }, { NULL, NULL, COL_TEXT },
};

static void
print_lists(const json_t *doc, FILE *out)
{
	print_list(out, doc, "reports", "Incident reports", report_columns);
	print_list(out, doc, "grades", "Grades", grade_columns);
	print_list(out, doc, "adjustments", "Adjustments", adjustment_columns);
	print_list(out, doc, "messages", "Messages", message_columns);
	print_list(out, doc, "hosts", "Host state changes", host_columns);
	print_list(out, doc, "links", "Link events", link_columns);
	print_list(out, doc, "clock", "Clock", clock_columns);
}

/* ---- rounds, and the page ----------------------------------------------- */

static void
print_rounds(const json_t *doc, FILE *out)
{
	const json_t *rounds = json_object_get(doc, "rounds");
	const json_t *teams = json_object_get(doc, "teams");
	char buf[POINTS_TEXT];
	size_t i, j;

	if (!section_open(out, "rounds", "Scores after each round",
	    json_array_size(rounds)))
		return;
	fputs("<table class=\"rounds\">\n<thead><tr><th class=\"num\">Round"
	    "</th><th class=\"num\">At</th>", out);
	for (j = 0; j < json_array_size(teams); j++) {
		fputs("<th class=\"num\"><span class=\"id\">", out);
		html_text(out, jstr(json_array_get(teams, j), "id"), "");
		fputs("</span></th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (i = 0; i < json_array_size(rounds); i++) {
		const json_t *r = json_array_get(rounds, i);
		const json_t *scores = json_object_get(r, "scores");

		fprintf(out, "<tr><td class=\"num\">%lld</td>", jint(r, "n"));
		html_td_clock(out, jnum(r, "at"));
		for (j = 0; j < json_array_size(teams); j++) {
			const char *id = jstr(json_array_get(teams, j), "id");

			fprintf(out, "<td class=\"num\">%s</td>",
			    points_text(jint(scores, id), false, buf));
		}
		fputs("</tr>\n", out);
	}
	table_close(out);
	fputs("</section>\n", out);
}

int
report_print_html(const struct report *report, FILE *out)
{
	static void (*const sections[])(const json_t *, FILE *) = {
		print_header, print_scores, print_chart, print_msel,
		print_penalties, print_lists, print_rounds,
	};
	json_t *doc = report_to_json(report);
	size_t i;

	print_head(json_object_get(doc, "exercise"), out);
	for (i = 0; i < ARRAY_SIZE(sections); i++)
		sections[i](doc, out);
	fprintf(out, "\n<footer>Made by <code>rangectl report</code> from the "
	    "journal alone (%lld events). Times are exercise time, h:mm:ss "
	    "from the start of the clock.</footer>\n</body>\n</html>\n",
	    jint(json_object_get(doc, "exercise"), "events"));
	json_decref(doc);
	return ferror(out) ? -1 : 0;
}
