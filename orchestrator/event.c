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
#include <stddef.h>
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
	FIELD_OBJ,	/* an object, checked by the type's decoder */
};
#define FIELD_KIND 0x0f
#define FIELD_NULL 0x10	/* null will do too */
#define FIELD_OPT 0x20	/* may be absent */
/* Where an entry's field goes: its offset in struct T, plus one. */
#define AT(T, member) (offsetof(struct T, member) + 1)

static const char *const field_what[] = {
	"", "a string", "an integer", "a number", "true or false", "a list",
	"a list of strings", "an object",
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
	case FIELD_OBJ: return json_is_object(v);
	default: return false;
	}
}

/* No table of ours has more fields than this. */
#define FIELDS_MAX 16

/*
 * Each field's value in object o (NULL: absent), into vals[], by one walk
 * over o's members rather than a hash look-up per field: a round's checks
 * are most of a journal, and this is most of the time spent on them.
 */
static void
gather(const json_t *o, const struct event_field *fields, const json_t **vals)
{
	const char *key;
	void *it;
	size_t i;

	for (i = 0; fields[i].key != NULL; i++)
		vals[i] = NULL;
	for (it = json_object_iter((json_t *)o); it != NULL;
	    it = json_object_iter_next((json_t *)o, it)) {
		key = json_object_iter_key(it);
		for (i = 0; fields[i].key != NULL; i++)
			if (key[0] == fields[i].key[0] &&
			    strcmp(key, fields[i].key) == 0) {
				vals[i] = json_object_iter_value(it);
				break;
			}
	}
}

/* Puts a checked value v where f says, in the struct at slot. */
static void
store(char *slot, const struct event_field *f, const json_t *v)
{
	bool given = v != NULL && !json_is_null(v);

	if (f->at != 0) {
		switch (f->kind & FIELD_KIND) {
		case FIELD_STR:
			*(const char **)(void *)(slot + f->at - 1) =
			    json_string_value(v);
			break;
		case FIELD_INT:
			*(long long *)(void *)(slot + f->at - 1) =
			    json_integer_value(v);
			break;
		case FIELD_NUM:
			*(double *)(void *)(slot + f->at - 1) = json_number_value(v);
			break;
		case FIELD_BOOL:
			*(bool *)(slot + f->at - 1) = json_is_true(v);
			break;
		default:
			break;
		}
	}
	if (f->has != 0)
		*(bool *)(slot + f->has - 1) = given;
}

/*
 * Checks o's fields against the table, which ends with a NULL key, and
 * stores those the table places into the struct at slot (unless NULL);
 * where names o within the event ("teams[2]"), "" for the event itself.
 */
static int
check(struct event_decoder *d, const json_t *o,
    const struct event_field *fields, const char *where, char *slot)
{
	const char *dot = where[0] ? "." : "";
	const json_t *vals[FIELDS_MAX], *v;
	size_t i;

	if (!json_is_object(o))
		return bad(d, "'%s' must be an object", where);
	gather(o, fields, vals);
	for (i = 0; fields[i].key != NULL; i++) {
		v = vals[i];
		if (!field_ok(v, fields[i].kind))
			return bad(d, "'%s%s%s' must be %s%s", where, dot,
			    fields[i].key, field_what[fields[i].kind & FIELD_KIND],
			    fields[i].kind & FIELD_NULL ? " or null" : "");
		if (slot != NULL)
			store(slot, &fields[i], v);
	}
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
 * Reads every entry of o's list key into a new array (*items, *n entries
 * of size bytes; NULL when none, or on error), each field checked then
 * stored where its table says, in one walk over the entry (gather()).
 * prefix names o within the event ("hosts[2]"), "" for the event itself.
 */
static int
read_entries(struct event_decoder *d, const json_t *o, const char *key,
    const char *prefix, const struct event_field *fields, size_t size,
    void **items, size_t *n)
{
	const json_t *list = json_object_get(o, key), *entry, *v;
	const json_t *vals[FIELDS_MAX];
	const char *dot = prefix[0] ? "." : "";
	char *out;
	size_t i, j;

	*n = json_array_size(list);
	out = *n ? xcalloc(*n, size) : NULL;
	*items = out;
	for (i = 0; i < *n; i++) {
		entry = json_array_get(list, i);
		if (!json_is_object(entry)) {
			bad(d, "'%s%s%s[%zu]' must be an object", prefix, dot, key,
			    i);
			goto fail;
		}
		gather(entry, fields, vals);
		for (j = 0; fields[j].key != NULL; j++) {
			v = vals[j];
			if (!field_ok(v, fields[j].kind)) {
				bad(d, "'%s%s%s[%zu].%s' must be %s%s", prefix, dot, key,
				    i, fields[j].key,
				    field_what[fields[j].kind & FIELD_KIND],
				    fields[j].kind & FIELD_NULL ? " or null" : "");
				goto fail;
			}
			store(out + i * size, &fields[j], v);
		}
	}
	return 0;
fail:
	free(out);
	*items = NULL;
	*n = 0;
	return -1;
}

/* ---- writing ----------------------------------------------------------- */

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A list of strings as a JSON array, new (the caller owns it). */
json_t *
event_strings_json(const char *const *items, size_t n)
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

/*
 * scoring.detection's points (format 5), when o has them: each a whole
 * number from 0, as the scenario's rules allow.
 */
static int
decode_detection(struct event_decoder *d, const json_t *o, bool *has,
    struct detect_rules *rules)
{
	const json_t *r = json_object_get(o, "detection");

	*has = false;
	if (r == NULL)
		return 0;
	if (detect_rules_from_json(r, rules) < 0)
		return bad(d, "'detection' must hold the whole numbers from 0 "
		    "points, half_life, sharing, early_warning and "
		    "false_indicator, and nothing else");
	*has = true;
	return 0;
}


