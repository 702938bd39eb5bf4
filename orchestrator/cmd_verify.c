/*
 * cmd_verify.c: rangectl verify STATE [--connect URI | --node URI...]
 * [--no-live] [--json], and the digests `up` and `run` take
 * (cmd_range_digests(), cmd_range_event()): the proof that every team got
 * the same range, and still has it (docs/internals/coalition.md, point 5).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rangectl/cluster.h"
#include "rangectl/cmd.h"
#include "rangectl/diag.h"
#include "rangectl/event.h"
#include "rangectl/fairness.h"
#include "rangectl/fairness_live.h"
#include "rangectl/imagesum.h"
#include "rangectl/journal.h"
#include "rangectl/range.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

int
cmd_range_digests(const struct range *range, struct cluster *cl,
    struct cmd_digests *d, char **error)
{
	const struct plan *plan = range->plan;
	char *cache = imagesum_cache_path();
	char **sums;
	int rc;

	d->n = plan->n_teams;
	d->teams = xcalloc(d->n + 1, sizeof(*d->teams));
	d->live = xcalloc(d->n + 1, sizeof(*d->live));
	sums = imagesum_plan(plan, cache, &d->image_bytes);
	rc = fairness_compute(plan, (const char *const *)sums, d->teams);
	imagesum_free(sums, plan->n_images);
	free(cache);
	if (rc < 0) {
		*error = xstrdup("cannot hash the range: GnuTLS's SHA-256 failed");
		return -1;
	}
	d->has_live = cl != NULL && fairness_live_lasts(cl);
	if (d->has_live && fairness_live(plan, cl, d->live, error) < 0)
		return -1;
	return 0;
}

void
cmd_digests_clear(struct cmd_digests *d)
{
	free(d->teams);
	free(d->live);
	memset(d, 0, sizeof(*d));
}

/* The sentences of fairness_warnings(), split: owned array of owned. */
static char **
warning_lines(const struct cmd_digests *d, size_t *n)
{
	char *all = fairness_warnings(d->teams, d->n), *p, *nl;
	char **lines = NULL;

	*n = 0;
	for (p = all; p != NULL && *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		lines = xrealloc(lines, (*n + 1) * sizeof(*lines));
		lines[(*n)++] = xstrndup(p, (size_t)(nl - p));
	}
	free(all);
	return lines;
}

json_t *
cmd_range_event(const struct cmd_digests *d)
{
	struct event_range_team *teams = xcalloc(d->n + 1, sizeof(*teams));
	struct event ev;
	char **lines;
	size_t i, n;
	json_t *o;

	lines = warning_lines(d, &n);
	for (i = 0; i < d->n; i++) {
		const struct fairness_team *t = &d->teams[i];

		teams[i] = (struct event_range_team){ t->team, t->digest,
		    t->parts[FAIRNESS_NETWORKS], t->parts[FAIRNESS_HOSTS],
		    t->parts[FAIRNESS_CHECKS], t->parts[FAIRNESS_INJECTS],
		    t->parts[FAIRNESS_IMAGES], d->has_live ? d->live[i] : NULL };
	}
	event_init(&ev, EVENT_RANGE);
	ev.has_t = false;
	ev.u.range = (struct event_range){ teams, d->n,
	    (const char **)xcalloc(n + 1, sizeof(char *)), n };
	if (n > 0)	/* lines is NULL when no team differs */
		memcpy(ev.u.range.differ, lines, n * sizeof(*lines));
	o = event_encode(&ev);
	event_clear(&ev);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return o;
}

void
cmd_range_warn(const char *who, const struct cmd_digests *d)
{
	char **lines;
	size_t i, n;

	lines = warning_lines(d, &n);
	for (i = 0; i < n; i++) {
		fprintf(stderr, "rangectl %s: warning: %s\n", who, lines[i]);
		free(lines[i]);
	}
	free(lines);
}

/* ---- verify ------------------------------------------------------------ */

struct verify_args {
	const char *connect;
	struct cmd_nodes nodes;
	bool no_live;
	bool json;
};

/* What the journal says: its scenario and its last range event. */
struct verify_journal {
	char *name;
	char *scenario;
	json_t *range;	/* the last range event, owned */
};

static int
scan_event(const json_t *o, void *ctx)
{
	struct verify_journal *j = ctx;
	const char *type = json_string_value(json_object_get(o, "type"));

	if (type != NULL && strcmp(type, "exercise") == 0 && j->name == NULL) {
		j->name = xstrdup(json_string_value(json_object_get(o, "name")) ?
		    json_string_value(json_object_get(o, "name")) : "?");
		if (json_string_value(json_object_get(o, "scenario")) != NULL)
			j->scenario = xstrdup(json_string_value(json_object_get(o,
			    "scenario")));
	} else if (type != NULL && strcmp(type, "range") == 0) {
		json_decref(j->range);
		j->range = json_deep_copy(o);
	}
	return 0;
}

