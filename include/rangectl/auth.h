/*
 * auth.h: who is calling: access tokens, their roles, credentials.json.
 *
 * Every member of a team and every instructor has one token, made at the
 * first run and kept in STATE/credentials.json (mode 0600, a JSON object
 * {"name": "TOKEN", ...}). In memory only SHA-256 hashes of the tokens are
 * kept; a presented token is hashed and compared in constant time.
 *
 * A token is AUTH_TOKEN_BYTES random bytes in URL-safe base64 without
 * padding (A-Z a-z 0-9 - _), so it fits a query string as it is. To replace
 * a token that leaked, delete its entry from the file: the next run makes
 * a new one.
 *
 * Roles: a member of a white team is a controller, an entry of
 * `instructors` an instructor, any other member a trainee of their team.
 *
 * After auth_load() the struct is only read, so any number of threads may
 * call auth_check() at once.
 */
#ifndef RANGECTL_AUTH_H
#define RANGECTL_AUTH_H

#include <stddef.h>

#include "rangectl/scenario.h"
#include "rangectl/strmap.h"

#define AUTH_FILE "credentials.json"
#define AUTH_HASH_SIZE 32	/* SHA-256 */
#define AUTH_TOKEN_BYTES 24	/* random bytes of a token, before encoding */
/* Characters of a token we make: 4 per 3 bytes, no padding. */
#define AUTH_TOKEN_LEN ((AUTH_TOKEN_BYTES * 4 + 2) / 3)
/*
 * Bounds on any token accepted, in the file or from a caller: a token
 * written by hand must be at least as long as 128 random bits would be,
 * and a caller cannot make us hash a megabyte.
 */
#define AUTH_TOKEN_MIN 22
#define AUTH_TOKEN_MAX 128

enum auth_role {
	AUTH_NONE = 0,
	AUTH_CONTROLLER,
	AUTH_INSTRUCTOR,
	AUTH_TRAINEE,
};

struct auth_user {
	char *name;
	int role;	/* enum auth_role */
	const struct scenario_team *team;	/* trainees and controllers; borrowed */
	unsigned char hash[AUTH_HASH_SIZE];
	char key[AUTH_HASH_SIZE * 2 + 1];	/* hash in hex: its key in by_hash */
};

/*
 * Teams are borrowed from the teams given to auth_load() (the plan's, in
 * rangectl run), which must outlive the struct. A zeroed struct is empty and may be cleared.
 */
struct auth {
	struct auth_user *users;	/* in scenario order: teams, then instructors */
	size_t n_users;
	struct strmap by_hash;	/* hex hash -> user */
	char *path;	/* of credentials.json */
};

/*
 * Reads STATE/credentials.json, making it (mode 0600) with a new random
 * token for every member of teams and every instructor when missing, and adding
 * tokens for names the scenario gained since. Tokens of names no longer in
 * the scenario are dropped. The file is rewritten only when it changed,
 * and atomically (a crash leaves the old file or the new one). Refuses a
 * file readable by group or others, a malformed one, and a scenario that
 * names someone twice. Makes state_dir (mode 0700) when missing.
 * Returns 0, or -1 with *error set (the caller frees it) and a cleared.
 */
int auth_load(struct auth *a, const struct scenario_team *teams,
    size_t n_teams, const struct strlist *instructors, const char *state_dir,
    char **error);
/* Frees what a holds and leaves it empty. NULL is fine. */
void auth_clear(struct auth *a);
/*
 * The user of an Authorization header value ("Bearer TOKEN": the scheme in
 * any case, then one space), or NULL for a missing, malformed or unknown
 * token. Takes the same time whichever user a token almost matches.
 */
const struct auth_user *auth_check(const struct auth *a, const char *header);
/* The same for a bare token (the WebSocket and SSE query string). */
const struct auth_user *auth_check_token(const struct auth *a,
    const char *token);
/* The user of that name, or NULL. */
const struct auth_user *auth_user_named(const struct auth *a,
    const char *name);
/*
 * Shared with the accounts and sessions (account.c, session.c): writes
 * text as the private file path (mode 0600) through a temporary file and a
 * rename in dir, so that a crash leaves the old file or the whole new one.
 * Returns 0, or -1 with *error set.
 */
int auth_write_file(const char *path, const char *dir, const char *text,
    char **error);
/* A new random token (GnuTLS's generator). 0, or -1 with *error set. */
int auth_random_token(char out[AUTH_TOKEN_LEN + 1], char **error);
/* The SHA-256 of a C string, in hex. */
void auth_digest_hex(const char *text, char out[AUTH_HASH_SIZE * 2 + 1]);
/* "controller", "instructor", "trainee", or "none". */
const char *auth_role_name(int role);

#endif
