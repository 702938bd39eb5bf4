/*
 * event.c: the table of journal events; each type's fields, checked on
 * the way in and written on the way out.
 *
 * A journal is input like any other: every field is checked for its kind
 * before anything reads it, lists entry by entry, and the first fault
 * found is the error, naming the event's line and the field's place in
 * it ("event 4 (inject_result): 'results[0].ok' must be true or false").
 */
#include "rangectl/event.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/scenario.h"
#include "rangectl/util.h"

/* What a field must hold. */
enum field_kind {
	FIELD_STR = 1,
	FIELD_INT,
	FIELD_NUM,
	FIELD_BOOL,
	FIELD_LIST,
	FIELD_STRS,	/* a list of strings */
};
#define FIELD_KIND 0x0f
#define FIELD_NULL 0x10	/* null will do too */
#define FIELD_OPT 0x20	/* may be absent */

static const char *const field_what[] = {
	"", "a string", "an integer", "a number", "true or false", "a list",
	"a list of strings",
};

struct event_decoder {
	unsigned long long line;
	const char *type;	/* as the event says, NULL when none */
	char **error;
};

/* Fails the event with "event LINE (TYPE): MESSAGE". Returns -1. */
static int __attribute__((format(printf, 2, 3)))
bad(struct event_decoder *d, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	*d->error = xasprintf("event %llu (%s): %s", d->line, d->type ?
	    d->type : "no type", msg);
	free(msg);
	return -1;
}

static bool
all_strings(const json_t *list)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (!json_is_string(json_array_get(list, i)))
			return false;
	return true;
}

static bool
field_ok(const json_t *v, int kind)
{
	if (v == NULL)
		return (kind & FIELD_OPT) != 0;
	if (json_is_null(v))
		return (kind & FIELD_NULL) != 0;
	switch (kind & FIELD_KIND) {
	case FIELD_STR: return json_is_string(v);
	case FIELD_INT: return json_is_integer(v);
	case FIELD_NUM: return json_is_number(v);
	case FIELD_BOOL: return json_is_boolean(v);
	case FIELD_LIST: return json_is_array(v);
	case FIELD_STRS: return json_is_array(v) && all_strings(v);
	default: return false;
	}
}

/*
 * Checks o's fields against the table, which ends with a NULL key; where
 * names o within the event ("results[2]"), "" for the event itself.
 */
static int
check(struct event_decoder *d, const json_t *o,
    const struct event_field *fields, const char *where)
{
	const char *dot = where[0] ? "." : "";
	size_t i;

	if (!json_is_object(o))
		return bad(d, "'%s' must be an object", where);
	for (i = 0; fields[i].key != NULL; i++)
		if (!field_ok(json_object_get(o, fields[i].key), fields[i].kind))
			return bad(d, "'%s%s%s' must be %s%s", where, dot,
			    fields[i].key, field_what[fields[i].kind & FIELD_KIND],
			    fields[i].kind & FIELD_NULL ? " or null" : "");
	return 0;
}

/* ---- reading checked fields -------------------------------------------- */

