/*
 * cmd_users.c: rangectl users STATE [ACTION NAME]: the personal accounts
 * of a state folder (account.h): list them, set a password, disable or
 * enable a person, invite one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "rangectl/account.h"
#include "rangectl/auth.h"
#include "rangectl/cmd.h"
#include "rangectl/diag.h"
#include "rangectl/scenario.h"
#include "rangectl/units.h"
#include "rangectl/util.h"

struct users_args {
	const char *scenario;	/* --scenario: add its people first */
	const char *url;	/* the dashboard's address, for invitations */
	long expires;	/* seconds an invitation lasts */
	bool json;
};

static int
users_option(const struct cmd_ctx *ctx, int key, const char *value, void *arg)
{
	struct users_args *a = arg;
	const char *why;

	switch (key) {
	case 'j': a->json = true; break;
	case 'S': a->scenario = value; break;
	case 'u': a->url = value; break;
	case 'e':
		if (units_parse_duration(value, &a->expires, &why) < 0 ||
		    a->expires < 60)
			return cmd_usage_error(ctx, "invalid --expires '%s': %s",
			    value, a->expires < 60 ? "give 1m or more" : why);
		break;
	default:
		return cmd_usage_error(ctx, "unknown option");
	}
	return CMD_GO_ON;
}

/* --scenario: the people of the scenario get their accounts now. */
static int
sync_scenario(struct account_store *s, const char *file, const char *state)
{
	struct diag_list diags;
	struct scenario *sc;
	struct auth a = { 0 };
	char *error = NULL;
	int rc = -1;

	diag_list_init(&diags);
	sc = scenario_load_file(file, &diags);
	diag_print(&diags, file, stderr);
	diag_list_clear(&diags);
	if (sc == NULL)
		return -1;
	if (auth_load(&a, sc->teams, sc->n_teams, &sc->instructors,
	    state, &error) < 0 ||
	    account_sync(s, &a, &error) < 0)
		fprintf(stderr, "rangectl users: %s\n", error);
	else
		rc = 0;
	free(error);
	auth_clear(&a);
	scenario_free(sc);
	return rc;
}

static const char *
entry_state(const json_t *e)
{
	if (json_is_true(json_object_get(e, "disabled")))
		return "disabled";
	if (json_is_string(json_object_get(e, "hash")))
		return "active";
	if (json_integer_value(json_object_get(e, "invite_expires")) >
	    (json_int_t)time(NULL))
		return "invited";
	return "no-password";
}

static int
list(const struct account_store *s, bool json)
{
	json_t *e, *out = json_array();
	const char *name;

	json_object_foreach(json_object_get(s->doc, "accounts"), name, e) {
		json_array_append_new(out, json_pack("{s:s, s:o, s:o, s:s}",
		    "name", name, "role", json_copy(json_object_get(e, "role")),
		    "team", json_copy(json_object_get(e, "team")), "state",
		    entry_state(e)));
	}
	if (json_array_size(out) == 0)
		fprintf(stderr, "rangectl users: no accounts yet: give --scenario "
		    "FILE, or start the exercise once with rangectl run\n");
	if (json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		size_t i;

		printf("%-20s %-11s %-12s %s\n", "NAME", "ROLE", "TEAM", "STATE");
		for (i = 0; i < json_array_size(out); i++) {
			const json_t *r = json_array_get(out, i);
			const char *team = json_string_value(json_object_get(r,
			    "team"));

			printf("%-20s %-11s %-12s %s\n", json_string_value(
			    json_object_get(r, "name")), json_string_value(
			    json_object_get(r, "role")) ?: "-", team ? team : "-",
			    json_string_value(json_object_get(r, "state")));
		}
	}
	json_decref(out);
	return EXIT_OK;
}

