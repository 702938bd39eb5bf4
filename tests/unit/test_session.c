/*
 * test_session.c: logins, the throttling of failures (per name, whether it
 * exists or not, and per address) with a clock of the test's own, idle and
 * absolute expiry, logout, one's sessions, disabling, the login body.
 */
#include "harness.h"

#include <unistd.h>

#include "rangectl/session.h"
#include "rangectl/util.h"

static double fake_now = 1000;

static double
clock_of_test(void)
{
	return fake_now;
}

struct fixture {
	struct scenario *sc;
	struct auth auth;
	struct session_table t;
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
	    "networks: [{id: n, cidr: 10.0.0.0/24}]\n"
	    "hosts: [{id: web, per_team: blue, image: a, nics: [{network: n}]}]\n";
	struct diag_list diags;
	char *error = NULL;

	memset(f, 0, sizeof(*f));
	fake_now = 1000;
	f->dir = xstrdup("/tmp/rangectl-session-XXXXXX");
	diag_list_init(&diags);
	f->sc = scenario_load_buffer(text, strlen(text), "t.yaml", &diags);
	diag_list_clear(&diags);
	if (!CHECK(f->sc != NULL) || !CHECK(mkdtemp(f->dir) != NULL))
		return false;
	if (auth_load(&f->auth, f->sc->teams, f->sc->n_teams,
	    &f->sc->instructors, f->dir, &error) < 0 ||
	    session_table_init(&f->t, &f->auth, f->dir, 60, 600, &error) < 0 ||
	    account_set_password(&f->t.accounts, "ana", "ana's password",
	    &error) < 0) {
		fprintf(stderr, "%s\n", error);
		free(error);
		return CHECK(false);
	}
	f->t.now = clock_of_test;
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
	session_table_clear(&f->t);
	auth_clear(&f->auth);
	scenario_free(f->sc);
}

static int
try(struct fixture *f, const char *name, const char *password,
    const char *address, char cookie[AUTH_TOKEN_LEN + 1], unsigned *retry)
{
	char csrf[AUTH_TOKEN_LEN + 1];

	return session_login(&f->t, name, password, address, cookie, csrf,
	    retry);
}

