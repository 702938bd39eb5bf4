/*
 * test_auth.c: credentials.json made, kept, grown and pruned; refused when
 * readable by others or malformed; roles; checking Authorization headers.
 */
#include "harness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "rangectl/auth.h"
#include "rangectl/util.h"

/* A scenario of teams ro (blue), red and white, and instructors. */
static struct scenario *
load_text(const char *ro, const char *red, const char *white,
    const char *instructors)
{
	struct diag_list diags;
	struct scenario *sc;
	char *text = xasprintf(
	    "version: 1\n"
	    "exercise: {name: t, duration: 1h}\n"
	    "images: {a: {kernel: k}}\n"
	    "teams:\n"
	    "  - {id: ro, role: blue, members: [%s]}\n"
	    "  - {id: red, role: red, members: [%s]}\n"
	    "  - {id: white, role: white, members: [%s]}\n"
	    "instructors: [%s]\n"
	    "networks: [{id: n, cidr: 10.0.0.0/24}]\n"
	    "hosts: [{id: web, per_team: blue, image: a, nics: [{network: n}]}]\n",
	    ro, red, white, instructors);

	diag_list_init(&diags);
	sc = scenario_load_buffer(text, strlen(text), "t.yaml", &diags);
	diag_print(&diags, "t.yaml", stderr);
	diag_list_clear(&diags);
	free(text);
	return sc;
}

static char *
fresh_dir(void)
{
	char *dir = xstrdup("/tmp/rangectl-auth-XXXXXX");

	CHECK(mkdtemp(dir) != NULL);
	return dir;
}

static char *
creds_path(const char *dir)
{
	return xasprintf("%s/%s", dir, AUTH_FILE);
}

static void
remove_dir(char *dir)
{
	char *file = creds_path(dir), *tmp = xasprintf("%s.tmp", file);

	unlink(file);
	unlink(tmp);
	CHECK(rmdir(dir) == 0);
	free(tmp);
	free(file);
	free(dir);
}

/* Loads sc's credentials from dir, printing the error if any. */
static int
load(struct auth *a, const struct scenario *sc, const char *dir)
{
	char *error = NULL;
	int rc = auth_load(a, sc->teams, sc->n_teams, &sc->instructors, dir,
	    &error);

	if (rc < 0)
		fprintf(stderr, "%s\n", error);
	free(error);
	return rc;
}

/* The load's error (the caller frees it), or NULL when it succeeded. */
static char *
load_error(const struct scenario *sc, const char *dir)
{
	struct auth a;
	char *error = NULL;

	if (auth_load(&a, sc->teams, sc->n_teams, &sc->instructors, dir,
	    &error) == 0)
		auth_clear(&a);
	return error;
}

/* The file as JSON; the caller frees it. */
static json_t *
read_creds(const char *dir)
{
	char *path = creds_path(dir);
	json_t *creds = json_load_file(path, 0, NULL);

	free(path);
	CHECK(json_is_object(creds));
	return creds;
}

/* name's token in the file, or NULL; the caller frees it. */
static char *
token_of(const char *dir, const char *name)
{
	json_t *creds = read_creds(dir);
	const char *t = json_string_value(json_object_get(creds, name));
	char *token = t ? xstrdup(t) : NULL;

	json_decref(creds);
	return token;
}

