/*
 * test_event.c: the journal's event table: every type written and read
 * back the same, every malformed event refused with its sentence, the
 * journals of tests/journals all decoded, and docs/internals/events.md
 * saying what the table says.
 */
#include "harness.h"

#include "rangectl/event.h"
#include "rangectl/journal.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

/*
 * Encodes ev, adds seq and wall as the journal does, decodes that and
 * encodes it again: the two must be equal, and the type the same.
 */
static void
round_trip(const struct event *ev)
{
	json_t *first = event_encode(ev), *second = NULL;
	struct event back;
	char *error = NULL, *a, *b;

	if (!CHECK(first != NULL))
		return;
	json_object_set_new(first, "seq", json_integer(7));
	json_object_set_new(first, "wall", json_real(1795000000.5));
	if (!CHECK(event_decode(first, 0, &back, &error) == 0)) {
		fprintf(stderr, "  %s\n", error);
		free(error);
		json_decref(first);
		return;
	}
	CHECK_INT_EQ(back.type, ev->type);
	CHECK_INT_EQ(back.seq, 7);
	CHECK(back.wall == 1795000000.5);
	second = event_encode(&back);
	json_object_set_new(second, "seq", json_integer(7));
	json_object_set_new(second, "wall", json_real(1795000000.5));
	a = json_dumps(first, JSON_SORT_KEYS | JSON_COMPACT);
	b = json_dumps(second, JSON_SORT_KEYS | JSON_COMPACT);
	CHECK_STR_EQ(b, a);
	free(a);
	free(b);
	event_clear(&back);
	json_decref(first);
	json_decref(second);
}

static const char *targets[] = { "ex-ro-web", "ex-md-web" };
static const char *teams_to[] = { "ro", "md" };
static const char *people[] = { "ana" };

TEST(exercise_round_trip)
{
	struct event_team teams[] = { { "ro", "Romania", ROLE_BLUE },
		{ "white", NULL, ROLE_WHITE } };
	struct event_msel msel[] = {
		{ "recon", "Scan", 300, "exec", targets, 2, NULL, 0, NULL, 0, NULL,
		  NULL, 0 },
		{ "press", NULL, -1, "message", NULL, 0, teams_to, 2, NULL, 0, NULL,
		  NULL, 0 } };
	struct event_service services[] = { { "web", "http", 10 } };
	struct event_host_entry hosts[] = { { "ex-ro-web", "ro", services, 1 },
		{ "ex-gw", NULL, NULL, 0 } };
	struct event ev;
	json_t *o;

	event_init(&ev, EVENT_EXERCISE);
	ev.has_t = true;
	ev.u.exercise = (struct event_exercise){ EVENT_FORMAT, "drill",
		"Drill", 3600, 600, 5, "/srv/drill.yaml", 3, 20, false, { 0 }, teams,
		2, msel,
		2, hosts, 2, false, 1000, 1000 };
	round_trip(&ev);
	o = event_encode(&ev);
	CHECK_INT_EQ(json_integer_value(json_object_get(o, "format")), 5);
	/* No scoring.outage: no key, as before format 5. */
	CHECK(json_object_get(o, "outage_attack") == NULL);
	json_decref(o);
	ev.u.exercise.has_outage = true;
	ev.u.exercise.outage_attack = 0;
	ev.u.exercise.outage_self = 1500;
	round_trip(&ev);
	o = event_encode(&ev);
	CHECK_INT_EQ(json_integer_value(json_object_get(o, "outage_attack")), 0);
	CHECK_INT_EQ(json_integer_value(json_object_get(o, "outage_self")),
	    1500);
	ev.u.exercise.has_outage = false;
	CHECK_INT_EQ(json_integer_value(json_object_get(o, "sla_after")), 3);
	json_decref(o);
	/* No SLA rule: no field, as before format 3. */
	ev.u.exercise.sla_after = 0;
	o = event_encode(&ev);
	CHECK(json_object_get(o, "sla_after") == NULL);
	json_decref(o);
	/* A journal of the release before numbered formats: format 1. */
	ev.u.exercise.format = 1;
	o = event_encode(&ev);
	CHECK(json_object_get(o, "format") == NULL);
	json_decref(o);
	round_trip(&ev);
}

/*
 * Format 5: an inject's truth, resolved per target, rides in the MSEL of
 * the exercise and change events; an inject without one has no key.
 */
