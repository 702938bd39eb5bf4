/*
 * test_engine.c: the engine on libvirt's test driver, driven from another
 * thread as the HTTP server will drive it: commands, their refusals, and
 * what they leave in the journal and the scores.
 *
 * The scenario has no service checks, so nothing here touches a network.
 */
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rangectl/engine.h"
#include "rangectl/provision.h"
#include "rangectl/range.h"
#include "rangectl/report.h"
#include "rangectl/util.h"
#include "rangectl/view.h"

static const char scenario[] =
    "version: 1\n"
    "exercise: {name: eng, duration: 10m}\n"
    "images: {app: {kernel: /k, initrd: /i}}\n"
    "teams:\n"
    "  - {id: ro, role: blue, members: [ana]}\n"
    "  - {id: white, role: white, members: [control]}\n"
    "networks: [{id: lan, per_team: blue, cidr: \"10.9.{team.index}.0/24\"}]\n"
    "hosts:\n"
    "  - {id: web, per_team: blue, image: app, nics: [{network: lan}]}\n"
    "injects:\n"
    "  - {id: hello, at: 1m, action: message, to: '*', text: hi}\n"
    "  - {id: halt, at: 2m, target: ro/web, action: destroy}\n"
    "  - {id: press, trigger: manual, action: message, to: blue, text: call}\n"
    "scoring: {interval: 60s, timeout: 1s}\n";

struct fixture {
	char dir[64];
	char path[96];
	struct range range;
	struct virt virt;
	struct engine *engine;
	pthread_t thread;
	int rc;
	char *error;
	FILE *log;	/* the engine's log, to read back */
};

/* What the engine logged so far, new. */
static char *
log_text(struct fixture *f)
{
	long n;
	char *text;

	fflush(f->log);
	n = ftell(f->log);
	text = xcalloc((size_t)(n > 0 ? n : 0) + 1, 1);
	rewind(f->log);
	if (n > 0 && fread(text, 1, (size_t)n, f->log) != (size_t)n)
		text[0] = '\0';
	fseek(f->log, 0, SEEK_END);
	return text;
}

static void *
run_thread(void *arg)
{
	struct fixture *f = arg;

	f->rc = engine_run(f->engine, &f->error);
	return NULL;
}

/* Loads, provisions and starts an engine on its own thread. */
static int
fixture_start(struct fixture *f, double speed, bool wait_for_start)
{
	struct engine_opts opts = { .speed = speed, .wait_for_start =
	    wait_for_start };
	struct provision_opts popts = { .threads = 2 };
	struct provision_counts counts = { 0 };
	struct diag_list diags;
	struct progress quiet;
	char *error = NULL;
	FILE *fp;
	int rc;

	memset(f, 0, sizeof(*f));
	f->log = tmpfile();
	opts.log = f->log;
	snprintf(f->dir, sizeof(f->dir), "/tmp/rc-test-engine.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/eng.yaml", f->dir);
	fp = fopen(f->path, "w");
	fputs(scenario, fp);
	fclose(fp);
	diag_list_init(&diags);
	if (range_load(&f->range, f->path, &diags) < 0) {
		diag_print(&diags, f->path, stderr);
		return -1;
	}
	diag_list_clear(&diags);
	progress_init(&quiet, stderr, true);
	rc = virt_open(&f->virt, "test:///default", &error);
	if (rc == 0)
		rc = provision_up(f->range.plan, &f->virt, &popts, &quiet, &counts,
		    &error);
	progress_destroy(&quiet);
	if (rc < 0) {
		fprintf(stderr, "%s\n", error);
		free(error);
		return -1;
	}
	opts.state_dir = f->dir;
	f->engine = engine_new(f->range.plan, &f->virt, &opts, &error);
	if (f->engine == NULL) {
		fprintf(stderr, "%s\n", error);
		free(error);
		return -1;
	}
	return pthread_create(&f->thread, NULL, run_thread, f);
}

