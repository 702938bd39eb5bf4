/*
 * test_report.c: the after-action report's model, from the golden
 * journals of tests/journals: scores as the ledger has them, firings
 * joined with their results, and damaged events refused.
 */
#include "harness.h"

#include <sys/stat.h>
#include <unistd.h>

#include "rangectl/journal.h"
#include "rangectl/report.h"
#include "rangectl/util.h"

struct replay {
	struct report *r;
	char *error;
};

static int
apply_one(const json_t *event, void *ctx)
{
	struct replay *rp = ctx;

	return report_apply(rp->r, event, &rp->error);
}

/* The report of one of tests/journals; 0, or -1 (with the error shown). */
static int
load(struct report *r, const char *name)
{
	char *path = xasprintf("tests/journals/%s.jsonl", name), *error = NULL;
	struct replay rp = { .r = r };
	long n;

	report_init(r);
	n = journal_replay(path, apply_one, &rp, &error);
	if (n < 0)
		fprintf(stderr, "%s: %s\n", rp.error ? rp.error : error, path);
	free(rp.error);
	free(error);
	free(path);
	return n < 0 ? -1 : 0;
}

/* Applies one event given as text; returns report_apply's answer. */
static int
apply(struct report *r, const char *text, char **error)
{
	json_error_t jerr;
	json_t *ev = json_loads(text, 0, &jerr);
	int rc;

	if (!CHECK(ev != NULL))
		return -2;
	rc = report_apply(r, ev, error);
	json_decref(ev);
	return rc;
}

static long long
total(const struct report *r, const char *team)
{
	const struct score_team *t = report_team(r, team);

	return t != NULL ? score_total(t) : -999999;
}

/* Feeds the journal to a ledger of its own, as the engine does. */
struct ledger_replay {
	struct score_ledger ledger;
	int failures;
};

static int
ledger_one(const json_t *event, void *ctx)
{
	struct ledger_replay *lr = ctx;
	struct event ev;
	char *error = NULL;

	if (event_decode(event, 0, &ev, &error) < 0 ||
	    score_apply(&lr->ledger, &ev, &error) < 0)
		lr->failures++;
	event_clear(&ev);
	free(error);
	return 0;
}

TEST(scores_are_the_ledgers)
{
	struct ledger_replay lr = { .failures = 0 };
	struct report r;
	char *error = NULL;
	size_t i, j;

	if (!CHECK_INT_EQ(load(&r, "complete"), 0))
		return;
	/* The report's teams make the scenario of an independent ledger. */
	score_ledger_init(&lr.ledger, r.sc.teams, r.sc.n_teams);
	CHECK(journal_replay("tests/journals/complete.jsonl", ledger_one, &lr,
	    &error) > 0);
	CHECK_INT_EQ(lr.failures, 0);
	CHECK_INT_EQ(r.ledger.n_teams, lr.ledger.n_teams);
	CHECK_INT_EQ(r.ledger.n_rounds, lr.ledger.n_rounds);
	for (i = 0; i < r.ledger.n_teams && i < lr.ledger.n_teams; i++)
		CHECK_INT_EQ(score_total(&r.ledger.teams[i]),
		    score_total(&lr.ledger.teams[i]));
	for (i = 0; i < r.ledger.n_rounds && i < lr.ledger.n_rounds; i++)
		for (j = 0; j < r.ledger.n_teams; j++)
			CHECK_INT_EQ(r.ledger.rounds[i].scores[j],
			    lr.ledger.rounds[i].scores[j]);
	/* And by hand: availability - penalties + reports + adjustments. */
	CHECK_INT_EQ(total(&r, "ro"), 75 - 20 + 0 - 5);
	CHECK_INT_EQ(total(&r, "md"), 75 - 60 + 15 + 0);
	CHECK_INT_EQ(report_team(&r, "md")->reports, 15);
	CHECK_INT_EQ(report_team(&r, "ro")->adjustments, -5);
	CHECK_INT_EQ(total(&r, "red"), 0);
	CHECK(report_team(&r, "nobody") == NULL);
	CHECK_INT_EQ(r.ledger.n_rounds, 6);
	CHECK_INT_EQ(r.lists.n_penalties, 3);
	score_ledger_clear(&lr.ledger);
	free(error);
	report_clear(&r);
}

TEST(exercise_and_clock)
{
	struct report r;

	if (!CHECK_INT_EQ(load(&r, "complete"), 0))
		return;
	CHECK_STR_EQ(r.name, "drill");
	CHECK_STR_EQ(r.title, "Coalition drill");
	CHECK_INT_EQ(r.duration, 3600);
	CHECK_INT_EQ(r.interval, 600);
	CHECK_INT_EQ(r.sc.n_teams, 4);
	CHECK_STR_EQ(r.sc.teams[3].id, "white");
	CHECK(r.sc.teams[3].name == NULL);
	CHECK_INT_EQ(r.sc.teams[2].role, ROLE_RED);
	CHECK_STR_EQ(r.state, "ended");
	CHECK(!r.interrupted);
	CHECK(r.elapsed == 3600.0);
	CHECK_INT_EQ(r.events, 29);
	CHECK_INT_EQ(r.lists.n_clock, 4);
	report_clear(&r);
}

