/*
 * report.c: the after-action report's model, replayed from the journal.
 * Pure: journal events in, data out (report_load only reads the file).
 */
#include "rangectl/report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rangectl/journal.h"
#include "rangectl/util.h"

/* What a field of an event must hold. */
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

struct field {
	const char *key;
	int kind;	/* enum field_kind | FIELD_NULL | FIELD_OPT */
};

static const char *const field_what[] = {
	"", "a string", "an integer", "a number", "true or false", "a list",
	"a list of strings",
};

/* One event being applied, for messages that name it. */
struct apply {
	struct report *r;
	const json_t *ev;
	unsigned long long seq;
	const char *type;
	char **error;
};

/* Fails the event with "event SEQ (TYPE): MESSAGE". Returns -1. */
static int __attribute__((format(printf, 2, 3)))
bad(struct apply *a, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	*a->error = xasprintf("event %llu (%s): %s", a->seq, a->type ?
	    a->type : "no type", msg);
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
check(struct apply *a, const json_t *o, const struct field *fields,
    const char *where)
{
	const char *dot = where[0] ? "." : "";
	size_t i;

	if (!json_is_object(o))
		return bad(a, "'%s' must be an object", where);
	for (i = 0; fields[i].key != NULL; i++)
		if (!field_ok(json_object_get(o, fields[i].key), fields[i].kind))
			return bad(a, "'%s%s%s' must be %s%s", where, dot,
			    fields[i].key, field_what[fields[i].kind & FIELD_KIND],
			    fields[i].kind & FIELD_NULL ? " or null" : "");
	return 0;
}

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

/* Exercise seconds to the millisecond: the journal's doubles carry noise. */
static double
ms(double seconds)
{
	return round(seconds * 1000.0) / 1000.0;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* A copy of a list of strings (checked as such), for the model. */
static char **
copy_strings(const json_t *list, size_t *n)
{
	char **items = xcalloc(json_array_size(list), sizeof(*items));
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		items[i] = xstrdup(json_string_value(json_array_get(list, i)));
	*n = json_array_size(list);
	return items;
}

static void
free_strings(char **items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/*
 * A new object of the event's t and the table's fields, in table order:
 * absent ones as null, times to the millisecond. The lists' entries.
 */
static json_t *
pick(const json_t *ev, const struct field *fields)
{
	json_t *o = json_pack("{s:f}", "t", ms(num(ev, "t")));
	size_t i;

	for (i = 0; fields[i].key != NULL; i++) {
		json_t *v = json_object_get(ev, fields[i].key);

		if (v == NULL)
			v = json_null();
		else if (json_is_real(v))
			v = json_real(ms(json_real_value(v)));
		else
			v = json_deep_copy(v);
		json_object_set_new(o, fields[i].key, v);
	}
	return o;
}

/* ---- the lists of the model -------------------------------------------- */

/* A new entry, zeroed, at the end of the list *itemsp of *n. */
static void *
list_push(void *itemsp, size_t *n, size_t *alloc, size_t size)
{
	char *item;

	xgrow(itemsp, alloc, *n + 1, size);
	item = (char *)*(void **)itemsp + *n * size;
	(*n)++;
	memset(item, 0, size);
	return item;
}

/* The following add an event, checked already, to its list. */
static void
add_clock(struct report_lists *l, const json_t *ev)
{
	struct report_clock *c = list_push(&l->clock, &l->n_clock,
	    &l->clock_alloc, sizeof(*c));
	const json_t *speed = json_object_get(ev, "speed");

	c->t = ms(num(ev, "t"));
	c->state = xstrdup(str(ev, "state"));
	if (json_is_integer(speed)) {
		c->speed_kind = REPORT_SPEED_INTEGER;
		c->speed_integer = json_integer_value(speed);
	} else if (json_is_real(speed)) {
		c->speed_kind = REPORT_SPEED_REAL;
		c->speed = ms(json_real_value(speed));
	}
	c->reason = dup_or_null(str(ev, "reason"));
	c->by = dup_or_null(str(ev, "by"));
}

/* An active compromise c of round ev. */
static void
add_penalty(struct report_lists *l, const json_t *ev, const json_t *c)
{
	struct report_penalty *p = list_push(&l->penalties, &l->n_penalties,
	    &l->penalties_alloc, sizeof(*p));

	p->round = json_integer_value(json_object_get(ev, "n"));
	p->at = ms(num(ev, "at"));
	p->team = xstrdup(str(c, "team"));
	p->host = xstrdup(str(c, "host"));
	p->inject = xstrdup(str(c, "inject"));
	p->penalty = json_integer_value(json_object_get(c, "penalty"));
	p->reason = dup_or_null(str(c, "reason"));
}

static void
add_incident(struct report_lists *l, const json_t *ev)
{
	struct report_incident *x = list_push(&l->reports, &l->n_reports,
	    &l->reports_alloc, sizeof(*x));

	x->t = ms(num(ev, "t"));
	x->id = xstrdup(str(ev, "id"));
	x->team = xstrdup(str(ev, "team"));
	x->author = dup_or_null(str(ev, "author"));
	x->title = xstrdup(str(ev, "title"));
	x->body = dup_or_null(str(ev, "body"));
	x->inject = dup_or_null(str(ev, "inject"));
}

static void
add_grade(struct report_lists *l, const json_t *ev)
{
	struct report_grade *g = list_push(&l->grades, &l->n_grades,
	    &l->grades_alloc, sizeof(*g));

	g->t = ms(num(ev, "t"));
	g->report = xstrdup(str(ev, "report"));
	g->team = xstrdup(str(ev, "team"));
	g->points = json_integer_value(json_object_get(ev, "points"));
	g->comment = dup_or_null(str(ev, "comment"));
	g->by = dup_or_null(str(ev, "by"));
}

static void
add_adjustment(struct report_lists *l, const json_t *ev)
{
	struct report_adjustment *j = list_push(&l->adjustments,
	    &l->n_adjustments, &l->adjustments_alloc, sizeof(*j));

	j->t = ms(num(ev, "t"));
	j->team = xstrdup(str(ev, "team"));
	j->points = json_integer_value(json_object_get(ev, "points"));
	j->reason = xstrdup(str(ev, "reason"));
	j->by = dup_or_null(str(ev, "by"));
}

static void
add_message(struct report_lists *l, const json_t *ev)
{
	struct report_message *m = list_push(&l->messages, &l->n_messages,
	    &l->messages_alloc, sizeof(*m));

	m->t = ms(num(ev, "t"));
	m->inject = dup_or_null(str(ev, "inject"));
	m->to = copy_strings(json_object_get(ev, "to"), &m->n_to);
	m->text = xstrdup(str(ev, "text"));
	m->by = dup_or_null(str(ev, "by"));
}

static void
add_host(struct report_lists *l, const json_t *ev)
{
	struct report_host *h = list_push(&l->hosts, &l->n_hosts,
	    &l->hosts_alloc, sizeof(*h));

	h->t = ms(num(ev, "t"));
	h->name = xstrdup(str(ev, "name"));
	h->team = dup_or_null(str(ev, "team"));
	h->state = xstrdup(str(ev, "state"));
	h->reason = dup_or_null(str(ev, "reason"));
}

static void
add_link(struct report_lists *l, const json_t *ev)
{
	struct report_link *k = list_push(&l->links, &l->n_links,
	    &l->links_alloc, sizeof(*k));
	const json_t *ok = json_object_get(ev, "ok");

	k->t = ms(num(ev, "t"));
	k->host = xstrdup(str(ev, "host"));
	k->network = xstrdup(str(ev, "network"));
	k->up = json_is_true(json_object_get(ev, "up"));
	k->inject = dup_or_null(str(ev, "inject"));
	k->has_ok = json_is_boolean(ok);
	k->ok = json_is_true(ok);
	k->error = dup_or_null(str(ev, "error"));
}

/* Frees every entry of every list; l is then empty. */
static void
lists_clear(struct report_lists *l)
{
	size_t i;

	for (i = 0; i < l->n_clock; i++) {
		free(l->clock[i].state);
		free(l->clock[i].reason);
		free(l->clock[i].by);
	}
	for (i = 0; i < l->n_penalties; i++) {
		free(l->penalties[i].team);
		free(l->penalties[i].host);
		free(l->penalties[i].inject);
		free(l->penalties[i].reason);
	}
	for (i = 0; i < l->n_reports; i++) {
		free(l->reports[i].id);
		free(l->reports[i].team);
		free(l->reports[i].author);
		free(l->reports[i].title);
		free(l->reports[i].body);
		free(l->reports[i].inject);
	}
	for (i = 0; i < l->n_grades; i++) {
		free(l->grades[i].report);
		free(l->grades[i].team);
		free(l->grades[i].comment);
		free(l->grades[i].by);
	}
	for (i = 0; i < l->n_adjustments; i++) {
		free(l->adjustments[i].team);
		free(l->adjustments[i].reason);
		free(l->adjustments[i].by);
	}
	for (i = 0; i < l->n_messages; i++) {
		free(l->messages[i].inject);
		free_strings(l->messages[i].to, l->messages[i].n_to);
		free(l->messages[i].text);
		free(l->messages[i].by);
	}
	for (i = 0; i < l->n_hosts; i++) {
		free(l->hosts[i].name);
		free(l->hosts[i].team);
		free(l->hosts[i].state);
		free(l->hosts[i].reason);
	}
	for (i = 0; i < l->n_links; i++) {
		free(l->links[i].host);
		free(l->links[i].network);
		free(l->links[i].inject);
		free(l->links[i].error);
	}
	free(l->clock);
	free(l->penalties);
	free(l->reports);
	free(l->grades);
	free(l->adjustments);
	free(l->messages);
	free(l->hosts);
	free(l->links);
	memset(l, 0, sizeof(*l));
}

void
report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->state = "pending";
	r->reports = json_array();
	r->grades = json_array();
	r->messages = json_array();
}

static void
firing_clear(struct report_firing *f)
{
	size_t i;

	for (i = 0; i < f->n_results; i++) {
		free(f->results[i].host);
		free(f->results[i].error);
		free(f->results[i].out);
		free(f->results[i].err);
	}
	free(f->results);
	free(f->by);
	free_strings(f->targets, f->n_targets);
}

static void
inject_clear(struct report_inject *inj)
{
	size_t i;

	for (i = 0; i < inj->n_firings; i++)
		firing_clear(&inj->firings[i]);
	free(inj->firings);
	free(inj->id);
	free(inj->title);
	free(inj->action);
	free_strings(inj->targets, inj->n_targets);
	free_strings(inj->to, inj->n_to);
}

void
report_clear(struct report *r)
{
	size_t i;

	if (r == NULL)
		return;
	score_ledger_clear(&r->ledger);
	for (i = 0; i < r->sc.n_teams; i++) {
		free(r->sc.teams[i].id);
		free(r->sc.teams[i].name);
	}
	free(r->sc.teams);
	for (i = 0; i < r->n_injects; i++)
		inject_clear(&r->injects[i]);
	free(r->injects);
	free(r->name);
	free(r->title);
	lists_clear(&r->lists);
	json_decref(r->reports);
	json_decref(r->grades);
	json_decref(r->messages);
	memset(r, 0, sizeof(*r));
	r->state = "pending";
}

const struct score_team *
report_team(const struct report *r, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < r->ledger.n_teams; i++)
		if (strcmp(r->ledger.teams[i].team->id, id) == 0)
			return &r->ledger.teams[i];
	return NULL;
}

/* The index of the inject of that id, or r->n_injects if none. */
static size_t
inject_index(const struct report *r, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < r->n_injects; i++)
		if (strcmp(r->injects[i].id, id) == 0)
			return i;
	return r->n_injects;
}