static const struct event_field exercise_fields[] = {
	{ .key = "name", .kind = FIELD_STR },
	{ .key = "title", .kind = FIELD_STR | FIELD_NULL },
	{ .key = "duration", .kind = FIELD_INT },
	{ .key = "interval", .kind = FIELD_INT },
	{ .key = "timeout", .kind = FIELD_INT },
	{ .key = "teams", .kind = FIELD_LIST },
	{ .key = "injects", .kind = FIELD_LIST },
	{ .key = "hosts", .kind = FIELD_LIST },
	{ .key = "scenario", .kind = FIELD_STR | FIELD_OPT },
	{ .key = "format", .kind = FIELD_INT | FIELD_OPT },
	{ .key = "sla_after", .kind = FIELD_INT | FIELD_OPT },
	{ .key = "sla_penalty", .kind = FIELD_INT | FIELD_OPT },
	{ .key = "outage_attack", .kind = FIELD_INT | FIELD_OPT },
	{ .key = "outage_self", .kind = FIELD_INT | FIELD_OPT },
	{ .key = "detection", .kind = FIELD_OBJ | FIELD_OPT },
	{ .key = NULL },
};
static const struct event_field team_fields[] = {
	{ .key = "id", .kind = FIELD_STR },
	{ .key = "name", .kind = FIELD_STR | FIELD_NULL },
	{ .key = "role", .kind = FIELD_STR },
	{ .key = NULL },
};
static const struct event_field msel_fields[] = {
	{ .key = "id", .kind = FIELD_STR },
	{ .key = "title", .kind = FIELD_STR | FIELD_NULL },
	{ .key = "at", .kind = FIELD_INT | FIELD_NULL },
	{ .key = "action", .kind = FIELD_STR },
	{ .key = "targets", .kind = FIELD_STRS },
	{ .key = "to", .kind = FIELD_STRS | FIELD_OPT },
	{ .key = "people", .kind = FIELD_STRS | FIELD_OPT },
	{ .key = "breaks", .kind = FIELD_STRS | FIELD_OPT },
	{ .key = NULL },
};
static const struct event_field host_entry_fields[] = {
	{ .key = "name", .kind = FIELD_STR },
	{ .key = "team", .kind = FIELD_STR | FIELD_NULL },
	{ .key = "services", .kind = FIELD_LIST },
	{ .key = NULL },
};
static const struct event_field service_fields[] = {
	{ "id", FIELD_STR, AT(event_service, id), 0 },
	{ "check", FIELD_STR, AT(event_service, check), 0 },
	{ "points", FIELD_INT, AT(event_service, points), 0 },
	{ NULL, 0, 0, 0 },
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
		if (check(d, t, team_fields, where, NULL) < 0)
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

/* ---- an inject's truth (format 5) -------------------------------------- */

static const struct event_field truth_fields[] = {
	{ .key = "technique", .kind = FIELD_STR | FIELD_NULL },
	{ .key = "effects", .kind = FIELD_STRS },
	{ .key = "resolved", .kind = FIELD_LIST },
	{ .key = NULL },
};
static const struct event_field row_fields[] = {
	{ .key = "target", .kind = FIELD_STR },
	{ .key = "team", .kind = FIELD_STR | FIELD_NULL },
	{ .key = "indicators", .kind = FIELD_LIST },
	{ .key = NULL },
};
static const struct event_field indicator_fields[] = {
	{ "type", FIELD_STR, AT(event_indicator, type), 0 },
	{ "value", FIELD_STR, AT(event_indicator, value), 0 },
	{ NULL, 0, 0, 0 },
};

/* Frees a truth's lists and itself, never its strings; NULL is safe. */
static void
truth_free(struct event_truth *t)
{
	size_t i;

	if (t == NULL)
		return;
	free(t->effects);
	for (i = 0; i < t->n_resolved; i++)
		free(t->resolved[i].indicators);
	free(t->resolved);
	free(t);
}

static bool
indicator_type_known(const char *type)
{
	return indicator_type_parse(type) != INDICATOR_NONE;
}

static bool
listed(const char *const *items, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(items[i], s) == 0)
			return true;
	return false;
}

/*
 * One resolved row of inj's truth t, from r (where names it): its
 * target must be one of the inject's, its indicators of a known type.
 */
static int
decode_truth_row(struct event_decoder *d, const json_t *r, const char *where,
    const struct event_msel *inj, struct event_truth_row *row)
{
	void *items;
	size_t i;

	if (check(d, r, row_fields, where, NULL) < 0)
		return -1;
	row->target = str(r, "target");
	row->team = str(r, "team");
	if (!listed(inj->targets, inj->n_targets, row->target))
		return bad(d, "'%s.target' must be one of inject '%s''s targets, "
		    "not '%s'", where, inj->id, row->target);
	if (read_entries(d, r, "indicators", where, indicator_fields,
	    sizeof(*row->indicators), &items, &row->n_indicators) < 0)
		return -1;
	row->indicators = items;
	for (i = 0; i < row->n_indicators; i++)
		if (!indicator_type_known(row->indicators[i].type))
			return bad(d, "'%s.indicators[%zu].type' must be an "
			    "indicator type (ipv4, url, sha256...), not '%s'", where,
			    i, row->indicators[i].type);
	return 0;
}

/* inj's truth from m's "truth", when there is one (*out stays NULL). */
static int
decode_truth(struct event_decoder *d, const json_t *m, const char *where,
    struct event_msel *inj)
{
	const json_t *o = json_object_get(m, "truth"), *list;
	struct event_truth *t;
	char at[48], row[80];
	size_t i;

