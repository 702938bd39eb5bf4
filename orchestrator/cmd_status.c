/*
 * cmd_status.c: rangectl status FILE [--connect URI | --node URI...] [--json]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

struct status_args {
	const char *connect;
	struct cmd_nodes nodes;
	bool json;
};

static int
status_option(const struct cmd_ctx *ctx, int key, const char *value,
    void *arg)
{
	struct status_args *a = arg;

	switch (key) {
	case 'c': a->connect = value; break;
	case 'N': cmd_nodes_add(&a->nodes, value); break;
	case 'j': a->json = true; break;
	default: return cmd_usage_error(ctx, "unknown option");
	}
	return CMD_GO_ON;
}

int
cmd_status(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct status_args a = { NULL, { NULL, 0 }, false };
	int rc;

	rc = cmd_parse_options(ctx, argc, argv, status_option, &a);
	if (rc == CMD_GO_ON && argc - optind != 1)
		rc = cmd_usage_error(ctx, "give exactly one scenario file");
	else if (rc == CMD_GO_ON)
		rc = run_status(ctx, argv[optind], a.connect, &a.nodes, a.json);
	cmd_nodes_clear(&a.nodes);
	return rc;
}
