/*
 * range.c: loading a scenario and planning it in one step.
 */
#include "rangectl/range.h"

#include <stddef.h>

int
range_load(struct range *range, const char *path, struct diag_list *diags)
{
	range->scenario = scenario_load_file(path, diags);
	range->plan = NULL;
	if (range->scenario == NULL)
		return -1;
	range->plan = plan_build(range->scenario, diags);
	if (range->plan == NULL) {
		range_clear(range);
		return -1;
	}
	return 0;
}

void
range_clear(struct range *range)
{
	if (range == NULL)
		return;
	plan_free(range->plan);
	scenario_free(range->scenario);
	range->plan = NULL;
	range->scenario = NULL;
}
