/*
 * cmd.c: what every command shares: its help and its usage errors.
 */
#include "rangectl/cmd.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/range.h"
#include "rangectl/virt.h"

void
cmd_print_help(const struct cmd *cmd)
{
	printf("usage: rangectl %s %s\n\n%s.\n\noptions:\n%s"
	    "  -h, --help     this help\n", cmd->name, cmd->args, cmd->summary,
	    cmd->options);
}

int
cmd_usage_error(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rangectl %s: ", ctx->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: rangectl %s %s\n", ctx->cmd->name,
	    ctx->cmd->args);
	return EXIT_USAGE;
}

int
cmd_open_range(const struct cmd_ctx *ctx, const char *path,
    const char *connect, struct range *range, struct virt *virt)
{
	struct diag_list diags;
	char absolute[PATH_MAX], *error = NULL;
	const char *uri;

	if (realpath(path, absolute) == NULL) {
		fprintf(stderr, "rangectl %s: cannot open scenario '%s': %s\n",
		    ctx->cmd->name, path, strerror(errno));
		return EXIT_FAILED;
	}
	diag_list_init(&diags);
	if (range_load(range, absolute, &diags) < 0) {
		diag_print(&diags, path, stderr);
		diag_list_clear(&diags);
		return EXIT_FAILED;
	}
	diag_list_clear(&diags);
	uri = connect ? connect : range->scenario->exercise.connect ?
	    range->scenario->exercise.connect : CMD_DEFAULT_URI;
	if (virt_open(virt, uri, &error) < 0) {
		fprintf(stderr, "rangectl %s: %s\n", ctx->cmd->name, error);
		free(error);
		range_clear(range);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}