TEST(firings_joined_with_results)
{
	const struct report_inject *inj;
	const struct report_firing *f;
	struct report r;

	if (!CHECK_INT_EQ(load(&r, "complete"), 0))
		return;
	CHECK_INT_EQ(r.n_injects, 6);
	inj = report_inject(&r, "deface");
	if (!CHECK(inj != NULL) || !CHECK_INT_EQ(inj->n_firings, 1))
		goto cleanup;
	f = &inj->firings[0];
	CHECK_INT_EQ(f->n, 1);
	CHECK(f->answered && !f->lost && !f->manual);
	CHECK(f->scheduled == 900.0 && f->actual == 947.5 && f->late == 47.5);
	if (CHECK_INT_EQ(f->n_results, 2)) {
		CHECK(f->results[0].ok);
		CHECK(!f->results[1].ok);
		CHECK_STR_EQ(f->results[1].host, "ex-md-web");
		CHECK_STR_EQ(f->results[1].error,
		    "'deface.sh' exited with status 1 in 'ex-md-web'");
		CHECK(f->results[1].has_exit);
		CHECK_INT_EQ(f->results[1].exit, 1);
	}
	/* Fired, and its results never came: lost. */
	inj = report_inject(&r, "wipe");
	if (CHECK(inj != NULL) && CHECK_INT_EQ(inj->n_firings, 1)) {
		CHECK(inj->firings[0].lost && !inj->firings[0].answered);
		CHECK_INT_EQ(inj->firings[0].n_results, 0);
		CHECK_INT_EQ(inj->firings[0].n_targets, 1);
	}
	/* By hand, by control, a message with no target host. */
	inj = report_inject(&r, "press");
	if (CHECK(inj != NULL) && CHECK_INT_EQ(inj->n_firings, 1)) {
		CHECK(inj->manual && inj->at == -1);
		CHECK(inj->firings[0].manual && inj->firings[0].answered);
		CHECK_STR_EQ(inj->firings[0].by, "control");
		CHECK_INT_EQ(inj->n_to, 2);
	}
	inj = report_inject(&r, "hint");
	CHECK(inj != NULL && inj->n_firings == 0);
cleanup:
	report_clear(&r);
}

TEST(resumed_run)
{
	const struct report_inject *inj;
	struct report r;

	if (!CHECK_INT_EQ(load(&r, "resumed"), 0))
		return;
	CHECK_STR_EQ(r.state, "paused");
	CHECK(!r.interrupted);
	/* The engine's own word that a firing's results were lost. */
	inj = report_inject(&r, "drop-db");
	if (CHECK(inj != NULL) && CHECK_INT_EQ(inj->n_firings, 1))
		CHECK(inj->firings[0].lost && inj->firings[0].answered);
	/* Two firings by hand, each joined with its own result. */
	inj = report_inject(&r, "call");
	if (CHECK(inj != NULL) && CHECK_INT_EQ(inj->n_firings, 2)) {
		CHECK_INT_EQ(inj->firings[1].n, 2);
		CHECK(inj->firings[1].answered && !inj->firings[1].lost);
	}
	/* Not in the exercise event: known from its firing. */
	inj = report_inject(&r, "scan-late");
	if (CHECK(inj != NULL)) {
		CHECK(!inj->listed);
		CHECK_INT_EQ(inj->at, 450);
		CHECK(inj->n_firings == 1 && inj->firings[0].answered);
	}
	CHECK_INT_EQ(total(&r, "ua"), 8 - 6);
	CHECK_INT_EQ(total(&r, "red"), 10);
	report_clear(&r);
}

/* Takes in the journal's exercise event only, as the view's first half does. */
static int
exercise_only(const json_t *event, void *ctx)
{
	struct replay *rp = ctx;
	const char *type = json_string_value(json_object_get(event, "type"));

	if (type == NULL || strcmp(type, "exercise") != 0)
		return 0;
	return report_apply(rp->r, event, &rp->error);
}

/*
 * A report of the exercise event alone, then state restored onto it by
 * restore (report_state_restore or its ledger half): its return.
 */
static int
restored_onto_exercise(struct report *h, const json_t *state, const char *bin,
    size_t len, int (*restore)(struct report *, const json_t *, const char *,
    size_t, char **))
{
	struct replay rp = { .r = h };
	char *error = NULL;
	int rc;

	report_init(h);
	CHECK(journal_replay("tests/journals/complete.jsonl", exercise_only, &rp,
	    &error) > 0);
	rc = restore(h, state, bin, len, &error);
	free(rp.error);
	free(error);
	return rc;
}

