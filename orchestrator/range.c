/*
 * range.c: loading a scenario and planning it in one step.
 */
#include "rangectl/range.h"

#include <stddef.h>

#include "rangectl/scenario.h"

int
range_load(struct range *range, const char *path, struct diag_list *diags)
{
	struct scenario *sc = scenario_load_file(path, diags);

	range->plan = sc != NULL ? plan_build(sc, diags) : NULL;
	/* The plan holds all that is needed of it, the tree included. */
	scenario_free(sc);
	return range->plan != NULL ? 0 : -1;
}

void
range_clear(struct range *range)
{
	if (range == NULL)
		return;
	plan_free(range->plan);
	range->plan = NULL;
}
