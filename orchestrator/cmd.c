/*
 * cmd.c: what every command shares: its options, its help and its usage
 * errors, all made from its table in main.c.
 */
#include "rangectl/cmd.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rangectl/util.h"

/* The width of --help; an option spelled longer than SPELL_MAX has a line. */
#define HELP_WIDTH 79
#define SPELL_MAX 18

/* "-c, --connect URI", "--node URI" or "--json" into buf; its length. */
static int
spell_option(const struct cmd_option *o, char *buf, size_t size)
{
	const char *blank = o->value ? " " : "", *value = o->value ? o->value : "";

	if (o->letter)
		return snprintf(buf, size, "-%c, --%s%s%s", o->key, o->name,
		    blank, value);
	return snprintf(buf, size, "--%s%s%s", o->name, blank, value);
}

/* Prints text from column col on, wrapped, later lines indented to col. */
static void
print_wrapped(FILE *out, const char *text, int col)
{
	int at = col;
	size_t n;

	text += strspn(text, " ");
	while (*text != '\0') {
		n = strcspn(text, " ");
		if (at > col && at + 1 + (int)n > HELP_WIDTH) {
			fprintf(out, "\n%*s", col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', out);
			at++;
		}
		fwrite(text, 1, n, out);
		at += (int)n;
		text += n;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

void
cmd_print_option_help(const struct cmd_option *options, FILE *out)
{
	const struct cmd_option *o;
	char spelled[128];
	int width = 0, n;

	for (o = options; o->name != NULL; o++) {
		n = spell_option(o, spelled, sizeof(spelled));
		if (n <= SPELL_MAX && n > width)
			width = n;
	}
	for (o = options; o->name != NULL; o++) {
		n = spell_option(o, spelled, sizeof(spelled));
		if (n > width)
			fprintf(out, "  %s\n%*s", spelled, width + 4, "");
		else
			fprintf(out, "  %-*s  ", width, spelled);
		print_wrapped(out, o->help, width + 4);
	}
}

void
cmd_print_option_list(const struct cmd_option *options, FILE *out)
{
	const struct cmd_option *o;

	for (o = options; o->name != NULL; o++) {
		if (o->letter)
			fprintf(out, "-%c%s%s\n", o->key, o->value ? " " : "",
			    o->value ? o->value : "");
		fprintf(out, "--%s%s%s\n", o->name, o->value ? " " : "",
		    o->value ? o->value : "");
	}
}

void
cmd_print_help(const struct cmd *cmd)
{
	char *summary = xasprintf("%s.", cmd->summary);

	printf("usage: rangectl %s %s\n\n", cmd->name, cmd->args);
	print_wrapped(stdout, summary, 0);
	printf("\noptions:\n");
	cmd_print_option_help(cmd->options, stdout);
	if (cmd->notes != NULL) {
		putchar('\n');
		print_wrapped(stdout, cmd->notes, 0);
	}
	free(summary);
}

/*
 * A table that is wrong (a key twice, a short option that is no letter,
 * no --help) is rangectl's bug: say so and stop, on the first run of the
 * command, before it can mean the wrong option.
 */
static void
check_table(const struct cmd *cmd)
{
	const struct cmd_option *o, *p;
	bool help = false;

	for (o = cmd->options; o->name != NULL; o++) {
		help |= o->key == CMD_KEY_HELP && strcmp(o->name, "help") == 0;
		for (p = cmd->options; p != o; p++)
			if (p->key == o->key || strcmp(p->name, o->name) == 0)
				break;
		if (p != o || o->key <= 0 || o->key == '?' || o->key == ':' ||
		    (o->letter && !(o->key < 128 && isalnum(o->key)))) {
			fprintf(stderr, "rangectl %s: the option table is wrong "
			    "at '--%s'\n", cmd->name, o->name);
			abort();
		}
	}
	if (!help) {
		fprintf(stderr, "rangectl %s: the option table has no --help\n",
		    cmd->name);
		abort();
	}
}

/*
 * The getopt_long table of cmd's options (ending with a zeroed entry) and
 * its short options ("c:qh"), in the table's order: abbreviations that
 * match several long options are listed in it. The caller frees both.
 */
static void
build_getopt(const struct cmd *cmd, struct option **longopts, char **shortopts)
{
	const struct cmd_option *o;
	size_t n = 0, i = 0;
	char *s;

	check_table(cmd);
	for (o = cmd->options; o->name != NULL; o++)
		n++;
	*longopts = xcalloc(n + 1, sizeof(**longopts));
	*shortopts = s = xcalloc(2 * n + 1, 1);
	for (o = cmd->options; o->name != NULL; o++, i++) {
		(*longopts)[i] = (struct option){ o->name, o->value ?
		    required_argument : no_argument, NULL, o->key };
		if (o->letter) {
			*s++ = (char)o->key;
			if (o->value != NULL)
				*s++ = ':';
		}
	}
}

int
cmd_parse_options(const struct cmd_ctx *ctx, int argc, char **argv,
    cmd_option_fn *handle, void *arg)
{
	struct option *longopts;
	char *shortopts;
	int c, rc = CMD_GO_ON;

	build_getopt(ctx->cmd, &longopts, &shortopts);
	optind = 0;
	while (rc == CMD_GO_ON && (c = getopt_long(argc, argv, shortopts,
	    longopts, NULL)) != -1) {
		if (c == CMD_KEY_HELP) {
			cmd_print_help(ctx->cmd);
			rc = EXIT_OK;
		} else if (c == '?' || c == ':') {
			rc = cmd_usage_error(ctx, "unknown option");
		} else {
			rc = handle(ctx, c, optarg, arg);
		}
	}
	free(shortopts);
	free(longopts);
	return rc;
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
	    "that runs it: %s\n", ctx->cmd->name, path,
	    strerror(errno));
	free(path);
	free(args);
	return EXIT_FAILED;
}