static void
write_file(const char *dir, const char *text, mode_t mode)
{
	char *path = creds_path(dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (CHECK(fd >= 0)) {
		CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
		close(fd);
	}
	CHECK(chmod(path, mode) == 0);
	free(path);
}

static ino_t
inode_of(const char *dir)
{
	char *path = creds_path(dir);
	struct stat st;

	CHECK(stat(path, &st) == 0);
	free(path);
	return st.st_ino;
}

static bool
looks_like_token(const char *t)
{
	return t != NULL && strlen(t) == AUTH_TOKEN_LEN &&
	    strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == AUTH_TOKEN_LEN;
}

TEST(first_load_makes_a_private_file_of_tokens)
{
	struct scenario *sc = load_text("ana, mihai", "eve", "control", "prof");
	char *dir = fresh_dir(), *path = creds_path(dir), *tmp;
	const char *names[] = { "ana", "mihai", "eve", "control", "prof" };
	struct auth a;
	struct stat st;
	json_t *creds;
	size_t i;

	if (!CHECK(sc != NULL) || !CHECK_INT_EQ(load(&a, sc, dir), 0))
		goto cleanup;
	CHECK_INT_EQ(a.n_users, 5);
	CHECK_STR_EQ(a.path, path);
	if (CHECK(stat(path, &st) == 0))
		CHECK_INT_EQ(st.st_mode & 07777, 0600);
	tmp = xasprintf("%s.tmp", path);
	CHECK(access(tmp, F_OK) < 0);
	free(tmp);
	creds = read_creds(dir);
	CHECK_INT_EQ(json_object_size(creds), 5);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		const char *t = json_string_value(json_object_get(creds, names[i]));

		CHECK(looks_like_token(t));
		CHECK(auth_check_token(&a, t) == &a.users[i]);
		CHECK_STR_EQ(a.users[i].name, names[i]);
	}
	json_decref(creds);
	auth_clear(&a);
cleanup:
	free(path);
	remove_dir(dir);
	scenario_free(sc);
}

TEST(tokens_are_kept_and_the_file_left_alone_across_loads)
{
	struct scenario *sc = load_text("ana", "eve", "control", "prof");
	char *dir = fresh_dir(), *before = NULL, *after = NULL;
	struct auth a;
	ino_t inode;

	if (!CHECK(sc != NULL) || !CHECK_INT_EQ(load(&a, sc, dir), 0))
		goto cleanup;
	auth_clear(&a);
	before = token_of(dir, "ana");
	inode = inode_of(dir);
	if (!CHECK_INT_EQ(load(&a, sc, dir), 0))
		goto cleanup;
	after = token_of(dir, "ana");
	CHECK_STR_EQ(after, before);
	/* Unchanged, so not rewritten: a rewrite renames a new file in. */
	CHECK(inode_of(dir) == inode);
	CHECK(auth_check_token(&a, before) == &a.users[0]);
	auth_clear(&a);
cleanup:
	free(before);
	free(after);
	remove_dir(dir);
	scenario_free(sc);
}

TEST(a_new_member_gains_a_token_and_the_others_keep_theirs)
{
	struct scenario *one = load_text("ana", "eve", "control", "prof");
	struct scenario *two = load_text("ana, bob", "eve", "control", "prof");
	char *dir = fresh_dir(), *ana = NULL, *ana2 = NULL, *bob = NULL;
	const struct auth_user *u;
	struct auth a;

	if (!CHECK(one != NULL && two != NULL) ||
	    !CHECK_INT_EQ(load(&a, one, dir), 0))
		goto cleanup;
	auth_clear(&a);
	ana = token_of(dir, "ana");
	CHECK(token_of(dir, "bob") == NULL);
	if (!CHECK_INT_EQ(load(&a, two, dir), 0))
		goto cleanup;
	ana2 = token_of(dir, "ana");
	bob = token_of(dir, "bob");
	CHECK_STR_EQ(ana2, ana);
	CHECK(looks_like_token(bob));
	CHECK(bob == NULL || ana == NULL || strcmp(bob, ana) != 0);
	u = auth_check_token(&a, bob);
	if (CHECK(u != NULL)) {
		CHECK_STR_EQ(u->name, "bob");
		CHECK_INT_EQ(u->role, AUTH_TRAINEE);
		CHECK_STR_EQ(u->team->id, "ro");
	}
	auth_clear(&a);
cleanup:
	free(ana);
	free(ana2);
	free(bob);
	remove_dir(dir);
	scenario_free(one);
	scenario_free(two);
}

