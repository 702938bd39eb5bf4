/*
 * engine_command.c: what controllers ask of the engine from other
 * threads (the HTTP server, signals), answered on the engine's thread so
 * that every change is journaled in order by one writer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_impl.h"
#include "rangectl/inject.h"
#include "rangectl/intel.h"
#include "rangectl/util.h"

static int
refuse(char **error, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
refuse(char **error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	*error = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

/* start, pause, resume, stop: a clock change, journaled. */
static int
change_clock(struct engine *e, const struct engine_command *cmd,
    char **error)
{
	static const char *const names[] = { "start", "pause", "resume",
	    "stop" };
	static const char *const reasons[] = { "started", "paused",
	    "resumed", "stopped by a controller" };
	double mono = engine_mono();
	int rc;

	pthread_mutex_lock(&e->lock);
	switch (cmd->kind) {
	case ENGINE_START: rc = exclock_start(&e->clock, mono); break;
	case ENGINE_PAUSE: rc = exclock_pause(&e->clock, mono); break;
	case ENGINE_RESUME: rc = exclock_resume(&e->clock, mono); break;
	default: rc = exclock_stop(&e->clock, mono); break;
	}
	pthread_mutex_unlock(&e->lock);
	if (rc < 0)
		return refuse(error, "cannot %s the exercise: its clock is %s",
		    names[cmd->kind], exclock_state_name(e->clock.state));
	if (engine_clock_event(e, reasons[cmd->kind], cmd->by) < 0)
		return refuse(error, "%s", e->failure);
	return 0;
}

static int
fire_now(struct engine *e, const struct engine_command *cmd, char **error)
{
	size_t i = engine_inject_index(e, cmd->arg);

	if (i == PLAN_NONE)
		return refuse(error, "there is no inject '%s'", cmd->arg ?
		    cmd->arg : "");
	if (e->clock.state == EXCLOCK_PENDING || e->clock.state ==
	    EXCLOCK_ENDED)
		return refuse(error, "cannot fire inject '%s': the exercise is "
		    "%s", cmd->arg, exclock_state_name(e->clock.state));
	if (engine_fire(e, i, -1, cmd->by ? cmd->by : "controller") < 0)
		return refuse(error, "%s", e->failure);
	return 0;
}

static bool
team_exists(const struct engine *e, const char *id)
{
	return id != NULL && plan_team(e->plan, id) != NULL;
}

static int
adjust(struct engine *e, const struct engine_command *cmd, char **error)
{
	struct event ev;

	if (!team_exists(e, cmd->arg))
		return refuse(error, "there is no team '%s'", cmd->arg ?
		    cmd->arg : "");
	if (cmd->text == NULL || cmd->text[0] == '\0')
		return refuse(error, "an adjustment needs a reason");
	engine_log(e, "adjustment of %lld for team %s by %s: %s", cmd->points,
	    cmd->arg, cmd->by ? cmd->by : "?", cmd->text);
	event_init(&ev, EVENT_ADJUSTMENT);
	ev.u.adjustment = (struct event_adjustment){ .team = cmd->arg, .points =
	    cmd->points, .reason = cmd->text, .by = cmd->by };
	if (engine_journal(e, event_encode(&ev)) < 0)
		return refuse(error, "%s", e->failure);
	return 0;
}

/*
 * Whether team has seen inject i: it fired, at the team's hosts or as a
 * message to the team, or to author by name (person:NAME), who may file
 * about it for the team. A trainee's report may name only those, so that
 * naming another team's inject or one still to come is answered as
 * naming none (no oracle of the MSEL).
 */
static bool
team_saw(const struct engine *e, size_t i, const char *team,
    const char *author)
{
	const struct plan_inject *pi = &e->plan->injects[i];
	size_t k;

	if (!e->fired[i])
		return false;
	for (k = 0; k < pi->n_targets; k++)
		if (e->plan->hosts[pi->targets[k]].team != NULL && strcmp(
		    e->plan->hosts[pi->targets[k]].team->id, team) == 0)
			return true;
	for (k = 0; k < pi->n_to; k++)
		if (strcmp(pi->to[k]->id, team) == 0)
			return true;
	/* A message to the author by name: theirs, not their teammates'. */
	for (k = 0; author != NULL && k < pi->n_people; k++)
		if (strcmp(pi->people[k], author) == 0)
			return true;
	return false;
}

/*
 * A new report's id: TEAM-N, N counting the team's reports, so that no
 * team learns how many the others filed.
 */
static char *
report_id(const struct engine *e, const char *team)
{
	const char *key;
	json_t *v;
	size_t n = 1;
	char *id;

	json_object_foreach(e->reports, key, v)
		if (strcmp(json_string_value(v), team) == 0)
			n++;
	for (;;) {
		id = xasprintf("%s-%zu", team, n++);
		if (json_object_get(e->reports, id) == NULL)
			return id;
		free(id);
	}
}