static void
check_same_json(json_t *a, json_t *b)
{
	CHECK(a != NULL && b != NULL && json_equal(a, b));
	json_decref(a);
	json_decref(b);
}

/*
 * The ledger half of a report state restored: the same ledger as the
 * whole (every route of the ledger answers alike), no penalties; and a
 * state whose penalties are not as many as it says refused all the same.
 */
TEST(state_restored_ledger_only)
{
	struct report r, h;
	char *bin = NULL;
	size_t len = 0;
	json_t *state;

	if (!CHECK_INT_EQ(load(&r, "complete"), 0))
		return;
	state = report_state_to_json(&r, &bin, &len);
	if (CHECK_INT_EQ(restored_onto_exercise(&h, state, bin, len,
	    report_state_restore_ledger), 0)) {
		check_same_json(score_to_json(&h.ledger), score_to_json(&r.ledger));
		check_same_json(score_history_to_json(&h.ledger),
		    score_history_to_json(&r.ledger));
		check_same_json(score_uptime_to_json(&h.ledger, NULL),
		    score_uptime_to_json(&r.ledger, NULL));
		CHECK_INT_EQ(h.ledger.n_rounds, 6);
		CHECK_INT_EQ(h.lists.n_penalties, 0);
		CHECK_INT_EQ(h.events, r.events);
	}
	report_clear(&h);
	/* The whole restore has them. */
	if (CHECK_INT_EQ(restored_onto_exercise(&h, state, bin, len,
	    report_state_restore), 0))
		CHECK_INT_EQ(h.lists.n_penalties, 3);
	report_clear(&h);
	/* Records cut short, or one penalty fewer than counted. */
	CHECK_INT_EQ(restored_onto_exercise(&h, state, bin, len - 1,
	    report_state_restore_ledger), -1);
	report_clear(&h);
	json_object_set_new(state, "penalties", json_integer(4));
	CHECK_INT_EQ(restored_onto_exercise(&h, state, bin, len,
	    report_state_restore_ledger), -1);
	report_clear(&h);
	json_decref(state);
	free(bin);
	report_clear(&r);
}

TEST(interrupted_run)
{
	struct report r;

	if (!CHECK_INT_EQ(load(&r, "interrupted"), 0))
		return;
	CHECK_STR_EQ(r.state, "running");
	CHECK(r.interrupted);
	/* The cut last line never counted. */
	CHECK_INT_EQ(r.events, 26);
	CHECK(r.elapsed == 2700.0);
	CHECK_INT_EQ(r.ledger.n_rounds, 4);
	report_clear(&r);
}

TEST(json_shape)
{
	struct report r;
	json_t *doc, *firing;

	if (!CHECK_INT_EQ(load(&r, "complete"), 0))
		return;
	doc = report_to_json(&r);
	CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(doc,
	    "exercise"), "state")), "ended");
	CHECK(json_number_value(json_object_get(json_object_get(doc,
	    "exercise"), "elapsed")) == 3600.0);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(
	    json_object_get(doc, "teams"), 0), "score")), 50);
	CHECK_INT_EQ(json_array_size(json_object_get(doc, "rounds")), 6);
	firing = json_array_get(json_object_get(json_array_get(
	    json_object_get(doc, "injects"), 1), "firings"), 0);
	CHECK(json_real_value(json_object_get(firing, "actual")) == 947.5);
	CHECK_INT_EQ(json_array_size(json_object_get(firing, "results")), 2);
	CHECK(json_is_false(json_object_get(firing, "manual")));
	CHECK_INT_EQ(json_array_size(json_object_get(doc, "grades")), 1);
	CHECK_INT_EQ(json_array_size(json_object_get(doc, "adjustments")), 1);
	CHECK_INT_EQ(json_array_size(json_object_get(doc, "messages")), 2);
	CHECK_INT_EQ(json_array_size(json_object_get(doc, "hosts")), 2);
	CHECK_INT_EQ(json_array_size(json_object_get(doc, "links")), 2);
	json_decref(doc);
	report_clear(&r);
}

