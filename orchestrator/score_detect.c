/*
 * score_detect.c: detection scoring fed by journal events (issue 14,
 * point 3), for the score ledger.
 *
 * The exercise event's MSEL carries each inject's truth, resolved per
 * target (format 5); every row's team gets an attack of that inject with
 * the indicators of its rows. An inject event fires the attacks of the
 * teams whose hosts it targets; a report (or an observation) with
 * indicators is a sighting of its team. The detect ledger does the rest
 * (detect.c); this file only translates events, and keeps each team's
 * points in its score_team so that score_total() sums them with the rest.
 */
#include "rangectl/score.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

/* The indicators of every row of m's truth whose team is team. */
static struct detect_indicator *
team_indicators(const struct event_truth *truth, const char *team,
    size_t *n)
{
	struct detect_indicator *list = NULL;
	size_t i, j;

	*n = 0;
	for (i = 0; i < truth->n_resolved; i++) {
		const struct event_truth_row *row = &truth->resolved[i];

		if (row->team == NULL || strcmp(row->team, team) != 0)
			continue;
		list = xrealloc(list, (*n + row->n_indicators + 1) *
		    sizeof(*list));
		for (j = 0; j < row->n_indicators; j++)
			list[(*n)++] = (struct detect_indicator){
			    indicator_type_parse(row->indicators[j].type),
			    row->indicators[j].value };
	}
	return list;
}

/* One attack per team the inject's truth was resolved for. */
static void
declare_inject(struct detect_ledger *d, const struct event_msel *m)
{
	const struct event_truth *truth = m->truth;
	struct detect_indicator *indicators;
	size_t i, n, attack;

	for (i = 0; i < truth->n_resolved; i++) {
		const struct event_truth_row *row = &truth->resolved[i];

		if (row->team == NULL)
			continue;
		indicators = team_indicators(truth, row->team, &n);
		attack = detect_attack(d, m->id, row->team, truth->technique,
		    indicators, n);
		detect_target(d, attack, row->target);
		free(indicators);
	}
}

static void
declare_msel(struct score_ledger *ledger, const struct event_msel *injects,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (injects[i].truth != NULL) {
			ledger->detecting = true;
			declare_inject(&ledger->detect, &injects[i]);
		}
}

void
score_detect_exercise(struct score_ledger *ledger,
    const struct event_exercise *x)
{
	size_t i;

	detect_clear(&ledger->detect);
	detect_init(&ledger->detect, x->has_detection ? &x->detection : NULL);
	ledger->detecting = x->has_detection;
	for (i = 0; i < x->n_teams; i++)
		if (x->teams[i].role == ROLE_BLUE)
			detect_team(&ledger->detect, x->teams[i].id);
	declare_msel(ledger, x->injects, x->n_injects);
}

void
score_detect_change(struct score_ledger *ledger, const struct event_change *c)
{
	static const struct detect_rules none;

	/* New rules count from now on; what was earned stays earned. */
	ledger->detect.rules = c->has_detection ? c->detection : none;
	ledger->detecting |= c->has_detection;
	declare_msel(ledger, c->injects, c->n_injects);
}

/* Each team's points, where score_total() finds them. */
static void
sync_points(struct score_ledger *ledger)
{
	const struct detect_team *t;
	size_t i;

	for (i = 0; i < ledger->n_teams; i++) {
		t = detect_team_of(&ledger->detect, ledger->teams[i].team->id);
		ledger->teams[i].detection = t != NULL ? t->points : 0;
	}
}

static void
fired(struct score_ledger *ledger, const struct event *ev)
{
	const struct event_inject *in = &ev->u.inject;
	size_t i;

	for (i = 0; i < in->n_targets; i++)
		detect_fired_at(&ledger->detect, in->id, in->targets[i], ev->t);
}

static void
reported(struct score_ledger *ledger, const struct event *ev)
{
	const struct event_report *r = &ev->u.report;
	struct detect_indicator *indicators;
	struct detect_sighting s = { .id = r->id, .team = r->team, .t = ev->t,
	    .technique = r->technique };
	size_t i;

	if (r->n_indicators == 0 && r->technique == NULL)
		return;
	indicators = xcalloc(r->n_indicators + 1, sizeof(*indicators));
	for (i = 0; i < r->n_indicators; i++)
		indicators[i] = (struct detect_indicator){
		    indicator_type_parse(r->indicators[i].type),
		    r->indicators[i].value };
	s.indicators = indicators;
	s.n_indicators = r->n_indicators;
	detect_sighting(&ledger->detect, &s);
	free(indicators);
}

/* Whether id is a blue team: only those are allies, red is none. */
static bool
is_blue(const struct score_ledger *ledger, const char *id)
{
	size_t i;

	for (i = 0; i < ledger->n_teams; i++)
		if (strcmp(ledger->teams[i].team->id, id) == 0)
			return ledger->teams[i].team->role == ROLE_BLUE;
	return false;
}

/*
 * An observation: a sighting that reached the blue teams of its `to`
 * (worked out at journaling from its TLP and the circles) other than
 * its own, who are the allies it was shared with.
 */
static void
observed(struct score_ledger *ledger, const struct event *ev)
{
	const struct event_intel *x = &ev->u.intel;
	struct detect_indicator *indicators;
	const char **allies;
	struct detect_sighting s = { .id = x->id, .team = x->team, .t = ev->t,
	    .technique = x->technique };
	size_t i;

	indicators = xcalloc(x->n_indicators + 1, sizeof(*indicators));
	for (i = 0; i < x->n_indicators; i++)
		indicators[i] = (struct detect_indicator){
		    indicator_type_parse(x->indicators[i].type),
		    x->indicators[i].value };
	allies = xcalloc(x->n_to + 1, sizeof(*allies));
	for (i = 0; i < x->n_to; i++)
		if (strcmp(x->to[i], x->team) != 0 && is_blue(ledger, x->to[i]))
			allies[s.n_to++] = x->to[i];
	s.indicators = indicators;
	s.n_indicators = x->n_indicators;
	s.to = allies;
	detect_sighting(&ledger->detect, &s);
	free(allies);
	free(indicators);
}

void
score_detect_event(struct score_ledger *ledger, const struct event *ev)
{
	switch (ev->type) {
	case EVENT_INJECT:
		fired(ledger, ev);
		break;
	case EVENT_REPORT:
		reported(ledger, ev);
		break;
	case EVENT_INTEL:
		observed(ledger, ev);
		break;
	default:
		return;
	}
	sync_points(ledger);
}

int
score_detect_restore(struct score_ledger *ledger, const json_t *o)
{
	struct detect_rules rules;
	char *error = NULL;

	if (detect_rules_from_json(json_object_get(o, "rules"), &rules) < 0)
		return -1;
	detect_clear(&ledger->detect);
	detect_init(&ledger->detect, &rules);
	if (detect_restore(&ledger->detect, json_object_get(o, "state"),
	    &error) < 0) {
		free(error);
		return -1;
	}
	ledger->detecting = true;
	sync_points(ledger);
	return 0;
}