static void
journal_clear(struct verify_journal *j)
{
	free(j->name);
	free(j->scenario);
	json_decref(j->range);
}

/* Reads STATE's journal. 0, or -1 having said why. */
static int
read_journal(const char *state, struct verify_journal *j)
{
	char *path = xasprintf("%s/%s", state, JOURNAL_FILE), *error = NULL;
	int rc = -1;

	if (access(path, F_OK) < 0)
		fprintf(stderr, "rangectl verify: '%s' has no journal (%s): give "
		    "the state folder of a run\n", state, JOURNAL_FILE);
	else if (journal_replay(path, scan_event, j, &error) < 0)
		fprintf(stderr, "rangectl verify: %s\n", error);
	else if (j->scenario == NULL)
		fprintf(stderr, "rangectl verify: the journal in '%s' does not "
		    "name its scenario\n", state);
	else if (j->range == NULL)
		fprintf(stderr, "rangectl verify: the journal in '%s' has no "
		    "range event: the run that wrote it predates format 5, or "
		    "never got past up\n", state);
	else
		rc = 0;
	free(error);
	free(path);
	return rc;
}

static const char *
journaled_part(const json_t *team, int part)
{
	const char *v = json_string_value(json_object_get(team,
	    fairness_part_name(part)));

	return v ? v : "";
}

/* The journaled entry of team id, or NULL. */
static const json_t *
journaled_team(const json_t *range, const char *id)
{
	const json_t *teams = json_object_get(range, "teams"), *t;
	size_t i;

	for (i = 0; i < json_array_size(teams); i++) {
		t = json_array_get(teams, i);
		if (strcmp(json_string_value(json_object_get(t, "team")) ?
		    json_string_value(json_object_get(t, "team")) : "", id) == 0)
			return t;
	}
	return NULL;
}

/*
 * One team's verdict: the list of what changed (parts, "live", or
 * "team"), empty when all holds. live_compared says whether live counts.
 */
static json_t *
team_changes(const json_t *was, const struct cmd_digests *d, size_t i,
    bool live_compared)
{
	json_t *changed = json_array();
	const char *live;
	int part;

	if (was == NULL) {
		json_array_append_new(changed, json_string("team"));
		return changed;
	}
	for (part = 0; part < FAIRNESS_PARTS; part++)
		if (strcmp(journaled_part(was, part), d->teams[i].parts[part]) != 0)
			json_array_append_new(changed, json_string(
			    fairness_part_name(part)));
	live = json_string_value(json_object_get(was, "live"));
	if (live_compared && live != NULL && strcmp(live, d->live[i]) != 0)
		json_array_append_new(changed, json_string("live"));
	return changed;
}

static json_t *
team_json(const json_t *was, const struct cmd_digests *d, size_t i,
    bool live_compared)
{
	json_t *now = json_object(), *changed;
	int part;

	json_object_set_new(now, "digest", json_string(d->teams[i].digest));
	for (part = 0; part < FAIRNESS_PARTS; part++)
		json_object_set_new(now, fairness_part_name(part), json_string(
		    d->teams[i].parts[part]));
	json_object_set_new(now, "live", d->has_live ?
	    json_string(d->live[i]) : json_null());
	changed = team_changes(was, d, i, live_compared);
	return json_pack("{s:s, s:b, s:o, s:O, s:o}", "team", d->teams[i].team,
	    "holds", json_array_size(changed) == 0, "changed", changed,
	    "journaled", was ? (json_t *)was : json_null(), "now", now);
}

/* Why live digests are not compared, or NULL when they are. */
static const char *
live_skipped(const struct verify_args *a, const struct cmd_digests *d,
    const json_t *range)
{
	const json_t *teams = json_object_get(range, "teams");
	size_t i;

	if (a->no_live)
		return "--no-live";
	if (!d->has_live)
		return "libvirt's test driver keeps no range between processes";
	for (i = 0; i < json_array_size(teams); i++)
		if (json_is_string(json_object_get(json_array_get(teams, i),
		    "live")))
			return NULL;
	return "the run journaled none (it ran on libvirt's test driver)";
}

