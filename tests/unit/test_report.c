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
	char *error = NULL;

	if (score_apply(&lr->ledger, event, &error) < 0)
		lr->failures++;
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
	score_ledger_init(&lr.ledger, &r.sc);
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
	CHECK_INT_EQ(json_array_size(r.penalties), 3);
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
	CHECK_INT_EQ(json_array_size(r.clock), 4);
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

TEST(unknown_types_skipped_exercise_first)
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
