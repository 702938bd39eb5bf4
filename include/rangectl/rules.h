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
/* rules_guest.c: a host's users, files and run commands (what names it). */
void rules_check_guest(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_host *h, const char *what);
/* rules_guest.c: a network's dns address. */
void rules_check_dns(struct schema_ctx *ctx,
    const struct scenario_network *net, const char *what);
/* rules_truth.c: an inject's truth (technique, indicators, effects). */
void rules_check_truth(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_inject *inj, const char *what);

/* rules_flag.c: the flags: ids, hosts (blue teams' only), paths. */
void rules_check_flags(const struct scenario *sc, struct schema_ctx *ctx);

#endif