/* The lists of the model, typed, as the edge journal has them. */
TEST(lists_typed)
{
	const struct report_lists *l;
	struct report r;
	size_t n;
	struct report_penalty_run *runs;

	if (!CHECK_INT_EQ(load(&r, "edge"), 0))
		return;
	l = &r.lists;
	/* The speed: an integer written by hand is a number too, none, a real. */
	if (CHECK_INT_EQ(l->n_clock, 4)) {
		CHECK_INT_EQ(l->clock[0].speed_kind, REPORT_SPEED_REAL);
		CHECK(l->clock[0].speed == 2);
		CHECK_INT_EQ(l->clock[1].speed_kind, REPORT_SPEED_NONE);
		CHECK(l->clock[1].reason == NULL);
		CHECK_STR_EQ(l->clock[1].by, "ctl");
		CHECK_INT_EQ(l->clock[2].speed_kind, REPORT_SPEED_REAL);
		CHECK(l->clock[2].speed == 0.5);
	}
	/* A link event that does not say whether it worked, one that does. */
	if (CHECK_INT_EQ(l->n_links, 3)) {
		CHECK(!l->links[0].has_ok);
		CHECK(l->links[1].has_ok && !l->links[1].ok);
		CHECK(l->links[1].error == NULL);
		CHECK_STR_EQ(l->links[2].error, "no such interface");
	}
	if (CHECK_INT_EQ(l->n_reports, 2)) {
		CHECK(l->reports[0].author == NULL);
		CHECK(l->reports[0].body == NULL);
		CHECK_STR_EQ(l->reports[1].body, "first\nsecond");
	}
	if (CHECK_INT_EQ(l->n_messages, 2))
		CHECK(l->messages[1].n_to == 0 &&
		    l->messages[1].inject == NULL);
	CHECK_INT_EQ(l->n_grades, 1);
	CHECK_INT_EQ(l->n_adjustments, 2);
	CHECK_INT_EQ(l->n_hosts, 2);
	/* Every active compromise of every round; runs of following rounds. */
	CHECK_INT_EQ(l->n_penalties, 6);
	runs = report_penalty_runs(&r, &n);
	if (CHECK_INT_EQ(n, 4)) {
		CHECK(runs[0].from == 1 && runs[0].to == 3);
		CHECK_INT_EQ(runs[0].points, 6);
		CHECK(runs[0].first->reason == NULL);
		CHECK_STR_EQ(runs[1].first->reason, "beacon");
		CHECK(runs[3].from == 5 && runs[3].to == 5);
	}
	free(runs);
	report_clear(&r);
}

#define EXERCISE "{\"seq\":1,\"type\":\"exercise\",\"t\":0,\"name\":\"x\"," \
	"\"title\":null,\"duration\":60,\"interval\":10,\"timeout\":2," \
	"\"teams\":[{\"id\":\"ro\",\"name\":null,\"role\":\"blue\"}]," \
	"\"injects\":[],\"hosts\":[]}"

TEST(malformed_events_refused)
{
	static const struct {
		const char *event;
		const char *error;
	} cases[] = {
		{ "{\"seq\":2,\"type\":\"clock\",\"t\":1,\"state\":\"gone\"}",
		  "event 2 (clock): 'state' must be running, paused or ended, "
		  "not 'gone'" },
		{ "{\"seq\":2,\"type\":\"grade\",\"t\":1,\"report\":\"r1\","
		  "\"team\":\"md\",\"points\":3}",
		  "event 2 (grade): 'team' names team 'md', which the exercise "
		  "event does not list" },
		{ "{\"seq\":2,\"type\":\"inject_result\",\"t\":1,\"id\":\"a\","
		  "\"firing\":1,\"results\":[]}",
		  "event 2 (inject_result): no inject event before it fired "
		  "inject 'a' (firing 1)" },
		{ "{\"seq\":2,\"type\":\"inject\",\"t\":1,\"id\":\"a\","
		  "\"action\":\"exec\",\"firing\":0,\"scheduled\":null,"
		  "\"actual\":1,\"late\":0,\"manual\":true,\"by\":null,"
		  "\"targets\":[]}",
		  "event 2 (inject): 'firing' must be 1 or more, not 0" },
		{ "{\"seq\":2,\"type\":\"round\",\"t\":1,\"n\":1,\"at\":1,"
		  "\"checks\":[7],\"compromises\":[]}",
		  "event 2 (round): 'checks[0]' must be an object" },
		{ "{\"seq\":2,\"type\":\"host\",\"state\":\"crashed\"}",
		  "event 2 (host): 't' must be a number" },
	};
	struct report r;
	char *error;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		report_init(&r);
		error = NULL;
		CHECK_INT_EQ(apply(&r, EXERCISE, &error), 0);
		CHECK_INT_EQ(apply(&r, cases[i].event, &error), -1);
		CHECK_STR_EQ(error, cases[i].error);
		free(error);
		report_clear(&r);
	}
}