const struct report_inject *
report_inject(const struct report *r, const char *id)
{
	size_t i = inject_index(r, id);

	return i < r->n_injects ? &r->injects[i] : NULL;
}

/* The firing n of inject id, NULL if none. */
static struct report_firing *
find_firing(struct report *r, const char *id, long n)
{
	size_t i = inject_index(r, id), j;

	for (j = 0; i < r->n_injects && j < r->injects[i].n_firings; j++)
		if (r->injects[i].firings[j].n == n)
			return &r->injects[i].firings[j];
	return NULL;
}

/* The team named by o's field, or an error naming where it was. */
static int
known_team(struct apply *a, const json_t *o, const char *key,
    const char *where)
{
	const char *id = str(o, key);

	if (report_team(a->r, id) != NULL)
		return 0;
	return bad(a, "'%s%s%s' names team '%s', which the exercise event "
	    "does not list", where, where[0] ? "." : "", key, id);
}

/* ---- the exercise event ------------------------------------------------ */

static const struct field exercise_fields[] = {
	{ "name", FIELD_STR }, { "title", FIELD_STR | FIELD_NULL },
	{ "duration", FIELD_INT }, { "interval", FIELD_INT },
	{ "timeout", FIELD_INT }, { "teams", FIELD_LIST },
	{ "injects", FIELD_LIST }, { "hosts", FIELD_LIST }, { NULL, 0 },
};
static const struct field team_fields[] = {
	{ "id", FIELD_STR }, { "name", FIELD_STR | FIELD_NULL },
	{ "role", FIELD_STR }, { NULL, 0 },
};
static const struct field msel_fields[] = {
	{ "id", FIELD_STR }, { "title", FIELD_STR | FIELD_NULL },
	{ "at", FIELD_INT | FIELD_NULL }, { "action", FIELD_STR },
	{ "targets", FIELD_STRS }, { "to", FIELD_STRS | FIELD_OPT },
	{ NULL, 0 },
};
static const struct field host_fields[] = {
	{ "name", FIELD_STR }, { "team", FIELD_STR | FIELD_NULL },
	{ "services", FIELD_LIST }, { NULL, 0 },
};

