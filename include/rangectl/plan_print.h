/*
 * plan_print.h: a plan as JSON (for scripts) or as tables (for people).
 */
#ifndef RANGECTL_PLAN_PRINT_H
#define RANGECTL_PLAN_PRINT_H

#include <stdio.h>

#include "rangectl/plan.h"

/*
 * Writes the plan as JSON, indented, keys in a fixed order, ending with a
 * newline, as it goes (no tree). Returns 0, or -1 when a write failed.
 */
int plan_print_json(const struct plan *plan, FILE *out);
void plan_print_table(const struct plan *plan, FILE *out);

#endif