TEST(the_msel_carries_the_truth)
{
	static const char *effects[] = { "web.http" };
	static const char *breaks[] = { "ex-ro-web/http", "ex-md-web/http" };
	struct event_indicator ro[] = { { "ipv4", "100.64.0.66" },
		{ "url", "http://10.1.1.10/index.html" } };
	struct event_indicator md[] = { { "ipv4", "100.64.0.66" },
		{ "url", "http://10.2.1.10/index.html" } };
	struct event_truth_row rows[] = { { "ex-ro-web", "ro", ro, 2 },
		{ "ex-md-web", "md", md, 2 } };
	struct event_truth truth = { "T1491.002", effects, 1, rows, 2 };
	struct event_truth bare = { NULL, NULL, 0, NULL, 0 };
	struct event_msel msel[] = {
		{ "deface", "Deface", 900, "exec", targets, 2, NULL, 0, NULL, 0,
		  &truth, breaks, 2 },
		{ "press", NULL, -1, "message", NULL, 0, teams_to, 2, NULL, 0,
		  NULL, NULL, 0 },
		{ "hint", NULL, -1, "message", NULL, 0, teams_to, 2, NULL, 0,
		  &bare, NULL, 0 } };
	static const char *what[] = { "inject 'deface': truth added" };
	struct event ev, back;
	json_t *o, *t;
	char *error = NULL;

	event_init(&ev, EVENT_EXERCISE);
	ev.has_t = true;
	ev.u.exercise = (struct event_exercise){ EVENT_FORMAT, "drill", NULL,
		3600, 600, 5, NULL, 0, 0, false, { 0 }, NULL, 0, msel, 3, NULL, 0, false, 0, 0 };
	round_trip(&ev);
	o = event_encode(&ev);
	t = json_object_get(json_array_get(json_object_get(o, "injects"), 0),
	    "truth");
	CHECK_STR_EQ(json_string_value(json_object_get(t, "technique")),
	    "T1491.002");
	CHECK(json_object_get(json_array_get(json_object_get(o, "injects"), 1),
	    "truth") == NULL);
	CHECK(json_object_get(json_array_get(json_object_get(o, "injects"), 1),
	    "breaks") == NULL);
	CHECK(json_is_null(json_object_get(json_object_get(json_array_get(
	    json_object_get(o, "injects"), 2), "truth"), "technique")));
	json_object_set_new(o, "seq", json_integer(1));
	if (CHECK(event_decode(o, 0, &back, &error) == 0)) {
		const struct event_truth *d = back.u.exercise.injects[0].truth;

		CHECK(back.u.exercise.injects[1].truth == NULL);
		CHECK_INT_EQ(back.u.exercise.injects[0].n_breaks, 2);
		CHECK_INT_EQ(back.u.exercise.injects[1].n_breaks, 0);
		CHECK(d != NULL && d->n_resolved == 2 && d->n_effects == 1);
		if (d != NULL && d->n_resolved == 2) {
			CHECK_STR_EQ(d->effects[0], "web.http");
			CHECK_STR_EQ(d->resolved[1].team, "md");
			CHECK_STR_EQ(d->resolved[1].indicators[1].value,
			    "http://10.2.1.10/index.html");
		}
		event_clear(&back);
	}
	free(error);
	json_decref(o);
	/* The change event's MSEL is read and written as the exercise's. */
	event_init(&ev, EVENT_CHANGE);
	ev.has_t = true;
	ev.u.change = (struct event_change){ what, 1, 3600, 600, 5, 0, 0, false,
		{ 0 }, msel, 3, true, 500, 2000 };
	round_trip(&ev);
}

TEST(clock_round_trip)
{
	struct event ev;

	event_init(&ev, EVENT_CLOCK);
	ev.has_t = true;
	ev.t = 12.5;
	ev.u.clock = (struct event_clock){ EXCLOCK_PAUSED, true, 2.0,
		"paused by hand", "control" };
	round_trip(&ev);
	ev.u.clock = (struct event_clock){ EXCLOCK_ENDED, true, 1.0, "ended",
		NULL };
	round_trip(&ev);
}

TEST(inject_round_trip)
{
	struct event ev;

	event_init(&ev, EVENT_INJECT);
	ev.has_t = true;
	ev.u.inject = (struct event_inject){ "recon", "exec", 2, 300.0, 300.25,
		0.25, false, NULL, targets, 2 };
	round_trip(&ev);
	ev.u.inject = (struct event_inject){ "press", "message", 1, -1, 10, 0,
		true, "control", NULL, 0 };
	round_trip(&ev);
}

TEST(inject_result_round_trip)
{
	struct event_result results[] = {
		{ "ex-ro-web", "ex-kali", true, NULL, true, 0, "open", "", true,
		  0.5, "nc -z 10.1.1.10 80" },
		{ "ex-md-web", NULL, false, "no agent", false, 0, "", "", true, 0,
		  NULL } };
	struct event ev;

	event_init(&ev, EVENT_INJECT_RESULT);
	ev.has_t = true;
	ev.u.inject_result = (struct event_inject_result){ "recon", 1, results,
		2, false };
	round_trip(&ev);
	ev.u.inject_result.lost = true;
	round_trip(&ev);
}

TEST(round_round_trip)
{
	struct event_check checks[] = {
		{ "ro", "ex-ro-web", "web", "http", true, 10, NULL },
		{ "md", "ex-md-web", "web", "http", false, 0, "refused" } };
	struct event_compromise comps[] = {
		{ "md", "ex-md-web", "deface", "http", true, 20, NULL } };
	struct event ev;

	event_init(&ev, EVENT_ROUND);
	ev.has_t = true;
	ev.u.round = (struct event_round){ 3, 1800, true, 0.5, checks, 2,
		comps, 1, false };
	round_trip(&ev);
	/* A rehearsal's round says its results were simulated (format 3). */
	ev.u.round.simulated = true;
	round_trip(&ev);
}