/* One team of the exercise event, into sc.teams[i]. */
static int
add_team(struct apply *a, const json_t *t, size_t i)
{
	struct scenario_team *team = &a->r->sc.teams[i];
	char where[32];
	size_t j;

	snprintf(where, sizeof(where), "teams[%zu]", i);
	if (check(a, t, team_fields, where) < 0)
		return -1;
	for (j = 0; j < i; j++)
		if (strcmp(a->r->sc.teams[j].id, str(t, "id")) == 0)
			return bad(a, "team '%s' is listed twice", str(t, "id"));
	team->role = role_parse(str(t, "role"));
	if (team->role == ROLE_NONE)
		return bad(a, "'%s.role' must be red, blue or white, not '%s'",
		    where, str(t, "role"));
	team->id = xstrdup(str(t, "id"));
	team->name = dup_or_null(str(t, "name"));
	team->index = i + 1;
	a->r->sc.n_teams = i + 1;
	return 0;
}

static struct report_inject *
new_inject(struct report *r, const char *id)
{
	struct report_inject *inj;

	xgrow(&r->injects, &r->injects_alloc, r->n_injects + 1,
	    sizeof(*r->injects));
	inj = &r->injects[r->n_injects++];
	memset(inj, 0, sizeof(*inj));
	inj->id = xstrdup(id);
	return inj;
}

