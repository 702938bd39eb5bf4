/*
 * place.c: hosts onto nodes, teams kept together (see place.h).
 */
#include "rangectl/place.h"

#include <stdbool.h>
#include <stdlib.h>

#include "rangectl/util.h"

#define MIB (1024ULL * 1024ULL)

/* A team's hosts, or one shared host, placed as a unit when it fits. */
struct place_group {
	size_t *hosts;	/* indexes into the caller's hosts */
	size_t n_hosts;
	unsigned long long memory;
	unsigned long vcpus;
	size_t first;	/* the lowest host index: a stable tie-break */
	bool shared;
	bool too_big;	/* no node could hold it whole, even empty */
};

/* What is left of each node as hosts land on it. */
struct place_free {
	unsigned long long memory;
	unsigned long vcpus;
};

static bool
fits(const struct place_free *f, unsigned long long memory,
    unsigned long vcpus)
{
	return f->memory >= memory && f->vcpus >= vcpus;
}

/* The share of a node's memory (then vCPUs) still free. */
static long double
share(unsigned long long free_, unsigned long long capacity)
{
	return capacity ? (long double)free_ / (long double)capacity : 0;
}

/*
 * The node with room and the largest share of its memory free, then of
 * its vCPUs, then the first; n if none has room. Shares, not amounts: a
 * node twice the size takes twice the hosts.
 */
static size_t
roomiest(const struct place_node *nodes, const struct place_free *free_,
    size_t n, unsigned long long memory, unsigned long vcpus)
{
	size_t i, best = n;
	long double m, c, best_m = 0, best_c = 0;

	for (i = 0; i < n; i++) {
		if (!fits(&free_[i], memory, vcpus))
			continue;
		m = share(free_[i].memory, nodes[i].memory);
		c = share(free_[i].vcpus, nodes[i].vcpus);
		if (best == n || m > best_m || (m == best_m && c > best_c)) {
			best = i;
			best_m = m;
			best_c = c;
		}
	}
	return best;
}

static void
take(struct place_free *f, unsigned long long memory, unsigned long vcpus)
{
	f->memory -= memory;
	f->vcpus -= vcpus;
}

/*
 * Teams that fit on a node first, larger first, so that they find a node
 * whole; then those that must be split; shared hosts last; then in order.
 */
