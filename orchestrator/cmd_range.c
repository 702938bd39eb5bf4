/*
 * cmd_range.c: what the commands that talk to libvirt share.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/cmd.h"
#include "rangectl/range.h"
#include "rangectl/virt.h"

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
	if (range->scenario->n_nodes > 0) {
		/* Rather than build a range meant for several hosts on one. */
		fprintf(stderr, "rangectl %s: '%s' spreads its range over %zu "
		    "nodes, and %s does not drive a range across nodes yet; "
		    "'rangectl plan' shows where each host would go. Without "
		    "'nodes', the range is made on one libvirt host.\n",
		    ctx->cmd->name, path, range->scenario->n_nodes,
		    ctx->cmd->name);
		range_clear(range);
		return EXIT_FAILED;
	}
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
