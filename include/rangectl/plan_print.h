/*
 * plan_print.h: a plan as JSON (for scripts) or as tables (for people).
 */
#ifndef RANGECTL_PLAN_PRINT_H
#define RANGECTL_PLAN_PRINT_H

#include <jansson.h>
#include <stdio.h>

#include "rangectl/plan.h"

/* The plan as a new JSON object; the caller releases it with json_decref. */
json_t *plan_to_json(const struct plan *plan);
/* Writes the JSON, indented, keys in a fixed order, ending with a newline. */
int plan_print_json(const struct plan *plan, FILE *out);
void plan_print_table(const struct plan *plan, FILE *out);

#endif
