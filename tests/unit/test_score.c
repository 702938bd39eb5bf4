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

static int
grade_of(struct score_ledger *l, const char *report, const char *team,
    long long points)
{
	struct event ev;

	event_init(&ev, EVENT_GRADE);
	ev.u.grade = (struct event_grade){ .report = report, .team = team,
		.points = points };
	return apply(l, &ev, NULL);
}

/* Issue 13: +20 then +5 on r1 gave 25, while the dashboard said +5. */
TEST(a_regrade_replaces_the_grade)
{
	struct scenario *sc = demo();
	struct score_ledger l;

	if (!CHECK(sc != NULL))
		return;
	score_ledger_init(&l, sc->teams, sc->n_teams);
	CHECK_INT_EQ(grade_of(&l, "r1", "ro", 20), 0);
	CHECK_INT_EQ(grade_of(&l, "r1", "ro", 5), 0);
	CHECK_INT_EQ(grade_of(&l, "r2", "ro", 3), 0);
	CHECK_INT_EQ(total(&l, "ro"), 5 + 3);
	CHECK_INT_EQ(l.n_grades, 2);
	score_ledger_clear(&l);
	scenario_free(sc);
}

static int
exercise_of(struct score_ledger *l, long after, long long penalty)
{
	struct event_service svc[] = { { "web", "http", 5 }, { "ssh", "tcp", 5 } };
	struct event_host_entry hosts[] = { { "ro-web", "ro", svc, 2 },
		{ "md-web", "md", svc, 1 }, { "gw", NULL, svc, 1 } };
	struct event ev;

	event_init(&ev, EVENT_EXERCISE);
	ev.u.exercise.name = "demo";
	ev.u.exercise.interval = 60;
	ev.u.exercise.sla_after = after;
	ev.u.exercise.sla_penalty = penalty;
	ev.u.exercise.hosts = hosts;
	ev.u.exercise.n_hosts = 3;
	return apply(l, &ev, NULL);
}

/* One round: ro-web's web up or not, its ssh and md-web's web up. */
static int
web_round(struct score_ledger *l, long long n, bool up)
{
	struct event_check c[] = {
		{ .team = "ro", .host = "ro-web", .service = "web", .up = up,
		  .points = up ? 5 : 0 },
		{ .team = "ro", .host = "ro-web", .service = "ssh", .up = true,
		  .points = 5 },
		{ .team = "md", .host = "md-web", .service = "web", .up = true,
		  .points = 5 } };

	return round_of(l, n, c, 3, NULL, 0, NULL);
}

static json_t *
uptime_service(json_t *up, size_t team, size_t host, size_t service)
{
	return json_array_get(json_object_get(json_array_get(json_object_get(
	    json_array_get(json_object_get(up, "teams"), team), "hosts"), host),
	    "services"), service);
}

TEST(sla_breaches_cost_once_per_run)
{
	struct scenario *sc = demo();
	struct score_ledger l;
	static const bool web[] = { true, false, false, false, false, true,
		false, false, false, true, false, false };
	json_t *up, *s;
	size_t i;

	if (!CHECK(sc != NULL))
		return;
	score_ledger_init(&l, sc->teams, sc->n_teams);
	CHECK_INT_EQ(exercise_of(&l, 3, 20), 0);
	/* Before any round: every check expected, all unknown. */
	CHECK_INT_EQ(l.n_checks, 3);
	up = score_uptime_to_json(&l, NULL);
	CHECK_STR_EQ(json_string_value(json_object_get(uptime_service(up, 0, 0,
	    0), "state")), "unknown");
	CHECK(json_is_null(json_object_get(json_array_get(json_object_get(up,
	    "teams"), 0), "uptime")));
	json_decref(up);
	for (i = 0; i < ARRAY_SIZE(web); i++)
		CHECK_INT_EQ(web_round(&l, (long long)i + 1, web[i]), 0);
	/* Runs of 4 and 3 failed rounds breach; the last run of 2 not yet. */
	CHECK_INT_EQ(l.teams[0].sla, 40);
	CHECK_INT_EQ(total(&l, "ro"), 5 * 3 + 5 * 12 - 40);
	CHECK_INT_EQ(total(&l, "md"), 5 * 12);
	up = score_uptime_to_json(&l, NULL);
	s = uptime_service(up, 0, 0, 0);
	CHECK_STR_EQ(json_string_value(json_object_get(s, "id")), "web");
	CHECK_STR_EQ(json_string_value(json_object_get(s, "state")), "down");
	CHECK_INT_EQ(json_integer_value(json_object_get(s, "uptime")), 25);
	CHECK_INT_EQ(json_integer_value(json_object_get(s, "longest_outage")), 4);
	CHECK_INT_EQ(json_integer_value(json_object_get(s, "outage")), 2);
	CHECK_INT_EQ(json_integer_value(json_object_get(s, "breaches")), 2);
	/* ro: 15 of 24 rounds, 62.5% rounded down; md: all. */
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(
	    json_object_get(up, "teams"), 0), "uptime")), 62);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(
	    json_object_get(up, "teams"), 1), "uptime")), 100);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(up,
	    "sla"), "after")), 3);
	json_decref(up);
	/* A trainee's view: its own team only. */
	up = score_uptime_to_json(&l, "md");
	CHECK_INT_EQ(json_array_size(json_object_get(up, "teams")), 1);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(
	    json_object_get(up, "teams"), 0), "id")), "md");
	json_decref(up);
	score_ledger_clear(&l);
	scenario_free(sc);
}