static void
fixture_finish(struct fixture *f)
{
	pthread_join(f->thread, NULL);
	engine_free(f->engine);
	free(f->error);
}

static void
fixture_remove(struct fixture *f)
{
	char *cmd;

	virt_close(&f->virt);
	range_clear(&f->range);
	if (f->log != NULL)
		fclose(f->log);
	cmd = xasprintf("rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	free(cmd);
}

static int
call(struct fixture *f, int kind, const char *arg, long long points,
    const char *text, char **error)
{
	struct engine_command cmd = { .kind = kind, .by = "control", .arg = arg,
	    .points = points, .text = text };

	*error = NULL;
	return engine_call(f->engine, &cmd, NULL, error);
}

/* A refused command: -1 and a sentence holding `want`. */
static bool
refused(struct fixture *f, int kind, const char *arg, const char *text,
    const char *want)
{
	char *error = NULL;
	bool ok = call(f, kind, arg, 1, text, &error) < 0 && error != NULL &&
	    strstr(error, want) != NULL;

	if (!ok)
		fprintf(stderr, "  wanted a refusal with '%s', got '%s'\n", want,
		    error ? error : "(accepted)");
	free(error);
	return ok;
}

static long long
score_of(struct fixture *f, const char *team)
{
	json_t *snap = engine_snapshot(f->engine);
	json_t *teams = json_object_get(json_object_get(snap, "scores"),
	    "teams");
	long long score = -999999;
	size_t i;

	for (i = 0; i < json_array_size(teams); i++) {
		json_t *t = json_array_get(teams, i);

		if (strcmp(json_string_value(json_object_get(t, "id")), team) == 0)
			score = json_integer_value(json_object_get(t, "score"));
	}
	json_decref(snap);
	return score;
}

TEST(commands_change_the_ledger_and_refusals_say_why)
{
	struct fixture f;
	json_t *answer = NULL;
	struct engine_command report = { .kind = ENGINE_REPORT, .by = "ana",
	    .arg = "ro", .text = "Defacement", .body = "seen at 10:02" };
	struct report rep;
	char *error = NULL;

	/* Pending until started: a slow clock, so nothing fires by itself. */
	if (!CHECK(fixture_start(&f, 0.001, true) == 0))
		return;
	CHECK(refused(&f, ENGINE_PAUSE, NULL, NULL, "clock is pending"));
	CHECK(refused(&f, ENGINE_FIRE, "press", NULL, "exercise is pending"));
	CHECK_INT_EQ(call(&f, ENGINE_START, NULL, 0, NULL, &error), 0);
	CHECK(refused(&f, ENGINE_START, NULL, NULL, "clock is running"));
	CHECK(refused(&f, ENGINE_FIRE, "nope", NULL, "no inject 'nope'"));
	CHECK_INT_EQ(call(&f, ENGINE_FIRE, "press", 0, NULL, &error), 0);
	CHECK(refused(&f, ENGINE_ADJUST, "xx", "why", "no team 'xx'"));
	CHECK(refused(&f, ENGINE_ADJUST, "ro", "", "needs a reason"));
	CHECK_INT_EQ(call(&f, ENGINE_ADJUST, "ro", -7, "late", &error), 0);
	CHECK_INT_EQ(score_of(&f, "ro"), -7);
	CHECK_INT_EQ(engine_call(f.engine, &report, &answer, &error), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(answer, "id")), "ro-1");
	json_decref(answer);
	answer = NULL;
	/* An inject not yet fired is answered as one that does not exist. */
	{
		struct engine_command future = report, none = report;
		char *why_future = NULL, *why_none = NULL;

		future.inject = "hello";
		none.inject = "nope";
		CHECK_INT_EQ(engine_call(f.engine, &future, NULL, &why_future), -1);
		CHECK_INT_EQ(engine_call(f.engine, &none, NULL, &why_none), -1);
		CHECK(why_future != NULL && why_none != NULL && strstr(why_future,
		    "'hello' that team ro has seen") != NULL && strstr(why_none,
		    "'nope' that team ro has seen") != NULL);
		free(why_future);
		free(why_none);
	}
	CHECK(refused(&f, ENGINE_GRADE, "ro-9", NULL, "no report 'ro-9'"));
	CHECK_INT_EQ(call(&f, ENGINE_GRADE, "ro-1", 12, "clear", &error), 0);
	CHECK_INT_EQ(score_of(&f, "ro"), 5);
	/* Issue 13: graded again, the last grade replaces the first. */
	CHECK_INT_EQ(call(&f, ENGINE_GRADE, "ro-1", 3, "less clear", &error), 0);
	CHECK_INT_EQ(score_of(&f, "ro"), -4);
	{
		/* Issue 13: "fired on 0 target(s)", and the controller's name
		 * as the message's sender. */
		char *log = log_text(&f);

		CHECK(strstr(log, "inject 'press' (message) sent by hand, by "
		    "'control' to 1 team(s), 1 person(s)") != NULL);
		CHECK(strstr(log, "'press' (message) fired") == NULL);
		CHECK(strstr(log, "report ro-1 of team ro graded again by control: "
		    "3, replacing 12") != NULL);
		free(log);
	}
	CHECK(refused(&f, ENGINE_REVERT, "eng-ro-nope", NULL, "no host"));
	CHECK_INT_EQ(call(&f, ENGINE_PAUSE, NULL, 0, NULL, &error), 0);
	CHECK(refused(&f, ENGINE_PAUSE, NULL, NULL, "clock is paused"));
	CHECK_INT_EQ(call(&f, ENGINE_RESUME, NULL, 0, NULL, &error), 0);
	CHECK_INT_EQ(call(&f, ENGINE_STOP, NULL, 0, NULL, &error), 0);
	fixture_finish(&f);
	CHECK_INT_EQ(f.rc, 0);	/* stopped by a controller: ended */

	/* The journal alone says the same. */
	/* report_load() initializes rep itself. */
	if (CHECK(report_load(&rep, f.dir, &error) == 0 || (free(error), 0))) {
		CHECK_INT_EQ(score_total(report_team(&rep, "ro")), -4);
		CHECK_INT_EQ(report_inject(&rep, "press")->n_firings, 1);
		CHECK(report_inject(&rep, "press")->firings[0].manual);
		if (CHECK_INT_EQ(rep.lists.n_messages, 1))
			CHECK(rep.lists.messages[0].by == NULL);
		if (CHECK_INT_EQ(rep.lists.n_grades, 2)) {
			CHECK(!rep.lists.grades[0].regrade);
			CHECK(rep.lists.grades[1].regrade);
		}
		CHECK_INT_EQ(report_inject(&rep, "hello")->n_firings, 0);
	}
	report_clear(&rep);
	fixture_remove(&f);
}

