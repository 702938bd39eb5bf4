/*
 * cmd_plan.c: rangectl plan FILE [--json]
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "rangectl/cmd.h"
#include "rangectl/plan_print.h"
#include "rangectl/range.h"

int
cmd_plan(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diag_list diags;
	struct range range;
	bool json = false;
	int c, rc = EXIT_FAILED;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			cmd_print_help(ctx->cmd);
			return EXIT_OK;
		default:
			return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(ctx, "give exactly one scenario file");
	diag_list_init(&diags);
	if (range_load(&range, argv[optind], &diags) < 0) {
		diag_print(&diags, argv[optind], stderr);
		goto cleanup;
	}
	if (json)
		rc = plan_print_json(range.plan, stdout) == 0 ? EXIT_OK : EXIT_FAILED;
	else {
		plan_print_table(range.plan, stdout);
		rc = EXIT_OK;
	}
	range_clear(&range);
cleanup:
	diag_list_clear(&diags);
	return rc;
}
