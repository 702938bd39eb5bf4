/*
 * main.c: rangectl's entry point: global options, then one command from
 * the table. Each command's options are a table here too: its getopt
 * table, its --help and the bash completion's options are made from them,
 * so none can go stale.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rangectl/cmd.h"
#include "rangectl/util.h"

/*
 * Each command's options, in the order getopt_long matches abbreviations
 * against them (an ambiguous one lists its matches in this order). Keys
 * are those the command's handler switches on.
 */
static const struct cmd_option validate_options[] = {
	{ "json", 'j', false, NULL, "print the result of every file as JSON" },
	{ "quiet", 'q', true, NULL, "print nothing for valid files" },
	CMD_OPTION_HELP,
	{ NULL },
};

static const struct cmd_option plan_options[] = {
	{ "json", 'j', false, NULL, "print the plan as JSON instead of tables" },
	CMD_OPTION_HELP,
	{ NULL },
};

static const struct cmd_option up_options[] = {
	{ "connect", 'c', true, "URI", "libvirt URI (default: the scenario's "
	  "exercise.connect, else qemu:///system)" },
	{ "node", 'N', false, "URI", "a libvirt host to spread the range over "
	  "(repeat it; replaces the scenario's nodes)" },
	{ "timeout", 't', false, "DURATION", "how long to wait for the guests' "
	  "agents (default 5m)" },
	{ "no-wait", 'n', false, NULL, "do not wait for the guests" },
	{ "pool-dir", 'p', false, "DIR", "where overlay volumes go (default "
	  CMD_POOL_ROOT ")" },
	{ "json", 'j', false, NULL, "print the result as JSON" },
	{ "quiet", 'q', true, NULL, "no progress" },
	CMD_OPTION_HELP,
	{ NULL },
};

static const struct cmd_option down_options[] = {
	{ "connect", 'c', true, "URI", "libvirt URI" },
	{ "node", 'N', false, "URI", "a node of the range (repeat it)" },
	{ "json", 'j', false, NULL, "print the result as JSON" },
	{ "quiet", 'q', true, NULL, "no progress" },
	CMD_OPTION_HELP,
	{ NULL },
};

static const struct cmd_option status_options[] = {
	{ "connect", 'c', true, "URI", "libvirt URI" },
	{ "node", 'N', false, "URI", "a node of the range (repeat it)" },
	{ "json", 'j', false, NULL, "print the status as JSON" },
	CMD_OPTION_HELP,
	{ NULL },
};

static const struct cmd_option run_options[] = {
	{ "connect", 'c', true, "URI", "libvirt URI" },
	{ "node", 'U', false, "URI", "a node of the range (repeat it), as for "
	  "up" },
	{ "state", 's', true, "DIR", "the journal's folder (default "
	  "./state/EXERCISE); a run resumes from the journal found there" },
	{ "speed", 'S', false, "N", "exercise seconds per real second (default "
	  "1, at most 100000; 60 runs an hour in a minute)" },
	{ "listen", 'l', false, "ADDR:PORT", "where the dashboard and API "
	  "listen (default 127.0.0.1:8080; 'off' for none)" },
	{ "linger", 'L', false, "DURATION", "how long the dashboard stays up "
	  "after the end (default 10s)" },
	{ "keepalive", 'k', false, "DURATION", "how often live-event streams "
	  "get a ping (default 20s, 1s to 1h)" },
	{ "streams-per-person", 'P', false, "N", "live-event streams one person "
	  "may keep open (default 8)" },
	{ "netns", 'N', false, "NAME", "listen here, then run the checks inside "
	  "the network namespace NAME, where the guests are (ip netns)" },
	{ "simulate-checks", 'M', false, NULL, "send no check: draw each "
	  "round's results from the injects fired (the default on libvirt's "
	  "test driver without --netns)" },
	{ "web", 'W', false, "DIR", "the dashboard's files (default: web/ of "
	  "the source tree or of the installation)" },
	{ "tls-cert", 'C', false, "FILE", "serve HTTPS with this PEM "
	  "certificate..." },
	{ "tls-key", 'K', false, "FILE", "...and its key" },
	{ "tls-self-signed", 'G', false, NULL, "serve HTTPS with a key and "
	  "certificate made (once) in the state folder, and print its SHA-256 "
	  "fingerprint for the players to check" },
	{ "insecure-http", 'X', false, NULL, "allow plain HTTP on an address "
	  "other than loopback (passwords and cookies then cross the network "
	  "in clear)" },
	{ "session-idle", 'I', false, "DURATION", "a dashboard session ends "
	  "after this long without a request (default 30m)" },
	{ "session-lifetime", 'T', false, "DURATION", "...and this long after "
	  "its login, whatever (default 12h)" },
	{ "no-tokens", 'O', false, NULL, "refuse the tokens of "
	  "credentials.json: people log in with their passwords only" },
	{ "timeout", 't', false, "DURATION", "how long up waits for the guests "
	  "(default 5m)" },
	{ "pool-dir", 'p', false, "DIR", "where overlay volumes go" },
	{ "no-up", 'n', false, NULL, "do not provision: the range is up "
	  "already" },
	{ "wait", 'w', false, NULL, "keep the clock pending until a controller "
	  "starts it" },
	{ "accept-changes", 'A', false, NULL, "go on by a scenario whose MSEL "
	  "or scoring changed since the exercise began (journaled)" },
	{ "reset", 'R', false, NULL, "start afresh: move the state folder's "
	  "journal and checkpoint aside first (renamed, never deleted)" },
	{ "json", 'j', false, NULL, "print the final scores as JSON" },
	{ "quiet", 'q', true, NULL, "no progress and no event log" },
	CMD_OPTION_HELP,
	{ NULL },
};