TEST(the_small_events_round_trip)
{
	struct event ev;

	event_init(&ev, EVENT_LINK);
	ev.u.link = (struct event_link){ "ex-ro-web", "ex-ro-dmz", true,
		"cut-ro", true, false, "no connection" };
	ev.has_t = true;
	round_trip(&ev);
	event_init(&ev, EVENT_MESSAGE);
	ev.has_t = true;
	ev.u.message = (struct event_message){ .to = teams_to, .n_to = 2,
		.text = "a call", .by = "control" };
	round_trip(&ev);
	/* Issue 13: people one by one, and the story's sender. */
	event_init(&ev, EVENT_MESSAGE);
	ev.has_t = true;
	ev.u.message = (struct event_message){ .inject = "press", .to =
		teams_to, .n_to = 1, .text = "call me", .people = people,
		.n_people = 1, .from = "CEO" };
	round_trip(&ev);
	struct event_indicator report_indicators[] = { { "ipv4", "10.9.0.5" },
		{ "url", "http://10.1.1.10/" } };

	event_init(&ev, EVENT_REPORT);
	ev.has_t = true;
	ev.u.report = (struct event_report){ "r1", "ro", "ana", "Defaced",
		"the page says so", NULL, NULL, NULL, 0 };
	round_trip(&ev);
	/* What the team saw, matched against the truth (format 5). */
	ev.u.report = (struct event_report){ "ro-2", "ro", "ana", "Scan",
		"", NULL, "T1046", report_indicators, 2 };
	round_trip(&ev);
	event_init(&ev, EVENT_GRADE);
	ev.has_t = true;
	ev.u.grade = (struct event_grade){ "r1", "ro", 5, NULL, "control",
		false, NULL };
	round_trip(&ev);
	event_init(&ev, EVENT_GRADE);
	ev.has_t = true;
	ev.u.grade = (struct event_grade){ "r1", "ro", 3, "ok", "control",
		true, "missed a host" };
	round_trip(&ev);
	event_init(&ev, EVENT_ADJUSTMENT);
	ev.has_t = true;
	ev.u.adjustment = (struct event_adjustment){ "md", -3, "late",
		"control" };
	round_trip(&ev);
	event_init(&ev, EVENT_HOST);
	ev.has_t = true;
	ev.u.host = (struct event_host){ "ex-ro-web", "ro", "shutoff",
		"shut down" };
	round_trip(&ev);
	event_init(&ev, EVENT_REVERT);
	ev.has_t = true;
	ev.u.revert = (struct event_revert){ "ex-ro-web", "ana", true, true,
		NULL };
	round_trip(&ev);
	{
		static const char *what[] = { "inject 'recon': at 0:05:00, now "
			"0:10:00" };
		struct event_msel msel[] = {
			{ "recon", "Scan", 600, "exec", targets, 2, NULL, 0, NULL, 0,
			  NULL, NULL, 0 } };

		event_init(&ev, EVENT_CHANGE);
		ev.has_t = true;
		ev.u.change = (struct event_change){ what, 1, 3600, 60, 5, 3, 20,
			false, { 0 }, msel, 1, false, 0, 0 };
		round_trip(&ev);
	}
	event_init(&ev, EVENT_LOGIN);
	ev.has_t = true;
	ev.u.login = (struct event_login){ "ana", "10.0.0.7", "refused", false,
		0 };
	round_trip(&ev);
	ev.u.login = (struct event_login){ "nobody", NULL, "throttled", true,
		12 };
	round_trip(&ev);
	{
		struct event_range_team teams[] = {
			{ "ro", "d1", "n", "h", "c", "i", "m", "l1" },
			{ "ua", "d2", "n", "h", "c2", "i", "m", NULL } };
		const char *differ[] = { "team 'ua' did not get the range of "
			"the other blue teams (as 'ro'): its checks differ" };

		event_init(&ev, EVENT_RANGE);
		ev.has_t = true;
		ev.u.range = (struct event_range){ xcalloc(1, sizeof(teams)),
			2, xcalloc(1, sizeof(differ)), 1 };
		memcpy(ev.u.range.teams, teams, sizeof(teams));
		memcpy(ev.u.range.differ, differ, sizeof(differ));
		round_trip(&ev);
		event_clear(&ev);
	}
}

/* Decodes text as line 5 and gives the error, or "ok". */
static char *
decoded(const char *text)
{
	json_error_t jerr;
	json_t *o = json_loads(text, 0, &jerr);
	struct event ev;
	char *error = NULL;

	if (o == NULL)
		return xasprintf("not JSON: %s", jerr.text);
	if (event_decode(o, 5, &ev, &error) == 0) {
		event_clear(&ev);
		error = xstrdup("ok");
	}
	json_decref(o);
	return error;
}

