/*
 * test_outage.c: whose fault a failed round is (outage.h), from journal
 * lines through the event decoder into the score ledger, case by case:
 * before, during and after an inject's effect window, another host or
 * service, a failed action, a pass before the result, each action's
 * reach, lost results, weights and downtime.
 */
#include "harness.h"

#include "rangectl/outage.h"
#include "rangectl/score.h"
#include "rangectl/util.h"

/*
 * Two blue teams; ro-web has web (http, 10 points), ssh (tcp, 5) and
 * agent (exec, 2); md-web has web (http, 10). deface breaks both webs'
 * web; cut is ro-web's link; off powers md-web off; scan breaks nothing.
 */
#define EXERCISE(extra) "{\"type\":\"exercise\",\"seq\":1,\"t\":0," \
	"\"format\":5,\"name\":\"x\",\"title\":null,\"duration\":3600," \
	"\"interval\":60,\"timeout\":5," extra "\"teams\":[{\"id\":\"ro\"," \
	"\"name\":null,\"role\":\"blue\"},{\"id\":\"md\",\"name\":null," \
	"\"role\":\"blue\"}],\"hosts\":[{\"name\":\"ro-web\",\"team\":\"ro\"," \
	"\"services\":[{\"id\":\"web\",\"check\":\"http\",\"points\":10}," \
	"{\"id\":\"ssh\",\"check\":\"tcp\",\"points\":5},{\"id\":\"agent\"," \
	"\"check\":\"exec\",\"points\":2}]},{\"name\":\"md-web\",\"team\":" \
	"\"md\",\"services\":[{\"id\":\"web\",\"check\":\"http\",\"points\":" \
	"10}]}],\"injects\":[{\"id\":\"deface\",\"title\":null,\"at\":100," \
	"\"action\":\"exec\",\"targets\":[\"ro-web\",\"md-web\"],\"breaks\":" \
	"[\"ro-web/web\",\"md-web/web\"]},{\"id\":\"cut\",\"title\":null," \
	"\"at\":200,\"action\":\"link_down\",\"targets\":[\"ro-web\"]}," \
	"{\"id\":\"off\",\"title\":null,\"at\":300,\"action\":\"shutdown\"," \
	"\"targets\":[\"md-web\"]},{\"id\":\"scan\",\"title\":null,\"at\":50," \
	"\"action\":\"exec\",\"targets\":[\"ro-web\"]}]}"

/* Shorthands for the lines of a case: "f" fire, "r" result, "R" round. */
#define FIRE(id, n, t, targets) "{\"type\":\"inject\",\"t\":" #t ",\"id\":" \
	"\"" id "\",\"action\":\"exec\",\"firing\":" #n ",\"scheduled\":null," \
	"\"actual\":" #t ",\"late\":0,\"manual\":true,\"by\":null,\"targets\":" \
	targets "}"
#define RESULT(id, n, t, results) "{\"type\":\"inject_result\",\"t\":" #t \
	",\"id\":\"" id "\",\"firing\":" #n ",\"results\":" results "}"
#define OK(host) "{\"host\":\"" host "\",\"via\":null,\"ok\":true," \
	"\"error\":null,\"exit\":0,\"out\":\"\",\"err\":\"\",\"seconds\":0.1}"
#define NOT_OK(host) "{\"host\":\"" host "\",\"via\":null,\"ok\":false," \
	"\"error\":\"no agent\",\"exit\":null,\"out\":\"\",\"err\":\"\"," \
	"\"seconds\":0.1}"
#define CHECK_OF(team, host, svc, up) "{\"team\":\"" team "\",\"host\":\"" \
	host "\",\"service\":\"" svc "\",\"kind\":\"http\",\"up\":" up \
	",\"points\":0,\"reason\":null}"
#define ROUND(n, checks) "{\"type\":\"round\",\"t\":" #n "60.5,\"n\":" #n \
	",\"at\":" #n "60,\"checks\":[" checks "],\"compromises\":[]}"