/* One inject of the exercise event's MSEL. */
static int
add_msel_inject(struct apply *a, const json_t *m, size_t i)
{
	const json_t *at = json_object_get(m, "at");
	struct report_inject *inj;
	char where[32];

	snprintf(where, sizeof(where), "injects[%zu]", i);
	if (check(a, m, msel_fields, where) < 0)
		return -1;
	if (report_inject(a->r, str(m, "id")) != NULL)
		return bad(a, "inject '%s' is listed twice", str(m, "id"));
	inj = new_inject(a->r, str(m, "id"));
	inj->title = dup_or_null(str(m, "title"));
	inj->action = xstrdup(str(m, "action"));
	inj->manual = json_is_null(at);
	inj->at = inj->manual ? -1 : (long)json_integer_value(at);
	inj->listed = true;
	inj->targets = copy_strings(json_object_get(m, "targets"),
	    &inj->n_targets);
	inj->to = copy_strings(json_object_get(m, "to"), &inj->n_to);
	return 0;
}

/* The exercise event's teams (and so the ledger), MSEL and hosts. */
static int
add_lists(struct apply *a)
{
	struct report *r = a->r;
	const json_t *teams = json_object_get(a->ev, "teams");
	const json_t *msel = json_object_get(a->ev, "injects");
	const json_t *hosts = json_object_get(a->ev, "hosts");
	char where[32];
	size_t i;

	r->sc.teams = xcalloc(json_array_size(teams), sizeof(*r->sc.teams));
	for (i = 0; i < json_array_size(teams); i++)
		if (add_team(a, json_array_get(teams, i), i) < 0)
			return -1;
	score_ledger_init(&r->ledger, &r->sc);
	for (i = 0; i < json_array_size(msel); i++)
		if (add_msel_inject(a, json_array_get(msel, i), i) < 0)
			return -1;
	for (i = 0; i < json_array_size(hosts); i++) {
		snprintf(where, sizeof(where), "hosts[%zu]", i);
		if (check(a, json_array_get(hosts, i), host_fields, where) < 0)
			return -1;
	}
	r->n_hosts = json_array_size(hosts);
	return 0;
}

