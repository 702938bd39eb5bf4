/*
 * engine_timeline.c: the scenario's timeline and scoring as the journal
 * began them, against the scenario given now.
 *
 * A restart reads the scenario anew, and a controller may have moved an
 * inject or changed a round's length meanwhile: the report would then say
 * an inject planned for one time fired "on time" at another (issue 13).
 * The exercise event, and each change event after it, hold the MSEL and
 * the scoring the exercise runs by; the engine keeps the last of them
 * (e->timeline, in the checkpoint too) and compares it with the plan's
 * once the journal is replayed (engine_replay.c), as run does before it
 * connects (cmd_run.c). A difference is refused, in words, unless the run
 * accepts it (--accept-changes), which journals a change event.
 *
 * Pure: JSON in, JSON or text out.
 */
#include <string.h>

#include "rangectl/engine.h"
#include "rangectl/units.h"
#include "rangectl/util.h"

/* The keys of the timeline, from an exercise or change event's object. */
json_t *
engine_timeline_of(const json_t *event)
{
	json_t *t = json_object();
	static const char *const keys[] = { "duration", "interval", "timeout",
		"sla_after", "sla_penalty", "injects" };
	static const char *const weights[] = { "outage_attack", "outage_self" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(event, keys[i]);

		/* No SLA rule is written as none, before format 3 too. */
		json_object_set_new(t, keys[i], v != NULL ? json_deep_copy(v) :
		    json_integer(0));
	}
	/* scoring.outage (format 5): written only when a weight is not 1. */
	for (i = 0; i < ARRAY_SIZE(weights); i++) {
		json_t *v = json_object_get(event, weights[i]);

		if (v != NULL)
			json_object_set_new(t, weights[i], json_deep_copy(v));
	}
	/* scoring.detection (format 5): absent is none, as it is written. */
	if (json_object_get(event, "detection") != NULL)
		json_object_set_new(t, "detection", json_deep_copy(
		    json_object_get(event, "detection")));
	return t;
}

static const char *
clock_text(const json_t *at, char *buf)
{
	if (!json_is_integer(at))
		return "manual";
	return units_format_clock((double)json_integer_value(at), buf);
}

static json_t *
inject_of(const json_t *timeline, const char *id)
{
	const json_t *list = json_object_get(timeline, "injects"), *m;
	size_t i;

	for (i = 0; i < json_array_size(list); i++) {
		m = json_array_get(list, i);
		if (strcmp(json_string_value(json_object_get(m, "id")), id) == 0)
			return (json_t *)m;
	}
	return NULL;
}

static char *
names_text(const json_t *list)
{
	struct strbuf sb;
	const json_t *v;
	size_t i;

	strbuf_init(&sb);
	for (i = 0; i < json_array_size(list); i++) {
		v = json_array_get(list, i);
		strbuf_printf(&sb, "%s%s", i ? ", " : "", json_string_value(v));
	}
	if (json_array_size(list) == 0)
		strbuf_printf(&sb, "none");
	return strbuf_steal(&sb);
}

/* One inject of the journal's timeline against the plan's (NULL: gone). */
static void
diff_inject(json_t *lines, const json_t *was, const json_t *now)
{
	const char *id = json_string_value(json_object_get(was ? was : now,
	    "id"));
	char a[UNITS_CLOCK_SIZE], b[UNITS_CLOCK_SIZE];
	static const char *const lists[] = { "targets", "to", "people" };
	size_t i;

	if (was == NULL || now == NULL) {
		json_array_append_new(lines, json_sprintf("inject '%s': %s (at %s)",
		    id, was ? "removed" : "added", clock_text(json_object_get(was ?
		    was : now, "at"), a)));
		return;
	}
	if (!json_equal(json_object_get(was, "at"), json_object_get(now, "at")))
		json_array_append_new(lines, json_sprintf("inject '%s': at %s, now "
		    "%s", id, clock_text(json_object_get(was, "at"), a),
		    clock_text(json_object_get(now, "at"), b)));
	if (!json_equal(json_object_get(was, "action"), json_object_get(now,
	    "action")))
		json_array_append_new(lines, json_sprintf("inject '%s': action "
		    "%s, now %s", id, json_string_value(json_object_get(was,
		    "action")), json_string_value(json_object_get(now, "action"))));
	for (i = 0; i < ARRAY_SIZE(lists); i++) {
		const json_t *x = json_object_get(was, lists[i]);
		const json_t *y = json_object_get(now, lists[i]);
		char *p, *q;

		/* A list left out is an empty one. */
		if ((json_array_size(x) == 0 && json_array_size(y) == 0) ||
		    (x != NULL && y != NULL && json_equal(x, y)))
			continue;
		p = names_text(x);
		q = names_text(y);
		json_array_append_new(lines, json_sprintf("inject '%s': %s %s, "
		    "now %s", id, lists[i], p, q));
		free(p);
		free(q);
	}
	/*
	 * Its truth (format 5) decides what its effects cost and what a
	 * detection matches: a changed one is a change, journaled, never
	 * quoted (the words go to the controller's terminal and the report).
	 */
	if (!json_equal(json_object_get(was, "truth"), json_object_get(now,
	    "truth")) && (json_object_get(was, "truth") != NULL ||
	    json_object_get(now, "truth") != NULL))
		json_array_append_new(lines, json_sprintf("inject '%s': truth %s",
		    id, json_object_get(was, "truth") == NULL ? "added" :
		    json_object_get(now, "truth") == NULL ? "removed" :
		    "changed"));
}