#define SIM_ROUND(n, checks) "{\"type\":\"round\",\"t\":" #n "60.5,\"n\":" \
	#n ",\"at\":" #n "60,\"simulated\":true,\"checks\":[" checks "]," \
	"\"compromises\":[]}"

struct outage_case {
	const char *name;
	const char *lines[10];	/* after the exercise event; NULL ends */
	const char *check;	/* "host/service" */
	long attack, self;	/* its failed rounds by cause */
};

static const struct outage_case cases[] = {
	{ "a failure before the firing is the team's",
	  { ROUND(1, CHECK_OF("ro", "ro-web", "web", "false")),
	    FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]") },
	  "ro-web/web", 0, 1 },
	{ "failures in the window are the attack's",
	  { FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]"),
	    RESULT("deface", 1, 101, "[" OK("ro-web") "," OK("md-web") "]"),
	    ROUND(2, CHECK_OF("ro", "ro-web", "web", "false")),
	    ROUND(3, CHECK_OF("ro", "ro-web", "web", "false")) },
	  "ro-web/web", 2, 0 },
	{ "a failure after the check passed again is the team's",
	  { FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]"),
	    RESULT("deface", 1, 101, "[" OK("ro-web") "," OK("md-web") "]"),
	    ROUND(2, CHECK_OF("ro", "ro-web", "web", "false")),
	    ROUND(3, CHECK_OF("ro", "ro-web", "web", "true")),
	    ROUND(4, CHECK_OF("ro", "ro-web", "web", "false")) },
	  "ro-web/web", 1, 1 },
	{ "another host's failure is its team's",
	  { FIRE("cut", 1, 200, "[\"ro-web\"]"),
	    RESULT("cut", 1, 201, "[" OK("ro-web") "]"),
	    ROUND(4, CHECK_OF("md", "md-web", "web", "false")) },
	  "md-web/web", 0, 1 },
	{ "a service the inject does not break is the team's",
	  { FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]"),
	    RESULT("deface", 1, 101, "[" OK("ro-web") "," OK("md-web") "]"),
	    ROUND(2, CHECK_OF("ro", "ro-web", "ssh", "false")) },
	  "ro-web/ssh", 0, 1 },
	{ "an action that failed on the host hit nothing",
	  { FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]"),
	    RESULT("deface", 1, 101, "[" NOT_OK("ro-web") "," OK("md-web") "]"),
	    ROUND(2, CHECK_OF("ro", "ro-web", "web", "false") ","
	    CHECK_OF("md", "md-web", "web", "false")) },
	  "ro-web/web", 0, 1 },
	{ "...while the other target was hit",
	  { FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]"),
	    RESULT("deface", 1, 101, "[" NOT_OK("ro-web") "," OK("md-web") "]"),
	    ROUND(2, CHECK_OF("ro", "ro-web", "web", "false") ","
	    CHECK_OF("md", "md-web", "web", "false")) },
	  "md-web/web", 1, 0 },
	{ "...and its passing closes the window",
	  { FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]"),
	    RESULT("deface", 1, 101, "[" NOT_OK("ro-web") "," OK("md-web") "]"),
	    ROUND(2, CHECK_OF("ro", "ro-web", "web", "true")),
	    SIM_ROUND(3, CHECK_OF("ro", "ro-web", "web", "false")) },
	  "ro-web/web", 0, 1 },
	{ "a rehearsal's simulated failures follow the firing, not its result",
	  { FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]"),
	    RESULT("deface", 1, 101, "[" NOT_OK("ro-web") "," OK("md-web") "]"),
	    SIM_ROUND(2, CHECK_OF("ro", "ro-web", "web", "false")) },
	  "ro-web/web", 1, 0 },
	{ "a pass before the firing's result proves nothing yet",
	  { FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]"),
	    ROUND(2, CHECK_OF("ro", "ro-web", "web", "true")),
	    RESULT("deface", 1, 130, "[" OK("ro-web") "," OK("md-web") "]"),
	    ROUND(3, CHECK_OF("ro", "ro-web", "web", "false")) },
	  "ro-web/web", 1, 0 },
	{ "a link cut fails the host's network checks...",
	  { FIRE("cut", 1, 200, "[\"ro-web\"]"),
	    RESULT("cut", 1, 201, "[" OK("ro-web") "]"),
	    ROUND(4, CHECK_OF("ro", "ro-web", "ssh", "false") ","
	    CHECK_OF("ro", "ro-web", "agent", "false")) },
	  "ro-web/ssh", 1, 0 },
	{ "...not its exec checks, which go through the agent",
	  { FIRE("cut", 1, 200, "[\"ro-web\"]"),
	    RESULT("cut", 1, 201, "[" OK("ro-web") "]"),
	    ROUND(4, CHECK_OF("ro", "ro-web", "ssh", "false") ","
	    CHECK_OF("ro", "ro-web", "agent", "false")) },
	  "ro-web/agent", 0, 1 },
	{ "a power-off lasts until the check passes, then it is the team's",
	  { FIRE("off", 1, 300, "[\"md-web\"]"),
	    RESULT("off", 1, 301, "[" OK("md-web") "]"),
	    ROUND(5, CHECK_OF("md", "md-web", "web", "false")),
	    ROUND(6, CHECK_OF("md", "md-web", "web", "false")),
	    ROUND(7, CHECK_OF("md", "md-web", "web", "true")),
	    ROUND(8, CHECK_OF("md", "md-web", "web", "false")) },
	  "md-web/web", 2, 1 },
	{ "a round that began before the result came closes nothing",
	  { FIRE("off", 1, 300, "[\"md-web\"]"),
	    RESULT("off", 1, 300.9, "[" OK("md-web") "]"),
	    "{\"type\":\"round\",\"t\":300.95,\"n\":5,\"at\":300,\"checks\":["
	    CHECK_OF("md", "md-web", "web", "true") "],\"compromises\":[]}",
	    "{\"type\":\"round\",\"t\":360.5,\"n\":6,\"at\":360,\"checks\":["
	    CHECK_OF("md", "md-web", "web", "false") "],\"compromises\":[]}" },
	  "md-web/web", 1, 0 },
	{ "lost results leave the window open",
	  { FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]"),
	    "{\"type\":\"inject_result\",\"t\":150,\"id\":\"deface\",\"firing\":1,"
	    "\"results\":[],\"lost\":true}",
	    ROUND(3, CHECK_OF("ro", "ro-web", "web", "true")),
	    ROUND(4, CHECK_OF("ro", "ro-web", "web", "false")) },
	  "ro-web/web", 0, 1 },
	{ "an exec that breaks nothing known leaves failures to the team",
	  { FIRE("scan", 1, 50, "[\"ro-web\"]"),
	    RESULT("scan", 1, 51, "[" OK("ro-web") "]"),
	    ROUND(1, CHECK_OF("ro", "ro-web", "web", "false")) },
	  "ro-web/web", 0, 1 },
	{ "an inject the MSEL does not list breaks nothing known",
	  { FIRE("ghost", 1, 50, "[\"ro-web\"]"),
	    RESULT("ghost", 1, 51, "[" OK("ro-web") "]"),
	    ROUND(1, CHECK_OF("ro", "ro-web", "web", "false")) },
	  "ro-web/web", 0, 1 },
};

