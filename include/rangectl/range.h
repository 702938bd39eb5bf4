/*
 * range.h: a scenario and its plan, loaded and checked together, as every
 * command that takes a scenario file needs them.
 */
#ifndef RANGECTL_RANGE_H
#define RANGECTL_RANGE_H

#include "rangectl/diag.h"
#include "rangectl/plan.h"
#include "rangectl/scenario.h"

struct range {
	struct scenario *scenario;
	struct plan *plan;
};

/*
 * Loads, checks and plans the scenario at path. Returns 0, or -1 with
 * every problem in diags (and range left empty). The caller clears the
 * range with range_clear().
 */
int range_load(struct range *range, const char *path, struct diag_list *diags);
void range_clear(struct range *range);

#endif
