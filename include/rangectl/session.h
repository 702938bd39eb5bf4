/*
 * session.h: who is logged in to the dashboard: sessions opened by a name
 * and password (account.h), their cookies and CSRF tokens, their idle and
 * absolute lifetimes, and the throttling of failed logins.
 *
 * A session's cookie value is a random token (auth_random_token); only
 * its SHA-256 is kept, so memory holds nothing a caller could present.
 * Its public id (what GET /api/v1/sessions lists and DELETE takes) is the
 * first SESSION_ID_LEN hex digits of that hash. Sessions live in memory:
 * a restart of the server logs everyone out.
 *
 * Throttling (docs/internals/http.md): each failed login counts against
 * the name given (whether or not it exists, so that the answer tells
 * nothing) and against the caller's address; after SESSION_FREE_FAILURES
 * of a name (SESSION_FREE_FAILURES_ADDRESS of an address, which a room
 * behind one NAT shares), the next attempt must wait 1 s, then 2, 4... up to
 * SESSION_WAIT_MAX, answered 429 with Retry-After whatever the password.
 * A success clears its name's count. At most SESSION_HASHING logins are
 * hashed at once (each takes an Argon2id's 64 MiB and a core's tenth of a
 * second): beyond, 429 at once, so that a flood of logins leaves the
 * server's other threads to everyone else.
 *
 * Every function takes the table's lock: any thread may call them.
 */
#ifndef RANGECTL_SESSION_H
#define RANGECTL_SESSION_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "rangectl/account.h"
#include "rangectl/auth.h"

#define SESSION_COOKIE "rangectl_session"
#define SESSION_CSRF_HEADER "X-CSRF-Token"
#define SESSION_IDLE_DEFAULT (30L * 60)	/* s without a request */
#define SESSION_LIFETIME_DEFAULT (12L * 3600)	/* s after the login */
#define SESSION_ID_LEN 16	/* hex digits of the public id */
#define SESSION_PER_PERSON 16	/* beyond: the oldest is ended */
#define SESSION_FREE_FAILURES 3	/* of a name */
#define SESSION_FREE_FAILURES_ADDRESS 10	/* of an address (a classroom's NAT) */
#define SESSION_WAIT_MAX 900
#define SESSION_THROTTLE_SLOTS 8192	/* names and addresses remembered */
#define SESSION_HASHING 1
#define SESSION_ADDRESS_MAX 48

struct session {
	char key[AUTH_HASH_SIZE * 2 + 1];	/* SHA-256 of the cookie, hex */
	char csrf[AUTH_TOKEN_LEN + 1];
	const struct auth_user *user;	/* borrowed from the auth */
	double created, used;	/* the table's clock (s) */
	long long created_at;	/* wall clock, for the list */
	char address[SESSION_ADDRESS_MAX];
};

struct session_throttle {
	char key[ACCOUNT_NAME_MAX + 8];	/* "n:NAME" or "a:ADDRESS" */
	unsigned failures;
	double last;	/* of the last failure */
};

struct session_table {
	pthread_mutex_t lock;
	const struct auth *auth;	/* borrowed */
	struct account_store accounts;	/* owned */
	struct session *list;	/* owned, n of alloc */
	size_t n, alloc;
	struct session_throttle *throttle;	/* owned, n_throttle of SLOTS */
	size_t n_throttle;
	long idle, lifetime;	/* seconds */
	unsigned hashing;	/* logins being hashed now */
	double refreshed;	/* when the accounts file was last looked at */
	double (*now)(void);	/* NULL: CLOCK_MONOTONIC; for the tests */
};

/*
 * Loads STATE/accounts.json and gives every person of auth an account
 * (account_sync). 0, or -1 with *error set and t cleared.
 */
int session_table_init(struct session_table *t, const struct auth *auth,
    const char *state_dir, long idle, long lifetime, char **error);
void session_table_clear(struct session_table *t);

enum session_result {
	SESSION_OK,
	SESSION_REFUSED,	/* wrong name or password, or disabled */
	SESSION_THROTTLED,	/* wait *retry seconds */
	SESSION_BUSY,	/* too many logins at once: again in *retry s */
};

/*
 * Logs name in with password from address: on SESSION_OK, the cookie's
 * value into cookie and the new session's CSRF token into csrf.
 */
int session_login(struct session_table *t, const char *name,
    const char *password, const char *address,
    char cookie[AUTH_TOKEN_LEN + 1], char csrf[AUTH_TOKEN_LEN + 1],
    unsigned *retry);

/*
 * The user of a cookie's session, or NULL (none, expired, or its person
 * disabled); it counts as a use. Copies its CSRF token into csrf and its
 * key into key when they are not NULL.
 */
const struct auth_user *session_check(struct session_table *t,
    const char *cookie, char csrf[AUTH_TOKEN_LEN + 1],
    char key[AUTH_HASH_SIZE * 2 + 1]);
/* Whether the session of key is still open (for streams): no use counted. */
bool session_alive(struct session_table *t, const char *key);
/* Whether a person may still call (exists, not disabled). */
bool session_person_allowed(struct session_table *t,
    const struct auth_user *u);
/* Ends the cookie's session. */
void session_logout(struct session_table *t, const char *cookie);
/* u's sessions, [{id, created, address, current}], current: cookie's. */
json_t *session_list(struct session_table *t, const struct auth_user *u,
    const char *cookie);
/* Ends u's session of public id. Returns 0, or -1 if u has none such. */
int session_end(struct session_table *t, const struct auth_user *u,
    const char *id);
/* Ends every session of the person named. */
void session_end_person(struct session_table *t, const char *name);
/* The accounts, under the lock, for edits (api.c's users routes). */
struct account_store *session_accounts_lock(struct session_table *t);
void session_accounts_unlock(struct session_table *t);

/*
 * Parses a login body {"name": "...", "password": "..."} (and, for an
 * invitation, {"invite": "...", "password": "..."}: name NULL, invite
 * set). The strings are new (the caller frees them, the password after
 * wiping it). Returns 0, or -1 with *error set (a sentence for the
 * caller, naming no value of the body).
 */
int session_parse_login(const char *body, size_t len, char **name,
    char **invite, char **password, char **error);

#endif