TEST(a_removed_member_loses_the_token)
{
	struct scenario *two = load_text("ana, bob", "eve", "control", "prof");
	struct scenario *one = load_text("ana", "eve", "control", "prof");
	char *dir = fresh_dir(), *bob = NULL;
	struct auth a;
	json_t *creds;

	if (!CHECK(one != NULL && two != NULL) ||
	    !CHECK_INT_EQ(load(&a, two, dir), 0))
		goto cleanup;
	auth_clear(&a);
	bob = token_of(dir, "bob");
	if (!CHECK_INT_EQ(load(&a, one, dir), 0))
		goto cleanup;
	creds = read_creds(dir);
	CHECK(json_object_get(creds, "bob") == NULL);
	CHECK_INT_EQ(json_object_size(creds), 4);
	json_decref(creds);
	CHECK(auth_check_token(&a, bob) == NULL);
	auth_clear(&a);
cleanup:
	free(bob);
	remove_dir(dir);
	scenario_free(one);
	scenario_free(two);
}

TEST(a_file_others_may_read_is_refused)
{
	struct scenario *sc = load_text("ana", "eve", "control", "prof");
	char *dir = fresh_dir(), *path = creds_path(dir), *error;
	struct auth a;

	if (!CHECK(sc != NULL) || !CHECK_INT_EQ(load(&a, sc, dir), 0))
		goto cleanup;
	auth_clear(&a);
	CHECK(chmod(path, 0644) == 0);
	error = load_error(sc, dir);
	if (CHECK(error != NULL)) {
		CHECK(strstr(error, path) != NULL);
		CHECK(strstr(error, "0644") != NULL);
		CHECK(strstr(error, "chmod 600") != NULL);
	}
	free(error);
	CHECK(chmod(path, 0640) == 0);
	error = load_error(sc, dir);
	CHECK(error != NULL && strstr(error, "0640") != NULL);
	free(error);
cleanup:
	free(path);
	remove_dir(dir);
	scenario_free(sc);
}

TEST(a_malformed_file_is_refused_with_its_name)
{
	static const char *const bad[] = {
		"{\"ana\": ",
		"",
		"[\"ana\"]",
		"{\"ana\": 5}",
		"{\"ana\": \"has spaces and is long enough to count\"}",
		"{\"ana\": \"short\"}",
		"{\"ana\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", "
		"\"ana\": \"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\"}",
	};
	struct scenario *sc = load_text("ana", "eve", "control", "prof");
	char *dir = fresh_dir(), *path = creds_path(dir), *error;
	size_t i;

	if (!CHECK(sc != NULL))
		goto cleanup;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		write_file(dir, bad[i], 0600);
		error = load_error(sc, dir);
		if (!CHECK(error != NULL))
			fprintf(stderr, "accepted: %s\n", bad[i]);
		else
			CHECK(strstr(error, path) != NULL);
		free(error);
	}
cleanup:
	free(path);
	remove_dir(dir);
	scenario_free(sc);
}

TEST(two_names_with_one_token_are_refused)
{
	struct scenario *sc = load_text("ana", "eve", "control", "prof");
	char *dir = fresh_dir(), *error;

	if (!CHECK(sc != NULL))
		goto cleanup;
	write_file(dir, "{\"ana\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", "
	    "\"eve\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", 0600);
	error = load_error(sc, dir);
	CHECK(error != NULL && strstr(error, "'ana'") != NULL &&
	    strstr(error, "'eve'") != NULL);
	free(error);
cleanup:
	remove_dir(dir);
	scenario_free(sc);
}

