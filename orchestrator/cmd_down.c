/*
 * cmd_down.c: rangectl down FILE [--connect URI | --node URI...]
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "rangectl/cluster.h"
#include "rangectl/cmd.h"
#include "rangectl/provision.h"
#include "rangectl/range.h"

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
	if (provision_down_cluster(range.plan, &cl, &progress, &removed,
	    &error) < 0) {
		fprintf(stderr, "rangectl down: %s\n", error);
		rc = EXIT_FAILED;
	} else if (json) {
		printf("{\"range\": \"%s\", \"removed\": %zu}\n",
		    range.scenario->exercise.name, removed);
	} else {
		printf("range '%s' is down: %zu objects removed\n",
		    range.scenario->exercise.name, removed);
	}
	free(error);
	progress_destroy(&progress);
	cluster_close(&cl);
	range_clear(&range);
	return rc;
}

int
cmd_down(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_nodes nodes = { NULL, 0 };
	const char *connect = NULL;
	bool json = false, quiet = false, help = false;
	int c, rc = -1;

	optind = 0;
	while (rc < 0 && !help &&
	    (c = getopt_long(argc, argv, "c:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': connect = optarg; break;
		case 'N': cmd_nodes_add(&nodes, optarg); break;
		case 'j': json = true; break;
		case 'q': quiet = true; break;
		case 'h': help = true; break;
		default: rc = cmd_usage_error(ctx, "unknown option"); break;
		}
	}
	if (help) {
		cmd_print_help(ctx->cmd);
		rc = EXIT_OK;
	} else if (rc < 0 && argc - optind != 1) {
		rc = cmd_usage_error(ctx, "give exactly one scenario file");
	} else if (rc < 0) {
		rc = run_down(ctx, argv[optind], connect, &nodes, json, quiet);
	}
	cmd_nodes_clear(&nodes);
	return rc;
}
