/*
 * report_json.c: the report's model as JSON, for scripts (`report
 * --json`) and the dashboard's injects (view.c). Pure: the model in,
 * JSON out; one renderer of struct report among three, with
 * report_print.c and report_html.c. The lists' entries keep the order of
 * their events' fields.
 */
#include "rangectl/report.h"

static json_t *
string_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
strings_to_json(char *const *items, size_t n)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(list, json_string(items[i]));
	return list;
}

static json_t *
result_to_json(const struct report_result *res)
{
	return json_pack("{s:s, s:b, s:o, s:o, s:s, s:s, s:f}", "host",
	    res->host, "ok", res->ok, "error", string_or_null(res->error),
	    "exit", res->has_exit ? json_integer(res->exit) : json_null(),
	    "out", res->out, "err", res->err, "seconds", res->seconds);
}

static json_t *
firing_to_json(const struct report_firing *f)
{
	json_t *results = json_array();
	size_t i;

	for (i = 0; i < f->n_results; i++)
		json_array_append_new(results, result_to_json(&f->results[i]));
	return json_pack("{s:I, s:o, s:f, s:f, s:b, s:o, s:o, s:b, s:o, s:o}",
	    "firing", (json_int_t)f->n, "scheduled", f->manual ? json_null() :
	    json_real(f->scheduled), "actual", f->actual, "late", f->late,
	    "manual", f->manual, "by", string_or_null(f->by), "targets",
	    strings_to_json(f->targets, f->n_targets), "lost", f->lost,
	    "error", string_or_null(f->lost ? REPORT_LOST : NULL), "results",
	    results);
}

static json_t *
inject_to_json(const struct report_inject *inj)
{
	json_t *firings = json_array();
	size_t i;

	for (i = 0; i < inj->n_firings; i++)
		json_array_append_new(firings, firing_to_json(&inj->firings[i]));
	return json_pack("{s:s, s:o, s:s, s:o, s:b, s:b, s:o, s:o, s:o, s:o}",
	    "id", inj->id, "title", string_or_null(inj->title), "action",
	    inj->action, "at", inj->manual ? json_null() :
	    json_integer(inj->at), "manual", inj->manual, "listed",
	    inj->listed, "moved_from", !inj->moved ? json_null() :
	    inj->moved_from < 0 ? json_string("manual") :
	    json_integer(inj->moved_from), "targets", strings_to_json(
	    inj->targets, inj->n_targets), "to", strings_to_json(inj->to,
	    inj->n_to), "firings", firings);
}

static json_t *
exercise_to_json(const struct report *r)
{
	return json_pack("{s:o, s:o, s:s, s:b, s:f, s:I, s:I, s:I, s:I, s:I}",
	    "name", string_or_null(r->name), "title", string_or_null(r->title),
	    "state", r->state, "interrupted", r->interrupted, "elapsed",
	    r->elapsed, "duration", (json_int_t)r->duration, "interval",
	    (json_int_t)r->interval, "timeout", (json_int_t)r->timeout,
	    "rounds", (json_int_t)r->ledger.n_rounds, "events",
	    (json_int_t)r->events);
}

/* The ledger's teams, as the scores API gives them. */
static json_t *
teams_to_json(const struct report *r)
{
	json_t *scores = score_to_json(&r->ledger);
	json_t *teams = json_incref(json_object_get(scores, "teams"));

	json_decref(scores);
	return teams;
}

/* ---- the lists, in the order of their events' fields -------------------- */

static json_t *
clock_to_json(const struct report_lists *l, size_t i)
{
	const struct report_clock *c = &l->clock[i];
	json_t *speed;

	if (c->speed_kind == REPORT_SPEED_REAL)
		speed = json_real(c->speed);
	else
		speed = json_null();
	return json_pack("{s:f, s:s, s:o, s:o, s:o}", "t", c->t, "state",
	    c->state, "speed", speed, "reason", string_or_null(c->reason),
	    "by", string_or_null(c->by));
}

static json_t *
penalty_to_json(const struct report_lists *l, size_t i)
{
	const struct report_penalty *p = &l->penalties[i];

	return json_pack("{s:I, s:f, s:s, s:s, s:s, s:I, s:o}", "round",
	    (json_int_t)p->round, "at", p->at, "team", p->team, "host",
	    p->host, "inject", p->inject, "penalty", (json_int_t)p->penalty,
	    "reason", string_or_null(p->reason));
}

static json_t *
incident_to_json(const struct report_lists *l, size_t i)
{
	const struct report_incident *x = &l->reports[i];

	return json_pack("{s:f, s:s, s:s, s:o, s:s, s:o, s:o}", "t", x->t,
	    "id", x->id, "team", x->team, "author", string_or_null(x->author),
	    "title", x->title, "body", string_or_null(x->body), "inject",
	    string_or_null(x->inject));
}