/* A string field, NULL when absent or null. */
static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static double
num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static long long
integer(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static bool
flag(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* A checked list of strings, borrowed one by one; NULL when empty. */
static const char **
strings(const json_t *o, const char *key, size_t *n)
{
	const json_t *list = json_object_get(o, key);
	const char **items;
	size_t i;

	*n = json_array_size(list);
	if (*n == 0)
		return NULL;
	items = xcalloc(*n, sizeof(*items));
	for (i = 0; i < *n; i++)
		items[i] = json_string_value(json_array_get(list, i));
	return items;
}

/*
 * Checks every entry of o's list key against fields, then has each read
 * by fill into its slot of a new array of n_out entries of size bytes.
 */
static int
entries(struct event_decoder *d, const json_t *o, const char *key,
    const char *where, const struct event_field *fields, size_t size,
    void *out, size_t *n_out, void (*fill)(void *slot, const json_t *entry))
{
	const json_t *list = json_object_get(o, key);
	size_t i, n = json_array_size(list);
	char place[80];
	char *items;

	for (i = 0; i < n; i++) {
		snprintf(place, sizeof(place), "%s%s%s[%zu]", where, where[0] ?
		    "." : "", key, i);
		if (check(d, json_array_get(list, i), fields, place) < 0)
			return -1;
	}
	items = n ? xcalloc(n, size) : NULL;
	for (i = 0; i < n; i++)
		fill(items + i * size, json_array_get(list, i));
	*(void **)out = items;
	*n_out = n;
	return 0;
}

/* ---- writing ----------------------------------------------------------- */

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jstrings(const char *const *items, size_t n)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(list, json_string(items[i]));
	return list;
}

static void
set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

/* ---- exercise ---------------------------------------------------------- */

static const struct event_field exercise_fields[] = {
	{ "name", FIELD_STR }, { "title", FIELD_STR | FIELD_NULL },
	{ "duration", FIELD_INT }, { "interval", FIELD_INT },
	{ "timeout", FIELD_INT }, { "teams", FIELD_LIST },
	{ "injects", FIELD_LIST }, { "hosts", FIELD_LIST },
	{ "scenario", FIELD_STR | FIELD_OPT }, { "format", FIELD_INT | FIELD_OPT },
	{ NULL, 0 },
};
static const struct event_field team_fields[] = {
	{ "id", FIELD_STR }, { "name", FIELD_STR | FIELD_NULL },
	{ "role", FIELD_STR }, { NULL, 0 },
};
static const struct event_field msel_fields[] = {
	{ "id", FIELD_STR }, { "title", FIELD_STR | FIELD_NULL },
	{ "at", FIELD_INT | FIELD_NULL }, { "action", FIELD_STR },
	{ "targets", FIELD_STRS }, { "to", FIELD_STRS | FIELD_OPT },
	{ NULL, 0 },
};
static const struct event_field host_entry_fields[] = {
	{ "name", FIELD_STR }, { "team", FIELD_STR | FIELD_NULL },
	{ "services", FIELD_LIST }, { NULL, 0 },
};
static const struct event_field service_fields[] = {
	{ "id", FIELD_STR }, { "check", FIELD_STR }, { "points", FIELD_INT },
	{ NULL, 0 },
};

static int
decode_teams(struct event_decoder *d, const json_t *o, struct event_exercise *x)
{
	const json_t *list = json_object_get(o, "teams");
	char where[32];
	size_t i, j;

	x->teams = json_array_size(list) ? xcalloc(json_array_size(list),
	    sizeof(*x->teams)) : NULL;
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *t = json_array_get(list, i);
		struct event_team *team = &x->teams[i];

		snprintf(where, sizeof(where), "teams[%zu]", i);
		if (check(d, t, team_fields, where) < 0)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(x->teams[j].id, str(t, "id")) == 0)
				return bad(d, "team '%s' is listed twice", str(t, "id"));
		team->role = role_parse(str(t, "role"));
		if (team->role == ROLE_NONE)
			return bad(d, "'%s.role' must be red, blue or white, not "
			    "'%s'", where, str(t, "role"));
		team->id = str(t, "id");
		team->name = str(t, "name");
		x->n_teams = i + 1;
	}
	return 0;
}

static int
decode_msel(struct event_decoder *d, const json_t *o, struct event_exercise *x)
{
	const json_t *list = json_object_get(o, "injects");
	char where[32];
	size_t i, j;

	x->injects = json_array_size(list) ? xcalloc(json_array_size(list),
	    sizeof(*x->injects)) : NULL;
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *m = json_array_get(list, i);
		struct event_msel *inj = &x->injects[i];

		snprintf(where, sizeof(where), "injects[%zu]", i);
		if (check(d, m, msel_fields, where) < 0)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(x->injects[j].id, str(m, "id")) == 0)
				return bad(d, "inject '%s' is listed twice",
				    str(m, "id"));
		inj->id = str(m, "id");
		inj->title = str(m, "title");
		inj->at = json_is_null(json_object_get(m, "at")) ? -1 :
		    (long)integer(m, "at");
		inj->action = str(m, "action");
		inj->targets = strings(m, "targets", &inj->n_targets);
		inj->to = strings(m, "to", &inj->n_to);
		x->n_injects = i + 1;
	}
	return 0;
}

static void
fill_service(void *slot, const json_t *o)
{
	struct event_service *s = slot;

	s->id = str(o, "id");
	s->check = str(o, "check");
	s->points = integer(o, "points");
}