static void
print_text(const json_t *doc)
{
	const json_t *teams = json_object_get(doc, "teams"), *t, *changed, *was;
	const json_t *now;
	const char *skip = json_string_value(json_object_get(doc,
	    "live_skipped"));
	size_t i, j;

	printf("exercise '%s', scenario %s\n", json_string_value(
	    json_object_get(doc, "exercise")), json_string_value(
	    json_object_get(doc, "scenario")));
	for (i = 0; i < json_array_size(teams); i++) {
		t = json_array_get(teams, i);
		changed = json_object_get(t, "changed");
		now = json_object_get(t, "now");
		if (json_array_size(changed) == 0) {
			printf("%s: holds (%.16s)\n", json_string_value(
			    json_object_get(t, "team")), json_string_value(
			    json_object_get(now, "digest")));
			continue;
		}
		was = json_object_get(t, "journaled");
		printf("%s: CHANGED:", json_string_value(json_object_get(t,
		    "team")));
		for (j = 0; j < json_array_size(changed); j++) {
			const char *part = json_string_value(json_array_get(changed,
			    j));
			const char *w = json_string_value(json_object_get(was, part));
			const char *n = json_string_value(json_object_get(now, part));

			printf("%s %s (was %.16s, now %.16s)", j ? "," : "", part,
			    w ? w : "none", n ? n : "none");
		}
		printf("\n");
	}
	if (skip != NULL)
		printf("live range: not compared (%s)\n", skip);
	printf("%s\n", json_is_true(json_object_get(doc, "holds")) ?
	    "every team's range holds" : "some team's range changed since it "
	    "was journaled");
}

/* The verdict as JSON, new; holds when every team's does. */
static json_t *
verdict(const struct verify_journal *j, const struct cmd_digests *d,
    const struct verify_args *a)
{
	const char *skip = live_skipped(a, d, j->range);
	json_t *teams = json_array(), *one;
	bool holds = true;
	size_t i;

	for (i = 0; i < d->n; i++) {
		one = team_json(journaled_team(j->range, d->teams[i].team), d, i,
		    skip == NULL);
		holds &= json_is_true(json_object_get(one, "holds"));
		json_array_append_new(teams, one);
	}
	if (json_array_size(json_object_get(j->range, "teams")) != d->n)
		holds = false;	/* a team gone from the scenario */
	return json_pack("{s:s, s:s, s:b, s:o, s:o}", "exercise", j->name,
	    "scenario", j->scenario, "holds", holds, "teams", teams,
	    "live_skipped", skip ? json_string(skip) : json_null());
}

/* Loads the range (and its nodes unless --no-live). An exit status. */
static int
open_range(const struct cmd_ctx *ctx, const struct verify_journal *j,
    const struct verify_args *a, struct range *range, struct cluster *cl,
    bool *opened)
{
	struct diag_list diags;
	int rc;

	*opened = false;
	if (!a->no_live) {
		rc = cmd_open_cluster(ctx, j->scenario, a->connect, &a->nodes,
		    range, cl);
		*opened = rc == EXIT_OK;
		return rc;
	}
	diag_list_init(&diags);
	rc = range_load(range, j->scenario, &diags);
	if (rc < 0)
		diag_print(&diags, j->scenario, stderr);
	diag_list_clear(&diags);
	return rc < 0 ? EXIT_FAILED : EXIT_OK;
}

static int
run_verify(const struct cmd_ctx *ctx, const char *state,
    const struct verify_args *a)
{
	struct verify_journal j = { 0 };
	struct cmd_digests d = { 0 };
	struct range range = { 0 };
	struct cluster cl;
	char *error = NULL;
	bool opened = false;
	json_t *doc;
	int rc;

	if (read_journal(state, &j) < 0) {
		journal_clear(&j);
		return EXIT_FAILED;
	}
	rc = open_range(ctx, &j, a, &range, &cl, &opened);
	if (rc == EXIT_OK && cmd_range_digests(&range, opened ? &cl : NULL, &d,
	    &error) < 0) {
		fprintf(stderr, "rangectl verify: %s\n", error);
		rc = EXIT_FAILED;
	} else if (rc == EXIT_OK) {
		doc = verdict(&j, &d, a);
		if (a->json) {
			json_dumpf(doc, stdout, JSON_INDENT(2) |
			    JSON_PRESERVE_ORDER);
			putchar('\n');
		} else {
			print_text(doc);
		}
		rc = json_is_true(json_object_get(doc, "holds")) ? EXIT_OK :
		    EXIT_FAILED;
		json_decref(doc);
	}
	free(error);
	cmd_digests_clear(&d);
	if (opened)
		cluster_close(&cl);
	range_clear(&range);
	journal_clear(&j);
	return rc;
}

static int
verify_option(const struct cmd_ctx *ctx, int key, const char *value,
    void *arg)
{
	struct verify_args *a = arg;

	switch (key) {
	case 'c': a->connect = value; break;
	case 'N': cmd_nodes_add(&a->nodes, value); break;
	case 'L': a->no_live = true; break;
	case 'j': a->json = true; break;
	default:
		return cmd_usage_error(ctx, "unknown option");
	}
	return CMD_GO_ON;
}

int
cmd_verify(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct verify_args args = { 0 };
	int rc;

	rc = cmd_parse_options(ctx, argc, argv, verify_option, &args);
	if (rc == CMD_GO_ON && argc - optind != 1)
		rc = cmd_usage_error(ctx, "give exactly one state folder");
	else if (rc == CMD_GO_ON)
		rc = run_verify(ctx, argv[optind], &args);
	cmd_nodes_clear(&args.nodes);
	return rc;
}