	if (o == NULL)
		return 0;
	snprintf(at, sizeof(at), "%s.truth", where);
	if (check(d, o, truth_fields, at, NULL) < 0)
		return -1;
	t = inj->truth = xcalloc(1, sizeof(*t));
	t->technique = str(o, "technique");
	t->effects = strings(o, "effects", &t->n_effects);
	list = json_object_get(o, "resolved");
	t->resolved = json_array_size(list) ? xcalloc(json_array_size(list),
	    sizeof(*t->resolved)) : NULL;
	for (i = 0; i < json_array_size(list); i++) {
		snprintf(row, sizeof(row), "%s.resolved[%zu]", at, i);
		t->n_resolved = i + 1;
		if (decode_truth_row(d, json_array_get(list, i), row, inj,
		    &t->resolved[i]) < 0)
			return -1;
	}
	return 0;
}

static json_t *
indicators_json(const struct event_indicator *list, size_t n)
{
	json_t *inds = json_array();
	size_t j;

	for (j = 0; j < n; j++)
		json_array_append_new(inds, json_pack("{s:s, s:s}", "type",
		    list[j].type, "value", list[j].value));
	return inds;
}

static json_t *
truth_json(const struct event_truth *t)
{
	json_t *resolved = json_array(), *inds;
	size_t i;

	for (i = 0; i < t->n_resolved; i++) {
		const struct event_truth_row *r = &t->resolved[i];

		inds = indicators_json(r->indicators, r->n_indicators);
		json_array_append_new(resolved, json_pack("{s:s, s:o, s:o}",
		    "target", r->target, "team", jstr(r->team), "indicators",
		    inds));
	}
	return json_pack("{s:o, s:o, s:o}", "technique", jstr(t->technique),
	    "effects", event_strings_json(t->effects, t->n_effects), "resolved",
	    resolved);
}

/* Frees what decode_msel() or a writer allocated for an MSEL. */
static void
msel_free(struct event_msel *injects, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(injects[i].targets);
		free(injects[i].to);
		free(injects[i].people);
		free(injects[i].breaks);
		truth_free(injects[i].truth);
	}
	free(injects);
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
		if (check(d, m, msel_fields, where, NULL) < 0)
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
		inj->people = strings(m, "people", &inj->n_people);
		inj->breaks = strings(m, "breaks", &inj->n_breaks);
		x->n_injects = i + 1;
		if (decode_truth(d, m, where, inj) < 0)
			return -1;
	}
	return 0;
}

static int
decode_hosts(struct event_decoder *d, const json_t *o, struct event_exercise *x)
{
	const json_t *list = json_object_get(o, "hosts");
	char where[32];
	void *items;
	size_t i;
	int rc;

	x->hosts = json_array_size(list) ? xcalloc(json_array_size(list),
	    sizeof(*x->hosts)) : NULL;
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *h = json_array_get(list, i);
		struct event_host_entry *host = &x->hosts[i];

		snprintf(where, sizeof(where), "hosts[%zu]", i);
		if (check(d, h, host_entry_fields, where, NULL) < 0)
			return -1;
		rc = read_entries(d, h, "services", where, service_fields,
		    sizeof(*host->services), &items, &host->n_services);
		host->services = items;
		if (rc < 0)
			return -1;
		host->name = str(h, "name");
		host->team = str(h, "team");
		x->n_hosts = i + 1;
	}
	return 0;
}

/*
 * scoring.outage's weights, in thousandths, when o gives either (format
 * 5); 1000 for one it leaves out, as for both when it gives neither.
 */
static int
decode_outage(struct event_decoder *d, const json_t *o, bool *has,
    long *attack, long *self)
{
	const json_t *a = json_object_get(o, "outage_attack");
	const json_t *b = json_object_get(o, "outage_self");

	*has = a != NULL || b != NULL;
	*attack = a != NULL ? (long)json_integer_value(a) : 1000;
	*self = b != NULL ? (long)json_integer_value(b) : 1000;
	if (*attack < 0 || *attack > 10000 || *self < 0 || *self > 10000)
		return bad(d, "'outage_attack' and 'outage_self' must be from 0 "
		    "to 10000 (thousandths), not %ld and %ld", *attack, *self);
	return 0;
}

static void
encode_outage(json_t *o, bool has, long attack, long self)
{
	if (!has)
		return;
	set(o, "outage_attack", json_integer(attack));
	set(o, "outage_self", json_integer(self));
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
	if (json_object_get(o, "sla_after") != NULL) {
		x->sla_after = (long)integer(o, "sla_after");
		x->sla_penalty = integer(o, "sla_penalty");
		if (x->sla_after < 1 || x->sla_penalty < 0)
			return bad(d, "'sla_after' must be at least 1 and "
			    "'sla_penalty' at least 0, not %ld and %lld",
			    x->sla_after, x->sla_penalty);
	}
	if (decode_outage(d, o, &x->has_outage, &x->outage_attack,
	    &x->outage_self) < 0)
		return -1;
	return decode_detection(d, o, &x->has_detection, &x->detection) < 0 ||
	    decode_teams(d, o, x) < 0 || decode_msel(d, o, x) < 0 ||
	    decode_hosts(d, o, x) < 0 ? -1 : 0;
}