/* The scores and clock an engine resumes with, from f's state folder. */
static char *
resumed_state(struct fixture *f)
{
	struct engine_opts opts = { .speed = 1, .state_dir = f->dir };
	char *error = NULL, *text = NULL;
	struct engine *e = engine_new(f->range.plan, &f->virt, &opts, &error);
	json_t *snap;

	if (e == NULL) {
		fprintf(stderr, "  %s\n", error);
		free(error);
		return NULL;
	}
	snap = engine_snapshot(e);
	json_object_del(snap, "elapsed");	/* a clock ended stands still, */
	json_object_del(snap, "journal");	/* but these are of this run */
	text = json_dumps(snap, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(snap);
	engine_free(e);
	return text;
}

static void
feed_view(void *ctx, const json_t *event)
{
	view_apply(ctx, event);
}

/*
 * The dashboard's answers from f's journal: read by view_init(), or fed
 * by the replay of an engine resuming from its checkpoint (one pass).
 */
static char *
view_answers(struct fixture *f, bool fed)
{
	struct engine_opts opts = { .speed = 1, .state_dir = f->dir };
	char *error = NULL, *text = NULL;
	struct engine *e = NULL;
	struct view v;
	json_t *all;

	if (fed) {
		view_init(&v, f->range.plan, NULL, &error);
		opts.observe = feed_view;
		opts.observe_ctx = &v;
		e = engine_new(f->range.plan, &f->virt, &opts, &error);
	} else if (view_init(&v, f->range.plan, f->dir, &error) < 0) {
		fprintf(stderr, "  %s\n", error);
		free(error);
		return NULL;
	}
	if (fed && e == NULL) {
		fprintf(stderr, "  %s\n", error);
		free(error);
		view_clear(&v);
		return NULL;
	}
	all = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "scores",
	    view_scores(&v), "history", view_history(&v), "hosts",
	    view_hosts(&v, NULL), "injects", view_injects(&v), "messages",
	    view_messages(&v, NULL), "uptime", view_uptime(&v, NULL), "report",
	    report_to_json(&v.report));
	text = json_dumps(all, JSON_SORT_KEYS | JSON_INDENT(1));
	json_decref(all);
	engine_free(e);
	view_clear(&v);
	return text;
}