TEST(a_login_opens_a_session_its_cookie_finds)
{
	struct fixture f;
	char cookie[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
	unsigned retry;
	const struct auth_user *u;

	if (!setup(&f))
		return;
	CHECK_INT_EQ(try(&f, "ana", "ana's password", "10.0.0.1", cookie,
	    &retry), SESSION_OK);
	u = session_check(&f.t, cookie, csrf, NULL);
	if (CHECK(u != NULL))
		CHECK_STR_EQ(u->name, "ana");
	CHECK_INT_EQ(strlen(csrf), AUTH_TOKEN_LEN);
	CHECK(session_check(&f.t, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL,
	    NULL) == NULL);
	CHECK(session_check(&f.t, NULL, NULL, NULL) == NULL);
	teardown(&f);
}

TEST(wrong_passwords_and_unknown_names_alike_are_refused_then_throttled)
{
	struct fixture f;
	char cookie[AUTH_TOKEN_LEN + 1];
	unsigned retry;
	int i;

	if (!setup(&f))
		return;
	CHECK_INT_EQ(try(&f, "bob", "no password yet", "a", cookie, &retry),
	    SESSION_REFUSED);
	CHECK_INT_EQ(try(&f, "nobody", "whatever it is", "a", cookie, &retry),
	    SESSION_REFUSED);
	for (i = 0; i < SESSION_FREE_FAILURES; i++)
		CHECK_INT_EQ(try(&f, "ana", "wrong", "b", cookie, &retry),
		    SESSION_REFUSED);
	/* Now even the right password waits, 1 s then 2 s... */
	CHECK_INT_EQ(try(&f, "ana", "ana's password", "c", cookie, &retry),
	    SESSION_THROTTLED);
	CHECK(retry >= 1 && retry <= 2);
	fake_now += 1.5;
	CHECK_INT_EQ(try(&f, "ana", "wrong", "c", cookie, &retry),
	    SESSION_REFUSED);
	CHECK_INT_EQ(try(&f, "ana", "ana's password", "c", cookie, &retry),
	    SESSION_THROTTLED);
	CHECK(retry >= 2 && retry <= 3);
	fake_now += 3;
	CHECK_INT_EQ(try(&f, "ana", "ana's password", "c", cookie, &retry),
	    SESSION_OK);
	/* The success cleared the name's count. */
	CHECK_INT_EQ(try(&f, "ana", "wrong", "d", cookie, &retry),
	    SESSION_REFUSED);
	CHECK_INT_EQ(try(&f, "ana", "ana's password", "d", cookie, &retry),
	    SESSION_OK);
	teardown(&f);
}

TEST(an_address_is_throttled_across_names)
{
	struct fixture f;
	char cookie[AUTH_TOKEN_LEN + 1], name[16];
	unsigned retry;
	int i;

	if (!setup(&f))
		return;
	for (i = 0; i < SESSION_FREE_FAILURES_ADDRESS; i++) {
		snprintf(name, sizeof(name), "guess%d", i);
		CHECK_INT_EQ(try(&f, name, "wrong", "10.9.9.9", cookie, &retry),
		    SESSION_REFUSED);
	}
	CHECK_INT_EQ(try(&f, "ana", "ana's password", "10.9.9.9", cookie,
	    &retry), SESSION_THROTTLED);
	CHECK_INT_EQ(try(&f, "ana", "ana's password", "10.1.1.1", cookie,
	    &retry), SESSION_OK);
	teardown(&f);
}

TEST(sessions_end_idle_at_their_lifetime_at_logout_and_when_disabled)
{
	struct fixture f;
	char cookie[AUTH_TOKEN_LEN + 1], other[AUTH_TOKEN_LEN + 1], *error = NULL;
	const struct auth_user *ana;
	json_t *list;
	unsigned retry;
	int i;

	if (!setup(&f))
		return;
	ana = auth_user_named(&f.auth, "ana");
	try(&f, "ana", "ana's password", "a", cookie, &retry);
	fake_now += 59;
	CHECK(session_check(&f.t, cookie, NULL, NULL) != NULL);
	fake_now += 61;
	CHECK(session_check(&f.t, cookie, NULL, NULL) == NULL);
	/* Used every 50 s, still ended at the 600 s lifetime. */
	try(&f, "ana", "ana's password", "a", cookie, &retry);
	for (i = 0; i < 11; i++) {
		fake_now += 50;
		CHECK(session_check(&f.t, cookie, NULL, NULL) != NULL);
	}
	fake_now += 50;
	CHECK(session_check(&f.t, cookie, NULL, NULL) == NULL);
	try(&f, "ana", "ana's password", "a", cookie, &retry);
	try(&f, "ana", "ana's password", "b", other, &retry);
	list = session_list(&f.t, ana, cookie);
	CHECK_INT_EQ(json_array_size(list), 2);
	json_decref(list);
	session_logout(&f.t, cookie);
	CHECK(session_check(&f.t, cookie, NULL, NULL) == NULL);
	CHECK(session_check(&f.t, other, NULL, NULL) != NULL);
	CHECK_INT_EQ(account_set_disabled(&f.t.accounts, "ana", true, &error), 0);
	CHECK(session_check(&f.t, other, NULL, NULL) == NULL);
	CHECK(!session_person_allowed(&f.t, ana));
	teardown(&f);
}

TEST(the_login_body_is_parsed_strictly)
{
	char *name, *invite, *password, *error = NULL;
	static const char *const bad[] = {
		"", "[]", "{}", "{\"name\":\"ana\"}", "{\"password\":\"x\"}",
		"{\"name\":1,\"password\":\"x\"}", "{\"name\":\"\",\"password\":\"x\"}",
		"{\"name\":\"a\",\"name\":\"b\",\"password\":\"x\"}",
		"{\"name\":\"a\\u0000b\",\"password\":\"x\"}",
		"{\"invite\":5,\"password\":\"x\"}",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_INT_EQ(session_parse_login(bad[i], strlen(bad[i]), &name,
		    &invite, &password, &error), -1);
		CHECK(error != NULL && name == NULL && password == NULL);
		free(error);
		error = NULL;
	}
	if (CHECK_INT_EQ(session_parse_login("{\"name\":\"ana\",\"password\":"
	    "\"pw\"}", 30, &name, &invite, &password, &error), 0)) {
		CHECK_STR_EQ(name, "ana");
		CHECK_STR_EQ(password, "pw");
		CHECK(invite == NULL);
		free(name);
		free(password);
	}
	CHECK_INT_EQ(session_parse_login(NULL, 0, &name, &invite, &password,
	    &error), -1);
	free(error);
}