/* An inject of the MSEL; people only when it names some (issue 13). */
static json_t *
msel_json(const struct event_msel *m)
{
	json_t *o = json_pack("{s:s, s:o, s:o, s:s, s:o, s:o}", "id", m->id,
	    "title", jstr(m->title), "at", m->at < 0 ? json_null() :
	    json_integer(m->at), "action", m->action, "targets",
	    event_strings_json(m->targets, m->n_targets), "to",
	    event_strings_json(m->to, m->n_to));

	if (m->n_people > 0)
		set(o, "people", event_strings_json(m->people, m->n_people));
	if (m->n_breaks > 0)
		set(o, "breaks", event_strings_json(m->breaks, m->n_breaks));
	/* Only an inject with truth has the key: older MSELs read the same. */
	if (m->truth != NULL)
		set(o, "truth", truth_json(m->truth));
	return o;
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

		json_array_append_new(injects, msel_json(m));
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
	if (x->sla_after > 0) {
		set(o, "sla_after", json_integer(x->sla_after));
		set(o, "sla_penalty", json_integer(x->sla_penalty));
	}
	encode_outage(o, x->has_outage, x->outage_attack, x->outage_self);
	if (x->has_detection)
		set(o, "detection", detect_rules_to_json(&x->detection));
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
	{ .key = "state", .kind = FIELD_STR },
	{ .key = "speed", .kind = FIELD_NUM | FIELD_OPT,
	  .at = AT(event_clock, speed), .has = AT(event_clock, has_speed) },
	{ .key = "reason", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_clock, reason) },
	{ .key = "by", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_clock, by) },
	{ .key = NULL },
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
	{ .key = "id", .kind = FIELD_STR, .at = AT(event_inject, id) },
	{ .key = "action", .kind = FIELD_STR, .at = AT(event_inject, action) },
	{ .key = "firing", .kind = FIELD_INT, .at = AT(event_inject, firing) },
	{ .key = "scheduled", .kind = FIELD_NUM | FIELD_NULL },
	{ .key = "actual", .kind = FIELD_NUM, .at = AT(event_inject, actual) },
	{ .key = "late", .kind = FIELD_NUM, .at = AT(event_inject, late) },
	{ .key = "manual", .kind = FIELD_BOOL, .at = AT(event_inject, manual) },
	{ .key = "by", .kind = FIELD_STR | FIELD_NULL,
	  .at = AT(event_inject, by) },
	{ .key = "targets", .kind = FIELD_STRS },
	{ .key = NULL },
};

static int
decode_inject(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_inject *in = &ev->u.inject;

	if (in->firing < 1)
		return bad(d, "'firing' must be 1 or more, not %lld", in->firing);
	in->scheduled = json_is_null(json_object_get(o, "scheduled")) ? -1 :
	    num(o, "scheduled");
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
	    in->manual, "by", jstr(in->by), "targets", event_strings_json(in->targets,
	    in->n_targets));
}

/* ---- inject_result ----------------------------------------------------- */

static const struct event_field result_event_fields[] = {
	{ .key = "id", .kind = FIELD_STR, .at = AT(event_inject_result, id) },
	{ .key = "firing", .kind = FIELD_INT,
	  .at = AT(event_inject_result, firing) },
	{ .key = "results", .kind = FIELD_LIST },
	{ .key = "lost", .kind = FIELD_BOOL | FIELD_OPT,
	  .at = AT(event_inject_result, lost) },
	{ .key = NULL },
};
static const struct event_field result_fields[] = {
	{ "host", FIELD_STR, AT(event_result, host), 0 },
	{ "ok", FIELD_BOOL, AT(event_result, ok), 0 },
	{ "error", FIELD_STR | FIELD_NULL | FIELD_OPT, AT(event_result, error),
	  0 },
	{ "exit", FIELD_INT | FIELD_NULL | FIELD_OPT, AT(event_result, exit),
	  AT(event_result, has_exit) },
	{ "out", FIELD_STR | FIELD_OPT, AT(event_result, out), 0 },
	{ "err", FIELD_STR | FIELD_OPT, AT(event_result, err), 0 },
	{ "seconds", FIELD_NUM | FIELD_OPT, AT(event_result, seconds),
	  AT(event_result, has_seconds) },
	{ "via", FIELD_STR | FIELD_NULL | FIELD_OPT, AT(event_result, via), 0 },
	{ "command", FIELD_STR | FIELD_OPT, AT(event_result, command), 0 },
	{ NULL, 0, 0, 0 },
};

static int
decode_inject_result(struct event_decoder *d, const json_t *o,
    struct event *ev)
{
	struct event_inject_result *ir = &ev->u.inject_result;
	void *items;
	int rc;

	rc = read_entries(d, o, "results", "", result_fields,
	    sizeof(*ir->results), &items, &ir->n_results);
	ir->results = items;
	return rc;
}

int
event_decode_results(const json_t *list, struct event_inject_result *ir,
    char **error)
{
	struct event_decoder d = { .type = "inject_result", .error = error };
	void *items;
	json_t *o;
	int rc;

	if (!json_is_array(list))
		return bad(&d, "'results' must be a list");
	o = json_pack("{s:O}", "results", list);
	rc = read_entries(&d, o, "results", "", result_fields,
	    sizeof(*ir->results), &items, &ir->n_results);
	ir->results = items;
	json_decref(o);
	return rc;
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
	{ .key = "n", .kind = FIELD_INT, .at = AT(event_round, n) },
	{ .key = "at", .kind = FIELD_NUM, .at = AT(event_round, at) },
	{ .key = "late", .kind = FIELD_NUM | FIELD_OPT,
	  .at = AT(event_round, late), .has = AT(event_round, has_late) },
	{ .key = "simulated", .kind = FIELD_BOOL | FIELD_OPT,
	  .at = AT(event_round, simulated) },
	{ .key = "checks", .kind = FIELD_LIST },
	{ .key = "compromises", .kind = FIELD_LIST },
	{ .key = NULL },
};
static const struct event_field check_fields[] = {
	{ "team", FIELD_STR, AT(event_check, team), 0 },
	{ "host", FIELD_STR, AT(event_check, host), 0 },
	{ "service", FIELD_STR, AT(event_check, service), 0 },
	{ "kind", FIELD_STR | FIELD_OPT, AT(event_check, kind), 0 },
	{ "up", FIELD_BOOL, AT(event_check, up), 0 },
	{ "points", FIELD_INT, AT(event_check, points), 0 },
	{ "reason", FIELD_STR | FIELD_NULL | FIELD_OPT, AT(event_check, reason),
	  0 },
	{ NULL, 0, 0, 0 },
};
static const struct event_field compromise_fields[] = {
	{ "team", FIELD_STR, AT(event_compromise, team), 0 },
	{ "host", FIELD_STR, AT(event_compromise, host), 0 },
	{ "inject", FIELD_STR, AT(event_compromise, inject), 0 },
	{ "kind", FIELD_STR | FIELD_OPT, AT(event_compromise, kind), 0 },
	{ "active", FIELD_BOOL, AT(event_compromise, active), 0 },
	{ "penalty", FIELD_INT, AT(event_compromise, penalty), 0 },
	{ "reason", FIELD_STR | FIELD_NULL | FIELD_OPT,
	  AT(event_compromise, reason), 0 },
	{ NULL, 0, 0, 0 },
};