static long
integer(const json_t *o, const char *key)
{
	return (long)json_integer_value(json_object_get(o, key));
}

static int
apply_exercise(struct apply *a)
{
	struct report *r = a->r;

	if (r->started)
		return bad(a, "a journal holds one exercise, and it began at "
		    "event 1");
	if (check(a, a->ev, exercise_fields, "") < 0)
		return -1;
	r->started = true;
	r->name = xstrdup(str(a->ev, "name"));
	r->title = dup_or_null(str(a->ev, "title"));
	r->duration = integer(a->ev, "duration");
	r->interval = integer(a->ev, "interval");
	r->timeout = integer(a->ev, "timeout");
	return add_lists(a);
}

/* ---- the clock --------------------------------------------------------- */

static const struct field clock_fields[] = {
	{ "state", FIELD_STR }, { "speed", FIELD_NUM | FIELD_OPT },
	{ "reason", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "by", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};

static int
apply_clock(struct apply *a)
{
	static const char *const states[] = { "running", "paused", "ended" };
	const char *state;
	size_t i;

	if (check(a, a->ev, clock_fields, "") < 0)
		return -1;
	state = str(a->ev, "state");
	for (i = 0; i < ARRAY_SIZE(states); i++)
		if (strcmp(state, states[i]) == 0)
			break;
	if (i == ARRAY_SIZE(states))
		return bad(a, "'state' must be running, paused or ended, not "
		    "'%s'", state);
	a->r->state = states[i];
	a->r->interrupted = i == 0;
	add_clock(&a->r->lists, a->ev);
	return 0;
}

/* ---- injects and their results ---------------------------------------- */

static const struct field inject_fields[] = {
	{ "id", FIELD_STR }, { "action", FIELD_STR }, { "firing", FIELD_INT },
	{ "scheduled", FIELD_NUM | FIELD_NULL }, { "actual", FIELD_NUM },
	{ "late", FIELD_NUM }, { "manual", FIELD_BOOL },
	{ "by", FIELD_STR | FIELD_NULL }, { "targets", FIELD_STRS },
	{ NULL, 0 },
};
static const struct field result_event_fields[] = {
	{ "id", FIELD_STR }, { "firing", FIELD_INT }, { "results", FIELD_LIST },
	{ "lost", FIELD_BOOL | FIELD_OPT }, { NULL, 0 },
};
static const struct field result_fields[] = {
	{ "host", FIELD_STR }, { "ok", FIELD_BOOL },
	{ "error", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "exit", FIELD_INT | FIELD_NULL | FIELD_OPT },
	{ "out", FIELD_STR | FIELD_OPT }, { "err", FIELD_STR | FIELD_OPT },
	{ "seconds", FIELD_NUM | FIELD_OPT }, { NULL, 0 },
};

/*
 * An inject the exercise event does not list: the scenario changed
 * between two runs of the same exercise. Known from its firing alone.
 */
static struct report_inject *
unlisted_inject(struct report *r, const json_t *ev)
{
	struct report_inject *inj = new_inject(r, str(ev, "id"));

	inj->action = xstrdup(str(ev, "action"));
	inj->manual = json_is_null(json_object_get(ev, "scheduled"));
	inj->at = inj->manual ? -1 : lround(num(ev, "scheduled"));
	inj->targets = copy_strings(json_object_get(ev, "targets"),
	    &inj->n_targets);
	inj->to = xcalloc(1, sizeof(*inj->to));
	return inj;
}

static int
apply_inject(struct apply *a)
{
	struct report_inject *inj;
	struct report_firing *f;
	size_t i;
	long n;

	if (check(a, a->ev, inject_fields, "") < 0)
		return -1;
	n = integer(a->ev, "firing");
	if (n < 1)
		return bad(a, "'firing' must be 1 or more, not %ld", n);
	f = find_firing(a->r, str(a->ev, "id"), n);
	if (f != NULL)
		return bad(a, "firing %ld of inject '%s' was journaled already, "
		    "by event %llu", n, str(a->ev, "id"), f->seq);
	i = inject_index(a->r, str(a->ev, "id"));
	inj = i < a->r->n_injects ? &a->r->injects[i] :
	    unlisted_inject(a->r, a->ev);
	xgrow(&inj->firings, &inj->firings_alloc, inj->n_firings + 1,
	    sizeof(*inj->firings));
	f = &inj->firings[inj->n_firings++];
	memset(f, 0, sizeof(*f));
	f->seq = a->seq;
	f->n = n;
	f->manual = json_is_true(json_object_get(a->ev, "manual"));
	f->scheduled = json_is_null(json_object_get(a->ev, "scheduled")) ? -1 :
	    ms(num(a->ev, "scheduled"));
	f->actual = ms(num(a->ev, "actual"));
	f->late = ms(num(a->ev, "late"));
	f->by = dup_or_null(str(a->ev, "by"));
	f->targets = copy_strings(json_object_get(a->ev, "targets"),
	    &f->n_targets);
	f->lost = true;	/* until its results come */
	return 0;
}

static void
set_result(struct report_result *res, const json_t *o)
{
	const json_t *code = json_object_get(o, "exit");

	res->host = xstrdup(str(o, "host"));
	res->ok = json_is_true(json_object_get(o, "ok"));
	res->error = dup_or_null(str(o, "error"));
	res->has_exit = json_is_integer(code);
	res->exit = json_integer_value(code);
	res->out = xstrdup(str(o, "out") ? str(o, "out") : "");
	res->err = xstrdup(str(o, "err") ? str(o, "err") : "");
	res->seconds = ms(num(o, "seconds"));
}

static int
apply_result(struct apply *a)
{
	const json_t *results = json_object_get(a->ev, "results");
	struct report_firing *f;
	char where[32];
	size_t i;
	long n;

	if (check(a, a->ev, result_event_fields, "") < 0)
		return -1;
	n = integer(a->ev, "firing");
	f = find_firing(a->r, str(a->ev, "id"), n);
	if (f == NULL)
		return bad(a, "no inject event before it fired inject '%s' "
		    "(firing %ld)", str(a->ev, "id"), n);
	if (f->answered)
		return bad(a, "firing %ld of inject '%s' has its results already",
		    n, str(a->ev, "id"));
	for (i = 0; i < json_array_size(results); i++) {
		snprintf(where, sizeof(where), "results[%zu]", i);
		if (check(a, json_array_get(results, i), result_fields, where) < 0)
			return -1;
	}
	f->results = xcalloc(json_array_size(results), sizeof(*f->results));
	for (i = 0; i < json_array_size(results); i++)
		set_result(&f->results[i], json_array_get(results, i));
	f->n_results = json_array_size(results);
	f->answered = true;
	f->lost = json_is_true(json_object_get(a->ev, "lost"));
	return 0;
}

/* ---- rounds, grades, adjustments: the ledger's events ------------------ */

static const struct field round_fields[] = {
	{ "n", FIELD_INT }, { "at", FIELD_NUM }, { "late", FIELD_NUM | FIELD_OPT },
	{ "checks", FIELD_LIST }, { "compromises", FIELD_LIST }, { NULL, 0 },
};
static const struct field check_fields[] = {
	{ "team", FIELD_STR }, { "host", FIELD_STR }, { "service", FIELD_STR },
	{ "kind", FIELD_STR | FIELD_OPT }, { "up", FIELD_BOOL },
	{ "points", FIELD_INT }, { "reason", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ NULL, 0 },
};
static const struct field compromise_fields[] = {
	{ "team", FIELD_STR }, { "host", FIELD_STR }, { "inject", FIELD_STR },
	{ "kind", FIELD_STR | FIELD_OPT }, { "active", FIELD_BOOL },
	{ "penalty", FIELD_INT },
	{ "reason", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};
static const struct field grade_fields[] = {
	{ "report", FIELD_STR }, { "team", FIELD_STR }, { "points", FIELD_INT },
	{ "comment", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "by", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};
static const struct field adjustment_fields[] = {
	{ "team", FIELD_STR }, { "points", FIELD_INT }, { "reason", FIELD_STR },
	{ "by", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};

/* Checks every entry of the round's list key against fields. */
static int
check_entries(struct apply *a, const char *key, const struct field *fields)
{
	const json_t *list = json_object_get(a->ev, key);
	char where[40];
	size_t i;

	for (i = 0; i < json_array_size(list); i++) {
		snprintf(where, sizeof(where), "%s[%zu]", key, i);
		if (check(a, json_array_get(list, i), fields, where) < 0 ||
		    known_team(a, json_array_get(list, i), "team", where) < 0)
			return -1;
	}
	return 0;
}

/* The ledger's own verdict, once the fields are known to be right. */
static int
score(struct apply *a)
{
	char *why = NULL;
	int rc = 0;

	if (score_apply(&a->r->ledger, a->ev, &why) < 0)
		rc = bad(a, "%s", why);
	free(why);
	return rc;
}

static void
add_penalties(struct report *r, const json_t *ev)
{
	const json_t *comps = json_object_get(ev, "compromises");
	size_t i;

	for (i = 0; i < json_array_size(comps); i++) {
		const json_t *c = json_array_get(comps, i);

		if (json_is_true(json_object_get(c, "active")))
			add_penalty(&r->lists, ev, c);
	}
}

static int
apply_round(struct apply *a)
{
	if (check(a, a->ev, round_fields, "") < 0 ||
	    check_entries(a, "checks", check_fields) < 0 ||
	    check_entries(a, "compromises", compromise_fields) < 0 ||
	    score(a) < 0)
		return -1;
	add_penalties(a->r, a->ev);
	return 0;
}

static int
apply_grade(struct apply *a)
{
	if (check(a, a->ev, grade_fields, "") < 0 ||
	    known_team(a, a->ev, "team", "") < 0 || score(a) < 0)
		return -1;
	json_array_append_new(a->r->grades, pick(a->ev, grade_fields));
	add_grade(&a->r->lists, a->ev);
	return 0;
}

static int
apply_adjustment(struct apply *a)
{
	if (check(a, a->ev, adjustment_fields, "") < 0 ||
	    known_team(a, a->ev, "team", "") < 0 || score(a) < 0)
		return -1;
	add_adjustment(&a->r->lists, a->ev);
	return 0;
}

/* ---- what is only listed ---------------------------------------------- */

static const struct field report_fields[] = {
	{ "id", FIELD_STR }, { "team", FIELD_STR },
	{ "author", FIELD_STR | FIELD_NULL | FIELD_OPT }, { "title", FIELD_STR },
	{ "body", FIELD_STR | FIELD_OPT },
	{ "inject", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};
static const struct field message_fields[] = {
	{ "inject", FIELD_STR | FIELD_NULL | FIELD_OPT }, { "to", FIELD_STRS },
	{ "text", FIELD_STR }, { "by", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ NULL, 0 },
};
static const struct field host_event_fields[] = {
	{ "name", FIELD_STR }, { "team", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "state", FIELD_STR }, { "reason", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ NULL, 0 },
};
static const struct field link_fields[] = {
	{ "host", FIELD_STR }, { "network", FIELD_STR }, { "up", FIELD_BOOL },
	{ "inject", FIELD_STR | FIELD_NULL | FIELD_OPT },
	{ "ok", FIELD_BOOL | FIELD_OPT },
	{ "error", FIELD_STR | FIELD_NULL | FIELD_OPT }, { NULL, 0 },
};

static int
apply_incident(struct apply *a)
{
	if (check(a, a->ev, report_fields, "") < 0 ||
	    known_team(a, a->ev, "team", "") < 0)
		return -1;
	json_array_append_new(a->r->reports, pick(a->ev, report_fields));
	add_incident(&a->r->lists, a->ev);
	return 0;
}

/* Checks the event against fields and keeps it in list. */
static int
listed(struct apply *a, const struct field *fields, json_t *list)
{
	if (check(a, a->ev, fields, "") < 0)
		return -1;
	json_array_append_new(list, pick(a->ev, fields));
	return 0;
}

static int
apply_message(struct apply *a)
{
	if (listed(a, message_fields, a->r->messages) < 0)
		return -1;
	add_message(&a->r->lists, a->ev);
	return 0;
}

static int
apply_host(struct apply *a)
{
	if (check(a, a->ev, host_event_fields, "") < 0)
		return -1;
	add_host(&a->r->lists, a->ev);
	return 0;
}

static int
apply_link(struct apply *a)
{
	if (check(a, a->ev, link_fields, "") < 0)
		return -1;
	add_link(&a->r->lists, a->ev);
	return 0;
}

/* ---- replay ------------------------------------------------------------ */

static const struct {
	const char *type;
	int (*apply)(struct apply *a);
} event_types[] = {
	{ "exercise", apply_exercise },
	{ "clock", apply_clock },
	{ "inject", apply_inject },
	{ "inject_result", apply_result },
	{ "round", apply_round },
	{ "grade", apply_grade },
	{ "adjustment", apply_adjustment },
	{ "report", apply_incident },
	{ "message", apply_message },
	{ "host", apply_host },
	{ "link", apply_link },
};

int
report_apply(struct report *r, const json_t *ev, char **error)
{
	const json_t *seq = json_object_get(ev, "seq");
	struct apply a = { .r = r, .ev = ev, .error = error };
	size_t i;

	r->events++;
	a.seq = json_is_integer(seq) ? (unsigned long long)
	    json_integer_value(seq) : r->events;
	a.type = str(ev, "type");
	if (a.type == NULL)
		return bad(&a, "'type' must be a string");
	if (!r->started && strcmp(a.type, "exercise") != 0)
		return bad(&a, "the journal must begin with the exercise event "
		    "that rangectl run writes first");
	for (i = 0; i < ARRAY_SIZE(event_types); i++)
		if (strcmp(a.type, event_types[i].type) == 0)
			break;
	if (i == ARRAY_SIZE(event_types)) {
		/* A type of a later rangectl: not ours, but its time counts. */
		if (json_is_number(json_object_get(ev, "t")))
			r->elapsed = ms(num(ev, "t"));
		return 0;
	}
	if (!json_is_number(json_object_get(ev, "t")))
		return bad(&a, "'t' must be a number");
	if (event_types[i].apply(&a) < 0)
		return -1;
	r->elapsed = ms(num(ev, "t"));
	return 0;
}

struct load {
	struct report *r;
	char *error;
};

static int
load_one(const json_t *event, void *ctx)
{
	struct load *l = ctx;

	return report_apply(l->r, event, &l->error);
}

/* The state folder and its journal exist: 0, or -1 with *error set. */
static int
check_state_dir(const char *dir, const char *path, char **error)
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		*error = errno == ENOENT ? xasprintf("there is no state folder "
		    "'%s'", dir) : xasprintf("cannot read state folder '%s': %s",
		    dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		*error = xasprintf("'%s' is not a folder: give the state folder "
		    "of a run (its --state)", dir);
		return -1;
	}
	if (stat(path, &st) < 0) {
		*error = errno == ENOENT ? xasprintf("state folder '%s' has no "
		    "journal '%s': no exercise ran there", dir, JOURNAL_FILE) :
		    xasprintf("cannot read journal '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
report_load(struct report *r, const char *dir, char **error)
{
	char *path = xasprintf("%s/%s", dir, JOURNAL_FILE), *why = NULL;
	struct load l = { .r = r };
	long n;
	int rc = -1;

	report_init(r);
	if (check_state_dir(dir, path, error) < 0)
		goto cleanup;
	n = journal_replay(path, load_one, &l, &why);
	if (n < 0 && l.error != NULL)
		*error = xasprintf("journal '%s' %s", path, l.error);
	else if (n < 0)
		*error = xstrdup(why);
	else if (n == 0)
		*error = xasprintf("journal '%s' holds no event: the exercise "
		    "never began", path);
	else
		rc = 0;
cleanup:
	if (rc < 0)
		report_clear(r);
	free(l.error);
	free(why);
	free(path);
	return rc;
}
