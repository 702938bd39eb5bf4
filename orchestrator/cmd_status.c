/*
 * cmd_status.c: rangectl status FILE [--connect URI] [--json]
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "rangectl/cmd.h"
#include "rangectl/range.h"
#include "rangectl/status.h"

static int
run_status(const struct cmd_ctx *ctx, const char *file, const char *connect,
    bool json)
{
	struct range range;
	struct virt virt;
	char *error = NULL;
	json_t *status;
	int rc;

	rc = cmd_open_range(ctx, file, connect, &range, &virt);
	if (rc != EXIT_OK)
		return rc;
	status = status_collect(range.plan, &virt, &error);
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
	virt_close(&virt);
	range_clear(&range);
	return rc;
}

int
cmd_status(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *connect = NULL;
	bool json = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': connect = optarg; break;
		case 'j': json = true; break;
		case 'h': cmd_print_help(ctx->cmd); return EXIT_OK;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(ctx, "give exactly one scenario file");
	return run_status(ctx, argv[optind], connect, json);
}
