/*
 * cmd.h: the commands of rangectl, one cmd_*.c each, run from main's table.
 */
#ifndef RANGECTL_CMD_H
#define RANGECTL_CMD_H

#define RANGECTL_VERSION "0.1.0"

/* Exit statuses, the same for every command. */
#define EXIT_OK 0
#define EXIT_FAILED 1	/* invalid input or failed work */
#define EXIT_USAGE 2	/* the command line itself is wrong */

/* What every command gets beside its arguments. */
struct cmd_ctx {
	int verbose;	/* -v given this many times */
	const struct cmd *cmd;	/* the command being run, for its usage */
};

struct cmd {
	const char *name;
	const char *args;	/* "FILE... [--json]" */
	const char *summary;	/* one line */
	const char *options;	/* the option lines of its --help */
	/* argv[0] is the command's name; returns an exit status. */
	int (*run)(struct cmd_ctx *ctx, int argc, char **argv);
};

/* Prints the command's usage to stderr and returns EXIT_USAGE. */
int cmd_usage_error(const struct cmd_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the command's full help to stdout. */
void cmd_print_help(const struct cmd *cmd);

int cmd_validate(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_plan(struct cmd_ctx *ctx, int argc, char **argv);

#endif
