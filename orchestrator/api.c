/*
 * api.c: routes, roles and bodies of the HTTP API.
 */
#include "rangectl/api.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "rangectl/event.h"
#include "rangectl/intel.h"
#include "rangectl/util.h"
#include "api_impl.h"

/* A path cut at its slashes: /api/v1/hosts/x/console is 5 segments. */
#define API_SEGMENTS 6
#define API_SEGMENT_MAX 128

struct api_path {
	char seg[API_SEGMENTS][API_SEGMENT_MAX];
	size_t n;
};

void
api_response_clear(struct api_response *res)
{
	if (res == NULL)
		return;
	if (res->secret && res->body != NULL)
		sodium_memzero(res->body, res->body_len);
	free(res->body);
	free(res->set_cookie);
	memset(res, 0, sizeof(*res));
}

/*
 * Splits a path into segments. Refuses (returns -1) what no route has:
 * empty segments, dot segments, more than API_SEGMENTS, over-long ones,
 * and any byte outside a conservative set (names and ids are [A-Za-z0-9_.-]).
 */
static int
split_path(const char *path, struct api_path *p)
{
	const char *s = path;

	memset(p, 0, sizeof(*p));
	if (*s != '/')
		return -1;
	while (*s == '/' && s[1] != '\0') {
		size_t len = 0;

		s++;
		if (p->n == API_SEGMENTS)
			return -1;
		while (s[len] != '/' && s[len] != '\0') {
			char c = s[len];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			    c == '.'))
				return -1;
			if (++len >= API_SEGMENT_MAX)
				return -1;
		}
		if (len == 0 || (len <= 2 && strncmp(s, "..", len) == 0))
			return -1;
		memcpy(p->seg[p->n++], s, len);
		s += len;
	}
	return *s == '\0' || strcmp(s, "/") == 0 ? 0 : -1;
}

static bool
is(const struct api_path *p, size_t i, const char *text)
{
	return i < p->n && strcmp(p->seg[i], text) == 0;
}

static bool
is_controller(const struct auth_user *u)
{
	return u->role == AUTH_CONTROLLER;
}

static bool
forbidden(struct api_response *res, bool allowed, const char *what)
{
	if (!allowed)
		api_answer_error(res, 403, "your role may not %s", what);
	return !allowed;
}

