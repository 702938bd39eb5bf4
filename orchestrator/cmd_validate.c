/*
 * cmd_validate.c: rangectl validate FILE...
 *
 * Checks each scenario as `up` would (loading and planning it) without
 * touching a hypervisor, and prints every problem of every file.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

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

struct validate_args {
	bool json;
	bool quiet;
};

static int
validate_option(const struct cmd_ctx *ctx, int key, const char *value,
    void *arg)
{
	struct validate_args *a = arg;

	(void)value;
	switch (key) {
	case 'j': a->json = true; break;
	case 'q': a->quiet = true; break;
	default: return cmd_usage_error(ctx, "unknown option");
	}
	return CMD_GO_ON;
}

int
cmd_validate(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct validate_args a = { false, false };
	bool all_ok = true;
	json_t *files = NULL;
	int i, rc;

	rc = cmd_parse_options(ctx, argc, argv, validate_option, &a);
	if (rc != CMD_GO_ON)
		return rc;
	if (optind == argc)
		return cmd_usage_error(ctx, "no scenario file given");
	if (a.json)
		files = json_array();
	for (i = optind; i < argc; i++)
		all_ok &= validate_one(argv[i], a.quiet, files);
	if (a.json) {
		json_t *doc = json_pack("{s:b, s:o}", "valid", all_ok, "files",
		    files);

		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	}
	return all_ok ? EXIT_OK : EXIT_FAILED;
}
