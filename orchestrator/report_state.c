/*
 * report_state.c: what the rounds left in a report, as one JSON object
 * and back, for the dashboard's checkpoint (view.c).
 *
 * Rounds are 98% of a long journal's bytes, and what they leave in the
 * report is small: the ledger (each team's totals, each round's scores,
 * each check's record) and the penalties of active compromises. The
 * checkpoint keeps that here and every other event as it was journaled;
 * a restart replays those through report_apply(), then restores this over
 * the ledger they built. Lists of numbers are written as text (one line
 * per round or penalty, strings by their index in a table): 100,000
 * rounds as JSON arrays would cost a restart tens of MB of jansson nodes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/report.h"
#include "rangectl/util.h"

/* Each team's totals, in the ledger's order. */
static json_t *
teams_json(const struct score_ledger *l)
{
	json_t *teams = json_array();
	size_t i;

	for (i = 0; i < l->n_teams; i++) {
		const struct score_team *t = &l->teams[i];

		json_array_append_new(teams, json_pack("[I, I, I, I, I]",
		    (json_int_t)t->availability, (json_int_t)t->penalties,
		    (json_int_t)t->sla, (json_int_t)t->reports,
		    (json_int_t)t->adjustments));
	}
	return teams;
}

/* "N AT SCORE...\n" per round; AT exact (%.17g). */
static json_t *
rounds_json(const struct score_ledger *l)
{
	struct strbuf sb;
	json_t *s;
	size_t i, j;

	strbuf_init(&sb);
	strbuf_append(&sb, "");
	for (i = 0; i < l->n_rounds; i++) {
		strbuf_printf(&sb, "%ld %.17g", l->rounds[i].n, l->rounds[i].at);
		for (j = 0; j < l->n_teams; j++)
			strbuf_printf(&sb, " %lld", l->rounds[i].scores[j]);
		strbuf_append(&sb, "\n");
	}
	s = json_stringn(sb.data, sb.len);
	strbuf_free(&sb);
	return s;
}

/* The index of s in the table (added if new); -1 for NULL. */
static long
intern(json_t *table, struct strmap *map, const char *s)
{
	uintptr_t at;

	if (s == NULL)
		return -1;
	at = (uintptr_t)strmap_get(map, s);
	if (at == 0) {
		json_array_append_new(table, json_string(s));
		at = json_array_size(table);
		strmap_add(map, json_string_value(json_array_get(table, at - 1)),
		    (void *)at);
	}
	return (long)at - 1;
}

/* "ROUND AT TEAM HOST INJECT PENALTY REASON\n", strings by index. */
static json_t *
penalties_json(const struct report_lists *l, json_t *table)
{
	struct strmap map;
	struct strbuf sb;
	json_t *s;
	size_t i;

	strmap_init(&map);
	strbuf_init(&sb);
	strbuf_append(&sb, "");
	for (i = 0; i < l->n_penalties; i++) {
		const struct report_penalty *p = &l->penalties[i];
		long team = intern(table, &map, p->team);
		long host = intern(table, &map, p->host);
		long inject = intern(table, &map, p->inject);

		strbuf_printf(&sb, "%lld %.17g %ld %ld %ld %lld %ld\n", p->round,
		    p->at, team, host, inject, p->penalty, intern(table, &map,
		    p->reason));
	}
	s = json_stringn(sb.data, sb.len);
	strbuf_free(&sb);
	strmap_clear(&map);
	return s;
}

json_t *
report_state_to_json(const struct report *r)
{
	json_t *strings = json_array();
	json_t *penalties = penalties_json(&r->lists, strings);

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I, s:f}", "score",
	    score_state_to_json(&r->ledger), "teams", teams_json(&r->ledger),
	    "rounds", rounds_json(&r->ledger), "strings", strings, "penalties",
	    penalties, "events", (json_int_t)r->events, "elapsed", r->elapsed);
}

/* ---- back ---------------------------------------------------------------- */

/* Reads the next number of a line at *p: 0, or -1 if there is none. */
static int
next_ll(const char **p, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(*p, &end, 10);
	if (end == *p || errno != 0)
		return -1;
	*p = end;
	return 0;
}

static int
next_double(const char **p, double *v)
{
	char *end;

	*v = strtod(*p, &end);
	if (end == *p)
		return -1;
	*p = end;
	return 0;
}

/* The end of the line at p: past its newline, or -1 if none. */
static int
end_line(const char **p)
{
	if (**p != '\n')
		return -1;
	(*p)++;
	return 0;
}