static void
remove_file(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);

	unlink(path);
	free(path);
}

/* The journal's text and its count of lines (events); NULL if none. */
static char *
journal_text(struct fixture *f, long *lines)
{
	char *path = xasprintf("%s/journal.jsonl", f->dir), *text = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp = fopen(path, "r");

	*lines = 0;
	free(path);
	if (fp == NULL)
		return NULL;
	len = getdelim(&text, &cap, '\0', fp);
	fclose(fp);
	for (ssize_t i = 0; i < len; i++)
		*lines += text[i] == '\n';
	return text;
}

/*
 * With an event appended to the journal (its seq, then rest), the engine
 * refuses to resume and the report to load, both saying want of the
 * same event. The line is then cut off again.
 */
static void
both_refuse(struct fixture *f, const char *rest, const char *want)
{
	struct engine_opts opts = { .speed = 1, .state_dir = f->dir };
	char *path = xasprintf("%s/journal.jsonl", f->dir), *before, *text;
	char *run_error = NULL, *report_error = NULL, *tail;
	struct report rep;
	long n;
	FILE *fp;

	before = journal_text(f, &n);
	fp = fopen(path, "a");
	fprintf(fp, "{\"seq\":%ld,%s\n", n + 1, rest);
	fclose(fp);
	remove_file(f->dir, "checkpoint.json");
	tail = xasprintf("event %ld (%s", n + 1, want);
	CHECK(engine_new(f->range.plan, &f->virt, &opts, &run_error) == NULL);
	CHECK(report_load(&rep, f->dir, &report_error) < 0);
	if (CHECK(run_error != NULL && report_error != NULL)) {
		text = xasprintf("cannot resume from the journal in '%s': %s",
		    f->dir, tail);
		CHECK_STR_EQ(run_error, text);
		free(text);
		text = xasprintf("journal '%s' %s", path, tail);
		CHECK_STR_EQ(report_error, text);
		free(text);
	}
	fp = fopen(path, "w");
	fputs(before ? before : "", fp);
	fclose(fp);
	free(tail);
	free(run_error);
	free(report_error);
	free(before);
	free(path);
}

/*
 * A journal that grows between engine_replayed() and engine_start() (run
 * builds its range in between; another run on the same folder) is not
 * started on: its new firings would be fired again. Nothing is written.
 */