static const struct cmd_option report_options[] = {
	{ "json", 'j', false, NULL, "print the report as JSON instead of "
	  "tables" },
	{ "html", 'H', false, "FILE", "write it as one self-contained HTML page "
	  "to FILE (- for standard output), with a chart of the scores" },
	CMD_OPTION_HELP,
	{ NULL },
};

static const struct cmd_option users_options[] = {
	{ "json", 'j', false, NULL, "list the accounts as JSON" },
	{ "scenario", 'S', false, "FILE", "give an account to every member and "
	  "instructor of FILE first (rangectl run does it when it starts)" },
	{ "expires", 'e', false, "DURATION", "how long an invitation lasts "
	  "(default 3d)" },
	{ "url", 'u', false, "URL", "the dashboard's address, for the "
	  "invitation link (default https://127.0.0.1:8080)" },
	CMD_OPTION_HELP,
	{ NULL },
};

static const struct cmd_option verify_options[] = {
	{ "connect", 'c', true, "URI", "libvirt URI (default: the scenario's "
	  "exercise.connect, else qemu:///system)" },
	{ "node", 'N', false, "URI", "a node of the range (repeat it), as for "
	  "up" },
	{ "no-live", 'L', false, NULL, "do not ask libvirt: check the scenario "
	  "and the images only" },
	{ "json", 'j', false, NULL, "print the verdict as JSON" },
	CMD_OPTION_HELP,
	{ NULL },
};

static const struct cmd commands[] = {
	{ "validate", "FILE... [--json]",
	  "check scenarios and print every problem as FILE:LINE:COL: message",
	  validate_options, NULL, cmd_validate },
	{ "plan", "FILE [--json]",
	  "print the expanded range: networks, hosts, addresses, MACs, "
	  "bridges, routes, inject targets",
	  plan_options, NULL, cmd_plan },
	{ "up", "FILE [--connect URI | --node URI...] [--timeout DURATION] "
	  "[--no-wait] [--json]",
	  "build the range (idempotent) and wait until every host is ready",
	  up_options, NULL, CMD_VIRT(cmd_up) },
	{ "down", "FILE [--connect URI | --node URI...] [--json]",
	  "remove every object of the range, and nothing else",
	  down_options, NULL, CMD_VIRT(cmd_down) },
	{ "status", "FILE [--connect URI | --node URI...] [--json]",
	  "show each network and host of the range with its state",
	  status_options, NULL, CMD_VIRT(cmd_status) },
	{ "run", "FILE [--connect URI] [--listen ADDR:PORT] [--state DIR] "
	  "[--speed N]",
	  "build the range, then run the exercise: clock, injects, scoring, "
	  "journal",
	  run_options, "signals: INT or TERM finish the round and stop (the "
	  "next run resumes); USR1 pauses the clock, USR2 resumes it.",
	  CMD_VIRT(cmd_run) },
	{ "report", "DIR [--json | --html FILE]",
	  "print the after-action report of a run from its state folder's "
	  "journal",
	  report_options, NULL, cmd_report },
	{ "users", "DIR [list | ACTION NAME] [--json]",
	  "list the personal accounts of a state folder, set a password, "
	  "disable or enable a person, or invite one with a one-time link",
	  users_options, "ACTION is set-password (read from the terminal, "
	  "twice, or from the first line of standard input), disable, enable "
	  "or invite (prints a link that works once, until it expires). "
	  "Disabling a person ends their sessions and event streams on the "
	  "running server within a second.", CMD_VIRT(cmd_users) },
	{ "verify", "STATE [--connect URI | --node URI...] [--no-live] "
	  "[--json]",
	  "say whether each team's range still is the one its run journaled: "
	  "scenario, base images and live range",
	  verify_options, "It recomputes each team's digests (networks, hosts, "
	  "checks, injects, images) from the scenario the journal names, the "
	  "images' content and what libvirt holds, and compares them with the "
	  "last range event of STATE's journal. Exit status 0 when every "
	  "team's holds, 1 when any changed.", CMD_VIRT(cmd_verify) },
};