static int
restore_teams(struct score_ledger *l, const json_t *teams)
{
	json_int_t v[5];
	size_t i;

	if (json_array_size(teams) != l->n_teams)
		return -1;
	for (i = 0; i < l->n_teams; i++) {
		if (json_unpack((json_t *)json_array_get(teams, i), "[I, I, I, I, I]",
		    &v[0], &v[1], &v[2], &v[3], &v[4]) < 0)
			return -1;
		l->teams[i].availability = v[0];
		l->teams[i].penalties = v[1];
		l->teams[i].sla = v[2];
		l->teams[i].reports = v[3];
		l->teams[i].adjustments = v[4];
	}
	return 0;
}

static int
restore_rounds(struct score_ledger *l, const char *p)
{
	struct score_round *r;
	long long n;
	size_t j;

	while (p != NULL && *p != '\0') {
		xgrow(&l->rounds, &l->rounds_alloc, l->n_rounds + 1,
		    sizeof(*l->rounds));
		r = &l->rounds[l->n_rounds++];
		r->scores = xcalloc(l->n_teams + 1, sizeof(*r->scores));
		if (next_ll(&p, &n) < 0 || next_double(&p, &r->at) < 0)
			return -1;
		r->n = (long)n;
		for (j = 0; j < l->n_teams; j++)
			if (next_ll(&p, &r->scores[j]) < 0)
				return -1;
		if (end_line(&p) < 0)
			return -1;
	}
	return 0;
}

/* String i of the table (copied), NULL for -1; -1 when out of it. */
static int
table_string(const json_t *table, long long i, bool nullable, char **out)
{
	const char *s = json_string_value(json_array_get(table, (size_t)i));

	*out = NULL;
	if (i == -1 && nullable)
		return 0;
	if (i < 0 || s == NULL)
		return -1;
	*out = xstrdup(s);
	return 0;
}

static int
restore_penalty(struct report_penalty *p, const json_t *table,
    const char **at)
{
	long long team, host, inject, reason;

	if (next_ll(at, &p->round) < 0 || next_double(at, &p->at) < 0 ||
	    next_ll(at, &team) < 0 || next_ll(at, &host) < 0 ||
	    next_ll(at, &inject) < 0 || next_ll(at, &p->penalty) < 0 ||
	    next_ll(at, &reason) < 0 || end_line(at) < 0)
		return -1;
	return table_string(table, team, false, &p->team) < 0 ||
	    table_string(table, host, false, &p->host) < 0 ||
	    table_string(table, inject, false, &p->inject) < 0 ||
	    table_string(table, reason, true, &p->reason) < 0 ? -1 : 0;
}

static int
restore_penalties(struct report_lists *l, const json_t *table, const char *p)
{
	struct report_penalty *pen;

	while (p != NULL && *p != '\0') {
		xgrow(&l->penalties, &l->penalties_alloc, l->n_penalties + 1,
		    sizeof(*l->penalties));
		pen = &l->penalties[l->n_penalties++];
		memset(pen, 0, sizeof(*pen));
		if (restore_penalty(pen, table, &p) < 0)
			return -1;
	}
	return 0;
}

int
report_state_restore(struct report *r, const json_t *state, char **error)
{
	const json_t *rounds = json_object_get(state, "rounds");
	const json_t *pens = json_object_get(state, "penalties");
	char *why = NULL;

	if (!json_is_object(state) || !json_is_string(rounds) ||
	    !json_is_string(pens) || !json_is_integer(json_object_get(state,
	    "events")) || !json_is_number(json_object_get(state, "elapsed")) ||
	    r->lists.n_penalties != 0) {
		*error = xstrdup("its report state is not an object of rounds, "
		    "penalties, events and elapsed");
		return -1;
	}
	/* The ledger the other events built gives way to the whole one. */
	score_ledger_clear(&r->ledger);
	score_ledger_init(&r->ledger, r->sc.teams, r->sc.n_teams);
	if (score_restore(&r->ledger, json_object_get(state, "score"),
	    &why) < 0) {
		*error = why;
		return -1;
	}
	if (restore_teams(&r->ledger, json_object_get(state, "teams")) < 0 ||
	    restore_rounds(&r->ledger, json_string_value(rounds)) < 0 ||
	    restore_penalties(&r->lists, json_object_get(state, "strings"),
	    json_string_value(pens)) < 0) {
		*error = xstrdup("its teams, rounds or penalties are damaged");
		return -1;
	}
	r->events = (unsigned long long)json_integer_value(json_object_get(state,
	    "events"));
	r->elapsed = json_number_value(json_object_get(state, "elapsed"));
	return 0;
}