static int
decode_hosts(struct event_decoder *d, const json_t *o, struct event_exercise *x)
{
	const json_t *list = json_object_get(o, "hosts");
	char where[32];
	size_t i;

	x->hosts = json_array_size(list) ? xcalloc(json_array_size(list),
	    sizeof(*x->hosts)) : NULL;
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *h = json_array_get(list, i);
		struct event_host_entry *host = &x->hosts[i];

		snprintf(where, sizeof(where), "hosts[%zu]", i);
		x->n_hosts = i;	/* this one's services are not its yet */
		if (check(d, h, host_entry_fields, where) < 0 ||
		    entries(d, h, "services", where, service_fields,
		    sizeof(*host->services), &host->services,
		    &host->n_services, fill_service) < 0)
			return -1;
		host->name = str(h, "name");
		host->team = str(h, "team");
		x->n_hosts = i + 1;
	}
	return 0;
}

static int
decode_exercise(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_exercise *x = &ev->u.exercise;
	const json_t *format = json_object_get(o, "format");

	x->format = format != NULL ? (int)json_integer_value(format) : 1;
	if (format != NULL && (json_integer_value(format) < 1 ||
	    json_integer_value(format) > EVENT_FORMAT))
		return bad(d, "the journal is of format %lld, and this rangectl "
		    "reads formats 1 to %d: read it with the rangectl that "
		    "wrote it", (long long)json_integer_value(format),
		    EVENT_FORMAT);
	x->name = str(o, "name");
	x->title = str(o, "title");
	x->duration = (long)integer(o, "duration");
	x->interval = (long)integer(o, "interval");
	x->timeout = (long)integer(o, "timeout");
	x->scenario = str(o, "scenario");
	return decode_teams(d, o, x) < 0 || decode_msel(d, o, x) < 0 ||
	    decode_hosts(d, o, x) < 0 ? -1 : 0;
}

static json_t *
encode_exercise(const struct event *ev)
{
	const struct event_exercise *x = &ev->u.exercise;
	json_t *o = json_object(), *teams = json_array(), *injects =
	    json_array(), *hosts = json_array();
	size_t i, j;

	for (i = 0; i < x->n_teams; i++)
		json_array_append_new(teams, json_pack("{s:s, s:o, s:s}", "id",
		    x->teams[i].id, "name", jstr(x->teams[i].name), "role",
		    role_name(x->teams[i].role)));
	for (i = 0; i < x->n_injects; i++) {
		const struct event_msel *m = &x->injects[i];

		json_array_append_new(injects, json_pack("{s:s, s:o, s:o, s:s, "
		    "s:o, s:o}", "id", m->id, "title", jstr(m->title), "at",
		    m->at < 0 ? json_null() : json_integer(m->at), "action",
		    m->action, "targets", jstrings(m->targets, m->n_targets),
		    "to", jstrings(m->to, m->n_to)));
	}
	for (i = 0; i < x->n_hosts; i++) {
		const struct event_host_entry *h = &x->hosts[i];
		json_t *services = json_array();

		for (j = 0; j < h->n_services; j++)
			json_array_append_new(services, json_pack("{s:s, s:s, s:I}",
			    "id", h->services[j].id, "check", h->services[j].check,
			    "points", (json_int_t)h->services[j].points));
		json_array_append_new(hosts, json_pack("{s:s, s:o, s:o}", "name",
		    h->name, "team", jstr(h->team), "services", services));
	}
	set(o, "name", json_string(x->name));
	set(o, "title", jstr(x->title));
	set(o, "duration", json_integer(x->duration));
	set(o, "interval", json_integer(x->interval));
	set(o, "timeout", json_integer(x->timeout));
	if (x->scenario != NULL)
		set(o, "scenario", json_string(x->scenario));
	set(o, "teams", teams);
	set(o, "injects", injects);
	set(o, "hosts", hosts);
	/* Format 1 had no number: a decoded one is written back as it was. */
	if (x->format > 1)
		set(o, "format", json_integer(x->format));
	return o;
}

/* ---- clock ------------------------------------------------------------- */