static void
grown_refused(struct fixture *f)
{
	struct engine_opts opts = { .speed = 1, .state_dir = f->dir };
	char *path = xasprintf("%s/journal.jsonl", f->dir), *before, *grown;
	char *error = NULL, *want, *after;
	struct engine *e;
	long n, m;
	FILE *fp;

	remove_file(f->dir, "checkpoint.json");
	before = journal_text(f, &n);
	e = engine_replayed(f->range.plan, &opts, &error);
	if (!CHECK(e != NULL && before != NULL)) {
		free(error);
		free(before);
		free(path);
		return;
	}
	fp = fopen(path, "a");
	fprintf(fp, "{\"seq\":%ld,\"type\":\"clock\",\"t\":600,\"wall\":1,"
	    "\"state\":\"ended\"}\n", n + 1);
	fclose(fp);
	grown = journal_text(f, &m);
	CHECK(engine_start(e, &f->virt, &opts, &error) < 0);
	want = xasprintf("the journal in '%s' grew from event %ld to %ld since "
	    "it was read", f->dir, n, n + 1);
	CHECK(error != NULL && strstr(error, want) != NULL);
	engine_free(e);
	after = journal_text(f, &m);
	CHECK_STR_EQ(after ? after : "", grown ? grown : "-");
	fp = fopen(path, "w");
	fputs(before, fp);
	fclose(fp);
	free(after);
	free(want);
	free(grown);
	free(error);
	free(before);
	free(path);
}

/*
 * An inject's truth (format 5) is part of the timeline: added, changed or
 * removed between two runs, it is a change, said without quoting it.
 */
TEST(a_changed_truth_is_a_change)
{
	json_t *was = json_loads("{\"duration\":60,\"injects\":[{\"id\":"
	    "\"deface\",\"at\":30,\"action\":\"exec\",\"targets\":[\"w\"],"
	    "\"truth\":{\"technique\":\"T1491\",\"effects\":[],\"resolved\":"
	    "[]}},{\"id\":\"scan\",\"at\":10,\"action\":\"exec\","
	    "\"targets\":[\"w\"]}]}", 0, NULL);
	json_t *now = json_deep_copy(was), *lines;

	lines = engine_timeline_diff(was, now);
	CHECK_INT_EQ(json_array_size(lines), 0);
	json_decref(lines);
	json_object_set_new(json_object_get(json_array_get(json_object_get(now,
	    "injects"), 0), "truth"), "technique", json_string("T1491.002"));
	json_object_set_new(json_array_get(json_object_get(now, "injects"), 1),
	    "truth", json_pack("{s:n, s:[], s:[]}", "technique", "effects",
	    "resolved"));
	lines = engine_timeline_diff(was, now);
	CHECK_INT_EQ(json_array_size(lines), 2);
	CHECK_STR_EQ(json_string_value(json_array_get(lines, 0)),
	    "inject 'deface': truth changed");
	CHECK_STR_EQ(json_string_value(json_array_get(lines, 1)),
	    "inject 'scan': truth added");
	json_decref(lines);
	lines = engine_timeline_diff(now, was);
	CHECK_STR_EQ(json_string_value(json_array_get(lines, 1)),
	    "inject 'scan': truth removed");
	json_decref(lines);
	/* scoring.outage's weights (format 5): absent is 1. */
	json_object_set_new(now, "outage_self", json_integer(1500));
	json_object_set_new(now, "outage_attack", json_integer(1000));
	lines = engine_timeline_diff(was, now);
	CHECK_INT_EQ(json_array_size(lines), 3);
	CHECK_STR_EQ(json_string_value(json_array_get(lines, 0)),
	    "scoring.outage.self: 1, now 1.5");
	json_decref(lines);
	json_decref(was);
	json_decref(now);
}

