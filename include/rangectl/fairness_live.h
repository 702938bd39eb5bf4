/*
 * fairness_live.h: the live side of fairness.h, at the libvirt edge:
 * for each team, a digest of what the hypervisors hold for it.
 */
#ifndef RANGECTL_FAIRNESS_LIVE_H
#define RANGECTL_FAIRNESS_LIVE_H

#include <stdbool.h>

#include "rangectl/fairness.h"
#include "rangectl/plan.h"

struct cluster;

/*
 * For each team of plan (plan->n_teams entries of out): the SHA-256 of
 * the sorted lines "KIND NAME DIGEST" of every domain and network on the
 * nodes of cl tagged with the plan's exercise and that team, DIGEST being
 * the tag's digest of the definition it was made from (xml.h). So a
 * domain redefined by hand, added or removed changes it. Returns 0, or -1
 * with *error set (the caller frees it).
 */
int fairness_live(const struct plan *plan, struct cluster *cl,
    char (*out)[FAIRNESS_HEX], char **error);

/*
 * Whether a live digest can be compared later: not on libvirt's test
 * driver, whose state is the process's own.
 */
bool fairness_live_lasts(const struct cluster *cl);

#endif
