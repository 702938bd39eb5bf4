/*
 * cmd_down.c: rangectl down FILE [--connect URI | --node URI...]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rangectl/cluster.h"
#include "rangectl/cmd.h"
#include "rangectl/provision.h"
#include "rangectl/range.h"
#include "rangectl/vpn.h"

static int
run_down(const struct cmd_ctx *ctx, const char *file, const char *connect,
    const struct cmd_nodes *nodes, bool json, bool quiet)
{
	struct progress progress;
	struct range range;
	struct cluster cl;
	char *error = NULL;
	size_t removed = 0;
	int rc;

	rc = cmd_open_cluster(ctx, file, connect, nodes, &range, &cl);
	if (rc != EXIT_OK)
		return rc;
	progress_init(&progress, stderr, quiet);
	/* The VPN's namespaces and legs first: they hang on the bridges. */
	if (vpn_host_down(range.plan, &error) < 0) {
		fprintf(stderr, "rangectl down: %s\n", error);
		free(error);
		error = NULL;
	}
	if (provision_down_cluster(range.plan, &cl, &progress, &removed,
	    &error) < 0) {
		fprintf(stderr, "rangectl down: %s\n", error);
		rc = EXIT_FAILED;
	} else if (json) {
		printf("{\"range\": \"%s\", \"removed\": %zu}\n",
		    range.plan->exercise, removed);
	} else {
		printf("range '%s' is down: %zu objects removed\n",
		    range.plan->exercise, removed);
	}
	free(error);
	progress_destroy(&progress);
	cluster_close(&cl);
	range_clear(&range);
	return rc;
}

struct down_args {
	const char *connect;
	struct cmd_nodes nodes;
	bool json;
	bool quiet;
};

static int
down_option(const struct cmd_ctx *ctx, int key, const char *value, void *arg)
{
	struct down_args *a = arg;

	switch (key) {
	case 'c': a->connect = value; break;
	case 'N': cmd_nodes_add(&a->nodes, value); break;
	case 'j': a->json = true; break;
	case 'q': a->quiet = true; break;
	default: return cmd_usage_error(ctx, "unknown option");
	}
	return CMD_GO_ON;
}

int
cmd_down(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct down_args a = { NULL, { NULL, 0 }, false, false };
	int rc;

	rc = cmd_parse_options(ctx, argc, argv, down_option, &a);
	if (rc == CMD_GO_ON && argc - optind != 1)
		rc = cmd_usage_error(ctx, "give exactly one scenario file");
	else if (rc == CMD_GO_ON)
		rc = run_down(ctx, argv[optind], a.connect, &a.nodes, a.json,
		    a.quiet);
	cmd_nodes_clear(&a.nodes);
	return rc;
}
