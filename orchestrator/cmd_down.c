/*
 * cmd_down.c: rangectl down FILE [--connect URI]
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "rangectl/cmd.h"
#include "rangectl/provision.h"
#include "rangectl/range.h"

static int
run_down(const struct cmd_ctx *ctx, const char *file, const char *connect,
    bool json, bool quiet)
{
	struct progress progress;
	struct range range;
	struct virt virt;
	char *error = NULL;
	size_t removed = 0;
	int rc;

	rc = cmd_open_range(ctx, file, connect, &range, &virt);
	if (rc != EXIT_OK)
		return rc;
	progress_init(&progress, stderr, quiet);
	if (provision_down(range.plan, &virt, &progress, &removed, &error) < 0) {
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
	virt_close(&virt);
	range_clear(&range);
	return rc;
}

int
cmd_down(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *connect = NULL;
	bool json = false, quiet = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': connect = optarg; break;
		case 'j': json = true; break;
		case 'q': quiet = true; break;
		case 'h': cmd_print_help(ctx->cmd); return EXIT_OK;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(ctx, "give exactly one scenario file");
	return run_down(ctx, argv[optind], connect, json, quiet);
}