static int
file_report(struct engine *e, const struct engine_command *cmd,
    json_t **answer, char **error)
{
	struct event ev;
	char *id;
	size_t i;
	int rc = 0;

	if (!team_exists(e, cmd->arg))
		return refuse(error, "there is no team '%s'", cmd->arg ?
		    cmd->arg : "");
	if (cmd->text == NULL || cmd->text[0] == '\0')
		return refuse(error, "a report needs a title");
	if (cmd->inject != NULL && ((i = engine_inject_index(e, cmd->inject)) ==
	    PLAN_NONE || !team_saw(e, i, cmd->arg, cmd->by)))
		return refuse(error, "there is no inject '%s' that team %s has "
		    "seen", cmd->inject, cmd->arg);
	id = report_id(e, cmd->arg);
	event_init(&ev, EVENT_REPORT);
	ev.u.report = (struct event_report){ .id = id, .team = cmd->arg,
	    .author = cmd->by, .title = cmd->text, .body = cmd->body ?
	    cmd->body : "", .inject = cmd->inject, .technique = cmd->technique,
	    .indicators = (struct event_indicator *)cmd->indicators,
	    .n_indicators = cmd->n_indicators };
	if (engine_journal(e, event_encode(&ev)) < 0) {
		rc = refuse(error, "%s", e->failure);
	} else {
		json_object_set_new(e->reports, id, json_string(cmd->arg));
		engine_log(e, "report %s filed by team %s", id, cmd->arg);
		if (answer != NULL)
			*answer = json_pack("{s:s}", "id", id);
	}
	free(id);
	return rc;
}

void
engine_count_intel(struct engine *e, const char *team)
{
	json_int_t n = json_integer_value(json_object_get(e->intel, team));

	json_object_set_new(e->intel, team, json_integer(n + 1));
}

/*
 * An observation of a blue team (cmd->json, checked by intel_check()):
 * its id, TEAM-oN, counting the team's own (as a report's); its seen,
 * now when not given and never later than now; and who receives it,
 * worked out here once and journaled with it, so that every reader
 * shows it to the same teams whatever the scenario says later.
 */
static int
record_intel(struct engine *e, const struct engine_command *cmd,
    json_t **answer, char **error)
{
	const struct scenario_team *t = plan_team(e->plan, cmd->arg ?
	    cmd->arg : "");
	const json_t *o = cmd->json, *seen;
	json_t *event, *to;
	double now;
	char *id;
	int rc = 0;

	if (t == NULL || t->role != ROLE_BLUE || !json_is_object(o))
		return refuse(error, "there is no blue team '%s'", cmd->arg ?
		    cmd->arg : "");
	if (e->clock.state == EXCLOCK_PENDING)
		return refuse(error, "the exercise has not started: there is "
		    "nothing to observe yet");
	pthread_mutex_lock(&e->lock);
	now = exclock_now(&e->clock, engine_mono());
	pthread_mutex_unlock(&e->lock);
	seen = json_object_get(o, "seen");
	if (json_is_number(seen) && json_number_value(seen) > now + 1)
		return refuse(error, "'seen' is %.0f, later than now (%.0f "
		    "seconds into the exercise)", json_number_value(seen), now);
	id = xasprintf("%s-o%lld", t->id, (long long)json_integer_value(
	    json_object_get(e->intel, t->id)) + 1);
	to = intel_audience(e->plan, t->id, intel_tlp_parse(json_string_value(
	    json_object_get(o, "tlp"))));
	event = json_pack("{s:s, s:s, s:s, s:o, s:O, s:O, s:O, s:O, s:f, s:o}",
	    "type", "intel", "id", id, "team", t->id, "by", cmd->by ?
	    json_string(cmd->by) : json_null(), "tlp", json_object_get(o, "tlp"),
	    "technique", json_object_get(o, "technique"), "indicators",
	    json_object_get(o, "indicators"), "text", json_object_get(o, "text"),
	    "seen", json_is_number(seen) ? json_number_value(seen) : now, "to",
	    to);
	/* Its time is the now its seen defaults to, not the writer's later one. */
	if (event != NULL)
		json_object_set_new(event, "t", json_real(now));
	if (event == NULL)
		rc = refuse(error, "the observation is not complete");
	else if (engine_journal(e, event) < 0)
		rc = refuse(error, "%s", e->failure);
	else {
		engine_count_intel(e, t->id);
		engine_log(e, "observation %s recorded by team %s (%s)", id,
		    t->id, json_string_value(json_object_get(o, "tlp")));
		if (answer != NULL)
			*answer = json_pack("{s:s}", "id", id);
	}
	free(id);
	return rc;
}

