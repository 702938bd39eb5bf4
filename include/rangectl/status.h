/*
 * status.h: what of a range exists on a hypervisor, and in which state.
 */
#ifndef RANGECTL_STATUS_H
#define RANGECTL_STATUS_H

#include <jansson.h>
#include <stdio.h>

#include "rangectl/plan.h"
#include "rangectl/virt.h"

/*
 * The state of every planned network and host, and of what the range has
 * that the plan no longer names, as a new JSON object (the caller releases
 * it). NULL with *error set when the hypervisor cannot be listed.
 */
json_t *status_collect(const struct plan *plan, struct virt *virt,
    char **error);
struct cluster;
/*
 * The same over every node of cl. Spread over nodes, the document names
 * them ("nodes"), each host's "node", each network's nodes with its state
 * on each, and each stale object's node.
 */
json_t *status_collect_cluster(const struct plan *plan, struct cluster *cl,
    char **error);
void status_print_table(const json_t *status, FILE *out);

#endif