static const struct event_field clock_fields[] = {
	{ "state", FIELD_STR }, { "speed", FIELD_NUM | FIELD_OPT },
	{ "reason", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "by", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};

static int
decode_clock(struct event_decoder *d, const json_t *o, struct event *ev)
{
	static const enum exclock_state states[] = { EXCLOCK_RUNNING,
		EXCLOCK_PAUSED, EXCLOCK_ENDED };
	struct event_clock *c = &ev->u.clock;
	const char *state = str(o, "state");
	size_t i;

	for (i = 0; i < ARRAY_SIZE(states); i++)
		if (strcmp(state, exclock_state_name(states[i])) == 0)
			break;
	if (i == ARRAY_SIZE(states))
		return bad(d, "'state' must be running, paused or ended, not "
		    "'%s'", state);
	c->state = states[i];
	c->has_speed = json_object_get(o, "speed") != NULL;
	c->speed = num(o, "speed");
	c->reason = str(o, "reason");
	c->by = str(o, "by");
	return 0;
}

static json_t *
encode_clock(const struct event *ev)
{
	const struct event_clock *c = &ev->u.clock;
	json_t *o = json_pack("{s:s, s:o, s:o}", "state",
	    exclock_state_name(c->state), "reason", jstr(c->reason), "by",
	    jstr(c->by));

	if (c->has_speed)
		set(o, "speed", json_real(c->speed));
	return o;
}

/* ---- inject ------------------------------------------------------------ */

static const struct event_field inject_fields[] = {
	{ "id", FIELD_STR }, { "action", FIELD_STR }, { "firing", FIELD_INT },
	{ "scheduled", FIELD_NUM | FIELD_NULL }, { "actual", FIELD_NUM },
	{ "late", FIELD_NUM }, { "manual", FIELD_BOOL },
	{ "by", FIELD_STR | FIELD_NULL }, { "targets", FIELD_STRS },
	{ NULL, 0 },
};

static int
decode_inject(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_inject *in = &ev->u.inject;

	in->firing = integer(o, "firing");
	if (in->firing < 1)
		return bad(d, "'firing' must be 1 or more, not %lld", in->firing);
	in->id = str(o, "id");
	in->action = str(o, "action");
	in->scheduled = json_is_null(json_object_get(o, "scheduled")) ? -1 :
	    num(o, "scheduled");
	in->actual = num(o, "actual");
	in->late = num(o, "late");
	in->manual = flag(o, "manual");
	in->by = str(o, "by");
	in->targets = strings(o, "targets", &in->n_targets);
	return 0;
}

static json_t *
encode_inject(const struct event *ev)
{
	const struct event_inject *in = &ev->u.inject;

	return json_pack("{s:s, s:s, s:I, s:o, s:f, s:f, s:b, s:o, s:o}", "id",
	    in->id, "action", in->action, "firing", (json_int_t)in->firing,
	    "scheduled", in->scheduled >= 0 ? json_real(in->scheduled) :
	    json_null(), "actual", in->actual, "late", in->late, "manual",
	    in->manual, "by", jstr(in->by), "targets", jstrings(in->targets,
	    in->n_targets));
}

/* ---- inject_result ----------------------------------------------------- */

static const struct event_field result_event_fields[] = {
	{ "id", FIELD_STR }, { "firing", FIELD_INT }, { "results", FIELD_LIST },
	{ "lost", FIELD_BOOL | FIELD_OPT }, { NULL, 0 },
};
static const struct event_field result_fields[] = {
	{ "host", FIELD_STR }, { "ok", FIELD_BOOL },
	{ "error", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "exit", FIELD_INT | FIELD_NULL | FIELD_OPT },
	{ "out", FIELD_STR | FIELD_OPT }, { "err", FIELD_STR | FIELD_OPT },
	{ "seconds", FIELD_NUM | FIELD_OPT },
	{ "via", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "command", FIELD_STR | FIELD_OPT }, { NULL, 0 },
};

static void
fill_result(void *slot, const json_t *o)
{
	struct event_result *r = slot;

	r->host = str(o, "host");
	r->via = str(o, "via");
	r->ok = flag(o, "ok");
	r->error = str(o, "error");
	r->has_exit = json_is_integer(json_object_get(o, "exit"));
	r->exit = integer(o, "exit");
	r->out = str(o, "out");
	r->err = str(o, "err");
	r->has_seconds = json_object_get(o, "seconds") != NULL;
	r->seconds = num(o, "seconds");
	r->command = str(o, "command");
}

static int
decode_inject_result(struct event_decoder *d, const json_t *o,
    struct event *ev)
{
	struct event_inject_result *ir = &ev->u.inject_result;

	ir->id = str(o, "id");
	ir->firing = integer(o, "firing");
	ir->lost = flag(o, "lost");
	return entries(d, o, "results", "", result_fields, sizeof(*ir->results),
	    &ir->results, &ir->n_results, fill_result);
}

/* One target's result, as inject.c makes them. */
static json_t *
encode_result(const struct event_result *r)
{
	json_t *o = json_pack("{s:s, s:o, s:b, s:o, s:o}", "host", r->host,
	    "via", jstr(r->via), "ok", r->ok, "error", jstr(r->error), "exit",
	    r->has_exit ? json_integer(r->exit) : json_null());

	if (r->out != NULL)
		set(o, "out", json_string(r->out));
	if (r->err != NULL)
		set(o, "err", json_string(r->err));
	if (r->has_seconds)
		set(o, "seconds", json_real(r->seconds));
	if (r->command != NULL)
		set(o, "command", json_string(r->command));
	return o;
}

static json_t *
encode_inject_result(const struct event *ev)
{
	const struct event_inject_result *ir = &ev->u.inject_result;
	json_t *results = json_array(), *o;
	size_t i;

	for (i = 0; i < ir->n_results; i++)
		json_array_append_new(results, encode_result(&ir->results[i]));
	o = json_pack("{s:s, s:I, s:o}", "id", ir->id, "firing",
	    (json_int_t)ir->firing, "results", results);
	if (ir->lost)
		set(o, "lost", json_true());
	return o;
}

/* ---- round ------------------------------------------------------------- */

static const struct event_field round_fields[] = {
	{ "n", FIELD_INT }, { "at", FIELD_NUM }, { "late", FIELD_NUM | FIELD_OPT },
	{ "checks", FIELD_LIST }, { "compromises", FIELD_LIST }, { NULL, 0 },
};
static const struct event_field check_fields[] = {
	{ "team", FIELD_STR }, { "host", FIELD_STR }, { "service", FIELD_STR },
	{ "kind", FIELD_STR | FIELD_OPT }, { "up", FIELD_BOOL },
	{ "points", FIELD_INT }, { "reason", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ NULL, 0 },
};
static const struct event_field compromise_fields[] = {
	{ "team", FIELD_STR }, { "host", FIELD_STR }, { "inject", FIELD_STR },
	{ "kind", FIELD_STR | FIELD_OPT }, { "active", FIELD_BOOL },
	{ "penalty", FIELD_INT },
	{ "reason", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};

static void
fill_check(void *slot, const json_t *o)
{
	struct event_check *c = slot;

	c->team = str(o, "team");
	c->host = str(o, "host");
	c->service = str(o, "service");
	c->kind = str(o, "kind");
	c->up = flag(o, "up");
	c->points = integer(o, "points");
	c->reason = str(o, "reason");
}

static void
fill_compromise(void *slot, const json_t *o)
{
	struct event_compromise *c = slot;

	c->team = str(o, "team");
	c->host = str(o, "host");
	c->inject = str(o, "inject");
	c->kind = str(o, "kind");
	c->active = flag(o, "active");
	c->penalty = integer(o, "penalty");
	c->reason = str(o, "reason");
}

static int
decode_round(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_round *r = &ev->u.round;

	r->n = integer(o, "n");
	r->at = num(o, "at");
	r->has_late = json_object_get(o, "late") != NULL;
	r->late = num(o, "late");
	return entries(d, o, "checks", "", check_fields, sizeof(*r->checks),
	    &r->checks, &r->n_checks, fill_check) < 0 ||
	    entries(d, o, "compromises", "", compromise_fields,
	    sizeof(*r->compromises), &r->compromises, &r->n_compromises,
	    fill_compromise) < 0 ? -1 : 0;
}

static json_t *
encode_round(const struct event *ev)
{
	const struct event_round *r = &ev->u.round;
	json_t *checks = json_array(), *comps = json_array(), *o, *e;
	size_t i;

	for (i = 0; i < r->n_checks; i++) {
		const struct event_check *c = &r->checks[i];

		e = json_pack("{s:s, s:s, s:s, s:b, s:I, s:o}", "team", c->team,
		    "host", c->host, "service", c->service, "up", c->up,
		    "points", (json_int_t)c->points, "reason", jstr(c->reason));
		if (c->kind != NULL)
			set(e, "kind", json_string(c->kind));
		json_array_append_new(checks, e);
	}
	for (i = 0; i < r->n_compromises; i++) {
		const struct event_compromise *c = &r->compromises[i];

		e = json_pack("{s:s, s:s, s:s, s:b, s:I, s:o}", "team", c->team,
		    "host", c->host, "inject", c->inject, "active", c->active,
		    "penalty", (json_int_t)c->penalty, "reason",
		    jstr(c->reason));
		if (c->kind != NULL)
			set(e, "kind", json_string(c->kind));
		json_array_append_new(comps, e);
	}
	o = json_pack("{s:I, s:f, s:o, s:o}", "n", (json_int_t)r->n, "at",
	    r->at, "checks", checks, "compromises", comps);
	if (r->has_late)
		set(o, "late", json_real(r->late));
	return o;
}

/* ---- link -------------------------------------------------------------- */

static const struct event_field link_fields[] = {
	{ "host", FIELD_STR }, { "network", FIELD_STR }, { "up", FIELD_BOOL },
	{ "inject", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "ok", FIELD_BOOL | FIELD_OPT },
	{ "error", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};

static int
decode_link(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_link *l = &ev->u.link;

	(void)d;
	l->host = str(o, "host");
	l->network = str(o, "network");
	l->up = flag(o, "up");
	l->inject = str(o, "inject");
	l->has_ok = json_object_get(o, "ok") != NULL;
	l->ok = flag(o, "ok");
	l->error = str(o, "error");
	return 0;
}

static json_t *
encode_link(const struct event *ev)
{
	const struct event_link *l = &ev->u.link;
	json_t *o = json_pack("{s:s, s:s, s:b, s:o, s:o}", "host", l->host,
	    "network", l->network, "up", l->up, "inject", jstr(l->inject),
	    "error", jstr(l->error));

	if (l->has_ok)
		set(o, "ok", json_boolean(l->ok));
	return o;
}

/* ---- message ----------------------------------------------------------- */

static const struct event_field message_fields[] = {
	{ "inject", FIELD_STR | FIELD_NULL | FIELD_OPT }, { "to", FIELD_STRS },
	{ "text", FIELD_STR }, { "by", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ NULL, 0 },
};

static int
decode_message(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_message *m = &ev->u.message;

	(void)d;
	m->inject = str(o, "inject");
	m->to = strings(o, "to", &m->n_to);
	m->text = str(o, "text");
	m->by = str(o, "by");
	return 0;
}

static json_t *
encode_message(const struct event *ev)
{
	const struct event_message *m = &ev->u.message;

	return json_pack("{s:o, s:o, s:s, s:o}", "inject", jstr(m->inject),
	    "to", jstrings(m->to, m->n_to), "text", m->text, "by", jstr(m->by));
}

/* ---- report ------------------------------------------------------------ */

static const struct event_field report_fields[] = {
	{ "id", FIELD_STR }, { "team", FIELD_STR },
	{ "author", FIELD_STR | FIELD_NULL | FIELD_OPT }, { "title", FIELD_STR },
	{ "body", FIELD_STR | FIELD_OPT },
	{ "inject", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};

static int
decode_report(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_report *r = &ev->u.report;

	(void)d;
	r->id = str(o, "id");
	r->team = str(o, "team");
	r->author = str(o, "author");
	r->title = str(o, "title");
	r->body = str(o, "body");
	r->inject = str(o, "inject");
	return 0;
}

static json_t *
encode_report(const struct event *ev)
{
	const struct event_report *r = &ev->u.report;
	json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:o}", "id", r->id, "team",
	    r->team, "author", jstr(r->author), "title", r->title, "inject",
	    jstr(r->inject));

	if (r->body != NULL)
		set(o, "body", json_string(r->body));
	return o;
}

/* ---- grade and adjustment ---------------------------------------------- */

static const struct event_field grade_fields[] = {
	{ "report", FIELD_STR }, { "team", FIELD_STR }, { "points", FIELD_INT },
	{ "comment", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "by", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};
static const struct event_field adjustment_fields[] = {
	{ "team", FIELD_STR }, { "points", FIELD_INT }, { "reason", FIELD_STR },
	{ "by", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};

static int
decode_grade(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_grade *g = &ev->u.grade;

	(void)d;
	g->report = str(o, "report");
	g->team = str(o, "team");
	g->points = integer(o, "points");
	g->comment = str(o, "comment");
	g->by = str(o, "by");
	return 0;
}

static json_t *
encode_grade(const struct event *ev)
{
	const struct event_grade *g = &ev->u.grade;

	return json_pack("{s:s, s:s, s:I, s:o, s:o}", "report", g->report,
	    "team", g->team, "points", (json_int_t)g->points, "comment",
	    jstr(g->comment), "by", jstr(g->by));
}

static int
decode_adjustment(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_adjustment *a = &ev->u.adjustment;

	(void)d;
	a->team = str(o, "team");
	a->points = integer(o, "points");
	a->reason = str(o, "reason");
	a->by = str(o, "by");
	return 0;
}

static json_t *
encode_adjustment(const struct event *ev)
{
	const struct event_adjustment *a = &ev->u.adjustment;

	return json_pack("{s:s, s:I, s:s, s:o}", "team", a->team, "points",
	    (json_int_t)a->points, "reason", a->reason, "by", jstr(a->by));
}

/* ---- host and revert --------------------------------------------------- */

static const struct event_field host_fields[] = {
	{ "name", FIELD_STR }, { "team", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "state", FIELD_STR }, { "reason", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ NULL, 0 },
};
static const struct event_field revert_fields[] = {
	{ "host", FIELD_STR }, { "by", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "ok", FIELD_BOOL | FIELD_OPT },
	{ "error", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};

static int
decode_host(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_host *h = &ev->u.host;

	(void)d;
	h->name = str(o, "name");
	h->team = str(o, "team");
	h->state = str(o, "state");
	h->reason = str(o, "reason");
	return 0;
}

static json_t *
encode_host(const struct event *ev)
{
	const struct event_host *h = &ev->u.host;

	return json_pack("{s:s, s:o, s:s, s:o}", "name", h->name, "team",
	    jstr(h->team), "state", h->state, "reason", jstr(h->reason));
}

static int
decode_revert(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_revert *r = &ev->u.revert;

	(void)d;
	r->host = str(o, "host");
	r->by = str(o, "by");
	r->has_ok = json_object_get(o, "ok") != NULL;
	r->ok = flag(o, "ok");
	r->error = str(o, "error");
	return 0;
}

static json_t *
encode_revert(const struct event *ev)
{
	const struct event_revert *r = &ev->u.revert;
	json_t *o = json_pack("{s:s, s:o, s:o}", "host", r->host, "by",
	    jstr(r->by), "error", jstr(r->error));

	if (r->has_ok)
		set(o, "ok", json_boolean(r->ok));
	return o;
}

/* ---- the table --------------------------------------------------------- */

const struct event_kind event_table[EVENT_TYPES] = {
	[EVENT_EXERCISE] = { "exercise", exercise_fields, EVENT_NOBODY, NULL,
	    false, decode_exercise, encode_exercise },
	[EVENT_CLOCK] = { "clock", clock_fields, EVENT_EVERYONE, "state",
	    false, decode_clock, encode_clock },
	[EVENT_INJECT] = { "inject", inject_fields, EVENT_STAFF, "inject",
	    false, decode_inject, encode_inject },
	[EVENT_INJECT_RESULT] = { "inject_result", result_event_fields,
	    EVENT_STAFF, "inject", false, decode_inject_result,
	    encode_inject_result },
	[EVENT_ROUND] = { "round", round_fields, EVENT_EVERYONE, "round", true,
	    decode_round, encode_round },
	[EVENT_LINK] = { "link", link_fields, EVENT_NOBODY, NULL, false,
	    decode_link, encode_link },
	[EVENT_MESSAGE] = { "message", message_fields, EVENT_ADDRESSED,
	    "message", false, decode_message, encode_message },
	[EVENT_REPORT] = { "report", report_fields, EVENT_TEAM, "report", false,
	    decode_report, encode_report },
	[EVENT_GRADE] = { "grade", grade_fields, EVENT_TEAM, "report", true,
	    decode_grade, encode_grade },
	[EVENT_ADJUSTMENT] = { "adjustment", adjustment_fields, EVENT_EVERYONE,
	    NULL, true, decode_adjustment, encode_adjustment },
	[EVENT_HOST] = { "host", host_fields, EVENT_TEAM, "host", false,
	    decode_host, encode_host },
	[EVENT_REVERT] = { "revert", revert_fields, EVENT_NOBODY, NULL, false,
	    decode_revert, encode_revert },
};

const char *
event_type_name(enum event_type type)
{
	return (unsigned)type < EVENT_TYPES ? event_table[type].name : "?";
}

enum event_type
event_type_parse(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < EVENT_TYPES; i++)
		if (strcmp(event_table[i].name, name) == 0)
			return (enum event_type)i;
	return EVENT_TYPES;
}

const char *
event_field_kind(int kind)
{
	static const char *const names[] = { "", "string", "integer", "number",
		"boolean", "list", "list of strings" };
	static const char *const or_null[] = { "", "string or null",
		"integer or null", "number or null", "boolean or null",
		"list or null", "list of strings or null" };
	int k = kind & FIELD_KIND;

	if (k < 1 || k > FIELD_STRS)
		return "?";
	return kind & FIELD_NULL ? or_null[k] : names[k];
}

bool
event_field_optional(int kind)
{
	return (kind & FIELD_OPT) != 0;
}

void
event_init(struct event *ev, enum event_type type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	if (type == EVENT_EXERCISE)
		ev->u.exercise.format = EVENT_FORMAT;
}

/* The names of every type, for the message about one that is none. */
static char *
type_list(void)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb);
	for (i = 0; i < EVENT_TYPES; i++)
		strbuf_printf(&sb, "%s%s", i ? ", " : "", event_table[i].name);
	return strbuf_steal(&sb);
}

int
event_decode(const json_t *o, unsigned long long line, struct event *ev,
    char **error)
{
	struct event_decoder d = { .line = line, .error = error };
	const json_t *seq = json_object_get(o, "seq");
	char *names;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (d.line == 0 && json_is_integer(seq))
		d.line = (unsigned long long)json_integer_value(seq);
	if (!json_is_object(o))
		return bad(&d, "the event must be a JSON object");
	d.type = str(o, "type");
	if (d.type == NULL)
		return bad(&d, "'type' must be a string");
	ev->type = event_type_parse(d.type);
	if (ev->type == EVENT_TYPES) {
		names = type_list();
		rc = bad(&d, "'type' must be one of %s; a journal of format %d "
		    "has no other", names, EVENT_FORMAT);
		free(names);
		return rc;
	}
	if (!json_is_number(json_object_get(o, "t")))
		return bad(&d, "'t' must be a number");
	ev->seq = json_is_integer(seq) ? (unsigned long long)
	    json_integer_value(seq) : 0;
	ev->has_t = true;
	ev->t = num(o, "t");
	ev->wall = num(o, "wall");
	if (check(&d, o, event_table[ev->type].fields, "") < 0 ||
	    event_table[ev->type].decode(&d, o, ev) < 0) {
		event_clear(ev);
		return -1;
	}
	return 0;
}

void
event_clear(struct event *ev)
{
	size_t i;

	if (ev == NULL)
		return;
	switch (ev->type) {
	case EVENT_EXERCISE:
		free(ev->u.exercise.teams);
		for (i = 0; i < ev->u.exercise.n_injects; i++) {
			free(ev->u.exercise.injects[i].targets);
			free(ev->u.exercise.injects[i].to);
		}
		free(ev->u.exercise.injects);
		for (i = 0; i < ev->u.exercise.n_hosts; i++)
			free(ev->u.exercise.hosts[i].services);
		free(ev->u.exercise.hosts);
		break;
	case EVENT_INJECT:
		free(ev->u.inject.targets);
		break;
	case EVENT_INJECT_RESULT:
		free(ev->u.inject_result.results);
		break;
	case EVENT_ROUND:
		free(ev->u.round.checks);
		free(ev->u.round.compromises);
		break;
	case EVENT_MESSAGE:
		free(ev->u.message.to);
		break;
	default:
		break;
	}
	memset(&ev->u, 0, sizeof(ev->u));
}

json_t *
event_encode(const struct event *ev)
{
	json_t *o;

	if ((unsigned)ev->type >= EVENT_TYPES)
		return NULL;
	o = event_table[ev->type].encode(ev);
	set(o, "type", json_string(event_table[ev->type].name));
	if (ev->has_t)
		set(o, "t", json_real(ev->t));
	return o;
}

const char *
event_team(const struct event *ev)
{
	switch (ev->type) {
	case EVENT_REPORT: return ev->u.report.team;
	case EVENT_GRADE: return ev->u.grade.team;
	case EVENT_ADJUSTMENT: return ev->u.adjustment.team;
	case EVENT_HOST: return ev->u.host.team;
	default: return NULL;
	}
}

/* Whether a message event names team among its recipients. */
static bool
addressed_to(const struct event *ev, const char *team)
{
	size_t i;

	for (i = 0; team != NULL && ev->type == EVENT_MESSAGE &&
	    i < ev->u.message.n_to; i++)
		if (strcmp(ev->u.message.to[i], team) == 0)
			return true;
	return false;
}

bool
event_visible(const struct event *ev, bool staff, const char *team)
{
	const char *its;

	if ((unsigned)ev->type >= EVENT_TYPES)
		return false;
	switch (event_table[ev->type].audience) {
	case EVENT_EVERYONE:
		return true;
	case EVENT_STAFF:
		return staff;
	case EVENT_TEAM:
		its = event_team(ev);
		return staff || (team != NULL && its != NULL &&
		    strcmp(its, team) == 0);
	case EVENT_ADDRESSED:
		return staff || addressed_to(ev, team);
	default:
		return false;
	}
}
