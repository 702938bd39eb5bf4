/*
 * cmd_status.c: rangectl status FILE [--connect URI | --node URI...] [--json]
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "rangectl/cluster.h"
#include "rangectl/cmd.h"
#include "rangectl/range.h"
#include "rangectl/status.h"

static int
run_status(const struct cmd_ctx *ctx, const char *file, const char *connect,
    const struct cmd_nodes *nodes, bool json)
{
	struct range range;
	struct cluster cl;
	char *error = NULL;
	json_t *status;
	int rc;

	rc = cmd_open_cluster(ctx, file, connect, nodes, &range, &cl);
	if (rc != EXIT_OK)
		return rc;
	status = status_collect_cluster(range.plan, &cl, &error);
	if (status == NULL) {
		fprintf(stderr, "rangectl status: %s\n", error);
		rc = EXIT_FAILED;
	} else if (json) {
		json_dumpf(status, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		status_print_table(status, stdout);
	}
	json_decref(status);
	free(error);
	cluster_close(&cl);
	range_clear(&range);
	return rc;
}

int
cmd_status(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_nodes nodes = { NULL, 0 };
	const char *connect = NULL;
	bool json = false, help = false;
	int c, rc = -1;

	optind = 0;
	while (rc < 0 && !help &&
	    (c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': connect = optarg; break;
		case 'N': cmd_nodes_add(&nodes, optarg); break;
		case 'j': json = true; break;
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
		rc = run_status(ctx, argv[optind], connect, &nodes, json);
	}
	cmd_nodes_clear(&nodes);
	return rc;
}
