/*
 * cmd_validate.c: rangectl validate FILE...
 *
 * Checks each scenario as `up` would (loading and planning it) without
 * touching a hypervisor, and prints every problem of every file.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "rangectl/cmd.h"
#include "rangectl/range.h"

static json_t *
problems_to_json(const struct diag_list *diags)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < diags->count; i++)
		json_array_append_new(list, json_pack("{s:i, s:i, s:s}", "line",
		    diags->items[i].pos.line, "column", diags->items[i].pos.col,
		    "message", diags->items[i].message));
	return list;
}

/* Validates one file; true when valid. Adds its result to files if JSON. */
static bool
validate_one(const char *path, bool quiet, json_t *files)
{
	struct diag_list diags;
	struct range range;
	bool ok;

	diag_list_init(&diags);
	ok = range_load(&range, path, &diags) == 0;
	range_clear(&range);
	diag_sort(&diags);
	if (files != NULL)
		json_array_append_new(files, json_pack("{s:s, s:b, s:o}", "file",
		    path, "valid", ok, "problems", problems_to_json(&diags)));
	else if (!ok)
		diag_print(&diags, path, stderr);
	else if (!quiet)
		printf("%s: scenario OK\n", path);
	diag_list_clear(&diags);
	return ok;
}

int
cmd_validate(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, quiet = false, all_ok = true;
	json_t *files = NULL;
	int c, i;

	optind = 0;
	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			cmd_print_help(ctx->cmd);
			return EXIT_OK;
		default:
			return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind == argc)
		return cmd_usage_error(ctx, "no scenario file given");
	if (json)
		files = json_array();
	for (i = optind; i < argc; i++)
		all_ok &= validate_one(argv[i], quiet, files);
	if (json) {
		json_t *doc = json_pack("{s:b, s:o}", "valid", all_ok, "files",
		    files);

		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	}
	return all_ok ? EXIT_OK : EXIT_FAILED;
}