TEST(a_fast_clock_fires_the_msel_and_ends)
{
	struct fixture f;
	struct report rep;
	char *error = NULL;

	/* Ten minutes at 1200x: half a second. */
	if (!CHECK(fixture_start(&f, 1200, false) == 0))
		return;
	fixture_finish(&f);
	CHECK_INT_EQ(f.rc, 0);
	{
		/* A firing's result is logged, not refused as malformed. */
		char *log = log_text(&f);

		CHECK(strstr(log, "inject 'halt' done: 1 of 1 target(s) ok") !=
		    NULL);
		CHECK(strstr(log, "must be a number") == NULL);
		free(log);
	}
	/* report_load() initializes rep itself. */
	if (CHECK(report_load(&rep, f.dir, &error) == 0 || (free(error), 0))) {
		const struct report_inject *halt = report_inject(&rep, "halt");

		CHECK_INT_EQ(report_inject(&rep, "hello")->n_firings, 1);
		CHECK_INT_EQ(report_inject(&rep, "press")->n_firings, 0);
		if (CHECK(halt->n_firings == 1 && halt->firings[0].n_results == 1))
			CHECK(halt->firings[0].results[0].ok);
		CHECK_INT_EQ(rep.ledger.n_rounds, 10);
		CHECK_STR_EQ(rep.state, "ended");
	}
	report_clear(&rep);
	{
		/*
		 * A view with no checkpoint of its own is handed the events
		 * before the engine's checkpoint by the engine's one pass, and
		 * answers as the view of the whole journal.
		 */
		char *whole = view_answers(&f, false), *fed = view_answers(&f, true);

		if (CHECK(whole && fed))
			CHECK_STR_EQ(fed, whole);
		CHECK(strstr(whole ? whole : "", "\"n\": 10") != NULL);
		free(whole);
		free(fed);
	}
	{
		/* A checkpoint resumes exactly as a full replay does. */
		char *from_checkpoint, *from_journal, *path;
		FILE *fp;

		path = xasprintf("%s/checkpoint.json", f.dir);
		CHECK(access(path, R_OK) == 0);
		from_checkpoint = resumed_state(&f);
		remove_file(f.dir, "checkpoint.json");
		from_journal = resumed_state(&f);
		if (CHECK(from_checkpoint && from_journal))
			CHECK_STR_EQ(from_checkpoint, from_journal);
		CHECK(strstr(from_journal ? from_journal : "", "\"round\":10"));
		/* One that no longer matches its journal is left aside. */
		fp = fopen(path, "w");
		fputs("{\"version\":1,\"exercise\":\"eng\",\"seq\":3,"
		    "\"offset\":10,\"line_hash\":\"0\"}", fp);
		fclose(fp);
		free(from_checkpoint);
		from_checkpoint = resumed_state(&f);
		if (CHECK(from_checkpoint && from_journal))
			CHECK_STR_EQ(from_checkpoint, from_journal);
		free(from_checkpoint);
		free(from_journal);
		free(path);
	}
	{
		/* The journal says its format; run and report refuse alike. */
		long n;
		char *text = journal_text(&f, &n), format[32];

		snprintf(format, sizeof(format), "\"format\":%d", EVENT_FORMAT);
		CHECK(text != NULL && strstr(text, format) != NULL &&
		    strstr(text, format) < strchr(text, '\n'));
		free(text);
		both_refuse(&f, "\"type\":\"clock\",\"t\":600,"
		    "\"wall\":1,\"state\":\"stopped\"}", "clock): 'state' must "
		    "be running, paused or ended, not 'stopped'");
		both_refuse(&f, "\"type\":\"banner\",\"t\":600,"
		    "\"wall\":1}", "banner): 'type' must be one of exercise, "
		    "clock, inject, inject_result, round, link, message, report, "
		    "grade, adjustment, host, revert, change, flag, capture, login, "
		    "intel, range; a journal of format 5 has no other");
		both_refuse(&f, "\"type\":\"flag\",\"t\":600,"
		    "\"wall\":1}", "flag): 'flag' must be a string");
		both_refuse(&f, "\"type\":\"adjustment\",\"t\":"
		    "600,\"wall\":1,\"team\":\"md\",\"points\":1,\"reason\":"
		    "\"x\"}", "adjustment): 'team' names team 'md', which the "
		    "exercise event does not list");
		/* And it still resumes once the line is gone. */
		text = resumed_state(&f);
		CHECK(text != NULL);
		free(text);
	}
	grown_refused(&f);
	fixture_remove(&f);
}
