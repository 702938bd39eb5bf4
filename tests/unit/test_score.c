/*
 * test_score.c: the score arithmetic, from journal events.
 */
#include "harness.h"

#include "rangectl/score.h"
#include "rangectl/util.h"

static struct scenario *
demo(void)
{
	struct diag_list diags;
	struct scenario *sc;

	diag_list_init(&diags);
	sc = scenario_load_file("scenarios/demo.yaml", &diags);
	diag_print(&diags, "scenarios/demo.yaml", stderr);
	diag_list_clear(&diags);
	return sc;
}

static int
apply(struct score_ledger *l, const char *text)
{
	json_error_t jerr;
	json_t *ev = json_loads(text, 0, &jerr);
	char *error = NULL;
	int rc;

	if (!CHECK(ev != NULL))
		return -2;
	rc = score_apply(l, ev, &error);
	free(error);
	json_decref(ev);
	return rc;
}

static long long
total(struct score_ledger *l, const char *team)
{
	size_t i;

	for (i = 0; i < l->n_teams; i++)
		if (strcmp(l->teams[i].team->id, team) == 0)
			return score_total(&l->teams[i]);
	return -999999;
}

TEST(rounds_penalties_grades_adjustments)
{
	struct scenario *sc = demo();
	struct score_ledger l;

	if (!CHECK(sc != NULL))
		return;
	score_ledger_init(&l, sc);
	CHECK_INT_EQ(apply(&l, "{\"type\":\"round\",\"n\":1,\"at\":60,"
	    "\"checks\":[{\"team\":\"ro\",\"up\":true,\"points\":5},"
	    "{\"team\":\"ro\",\"up\":false,\"points\":2},"
	    "{\"team\":\"md\",\"up\":true,\"points\":2}],\"compromises\":[]}"), 0);
	CHECK_INT_EQ(apply(&l, "{\"type\":\"round\",\"n\":2,\"at\":120,"
	    "\"checks\":[{\"team\":\"ro\",\"up\":true,\"points\":5}],"
	    "\"compromises\":[{\"team\":\"ro\",\"active\":true,\"penalty\":10},"
	    "{\"team\":\"md\",\"active\":false,\"penalty\":10}]}"), 0);
	CHECK_INT_EQ(apply(&l, "{\"type\":\"grade\",\"team\":\"md\","
	    "\"points\":7}"), 0);
	CHECK_INT_EQ(apply(&l, "{\"type\":\"adjustment\",\"team\":\"ro\","
	    "\"points\":-3,\"reason\":\"late report\"}"), 0);
	/* Events that are not the ledger's business change nothing. */
	CHECK_INT_EQ(apply(&l, "{\"type\":\"clock\",\"state\":\"paused\"}"), 0);
	CHECK_INT_EQ(total(&l, "ro"), 5 + 5 - 10 - 3);
	CHECK_INT_EQ(total(&l, "md"), 2 + 7);
	CHECK_INT_EQ(total(&l, "red"), 0);
	CHECK_INT_EQ(l.n_rounds, 2);
	CHECK_INT_EQ(l.rounds[0].scores[0], 5);
	CHECK_INT_EQ(l.rounds[1].scores[0], 0);
	CHECK(l.rounds[1].at == 120);
	score_ledger_clear(&l);
	scenario_free(sc);
}

TEST(a_damaged_round_counts_not_at_all)
{
	struct scenario *sc = demo();
	struct score_ledger l;

	if (!CHECK(sc != NULL))
		return;
	score_ledger_init(&l, sc);
	/* The second entry names no team: the first must not count either. */
	CHECK_INT_EQ(apply(&l, "{\"type\":\"round\",\"n\":1,\"at\":60,"
	    "\"checks\":[{\"team\":\"ro\",\"up\":true,\"points\":5},"
	    "{\"team\":\"xx\",\"up\":true,\"points\":5}]}"), -1);
	CHECK_INT_EQ(apply(&l, "{\"type\":\"grade\",\"team\":\"ro\"}"), -1);
	CHECK_INT_EQ(apply(&l, "{\"type\":\"adjustment\",\"points\":3}"), -1);
	CHECK_INT_EQ(total(&l, "ro"), 0);
	CHECK_INT_EQ(l.n_rounds, 0);
	score_ledger_clear(&l);
	score_ledger_clear(NULL);
	scenario_free(sc);
}

TEST(json_shapes)
{
	struct scenario *sc = demo();
	struct score_ledger l;
	json_t *s, *h;

	if (!CHECK(sc != NULL))
		return;
	score_ledger_init(&l, sc);
	apply(&l, "{\"type\":\"round\",\"n\":1,\"at\":60,\"checks\":[{\"team\":"
	    "\"md\",\"up\":true,\"points\":4}]}");
	s = score_to_json(&l);
	h = score_history_to_json(&l);
	CHECK_INT_EQ(json_integer_value(json_object_get(s, "round")), 1);
	CHECK_INT_EQ(json_array_size(json_object_get(s, "teams")), sc->n_teams);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(
	    json_object_get(s, "teams"), 0), "name")), "Romania");
	CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(
	    json_array_get(h, 0), "scores"), "md")), 4);
	json_decref(s);
	json_decref(h);
	score_ledger_clear(&l);
	scenario_free(sc);
}