static int
decode_round(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_round *r = &ev->u.round;
	void *items;
	int rc;

	rc = read_entries(d, o, "checks", "", check_fields, sizeof(*r->checks),
	    &items, &r->n_checks);
	r->checks = items;
	if (rc < 0)
		return -1;
	rc = read_entries(d, o, "compromises", "", compromise_fields,
	    sizeof(*r->compromises), &items, &r->n_compromises);
	r->compromises = items;
	return rc;
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
	if (r->simulated)
		set(o, "simulated", json_true());
	return o;
}

/* ---- link -------------------------------------------------------------- */

static const struct event_field link_fields[] = {
	{ .key = "host", .kind = FIELD_STR, .at = AT(event_link, host) },
	{ .key = "network", .kind = FIELD_STR, .at = AT(event_link, network) },
	{ .key = "up", .kind = FIELD_BOOL, .at = AT(event_link, up) },
	{ .key = "inject", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_link, inject) },
	{ .key = "ok", .kind = FIELD_BOOL | FIELD_OPT,
	  .at = AT(event_link, ok), .has = AT(event_link, has_ok) },
	{ .key = "error", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_link, error) },
	{ .key = NULL },
};

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
	{ .key = "inject", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_message, inject) },
	{ .key = "to", .kind = FIELD_STRS },
	{ .key = "text", .kind = FIELD_STR, .at = AT(event_message, text) },
	{ .key = "by", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_message, by) },
	{ .key = "people", .kind = FIELD_STRS | FIELD_OPT },
	{ .key = "from", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_message, from) },
	{ .key = NULL },
};

static int
decode_message(struct event_decoder *d, const json_t *o, struct event *ev)
{
	/* The other fields are stored by the table. */
	(void)d;
	ev->u.message.to = strings(o, "to", &ev->u.message.n_to);
	ev->u.message.people = strings(o, "people", &ev->u.message.n_people);
	return 0;
}

static json_t *
encode_message(const struct event *ev)
{
	const struct event_message *m = &ev->u.message;

	json_t *o = json_pack("{s:o, s:o, s:s, s:o}", "inject",
	    jstr(m->inject), "to", event_strings_json(m->to, m->n_to), "text",
	    m->text, "by", jstr(m->by));

	/* Only when given: a message to teams is written as before. */
	if (m->n_people > 0)
		set(o, "people", event_strings_json(m->people, m->n_people));
	if (m->from != NULL)
		set(o, "from", json_string(m->from));
	return o;
}

/* ---- report ------------------------------------------------------------ */

static const struct event_field report_fields[] = {
	{ .key = "id", .kind = FIELD_STR, .at = AT(event_report, id) },
	{ .key = "team", .kind = FIELD_STR, .at = AT(event_report, team) },
	{ .key = "author", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_report, author) },
	{ .key = "title", .kind = FIELD_STR, .at = AT(event_report, title) },
	{ .key = "body", .kind = FIELD_STR | FIELD_OPT,
	  .at = AT(event_report, body) },
	{ .key = "inject", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_report, inject) },
	{ .key = "technique", .kind = FIELD_STR | FIELD_OPT,
	  .at = AT(event_report, technique) },
	{ .key = "indicators", .kind = FIELD_LIST | FIELD_OPT },
	{ .key = NULL },
};

/* Its indicators (format 5), each of a type the truth knows. */
static int
decode_report(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_report *r = &ev->u.report;
	void *items;
	size_t i;

	if (read_entries(d, o, "indicators", "", indicator_fields,
	    sizeof(*r->indicators), &items, &r->n_indicators) < 0)
		return -1;
	r->indicators = items;
	for (i = 0; i < r->n_indicators; i++)
		if (!indicator_type_known(r->indicators[i].type))
			return bad(d, "'indicators[%zu].type' must be an indicator "
			    "type (ipv4, url, sha256...), not '%s'", i,
			    r->indicators[i].type);
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
	/* Only when given: reports without them read as before format 5. */
	if (r->technique != NULL)
		set(o, "technique", json_string(r->technique));
	if (r->n_indicators > 0)
		set(o, "indicators", indicators_json(r->indicators,
		    r->n_indicators));
	return o;
}

/* ---- grade and adjustment ---------------------------------------------- */

static const struct event_field grade_fields[] = {
	{ .key = "report", .kind = FIELD_STR, .at = AT(event_grade, report) },
	{ .key = "team", .kind = FIELD_STR, .at = AT(event_grade, team) },
	{ .key = "points", .kind = FIELD_INT, .at = AT(event_grade, points) },
	{ .key = "comment", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_grade, comment) },
	{ .key = "by", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_grade, by) },
	{ .key = "regrade", .kind = FIELD_BOOL | FIELD_OPT,
	  .at = AT(event_grade, regrade) },
	{ .key = "reason", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_grade, reason) },
	{ .key = NULL },
};
static const struct event_field adjustment_fields[] = {
	{ .key = "team", .kind = FIELD_STR, .at = AT(event_adjustment, team) },
	{ .key = "points", .kind = FIELD_INT,
	  .at = AT(event_adjustment, points) },
	{ .key = "reason", .kind = FIELD_STR,
	  .at = AT(event_adjustment, reason) },
	{ .key = "by", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_adjustment, by) },
	{ .key = NULL },
};