#define REFUSED(text, want)						\
	do {								\
		char *got_ = decoded(text);				\
		CHECK_STR_EQ(got_, want);				\
		free(got_);						\
	} while (0)

#define EX_HEAD "{\"type\":\"exercise\",\"t\":0,\"name\":\"x\",\"title\":null," \
	"\"duration\":60,\"interval\":10,\"timeout\":1,"

TEST(the_type_and_time_are_checked_first)
{
	REFUSED("[]", "event 5 (no type): the event must be a JSON object");
	REFUSED("{\"t\":1}", "event 5 (no type): 'type' must be a string");
	REFUSED("{\"type\":7,\"t\":1}",
	    "event 5 (no type): 'type' must be a string");
	REFUSED("{\"type\":\"banner\",\"t\":1}", "event 5 (banner): 'type' must "
	    "be one of exercise, clock, inject, inject_result, round, link, "
	    "message, report, grade, adjustment, host, revert, change, flag, "
	    "capture, login, intel, range; a journal of format 5 has no other");
	REFUSED("{\"type\":\"clock\",\"state\":\"running\"}",
	    "event 5 (clock): 't' must be a number");
	REFUSED("{\"type\":\"clock\",\"t\":\"1\",\"state\":\"running\"}",
	    "event 5 (clock): 't' must be a number");
}

TEST(the_line_is_the_seq_when_none_is_given)
{
	json_t *o = json_pack("{s:s, s:I}", "type", "nope", "seq",
	    (json_int_t)42);
	struct event ev;
	char *error = NULL;

	CHECK_INT_EQ(event_decode(o, 0, &ev, &error), -1);
	CHECK(error != NULL && strncmp(error, "event 42 (nope): ", 17) == 0);
	free(error);
	json_decref(o);
}

TEST(a_malformed_exercise_is_refused)
{
	REFUSED(EX_HEAD "\"teams\":{},\"injects\":[],\"hosts\":[]}",
	    "event 5 (exercise): 'teams' must be a list");
	REFUSED(EX_HEAD "\"teams\":[{\"id\":\"ro\",\"name\":null,\"role\":"
	    "\"green\"}],\"injects\":[],\"hosts\":[]}", "event 5 (exercise): "
	    "'teams[0].role' must be red, blue or white, not 'green'");
	REFUSED(EX_HEAD "\"teams\":[{\"id\":\"ro\",\"name\":null,\"role\":"
	    "\"blue\"},{\"id\":\"ro\",\"name\":null,\"role\":\"red\"}],"
	    "\"injects\":[],\"hosts\":[]}",
	    "event 5 (exercise): team 'ro' is listed twice");
	REFUSED(EX_HEAD "\"teams\":[1],\"injects\":[],\"hosts\":[]}",
	    "event 5 (exercise): 'teams[0]' must be an object");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[{\"id\":\"a\",\"title\":"
	    "null,\"at\":1.5,\"action\":\"exec\",\"targets\":[]}],\"hosts\":[]}",
	    "event 5 (exercise): 'injects[0].at' must be an integer or null");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[{\"id\":\"a\",\"title\":"
	    "null,\"at\":1,\"action\":\"exec\",\"targets\":[]},{\"id\":\"a\","
	    "\"title\":null,\"at\":1,\"action\":\"exec\",\"targets\":[3]}],"
	    "\"hosts\":[]}", "event 5 (exercise): 'injects[1].targets' must be "
	    "a list of strings");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[{\"id\":\"a\",\"title\":"
	    "null,\"at\":1,\"action\":\"exec\",\"targets\":[]},{\"id\":\"a\","
	    "\"title\":null,\"at\":1,\"action\":\"exec\",\"targets\":[]}],"
	    "\"hosts\":[]}", "event 5 (exercise): inject 'a' is listed twice");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[],\"hosts\":[{\"name\":\"h\","
	    "\"team\":null,\"services\":[{\"id\":\"web\",\"check\":\"http\"}]}]}",
	    "event 5 (exercise): 'hosts[0].services[0].points' must be an "
	    "integer");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[],\"hosts\":[],\"format\":6}",
	    "event 5 (exercise): the journal is of format 6, and this rangectl "
	    "reads formats 1 to 5: read it with the rangectl that wrote it");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[],\"hosts\":[],\"format\":0}",
	    "event 5 (exercise): the journal is of format 0, and this rangectl "
	    "reads formats 1 to 5: read it with the rangectl that wrote it");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[],\"hosts\":[],\"format\":"
	    "\"2\"}", "event 5 (exercise): 'format' must be an integer");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[],\"hosts\":[],\"format\":2}",
	    "ok");
	/* Format 3: the SLA rule. */
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[],\"hosts\":[],\"format\":3,"
	    "\"sla_after\":3,\"sla_penalty\":20}", "ok");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[],\"hosts\":[],\"format\":3,"
	    "\"sla_after\":0,\"sla_penalty\":20}", "event 5 (exercise): "
	    "'sla_after' must be at least 1 and 'sla_penalty' at least 0, not 0 "
	    "and 20");
	/* Format 5: scoring.outage's weights, in thousandths. */
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[],\"hosts\":[],\"format\":5,"
	    "\"outage_self\":1500}", "ok");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[],\"hosts\":[],\"format\":5,"
	    "\"outage_attack\":10001}", "event 5 (exercise): 'outage_attack' "
	    "and 'outage_self' must be from 0 to 10000 (thousandths), not 10001 "
	    "and 1000");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[],\"hosts\":[],\"format\":5,"
	    "\"outage_self\":1.5}", "event 5 (exercise): 'outage_self' must be "
	    "an integer");
	REFUSED(EX_HEAD "\"teams\":[],\"injects\":[],\"hosts\":[],\"format\":3,"
	    "\"sla_after\":\"3\"}", "event 5 (exercise): 'sla_after' must be "
	    "an integer");
}