/* Whether report was graded already: a new grade then replaces it. */
static bool
graded(const struct engine *e, const char *report, long long *points)
{
	const struct score_grade *g = score_grade_of(&e->ledger, report);

	if (g != NULL)
		*points = g->points;
	return g != NULL;
}

/* cmd->text is the grade's comment, cmd->body why it is graded again. */
static int
grade(struct engine *e, const struct engine_command *cmd, char **error)
{
	const char *team = json_string_value(json_object_get(e->reports,
	    cmd->arg ? cmd->arg : ""));
	long long before = 0;
	struct event ev;

	if (team == NULL)
		return refuse(error, "there is no report '%s'", cmd->arg ?
		    cmd->arg : "");
	event_init(&ev, EVENT_GRADE);
	ev.u.grade = (struct event_grade){ .report = cmd->arg, .team = team,
	    .points = cmd->points, .comment = cmd->text, .by = cmd->by,
	    .regrade = graded(e, cmd->arg, &before), .reason = cmd->body };
	if (ev.u.grade.regrade)
		engine_log(e, "report %s of team %s graded again by %s: %lld, "
		    "replacing %lld", cmd->arg, team, cmd->by ? cmd->by : "-",
		    cmd->points, before);
	else
		engine_log(e, "report %s of team %s graded %lld", cmd->arg,
		    team, cmd->points);
	if (engine_journal(e, event_encode(&ev)) < 0)
		return refuse(error, "%s", e->failure);
	return 0;
}

struct revert_job {
	struct engine *e;
	size_t host;
	char *by;
};

static void *
revert_thread(void *arg)
{
	struct revert_job *job = arg;
	struct engine *e = job->e;
	struct engine_done *d = xcalloc(1, sizeof(*d));
	char *error = NULL;
	struct event ev;

	engine_revert_host(e, job->host, &error);
	d->kind = DONE_EVENT;
	event_init(&ev, EVENT_REVERT);
	ev.u.revert = (struct event_revert){ .host =
	    e->plan->hosts[job->host].name, .by = job->by, .has_ok = true,
	    .ok = error == NULL, .error = error };
	d->event = event_encode(&ev);
	free(error);
	free(job->by);
	free(job);
	engine_post(e, d);
	return NULL;
}

static int
revert(struct engine *e, const struct engine_command *cmd, char **error)
{
	size_t host = engine_host_index(e, cmd->arg);
	struct revert_job *job;

	if (host == PLAN_NONE)
		return refuse(error, "there is no host '%s'", cmd->arg ? cmd->arg :
		    "");
	job = xcalloc(1, sizeof(*job));
	*job = (struct revert_job){ .e = e, .host = host, .by = xstrdup(cmd->by ?
	    cmd->by : "controller") };
	engine_log(e, "reverting %s, asked by %s", cmd->arg, job->by);
	engine_spawn(e, revert_thread, job);
	return 0;
}

int
engine_execute(struct engine *e, const struct engine_command *cmd,
    json_t **answer, char **error)
{
	if (e->failure != NULL)
		return refuse(error, "%s", e->failure);
	switch (cmd->kind) {
	case ENGINE_START:
	case ENGINE_PAUSE:
	case ENGINE_RESUME:
	case ENGINE_STOP:
		return change_clock(e, cmd, error);
	case ENGINE_FIRE: return fire_now(e, cmd, error);
	case ENGINE_ADJUST: return adjust(e, cmd, error);
	case ENGINE_REPORT: return file_report(e, cmd, answer, error);
	case ENGINE_GRADE: return grade(e, cmd, error);
	case ENGINE_REVERT: return revert(e, cmd, error);
	case ENGINE_FLAG: return engine_flag_submit(e, cmd, answer, error);
	case ENGINE_INTEL: return record_intel(e, cmd, answer, error);
	default: return refuse(error, "unknown command %d", cmd->kind);
	}
}

void
engine_answer_calls(struct engine *e)
{
	struct engine_call *call, *next;

	pthread_mutex_lock(&e->lock);
	call = e->calls;
	e->calls = NULL;
	pthread_mutex_unlock(&e->lock);
	for (; call != NULL; call = next) {
		next = call->next;
		call->rc = engine_execute(e, call->cmd, call->answer,
		    &call->error);
		/*
		 * What it changed counts once durable: the answer waits for
		 * the journal's writer, the engine's thread does not.
		 */
		if (call->rc == 0 && e->journal.seq > e->durable.seq) {
			call->seq = e->journal.seq;
			call->next = e->waiting;
			e->waiting = call;
			continue;
		}
		pthread_mutex_lock(&e->lock);
		call->done = true;
		pthread_cond_broadcast(&e->answered);
		pthread_mutex_unlock(&e->lock);
	}
}