/* The options before the command; main matches them whole, in its loop. */
enum { GLOBAL_VERSION = 'V' };

static const struct cmd_option global_options[] = {
	{ "verbose", 'v', true, NULL, "say more (repeat for more still)" },
	{ "help", CMD_KEY_HELP, true, NULL, "this help; COMMAND --help for a "
	  "command's" },
	{ "version", GLOBAL_VERSION, false, NULL, "print the version" },
	{ NULL },
};

static void
print_main_help(FILE *out)
{
	size_t i;

	fprintf(out, "usage: rangectl [-v] COMMAND [ARGS...]\n"
	    "       rangectl --help | --version | help COMMAND\n\n"
	    "rangectl runs cyber exercises: it reads a YAML scenario, builds "
	    "the range\nthrough libvirt, runs the exercise and keeps "
	    "score.\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nglobal options:\n");
	cmd_print_option_help(global_options, out);
	fprintf(out, "\nexit status: 0 success, 1 invalid input or failed work, "
	    "2 usage error.\nSee rangectl(1) and rangectl-scenario(5).\n");
}

static const struct cmd *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int
unknown_command(const char *name)
{
	const char *best = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (str_distance(name, commands[i].name, 2) <= 2)
			best = commands[i].name;
	fprintf(stderr, "rangectl: unknown command '%s'", name);
	if (best != NULL)
		fprintf(stderr, "; did you mean '%s'?", best);
	fprintf(stderr, "\nRun 'rangectl --help' for the list of commands.\n");
	return EXIT_USAGE;
}

/*
 * "help --commands" and "help --options [COMMAND]": the commands, and the
 * options of one (or the global ones), one a line, for the bash
 * completion, which asks the binary it completes rather than keep a list
 * of its own (see docs/internals/commands.md).
 */
static int
run_help_list(int argc, char **argv)
{
	const struct cmd *cmd;
	size_t i;

	if (strcmp(argv[1], "--commands") == 0 && argc == 2) {
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			printf("%s\n", commands[i].name);
		printf("help\n");
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--options") == 0 && argc == 2) {
		cmd_print_option_list(global_options, stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--options") != 0 || argc != 3) {
		fprintf(stderr, "usage: rangectl help [COMMAND | --commands | "
		    "--options [COMMAND]]\n");
		return EXIT_USAGE;
	}
	cmd = find_command(argv[2]);
	if (cmd == NULL)
		return unknown_command(argv[2]);
	cmd_print_option_list(cmd->options, stdout);
	return EXIT_OK;
}

/* "help COMMAND": the same as "COMMAND --help". */
static int
run_help(int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc < 2) {
		print_main_help(stdout);
		return EXIT_OK;
	}
	if (argv[1][0] == '-')
		return run_help_list(argc, argv);
	cmd = find_command(argv[1]);
	if (cmd == NULL)
		return unknown_command(argv[1]);
	cmd_print_help(cmd);
	return EXIT_OK;
}

/* The global option argv spells in full ("-v", "--verbose"), or NULL. */
static const struct cmd_option *
find_global(const char *arg)
{
	const struct cmd_option *o;

	for (o = global_options; o->name != NULL; o++)
		if ((o->letter && arg[1] == o->key && arg[2] == '\0') ||
		    (strncmp(arg, "--", 2) == 0 && strcmp(arg + 2, o->name) == 0))
			return o;
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct cmd_option *o;
	struct cmd_ctx ctx = { 0 };
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		o = find_global(argv[i]);
		if (o == NULL) {
			fprintf(stderr, "rangectl: unknown option '%s'\n", argv[i]);
			print_main_help(stderr);
			return EXIT_USAGE;
		} else if (o->key == CMD_KEY_HELP) {
			print_main_help(stdout);
			return EXIT_OK;
		} else if (o->key == GLOBAL_VERSION) {
			printf("rangectl %s\n", RANGECTL_VERSION);
			return EXIT_OK;
		}
		ctx.verbose++;
	}
	if (i == argc) {
		print_main_help(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return run_help(argc - i, argv + i);
	ctx.cmd = find_command(argv[i]);
	if (ctx.cmd == NULL)
		return unknown_command(argv[i]);
	return ctx.cmd->run(&ctx, argc - i, argv + i);
}
