/*
 * test_account.c: accounts.json made from the scenario's people, private;
 * passwords hashed with Argon2id and their parameters; verifying, disabled
 * people, invitations used once and expiring; a file others can read.
 */
#include "harness.h"

#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "rangectl/account.h"
#include "rangectl/util.h"

struct fixture {
	struct scenario *sc;
	struct auth auth;
	struct account_store store;
	char *dir;
};

static bool
setup(struct fixture *f)
{
	static const char text[] =
	    "version: 1\n"
	    "exercise: {name: t, duration: 1h}\n"
	    "images: {a: {kernel: k}}\n"
	    "teams:\n"
	    "  - {id: ro, role: blue, members: [ana, bob]}\n"
	    "  - {id: white, role: white, members: [control]}\n"
	    "instructors: [prof]\n"
	    "networks: [{id: n, cidr: 10.0.0.0/24}]\n"
	    "hosts: [{id: web, per_team: blue, image: a, nics: [{network: n}]}]\n";
	struct diag_list diags;
	char *error = NULL;

	memset(f, 0, sizeof(*f));
	f->dir = xstrdup("/tmp/rangectl-account-XXXXXX");
	diag_list_init(&diags);
	f->sc = scenario_load_buffer(text, strlen(text), "t.yaml", &diags);
	diag_list_clear(&diags);
	if (!CHECK(f->sc != NULL) || !CHECK(mkdtemp(f->dir) != NULL))
		return false;
	if (auth_load(&f->auth, f->sc->teams, f->sc->n_teams,
	    &f->sc->instructors, f->dir, &error) < 0 ||
	    account_load(&f->store, f->dir, &error) < 0 ||
	    account_sync(&f->store, &f->auth, &error) < 0) {
		fprintf(stderr, "%s\n", error);
		free(error);
		return CHECK(false);
	}
	return true;
}

static void
teardown(struct fixture *f)
{
	const char *files[] = { AUTH_FILE, ACCOUNT_FILE, ACCOUNT_LOCK };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *p = xasprintf("%s/%s", f->dir, files[i]);

		unlink(p);
		free(p);
	}
	rmdir(f->dir);
	free(f->dir);
	account_clear(&f->store);
	auth_clear(&f->auth);
	scenario_free(f->sc);
}

/* Whether the JSON text of doc holds text. */
static bool
holds(const json_t *doc, const char *text)
{
	char *all = json_dumps(doc, 0);
	bool found = all != NULL && strstr(all, text) != NULL;

	free(all);
	return found;
}

static int
set(struct fixture *f, const char *name, const char *password)
{
	char *error = NULL;
	int rc = account_set_password(&f->store, name, password, &error);

	free(error);
	return rc;
}

TEST(every_person_has_an_account_in_a_private_file)
{
	struct fixture f;
	struct stat st;
	char *path;

	if (!setup(&f))
		return;
	path = xasprintf("%s/%s", f.dir, ACCOUNT_FILE);
	CHECK_INT_EQ(json_object_size(json_object_get(f.store.doc, "accounts")), 4);
	CHECK_STR_EQ(json_string_value(json_object_get(account_entry(&f.store,
	    "control"), "role")), "controller");
	CHECK_STR_EQ(json_string_value(json_object_get(account_entry(&f.store,
	    "ana"), "team")), "ro");
	if (CHECK(stat(path, &st) == 0))
		CHECK_INT_EQ(st.st_mode & 07777, 0600);
	/* Nobody logs in without a password. */
	CHECK(!account_verify(&f.store, "ana", ""));
	CHECK(!account_verify(&f.store, "ana", "anything at all"));
	free(path);
	teardown(&f);
}

TEST(a_password_is_an_argon2id_hash_with_its_parameters)
{
	struct fixture f;
	json_t *e;

	if (!setup(&f))
		return;
	CHECK_INT_EQ(set(&f, "ana", "correct horse"), 0);
	e = account_entry(&f.store, "ana");
	CHECK(strncmp(json_string_value(json_object_get(e, "hash")),
	    "$argon2id$", 10) == 0);
	CHECK(!holds(e, "correct horse"));
	CHECK_INT_EQ(json_integer_value(json_object_get(e, "opslimit")),
	    (long long)account_opslimit());
	CHECK_INT_EQ(json_integer_value(json_object_get(e, "memlimit")),
	    (long long)account_memlimit());
	CHECK(account_verify(&f.store, "ana", "correct horse"));
	CHECK(!account_verify(&f.store, "ana", "correct horsE"));
	CHECK(!account_verify(&f.store, "bob", "correct horse"));
	CHECK(!account_verify(&f.store, "nobody", "correct horse"));
	CHECK(!account_verify(&f.store, NULL, "correct horse"));
	/* Too short, unknown person: refused, nothing written. */
	CHECK_INT_EQ(set(&f, "bob", "short"), -1);
	CHECK_INT_EQ(set(&f, "nobody", "long enough now"), -1);
	teardown(&f);
}

