/*
 * rules.h: how the values of a decoded scenario must fit together.
 *
 * The decoder checks each value alone; these rules check references
 * (a host's image, a NIC's network, a selector's team), uniqueness,
 * what each inject action needs, and fill in what follows from the rest
 * (team indexes, defaults that depend on other keys).
 */
#ifndef RANGECTL_RULES_H
#define RANGECTL_RULES_H

#include "rangectl/scenario.h"
#include "rangectl/schema.h"

/* Reports every broken rule through ctx. */
void rules_check(struct scenario *sc, struct schema_ctx *ctx);

#endif