/* Decodes line (its seq n) and applies it; false on any error. */
static bool
feed(struct score_ledger *l, const char *line, unsigned long long n)
{
	json_t *o = json_loads(line, 0, NULL);
	struct event ev;
	char *error = NULL;
	bool ok;

	if (o == NULL) {
		fprintf(stderr, "  not JSON: %s\n", line);
		return false;
	}
	ok = event_decode(o, n, &ev, &error) == 0 && score_apply(l, &ev,
	    &error) == 0;
	if (!ok)
		fprintf(stderr, "  %s\n", error);
	event_clear(&ev);
	free(error);
	json_decref(o);
	return ok;
}

static struct scenario_team teams[] = { { .id = "ro", .role = ROLE_BLUE },
	{ .id = "md", .role = ROLE_BLUE } };

static const struct score_check *
check_named(const struct score_ledger *l, const char *key)
{
	for (size_t i = 0; i < l->n_checks; i++)
		if (strcmp(l->checks[i].key, key) == 0)
			return &l->checks[i];
	return NULL;
}

TEST(each_failure_is_the_attacks_or_the_teams)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct outage_case *k = &cases[i];
		struct score_ledger l;
		const struct score_check *c;
		bool ok;

		score_ledger_init(&l, teams, ARRAY_SIZE(teams));
		ok = feed(&l, EXERCISE(""), 1);
		for (j = 0; ok && k->lines[j] != NULL; j++)
			ok = feed(&l, k->lines[j], j + 2);
		c = check_named(&l, k->check);
		if (!CHECK(ok && c != NULL) || !CHECK(c->attack == k->attack &&
		    c->self == k->self))
			fprintf(stderr, "  case '%s': %s attack %ld self %ld, "
			    "expected %ld and %ld\n", k->name, k->check,
			    c ? c->attack : -1, c ? c->self : -1, k->attack,
			    k->self);
		/* A failed round stands for the round's interval. */
		if (c != NULL)
			CHECK(c->attack_s == 60 * c->attack && c->self_s ==
			    60 * c->self);
		score_ledger_clear(&l);
	}
}

