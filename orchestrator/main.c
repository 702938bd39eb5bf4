/*
 * main.c: rangectl's entry point: global options, then one command from
 * the table. Help is generated from the table, so it cannot go stale.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rangectl/cmd.h"
#include "rangectl/util.h"

static const struct cmd commands[] = {
	{ "validate", "FILE... [--json]",
	  "check scenarios and print every problem as FILE:LINE:COL: message",
	  "  --json         print the result of every file as JSON\n"
	  "  -q, --quiet    print nothing for valid files\n",
	  cmd_validate },
	{ "plan", "FILE [--json]",
	  "print the expanded range: networks, hosts, addresses, MACs, "
	  "bridges, routes, inject targets",
	  "  --json         print the plan as JSON instead of tables\n",
	  cmd_plan },
	{ "up", "FILE [--connect URI | --node URI...] [--timeout DURATION] "
	  "[--no-wait] [--json]",
	  "build the range (idempotent) and wait until every host is ready",
	  "  -c, --connect URI   libvirt URI (default: the scenario's "
	  "exercise.connect,\n                      else qemu:///system)\n"
	  "  --node URI          a libvirt host to spread the range over "
	  "(repeat it;\n                      replaces the scenario's nodes)\n"
	  "  --timeout DURATION  how long to wait for the guests' agents "
	  "(default 5m)\n"
	  "  --no-wait           do not wait for the guests\n"
	  "  --pool-dir DIR      where overlay volumes go (default "
	  "/var/lib/rangectl/pools)\n"
	  "  --json              print the result as JSON\n"
	  "  -q, --quiet         no progress\n",
	  CMD_VIRT(cmd_up) },
	{ "down", "FILE [--connect URI | --node URI...] [--json]",
	  "remove every object of the range, and nothing else",
	  "  -c, --connect URI   libvirt URI\n"
	  "  --node URI          a node of the range (repeat it)\n"
	  "  --json              print the result as JSON\n"
	  "  -q, --quiet         no progress\n",
	  CMD_VIRT(cmd_down) },
	{ "status", "FILE [--connect URI | --node URI...] [--json]",
	  "show each network and host of the range with its state",
	  "  -c, --connect URI   libvirt URI\n"
	  "  --node URI          a node of the range (repeat it)\n"
	  "  --json              print the status as JSON\n",
	  CMD_VIRT(cmd_status) },
	{ "run", "FILE [--connect URI] [--listen ADDR:PORT] [--state DIR] "
	  "[--speed N]",
	  "build the range, then run the exercise: clock, injects, scoring, "
	  "journal",
	  "  -c, --connect URI   libvirt URI\n"
	  "  --node URI          a node of the range (repeat it), as for up\n"
	  "  -s, --state DIR     the journal's folder (default "
	  "./state/EXERCISE);\n"
	  "                      a run resumes from the journal found there\n"
	  "  --speed N           exercise seconds per real second (default 1; "
	  "60 runs\n                      an hour in a minute)\n"
	  "  --listen ADDR:PORT  where the dashboard and API listen (default "
	  "127.0.0.1:8080;\n                      'off' for none)\n"
	  "  --linger DURATION   how long the dashboard stays up after the "
	  "end (default 10s)\n"
	  "  --keepalive DURATION\n                      how often live-event "
	  "streams get a ping (default 20s)\n"
	  "  --tls-cert FILE     serve HTTPS with this PEM certificate...\n"
	  "  --tls-key FILE      ...and its key\n"
	  "  --web DIR           the dashboard's files (default: web/ of the "
	  "source tree\n                      or of the installation)\n"
	  "  --wait              keep the clock pending until a controller "
	  "starts it\n"
	  "  --netns NAME        listen here, then run the checks inside the "
	  "network\n                      namespace NAME, where the guests "
	  "are (ip netns)\n"
	  "  --no-up             do not provision: the range is up already\n"
	  "  --timeout DURATION  how long up waits for the guests (default 5m)\n"
	  "  --pool-dir DIR      where overlay volumes go\n"
	  "  --json              print the final scores as JSON\n"
	  "  -q, --quiet         no progress and no event log\n"
	  "signals: INT or TERM finish the round and stop (the next run "
	  "resumes);\n  USR1 pauses the clock, USR2 resumes it.\n",
	  CMD_VIRT(cmd_run) },
	{ "report", "DIR [--json | --html FILE]",
	  "print the after-action report of a run from its state folder's "
	  "journal",
	  "  --json         print the report as JSON instead of tables\n"
	  "  --html FILE    write it as one self-contained HTML page to FILE "
	  "(- for\n                 standard output), with a chart of the "
	  "scores\n",
	  cmd_report },
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
	fprintf(out, "\nglobal options:\n"
	    "  -v, --verbose  say more (repeat for more still)\n"
	    "  -h, --help     this help; COMMAND --help for a command's\n"
	    "  --version      print the version\n\n"
	    "exit status: 0 success, 1 invalid input or failed work, "
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

/* "help COMMAND": the same as "COMMAND --help". */
static int
run_help(int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc < 2) {
		print_main_help(stdout);
		return EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (cmd == NULL)
		return unknown_command(argv[1]);
	cmd_print_help(cmd);
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct cmd_ctx ctx = { 0 };
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			print_main_help(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("rangectl %s\n", RANGECTL_VERSION);
			return EXIT_OK;
		} else if (strcmp(argv[i], "-v") == 0 ||
		    strcmp(argv[i], "--verbose") == 0) {
			ctx.verbose++;
		} else {
			fprintf(stderr, "rangectl: unknown option '%s'\n", argv[i]);
			print_main_help(stderr);
			return EXIT_USAGE;
		}
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