/* An MSEL's truth is checked as the rest of it (format 5). */
#define TRUTH_HEAD EX_HEAD "\"teams\":[],\"hosts\":[],\"injects\":[{\"id\":" \
	"\"a\",\"title\":null,\"at\":1,\"action\":\"exec\",\"targets\":" \
	"[\"h\"],\"truth\":"
TEST(a_malformed_truth_is_refused)
{
	REFUSED(TRUTH_HEAD "{\"technique\":\"T1046\",\"effects\":[\"h.web\"],"
	    "\"resolved\":[{\"target\":\"h\",\"team\":\"ro\",\"indicators\":"
	    "[{\"type\":\"ipv4\",\"value\":\"10.0.0.1\"}]}]}}]}", "ok");
	REFUSED(TRUTH_HEAD "[]}]}", "event 5 (exercise): "
	    "'injects[0].truth' must be an object");
	REFUSED(TRUTH_HEAD "{\"technique\":null,\"effects\":[1],"
	    "\"resolved\":[]}}]}", "event 5 (exercise): "
	    "'injects[0].truth.effects' must be a list of strings");
	REFUSED(TRUTH_HEAD "{\"technique\":null,\"effects\":[],"
	    "\"resolved\":[{\"target\":\"g\",\"team\":null,\"indicators\":"
	    "[]}]}}]}", "event 5 (exercise): 'injects[0].truth.resolved[0]."
	    "target' must be one of inject 'a''s targets, not 'g'");
	REFUSED(TRUTH_HEAD "{\"technique\":null,\"effects\":[],"
	    "\"resolved\":[{\"target\":\"h\",\"team\":null,\"indicators\":"
	    "[{\"type\":\"mac\",\"value\":\"x\"}]}]}}]}", "event 5 (exercise): "
	    "'injects[0].truth.resolved[0].indicators[0].type' must be an "
	    "indicator type (ipv4, url, sha256...), not 'mac'");
	REFUSED(TRUTH_HEAD "{\"technique\":null,\"effects\":[],"
	    "\"resolved\":[{\"target\":\"h\",\"team\":null,\"indicators\":"
	    "[{\"type\":\"ipv4\"}]}]}}]}", "event 5 (exercise): "
	    "'injects[0].truth.resolved[0].indicators[0].value' must be a "
	    "string");
}

