/*
 * cmd.h: the commands of rangectl, one cmd_*.c each, run from main's table.
 */
#ifndef RANGECTL_CMD_H
#define RANGECTL_CMD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rangectl/fairness.h"

#define RANGECTL_VERSION "0.1.0"

#ifndef RANGECTL_LIBEXECDIR
#define RANGECTL_LIBEXECDIR "/usr/local/libexec/rangectl"
#endif

/*
 * rangectl-virt is main.c built with RANGECTL_VIRT: up, down, status and
 * run (libvirt) and users (libsodium's Argon2id and GnuTLS) run there; in
 * rangectl they hand over to it, so that validate and plan load neither.
 */
#ifdef RANGECTL_VIRT
#define CMD_VIRT(fn) fn
#else
#define CMD_VIRT(fn) cmd_exec_virt
#endif

/* Exit statuses, the same for every command. */
#define EXIT_OK 0
#define EXIT_FAILED 1	/* invalid input or failed work */
#define EXIT_USAGE 2	/* the command line itself is wrong */

/* What every command gets beside its arguments. */
struct cmd_ctx {
	int verbose;	/* -v given this many times */
	const struct cmd *cmd;	/* the command being run, for its usage */
};

/*
 * One option of a command, the one place it is spelled: the command's
 * getopt_long table and short options, its lines of --help and what
 * `rangectl help --options` tells the bash completion are made from it.
 * A command's table ends with CMD_OPTION_HELP, then { NULL }.
 */
struct cmd_option {
	const char *name;	/* the long option, without its "--" */
	int key;	/* getopt_long's val: what the command's handler gets */
	bool letter;	/* -KEY is its short option too */
	const char *value;	/* the value's name ("URI"), NULL if it takes none */
	const char *help;	/* a sentence or more; --help wraps it */
};

/* Every command answers -h and --help, and cmd_parse_options does it. */
#define CMD_KEY_HELP 'h'
#define CMD_OPTION_HELP { "help", CMD_KEY_HELP, true, NULL, "this help" }

struct cmd {
	const char *name;
	const char *args;	/* the synopsis after the name: "FILE... [--json]" */
	const char *summary;	/* one sentence, without its period */
	const struct cmd_option *options;	/* as above */
	const char *notes;	/* a paragraph after the options, or NULL */
	/* argv[0] is the command's name; returns an exit status. */
	int (*run)(struct cmd_ctx *ctx, int argc, char **argv);
};

/* What a handler returns to go on parsing, and cmd_parse_options at the end. */
#define CMD_GO_ON (-1)

/*
 * Takes one option of ctx->cmd: key is its cmd_option's, value its value
 * (NULL if it takes none), arg the command's. Returns CMD_GO_ON, or an
 * exit status to stop with (having said why).
 */
typedef int cmd_option_fn(const struct cmd_ctx *ctx, int key,
    const char *value, void *arg);

/*
 * Parses the options of argv (argv[0] is the command's name) by the table
 * of ctx->cmd with getopt_long, so that they may come before or after the
 * operands, handing each to handle in order. --help prints the command's
 * help and stops with EXIT_OK; an unknown option, or one without its
 * value, is a usage error (getopt_long says which). Returns CMD_GO_ON with
 * optind at the first operand, or the exit status to stop with.
 */
int cmd_parse_options(const struct cmd_ctx *ctx, int argc, char **argv,
    cmd_option_fn *handle, void *arg);