TEST(roles_and_teams_of_the_demo)
{
	struct diag_list diags;
	struct scenario *sc;
	char *dir = fresh_dir(), *token;
	const struct auth_user *u;
	struct auth a;

	diag_list_init(&diags);
	sc = scenario_load_file("scenarios/demo.yaml", &diags);
	diag_print(&diags, "scenarios/demo.yaml", stderr);
	diag_list_clear(&diags);
	if (!CHECK(sc != NULL) || !CHECK_INT_EQ(load(&a, sc, dir), 0))
		goto cleanup;
	token = token_of(dir, "control");
	u = auth_check_token(&a, token);
	if (CHECK(u != NULL)) {
		CHECK_INT_EQ(u->role, AUTH_CONTROLLER);
		CHECK_STR_EQ(u->team->id, "white");
	}
	free(token);
	token = token_of(dir, "prof");
	u = auth_check_token(&a, token);
	if (CHECK(u != NULL)) {
		CHECK_INT_EQ(u->role, AUTH_INSTRUCTOR);
		CHECK(u->team == NULL);
	}
	free(token);
	token = token_of(dir, "ana");
	u = auth_check_token(&a, token);
	if (CHECK(u != NULL)) {
		CHECK_INT_EQ(u->role, AUTH_TRAINEE);
		CHECK_STR_EQ(u->team->id, "ro");
	}
	free(token);
	token = token_of(dir, "eve");
	u = auth_check_token(&a, token);
	CHECK(u != NULL && u->role == AUTH_TRAINEE &&
	    strcmp(u->team->id, "red") == 0);
	free(token);
	CHECK_STR_EQ(auth_role_name(AUTH_CONTROLLER), "controller");
	CHECK_STR_EQ(auth_role_name(AUTH_INSTRUCTOR), "instructor");
	CHECK_STR_EQ(auth_role_name(AUTH_TRAINEE), "trainee");
	CHECK_STR_EQ(auth_role_name(AUTH_NONE), "none");
	CHECK_STR_EQ(auth_role_name(42), "none");
	auth_clear(&a);
cleanup:
	remove_dir(dir);
	scenario_free(sc);
}

/* The header "Bearer TOKEN" with the scheme spelt as given. */
static char *
bearer(const char *scheme, const char *token)
{
	return xasprintf("%s %s", scheme, token);
}

/* Whether header is refused by a. */
static bool
refused(const struct auth *a, const char *header)
{
	return auth_check(a, header) == NULL;
}

TEST(auth_check_takes_only_a_right_bearer_token)
{
	struct scenario *sc = load_text("ana", "eve", "control", "prof");
	char *dir = fresh_dir(), *token = NULL, *h, *huge, first;
	struct auth a;

	if (!CHECK(sc != NULL) || !CHECK_INT_EQ(load(&a, sc, dir), 0))
		goto cleanup;
	token = token_of(dir, "ana");
	h = bearer("Bearer", token);
	CHECK(auth_check(&a, h) == &a.users[0]);
	free(h);
	h = bearer("bEARER", token);
	CHECK(auth_check(&a, h) == &a.users[0]);
	free(h);
	/* One character off, then the same token of another length. */
	first = token[0];
	token[0] = first == 'A' ? 'B' : 'A';
	h = bearer("Bearer", token);
	CHECK(refused(&a, h));
	free(h);
	token[0] = first;
	h = xasprintf("Bearer %.*s", AUTH_TOKEN_LEN - 1, token);
	CHECK(refused(&a, h));
	free(h);
	h = xasprintf("Bearer %sA", token);
	CHECK(refused(&a, h));
	free(h);
	CHECK(refused(&a, NULL));
	CHECK(refused(&a, ""));
	CHECK(refused(&a, "Basic x"));
	h = bearer("Basic", token);
	CHECK(refused(&a, h));
	free(h);
	CHECK(refused(&a, "Bearer"));
	CHECK(refused(&a, "Bearer "));
	h = bearer("Bearer ", token);	/* two spaces */
	CHECK(refused(&a, h));
	free(h);
	h = xasprintf("Bearer %s ", token);
	CHECK(refused(&a, h));
	free(h);
	h = xasprintf("Bearer\t%s", token);
	CHECK(refused(&a, h));
	free(h);
	h = xasprintf("Bearer %.10s!%s", token, token + 11);
	CHECK(refused(&a, h));
	free(h);
	h = xasprintf("Bearer %.10s=%s", token, token + 11);
	CHECK(refused(&a, h));
	free(h);
	huge = xmalloc(1 << 20);
	memset(huge, 'A', (1 << 20) - 1);
	huge[(1 << 20) - 1] = '\0';
	memcpy(huge, "Bearer ", 7);
	CHECK(refused(&a, huge));
	free(huge);
	CHECK(auth_check_token(&a, token) == &a.users[0]);
	CHECK(auth_check_token(&a, NULL) == NULL);
	CHECK(auth_check_token(NULL, token) == NULL);
	auth_clear(&a);
cleanup:
	free(token);
	remove_dir(dir);
	scenario_free(sc);
}