TEST(malformed_events_are_refused)
{
	REFUSED("{\"type\":\"login\",\"t\":1,\"name\":\"ana\",\"address\":"
	    "null,\"result\":\"maybe\"}", "event 5 (login): 'result' must be ok, "
	    "refused or throttled, not 'maybe'");
	REFUSED("{\"type\":\"login\",\"t\":1,\"name\":\"ana\",\"address\":"
	    "null,\"result\":\"throttled\",\"attempts\":0}",
	    "event 5 (login): 'attempts' must be 1 or more, not 0");
	REFUSED("{\"type\":\"login\",\"t\":1,\"address\":\"::1\",\"result\":"
	    "\"ok\"}", "event 5 (login): 'name' must be a string");
	REFUSED("{\"type\":\"clock\",\"t\":1,\"state\":\"stopped\"}",
	    "event 5 (clock): 'state' must be running, paused or ended, not "
	    "'stopped'");
	REFUSED("{\"type\":\"clock\",\"t\":1,\"state\":\"pending\"}",
	    "event 5 (clock): 'state' must be running, paused or ended, not "
	    "'pending'");
	REFUSED("{\"type\":\"clock\",\"t\":1,\"state\":\"running\",\"speed\":"
	    "\"fast\"}", "event 5 (clock): 'speed' must be a number");
	REFUSED("{\"type\":\"inject\",\"t\":1,\"id\":\"a\",\"action\":\"exec\","
	    "\"firing\":0,\"scheduled\":null,\"actual\":1,\"late\":0,\"manual\":"
	    "true,\"by\":null,\"targets\":[]}",
	    "event 5 (inject): 'firing' must be 1 or more, not 0");
	REFUSED("{\"type\":\"inject\",\"t\":1,\"id\":\"a\",\"action\":\"exec\","
	    "\"firing\":1,\"scheduled\":null,\"actual\":1,\"late\":0,\"manual\":"
	    "1,\"by\":null,\"targets\":[]}",
	    "event 5 (inject): 'manual' must be true or false");
	REFUSED("{\"type\":\"inject_result\",\"t\":1,\"id\":\"a\",\"firing\":1,"
	    "\"results\":[{\"host\":\"h\",\"ok\":\"yes\"}]}",
	    "event 5 (inject_result): 'results[0].ok' must be true or false");
	REFUSED("{\"type\":\"inject_result\",\"t\":1,\"id\":\"a\",\"firing\":1,"
	    "\"results\":[{\"host\":\"h\",\"ok\":true,\"exit\":1.5}]}",
	    "event 5 (inject_result): 'results[0].exit' must be an integer or "
	    "null");
	REFUSED("{\"type\":\"round\",\"t\":1,\"n\":1,\"at\":60,\"checks\":[],"
	    "\"compromises\":[{\"team\":\"ro\",\"host\":\"h\",\"inject\":\"a\","
	    "\"active\":true,\"penalty\":\"5\"}]}",
	    "event 5 (round): 'compromises[0].penalty' must be an integer");
	REFUSED("{\"type\":\"round\",\"t\":1,\"n\":1,\"at\":60,\"checks\":[[]],"
	    "\"compromises\":[]}", "event 5 (round): 'checks[0]' must be an "
	    "object");
	REFUSED("{\"type\":\"round\",\"t\":1,\"n\":1,\"at\":60,\"checks\":[]}",
	    "event 5 (round): 'compromises' must be a list");
	REFUSED("{\"type\":\"link\",\"t\":1,\"host\":\"h\",\"network\":\"n\"}",
	    "event 5 (link): 'up' must be true or false");
	REFUSED("{\"type\":\"message\",\"t\":1,\"to\":\"ro\",\"text\":\"x\"}",
	    "event 5 (message): 'to' must be a list of strings");
	REFUSED("{\"type\":\"report\",\"t\":1,\"id\":\"r1\",\"team\":\"ro\"}",
	    "event 5 (report): 'title' must be a string");
	REFUSED("{\"type\":\"grade\",\"t\":1,\"report\":\"r1\",\"team\":\"ro\","
	    "\"points\":2.5}", "event 5 (grade): 'points' must be an integer");
	REFUSED("{\"type\":\"adjustment\",\"t\":1,\"team\":\"ro\",\"points\":1,"
	    "\"reason\":null}", "event 5 (adjustment): 'reason' must be a string");
	REFUSED("{\"type\":\"host\",\"t\":1,\"name\":\"h\",\"state\":5}",
	    "event 5 (host): 'state' must be a string");
	REFUSED("{\"type\":\"revert\",\"t\":1,\"host\":\"h\",\"ok\":null}",
	    "event 5 (revert): 'ok' must be true or false");
}

/*
 * Issue 13: a message's people and sender. A message line as formats 1
 * to 3 wrote it (no people, no from) reads as before and reaches its
 * teams; one with people reaches them by name, and a reader that asks by
 * team alone (event_visible) shows it to no other trainee.
 */
TEST(messages_old_and_to_people)
{
	static const char *const old = "{\"type\":\"message\",\"t\":5,"
	    "\"inject\":\"press\",\"to\":[\"md\"],\"text\":\"a call\","
	    "\"by\":null}";
	static const char *const named = "{\"type\":\"message\",\"t\":5,"
	    "\"inject\":\"ceo\",\"to\":[\"md\"],\"text\":\"call me\","
	    "\"by\":null,\"people\":[\"ana\"],\"from\":\"CEO\"}";
	json_t *o = json_loads(old, 0, NULL);
	struct event ev;
	char *error = NULL;

	if (!CHECK(o != NULL && event_decode(o, 5, &ev, &error) == 0))
		goto cleanup;
	CHECK_INT_EQ(ev.u.message.n_people, 0);
	CHECK(ev.u.message.from == NULL);
	CHECK(event_visible_to(&ev, false, "md", "ion"));
	CHECK(!event_visible_to(&ev, false, "ro", "ana"));
	CHECK(event_visible_to(&ev, true, NULL, NULL));
	event_clear(&ev);
	json_decref(o);
	o = json_loads(named, 0, NULL);
	if (!CHECK(o != NULL && event_decode(o, 5, &ev, &error) == 0))
		goto cleanup;
	CHECK_INT_EQ(ev.u.message.n_people, 1);
	CHECK_STR_EQ(ev.u.message.from, "CEO");
	CHECK(event_visible_to(&ev, false, "ro", "ana"));
	CHECK(!event_visible_to(&ev, false, "ro", "dan"));
	CHECK(event_visible_to(&ev, false, "md", "ion"));
	CHECK(!event_visible(&ev, false, "ro"));
	CHECK(event_visible(&ev, true, NULL));
	event_clear(&ev);
	REFUSED("{\"type\":\"message\",\"t\":1,\"to\":[],\"text\":\"x\","
	    "\"people\":\"ana\"}", "event 5 (message): 'people' must be a list "
	    "of strings");
	REFUSED("{\"type\":\"message\",\"t\":1,\"to\":[],\"text\":\"x\","
	    "\"from\":7}", "event 5 (message): 'from' must be a string or null");
cleanup:
	free(error);
	json_decref(o);
}