/* One line of stdin without its newline, into buf. 0, or -1 at its end. */
static int
read_line(const char *prompt, char *buf, size_t size)
{
	bool tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	char *ok;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	ok = fgets(buf, (int)size, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (ok == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* The new password from the terminal (asked twice) or stdin's first line. */
static int
read_password(char *buf, size_t size)
{
	char again[ACCOUNT_PASSWORD_MAX + 2];

	if (read_line("new password: ", buf, size) < 0) {
		fprintf(stderr, "rangectl users: no password on standard input\n");
		return -1;
	}
	if (!isatty(STDIN_FILENO))
		return 0;
	if (read_line("again: ", again, sizeof(again)) < 0 ||
	    strcmp(buf, again) != 0) {
		fprintf(stderr, "rangectl users: the two passwords differ\n");
		return -1;
	}
	return 0;
}

static int
invite(struct account_store *s, const char *name, const struct users_args *a,
    char **error)
{
	char code[AUTH_TOKEN_LEN + 1];

	if (account_invite(s, name, a->expires, code, error) < 0)
		return -1;
	/* In the fragment: never sent to the server, nor to a proxy's log. */
	printf("%s/#invite=%s\n", a->url, code);
	fprintf(stderr, "the link works once, until %ld s from now; send it to "
	    "'%s' only\n", a->expires, name);
	return 0;
}

static int
act(struct account_store *s, const char *action, const char *name,
    const struct users_args *a)
{
	char password[ACCOUNT_PASSWORD_MAX + 2], *error = NULL;
	int rc = 0;

	if (strcmp(action, "set-password") == 0) {
		if (account_entry(s, name) == NULL) {
			error = xasprintf("there is no person '%s' in the accounts",
			    name);
			rc = -1;
		} else if (read_password(password, sizeof(password)) < 0)
			return EXIT_FAILED;
		else
			rc = account_set_password(s, name, password, &error);
		explicit_bzero(password, sizeof(password));
	} else if (strcmp(action, "disable") == 0 ||
	    strcmp(action, "enable") == 0) {
		rc = account_set_disabled(s, name, action[0] == 'd', &error);
	} else {
		rc = invite(s, name, a, &error);
	}
	if (rc < 0) {
		fprintf(stderr, "rangectl users: %s\n", error);
		free(error);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static bool
known_action(const char *action)
{
	static const char *const actions[] = { "set-password", "disable",
	    "enable", "invite" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(actions); i++)
		if (strcmp(action, actions[i]) == 0)
			return true;
	return false;
}

/* Whether path is a folder (following a link, as the state's may be). */
static bool
is_folder(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
cmd_users(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct users_args a = { .url = "https://127.0.0.1:8080", .expires =
	    ACCOUNT_INVITE_SECONDS };
	struct account_store s;
	char *error = NULL;
	int rc = cmd_parse_options(ctx, argc, argv, users_option, &a), n;

	if (rc != CMD_GO_ON)
		return rc;
	n = argc - optind;
	if (n != 1 && n != 3 && !(n == 2 && strcmp(argv[optind + 1], "list") ==
	    0))
		return cmd_usage_error(ctx, "give a state folder, then nothing, "
		    "'list', or an action and a name");
	if (n == 3 && !known_action(argv[optind + 1]))
		return cmd_usage_error(ctx, "unknown action '%s': give "
		    "set-password, disable, enable or invite", argv[optind + 1]);
	if (a.scenario == NULL && !is_folder(argv[optind])) {
		fprintf(stderr, "rangectl users: there is no state folder '%s': "
		    "give the folder of rangectl run's --state, or --scenario "
		    "FILE to make its accounts\n", argv[optind]);
		return EXIT_FAILED;
	}
	if (account_load(&s, argv[optind], &error) < 0) {
		fprintf(stderr, "rangectl users: %s\n", error);
		free(error);
		return EXIT_FAILED;
	}
	if (a.scenario != NULL && sync_scenario(&s, a.scenario,
	    argv[optind]) < 0)
		rc = EXIT_FAILED;
	else if (n == 3)
		rc = act(&s, argv[optind + 1], argv[optind + 2], &a);
	else
		rc = list(&s, a.json);
	account_clear(&s);
	return rc;
}
