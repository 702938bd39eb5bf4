/*
 * test_score.c: the score arithmetic, from decoded journal events.
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

/* Applies ev (line 9), leaving the error, if any, in *why (or freeing it). */
static int
apply(struct score_ledger *l, struct event *ev, char **why)
{
	char *error = NULL;
	int rc;

	ev->seq = 9;
	rc = score_apply(l, ev, &error);
	if (why != NULL)
		*why = error;
	else
		free(error);
	return rc;
}

static int
round_of(struct score_ledger *l, long long n, struct event_check *checks,
    size_t n_checks, struct event_compromise *comps, size_t n_comps,
    char **why)
{
	struct event ev;

	event_init(&ev, EVENT_ROUND);
	ev.u.round = (struct event_round){ .n = n, .at = (double)n * 60,
	    .checks = checks, .n_checks = n_checks, .compromises = comps,
	    .n_compromises = n_comps };
	return apply(l, &ev, why);
}

static int
points_of(struct score_ledger *l, enum event_type type, const char *team,
    long long points, char **why)
{
	struct event ev;

	event_init(&ev, type);
	if (type == EVENT_GRADE)
		ev.u.grade = (struct event_grade){ .report = "r1", .team = team,
		    .points = points };
	else
		ev.u.adjustment = (struct event_adjustment){ .team = team,
		    .points = points, .reason = "late report" };
	return apply(l, &ev, why);
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
	struct event_check c1[] = { { .team = "ro", .up = true, .points = 5 },
		{ .team = "ro", .up = false, .points = 2 },
		{ .team = "md", .up = true, .points = 2 } };
	struct event_check c2[] = { { .team = "ro", .up = true, .points = 5 } };
	struct event_compromise p2[] = {
		{ .team = "ro", .active = true, .penalty = 10 },
		{ .team = "md", .active = false, .penalty = 10 } };
	struct event clock;

	if (!CHECK(sc != NULL))
		return;
	score_ledger_init(&l, sc->teams, sc->n_teams);
	CHECK_INT_EQ(round_of(&l, 1, c1, 3, NULL, 0, NULL), 0);
	CHECK_INT_EQ(round_of(&l, 2, c2, 1, p2, 2, NULL), 0);
	CHECK_INT_EQ(points_of(&l, EVENT_GRADE, "md", 7, NULL), 0);
	CHECK_INT_EQ(points_of(&l, EVENT_ADJUSTMENT, "ro", -3, NULL), 0);
	/* Events that are not the ledger's business change nothing. */
	event_init(&clock, EVENT_CLOCK);
	clock.u.clock.state = EXCLOCK_PAUSED;
	CHECK_INT_EQ(apply(&l, &clock, NULL), 0);
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
	struct event_check checks[] = { { .team = "ro", .up = true,
		.points = 5 } };
	struct event_compromise comps[] = { { .team = "xx", .active = true,
		.penalty = 5 } };
	char *why = NULL;

	if (!CHECK(sc != NULL))
		return;
	score_ledger_init(&l, sc->teams, sc->n_teams);
	/* The compromise names no team: the check must not count either. */
	CHECK_INT_EQ(round_of(&l, 1, checks, 1, comps, 1, &why), -1);
	CHECK_STR_EQ(why, "event 9 (round): 'compromises[0].team' names team "
	    "'xx', which the exercise event does not list");
	free(why);
	CHECK_INT_EQ(points_of(&l, EVENT_GRADE, "xx", 3, &why), -1);
	CHECK_STR_EQ(why, "event 9 (grade): 'team' names team 'xx', which the "
	    "exercise event does not list");
	free(why);
	CHECK_INT_EQ(points_of(&l, EVENT_ADJUSTMENT, "yy", 3, NULL), -1);
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
	struct event_check checks[] = { { .team = "md", .up = true,
		.points = 4 } };
	json_t *s, *h;

	if (!CHECK(sc != NULL))
		return;
	score_ledger_init(&l, sc->teams, sc->n_teams);
	round_of(&l, 1, checks, 1, NULL, 0, NULL);
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