TEST(audiences)
{
	const char *to[] = { "md" };
	struct event ev;

	event_init(&ev, EVENT_INJECT);
	CHECK(event_visible(&ev, true, NULL));
	CHECK(!event_visible(&ev, false, "ro"));
	event_init(&ev, EVENT_HOST);
	ev.u.host.team = "ro";
	CHECK(event_visible(&ev, false, "ro"));
	CHECK(!event_visible(&ev, false, "md"));
	CHECK(event_visible(&ev, true, NULL));
	event_init(&ev, EVENT_MESSAGE);
	ev.u.message.to = to;
	ev.u.message.n_to = 1;
	CHECK(event_visible(&ev, false, "md"));
	CHECK(!event_visible(&ev, false, "ro"));
	event_init(&ev, EVENT_CLOCK);
	CHECK(event_visible(&ev, false, "ro"));
	event_init(&ev, EVENT_REVERT);
	CHECK(!event_visible(&ev, true, NULL));
	/* Who tried to log in, from where: never a trainee's to see. */
	event_init(&ev, EVENT_LOGIN);
	CHECK(!event_visible(&ev, false, "ro"));
	CHECK_INT_EQ(event_table[EVENT_LOGIN].audience, EVENT_STAFF);
	CHECK_INT_EQ(event_table[EVENT_RANGE].audience, EVENT_EVERYONE);
	CHECK_STR_EQ(event_type_name(EVENT_INJECT_RESULT), "inject_result");
	CHECK_INT_EQ(event_type_parse("inject_result"), EVENT_INJECT_RESULT);
	CHECK_INT_EQ(event_type_parse("banner"), EVENT_TYPES);
	/* A flag's value is a secret; a capture is the staff's to see. */
	event_init(&ev, EVENT_FLAG);
	ev.u.flag.team = "ro";
	CHECK(!event_visible(&ev, true, NULL));
	CHECK(!event_visible(&ev, false, "ro"));
	CHECK(!event_visible(&ev, false, "red"));
	event_init(&ev, EVENT_CAPTURE);
	ev.u.capture.team = "red";
	ev.u.capture.owner = "ro";
	CHECK(event_visible(&ev, true, NULL));
	CHECK(!event_visible(&ev, false, "red"));
	CHECK(!event_visible(&ev, false, "ro"));
}

TEST(flag_and_capture_round_trip)
{
	struct event ev;

	event_init(&ev, EVENT_FLAG);
	ev.has_t = true;
	ev.t = 12.5;
	ev.u.flag = (struct event_flag){ "web-root", "ex-ro-web", "ro",
		"flag{00112233445566778899aabbccddeeff}", 2, false,
		"a rehearsal writes into no guest", false };
	round_trip(&ev);
	ev.u.flag.planted = true;
	ev.u.flag.error = NULL;
	round_trip(&ev);
	ev.u.flag.replant = true;	/* after a revert */
	round_trip(&ev);
	event_init(&ev, EVENT_CAPTURE);
	ev.has_t = true;
	ev.u.capture = (struct event_capture){ "web-root", "ex-ro-web", "ro",
		"red", 2, 50, 30, "eve" };
	round_trip(&ev);
	REFUSED("{\"type\":\"capture\",\"t\":1,\"flag\":\"f\",\"host\":\"h\","
	    "\"owner\":\"ro\",\"team\":\"red\",\"rotation\":1,\"points\":\"5\","
	    "\"penalty\":5}", "event 5 (capture): 'points' must be an integer");
	REFUSED("{\"type\":\"flag\",\"t\":1,\"flag\":\"f\",\"host\":\"h\","
	    "\"team\":\"ro\",\"rotation\":1,\"planted\":true}",
	    "event 5 (flag): 'value' must be a string");
}