static json_t *
grade_to_json(const struct report_lists *l, size_t i)
{
	const struct report_grade *g = &l->grades[i];

	return json_pack("{s:f, s:s, s:s, s:I, s:o, s:o, s:b, s:o}", "t", g->t,
	    "report", g->report, "team", g->team, "points",
	    (json_int_t)g->points, "comment", string_or_null(g->comment), "by",
	    string_or_null(g->by), "regrade", g->regrade, "reason",
	    string_or_null(g->reason));
}

static json_t *
change_to_json(const struct report_lists *l, size_t i)
{
	const struct report_change *c = &l->changes[i];

	return json_pack("{s:f, s:o}", "t", c->t, "what", strings_to_json(
	    c->what, c->n_what));
}

static json_t *
revert_to_json(const struct report_lists *l, size_t i)
{
	const struct report_revert *v = &l->reverts[i];

	return json_pack("{s:f, s:s, s:o, s:o, s:o}", "t", v->t, "host",
	    v->host, "by", string_or_null(v->by), "ok", v->has_ok ?
	    json_boolean(v->ok) : json_null(), "error",
	    string_or_null(v->error));
}

static json_t *
adjustment_to_json(const struct report_lists *l, size_t i)
{
	const struct report_adjustment *j = &l->adjustments[i];

	return json_pack("{s:f, s:s, s:I, s:s, s:o}", "t", j->t, "team",
	    j->team, "points", (json_int_t)j->points, "reason", j->reason,
	    "by", string_or_null(j->by));
}

static json_t *
message_to_json(const struct report_lists *l, size_t i)
{
	const struct report_message *m = &l->messages[i];

	json_t *o = json_pack("{s:f, s:o, s:o, s:s, s:o}", "t", m->t, "inject",
	    string_or_null(m->inject), "to", strings_to_json(m->to, m->n_to),
	    "text", m->text, "by", string_or_null(m->by));

	/* Only when named: reports of messages without one read as before. */
	if (m->from != NULL)
		json_object_set_new(o, "from", json_string(m->from));
	return o;
}

static json_t *
host_to_json(const struct report_lists *l, size_t i)
{
	const struct report_host *h = &l->hosts[i];

	return json_pack("{s:f, s:s, s:o, s:s, s:o}", "t", h->t, "name",
	    h->name, "team", string_or_null(h->team), "state", h->state,
	    "reason", string_or_null(h->reason));
}

static json_t *
link_to_json(const struct report_lists *l, size_t i)
{
	const struct report_link *k = &l->links[i];

	return json_pack("{s:f, s:s, s:s, s:b, s:o, s:o, s:o}", "t", k->t,
	    "host", k->host, "network", k->network, "up", k->up, "inject",
	    string_or_null(k->inject), "ok", k->has_ok ? json_boolean(k->ok) :
	    json_null(), "error", string_or_null(k->error));
}

/* The list of n entries of l, each through entry. */
static json_t *
list_to_json(const struct report_lists *l, size_t n,
    json_t *(*entry)(const struct report_lists *, size_t))
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(list, entry(l, i));
	return list;
}

json_t *
report_injects_to_json(const struct report *r)
{
	json_t *injects = json_array();
	size_t i;

	for (i = 0; i < r->n_injects; i++)
		json_array_append_new(injects, inject_to_json(&r->injects[i]));
	return injects;
}

json_t *
report_to_json(const struct report *r)
{
	const struct report_lists *l = &r->lists;
	json_t *injects = report_injects_to_json(r), *doc;

	doc = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o, s:o, s:o, s:o}", "exercise", exercise_to_json(r), "teams",
	    teams_to_json(r), "uptime", score_uptime_to_json(&r->ledger, NULL),
	    "rounds", score_history_to_json(&r->ledger),
	    "injects", injects, "penalties", list_to_json(l, l->n_penalties,
	    penalty_to_json), "reports", list_to_json(l, l->n_reports,
	    incident_to_json), "grades", list_to_json(l, l->n_grades,
	    grade_to_json), "adjustments", list_to_json(l, l->n_adjustments,
	    adjustment_to_json), "messages", list_to_json(l, l->n_messages,
	    message_to_json), "hosts", list_to_json(l, l->n_hosts,
	    host_to_json), "links", list_to_json(l, l->n_links, link_to_json),
	    "reverts", list_to_json(l, l->n_reverts, revert_to_json),
	    "changes", list_to_json(l, l->n_changes, change_to_json), "clock", list_to_json(l, l->n_clock, clock_to_json));
	/* Only with flags, so that other exercises' reports read as they did. */
	if (report_has_flags(r))
		json_object_set_new(doc, "flags", report_flags_json(r));
	/* Only where detection was measured, for the same reason. */
	if (r->ledger.detecting)
		json_object_set_new(doc, "coalition",
		    detect_to_json(&r->ledger.detect));
	/* Only with a range event (format 5), for the same reason. */
	if (r->range != NULL)
		json_object_set(doc, "range", r->range);
	return doc;
}

int
report_print_json(const struct report *r, FILE *out)
{
	json_t *doc = report_to_json(r);
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(15));

	if (fputc('\n', out) == EOF)
		rc = -1;
	json_decref(doc);
	return rc;
}

