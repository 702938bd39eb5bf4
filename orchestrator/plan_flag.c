/*
 * plan_flag.c: each scenario flag expanded to the blue teams' hosts its
 * `on` selector matches, one plan flag per host.
 */
#include <stdlib.h>

#include "rangectl/plan.h"
#include "rangectl/selector.h"
#include "rangectl/util.h"

/* Adds flag f's copies; returns how many hosts it matched. */
static size_t
expand_flag(struct plan *plan, const struct scenario *sc,
    const struct scenario_flag *f, size_t *alloc)
{
	struct selector sel;
	const char *why;
	size_t i, n = 0;

	if (selector_parse(f->on, sc, &sel, &why) < 0)
		return 0;	/* the loader reported it */
	for (i = 0; i < plan->n_hosts; i++) {
		const struct plan_host *h = &plan->hosts[i];

		if (h->team == NULL || h->team->role != ROLE_BLUE ||
		    !selector_matches(&sel, h->team, h->id))
			continue;
		xgrow(&plan->flags, alloc, plan->n_flags + 1,
		    sizeof(*plan->flags));
		plan->flags[plan->n_flags++] = (struct plan_flag){ .id =
		    xstrdup(f->id), .host = i, .team = h->team, .path =
		    xstrdup(f->path), .points = f->points, .penalty =
		    f->penalty >= 0 ? f->penalty : f->points, .rotate =
		    f->rotate };
		n++;
	}
	selector_clear(&sel);
	return n;
}

size_t
plan_flags_expand(struct plan *plan, const struct scenario *sc,
    struct diag_list *diags)
{
	size_t i, alloc = 0, errors = 0;

	for (i = 0; i < sc->n_flags; i++) {
		const struct scenario_flag *f = &sc->flags[i];

		if (expand_flag(plan, sc, f, &alloc) == 0) {
			diag_add(diags, scenario_pos(f->node, "on"), "flag '%s' "
			    "is on no host of a blue team ('%s')", f->id, f->on);
			errors++;
		}
	}
	return errors;
}

void
plan_flags_free(struct plan *plan)
{
	size_t i;

	if (plan == NULL)
		return;
	for (i = 0; i < plan->n_flags; i++) {
		free(plan->flags[i].id);
		free(plan->flags[i].path);
	}
	free(plan->flags);
	plan->flags = NULL;
	plan->n_flags = 0;
}