/* Prints the command's usage to stderr and returns EXIT_USAGE. */
int cmd_usage_error(const struct cmd_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the command's full help to stdout. */
void cmd_print_help(const struct cmd *cmd);
/* Prints the --help lines of an option table ("  -c, --connect URI ..."). */
void cmd_print_option_help(const struct cmd_option *options, FILE *out);
/*
 * Prints each spelling of each option of the table, one a line, followed
 * by a blank and its value's name if it takes one ("-c URI", "--connect
 * URI", "--json"): what the bash completion reads.
 */
void cmd_print_option_list(const struct cmd_option *options, FILE *out);

/* How long up waits for guest agents, and where overlays go, by default. */
#define CMD_READY_TIMEOUT 300
#define CMD_POOL_ROOT "/var/lib/rangectl/pools"

/* The libvirt URI when --connect and exercise.connect are both absent. */
#define CMD_DEFAULT_URI "qemu:///system"

struct range;
struct cluster;

/* The --node URIs of a command line, in order (borrowed from argv). */
struct cmd_nodes {
	const char **uris;	/* owned array */
	size_t n;
};

void cmd_nodes_add(struct cmd_nodes *nodes, const char *uri);
void cmd_nodes_clear(struct cmd_nodes *nodes);

/*
 * Loads the scenario at path (made absolute, so that image paths are) and
 * connects to the nodes of its range: --node's URIs when given (placing
 * the hosts by what each node reports of its capacity), else the
 * scenario's nodes, else the one URI: --connect (NULL if not given), else
 * the scenario's exercise.connect, else CMD_DEFAULT_URI. --connect with
 * nodes is refused. Prints what went wrong and returns an exit status:
 * EXIT_OK with range and cl ready for the caller to clear and close.
 */
int cmd_open_cluster(const struct cmd_ctx *ctx, const char *path,
    const char *connect, const struct cmd_nodes *nodes, struct range *range,
    struct cluster *cl);
/*
 * The same, with check(range, arg) called once the scenario is loaded and
 * before any connection opens: any value but EXIT_OK (it printed why) ends
 * there and is returned, range cleared and nothing connected. `run`
 * checks its state folder so. When the check passed but a node cannot
 * be opened, undo(arg) (if not NULL) is called before range is cleared,
 * to drop what the check made of it.
 */
int cmd_open_cluster_checked(const struct cmd_ctx *ctx, const char *path,
    const char *connect, const struct cmd_nodes *nodes, struct range *range,
    struct cluster *cl, int (*check)(const struct range *, void *),
    void (*undo)(void *), void *arg);

/*
 * Runs the command in rangectl-virt, the build of rangectl that links
 * libvirt: loading libvirt's sixty libraries costs more than validate or
 * plan take, so rangectl itself does without them. Returns only on failure.
 */
int cmd_exec_virt(struct cmd_ctx *ctx, int argc, char **argv);

struct provision_counts;
/*
 * What `up` does, for `up` and `run`: takes each team's digests (and
 * warns of a team that did not get its role's range), provisions range on
 * the nodes of cl with progress on stderr (none when quiet), and gives
 * the range event (new; event may be NULL) with the live digests. 0, or
 * -1 with *error set.
 */
int cmd_up_range(const struct range *range, struct cluster *cl,
    const char *pool_root, long timeout, bool quiet,
    struct provision_counts *counts, json_t **event, char **error);

/*
 * Each team's digests of range (fairness.h, cmd_verify.c): its normalized
 * slice with the images' content (hashed through imagesum's cache), and,
 * when cl is given and its state lasts (not the test driver), of what
 * libvirt holds for it (fairness_live.h).
 */
struct cmd_digests {
	struct fairness_team *teams;	/* owned, n of them, in plan order */
	char (*live)[FAIRNESS_HEX];	/* owned, n of them; valid when has_live */
	size_t n;
	bool has_live;
	unsigned long long image_bytes;	/* read for the images, not cached */
};
/* 0, or -1 with *error set; cmd_digests_clear() frees d either way. */
int cmd_range_digests(const struct range *range, struct cluster *cl,
    struct cmd_digests *d, char **error);
void cmd_digests_clear(struct cmd_digests *d);
/* "rangectl WHO: warning: team 'ua' did not get..." for each, on stderr. */
void cmd_range_warn(const char *who, const struct cmd_digests *d);
/* The range event (event.h) of d, new, for the journal. */
json_t *cmd_range_event(const struct cmd_digests *d);

int cmd_validate(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_plan(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_up(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_down(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_status(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_run(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_report(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_users(struct cmd_ctx *ctx, int argc, char **argv);
int cmd_verify(struct cmd_ctx *ctx, int argc, char **argv);

#endif