static json_t *
encode_grade(const struct event *ev)
{
	const struct event_grade *g = &ev->u.grade;
	json_t *o = json_pack("{s:s, s:s, s:I, s:o, s:o}", "report", g->report,
	    "team", g->team, "points", (json_int_t)g->points, "comment",
	    jstr(g->comment), "by", jstr(g->by));

	/* A first grade is written as before format 3. */
	if (g->regrade) {
		set(o, "regrade", json_true());
		set(o, "reason", jstr(g->reason));
	}
	return o;
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
	{ .key = "name", .kind = FIELD_STR, .at = AT(event_host, name) },
	{ .key = "team", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_host, team) },
	{ .key = "state", .kind = FIELD_STR, .at = AT(event_host, state) },
	{ .key = "reason", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_host, reason) },
	{ .key = NULL },
};
static const struct event_field revert_fields[] = {
	{ .key = "host", .kind = FIELD_STR, .at = AT(event_revert, host) },
	{ .key = "by", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_revert, by) },
	{ .key = "ok", .kind = FIELD_BOOL | FIELD_OPT,
	  .at = AT(event_revert, ok), .has = AT(event_revert, has_ok) },
	{ .key = "error", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_revert, error) },
	{ .key = NULL },
};

static json_t *
encode_host(const struct event *ev)
{
	const struct event_host *h = &ev->u.host;

	return json_pack("{s:s, s:o, s:s, s:o}", "name", h->name, "team",
	    jstr(h->team), "state", h->state, "reason", jstr(h->reason));
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

/* ---- change ------------------------------------------------------------ */

static const struct event_field change_fields[] = {
	{ .key = "what", .kind = FIELD_STRS },
	{ .key = "duration", .kind = FIELD_INT },
	{ .key = "interval", .kind = FIELD_INT },
	{ .key = "timeout", .kind = FIELD_INT },
	{ .key = "sla_after", .kind = FIELD_INT },
	{ .key = "sla_penalty", .kind = FIELD_INT },
	{ .key = "detection", .kind = FIELD_OBJ | FIELD_OPT },
	{ .key = "injects", .kind = FIELD_LIST },
	{ .key = "outage_attack", .kind = FIELD_INT | FIELD_OPT },
	{ .key = "outage_self", .kind = FIELD_INT | FIELD_OPT },
	{ .key = NULL },
};

/* Its MSEL is read as the exercise event's. */
static int
decode_change(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_change *c = &ev->u.change;
	struct event_exercise x = { 0 };
	int rc;

	c->what = strings(o, "what", &c->n_what);
	c->duration = (long)integer(o, "duration");
	c->interval = (long)integer(o, "interval");
	c->timeout = (long)integer(o, "timeout");
	c->sla_after = (long)integer(o, "sla_after");
	c->sla_penalty = integer(o, "sla_penalty");
	if (decode_outage(d, o, &c->has_outage, &c->outage_attack,
	    &c->outage_self) < 0 ||
	    decode_detection(d, o, &c->has_detection, &c->detection) < 0)
		return -1;
	rc = decode_msel(d, o, &x);
	c->injects = x.injects;
	c->n_injects = x.n_injects;
	return rc;
}

static json_t *
msel_list_json(const struct event_msel *injects, size_t n)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(list, msel_json(&injects[i]));
	return list;
}

static json_t *
encode_change(const struct event *ev)
{
	const struct event_change *c = &ev->u.change;
	json_t *o = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:o}", "what",
	    event_strings_json(c->what, c->n_what), "duration",
	    (json_int_t)c->duration, "interval", (json_int_t)c->interval,
	    "timeout", (json_int_t)c->timeout, "sla_after",
	    (json_int_t)c->sla_after, "sla_penalty", (json_int_t)c->sla_penalty,
	    "injects", msel_list_json(c->injects, c->n_injects));
	encode_outage(o, c->has_outage, c->outage_attack, c->outage_self);

	if (c->has_detection)
		set(o, "detection", detect_rules_to_json(&c->detection));
	return o;
}

/* ---- flag and capture -------------------------------------------------- */

static const struct event_field flag_fields[] = {
	{ .key = "flag", .kind = FIELD_STR, .at = AT(event_flag, flag) },
	{ .key = "host", .kind = FIELD_STR, .at = AT(event_flag, host) },
	{ .key = "team", .kind = FIELD_STR, .at = AT(event_flag, team) },
	{ .key = "value", .kind = FIELD_STR, .at = AT(event_flag, value) },
	{ .key = "rotation", .kind = FIELD_INT,
	  .at = AT(event_flag, rotation) },
	{ .key = "planted", .kind = FIELD_BOOL, .at = AT(event_flag, planted) },
	{ .key = "error", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_flag, error) },
	{ .key = "replant", .kind = FIELD_BOOL | FIELD_OPT,
	  .at = AT(event_flag, replant) },
	{ .key = NULL },
};
static const struct event_field capture_fields[] = {
	{ .key = "flag", .kind = FIELD_STR, .at = AT(event_capture, flag) },
	{ .key = "host", .kind = FIELD_STR, .at = AT(event_capture, host) },
	{ .key = "owner", .kind = FIELD_STR, .at = AT(event_capture, owner) },
	{ .key = "team", .kind = FIELD_STR, .at = AT(event_capture, team) },
	{ .key = "rotation", .kind = FIELD_INT,
	  .at = AT(event_capture, rotation) },
	{ .key = "points", .kind = FIELD_INT, .at = AT(event_capture, points) },
	{ .key = "penalty", .kind = FIELD_INT,
	  .at = AT(event_capture, penalty) },
	{ .key = "by", .kind = FIELD_STR | FIELD_NULL | FIELD_OPT,
	  .at = AT(event_capture, by) },
	{ .key = NULL },
};

