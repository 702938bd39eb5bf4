/*
 * account.h: personal accounts: a password per person of the scenario,
 * kept in STATE/accounts.json (mode 0600) as libsodium's Argon2id strings.
 *
 * The file is a JSON object {"format": 1, "accounts": {NAME: ENTRY}}, an
 * ENTRY being {"role", "team", "hash", "opslimit", "memlimit", "set",
 * "disabled", "invite", "invite_expires"}: hash is crypto_pwhash_str's
 * text (which names the algorithm and its parameters itself; opslimit and
 * memlimit say them again for people and for a later rehash), invite the
 * SHA-256 of a one-time invitation code. The running server (rangectl
 * run) and `rangectl users` both change it: every change is a whole
 * read-change-write under an flock(2) of STATE/accounts.lock, and the
 * server rereads the file when it changed (account_refresh).
 *
 * Which people have an account comes from the scenario (auth_load()'s
 * users: the members of every team and the instructors): account_sync()
 * adds the new ones, without a password, and drops those gone.
 */
#ifndef RANGECTL_ACCOUNT_H
#define RANGECTL_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

#include "rangectl/auth.h"

#define ACCOUNT_FILE "accounts.json"
#define ACCOUNT_LOCK "accounts.lock"
/* Bounds of a password, in bytes: long enough, and not a megabyte to hash. */
#define ACCOUNT_PASSWORD_MIN 10
#define ACCOUNT_PASSWORD_MAX 256
/* Bounds of a name in a login: the scenario's ids are shorter. */
#define ACCOUNT_NAME_MAX 128
/* Seconds an invitation lasts unless told otherwise: three days. */
#define ACCOUNT_INVITE_SECONDS (3L * 24 * 3600)

/*
 * The accounts as last read, for the server's lookups; every field under
 * the caller's lock (session.c's). A zeroed struct is empty.
 */
struct account_store {
	json_t *doc;	/* the file's object; owned */
	char *dir;	/* the state folder */
	char *path;	/* of accounts.json */
	dev_t dev;	/* of the file read: account_refresh() tells a change */
	ino_t ino;
	struct timespec mtime;
	off_t size;
};

/*
 * Reads STATE/accounts.json (an empty set of accounts when missing) into
 * s. Refuses a file readable by others, a link, or a malformed one.
 * Returns 0, or -1 with *error set and s cleared.
 */
int account_load(struct account_store *s, const char *state_dir,
    char **error);
/* Reads the file again if it changed since. 0, or -1 with *error set. */
int account_refresh(struct account_store *s, char **error);
void account_clear(struct account_store *s);

/*
 * One change of the file: takes the lock, reads the file anew into s,
 * calls edit(s->doc, arg, error), writes the file if edit returned 1,
 * and lets the lock go. edit returns 1 (changed), 0 (nothing to write)
 * or -1 with *error set. Returns edit's result, or -1 with *error set.
 */
typedef int account_edit_fn(json_t *doc, void *arg, char **error);
int account_edit(struct account_store *s, account_edit_fn *edit, void *arg,
    char **error);

/* Adds the people of a that have no account, drops the others (an edit). */
int account_sync(struct account_store *s, const struct auth *a,
    char **error);

/* The entry of name, or NULL (borrowed from s->doc). */
json_t *account_entry(const struct account_store *s, const char *name);
bool account_disabled(const struct account_store *s, const char *name);

/*
 * Whether password is name's, and name may log in (it exists, has a
 * password and is not disabled). Does the same work whatever the answer,
 * hashing against a dummy when there is nothing to check: a caller
 * cannot tell by the time which names exist.
 */
bool account_verify(const struct account_store *s, const char *name,
    const char *password);

/*
 * The two halves of account_verify, for a caller that must not hold its
 * lock while hashing: the hash name logs in with (new), or NULL when name
 * may not log in; whether password is hash's (NULL: checks against a
 * dummy, and says no).
 */
char *account_login_hash(const struct account_store *s, const char *name);
bool account_check_hash(const char *hash, const char *password);

/*
 * Edits, each as one account_edit(). Returns 0, or -1 with *error set (no
 * such person, a password too short or long...).
 */
int account_set_password(struct account_store *s, const char *name,
    const char *password, char **error);
int account_set_disabled(struct account_store *s, const char *name,
    bool disabled, char **error);
/*
 * Makes a one-time invitation for name lasting seconds, replacing any
 * earlier one: the code (AUTH_TOKEN_LEN characters) into code; only its
 * SHA-256 is kept.
 */
int account_invite(struct account_store *s, const char *name, long seconds,
    char code[AUTH_TOKEN_LEN + 1], char **error);
/*
 * Sets the password of the person invited with code, if the code is one
 * not used and not expired, and spends it. Puts the name (new) in *name.
 */
int account_redeem(struct account_store *s, const char *code,
    const char *password, char **name, char **error);

/* The Argon2id parameters used for new hashes (libsodium's interactive). */
unsigned long long account_opslimit(void);
size_t account_memlimit(void);

#endif