/* The checkpoint's state gives back the same ledger. */
TEST(the_state_restores)
{
	struct scenario *sc = demo();
	struct score_ledger l, back;
	json_t *state, *a, *b;
	char *error = NULL;
	int i;

	if (!CHECK(sc != NULL))
		return;
	score_ledger_init(&l, sc->teams, sc->n_teams);
	exercise_of(&l, 2, 7);
	for (i = 1; i <= 5; i++)
		web_round(&l, i, i == 1);
	grade_of(&l, "r1", "ro", 4);
	state = score_state_to_json(&l);
	score_ledger_init(&back, sc->teams, sc->n_teams);
	CHECK_INT_EQ(score_restore(&back, state, &error), 0);
	/* The teams' totals are the checkpoint's "teams", restored apart. */
	for (i = 0; i < (int)l.n_teams; i++)
		back.teams[i].sla = l.teams[i].sla;
	a = score_uptime_to_json(&l, NULL);
	b = score_uptime_to_json(&back, NULL);
	CHECK(json_equal(json_object_get(a, "teams"), json_object_get(b,
	    "teams")));
	CHECK(json_equal(json_object_get(a, "sla"), json_object_get(b, "sla")));
	/* A later grade of r1 still replaces the restored one. */
	back.teams[0].reports = 4;
	grade_of(&back, "r1", "ro", 1);
	CHECK_INT_EQ(back.teams[0].reports, 1);
	json_decref(a);
	json_decref(b);
	json_decref(state);
	state = json_pack("{s:I, s:I, s:I, s:[[s, s, s]]}", "sla_after",
	    (json_int_t)1, "sla_penalty", (json_int_t)1, "interval",
	    (json_int_t)1, "checks", "xx", "h", "s");
	CHECK_INT_EQ(score_restore(&back, state, &error), -1);
	free(error);
	json_decref(state);
	score_ledger_clear(&back);
	score_ledger_clear(&l);
	scenario_free(sc);
}

TEST(blue_and_red_are_ranked_apart)
{
	struct scenario *sc = demo();
	struct score_ledger l;
	json_t *s, *teams;

	if (!CHECK(sc != NULL))
		return;
	score_ledger_init(&l, sc->teams, sc->n_teams);
	grade_of(&l, "r1", "md", 9);
	grade_of(&l, "r2", "ro", 9);
	/* ro and md tie for first; red is first of the red; white none. */
	CHECK_INT_EQ(score_rank(&l, 0), 1);
	CHECK_INT_EQ(score_rank(&l, 1), 1);
	CHECK_INT_EQ(score_rank(&l, 2), 1);
	CHECK_INT_EQ(score_rank(&l, 3), 0);
	grade_of(&l, "r2", "ro", 2);
	CHECK_INT_EQ(score_rank(&l, 0), 2);
	s = score_to_json(&l);
	teams = json_object_get(s, "teams");
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(teams,
	    0), "rank")), 2);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(teams,
	    2), "rank")), 1);
	CHECK(json_is_null(json_object_get(json_array_get(teams, 3), "rank")));
	json_decref(s);
	score_ledger_clear(&l);
	scenario_free(sc);
}

static int
capture(struct score_ledger *l, const char *red, const char *owner,
    long long points, long long penalty, char **why)
{
	struct event ev;

	event_init(&ev, EVENT_CAPTURE);
	ev.u.capture = (struct event_capture){ .flag = "web-root", .host =
	    "demo-ro-web", .owner = owner, .team = red, .rotation = 1,
	    .points = points, .penalty = penalty, .by = "eve" };
	return apply(l, &ev, why);
}

TEST(a_capture_earns_red_and_costs_the_owner)
{
	struct scenario *sc = demo();
	struct score_ledger l;
	struct event ev;
	char *why = NULL;
	json_t *s, *red;

	if (!CHECK(sc != NULL))
		return;
	score_ledger_init(&l, sc->teams, sc->n_teams);
	CHECK_INT_EQ(capture(&l, "red", "ro", 50, 30, NULL), 0);
	CHECK_INT_EQ(capture(&l, "red", "md", 50, 50, NULL), 0);
	CHECK_INT_EQ(total(&l, "red"), 100);
	CHECK_INT_EQ(total(&l, "ro"), -30);
	CHECK_INT_EQ(total(&l, "md"), -50);
	CHECK_INT_EQ(l.teams[2].captured, 2);
	CHECK_INT_EQ(l.teams[0].lost, 1);
	/* A flag's value scores nothing by itself. */
	event_init(&ev, EVENT_FLAG);
	ev.u.flag = (struct event_flag){ "web-root", "demo-ro-web", "ro",
		"flag{00}", 2, true, NULL, false };
	CHECK_INT_EQ(apply(&l, &ev, NULL), 0);
	CHECK_INT_EQ(total(&l, "ro"), -30);
	/* A journal naming a team the ledger lacks is damaged. */
	CHECK_INT_EQ(capture(&l, "nope", "ro", 50, 50, &why), -1);
	CHECK_STR_EQ(why, "event 9 (capture): 'team' names team 'nope', which "
	    "the exercise event does not list");
	free(why);
	CHECK_INT_EQ(capture(&l, "red", "zz", 50, 50, &why), -1);
	CHECK_STR_EQ(why, "event 9 (capture): 'owner' names team 'zz', which "
	    "the exercise event does not list");
	free(why);
	CHECK_INT_EQ(total(&l, "red"), 100);
	s = score_to_json(&l);
	red = json_array_get(json_object_get(s, "teams"), 2);
	CHECK_INT_EQ(json_integer_value(json_object_get(red, "flags")), 100);
	CHECK_INT_EQ(json_integer_value(json_object_get(red, "captured")), 2);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(
	    json_object_get(s, "teams"), 1), "flags_lost")), 50);
	CHECK_INT_EQ(json_integer_value(json_object_get(red, "rank")), 1);
	json_decref(s);
	score_ledger_clear(&l);
	scenario_free(sc);
}
