/*
 * report_layout.c: the orders in which the text and HTML reports lay out
 * the model, so that both show the same things in the same order. Pure:
 * nothing is counted here that report.c has not counted.
 */
#include "rangectl/report.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

/* ---- penalties as runs of rounds ---------------------------------------- */

/* Strings that may be NULL, NULL first. */
static int
str_cmp_null(const char *x, const char *y)
{
	return x && y ? strcmp(x, y) : (x != NULL) - (y != NULL);
}

/* Orders by team, host, inject and reason (none first). */
static int
penalty_cmp_what(const struct report_penalty *x,
    const struct report_penalty *y)
{
	int c = str_cmp_null(x->team, y->team);

	if (c == 0)
		c = str_cmp_null(x->host, y->host);
	if (c == 0)
		c = str_cmp_null(x->inject, y->inject);
	if (c == 0)
		c = str_cmp_null(x->reason, y->reason);
	return c;
}

/* ...then by round. */
static int
penalty_cmp(const void *a, const void *b)
{
	const struct report_penalty *const *x = a, *const *y = b;
	int c = penalty_cmp_what(*x, *y);

	if (c != 0)
		return c;
	return ((*x)->round > (*y)->round) - ((*x)->round < (*y)->round);
}

static int
penalty_run_cmp(const void *a, const void *b)
{
	const struct report_penalty_run *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return penalty_cmp(&x->first, &y->first);
}

struct report_penalty_run *
report_penalty_runs(const struct report *r, size_t *count)
{
	size_t n = r->lists.n_penalties, i, k = 0;
	const struct report_penalty **e = xcalloc(n ? n : 1, sizeof(*e));
	struct report_penalty_run *runs = xcalloc(n ? n : 1, sizeof(*runs));

	for (i = 0; i < n; i++)
		e[i] = &r->lists.penalties[i];
	qsort(e, n, sizeof(*e), penalty_cmp);
	for (i = 0; i < n; i++) {
		long long rn = e[i]->round;

		/* The same compromise for one reason, rounds following. */
		if (k == 0 || penalty_cmp_what(runs[k - 1].first, e[i]) != 0 ||
		    runs[k - 1].to + 1 != rn)
			runs[k++] = (struct report_penalty_run){ e[i], rn, rn,
			    0 };
		runs[k - 1].to = rn;
		runs[k - 1].points += e[i]->penalty;
	}
	free(e);
	qsort(runs, k, sizeof(*runs), penalty_run_cmp);
	*count = k;
	return runs;
}

/* ---- the MSEL and the teams ---------------------------------------------- */

/* Clock injects by time, then manual ones; ties in the MSEL's order. */
static int
inject_by_time(const void *a, const void *b)
{
	const struct report_inject *x = *(const struct report_inject *const *)a;
	const struct report_inject *y = *(const struct report_inject *const *)b;

	if (x->manual != y->manual)
		return x->manual ? 1 : -1;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	/* Both point into one array, in the MSEL's order. */
	return (x > y) - (x < y);
}

const struct report_inject **
report_injects_by_time(const struct report *r)
{
	const struct report_inject **order = xcalloc(r->n_injects ?
	    r->n_injects : 1, sizeof(*order));
	size_t i;

	for (i = 0; i < r->n_injects; i++)
		order[i] = &r->injects[i];
	qsort(order, r->n_injects, sizeof(*order), inject_by_time);
	return order;
}

static int
team_by_score(const void *a, const void *b)
{
	const struct score_team *x = *(const struct score_team *const *)a;
	const struct score_team *y = *(const struct score_team *const *)b;
	long long sx = score_total(x), sy = score_total(y);

	if (sx != sy)
		return sx > sy ? -1 : 1;
	/* Ties keep the exercise's order: teams point into one array. */
	return (x > y) - (x < y);
}

const struct score_team **
report_teams_by_score(const struct report *r)
{
	const struct score_team **order = xcalloc(r->ledger.n_teams ?
	    r->ledger.n_teams : 1, sizeof(*order));
	size_t i;

	for (i = 0; i < r->ledger.n_teams; i++)
		order[i] = &r->ledger.teams[i];
	qsort(order, r->ledger.n_teams, sizeof(*order), team_by_score);
	return order;
}