void
engine_answer_waiting(struct engine *e)
{
	struct engine_call **at = &e->waiting, *call;
	bool answered = false;

	pthread_mutex_lock(&e->lock);
	while ((call = *at) != NULL) {
		if (call->seq > e->durable.seq && e->failure == NULL) {
			at = &call->next;
			continue;
		}
		*at = call->next;
		if (call->seq > e->durable.seq) {
			/* Its events never reached the disk: it did not happen. */
			call->rc = -1;
			call->error = xstrdup(e->failure);
			if (call->answer != NULL) {
				json_decref(*call->answer);
				*call->answer = NULL;
			}
		}
		call->done = true;
		answered = true;
	}
	if (answered)
		pthread_cond_broadcast(&e->answered);
	pthread_mutex_unlock(&e->lock);
}

int
engine_call(struct engine *e, const struct engine_command *cmd,
    json_t **answer, char **error)
{
	struct engine_call call = { .cmd = cmd, .answer = answer };
	uint64_t one = 1;

	/* call lives on this stack until the engine has answered it. */
	pthread_mutex_lock(&e->lock);
	if (!e->accepting) {
		pthread_mutex_unlock(&e->lock);
		*error = xstrdup("the exercise engine is not running");
		return -1;
	}
	call.next = e->calls;
	// cppcheck-suppress autoVariables
	e->calls = &call;
	pthread_mutex_unlock(&e->lock);
	if (write(e->wakefd, &one, sizeof(one)) < 0) {
		/* The counter is full: the engine is awake anyway. */
	}
	pthread_mutex_lock(&e->lock);
	while (!call.done)
		pthread_cond_wait(&e->answered, &e->lock);
	pthread_mutex_unlock(&e->lock);
	if (call.rc < 0)
		*error = call.error;
	else
		free(call.error);
	return call.rc;
}

int
engine_note(struct engine *e, json_t *event)
{
	struct engine_done *d;
	bool accepting;

	pthread_mutex_lock(&e->lock);
	accepting = e->accepting;
	pthread_mutex_unlock(&e->lock);
	if (!accepting || event == NULL) {
		json_decref(event);
		return -1;
	}
	d = xcalloc(1, sizeof(*d));
	d->kind = DONE_NOTE;
	d->event = event;
	engine_post(e, d);
	return 0;
}

void
engine_refuse_calls(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	e->accepting = false;
	pthread_mutex_unlock(&e->lock);
	engine_answer_calls(e);
}

json_t *
engine_snapshot(struct engine *e)
{
	json_t *snap;

	pthread_mutex_lock(&e->lock);
	snap = json_pack("{s:s, s:f, s:I, s:f, s:o, s:{s:I, s:f, s:f}}",
	    "state", exclock_state_name(e->clock.state), "elapsed",
	    exclock_now(&e->clock, engine_mono()), "duration",
	    (json_int_t)e->plan->duration, "speed", e->clock.speed,
	    "scores", score_to_json(&e->ledger), "journal", "syncs",
	    (json_int_t)e->syncs, "sync_seconds", e->sync_seconds, "sync_max",
	    e->sync_max);
	pthread_mutex_unlock(&e->lock);
	return snap;
}

/* One log line for a finished firing, link or revert. */
void
engine_log_event(struct engine *e, const json_t *event)
{
	struct event ev;
	char *error = NULL;
	size_t i, ok = 0;

	if (event_decode(event, 0, &ev, &error) < 0) {
		engine_log(e, "warning: %s", error);
		free(error);
		return;
	}
	if (ev.type == EVENT_INJECT_RESULT) {
		const struct event_inject_result *ir = &ev.u.inject_result;

		for (i = 0; i < ir->n_results; i++)
			ok += ir->results[i].ok;
		engine_log(e, "inject '%s' done: %zu of %zu target(s) ok", ir->id,
		    ok, ir->n_results);
		for (i = 0; i < ir->n_results; i++)
			if (!ir->results[i].ok)
				engine_log(e, "  %s: %s", ir->results[i].host,
				    ir->results[i].error ? ir->results[i].error :
				    "(no reason)");
	} else if (ev.type == EVENT_LINK) {
		engine_log(e, "link %s: %s", ev.u.link.host, ev.u.link.ok ?
		    "done" : ev.u.link.error);
	} else if (ev.type == EVENT_FLAG) {
		engine_log(e, "flag '%s' on %s: value %lld %s%s", ev.u.flag.flag,
		    ev.u.flag.host, ev.u.flag.rotation, ev.u.flag.planted ?
		    "planted" : "", ev.u.flag.planted ? "" : ev.u.flag.error);
	} else if (ev.type == EVENT_REVERT) {
		engine_log(e, "revert %s: %s", ev.u.revert.host, ev.u.revert.ok ?
		    "done" : ev.u.revert.error);
	}
	event_clear(&ev);
}
