/*
 * report_state.c: what the rounds left in a report, as one JSON object
 * and back, for the dashboard's checkpoint (view.c).
 *
 * Rounds are 98% of a long journal's bytes, and what they leave in the
 * report is small: the ledger (each team's totals, each round's scores,
 * each check's record) and the penalties of active compromises. The
 * checkpoint keeps that here and every other event as it was journaled;
 * a restart replays those through report_apply(), then restores this over
 * the ledger they built. The rounds' scores and the penalties are
 * binary records (strings by their index in a table of the JSON part):
 * 100,000 rounds as JSON arrays cost a restart tens of MB of jansson
 * nodes, and as text a third of its time in strtoll. The records are in
 * this machine's byte order, as a checkpoint is a cache read where it
 * was written; they begin with a known integer and double, and a
 * checkpoint whose do not read back is not used (a full replay).
 */
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

/* Bytes appended to a growing buffer (no cap: a week's rounds are MBs). */
struct bytes {
	char *data;
	size_t len, alloc;
};

static void
put(struct bytes *b, const void *p, size_t n)
{
	xgrow(&b->data, &b->alloc, b->len + n + 1, 1);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* Each round: n, at, then each team's score after it. */
static void
put_rounds(struct bytes *b, const struct score_ledger *l)
{
	size_t i;

	for (i = 0; i < l->n_rounds; i++) {
		int64_t n = l->rounds[i].n;

		put(b, &n, sizeof(n));
		put(b, &l->rounds[i].at, sizeof(double));
		put(b, l->rounds[i].scores, l->n_teams * sizeof(long long));
	}
}

/* The index of s in the table (added if new); -1 for NULL. */
static int32_t
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
	return (int32_t)at - 1;
}

/* A penalty as the checkpoint holds it: strings by their index. */
struct penalty_record {
	int64_t round;
	double at;
	int64_t penalty;
	int32_t team, host, inject, reason;
};

static void
put_penalties(struct bytes *b, const struct report_lists *l, json_t *table)
{
	struct strmap map;
	size_t i;

	strmap_init(&map);
	for (i = 0; i < l->n_penalties; i++) {
		const struct report_penalty *p = &l->penalties[i];
		struct penalty_record rec = { .round = p->round, .at = p->at,
		    .penalty = p->penalty, .team = intern(table, &map, p->team),
		    .host = intern(table, &map, p->host), .inject = intern(table,
		    &map, p->inject), .reason = intern(table, &map, p->reason) };

		put(b, &rec, sizeof(rec));
	}
	strmap_clear(&map);
}

/* What says that the binary part is read as it was written. */
#define STATE_MAGIC INT64_C(0x0102030405060708)

json_t *
report_state_to_json(const struct report *r, char **bin, size_t *len)
{
	struct bytes b = { 0 };
	json_t *strings = json_array();
	int64_t magic = STATE_MAGIC;
	double half = 0.5;

	put(&b, &magic, sizeof(magic));
	put(&b, &half, sizeof(half));
	put_rounds(&b, &r->ledger);
	put_penalties(&b, &r->lists, strings);
	*bin = b.data;
	*len = b.len;
	return json_pack("{s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:f}", "score",
	    score_state_to_json(&r->ledger), "teams", teams_json(&r->ledger),
	    "strings", strings, "rounds", (json_int_t)r->ledger.n_rounds,
	    "penalties", (json_int_t)r->lists.n_penalties, "bytes",
	    (json_int_t)b.len, "events", (json_int_t)r->events, "elapsed",
	    r->elapsed);
}

/* ---- back ---------------------------------------------------------------- */

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

/* The binary part being read: where, and what is left. */
struct reader {
	const char *p;
	size_t left;
};

static int
take(struct reader *rd, void *out, size_t n)
{
	if (rd->left < n)
		return -1;
	memcpy(out, rd->p, n);
	rd->p += n;
	rd->left -= n;
	return 0;
}

/*
 * The rounds, onto a ledger that has none yet: their scores in one
 * allocation (the ledger's round_block), not one each.
 */