/* Issue 14: an observation, and the teams its TLP lets receive it. */
TEST(intel_round_trips_and_reaches_its_to_alone)
{
	static const char *to[] = { "ua", "ro", "white" };
	struct event_indicator ind[] = { { "ipv4", "192.0.2.7" },
		{ "sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" } };
	struct event ev;

	event_init(&ev, EVENT_INTEL);
	ev.has_t = true;
	ev.t = 90;
	ev.u.intel = (struct event_intel){ "ua-o1", "ua", "olena", "TLP:AMBER",
		"T1491.002", ind, 2, "defaced from this address", 80.5, to, 3 };
	round_trip(&ev);
	CHECK(event_visible(&ev, false, "ro"));
	CHECK(event_visible(&ev, false, "ua"));
	CHECK(!event_visible(&ev, false, "md"));
	CHECK(!event_visible(&ev, false, "red"));
	CHECK(event_visible(&ev, true, NULL));
	CHECK_INT_EQ(event_table[EVENT_INTEL].audience, EVENT_ADDRESSED);
	ev.u.intel = (struct event_intel){ "ua-o2", "ua", NULL, "TLP:RED", NULL,
		NULL, 0, NULL, 3, to, 1 };
	round_trip(&ev);
	CHECK(!event_visible(&ev, false, "ro"));
	REFUSED("{\"type\":\"intel\",\"t\":1,\"id\":\"ua-o1\",\"team\":\"ua\","
	    "\"by\":null,\"tlp\":\"TLP:WHITE\",\"technique\":null,"
	    "\"indicators\":[],\"text\":null,\"seen\":1,\"to\":[\"ua\"]}",
	    "event 5 (intel): 'tlp' must be TLP:RED, TLP:AMBER+STRICT, "
	    "TLP:AMBER, TLP:GREEN or TLP:CLEAR, not 'TLP:WHITE'");
	REFUSED("{\"type\":\"intel\",\"t\":1,\"id\":\"ua-o1\",\"team\":\"ua\","
	    "\"by\":null,\"tlp\":\"TLP:RED\",\"technique\":null,"
	    "\"indicators\":[{\"type\":\"ipv4\"}],\"text\":null,\"seen\":1,"
	    "\"to\":[\"ua\"]}",
	    "event 5 (intel): 'indicators[0].value' must be a string");
	REFUSED("{\"type\":\"intel\",\"t\":1,\"id\":\"ua-o1\",\"team\":\"ua\","
	    "\"by\":null,\"tlp\":\"TLP:RED\",\"technique\":null,"
	    "\"indicators\":[],\"text\":null,\"seen\":1}",
	    "event 5 (intel): 'to' must be a list of strings");
}

static int
decode_one(const json_t *o, void *ctx)
{
	struct event ev;
	char *error = NULL;

	(void)ctx;
	if (event_decode(o, 0, &ev, &error) < 0) {
		CHECK_STR_EQ(error, "(no error)");
		free(error);
		return -1;
	}
	event_clear(&ev);
	return 0;
}

/* Every journal of a real run (and the hand-made good ones) decodes. */
TEST(the_golden_journals_decode)
{
	static const char *const names[] = { "complete", "interrupted",
		"resumed", "engine-api", "engine-rehearsal", "engine-paused",
		"parts" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		char *path = xasprintf("tests/journals/%s.jsonl", names[i]);
		char *error = NULL;

		CHECK(journal_replay(path, decode_one, NULL, &error) > 0);
		free(error);
		free(path);
	}
}

/* The whole of a file, NUL-terminated (*len bytes), or NULL. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		text = xcalloc((size_t)size + 1, 1);
		*len = fread(text, 1, (size_t)size, f);
	}
	fclose(f);
	return text;
}

/* The line of the reference's table for type, or NULL. */
static const char *
doc_row(const char *doc, const char *type)
{
	char *head = xasprintf("\n| `%s` |", type);
	const char *row = strstr(doc, head);

	free(head);
	return row != NULL ? row + 1 : NULL;
}

static const char *const audience_words[] = { "nobody", "staff", "team",
	"addressed", "everyone" };

/*
 * docs/internals/events.md has one row per type, in the table's order,
 * naming each field (`key`) with its kind, and the type's audience and
 * live name: the reference cannot drift from the code.
 */
TEST(the_reference_matches_the_table)
{
	char *doc = NULL;
	size_t len, i, j;
	const char *prev = NULL;

	doc = slurp("docs/internals/events.md", &len);
	if (!CHECK(doc != NULL))
		return;
	for (i = 0; i < EVENT_TYPES; i++) {
		const struct event_kind *k = &event_table[i];
		const char *row = doc_row(doc, k->name), *end;
		char *line, *want;

		if (!CHECK(row != NULL)) {
			fprintf(stderr, "  no row for '%s'\n", k->name);
			continue;
		}
		CHECK(prev == NULL || row > prev);
		prev = row;
		end = strchr(row, '\n');
		line = xstrndup(row, end ? (size_t)(end - row) : strlen(row));
		for (j = 0; k->fields[j].key != NULL; j++) {
			want = xasprintf("`%s` %s%s", k->fields[j].key,
			    event_field_kind(k->fields[j].kind),
			    event_field_optional(k->fields[j].kind) ?
			    " (optional)" : "");
			if (!CHECK(strstr(line, want) != NULL))
				fprintf(stderr, "  row '%s' lacks '%s'\n", k->name,
				    want);
			free(want);
		}
		want = xasprintf("| %s | %s%s%s |", audience_words[k->audience],
		    k->live ? "`" : "", k->live ? k->live : "none",
		    k->live ? "`" : "");
		if (!CHECK(strstr(line, want) != NULL))
			fprintf(stderr, "  row '%s' lacks '%s'\n", k->name, want);
		free(want);
		free(line);
	}
	free(doc);
}