TEST(unknown_types_refused_exercise_first)
{
	struct report r;
	char *error = NULL;

	report_init(&r);
	CHECK_INT_EQ(apply(&r, "{\"seq\":1,\"type\":\"clock\",\"t\":0,"
	    "\"state\":\"running\"}", &error), -1);
	CHECK_STR_EQ(error, "event 1 (clock): the journal must begin with the "
	    "exercise event that rangectl run writes first");
	free(error);
	report_clear(&r);

	report_init(&r);
	error = NULL;
	CHECK_INT_EQ(apply(&r, EXERCISE, &error), 0);
	CHECK_INT_EQ(apply(&r, "{\"seq\":2,\"type\":\"revert\",\"t\":5,"
	    "\"host\":\"x\"}", &error), 0);
	CHECK(error == NULL);
	CHECK(r.elapsed == 5.0);
	CHECK_STR_EQ(r.state, "pending");
	/* A type this rangectl does not know: refused, as the engine does. */
	CHECK_INT_EQ(apply(&r, "{\"seq\":3,\"type\":\"banner\",\"t\":6}",
	    &error), -1);
	CHECK_STR_EQ(error, "event 3 (banner): 'type' must be one of exercise, "
	    "clock, inject, inject_result, round, link, message, report, "
	    "grade, adjustment, host, revert, change, flag, capture, login, intel, "
	    "range; a journal of format 5 has no other");
	CHECK(r.elapsed == 5.0);
	free(error);
	report_clear(&r);
}

TEST(load_missing_folder_or_journal)
{
	struct report r;
	char *dir = xstrdup("/tmp/rangectl-report-XXXXXX"), *error = NULL;

	CHECK_INT_EQ(report_load(&r, "/tmp/rangectl-report-does-not-exist",
	    &error), -1);
	CHECK_STR_EQ(error, "there is no state folder "
	    "'/tmp/rangectl-report-does-not-exist'");
	free(error);
	error = NULL;
	if (!CHECK(mkdtemp(dir) != NULL))
		goto cleanup;
	CHECK_INT_EQ(report_load(&r, dir, &error), -1);
	CHECK(error != NULL && strstr(error, "has no journal") != NULL);
	rmdir(dir);
cleanup:
	free(error);
	free(dir);
}

/* ---- the HTML page (report_html.c) ------------------------------------- */

/* The page of a report, as a string the caller frees. */
static char *
html_of(const struct report *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	CHECK_INT_EQ(report_print_html(r, f), 0);
	fclose(f);
	return text;
}