static json_t *
encode_flag(const struct event *ev)
{
	const struct event_flag *f = &ev->u.flag;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:b, s:o}", "flag",
	    f->flag, "host", f->host, "team", f->team, "value", f->value,
	    "rotation", (json_int_t)f->rotation, "planted", f->planted, "error",
	    jstr(f->error));

	/* Only when true, so that other flag events read as they were. */
	if (f->replant)
		set(o, "replant", json_true());
	return o;
}

static json_t *
encode_capture(const struct event *ev)
{
	const struct event_capture *c = &ev->u.capture;

	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "flag",
	    c->flag, "host", c->host, "owner", c->owner, "team", c->team,
	    "rotation", (json_int_t)c->rotation, "points",
	    (json_int_t)c->points, "penalty", (json_int_t)c->penalty, "by",
	    jstr(c->by));
}

/* ---- login ------------------------------------------------------------- */

static const struct event_field login_fields[] = {
	{ .key = "name", .kind = FIELD_STR, .at = AT(event_login, name) },
	{ .key = "address", .kind = FIELD_STR | FIELD_NULL,
	  .at = AT(event_login, address) },
	{ .key = "result", .kind = FIELD_STR, .at = AT(event_login, result) },
	{ .key = "attempts", .kind = FIELD_INT | FIELD_OPT,
	  .at = AT(event_login, attempts), .has = AT(event_login, has_attempts) },
	{ .key = NULL },
};

static int
decode_login(struct event_decoder *d, const json_t *o, struct event *ev)
{
	const struct event_login *l = &ev->u.login;

	(void)o;
	if (strcmp(l->result, "ok") != 0 && strcmp(l->result, "refused") != 0 &&
	    strcmp(l->result, "throttled") != 0)
		return bad(d, "'result' must be ok, refused or throttled, not "
		    "'%s'", l->result);
	if (l->has_attempts && l->attempts < 1)
		return bad(d, "'attempts' must be 1 or more, not %lld",
		    l->attempts);
	return 0;
}

static json_t *
encode_login(const struct event *ev)
{
	const struct event_login *l = &ev->u.login;
	json_t *o = json_pack("{s:s, s:o, s:s}", "name", l->name, "address",
	    jstr(l->address), "result", l->result);

	if (l->has_attempts)
		set(o, "attempts", json_integer(l->attempts));
	return o;
}

/* ---- intel ------------------------------------------------------------- */

static const struct event_field intel_fields[] = {
	{ .key = "id", .kind = FIELD_STR, .at = AT(event_intel, id) },
	{ .key = "team", .kind = FIELD_STR, .at = AT(event_intel, team) },
	{ .key = "by", .kind = FIELD_STR | FIELD_NULL,
	  .at = AT(event_intel, by) },
	{ .key = "tlp", .kind = FIELD_STR, .at = AT(event_intel, tlp) },
	{ .key = "technique", .kind = FIELD_STR | FIELD_NULL,
	  .at = AT(event_intel, technique) },
	{ .key = "indicators", .kind = FIELD_LIST },
	{ .key = "text", .kind = FIELD_STR | FIELD_NULL,
	  .at = AT(event_intel, text) },
	{ .key = "seen", .kind = FIELD_NUM, .at = AT(event_intel, seen) },
	{ .key = "to", .kind = FIELD_STRS },
	{ .key = NULL },
};

static int
decode_intel(struct event_decoder *d, const json_t *o, struct event *ev)
{
	static const char *const tlps[] = { "TLP:RED", "TLP:AMBER+STRICT",
	    "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR" };
	struct event_intel *x = &ev->u.intel;
	void *items;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(tlps); i++)
		if (strcmp(x->tlp, tlps[i]) == 0)
			break;
	if (i == ARRAY_SIZE(tlps))
		return bad(d, "'tlp' must be TLP:RED, TLP:AMBER+STRICT, TLP:AMBER, "
		    "TLP:GREEN or TLP:CLEAR, not '%s'", x->tlp);
	x->to = strings(o, "to", &x->n_to);
	rc = read_entries(d, o, "indicators", "", indicator_fields,
	    sizeof(*x->indicators), &items, &x->n_indicators);
	x->indicators = items;
	for (i = 0; rc == 0 && i < x->n_indicators; i++)
		if (!indicator_type_known(x->indicators[i].type))
			return bad(d, "'indicators[%zu].type' must be an indicator "
			    "type (ipv4, url, sha256...), not '%s'", i,
			    x->indicators[i].type);
	return rc;
}

static json_t *
encode_intel(const struct event *ev)
{
	const struct event_intel *x = &ev->u.intel;
	json_t *list = indicators_json(x->indicators, x->n_indicators);

	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:f, s:o}", "id",
	    x->id, "team", x->team, "by", jstr(x->by), "tlp", x->tlp,
	    "technique", jstr(x->technique), "indicators", list, "text",
	    jstr(x->text), "seen", x->seen, "to", event_strings_json(x->to,
	    x->n_to));
}

/* ---- range ------------------------------------------------------------- */

static const struct event_field range_fields[] = {
	{ .key = "teams", .kind = FIELD_LIST },
	{ .key = "differ", .kind = FIELD_STRS },
	{ .key = NULL },
};
static const struct event_field range_team_fields[] = {
	{ "team", FIELD_STR, AT(event_range_team, team), 0 },
	{ "digest", FIELD_STR, AT(event_range_team, digest), 0 },
	{ "networks", FIELD_STR, AT(event_range_team, networks), 0 },
	{ "hosts", FIELD_STR, AT(event_range_team, hosts), 0 },
	{ "checks", FIELD_STR, AT(event_range_team, checks), 0 },
	{ "injects", FIELD_STR, AT(event_range_team, injects), 0 },
	{ "images", FIELD_STR, AT(event_range_team, images), 0 },
	{ "live", FIELD_STR | FIELD_NULL, AT(event_range_team, live), 0 },
	{ NULL, 0, 0, 0 },
};

