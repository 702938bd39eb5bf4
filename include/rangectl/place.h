/*
 * place.h: which node (libvirt host) each host of a range goes to.
 *
 * Pure: no libvirt, no I/O. The rules, in order:
 *   1. capacities are never exceeded, in memory nor in vCPUs;
 *   2. a team's hosts stay on one node when some node has room for all of
 *      them (its networks then stay local: no VXLAN for them);
 *   3. among the nodes with room, the one with the largest share of its
 *      memory free (then of its vCPUs, then the first listed) takes it,
 *      which spreads teams over the nodes in proportion to their size;
 *   4. the same input gives the same placement, always.
 * Teams go largest first (by memory), so that the big ones find room.
 * A team no node can hold whole goes after those, split over as few nodes
 * as it can (the roomiest takes every host it has room for, largest
 * first, then the next). Hosts of no team (shared) go last, one by one.
 */
#ifndef RANGECTL_PLACE_H
#define RANGECTL_PLACE_H

#include <stddef.h>

#define PLACE_NO_TEAM ((size_t)-1)

struct place_node {
	unsigned long long memory;	/* bytes */
	unsigned long vcpus;
};

struct place_host {
	const char *name;	/* for messages only */
	size_t team;	/* any number naming the team, or PLACE_NO_TEAM */
	unsigned long long memory;	/* bytes */
	unsigned long vcpus;
};

/*
 * Places n_hosts hosts on n_nodes nodes: node[i] is the node index of
 * hosts[i]. Returns 0, or -1 with *error set (the caller frees it) when
 * the range does not fit, saying by how much.
 */
int place_hosts(const struct place_node *nodes, size_t n_nodes,
    const struct place_host *hosts, size_t n_hosts, size_t *node,
    char **error);

#endif