TEST(a_name_given_twice_is_refused_naming_both_places)
{
	char *members_ro[] = { "ana" }, *members_md[] = { "ana", "ion" };
	char *instructors[] = { "ion" };
	struct scenario sc;
	struct scenario_team teams[2];
	char *dir = fresh_dir(), *error;

	/* The scenario checks reject these already; auth must not rely on it. */
	memset(&sc, 0, sizeof(sc));
	memset(teams, 0, sizeof(teams));
	teams[0].id = "ro";
	teams[0].role = ROLE_BLUE;
	teams[0].members.items = members_ro;
	teams[0].members.count = 1;
	teams[1].id = "md";
	teams[1].role = ROLE_BLUE;
	teams[1].members.items = members_md;
	teams[1].members.count = 2;
	sc.teams = teams;
	sc.n_teams = 2;
	error = load_error(&sc, dir);
	CHECK(error != NULL && strstr(error, "'ana'") != NULL &&
	    strstr(error, "team 'ro'") != NULL && strstr(error, "team 'md'") != NULL);
	free(error);
	members_md[0] = "mihai";
	sc.instructors.items = instructors;
	sc.instructors.count = 1;
	error = load_error(&sc, dir);
	CHECK(error != NULL && strstr(error, "'ion'") != NULL &&
	    strstr(error, "team 'md'") != NULL &&
	    strstr(error, "instructor") != NULL);
	free(error);
	members_md[0] = "ion";	/* md is [ion, ion] */
	sc.n_teams = 1;
	sc.teams = &teams[1];
	sc.instructors.count = 0;
	error = load_error(&sc, dir);
	CHECK(error != NULL && strstr(error, "twice") != NULL);
	free(error);
	remove_dir(dir);
}

TEST(an_empty_scenario_is_fine)
{
	struct scenario sc;
	char *dir = fresh_dir();
	struct auth a;
	json_t *creds;

	memset(&sc, 0, sizeof(sc));
	if (CHECK_INT_EQ(load(&a, &sc, dir), 0)) {
		CHECK_INT_EQ(a.n_users, 0);
		CHECK(refused(&a, "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
		auth_clear(&a);
		creds = read_creds(dir);
		CHECK_INT_EQ(json_object_size(creds), 0);
		json_decref(creds);
	}
	remove_dir(dir);
}

TEST(a_missing_state_folder_is_made)
{
	struct scenario *sc = load_text("ana", "eve", "control", "prof");
	char *parent = fresh_dir(), *dir = xasprintf("%s/state", parent);
	struct auth a;
	struct stat st;

	if (CHECK(sc != NULL) && CHECK_INT_EQ(load(&a, sc, dir), 0)) {
		if (CHECK(stat(dir, &st) == 0))
			CHECK_INT_EQ(st.st_mode & 07777, 0700);
		auth_clear(&a);
	}
	remove_dir(dir);
	remove_dir(parent);
	scenario_free(sc);
}

TEST(auth_clear_takes_null_and_empty_and_twice)
{
	struct auth a;

	auth_clear(NULL);
	memset(&a, 0, sizeof(a));
	auth_clear(&a);
	auth_clear(&a);
	CHECK(a.users == NULL && a.path == NULL && a.n_users == 0);
	CHECK(auth_check(&a, "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") == NULL);
}