/*
 * scoring.outage's weights cost a failed round weight times its points:
 * the difference from 1 is the team's outage entry, in the score; with
 * no rule the score is what it always was.
 */
TEST(weights_change_what_a_failed_round_costs)
{
	static const char *const lines[] = {
		ROUND(1, CHECK_OF("ro", "ro-web", "web", "false")),
		FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]"),
		RESULT("deface", 1, 101, "[" OK("ro-web") "," OK("md-web") "]"),
		ROUND(2, CHECK_OF("ro", "ro-web", "web", "false") ","
		    CHECK_OF("ro", "ro-web", "ssh", "false") ","
		    CHECK_OF("md", "md-web", "web", "false")),
	};
	struct score_ledger l;
	size_t j;
	json_t *o;

	/* attack 0.5, self 1.5: ro's self web 10 and ssh 5 cost 5 + 2.5
	 * more, its attack web 5 less: 2.5, rounded to 3; md's attack
	 * web 5 less: -5. */
	score_ledger_init(&l, teams, ARRAY_SIZE(teams));
	CHECK(feed(&l, EXERCISE("\"outage_attack\":500,\"outage_self\":1500,"),
	    1));
	for (j = 0; j < ARRAY_SIZE(lines); j++)
		CHECK(feed(&l, lines[j], j + 2));
	CHECK_INT_EQ(l.teams[0].outage, 2500);
	CHECK_INT_EQ(l.teams[1].outage, -5000);
	CHECK_INT_EQ(score_total(&l.teams[0]), -3);
	CHECK_INT_EQ(score_total(&l.teams[1]), 5);
	o = score_to_json(&l);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(
	    json_object_get(o, "teams"), 0), "outage")), 3);
	json_decref(o);
	/* The uptime's downtime by cause: ro 2 rounds self, 1 attack. */
	o = score_uptime_to_json(&l, "ro");
	CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(o, "teams"), 0), "downtime"),
	    "self")), 120);
	CHECK_INT_EQ(json_integer_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(o, "teams"), 0), "downtime"),
	    "attack")), 60);
	json_decref(o);
	score_ledger_clear(&l);
	/* Without the rule: nothing more than the points not earned. */
	score_ledger_init(&l, teams, ARRAY_SIZE(teams));
	CHECK(feed(&l, EXERCISE(""), 1));
	for (j = 0; j < ARRAY_SIZE(lines); j++)
		CHECK(feed(&l, lines[j], j + 2));
	CHECK_INT_EQ(score_total(&l.teams[0]), 0);
	CHECK_INT_EQ(score_total(&l.teams[1]), 0);
	score_ledger_clear(&l);
}

