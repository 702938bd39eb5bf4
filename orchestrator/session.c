/*
 * session.c: sessions in memory, failed logins throttled, the login body.
 */
#include "rangectl/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>

#include "rangectl/util.h"

/* How often, at most, a request makes us stat accounts.json (s). */
#define SESSION_REFRESH_SECONDS 0.5

static double
table_now(const struct session_table *t)
{
	return t->now ? t->now() : mono_now();
}

int
session_table_init(struct session_table *t, const struct auth *auth,
    const char *state_dir, long idle, long lifetime, char **error)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->auth = auth;
	t->idle = idle;
	t->lifetime = lifetime;
	t->throttle = xcalloc(SESSION_THROTTLE_SLOTS, sizeof(*t->throttle));
	if (account_load(&t->accounts, state_dir, error) < 0 ||
	    account_sync(&t->accounts, auth, error) < 0) {
		session_table_clear(t);
		return -1;
	}
	return 0;
}

void
session_table_clear(struct session_table *t)
{
	if (t == NULL || t->throttle == NULL)
		return;
	account_clear(&t->accounts);
	gnutls_memset(t->list, 0, t->alloc * sizeof(*t->list));
	free(t->list);
	free(t->throttle);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

/* Rereads the accounts if they changed (another process's edit). Locked. */
static void
refresh_now(struct session_table *t, double now)
{
	char *error = NULL;

	t->refreshed = now;
	if (account_refresh(&t->accounts, &error) < 0) {
		/* The old accounts stay: a half-edited file is not a lockout. */
		fprintf(stderr, "rangectl: %s\n", error);
		free(error);
	}
}

/*
 * The same at most every SESSION_REFRESH_SECONDS: every request checks its
 * session, and a stat a request is more than a disable needs. Locked.
 */
static void
refresh(struct session_table *t, double now)
{
	if (now - t->refreshed < SESSION_REFRESH_SECONDS && t->refreshed > 0)
		return;
	refresh_now(t, now);
}

/* ---- throttling ------------------------------------------------------- */

/* Seconds to wait after failures (0 while within the free ones). */
static double
throttle_wait(const char *key, unsigned failures)
{
	unsigned free = key[0] == 'a' ? SESSION_FREE_FAILURES_ADDRESS :
	    SESSION_FREE_FAILURES, over;

	if (failures < free)
		return 0;
	over = failures - free;
	return over >= 10 ? SESSION_WAIT_MAX : (double)(1u << over) <
	    SESSION_WAIT_MAX ? (double)(1u << over) : SESSION_WAIT_MAX;
}

/*
 * The slot of key; a new one (reusing the stalest) when make. Locked.
 * A slot is stale once its wait is over by SESSION_WAIT_MAX.
 */
static struct session_throttle *
throttle_slot(struct session_table *t, const char *key, bool make,
    double now)
{
	struct session_throttle *s, *stalest = NULL;
	size_t i;

	for (i = 0; i < t->n_throttle; i++) {
		s = &t->throttle[i];
		if (strcmp(s->key, key) == 0)
			return s;
		if (stalest == NULL || s->last < stalest->last)
			stalest = s;
	}
	if (!make)
		return NULL;
	if (t->n_throttle < SESSION_THROTTLE_SLOTS)
		s = &t->throttle[t->n_throttle++];
	else if (now - stalest->last > 2 * SESSION_WAIT_MAX)
		s = stalest;
	else
		return NULL;	/* full of live waits: the address's stays */
	memset(s, 0, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s", key);
	return s;
}

/* Seconds key must still wait, 0 for none. Locked. */
static double
throttle_left(struct session_table *t, const char *key, double now)
{
	struct session_throttle *s = throttle_slot(t, key, false, now);
	double left;

	if (s == NULL)
		return 0;
	left = s->last + throttle_wait(s->key, s->failures) - now;
	return left > 0 ? left : 0;
}

static void
throttle_fail(struct session_table *t, const char *key, double now)
{
	struct session_throttle *s = throttle_slot(t, key, true, now);

	if (s != NULL) {
		s->failures++;
		s->last = now;
	}
}

static void
throttle_clear(struct session_table *t, const char *key, double now)
{
	struct session_throttle *s = throttle_slot(t, key, false, now);

	if (s != NULL)
		s->failures = 0;
}

/* ---- sessions --------------------------------------------------------- */

static void
session_drop(struct session_table *t, size_t i)
{
	gnutls_memset(&t->list[i], 0, sizeof(t->list[i]));
	t->list[i] = t->list[--t->n];
}

/* Ends expired sessions, and those of people gone or disabled. Locked. */
static void
sweep(struct session_table *t, double now)
{
	size_t i = 0;

	while (i < t->n) {
		const struct session *s = &t->list[i];

		if (now - s->used >= t->idle || now - s->created >= t->lifetime ||
		    account_disabled(&t->accounts, s->user->name))
			session_drop(t, i);
		else
			i++;
	}
}

/* Opens a session for u. Locked. */
static int
session_open(struct session_table *t, const struct auth_user *u,
    const char *address, double now, char cookie[AUTH_TOKEN_LEN + 1],
    char csrf[AUTH_TOKEN_LEN + 1])
{
	struct session *s, *oldest = NULL;
	char *error = NULL;
	size_t i, mine = 0;

	if (auth_random_token(cookie, &error) < 0 ||
	    auth_random_token(csrf, &error) < 0) {
		fprintf(stderr, "rangectl: %s\n", error);
		free(error);
		return -1;
	}
	for (i = 0; i < t->n; i++)
		if (t->list[i].user == u) {
			mine++;
			if (oldest == NULL || t->list[i].created < oldest->created)
				oldest = &t->list[i];
		}
	if (mine >= SESSION_PER_PERSON)
		session_drop(t, (size_t)(oldest - t->list));
	xgrow(&t->list, &t->alloc, t->n + 1, sizeof(*t->list));
	s = &t->list[t->n++];
	memset(s, 0, sizeof(*s));
	auth_digest_hex(cookie, s->key);
	memcpy(s->csrf, csrf, AUTH_TOKEN_LEN + 1);
	s->user = u;
	s->created = s->used = now;
	s->created_at = (long long)time(NULL);
	snprintf(s->address, sizeof(s->address), "%s", address ? address : "");
	return 0;
}

/*
 * Before the hash: whether name and address may try now, and a hashing
 * slot taken. Locked. SESSION_OK, or what to answer.
 */
static int
login_admit(struct session_table *t, const char *nkey, const char *akey,
    double now, unsigned *retry)
{
	double left = throttle_left(t, nkey, now), aleft = throttle_left(t,
	    akey, now);

	if (aleft > left)
		left = aleft;
	if (left > 0) {
		*retry = (unsigned)left + 1;
		return SESSION_THROTTLED;
	}
	if (t->hashing >= SESSION_HASHING) {
		*retry = 1;
		return SESSION_BUSY;
	}
	t->hashing++;
	return SESSION_OK;
}

int
session_login(struct session_table *t, const char *name,
    const char *password, const char *address,
    char cookie[AUTH_TOKEN_LEN + 1], char csrf[AUTH_TOKEN_LEN + 1],
    unsigned *retry)
{
	char nkey[ACCOUNT_NAME_MAX + 8], akey[SESSION_ADDRESS_MAX + 4], *hash;
	const struct auth_user *u;
	double now;
	bool ok;
	int rc;

	*retry = 0;
	snprintf(nkey, sizeof(nkey), "n:%.*s", ACCOUNT_NAME_MAX, name);
	snprintf(akey, sizeof(akey), "a:%s", address ? address : "");
	pthread_mutex_lock(&t->lock);
	now = table_now(t);
	/*
	 * A login reads the file as it is now: a password just set or an
	 * account just enabled by `rangectl users` counts at once.
	 */
	refresh_now(t, now);
	rc = login_admit(t, nkey, akey, now, retry);
	hash = rc == SESSION_OK ? account_login_hash(&t->accounts, name) : NULL;
	pthread_mutex_unlock(&t->lock);
	if (rc != SESSION_OK)
		return rc;
	/* The slow part, unlocked: a dummy's hash when name cannot log in. */
	ok = account_check_hash(hash, password);
	free(hash);
	u = auth_user_named(t->auth, name);
	pthread_mutex_lock(&t->lock);
	t->hashing--;
	now = table_now(t);
	if (ok && u != NULL && session_open(t, u, address, now, cookie,
	    csrf) == 0) {
		throttle_clear(t, nkey, now);
		rc = SESSION_OK;
	} else {
		throttle_fail(t, nkey, now);
		throttle_fail(t, akey, now);
		rc = SESSION_REFUSED;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* The index of the session whose key is key, or -1. Locked. */
static long
find_key(const struct session_table *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->list[i].key, key) == 0)
			return (long)i;
	return -1;
}

const struct auth_user *
session_check(struct session_table *t, const char *cookie,
    char csrf[AUTH_TOKEN_LEN + 1], char key[AUTH_HASH_SIZE * 2 + 1])
{
	char digest[AUTH_HASH_SIZE * 2 + 1];
	const struct auth_user *u = NULL;
	double now;
	long i;

	if (t == NULL || cookie == NULL || strlen(cookie) != AUTH_TOKEN_LEN)
		return NULL;
	/* The lookup is by the cookie's hash: its time tells nothing. */
	auth_digest_hex(cookie, digest);
	pthread_mutex_lock(&t->lock);
	now = table_now(t);
	refresh(t, now);
	sweep(t, now);
	i = find_key(t, digest);
	if (i >= 0) {
		t->list[i].used = now;
		u = t->list[i].user;
		if (csrf != NULL)
			memcpy(csrf, t->list[i].csrf, AUTH_TOKEN_LEN + 1);
		if (key != NULL)
			memcpy(key, digest, sizeof(digest));
	}
	pthread_mutex_unlock(&t->lock);
	return u;
}

bool
session_alive(struct session_table *t, const char *key)
{
	bool alive;
	double now;

	pthread_mutex_lock(&t->lock);
	now = table_now(t);
	refresh(t, now);
	sweep(t, now);
	alive = find_key(t, key) >= 0;
	pthread_mutex_unlock(&t->lock);
	return alive;
}

bool
session_person_allowed(struct session_table *t, const struct auth_user *u)
{
	bool allowed;

	if (t == NULL)
		return true;
	pthread_mutex_lock(&t->lock);
	refresh(t, table_now(t));
	allowed = !account_disabled(&t->accounts, u->name);
	pthread_mutex_unlock(&t->lock);
	return allowed;
}

void
session_logout(struct session_table *t, const char *cookie)
{
	char digest[AUTH_HASH_SIZE * 2 + 1];
	long i;

	if (cookie == NULL)
		return;
	auth_digest_hex(cookie, digest);
	pthread_mutex_lock(&t->lock);
	i = find_key(t, digest);
	if (i >= 0)
		session_drop(t, (size_t)i);
	pthread_mutex_unlock(&t->lock);
}

json_t *
session_list(struct session_table *t, const struct auth_user *u,
    const char *cookie)
{
	char digest[AUTH_HASH_SIZE * 2 + 1] = "";
	json_t *out = json_array();
	size_t i;

	if (cookie != NULL)
		auth_digest_hex(cookie, digest);
	pthread_mutex_lock(&t->lock);
	sweep(t, table_now(t));
	for (i = 0; i < t->n; i++) {
		const struct session *s = &t->list[i];

		if (s->user != u)
			continue;
		json_array_append_new(out, json_pack("{s:s%, s:I, s:s, s:b}",
		    "id", s->key, (size_t)SESSION_ID_LEN, "created",
		    (json_int_t)s->created_at, "address", s->address, "current",
		    strcmp(s->key, digest) == 0));
	}
	pthread_mutex_unlock(&t->lock);
	return out;
}

int
session_end(struct session_table *t, const struct auth_user *u,
    const char *id)
{
	int rc = -1;
	size_t i;

	if (strlen(id) != SESSION_ID_LEN)
		return -1;
	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->n; i++)
		if (t->list[i].user == u && strncmp(t->list[i].key, id,
		    SESSION_ID_LEN) == 0) {
			session_drop(t, i);
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

void
session_end_person(struct session_table *t, const char *name)
{
	size_t i = 0;

	pthread_mutex_lock(&t->lock);
	while (i < t->n) {
		if (strcmp(t->list[i].user->name, name) == 0)
			session_drop(t, i);
		else
			i++;
	}
	pthread_mutex_unlock(&t->lock);
}

struct account_store *
session_accounts_lock(struct session_table *t)
{
	pthread_mutex_lock(&t->lock);
	return &t->accounts;
}

void
session_accounts_unlock(struct session_table *t)
{
	pthread_mutex_unlock(&t->lock);
}

/* ---- the login body --------------------------------------------------- */

/* A string field of doc of 1 to max bytes without NUL, new; or NULL. */
static char *
field(const json_t *doc, const char *key, size_t max)
{
	const json_t *v = json_object_get(doc, key);
	size_t len = json_string_length(v);

	if (!json_is_string(v) || len == 0 || len > max ||
	    strlen(json_string_value(v)) != len)
		return NULL;
	return xstrndup(json_string_value(v), len);
}

int
session_parse_login(const char *body, size_t len, char **name,
    char **invite, char **password, char **error)
{
	json_t *doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES,
	    NULL);
	int rc = -1;

	*name = *invite = *password = NULL;
	if (!json_is_object(doc)) {
		*error = xstrdup("the body must be a JSON object with 'name' and "
		    "'password'");
		goto cleanup;
	}
	*password = field(doc, "password", ACCOUNT_PASSWORD_MAX);
	if (json_object_get(doc, "invite") != NULL)
		*invite = field(doc, "invite", AUTH_TOKEN_MAX);
	else
		*name = field(doc, "name", ACCOUNT_NAME_MAX);
	if (*password == NULL || (*name == NULL && *invite == NULL)) {
		*error = xasprintf("'%s' and 'password' must be strings of 1 to "
		    "%d and %d bytes", *invite != NULL || json_object_get(doc,
		    "invite") ? "invite" : "name", *invite != NULL ||
		    json_object_get(doc, "invite") ? AUTH_TOKEN_MAX :
		    ACCOUNT_NAME_MAX, ACCOUNT_PASSWORD_MAX);
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (rc < 0) {
		free(*name);
		free(*invite);
		if (*password != NULL)
			gnutls_memset(*password, 0, strlen(*password));
		free(*password);
		*name = *invite = *password = NULL;
	}
	json_decref(doc);
	return rc;
}
