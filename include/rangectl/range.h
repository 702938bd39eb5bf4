/*
 * range.h: a scenario loaded, checked and planned in one step, as every
 * command that takes a scenario file needs it. Only the plan is kept: it
 * stands alone (plan.h), so the scenario and its YAML tree are freed as
 * soon as it is built.
 */
#ifndef RANGECTL_RANGE_H
#define RANGECTL_RANGE_H

#include "rangectl/diag.h"
#include "rangectl/plan.h"

struct range {
	struct plan *plan;	/* owned */
};

/*
 * Loads, checks and plans the scenario at path. Returns 0, or -1 with
 * every problem in diags (and range left empty). The caller clears the
 * range with range_clear().
 */
int range_load(struct range *range, const char *path, struct diag_list *diags);
void range_clear(struct range *range);

#endif