/* A weight of scoring.outage, in thousandths, 1000 when not written. */
static void
diff_weight(json_t *lines, const json_t *was, const json_t *now,
    const char *key, const char *name)
{
	const json_t *x = json_object_get(was, key), *y = json_object_get(now,
	    key);
	char a[UNITS_THOUSANDTHS_SIZE], b[UNITS_THOUSANDTHS_SIZE];
	long p = x != NULL ? (long)json_integer_value(x) : 1000;
	long q = y != NULL ? (long)json_integer_value(y) : 1000;

	if (p != q)
		json_array_append_new(lines, json_sprintf("%s: %s, now %s", name,
		    units_format_thousandths(p, a), units_format_thousandths(q,
		    b)));
}

static void
diff_number(json_t *lines, const json_t *was, const json_t *now,
    const char *key, const char *name, bool clock)
{
	json_int_t x = json_integer_value(json_object_get(was, key));
	json_int_t y = json_integer_value(json_object_get(now, key));
	char a[UNITS_CLOCK_SIZE], b[UNITS_CLOCK_SIZE];

	if (x == y)
		return;
	if (clock)
		json_array_append_new(lines, json_sprintf("%s: %s, now %s", name,
		    units_format_clock((double)x, a), units_format_clock(
		    (double)y, b)));
	else
		json_array_append_new(lines, json_sprintf("%s: %lld, now %lld",
		    name, (long long)x, (long long)y));
}

json_t *
engine_timeline_diff(const json_t *was, const json_t *now)
{
	json_t *lines = json_array();
	const json_t *m;
	size_t i;

	diff_number(lines, was, now, "duration", "exercise.duration", true);
	diff_number(lines, was, now, "interval", "scoring.interval (s)", false);
	diff_number(lines, was, now, "timeout", "scoring.timeout (s)", false);
	diff_number(lines, was, now, "sla_after", "scoring.sla.after", false);
	diff_number(lines, was, now, "sla_penalty", "scoring.sla.penalty",
	    false);
	diff_weight(lines, was, now, "outage_attack", "scoring.outage.attack");
	diff_weight(lines, was, now, "outage_self", "scoring.outage.self");
	if (!json_equal(json_object_get(was, "detection"), json_object_get(now,
	    "detection")) && (json_object_get(was, "detection") != NULL ||
	    json_object_get(now, "detection") != NULL))
		json_array_append_new(lines, json_sprintf("scoring.detection %s",
		    json_object_get(was, "detection") == NULL ? "added" :
		    json_object_get(now, "detection") == NULL ? "removed" :
		    "changed"));
	for (i = 0; i < json_array_size(json_object_get(was, "injects")); i++) {
		m = json_array_get(json_object_get(was, "injects"), i);
		diff_inject(lines, m, inject_of(now, json_string_value(
		    json_object_get(m, "id"))));
	}
	for (i = 0; i < json_array_size(json_object_get(now, "injects")); i++) {
		m = json_array_get(json_object_get(now, "injects"), i);
		if (inject_of(was, json_string_value(json_object_get(m, "id"))) ==
		    NULL)
			diff_inject(lines, NULL, m);
	}
	return lines;
}

char *
engine_timeline_refusal(const struct plan *plan, const char *state_dir,
    const json_t *lines)
{
	struct strbuf sb;
	const json_t *v;
	size_t i;
	char *text;

	strbuf_init(&sb);
	for (i = 0; i < json_array_size(lines); i++) {
		v = json_array_get(lines, i);
		strbuf_printf(&sb, "\n  %s", json_string_value(v));
	}
	text = xasprintf("the scenario '%s' is not the one exercise '%s' runs "
	    "by (its journal in '%s' says so):%s\nrestore the scenario, or run "
	    "again with --accept-changes to go on by the new one (the change "
	    "is journaled, and the report shows it)", plan->path,
	    plan->exercise, state_dir, sb.data);
	free(strbuf_steal(&sb));
	return text;
}

