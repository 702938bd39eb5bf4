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
#include <unistd.h>

#include "rangectl/util.h"

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

/*
 * Where rangectl-virt is: beside this binary (a build folder), else in
 * ../libexec/rangectl from it (an installation, wherever its PREFIX and
 * DESTDIR put it), else where `make install` was told to put it. The
 * caller frees the result.
 */
static char *
virt_helper_path(void)
{
	static const char *const places[] = { "rangectl-virt",
	    "../libexec/rangectl/rangectl-virt" };
	char self[PATH_MAX], *slash, *path;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t i;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL)
			*slash = '\0';
		for (i = 0; slash != NULL && i < ARRAY_SIZE(places); i++) {
			path = xasprintf("%s/%s", self, places[i]);
			if (access(path, X_OK) == 0)
				return path;
			free(path);
		}
	}
	return xstrdup(RANGECTL_LIBEXECDIR "/rangectl-virt");
}

int
cmd_exec_virt(struct cmd_ctx *ctx, int argc, char **argv)
{
	char **args = xcalloc((size_t)argc + (size_t)ctx->verbose + 2,
	    sizeof(*args));
	char *path = virt_helper_path();
	int i, n = 0;

	args[n++] = path;
	for (i = 0; i < ctx->verbose; i++)
		args[n++] = "-v";
	for (i = 0; i < argc; i++)
		args[n++] = argv[i];
	execv(path, args);
	fprintf(stderr, "rangectl %s: cannot run '%s', the part of rangectl "
	    "that talks to libvirt: %s\n", ctx->cmd->name, path,
	    strerror(errno));
	free(path);
	free(args);
	return EXIT_FAILED;
}