static int
group_order(const void *a, const void *b)
{
	const struct place_group *x = a, *y = b;

	if (x->shared != y->shared)
		return x->shared ? 1 : -1;
	if (x->too_big != y->too_big)
		return x->too_big ? 1 : -1;
	if (x->memory != y->memory)
		return x->memory > y->memory ? -1 : 1;
	if (x->vcpus != y->vcpus)
		return x->vcpus > y->vcpus ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Hosts of a split group (indexes into arg): larger first, then in order. */
static int
host_order(const void *a, const void *b, void *arg)
{
	const struct place_host *hosts = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct place_host *x = &hosts[i], *y = &hosts[j];

	if (x->memory != y->memory)
		return x->memory > y->memory ? -1 : 1;
	if (x->vcpus != y->vcpus)
		return x->vcpus > y->vcpus ? -1 : 1;
	return i < j ? -1 : i > j;
}

/*
 * Groups hosts by team (a team is a group; each shared host its own).
 * Returns the groups (the caller frees them and their hosts) in *groups.
 */
static size_t
make_groups(const struct place_host *hosts, size_t n_hosts,
    struct place_group **groups)
{
	struct place_group *g = xcalloc(n_hosts ? n_hosts : 1, sizeof(*g));
	size_t *group_of_team = NULL, n_teams = 0, n = 0, i, k;

	for (i = 0; i < n_hosts; i++)
		if (hosts[i].team != PLACE_NO_TEAM && hosts[i].team + 1 > n_teams)
			n_teams = hosts[i].team + 1;
	group_of_team = xcalloc(n_teams ? n_teams : 1, sizeof(size_t));
	for (i = 0; i < n_teams; i++)
		group_of_team[i] = (size_t)-1;
	for (i = 0; i < n_hosts; i++) {
		size_t t = hosts[i].team;

		if (t == PLACE_NO_TEAM || group_of_team[t] == (size_t)-1) {
			k = n++;
			g[k].first = i;
			g[k].shared = t == PLACE_NO_TEAM;
			g[k].hosts = xcalloc(1, sizeof(size_t));
			if (t != PLACE_NO_TEAM)
				group_of_team[t] = k;
		} else {
			k = group_of_team[t];
			g[k].hosts = xrealloc(g[k].hosts, (g[k].n_hosts + 1) *
			    sizeof(size_t));
		}
		g[k].hosts[g[k].n_hosts++] = i;
		g[k].memory += hosts[i].memory;
		g[k].vcpus += hosts[i].vcpus;
	}
	free(group_of_team);
	*groups = g;
	return n;
}

/* Why a host has no room: the whole range, or this host, is too large. */
static char *
no_room(const struct place_node *nodes, size_t n_nodes,
    const struct place_host *hosts, size_t n_hosts,
    const struct place_free *free_, size_t host)
{
	unsigned long long need_mem = 0, have_mem = 0, most = 0;
	unsigned long need_cpu = 0, have_cpu = 0;
	size_t i;

	for (i = 0; i < n_hosts; i++) {
		need_mem += hosts[i].memory;
		need_cpu += hosts[i].vcpus;
	}
	for (i = 0; i < n_nodes; i++) {
		have_mem += nodes[i].memory;
		have_cpu += nodes[i].vcpus;
		if (free_[i].memory > most)
			most = free_[i].memory;
	}
	if (need_mem > have_mem || need_cpu > have_cpu)
		return xasprintf("the range does not fit on its %zu node(s): it "
		    "needs %llu MiB and %lu vCPUs, they have %llu MiB and %lu "
		    "vCPUs (%llu MiB and %lu vCPUs short)", n_nodes,
		    need_mem / MIB, need_cpu, have_mem / MIB, have_cpu,
		    need_mem > have_mem ? (need_mem - have_mem + MIB - 1) / MIB :
		    0, need_cpu > have_cpu ? need_cpu - have_cpu : 0);
	return xasprintf("host '%s' (%llu MiB, %lu vCPUs) fits on no node: "
	    "the most memory left on any one node is %llu MiB, though the "
	    "nodes have room in all; give a node more, or the host less",
	    hosts[host].name ? hosts[host].name : "?", hosts[host].memory / MIB,
	    hosts[host].vcpus, most / MIB);
}

/* Places g whole on the roomiest node with room for it; false if none. */
static bool
place_whole(const struct place_node *nodes, struct place_free *free_,
    size_t n_nodes, const struct place_group *g, size_t *node)
{
	size_t i, at = roomiest(nodes, free_, n_nodes, g->memory, g->vcpus);

	if (at == n_nodes)
		return false;
	take(&free_[at], g->memory, g->vcpus);
	for (i = 0; i < g->n_hosts; i++)
		node[g->hosts[i]] = at;
	return true;
}

/*
 * Splits g over as few nodes as it can: the roomiest node takes every
 * host (largest first) it has room for, then the next roomiest, and so
 * on. Returns 0, or -1 with *stuck the first host no node has room for.
 */
static int
place_split(const struct place_node *nodes, struct place_free *free_,
    size_t n_nodes,
    const struct place_host *hosts, struct place_group *g, size_t *node,
    size_t *stuck)
{
	bool *placed = xcalloc(g->n_hosts, sizeof(bool));
	size_t left = g->n_hosts, i, at;
	int rc = 0;

	qsort_r(g->hosts, g->n_hosts, sizeof(size_t), host_order,
	    (void *)hosts);
	while (left > 0) {
		for (i = 0; placed[i]; i++)
			;
		at = roomiest(nodes, free_, n_nodes, hosts[g->hosts[i]].memory,
		    hosts[g->hosts[i]].vcpus);
		if (at == n_nodes) {
			*stuck = g->hosts[i];
			rc = -1;
			break;
		}
		for (; i < g->n_hosts; i++) {
			const struct place_host *h = &hosts[g->hosts[i]];

			if (placed[i] || !fits(&free_[at], h->memory, h->vcpus))
				continue;
			take(&free_[at], h->memory, h->vcpus);
			node[g->hosts[i]] = at;
			placed[i] = true;
			left--;
		}
	}
	free(placed);
	return rc;
}

/* Whether some node, empty, could hold g whole. */
static bool
could_fit_whole(const struct place_node *nodes, size_t n_nodes,
    const struct place_group *g)
{
	size_t i;

	for (i = 0; i < n_nodes; i++)
		if (nodes[i].memory >= g->memory && nodes[i].vcpus >= g->vcpus)
			return true;
	return false;
}

int
place_hosts(const struct place_node *nodes, size_t n_nodes,
    const struct place_host *hosts, size_t n_hosts, size_t *node,
    char **error)
{
	struct place_free *free_ = NULL;
	struct place_group *groups = NULL;
	size_t n_groups, i, stuck = 0;
	int rc = -1;

	if (n_nodes == 0) {
		*error = xstrdup("no node to place the hosts on");
		return -1;
	}
	free_ = xcalloc(n_nodes, sizeof(*free_));
	for (i = 0; i < n_nodes; i++)
		free_[i] = (struct place_free){ nodes[i].memory, nodes[i].vcpus };
	n_groups = make_groups(hosts, n_hosts, &groups);
	for (i = 0; i < n_groups; i++)
		groups[i].too_big = !groups[i].shared &&
		    !could_fit_whole(nodes, n_nodes, &groups[i]);
	qsort(groups, n_groups, sizeof(*groups), group_order);
	for (i = 0; i < n_groups; i++) {
		if (!groups[i].too_big && place_whole(nodes, free_, n_nodes,
		    &groups[i], node))
			continue;
		if (place_split(nodes, free_, n_nodes, hosts, &groups[i], node,
		    &stuck) < 0) {
			*error = no_room(nodes, n_nodes, hosts, n_hosts, free_,
			    stuck);
			goto cleanup;
		}
	}
	rc = 0;
cleanup:
	for (i = 0; i < n_groups; i++)
		free(groups[i].hosts);
	free(groups);
	free(free_);
	return rc;
}
