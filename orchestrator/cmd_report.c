/*
 * cmd_report.c: rangectl report DIR [--json]
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "rangectl/cmd.h"
#include "rangectl/report.h"

int
cmd_report(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "html", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report report;
	char *error = NULL;
	bool json = false;
	int c, rc = EXIT_OK;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'H':
			return cmd_usage_error(ctx, "--html is not available yet "
			    "(it comes in a later version); use --json or the "
			    "text report");
		case 'h':
			cmd_print_help(ctx->cmd);
			return EXIT_OK;
		default:
			return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (argc - optind != 1)
		return cmd_usage_error(ctx, "give exactly one state folder");
	if (report_load(&report, argv[optind], &error) < 0) {
		fprintf(stderr, "rangectl report: %s\n", error);
		free(error);
		return EXIT_FAILED;
	}
	if (json)
		rc = report_print_json(&report, stdout) == 0 ? EXIT_OK :
		    EXIT_FAILED;
	else
		report_print(&report, stdout);
	report_clear(&report);
	return rc;
}
