/*
 * cmd_range.c: what the commands that talk to libvirt share.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/cluster.h"
#include "rangectl/cmd.h"
#include "rangectl/range.h"
#include "rangectl/util.h"
#include "rangectl/virt.h"

/* Loads and plans the scenario at path, made absolute so image paths are. */
static int
load_range(const struct cmd_ctx *ctx, const char *path, struct range *range)
{
	struct diag_list diags;
	char absolute[PATH_MAX];

	if (realpath(path, absolute) == NULL) {
		fprintf(stderr, "rangectl %s: cannot open scenario '%s': %s\n",
		    ctx->cmd->name, path, strerror(errno));
		return EXIT_FAILED;
	}
	diag_list_init(&diags);
	if (range_load(range, absolute, &diags) < 0) {
		diag_print(&diags, path, stderr);
		diag_list_clear(&diags);
		return EXIT_FAILED;
	}
	diag_list_clear(&diags);
	return EXIT_OK;
}

static const char *
single_uri(const struct range *range, const char *connect)
{
	return connect ? connect : range->plan->connect ?
	    range->plan->connect : CMD_DEFAULT_URI;
}

void
cmd_nodes_add(struct cmd_nodes *nodes, const char *uri)
{
	nodes->uris = xrealloc(nodes->uris, (nodes->n + 1) *
	    sizeof(*nodes->uris));
	nodes->uris[nodes->n++] = uri;
}

void
cmd_nodes_clear(struct cmd_nodes *nodes)
{
	free(nodes->uris);
	nodes->uris = NULL;
	nodes->n = 0;
}

/*
 * Connects to the nodes the range goes on: --node's (placed by what each
 * reports of its capacity), else the scenario's nodes (placed by plan),
 * else the one URI.
 */
static int
open_nodes(const struct range *range, const char *connect,
    const struct cmd_nodes *nodes, struct cluster *cl, char **error)
{
	const struct plan *plan = range->plan;
	const char **uris;
	size_t i;
	int rc;

	if (nodes->n > 0) {
		if (cluster_open(cl, nodes->uris, nodes->n, true, error) < 0)
			return -1;
		return cluster_place_by_capacity(cl, range->plan, error);
	}
	if (plan->n_nodes == 0) {
		uris = xcalloc(1, sizeof(*uris));
		uris[0] = single_uri(range, connect);
		rc = cluster_open(cl, uris, 1, false, error);
	} else {
		uris = xcalloc(plan->n_nodes, sizeof(*uris));
		for (i = 0; i < plan->n_nodes; i++)
			uris[i] = plan->nodes[i].uri;
		rc = cluster_open(cl, uris, plan->n_nodes, true, error);
		for (i = 0; rc == 0 && i < plan->n_nodes; i++)
			if (plan->nodes[i].underlay != NULL)
				cluster_set_underlay(cl, i,
				    plan->nodes[i].underlay);
	}
	free(uris);
	return rc;
}

int
cmd_open_cluster(const struct cmd_ctx *ctx, const char *path,
    const char *connect, const struct cmd_nodes *nodes, struct range *range,
    struct cluster *cl)
{
	return cmd_open_cluster_checked(ctx, path, connect, nodes, range, cl,
	    NULL, NULL, NULL);
}

int
cmd_open_cluster_checked(const struct cmd_ctx *ctx, const char *path,
    const char *connect, const struct cmd_nodes *nodes, struct range *range,
    struct cluster *cl, int (*check)(const struct range *, void *),
    void (*undo)(void *), void *arg)
{
	char *error = NULL;
	size_t i, j;
	int rc;

	if (connect != NULL && nodes->n > 0)
		return cmd_usage_error(ctx, "give --connect or --node, not both: "
		    "--connect names the one libvirt host of a range, --node "
		    "each of several");
	for (i = 0; i < nodes->n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(nodes->uris[i], nodes->uris[j]) == 0)
				return cmd_usage_error(ctx, "--node '%s' is given "
				    "twice: each node is named once",
				    nodes->uris[i]);
	rc = load_range(ctx, path, range);
	if (rc != EXIT_OK)
		return rc;
	if (connect != NULL && range->plan->n_nodes > 0) {
		fprintf(stderr, "rangectl %s: '%s' spreads its range over %zu "
		    "nodes; --connect names the one libvirt host of a range "
		    "without nodes: give --node for each node instead\n",
		    ctx->cmd->name, path, range->plan->n_nodes);
		range_clear(range);
		return EXIT_FAILED;
	}
	if (check != NULL && (rc = check(range, arg)) != EXIT_OK) {
		range_clear(range);
		return rc;
	}
	if (open_nodes(range, connect, nodes, cl, &error) < 0) {
		fprintf(stderr, "rangectl %s: %s\n", ctx->cmd->name, error);
		free(error);
		cluster_close(cl);
		if (undo != NULL)
			undo(arg);
		range_clear(range);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}