/* The body as a JSON object, or NULL with a 400 answered. */
static json_t *
body_object(const struct api_request *req, struct api_response *res)
{
	json_error_t err;
	json_t *doc;

	if (req->body_len > API_BODY_MAX) {
		api_answer_error(res, 413, "the body is over %d bytes", API_BODY_MAX);
		return NULL;
	}
	doc = json_loadb(req->body ? req->body : "", req->body_len,
	    JSON_REJECT_DUPLICATES, &err);
	if (doc == NULL || !json_is_object(doc)) {
		api_answer_error(res, 400, "the body must be a JSON object%s%s",
		    doc ? "" : ": ", doc ? "" : err.text);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* A string field: required ones must be there and not empty. */
static int
field_string(const json_t *doc, const char *key, bool required,
    const char **out, struct api_response *res)
{
	const json_t *v = json_object_get(doc, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			api_answer_error(res, 400, "'%s' is missing", key);
		return required ? -1 : 0;
	}
	if (!json_is_string(v) || (required && json_string_length(v) == 0) ||
	    json_string_length(v) > 16384) {
		api_answer_error(res, 400, "'%s' must be a string of 1 to 16384 "
		    "characters", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static int
field_points(const json_t *doc, long long *points, struct api_response *res)
{
	const json_t *v = json_object_get(doc, "points");

	if (!json_is_integer(v) || json_integer_value(v) < -1000000 ||
	    json_integer_value(v) > 1000000) {
		api_answer_error(res, 400, "'points' must be a whole number between "
		    "-1000000 and 1000000");
		return -1;
	}
	*points = json_integer_value(v);
	return 0;
}

/* ---- quotas ---------------------------------------------------------- */

/* One lock for every api's quotas: they are touched by few routes. */
static pthread_mutex_t quota_lock = PTHREAD_MUTEX_INITIALIZER;

static void
answer_busy(struct api_response *res, double seconds, const char *what)
{
	unsigned wait = seconds < 1 ? 1 : (unsigned)ceil(seconds);

	api_answer_error(res, 429, "%s: try again in %u seconds", what, wait);
	res->retry_after = wait;
}

/*
 * Whether m's minute has room for one more below most; if not, answers
 * 429 with what, saying when to try again. The caller holds quota_lock
 * and counts what it takes (m->n++).
 */
static bool
minute_room(struct api_minute *m, unsigned most, double now,
    const char *what, struct api_response *res)
{
	if (now - m->start >= 60 || m->n == 0) {
		m->start = now;
		m->n = 0;
	}
	if (m->n < most)
		return true;
	answer_busy(res, m->start + 60 - now, what);
	return false;
}

/* u's entry, made on first use; the caller holds quota_lock. */
static struct api_filer *
filer_of(struct api *api, const struct auth_user *u)
{
	struct api_quota *q = &api->quota;
	size_t i;

	for (i = 0; i < q->n_filers; i++)
		if (q->filers[i].user == u)
			return &q->filers[i];
	xgrow(&q->filers, &q->alloc_filers, q->n_filers + 1,
	    sizeof(*q->filers));
	q->filers[q->n_filers] = (struct api_filer){ .user = u };
	return &q->filers[q->n_filers++];
}

/*
 * Takes one report of bytes from u's quotas, or answers 429 (the minute's
 * reports are spent) or 413 (the bytes in all). Returns whether taken;
 * report_undo() gives it back when the engine refuses the report.
 */
static bool
report_take(struct api *api, const struct auth_user *u, size_t bytes,
    struct api_response *res)
{
	double now = api_now(api);
	struct api_filer *f;
	bool ok = false;

	pthread_mutex_lock(&quota_lock);
	f = filer_of(api, u);
	ok = minute_room(&f->reports, API_REPORTS_PER_MINUTE, now, "you have "
	    "filed the most reports one person may in a minute", res);
	if (ok && f->bytes + bytes > API_REPORT_BYTES_MAX) {
		api_answer_error(res, 413, "your reports would total over %d bytes, "
		    "the most one person may file", API_REPORT_BYTES_MAX);
		ok = false;
	}
	if (ok) {
		f->reports.n++;
		f->bytes += bytes;
	}
	pthread_mutex_unlock(&quota_lock);
	return ok;
}

/* Takes one flag submission from u's minute, or answers 429. */
static bool
flag_take(struct api *api, const struct auth_user *u,
    struct api_response *res)
{
	double now = api_now(api);
	struct api_filer *f;
	bool ok = false;

	pthread_mutex_lock(&quota_lock);
	f = filer_of(api, u);
	if (minute_room(&f->flags, API_FLAGS_PER_MINUTE, now, "you have "
	    "submitted the most flags one person may in a minute", res)) {
		f->flags.n++;
		ok = true;
	}
	pthread_mutex_unlock(&quota_lock);
	return ok;
}

static void
report_undo(struct api *api, const struct auth_user *u, size_t bytes)
{
	struct api_filer *f;

	pthread_mutex_lock(&quota_lock);
	f = filer_of(api, u);
	if (f->reports.n > 0)
		f->reports.n--;
	f->bytes -= bytes <= f->bytes ? bytes : f->bytes;
	pthread_mutex_unlock(&quota_lock);
}

/*
 * Marks host's revert as in flight, or answers 429: one is in flight
 * already, or (for a trainee) a trainee asked the last under
 * API_REVERT_COOLDOWN seconds ago; controllers have no cool-down.
 * Returns whether marked; revert_asked() then says what the engine did.
 */
static bool
revert_take(struct api *api, size_t host, const struct auth_user *u,
    struct api_response *res)
{
	double now = api_now(api);
	struct api_revert *r;
	bool ok = false;

	pthread_mutex_lock(&quota_lock);
	if (api->quota.reverts == NULL)
		api->quota.reverts = xcalloc(api->plan->n_hosts,
		    sizeof(*api->quota.reverts));
	r = &api->quota.reverts[host];
	if (r->in_flight && now - r->asked < API_REVERT_STALE)
		answer_busy(res, API_RETRY_SECONDS, "this host is being reverted "
		    "already");
	else if (u->role == AUTH_TRAINEE && r->trainee_asked > 0 &&
	    now - r->trainee_asked < API_REVERT_COOLDOWN)
		answer_busy(res, r->trainee_asked + API_REVERT_COOLDOWN - now,
		    "this host was reverted moments ago");
	else {
		r->in_flight = true;
		r->asked = now;
		ok = true;
	}
	pthread_mutex_unlock(&quota_lock);
	return ok;
}

/* The engine took host's revert (a trainee's starts the cool-down), or not. */
static void
revert_asked(struct api *api, size_t host, const struct auth_user *u,
    bool taken)
{
	struct api_revert *r;

	pthread_mutex_lock(&quota_lock);
	r = &api->quota.reverts[host];
	if (!taken)
		r->in_flight = false;
	else if (u->role == AUTH_TRAINEE)
		r->trainee_asked = r->asked;
	pthread_mutex_unlock(&quota_lock);
}

void
api_note_event(struct api *api, const json_t *event)
{
	const char *type = json_string_value(json_object_get(event, "type"));
	const char *host = json_string_value(json_object_get(event, "host"));
	size_t i;

	if (api == NULL || type == NULL || strcmp(type, "revert") != 0 ||
	    host == NULL)
		return;
	pthread_mutex_lock(&quota_lock);
	for (i = 0; api->quota.reverts != NULL && i < api->plan->n_hosts; i++)
		if (strcmp(api->plan->hosts[i].name, host) == 0)
			api->quota.reverts[i].in_flight = false;
	pthread_mutex_unlock(&quota_lock);
}

void
api_clear(struct api *api)
{
	if (api == NULL)
		return;
	pthread_mutex_lock(&quota_lock);
	free(api->quota.filers);
	free(api->quota.reverts);
	memset(&api->quota, 0, sizeof(api->quota));
	pthread_mutex_unlock(&quota_lock);
}

/* Runs a command on the engine: 409 with its reason when refused. */
static bool
command(struct api *api, struct api_response *res,
    const struct engine_command *cmd, json_t **answer)
{
	char *error = NULL;

	if (engine_call(api->engine, cmd, answer, &error) < 0) {
		api_answer_error(res, 409, "%s", error);
		free(error);
		return false;
	}
	return true;
}

static json_t *
exercise_json(struct api *api)
{
	json_t *ex = view_exercise(api->view), *snap = engine_snapshot(
	    api->engine);

	json_object_set(ex, "state", json_object_get(snap, "state"));
	json_object_set(ex, "elapsed", json_object_get(snap, "elapsed"));
	json_object_set(ex, "speed", json_object_get(snap, "speed"));
	json_decref(snap);
	return ex;
}

static void
clock_command(struct api *api, const struct api_path *p,
    const struct auth_user *u, struct api_response *res)
{
	static const char *const verbs[] = { "start", "pause", "resume",
	    "stop" };
	static const int kinds[] = { ENGINE_START, ENGINE_PAUSE, ENGINE_RESUME,
	    ENGINE_STOP };
	size_t i;

	for (i = 0; i < 4; i++)
		if (p->n == 4 && is(p, 3, verbs[i])) {
			struct engine_command cmd = { .kind = kinds[i], .by =
			    u->name };

			if (forbidden(res, is_controller(u), "change the clock"))
				return;
			if (command(api, res, &cmd, NULL))
				api_answer_json(res, 200, exercise_json(api));
			return;
		}
	api_answer_error(res, 404, "no such clock command");
}

static size_t
host_index(struct api *api, const char *name)
{
	size_t i;

	for (i = 0; i < api->plan->n_hosts; i++)
		if (strcmp(api->plan->hosts[i].name, name) == 0)
			return i;
	return PLAN_NONE;
}

static void
revert_host(struct api *api, size_t h, const struct auth_user *u,
    struct api_response *res)
{
	struct engine_command cmd = { .kind = ENGINE_REVERT, .by = u->name,
	    .arg = api->plan->hosts[h].name };
	bool taken;

	if (!revert_take(api, h, u, res))
		return;
	taken = command(api, res, &cmd, NULL);
	if (taken)
		api_answer_json(res, 202, json_pack("{s:b}", "ok", 1));
	revert_asked(api, h, u, taken);
}

/* The actions of a host: /hosts/NAME/ACTION. */
static bool
host_action_known(const struct api_path *p)
{
	return p->n == 5 && (is(p, 4, "console") || is(p, 4, "screen") ||
	    is(p, 4, "revert"));
}

/*
 * /hosts/NAME/{console,screen,revert}: the host's team, or controllers.
 * What a trainee may not see is answered exactly as what does not exist,
 * before the method is looked at: a 405 would tell that the host is
 * there. Instructors do not watch screens: QEMU's VNC server has no
 * view-only client, and taking the input out of the RFB stream here
 * would be a hand-made RFB parser.
 */
static void
host_action(struct api *api, const struct api_request *req,
    const struct api_path *p, const struct auth_user *u,
    struct api_response *res)
{
	size_t h = host_index(api, p->seg[3]);
	const struct plan_host *host;
	bool post = strcmp(req->method, "POST") == 0;

	if (h == PLAN_NONE || !host_action_known(p) || (u->role == AUTH_TRAINEE &&
	    !view_may_see_team(u, api->plan->hosts[h].team ?
	    api->plan->hosts[h].team->id : NULL))) {
		api_answer_error(res, 404, "no such host or host action");
		return;
	}
	host = &api->plan->hosts[h];
	if (is(p, 4, "revert") != post) {
		api_answer_error(res, 405, "%.16s is not allowed here", req->method);
		return;
	}
	if (!view_may_see_team(u, host->team ? host->team->id : NULL) ||
	    u->role == AUTH_INSTRUCTOR) {
		forbidden(res, false, "use a team's hosts");
		return;
	}
	if (is(p, 4, "revert")) {
		revert_host(api, h, u, res);
		return;
	}
	if (is(p, 4, "screen") && host->hw.graphics != GRAPHICS_VNC) {
		api_answer_error(res, 404, "host '%s' has no screen (its image "
		    "has no 'graphics: vnc')", host->name);
		return;
	}
	res->kind = is(p, 4, "screen") ? API_SCREEN : API_CONSOLE;
	res->host = h;
	res->user = u;
}

static void
fire(struct api *api, const struct api_path *p, const struct auth_user *u,
    struct api_response *res)
{
	struct engine_command cmd = { .kind = ENGINE_FIRE, .by = u->name, .arg =
	    p->seg[3] };
	size_t i;
	bool known = false;

	for (i = 0; i < api->plan->n_injects; i++)
		known |= strcmp(api->plan->injects[i].id, p->seg[3]) == 0;
	if (u->role == AUTH_TRAINEE) {
		api_answer_error(res, 403, "your role may not fire injects");
		return;
	}
	if (!known || p->n != 5 || !is(p, 4, "fire")) {
		api_answer_error(res, 404, "no such inject");
		return;
	}
	if (forbidden(res, is_controller(u), "fire injects"))
		return;
	if (command(api, res, &cmd, NULL))
		api_answer_json(res, 200, json_pack("{s:b}", "ok", 1));
}

static void
file_report(struct api *api, const struct api_request *req,
    const struct auth_user *u, struct api_response *res)
{
	const char *title, *body, *inject;
	struct api_sighting saw = { 0 };
	json_t *doc, *answer = NULL;

	if (forbidden(res, u->role == AUTH_TRAINEE && u->team != NULL &&
	    u->team->role == ROLE_BLUE, "file incident reports (blue "
	    "trainees do)"))
		return;
	if ((doc = body_object(req, res)) == NULL)
		return;
	if (field_string(doc, "title", true, &title, res) == 0 &&
	    field_string(doc, "body", false, &body, res) == 0 &&
	    field_string(doc, "inject", false, &inject, res) == 0 &&
	    api_sighting_parse(doc, &saw, res) == 0) {
		struct engine_command cmd = { .kind = ENGINE_REPORT, .by =
		    u->name, .arg = u->team->id, .text = title, .body = body,
		    .inject = inject, .technique = saw.technique, .indicators =
		    saw.indicators, .n_indicators = saw.n_indicators };

		if (!report_take(api, u, req->body_len, res))
			;
		else if (command(api, res, &cmd, &answer))
			api_answer_json(res, 201, answer);
		else
			report_undo(api, u, req->body_len);
	}
	api_sighting_clear(&saw);
	json_decref(doc);
}

/*
 * Hands each observation of list (checked by intel_check()) to the
 * engine for u's team; the ids journaled into *ids. Returns whether all
 * were; else the engine's refusal is answered.
 */
static bool
intel_record(struct api *api, const struct auth_user *u, const json_t *list,
    json_t *ids, struct api_response *res)
{
	const json_t *o;
	json_t *answer;
	size_t i;

	json_array_foreach(list, i, o) {
		struct engine_command cmd = { .kind = ENGINE_INTEL, .by = u->name,
		    .arg = u->team->id, .json = o };

		answer = NULL;
		if (!command(api, res, &cmd, &answer))
			return false;
		json_array_append(ids, json_object_get(answer, "id"));
		json_decref(answer);
	}
	return true;
}

/*
 * The observations of doc, one ({tlp, technique, indicators, text,
 * seen}) or a STIX bundle's, each checked, as a new list; NULL with 400
 * answered, the sentence naming what is wrong.
 */
static json_t *
intel_checked(const json_t *doc, struct api_response *res)
{
	json_t *list, *out = json_array(), *o;
	const json_t *one;
	char *error = NULL;
	size_t i;
	char where[64] = "";
	bool bundle;

	bundle = intel_is_bundle(doc);
	list = bundle ? intel_stix_import(doc, &error) : json_pack("[O]", doc);
	json_array_foreach(list, i, one) {
		if ((o = intel_check(one, &error)) == NULL) {
			if (bundle)
				snprintf(where, sizeof(where), "the bundle's indicator "
				    "%zu: ", i + 1);
			break;
		}
		json_array_append_new(out, o);
	}
	if (error != NULL) {
		api_answer_error(res, 400, "%s%s", where, error);
		json_decref(out);
		out = NULL;
	}
	free(error);
	json_decref(list);
	return out;
}

/*
 * POST /intel: a blue trainee's observation, or a STIX bundle of them;
 * each is journaled with its audience (the engine works it out). A
 * bundle counts as one report against the quotas.
 */
static void
record_intel(struct api *api, const struct api_request *req,
    const struct auth_user *u, struct api_response *res)
{
	json_t *doc, *list = NULL, *ids = json_array();

	if (forbidden(res, u->role == AUTH_TRAINEE && u->team != NULL &&
	    u->team->role == ROLE_BLUE, "record observations (blue trainees "
	    "do)"))
		goto cleanup;
	if ((doc = body_object(req, res)) == NULL)
		goto cleanup;
	list = intel_checked(doc, res);
	json_decref(doc);
	if (list == NULL || !report_take(api, u, req->body_len, res))
		goto cleanup;
	if (!intel_record(api, u, list, ids, res)) {
		if (json_array_size(ids) == 0)
			report_undo(api, u, req->body_len);
		goto cleanup;
	}
	api_answer_json(res, 201, json_array_size(list) == 1 ? json_pack("{s:O}",
	    "id", json_array_get(ids, 0)) : json_pack("{s:O}", "ids", ids));
cleanup:
	json_decref(list);
	json_decref(ids);
}

/* GET /intel[?format=stix]: what u may see, newest first. */
static void
intel_page(struct api *api, const struct api_request *req,
    const struct auth_user *u, struct api_response *res)
{
	bool stix = req->format != NULL && strcmp(req->format, "stix") == 0;

	if (req->format != NULL && !stix) {
		api_answer_error(res, 400, "'format' must be stix, or left out for "
		    "rangectl's own JSON");
		return;
	}
	api_answer_json(res, 200, view_intel(api->view, u, stix));
	if (stix)
		res->content_type = "application/stix+json;version=2.1";
}

/*
 * POST /flags {"flag"}: a red trainee's flag. Every flag that does not
 * score (wrong, stale, already submitted by the team) gets the engine's
 * one answer, so that no answer tells which flags exist. Blank space
 * around it (a file's newline, pasted) is not part of it.
 */
static void
submit_flag(struct api *api, const struct api_request *req,
    const struct auth_user *u, struct api_response *res)
{
	struct engine_command cmd = { .kind = ENGINE_FLAG };
	const char *flag;
	json_t *doc, *answer = NULL;
	char *text;
	size_t len;

	if (forbidden(res, u->role == AUTH_TRAINEE && u->team != NULL &&
	    u->team->role == ROLE_RED, "submit flags (red trainees do)"))
		return;
	if ((doc = body_object(req, res)) == NULL)
		return;
	if (field_string(doc, "flag", true, &flag, res) == 0 &&
	    flag_take(api, u, res)) {
		flag += strspn(flag, " \t\r\n");
		text = xstrdup(flag);
		len = strlen(text);
		while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
			text[--len] = '\0';
		cmd.by = u->name;
		cmd.arg = u->team->id;
		cmd.text = text;
		if (command(api, res, &cmd, &answer))
			api_answer_json(res, 201, answer);
		free(text);
	}
	json_decref(doc);
}

static void
grade(struct api *api, const struct api_request *req, const struct api_path *p,
    const struct auth_user *u, struct api_response *res)
{
	const char *comment, *reason;
	long long points;
	char team[64];
	json_t *doc;

	if (p->n != 5 || !is(p, 4, "grade") || !view_report_team(api->view,
	    p->seg[3], team, sizeof(team)) || !view_may_see_team(u, team)) {
		api_answer_error(res, 404, "no such report");
		return;
	}
	if (forbidden(res, is_controller(u), "grade reports"))
		return;
	if ((doc = body_object(req, res)) == NULL)
		return;
	if (field_points(doc, &points, res) == 0 &&
	    field_string(doc, "comment", false, &comment, res) == 0 &&
	    field_string(doc, "reason", false, &reason, res) == 0) {
		/* A second grade replaces the first: reason says why. */
		struct engine_command cmd = { .kind = ENGINE_GRADE, .by = u->name,
		    .arg = p->seg[3], .points = points, .text = comment,
		    .body = reason };

		if (command(api, res, &cmd, NULL))
			api_answer_json(res, 200, json_pack("{s:b}", "ok", 1));
	}
	json_decref(doc);
}

static void
adjust(struct api *api, const struct api_request *req,
    const struct auth_user *u, struct api_response *res)
{
	const char *team, *reason;
	long long points;
	json_t *doc;

	if (forbidden(res, is_controller(u), "adjust scores"))
		return;
	if ((doc = body_object(req, res)) == NULL)
		return;
	if (field_string(doc, "team", true, &team, res) == 0 &&
	    field_points(doc, &points, res) == 0 &&
	    field_string(doc, "reason", true, &reason, res) == 0) {
		struct engine_command cmd = { .kind = ENGINE_ADJUST, .by = u->name,
		    .arg = team, .points = points, .text = reason };

		if (plan_team(api->plan, team) == NULL)
			api_answer_error(res, 400, "there is no team '%s'", team);
		else if (command(api, res, &cmd, NULL))
			api_answer_json(res, 200, json_pack("{s:b}", "ok", 1));
	}
	json_decref(doc);
}

static json_t *
whoami(const struct auth_user *u)
{
	return json_pack("{s:s, s:s, s:o}", "name", u->name, "role",
	    auth_role_name(u->role), "team", u->team ? json_string(u->team->id) :
	    json_null());
}

/* ?limit=N: 1 to API_PAGE_MAX, API_PAGE_MAX when absent; -1 when bad. */
static long
page_limit(const char *text)
{
	char *end;
	long n;

	if (text == NULL)
		return API_PAGE_MAX;
	if (*text < '0' || *text > '9')
		return -1;
	n = strtol(text, &end, 10);
	return *end == '\0' && n >= 1 && n <= API_PAGE_MAX ? n : -1;
}

/*
 * GET /reports[?after=ID][&limit=N]: the reports u may see, in the order
 * filed, from the one after ID (the first without it), at most N. An ID
 * that u cannot see is answered as one that does not exist.
 */
static void
report_page(struct api *api, const struct api_request *req,
    const struct auth_user *u, struct api_response *res)
{
	json_t *all = view_reports(api->view, u), *page = json_array();
	long limit = page_limit(req->limit);
	size_t i = 0, start = 0;

	if (limit < 0) {
		api_answer_error(res, 400, "'limit' must be a whole number from 1 "
		    "to %d", API_PAGE_MAX);
		goto cleanup;
	}
	if (req->after != NULL) {
		for (i = 0; i < json_array_size(all); i++) {
			const char *id = json_string_value(json_object_get(
			    json_array_get(all, i), "id"));

			if (id != NULL && strcmp(id, req->after) == 0)
				break;
		}
		if (i == json_array_size(all)) {
			api_answer_error(res, 404, "no such report");
			goto cleanup;
		}
		start = i + 1;
	}
	for (i = start; i < json_array_size(all) && i < start + (size_t)limit;
	    i++)
		json_array_append(page, json_array_get(all, i));
	api_answer_json(res, 200, page);
	page = NULL;
cleanup:
	json_decref(page);
	json_decref(all);
}

static void
get_route(struct api *api, const struct api_request *req,
    const struct api_path *p, const struct auth_user *u,
    struct api_response *res)
{
	const char *what = p->seg[2];
	size_t len;

	if (p->n == 3 && strcmp(what, "whoami") == 0) {
		api_answer_json(res, 200, whoami(u));
	} else if (p->n == 3 && strcmp(what, "exercise") == 0) {
		api_answer_json(res, 200, exercise_json(api));
	} else if (p->n == 3 && strcmp(what, "scores") == 0) {
		res->kind = API_ANSWER;
		res->status = 200;
		res->content_type = "application/json";
		res->body = view_scores_text(api->view, &len);
		res->body_len = len;
	} else if (p->n == 4 && strcmp(what, "scores") == 0 &&
	    is(p, 3, "history")) {
		api_answer_json(res, 200, view_history(api->view));
	} else if (p->n == 4 && strcmp(what, "scores") == 0 &&
	    is(p, 3, "uptime")) {
		api_answer_json(res, 200, view_uptime(api->view, u));
	} else if (p->n == 3 && strcmp(what, "hosts") == 0) {
		api_answer_json(res, 200, view_hosts(api->view, u));
	} else if (p->n == 3 && strcmp(what, "injects") == 0) {
		if (!forbidden(res, u->role != AUTH_TRAINEE, "see the MSEL"))
			api_answer_json(res, 200, view_injects(api->view));
	} else if (p->n == 3 && strcmp(what, "messages") == 0) {
		api_answer_json(res, 200, view_messages(api->view, u));
	} else if (p->n == 3 && strcmp(what, "reports") == 0) {
		report_page(api, req, u, res);
	} else if (p->n == 3 && strcmp(what, "intel") == 0) {
		intel_page(api, req, u, res);
	} else if (p->n == 3 && strcmp(what, "coalition") == 0) {
		/* It names the injects and when each hit: staff only. */
		if (!forbidden(res, u->role != AUTH_TRAINEE, "see the coalition's "
		    "detection figures"))
			api_answer_json(res, 200, view_coalition(api->view));
	} else if (p->n == 3 && strcmp(what, "events") == 0) {
		res->kind = API_EVENTS;
		res->user = u;
	} else {
		api_answer_error(res, 404, "no such resource");
	}
}

static void
post_route(struct api *api, const struct api_request *req,
    const struct api_path *p, const struct auth_user *u,
    struct api_response *res)
{
	const char *what = p->seg[2];

	if (strcmp(what, "exercise") == 0) {
		clock_command(api, p, u, res);
	} else if (strcmp(what, "injects") == 0 && p->n >= 4) {
		fire(api, p, u, res);
	} else if (strcmp(what, "reports") == 0 && p->n == 3) {
		file_report(api, req, u, res);
	} else if (strcmp(what, "reports") == 0 && p->n >= 4) {
		grade(api, req, p, u, res);
	} else if (strcmp(what, "adjustments") == 0 && p->n == 3) {
		adjust(api, req, u, res);
	} else if (strcmp(what, "flags") == 0 && p->n == 3) {
		submit_flag(api, req, u, res);
	} else if (strcmp(what, "intel") == 0 && p->n == 3) {
		record_intel(api, req, u, res);
	} else {
		api_answer_error(res, 404, "no such resource");
	}
}

static void
api_route(struct api *api, const struct api_request *req,
    const struct api_path *p, const struct auth_user *u,
    struct api_response *res)
{
	bool get = strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0;

	if (is(p, 2, "hosts") && p->n >= 4) {
		host_action(api, req, p, u, res);
	} else if (get) {
		get_route(api, req, p, u, res);
	} else if (strcmp(req->method, "POST") == 0) {
		post_route(api, req, p, u, res);
	} else {
		api_answer_error(res, 405, "method %.16s is not allowed", req->method);
	}
}

/* A host's console or screen: WebSockets, from the browser. */
static bool
websocket_route(const struct api_path *p)
{
	return p->n == 5 && is(p, 2, "hosts") && (is(p, 4, "console") ||
	    is(p, 4, "screen"));
}

/*
 * Whether a route may take its token from the query: only where browsers
 * cannot send an Authorization header (EventSource, WebSocket). Anywhere
 * else it would end up in proxies' logs.
 */
static bool
token_route(const struct api_request *req, const struct api_path *p)
{
	if (strcmp(req->method, "GET") != 0)
		return false;
	return (p->n == 3 && is(p, 2, "events")) || websocket_route(p);
}

void
api_handle(struct api *api, const struct api_request *req,
    struct api_response *res)
{
	const struct auth_user *u;
	struct api_path p;
	bool by_cookie = false;

	memset(res, 0, sizeof(*res));
	atomic_fetch_add(&api->metrics.requests, 1);
	if (split_path(req->path, &p) < 0 || !is(&p, 0, "api") ||
	    !is(&p, 1, "v1") || p.n < 3) {
		api_answer_error(res, 404, "no such resource");
		goto done;
	}
	if (req->token != NULL && !token_route(req, &p)) {
		api_answer_error(res, 400, "send the token in the Authorization "
		    "header: '?token=' is only for event streams, consoles and "
		    "screens");
		goto done;
	}
	if (api_account_open_route(api, req, res))
		goto done;
	u = api_account_caller(api, req, websocket_route(&p), res,
	    &by_cookie);
	if (u == NULL)
		goto done;
	res->user = u;
	if (!api_account_route(api, req, u, by_cookie, res) &&
	    !api_vpn_route(api, req, u, res))
		api_route(api, req, &p, u, res);
done:
	if (res->kind == API_ANSWER && res->status >= 400 && res->status < 500)
		atomic_fetch_add(&api->metrics.refused, 1);
}

/* "event: NAME\ndata: JSON\n\n" appended to sb; doc stolen. */
static void
sse_append(struct strbuf *sb, const char *name, json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (text != NULL)
		strbuf_printf(sb, "event: %s\ndata: %s\n\n", name, text);
	free(text);
	json_decref(doc);
}

/* The scores anew, to everyone, after an event that changed them. */
static void
score_events(struct api *api, struct strbuf *sb)
{
	size_t len;
	char *scores = view_scores_text(api->view, &len);

	strbuf_printf(sb, "event: score\ndata: %s\n\n", scores);
	free(scores);
}

/* What the live stream says of ev (event is its journal line), new. */
static json_t *
live_data(struct api *api, const json_t *event, const struct event *ev)
{
	switch (ev->type) {
	case EVENT_CLOCK:
		return exercise_json(api);
	case EVENT_ROUND:
		return json_pack("{s:I, s:f}", "n", (json_int_t)ev->u.round.n,
		    "at", ev->u.round.at);
	case EVENT_HOST:
		return json_pack("{s:s, s:o, s:s, s:o}", "name", ev->u.host.name,
		    "team", ev->u.host.team ? json_string(ev->u.host.team) :
		    json_null(), "state", ev->u.host.state, "reason",
		    ev->u.host.reason ? json_string(ev->u.host.reason) :
		    json_null());
	default:
		/* Firings, messages, reports and grades: as journaled. */
		return json_deep_copy(event);
	}
}

/*
 * http.c greets a new stream with {"type":"clock"} and {"type":
 * "adjustment"} alone, for the state and the scores as they stand: what
 * is sent for those does not depend on an event's fields.
 */
static bool
greeting(const json_t *event, struct event *ev)
{
	enum event_type type = event_type_parse(json_string_value(
	    json_object_get(event, "type")));

	if (json_object_size(event) != 1 || (type != EVENT_CLOCK &&
	    type != EVENT_ADJUSTMENT))
		return false;
	event_init(ev, type);
	return true;
}

char *
api_event_for(struct api *api, const json_t *event, const struct auth_user *u)
{
	bool staff = u == NULL || u->role != AUTH_TRAINEE;
	const struct event_kind *kind;
	struct event ev;
	struct strbuf sb;
	char *error = NULL;

	/* The engine's own events: one that does not decode is not sent. */
	if (event_decode(event, 0, &ev, &error) < 0 && !greeting(event, &ev)) {
		free(error);
		return NULL;
	}
	free(error);
	kind = &event_table[ev.type];
	strbuf_init(&sb);
	if (kind->scores)
		score_events(api, &sb);
	if (kind->live != NULL && event_visible_to(&ev, staff, staff ||
	    u->team == NULL ? NULL : u->team->id, staff ? NULL : u->name))
		sse_append(&sb, kind->live, live_data(api, event, &ev));
	event_clear(&ev);
	if (sb.len == 0) {
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_steal(&sb);
}