/* The window and the counts go through the checkpoint's state. */
TEST(the_outage_state_restores)
{
	struct score_ledger l, back;
	json_t *state;
	char *error = NULL;
	const struct score_check *c;

	score_ledger_init(&l, teams, ARRAY_SIZE(teams));
	CHECK(feed(&l, EXERCISE("\"outage_self\":2000,"), 1));
	CHECK(feed(&l, FIRE("deface", 1, 100, "[\"ro-web\",\"md-web\"]"), 2));
	CHECK(feed(&l, RESULT("deface", 1, 101, "[" OK("ro-web") ","
	    OK("md-web") "]"), 3));
	CHECK(feed(&l, ROUND(2, CHECK_OF("ro", "ro-web", "web", "false")), 4));
	state = score_state_to_json(&l);
	score_ledger_init(&back, teams, ARRAY_SIZE(teams));
	CHECK(score_restore(&back, state, &error) == 0);
	free(error);
	/* The window is still open: the next failure is the attack's. */
	CHECK(feed(&back, ROUND(3, CHECK_OF("ro", "ro-web", "web", "false")), 5));
	c = check_named(&back, "ro-web/web");
	CHECK(c != NULL && c->attack == 2 && c->self == 0);
	CHECK_INT_EQ(back.outage_self, 2000);
	/* The MSEL came back too: a new firing opens a window. */
	CHECK(feed(&back, FIRE("off", 1, 300, "[\"md-web\"]"), 6));
	c = check_named(&back, "md-web/web");
	CHECK(c != NULL && c->window.inject != NULL);
	json_decref(state);
	score_ledger_clear(&l);
	score_ledger_clear(&back);
}

TEST(the_rules_alone)
{
	struct outage_window w = { 0 };
	struct outage_inject cut = { "cut", OUTAGE_REACH_NETWORK, NULL, 0 };

	CHECK_INT_EQ(outage_reach_of("reboot"), OUTAGE_REACH_HOST);
	CHECK_INT_EQ(outage_reach_of("revert"), OUTAGE_REACH_HOST);
	CHECK_INT_EQ(outage_reach_of("link_up"), OUTAGE_REACH_NONE);
	CHECK(outage_breaks(&cut, "h", "web", false));
	CHECK(!outage_breaks(&cut, "h", "agent", true));
	outage_open(&w, "a", 1);
	/* A later firing takes the window over; the earlier result is not its. */
	outage_open(&w, "a", 2);
	outage_settle(&w, "a", 1, false, 10);
	CHECK(w.inject != NULL && !w.settled);
	CHECK_INT_EQ(outage_round(&w, true, false, 20), OUTAGE_SELF);
	CHECK(w.inject != NULL);
	outage_settle(&w, "a", 2, true, 30);
	CHECK_INT_EQ(outage_round(&w, false, false, 25), OUTAGE_ATTACK);
	CHECK_INT_EQ(outage_round(&w, true, false, 29), OUTAGE_SELF);
	CHECK(w.inject != NULL);
	CHECK_INT_EQ(outage_round(&w, true, false, 30), OUTAGE_SELF);
	CHECK(w.inject == NULL);
	CHECK_INT_EQ(outage_round(&w, false, false, 40), OUTAGE_SELF);
	CHECK_INT_EQ(outage_points(2500), 3);
	CHECK_INT_EQ(outage_points(-2500), -3);
	CHECK_INT_EQ(outage_points(2499), 2);
	CHECK_INT_EQ(outage_extra(1500, 10), 5000);
}
