/*
 * cluster.h: the libvirt hosts (nodes) one range is spread over, each
 * with its open connection.
 *
 * A range without nodes is a cluster of one: --connect, else
 * exercise.connect. With nodes (the scenario's `nodes`, or --node on the
 * command line), each host lives on the node the plan placed it on, and
 * a network lives on the first node and every node that has a host on it.
 * Nodes are worked in parallel, a thread each: they are separate machines.
 */
#ifndef RANGECTL_CLUSTER_H
#define RANGECTL_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "rangectl/plan.h"
#include "rangectl/virt.h"

struct cluster {
	struct virt *nodes;	/* owned: one open connection per node */
	size_t n;
	bool spread;	/* named nodes: a host is on its plan_host.node */
	/*
	 * Owned, by node: the address the other nodes reach it on, for VXLAN;
	 * NULL when unknown. By default the URI's host when it is an IPv4
	 * address; the scenario's `underlay` overrides it.
	 */
	char **underlays;
};

struct xml_vxlan;

/*
 * Opens the n URIs at once. spread says whether they are named nodes
 * (false for the one URI of a range without nodes). Returns 0, or -1 with
 * *error set (the caller frees it) naming every URI that failed, with
 * nothing left open.
 */
int cluster_open(struct cluster *cl, const char *const *uris, size_t n,
    bool spread, char **error);
/* Closes every connection; safe on a zeroed or closed cluster. */
void cluster_close(struct cluster *cl);
/* Sets node's underlay address (copied). */
void cluster_set_underlay(struct cluster *cl, size_t node, const char *addr);
/* The host of a libvirt URI when it is an IPv4 address, else NULL (freed by the caller). */
char *cluster_uri_ipv4(const char *uri);

/* The VXLAN network identifier of network i: from its name, 1 to 2^24-1. */
unsigned long cluster_vni(const struct plan *plan, size_t network);
/*
 * What network i needs on node to reach its other nodes: 1 when it spans
 * no other node (no VXLAN); 0 with *vx filled (vx->peers is a new array
 * the caller frees); -1 with *error set when a node it spans has no
 * underlay address.
 */
int cluster_vxlan(const struct cluster *cl, const struct plan *plan,
    size_t network, size_t node, struct xml_vxlan *vx, char **error);

/*
 * Places plan's hosts on the nodes by what each node's libvirt reports
 * of its memory and processors (for --node, which gives no capacity).
 * Returns 0, or -1 with *error set when the range does not fit.
 */
int cluster_place_by_capacity(struct cluster *cl, struct plan *plan,
    char **error);

/* The node host i of plan lives on: 0 unless the cluster is spread. */
size_t cluster_host_node(const struct cluster *cl, const struct plan *plan,
    size_t host);
/*
 * Whether network i of plan lives on node: the first node (where rangectl
 * runs, with its address on every network, for its checks), or a node
 * where some host has a NIC on it.
 */
bool cluster_network_on(const struct cluster *cl, const struct plan *plan,
    size_t network, size_t node);
/* How many nodes network i lives on (more than one: it needs VXLAN). */
size_t cluster_network_span(const struct cluster *cl, const struct plan *plan,
    size_t network);
/*
 * Whether every network over several nodes has an underlay address on
 * each of them: 0, or -1 with *error naming the first network of the plan
 * that has not (so that up refuses before it builds anything).
 */
int cluster_check_underlays(const struct cluster *cl, const struct plan *plan,
    char **error);

/*
 * The connections of every node at one moment, for work that may touch
 * hosts on any of them (a firing, a round): a reference per node, NULL
 * for a node whose connection is lost.
 */
struct cluster_refs {
	const struct cluster *cl;	/* borrowed: which node a host is on */
	const struct plan *plan;	/* borrowed */
	virConnectPtr *conns;	/* owned, by node: a reference each, or NULL */
};

/* Host i's node's connection (borrowed from refs), or NULL; refs may be NULL. */
virConnectPtr cluster_refs_host(const struct cluster_refs *refs, size_t host);
/* The URI of host i's node, for messages. */
const char *cluster_host_uri(const struct cluster *cl, const struct plan *plan,
    size_t host);
/* Drops every reference; safe on a zeroed refs. */
void cluster_refs_drop(struct cluster_refs *refs);

/* Runs job(ctx, node) for every node at once, a thread each, and waits. */
void cluster_each(const struct cluster *cl, void (*job)(void *ctx,
    size_t node), void *ctx);

#endif
