/*
 * report_flag.c: the flags in the after-action report: how many values
 * were given and planted, each capture, and what each red team took and
 * each blue team lost. A flag event's value is a secret (the report is
 * also the dashboard's view, read by trainees' requests): it is counted
 * and dropped here, never copied.
 */
#include <stdlib.h>
#include <string.h>

#include "rangectl/report.h"
#include "rangectl/util.h"

static char *
copy(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

int
report_flag_apply(struct report *r, const struct event *ev, char **error)
{
	struct report_flags *f = &r->flags;
	const struct event_capture *c = &ev->u.capture;
	struct report_capture *k;

	if (ev->type == EVENT_FLAG) {
		/* The same value written again after a revert is no new one. */
		if (!ev->u.flag.replant) {
			f->values++;
			f->planted += ev->u.flag.planted;
		}
		return 0;
	}
	if (score_apply(&r->ledger, ev, error) < 0)
		return -1;
	xgrow(&f->captures, &f->captures_alloc, f->n_captures + 1,
	    sizeof(*f->captures));
	k = &f->captures[f->n_captures++];
	*k = (struct report_capture){ .t = ev->t, .flag = copy(c->flag), .host =
	    copy(c->host), .owner = copy(c->owner), .team = copy(c->team),
	    .rotation = c->rotation, .points = c->points, .penalty =
	    c->penalty, .by = copy(c->by) };
	return 0;
}

void
report_flags_clear(struct report_flags *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n_captures; i++) {
		free(f->captures[i].flag);
		free(f->captures[i].host);
		free(f->captures[i].owner);
		free(f->captures[i].team);
		free(f->captures[i].by);
	}
	free(f->captures);
	memset(f, 0, sizeof(*f));
}

bool
report_has_flags(const struct report *r)
{
	return r->flags.values > 0 || r->flags.n_captures > 0;
}

json_t *
report_flags_json(const struct report *r)
{
	json_t *captures = json_array(), *teams = json_array();
	size_t i;

	for (i = 0; i < r->flags.n_captures; i++) {
		const struct report_capture *c = &r->flags.captures[i];

		json_array_append_new(captures, json_pack("{s:f, s:s, s:s, s:s, "
		    "s:s, s:I, s:I, s:I, s:o}", "t", c->t, "flag", c->flag, "host",
		    c->host, "owner", c->owner, "team", c->team, "rotation",
		    (json_int_t)c->rotation, "points", (json_int_t)c->points,
		    "penalty", (json_int_t)c->penalty, "by", c->by ?
		    json_string(c->by) : json_null()));
	}
	for (i = 0; i < r->ledger.n_teams; i++) {
		const struct score_team *t = &r->ledger.teams[i];

		if (t->team->role == ROLE_WHITE)
			continue;
		json_array_append_new(teams, json_pack("{s:s, s:s, s:I, s:I, s:I, "
		    "s:I}", "id", t->team->id, "role", role_name(t->team->role),
		    "captured", (json_int_t)t->captured, "points", t->flags,
		    "lost", (json_int_t)t->lost, "points_lost", t->flags_lost));
	}
	return json_pack("{s:I, s:I, s:o, s:o}", "values",
	    (json_int_t)r->flags.values, "planted",
	    (json_int_t)r->flags.planted, "captures", captures, "teams", teams);
}