/* How many times needle is in haystack, case aside. */
static size_t
count_of(const char *haystack, const char *needle)
{
	size_t n = 0;
	const char *p = haystack;

	while ((p = strcasestr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* Applies an event built with json_pack (which it takes); 0 or -1. */
static int
apply_new(struct report *r, json_t *ev)
{
	char *error = NULL;
	int rc;

	if (!CHECK(ev != NULL))
		return -1;
	rc = report_apply(r, ev, &error);
	if (rc < 0)
		fprintf(stderr, "%s\n", error);
	free(error);
	json_decref(ev);
	return rc;
}

#define HOSTILE_SCRIPT "<script>alert('x')</script>"
#define HOSTILE_IMG "\"><img src=x onerror=\"alert(1)\">"

/*
 * An exercise of two teams whose every free text is hostile, one inject
 * fired on one host, with rounds that take ua below zero: the page of
 * the tests that follow.
 */
static int
hostile_report(struct report *r)
{
	report_init(r);
	if (apply_new(r, json_pack("{s:i, s:s, s:f, s:s, s:s, s:i, s:i, s:i, "
	    "s:[{s:s, s:s, s:s}, {s:s, s:n, s:s}], s:[{s:s, s:s, s:i, s:s, "
	    "s:[s], s:[]}], s:[]}", "seq", 1, "type", "exercise", "t", 0.0,
	    "name", "x", "title", "Drill " HOSTILE_SCRIPT " & co", "duration",
	    600, "interval", 60, "timeout", 2, "teams", "id", "ua", "name",
	    "Ukraine " HOSTILE_IMG, "role", "blue", "id", "red", "name", "role",
	    "red", "injects", "id", "wipe", "title", "Wipe <b>logs</b> & run",
	    "at", 60, "action", "exec", "targets", "ua-db", "to", "hosts")) < 0)
		return -1;
	return apply_new(r, json_pack("{s:i, s:s, s:f, s:s}", "seq", 2, "type",
	    "clock", "t", 0.0, "state", "running"));
}

/* Round n at t: ua's one check up or down, and a penalty. */
static int
hostile_round(struct report *r, long long seq, long long n, bool up,
    long long penalty)
{
	double t = 60.0 * (double)n;

	return apply_new(r, json_pack("{s:I, s:s, s:f, s:I, s:f, s:[{s:s, s:s, "
	    "s:s, s:b, s:I}], s:[{s:s, s:s, s:s, s:b, s:I, s:s}]}", "seq", seq,
	    "type", "round", "t", t, "n", n, "at", t, "checks", "team", "ua",
	    "host", "ua-db", "service", "db", "up", up, "points",
	    up ? 5LL : 0LL, "compromises", "team", "ua", "host", "ua-db",
	    "inject", "wipe", "active", penalty > 0, "penalty", penalty,
	    "reason", "table 'users' & <all> gone"));
}

static int
hostile_events(struct report *r)
{
	return apply_new(r, json_pack("{s:i, s:s, s:f, s:s, s:s, s:i, s:f, "
	    "s:f, s:f, s:b, s:n, s:[s]}", "seq", 3, "type", "inject", "t", 61.0,
	    "id", "wipe", "action", "exec", "firing", 1, "scheduled", 60.0,
	    "actual", 61.0, "late", 1.0, "manual", 0, "by", "targets",
	    "ua-db")) < 0 ||
	    apply_new(r, json_pack("{s:i, s:s, s:f, s:s, s:i, s:[{s:s, s:b, "
	    "s:s, s:i, s:s, s:s, s:f}]}", "seq", 4, "type", "inject_result",
	    "t", 62.0, "id", "wipe", "firing", 1, "results", "host", "ua-db",
	    "ok", 0, "error", "'rm' said " HOSTILE_IMG, "exit", 1, "out",
	    "</pre>" HOSTILE_SCRIPT, "err", "a \x01 bell", "seconds",
	    0.5)) < 0 ||
	    hostile_round(r, 5, 1, true, 0) < 0 ||
	    hostile_round(r, 6, 2, false, 40) < 0 ||
	    apply_new(r, json_pack("{s:i, s:s, s:f, s:s, s:s, s:s, s:s, s:s, "
	    "s:n}", "seq", 7, "type", "report", "t", 130.0, "id", "r1", "team",
	    "ua", "author", "o'neil", "title", HOSTILE_SCRIPT, "body",
	    "line 1\n" HOSTILE_IMG, "inject")) < 0 ||
	    apply_new(r, json_pack("{s:i, s:s, s:f, s:s, s:s, s:i, s:s, s:s}",
	    "seq", 8, "type", "grade", "t", 140.0, "report", "r1", "team", "ua",
	    "points", 3, "comment", "\"quoted\" & <i>fine</i>", "by",
	    "ctl")) < 0 ||
	    apply_new(r, json_pack("{s:i, s:s, s:f, s:s, s:i, s:s, s:s}", "seq",
	    9, "type", "adjustment", "t", 150.0, "team", "red", "points", -7,
	    "reason", "Tom & Jerry's <b>", "by", "ctl")) < 0 ||
	    apply_new(r, json_pack("{s:i, s:s, s:f, s:n, s:[s], s:s, s:s}",
	    "seq", 10, "type", "message", "t", 160.0, "inject", "to", "ua",
	    "text", "<a href=\"https://evil.example/\">click</a>", "by",
	    "ctl")) < 0;
}

TEST(html_escapes_hostile_text)
{
	struct report r;
	char *html;

	if (!CHECK_INT_EQ(hostile_report(&r), 0) ||
	    !CHECK_INT_EQ(hostile_events(&r), 0))
		goto cleanup;
	html = html_of(&r);
	/* Not one tag of the journal's making survives... */
	CHECK_INT_EQ(count_of(html, "<script"), 0);
	CHECK_INT_EQ(count_of(html, "<img"), 0);
	CHECK_INT_EQ(count_of(html, "<b>"), 0);
	CHECK_INT_EQ(count_of(html, "<i>"), 0);
	CHECK_INT_EQ(count_of(html, "<a href=\"https:"), 0);
	/* ...and each is shown as it was written. */
	CHECK(strstr(html, "<h1>Drill &lt;script&gt;alert(&#39;x&#39;)&lt;/"
	    "script&gt; &amp; co</h1>") != NULL);
	CHECK(strstr(html, "<title>After-action report: Drill &lt;script&gt;")
	    != NULL);
	CHECK(strstr(html, "Ukraine &quot;&gt;&lt;img src=x onerror=&quot;"
	    "alert(1)&quot;&gt;") != NULL);
	CHECK(strstr(html, "Wipe &lt;b&gt;logs&lt;/b&gt; &amp; run") != NULL);
	CHECK(strstr(html, "&lt;/pre&gt;&lt;script&gt;") != NULL);
	CHECK(strstr(html, "o&#39;neil") != NULL);
	CHECK(strstr(html, "&quot;quoted&quot; &amp; &lt;i&gt;fine&lt;/i&gt;")
	    != NULL);
	CHECK(strstr(html, "Tom &amp; Jerry&#39;s &lt;b&gt;") != NULL);
	CHECK(strstr(html, "table &#39;users&#39; &amp; &lt;all&gt; gone") !=
	    NULL);
	/* A control character is no HTML: it shows as U+FFFD. */
	CHECK(strstr(html, "a \xef\xbf\xbd bell") != NULL);
	CHECK(strchr(html, '\x01') == NULL);
	free(html);
cleanup:
	report_clear(&r);
}

/* Every point of every polyline lies in the plot, whose box is this. */
#define PLOT_TOP 20.0
#define PLOT_BASE 364.0

static bool
points_in_plot(const char *html, size_t *lines)
{
	const char *p = html;
	bool ok = true;

	*lines = 0;
	while ((p = strstr(p, "<polyline")) != NULL) {
		double x, y;
		int used;

		(*lines)++;
		p = strstr(p, "points=\"");
		if (p == NULL)
			return false;
		for (p += 8; sscanf(p, "%lf,%lf%n", &x, &y, &used) == 2;
		    p += used)
			if (y < PLOT_TOP - 0.05 || y > PLOT_BASE + 0.05 ||
			    x < 0)
				ok = false;
	}
	return ok;
}

TEST(html_chart_with_negative_scores)
{
	struct report r;
	size_t lines;
	char *html;

	if (!CHECK_INT_EQ(hostile_report(&r), 0) ||
	    !CHECK_INT_EQ(hostile_events(&r), 0) ||
	    !CHECK_INT_EQ(hostile_round(&r, 11, 3, false, 40), 0))
		goto cleanup;
	/* ua: 5, 5 - 40, -35 - 40 + the grade's 3; red: -7 after round 2. */
	CHECK_INT_EQ(total(&r, "ua"), -72);
	html = html_of(&r);
	CHECK(points_in_plot(html, &lines));
	CHECK_INT_EQ(lines, 2);
	/* The axis reaches below the lowest score, with a true minus. */
	CHECK(strstr(html, ">\xe2\x88\x92" "80</text>") != NULL);
	CHECK_INT_EQ(count_of(html, "class=\"zero\""), 1);
	CHECK(strstr(html, "<td class=\"num score\">\xe2\x88\x92" "72</td>") !=
	    NULL);
	free(html);
	/* The golden journal where a team goes below zero, then back. */
	report_clear(&r);
	if (!CHECK_INT_EQ(load(&r, "resumed"), 0))
		return;
	html = html_of(&r);
	CHECK(points_in_plot(html, &lines));
	CHECK_INT_EQ(lines, 2);
	CHECK(strstr(html, ">\xe2\x88\x92" "2</text>") != NULL);
	/* red's adjustment came after the last round: a last point at 16:40. */
	CHECK(strstr(html, "data-team=\"red\"") != NULL);
	free(html);
cleanup:
	report_clear(&r);
}

TEST(html_without_rounds)
{
	struct report r;
	char *html;

	report_init(&r);
	if (!CHECK_INT_EQ(apply_new(&r, json_loads(EXERCISE, 0, NULL)), 0))
		goto cleanup;
	html = html_of(&r);
	CHECK(strstr(html, "Pending: the clock never started.") != NULL);
	CHECK(strstr(html, "No scoring round ran: there is nothing to chart.")
	    != NULL);
	CHECK_INT_EQ(count_of(html, "<polyline"), 0);
	CHECK_INT_EQ(count_of(html, "class=\"chart\""), 0);
	/* Every list says none rather than showing an empty table. */
	CHECK_INT_EQ(count_of(html, "<p class=\"none\">None.</p>"), 13);
	CHECK(strstr(html, "</html>\n") != NULL);
	free(html);
cleanup:
	report_clear(&r);
}

TEST(html_interrupted_run)
{
	struct report r;
	char *html;

	if (!CHECK_INT_EQ(load(&r, "interrupted"), 0))
		return;
	html = html_of(&r);
	CHECK(strstr(html, "<p class=\"banner interrupted\">Interrupted at "
	    "0:45:00 of 1:00:00: the journal ends while the clock was running")
	    != NULL);
	CHECK(strstr(html, "<dt>State</dt><dd>interrupted</dd>") != NULL);
	/* The chart marks where the journal ends, short of the hour. */
	CHECK(strstr(html, ">interrupted at 0:45:00</text>") != NULL);
	CHECK_INT_EQ(count_of(html, "<polyline"), 4);
	free(html);
	report_clear(&r);
}

TEST(html_lost_firing)
{
	struct report r;
	char *html;

	if (!CHECK_INT_EQ(load(&r, "complete"), 0))
		return;
	html = html_of(&r);
	/* wipe fired, and its result never came: its target is lost. */
	CHECK(strstr(html, "<td class=\"id\">ex-md-web</td><td "
	    "class=\"result\"><span class=\"lost\">lost</span></td><td>"
	    REPORT_LOST "</td>") != NULL);
	CHECK(strstr(html, "<span class=\"failed\">failed</span><div "
	    "class=\"note\">exit 1, 1.2 s</div>") != NULL);
	CHECK(strstr(html, "47s late, by the clock") != NULL);
	CHECK(strstr(html, "not fired") != NULL);
	free(html);
	report_clear(&r);
	/* The engine's own word that a firing was lost, with its reason. */
	if (!CHECK_INT_EQ(load(&r, "resumed"), 0))
		return;
	html = html_of(&r);
	CHECK(strstr(html, "<span class=\"lost\">lost</span></td>") != NULL);
	CHECK(strstr(html, "rangectl stopped before this firing&#39;s result "
	    "came back") != NULL);
	CHECK(strstr(html, "not in the exercise's MSEL") != NULL);
	free(html);
	report_clear(&r);
}

TEST(html_output_trimmed)
{
	struct report r;
	struct strbuf out;
	char *html, *want;
	size_t i;

	if (!CHECK_INT_EQ(hostile_report(&r), 0))
		goto cleanup;
	/* 999 bytes, then two-byte characters: the cut must not split one. */
	strbuf_init(&out);
	for (i = 0; i < 999; i++)
		strbuf_append(&out, "a");
	for (i = 0; i < 2000; i++)
		strbuf_append(&out, "\xc3\xa9");
	if (!CHECK_INT_EQ(apply_new(&r, json_pack("{s:i, s:s, s:f, s:s, s:s, "
	    "s:i, s:f, s:f, s:f, s:b, s:n, s:[s]}", "seq", 3, "type", "inject",
	    "t", 60.0, "id", "wipe", "action", "exec", "firing", 1, "scheduled",
	    60.0, "actual", 60.0, "late", 0.0, "manual", 0, "by", "targets",
	    "ua-db")), 0) ||
	    !CHECK_INT_EQ(apply_new(&r, json_pack("{s:i, s:s, s:f, s:s, s:i, "
	    "s:[{s:s, s:b, s:i, s:s, s:s, s:f}]}", "seq", 4, "type",
	    "inject_result", "t", 61.0, "id", "wipe", "firing", 1, "results",
	    "host", "ua-db", "ok", 1, "exit", 0, "out", out.data, "err",
	    "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n", "seconds",
	    1.0)), 0))
		goto done;
	html = html_of(&r);
	want = xasprintf("<pre class=\"out\">%.999s\n<span class=\"note\">"
	    "[4000 more bytes not shown]</span></pre>", out.data);
	CHECK(strstr(html, want) != NULL);
	/* Twelve lines, the trailing newline dropped before counting. */
	CHECK(strstr(html, "<pre class=\"err\">1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"
	    "11\n12\n<span class=\"note\">[6 more bytes not shown]</span>"
	    "</pre>") != NULL);
	free(want);
	free(html);
done:
	strbuf_free(&out);
cleanup:
	report_clear(&r);
}

/* No resource from outside the page: nothing to fetch, nothing to run. */
static void
check_self_contained(const char *html)
{
	static const char *const banned[] = { "http://", "https://", "<link",
		"@import", "url(", "src=", "<script", "<iframe", "<object",
		"<embed", "<img", "<base", "srcset", "javascript:" };
	const char *p = html;
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(banned); i++)
		if (!CHECK_INT_EQ(count_of(html, banned[i]), 0))
			fprintf(stderr, "  the page holds '%s'\n", banned[i]);
	/* No event handler attribute (onload=, onerror=...) either. */
	for (p = html; (p = strstr(p, " on")) != NULL; p += 3) {
		n = strspn(p + 3, "abcdefghijklmnopqrstuvwxyz");
		CHECK(n == 0 || p[3 + n] != '=');
	}
	/* Links only within the page. */
	for (p = html; (p = strstr(p, "href=\"")) != NULL;) {
		p += 6;
		CHECK(*p == '#');
	}
}

TEST(html_self_contained)
{
	static const char *const journals[] = { "complete", "interrupted",
		"resumed" };
	struct report r;
	char *html;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(journals); i++) {
		if (!CHECK_INT_EQ(load(&r, journals[i]), 0))
			continue;
		html = html_of(&r);
		check_self_contained(html);
		free(html);
		report_clear(&r);
	}
	/* The hostile texts are escaped, so their URLs are mere words. */
	if (CHECK_INT_EQ(hostile_report(&r), 0) &&
	    CHECK_INT_EQ(hostile_events(&r), 0)) {
		html = html_of(&r);
		CHECK_INT_EQ(count_of(html, "<link"), 0);
		CHECK_INT_EQ(count_of(html, "src="), count_of(html,
		    "&lt;img src=x"));
		CHECK_INT_EQ(count_of(html, "href=\"https"), 0);
		free(html);
	}
	report_clear(&r);
}

/* Each element the page opens, it closes: rowspans must add up. */
TEST(html_balanced_and_deterministic)
{
	static const char *const tags[][2] = { { "<tr", "</tr>" },
		{ "<td", "</td>" }, { "<tbody>", "</tbody>" },
		{ "<table", "</table>" }, { "<section", "</section>" },
		{ "<pre", "</pre>" }, { "<svg", "</svg>" } };
	struct report r;
	char *html, *again;
	size_t i;

	if (!CHECK_INT_EQ(load(&r, "complete"), 0))
		return;
	html = html_of(&r);
	for (i = 0; i < ARRAY_SIZE(tags); i++)
		CHECK_INT_EQ(count_of(html, tags[i][0]), count_of(html,
		    tags[i][1]));
	again = html_of(&r);
	CHECK_STR_EQ(html, again);
	free(again);
	free(html);
	report_clear(&r);
}