TEST(a_disabled_person_cannot_log_in_until_enabled)
{
	struct fixture f;
	char *error = NULL;

	if (!setup(&f))
		return;
	CHECK_INT_EQ(set(&f, "bob", "bob's password"), 0);
	CHECK_INT_EQ(account_set_disabled(&f.store, "bob", true, &error), 0);
	CHECK(account_disabled(&f.store, "bob"));
	CHECK(!account_verify(&f.store, "bob", "bob's password"));
	CHECK_INT_EQ(account_set_disabled(&f.store, "bob", false, &error), 0);
	CHECK(account_verify(&f.store, "bob", "bob's password"));
	free(error);
	teardown(&f);
}

TEST(an_invitation_works_once)
{
	struct fixture f;
	char code[AUTH_TOKEN_LEN + 1], *error = NULL, *name = NULL;

	if (!setup(&f))
		return;
	CHECK_INT_EQ(account_invite(&f.store, "prof", 3600, code, &error), 0);
	CHECK(!holds(f.store.doc, code));
	CHECK_INT_EQ(account_redeem(&f.store, "wrong-code-wrong-code-xx",
	    "prof's choice", &name, &error), -1);
	free(error);
	error = NULL;
	if (CHECK_INT_EQ(account_redeem(&f.store, code, "prof's choice", &name,
	    &error), 0))
		CHECK_STR_EQ(name, "prof");
	free(name);
	CHECK(account_verify(&f.store, "prof", "prof's choice"));
	CHECK_INT_EQ(account_redeem(&f.store, code, "another choice", &name,
	    &error), -1);
	CHECK(error != NULL && strstr(error, "not valid") != NULL);
	free(error);
	CHECK(account_verify(&f.store, "prof", "prof's choice"));
	teardown(&f);
}

/* An invitation past its expiry, as written: the edit sets it in the past. */
static int
expire_edit(json_t *doc, void *arg, char **error)
{
	(void)arg;
	(void)error;
	json_object_set_new(json_object_get(json_object_get(doc, "accounts"),
	    "ana"), "invite_expires", json_integer(time(NULL) - 1));
	return 1;
}

TEST(an_expired_invitation_is_refused)
{
	struct fixture f;
	char code[AUTH_TOKEN_LEN + 1], *error = NULL, *name = NULL;

	if (!setup(&f))
		return;
	CHECK_INT_EQ(account_invite(&f.store, "ana", 3600, code, &error), 0);
	CHECK_INT_EQ(account_edit(&f.store, expire_edit, NULL, &error), 1);
	CHECK_INT_EQ(account_redeem(&f.store, code, "ana's choice!", &name,
	    &error), -1);
	free(error);
	teardown(&f);
}

TEST(a_file_others_can_read_is_refused_and_a_change_is_reread)
{
	struct fixture f;
	struct account_store other;
	char *path, *error = NULL;

	if (!setup(&f))
		return;
	/* Another process (rangectl users) changes the file: refresh sees it. */
	CHECK_INT_EQ(account_load(&other, f.dir, &error), 0);
	CHECK_INT_EQ(account_set_disabled(&other, "ana", true, &error), 0);
	CHECK(!account_disabled(&f.store, "ana"));
	CHECK_INT_EQ(account_refresh(&f.store, &error), 0);
	CHECK(account_disabled(&f.store, "ana"));
	account_clear(&other);
	path = xasprintf("%s/%s", f.dir, ACCOUNT_FILE);
	chmod(path, 0644);
	CHECK_INT_EQ(account_load(&other, f.dir, &error), -1);
	CHECK(error != NULL && strstr(error, "chmod 600") != NULL);
	free(error);
	free(path);
	account_clear(NULL);
	teardown(&f);
}