static int
decode_range(struct event_decoder *d, const json_t *o, struct event *ev)
{
	struct event_range *r = &ev->u.range;
	void *items;
	int rc;

	r->differ = strings(o, "differ", &r->n_differ);
	rc = read_entries(d, o, "teams", "", range_team_fields,
	    sizeof(*r->teams), &items, &r->n_teams);
	r->teams = items;
	return rc;
}

static json_t *
encode_range(const struct event *ev)
{
	const struct event_range *r = &ev->u.range;
	const struct event_range_team *t;
	json_t *teams = json_array();
	size_t i;

	for (i = 0; i < r->n_teams; i++) {
		t = &r->teams[i];
		json_array_append_new(teams, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s, s:s, s:s, s:o}", "team", t->team, "digest", t->digest,
		    "networks", t->networks, "hosts", t->hosts, "checks",
		    t->checks, "injects", t->injects, "images", t->images, "live",
		    jstr(t->live)));
	}
	return json_pack("{s:o, s:o}", "teams", teams, "differ",
	    event_strings_json(r->differ, r->n_differ));
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
	    NULL, encode_link },
	[EVENT_MESSAGE] = { "message", message_fields, EVENT_ADDRESSED,
	    "message", false, decode_message, encode_message },
	[EVENT_REPORT] = { "report", report_fields, EVENT_TEAM, "report", false,
	    decode_report, encode_report },
	[EVENT_GRADE] = { "grade", grade_fields, EVENT_TEAM, "report", true,
	    NULL, encode_grade },
	[EVENT_ADJUSTMENT] = { "adjustment", adjustment_fields, EVENT_EVERYONE,
	    NULL, true, NULL, encode_adjustment },
	[EVENT_HOST] = { "host", host_fields, EVENT_TEAM, "host", false,
	    NULL, encode_host },
	[EVENT_REVERT] = { "revert", revert_fields, EVENT_NOBODY, NULL, false,
	    NULL, encode_revert },
	[EVENT_CHANGE] = { "change", change_fields, EVENT_NOBODY, NULL, false,
	    decode_change, encode_change },
	/* A flag's value is a secret: no one sees the event as it happens. */
	[EVENT_FLAG] = { "flag", flag_fields, EVENT_NOBODY, NULL, false,
	    NULL, encode_flag },
	[EVENT_CAPTURE] = { "capture", capture_fields, EVENT_STAFF, "capture",
	    true, NULL, encode_capture },
	[EVENT_LOGIN] = { "login", login_fields, EVENT_STAFF, NULL, false,
	    decode_login, encode_login },
	/* To the teams in its "to", decided once when it was recorded. */
	[EVENT_INTEL] = { "intel", intel_fields, EVENT_ADDRESSED, "intel",
	    false, decode_intel, encode_intel },
	/* Every player may see every team's digests: that is their point. */
	[EVENT_RANGE] = { "range", range_fields, EVENT_EVERYONE, "range",
	    false, decode_range, encode_range },
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
		"boolean", "list", "list of strings", "object" };
	static const char *const or_null[] = { "", "string or null",
		"integer or null", "number or null", "boolean or null",
		"list or null", "list of strings or null", "object or null" };
	int k = kind & FIELD_KIND;

	if (k < 1 || k > FIELD_OBJ)
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
	ev->seq = d.line;
	ev->has_t = true;
	ev->t = num(o, "t");
	ev->wall = num(o, "wall");
	/* The union's members all begin where it does. */
	if (check(&d, o, event_table[ev->type].fields, "", (char *)&ev->u) < 0 ||
	    (event_table[ev->type].decode != NULL &&
	    event_table[ev->type].decode(&d, o, ev) < 0)) {
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
		msel_free(ev->u.exercise.injects, ev->u.exercise.n_injects);
		for (i = 0; i < ev->u.exercise.n_hosts; i++)
			free(ev->u.exercise.hosts[i].services);
		free(ev->u.exercise.hosts);
		break;
	case EVENT_CHANGE:
		free(ev->u.change.what);
		msel_free(ev->u.change.injects, ev->u.change.n_injects);
		break;
	case EVENT_INJECT:
		free(ev->u.inject.targets);
		break;
	case EVENT_REPORT:
		free(ev->u.report.indicators);
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
		free(ev->u.message.people);
		break;
	case EVENT_INTEL:
		free(ev->u.intel.to);
		free(ev->u.intel.indicators);
		break;
	case EVENT_RANGE:
		free(ev->u.range.teams);
		free(ev->u.range.differ);
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

/*
 * Whether a message event names team, or user, among its recipients; an
 * intel event, team among its to.
 */
static bool
addressed_to(const struct event *ev, const char *team, const char *user)
{
	size_t i;

	if (ev->type == EVENT_INTEL) {
		for (i = 0; team != NULL && i < ev->u.intel.n_to; i++)
			if (strcmp(ev->u.intel.to[i], team) == 0)
				return true;
		return false;
	}
	if (ev->type != EVENT_MESSAGE)
		return false;
	for (i = 0; team != NULL && i < ev->u.message.n_to; i++)
		if (strcmp(ev->u.message.to[i], team) == 0)
			return true;
	for (i = 0; user != NULL && i < ev->u.message.n_people; i++)
		if (strcmp(ev->u.message.people[i], user) == 0)
			return true;
	return false;
}

bool
event_visible(const struct event *ev, bool staff, const char *team)
{
	return event_visible_to(ev, staff, team, NULL);
}

bool
event_visible_to(const struct event *ev, bool staff, const char *team,
    const char *user)
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
		return staff || addressed_to(ev, team, user);
	default:
		return false;
	}
}