static int
restore_rounds(struct score_ledger *l, struct reader *rd, size_t n)
{
	struct score_round *r;
	int64_t num;
	size_t i;

	if (l->n_rounds != 0 || l->round_block != NULL || rd->left /
	    (sizeof(num) + sizeof(double) + l->n_teams * sizeof(long long)) < n)
		return -1;
	xgrow(&l->rounds, &l->rounds_alloc, n, sizeof(*l->rounds));
	l->round_block = xcalloc(n * l->n_teams + 1, sizeof(*l->round_block));
	for (i = 0; i < n; i++) {
		r = &l->rounds[l->n_rounds++];
		l->n_block = l->n_rounds;
		r->scores = l->round_block + i * l->n_teams;
		if (take(rd, &num, sizeof(num)) < 0 || take(rd, &r->at,
		    sizeof(r->at)) < 0 || take(rd, r->scores, l->n_teams *
		    sizeof(long long)) < 0)
			return -1;
		r->n = (long)num;
	}
	return 0;
}

/* String i of the table (copied), NULL for -1; -1 when out of it. */
static int
table_string(const json_t *table, int32_t i, bool nullable, char **out)
{
	const char *s = i >= 0 ? json_string_value(json_array_get(table,
	    (size_t)i)) : NULL;

	*out = NULL;
	if (i == -1 && nullable)
		return 0;
	if (s == NULL)
		return -1;
	*out = xstrdup(s);
	return 0;
}

static int
restore_penalties(struct report_lists *l, const json_t *table,
    struct reader *rd, size_t n)
{
	struct penalty_record rec;
	struct report_penalty *p;
	size_t i;

	if (rd->left / sizeof(rec) < n)
		return -1;
	xgrow(&l->penalties, &l->penalties_alloc, n, sizeof(*l->penalties));
	for (i = 0; i < n; i++) {
		p = &l->penalties[l->n_penalties++];
		memset(p, 0, sizeof(*p));
		if (take(rd, &rec, sizeof(rec)) < 0)
			return -1;
		p->round = rec.round;
		p->at = rec.at;
		p->penalty = rec.penalty;
		if (table_string(table, rec.team, false, &p->team) < 0 ||
		    table_string(table, rec.host, false, &p->host) < 0 ||
		    table_string(table, rec.inject, false, &p->inject) < 0 ||
		    table_string(table, rec.reason, true, &p->reason) < 0)
			return -1;
	}
	return 0;
}

/* Whether the binary part begins as this machine writes it. */
static int
same_machine(struct reader *rd)
{
	int64_t magic;
	double half;

	return take(rd, &magic, sizeof(magic)) == 0 && magic == STATE_MAGIC &&
	    take(rd, &half, sizeof(half)) == 0 && half == 0.5 ? 0 : -1;
}

/*
 * Whether what is left of the binary part is pens penalty records,
 * unread: report_state_restore_ledger() leaves them to the whole restore.
 */
static int
skip_penalties(struct reader *rd, size_t pens)
{
	if (rd->left % sizeof(struct penalty_record) != 0 ||
	    rd->left / sizeof(struct penalty_record) != pens)
		return -1;
	rd->p += rd->left;
	rd->left = 0;
	return 0;
}

/* report_state_restore(), or with lists false its ledger half. */
static int
restore_state(struct report *r, const json_t *state, const char *bin,
    size_t len, bool lists, char **error)
{
	struct reader rd = { .p = bin, .left = len };
	json_int_t rounds = json_integer_value(json_object_get(state, "rounds"));
	json_int_t pens = json_integer_value(json_object_get(state,
	    "penalties"));
	char *why = NULL;

	if (!json_is_object(state) || rounds < 0 || pens < 0 ||
	    !json_is_integer(json_object_get(state, "events")) ||
	    !json_is_number(json_object_get(state, "elapsed")) ||
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
	    same_machine(&rd) < 0 ||
	    restore_rounds(&r->ledger, &rd, (size_t)rounds) < 0 ||
	    (lists ? restore_penalties(&r->lists, json_object_get(state,
	    "strings"), &rd, (size_t)pens) : skip_penalties(&rd,
	    (size_t)pens)) < 0 || rd.left != 0) {
		*error = xstrdup("its teams, rounds or penalties are damaged");
		return -1;
	}
	r->events = (unsigned long long)json_integer_value(json_object_get(state,
	    "events"));
	r->elapsed = json_number_value(json_object_get(state, "elapsed"));
	return 0;
}

int
report_state_restore(struct report *r, const json_t *state, const char *bin,
    size_t len, char **error)
{
	return restore_state(r, state, bin, len, true, error);
}

int
report_state_restore_ledger(struct report *r, const json_t *state,
    const char *bin, size_t len, char **error)
{
	return restore_state(r, state, bin, len, false, error);
}
