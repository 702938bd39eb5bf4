/*
 * cmd_plan.c: rangectl plan FILE [--json]
 */
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "rangectl/cmd.h"
#include "rangectl/plan_print.h"
#include "rangectl/range.h"
#include "rangectl/util.h"

/* What heap_prefault maps before loading: a plan of ~1,000 hosts. */
#define PLAN_HEAP_PREFAULT (1024 * 1024)

static int
plan_option(const struct cmd_ctx *ctx, int key, const char *value, void *arg)
{
	bool *json = arg;

	(void)value;
	if (key != 'j')
		return cmd_usage_error(ctx, "unknown option");
	*json = true;
	return CMD_GO_ON;
}

int
cmd_plan(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct diag_list diags;
	struct range range;
	bool json = false;
	int rc;

	rc = cmd_parse_options(ctx, argc, argv, plan_option, &json);
	if (rc != CMD_GO_ON)
		return rc;
	rc = EXIT_FAILED;
	if (argc - optind != 1)
		return cmd_usage_error(ctx, "give exactly one scenario file");
	/*
	 * A plan of a thousand hosts allocates about a megabyte in small
	 * pieces: mapped at once, it costs a fifth of what faulting it in
	 * page by page did (docs/BENCHMARKS.md, "plan --json").
	 */
	heap_prefault(PLAN_HEAP_PREFAULT);
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
