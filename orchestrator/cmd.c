/*
 * cmd.c: what every command shares: its help and its usage errors.
 */
#include "rangectl/cmd.h"

#include <stdarg.h>
#include <stdio.h>

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
