/*
 * auth.c: access tokens: made with GnuTLS's random generator, kept in
 * credentials.json, known in memory only by their SHA-256.
 */
#include "rangectl/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>

#include "rangectl/util.h"

/* Far above thousands of names with their tokens; a bigger file is not ours. */
#define AUTH_FILE_MAX (4L * 1024 * 1024)

static const char base64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char *const role_names[] = {
	"none", "controller", "instructor", "trainee",
};

const char *
auth_role_name(int role)
{
	return role > AUTH_NONE && role <= AUTH_TRAINEE ? role_names[role] :
	    "none";
}

/* Whether s (of len bytes) could be a token: bounded, URL-safe base64. */
static bool
token_valid(const char *s, size_t len)
{
	size_t i;

	if (len < AUTH_TOKEN_MIN || len > AUTH_TOKEN_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(base64url, s[i]) == NULL)
			return false;
	return true;
}

/* Encodes n bytes as URL-safe base64 without padding into out (NUL-ended). */
static void
base64url_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = base64url[(v >> 18) & 63];
		out[o++] = base64url[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = base64url[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = base64url[v & 63];
	}
	out[o] = '\0';
}

/* A new random token into out. Returns 0, or -1 with *error set. */
static int
token_make(char out[AUTH_TOKEN_LEN + 1], char **error)
{
	unsigned char raw[AUTH_TOKEN_BYTES];
	int rc = gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw));

	if (rc < 0) {
		*error = xasprintf("cannot get random bytes for an access token: %s",
		    gnutls_strerror(rc));
		return -1;
	}
	base64url_encode(raw, sizeof(raw), out);
	gnutls_memset(raw, 0, sizeof(raw));
	return 0;
}

/* SHA-256 of a token of len bytes into hash. Returns 0, or -1. */
static int
token_hash(const char *token, size_t len, unsigned char hash[AUTH_HASH_SIZE])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, token, len, hash) < 0 ? -1 : 0;
}

static void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Compares n bytes in a time that does not depend on where they differ. */
static bool
ct_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
	volatile unsigned char diff = 0;
	size_t i;

	for (i = 0; i < n; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* Where u is in the scenario, for messages; the caller frees it. */
static char *
user_place(const struct auth_user *u)
{
	if (u->team == NULL)
		return xstrdup("an instructor");
	return xasprintf("a member of team '%s'", u->team->id);
}

/*
 * Adds the next user; a name must be someone's alone, as it is what a
 * person logs in as. Returns 0, or -1 with *error naming both places.
 */
static int
user_add(struct auth *a, struct strmap *names, const char *name, int role,
    const struct scenario_team *team, char **error)
{
	struct auth_user *u = &a->users[a->n_users];
	const struct auth_user *other;
	char *here, *there;

	u->name = xstrdup(name);
	u->role = role;
	u->team = team;
	a->n_users++;
	other = strmap_add(names, u->name, u);
	if (other == NULL)
		return 0;
	here = user_place(u);
	there = user_place(other);
	if (strcmp(here, there) == 0)
		*error = xasprintf("'%s' is listed twice as %s", name, here);
	else
		*error = xasprintf("'%s' is both %s and %s: a name must be one "
		    "person's", name, there, here);
	free(here);
	free(there);
	return -1;
}

static int
team_auth_role(const struct scenario_team *t)
{
	return t->role == ROLE_WHITE ? AUTH_CONTROLLER : AUTH_TRAINEE;
}

/*
 * Fills a->users from the teams' members and the instructors, in scenario
 * order. Returns 0, or -1 with *error.
 */
static int
users_collect(struct auth *a, const struct scenario_team *teams,
    size_t n_teams, const struct strlist *instructors, char **error)
{
	struct strmap names;
	size_t i, j, n = instructors->count;
	int rc = -1;

	for (i = 0; i < n_teams; i++)
		n += teams[i].members.count;
	/* Allocated once: by_hash will point into these users. */
	a->users = xcalloc(n, sizeof(*a->users));
	strmap_init(&names);
	for (i = 0; i < n_teams; i++) {
		const struct scenario_team *t = &teams[i];

		for (j = 0; j < t->members.count; j++)
			if (user_add(a, &names, t->members.items[j],
			    team_auth_role(t), t, error) < 0)
				goto cleanup;
	}
	for (j = 0; j < instructors->count; j++)
		if (user_add(a, &names, instructors->items[j], AUTH_INSTRUCTOR,
		    NULL, error) < 0)
			goto cleanup;
	rc = 0;
cleanup:
	strmap_clear(&names);
	return rc;
}

/* Refuses a file that is not a private regular file of sane size. */
static int
creds_check_stat(const char *path, int fd, char **error)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		*error = xasprintf("cannot read credentials file '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*error = xasprintf("credentials file '%s' is not a regular file",
		    path);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		*error = xasprintf("credentials file '%s' has mode %04o, which lets "
		    "group or others read the tokens: make it private with "
		    "'chmod 600 %s'", path, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	if (st.st_size > AUTH_FILE_MAX) {
		*error = xasprintf("credentials file '%s' is larger than %ld bytes",
		    path, AUTH_FILE_MAX);
		return -1;
	}
	return 0;
}

/* Every entry must map a name to a token. Returns 0, or -1 with *error. */
static int
creds_check_entries(const char *path, json_t *creds, char **error)
{
	void *iter;

	for (iter = json_object_iter(creds); iter != NULL;
	    iter = json_object_iter_next(creds, iter)) {
		const json_t *v = json_object_iter_value(iter);

		if (!json_is_string(v) || !token_valid(json_string_value(v),
		    json_string_length(v))) {
			*error = xasprintf("credentials file '%s' has a bad token "
			    "for '%s': it must be %d to %d characters of A-Z a-z "
			    "0-9 - _", path, json_object_iter_key(iter),
			    AUTH_TOKEN_MIN, AUTH_TOKEN_MAX);
			return -1;
		}
	}
	return 0;
}

/* Parses an open credentials file. NULL after *error. */
static json_t *
creds_parse(const char *path, int fd, char **error)
{
	json_error_t jerr;
	json_t *creds = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);

	if (creds == NULL) {
		*error = xasprintf("credentials file '%s' is not valid JSON: %s "
		    "(line %d)", path, jerr.text, jerr.line);
		return NULL;
	}
	if (!json_is_object(creds)) {
		*error = xasprintf("credentials file '%s' is not a JSON object of "
		    "names and tokens", path);
		json_decref(creds);
		return NULL;
	}
	if (creds_check_entries(path, creds, error) < 0) {
		json_decref(creds);
		return NULL;
	}
	return creds;
}

/*
 * Reads the credentials at path: the object (the caller frees it), a new
 * empty one with *missing set when there is no file yet, or NULL after
 * *error. A symbolic link is refused: the file is ours alone.
 */
static json_t *
creds_read(const char *path, bool *missing, char **error)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	json_t *creds = NULL;

	*missing = false;
	if (fd < 0 && errno == ENOENT) {
		*missing = true;
		return json_object();
	}
	if (fd < 0) {
		*error = xasprintf("cannot open credentials file '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	if (creds_check_stat(path, fd, error) == 0)
		creds = creds_parse(path, fd, error);
	close(fd);
	return creds;
}

/*
 * The credentials of a's users: the old token of each name that had one,
 * a new one for the others. Sets *changed when the result differs from
 * old. NULL after *error; else the caller frees it.
 */
static json_t *
creds_merge(const struct auth *a, json_t *old, bool *changed, char **error)
{
	json_t *creds = json_object();
	size_t i, kept = 0;
	char token[AUTH_TOKEN_LEN + 1];

	for (i = 0; i < a->n_users; i++) {
		json_t *t = json_object_get(old, a->users[i].name);

		if (t != NULL) {
			json_object_set(creds, a->users[i].name, t);
			kept++;
			continue;
		}
		if (token_make(token, error) < 0) {
			json_decref(creds);
			return NULL;
		}
		json_object_set_new(creds, a->users[i].name, json_string(token));
	}
	gnutls_memset(token, 0, sizeof(token));
	/* Names are unique, so anything old not kept was a dropped name. */
	*changed = kept != a->n_users || kept != json_object_size(old);
	return creds;
}

/* Makes a rename in dir survive a crash. */
static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Writes text to a new private file tmp and flushes it to the disk. */
static int
write_private(const char *tmp, const char *text, char **error)
{
	int fd;

	/* A leftover of a crash in the middle of a write: never the real file.
	 * O_EXCL then means the file we write is one we made, not a link. */
	if (unlink(tmp) < 0 && errno != ENOENT) {
		*error = xasprintf("cannot remove stale '%s': %s", tmp,
		    strerror(errno));
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		*error = xasprintf("cannot make '%s': %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		*error = xasprintf("cannot write '%s': %s", tmp, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		*error = xasprintf("cannot write '%s': %s", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Replaces the file at path with creds through a temporary file and a
 * rename, so a crash leaves either the old file or the whole new one.
 */
static int
creds_write(const char *path, const char *dir, const json_t *creds,
    char **error)
{
	char *tmp = xasprintf("%s.tmp", path), *text = NULL, *body;
	int rc = -1;

	body = json_dumps(creds, JSON_INDENT(2));
	if (body == NULL) {
		*error = xasprintf("cannot encode credentials file '%s'", path);
		goto cleanup;
	}
	text = xasprintf("%s\n", body);
	gnutls_memset(body, 0, strlen(body));
	free(body);
	if (write_private(tmp, text, error) < 0)
		goto cleanup;
	if (rename(tmp, path) < 0) {
		*error = xasprintf("cannot put credentials file '%s' in place: %s",
		    path, strerror(errno));
		goto cleanup;
	}
	if (sync_dir(dir) < 0) {
		*error = xasprintf("cannot flush state folder '%s' after writing "
		    "its credentials: %s", dir, strerror(errno));
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (rc < 0)
		unlink(tmp);
	if (text != NULL) {
		gnutls_memset(text, 0, strlen(text));
		free(text);
	}
	free(tmp);
	return rc;
}

int
auth_write_file(const char *path, const char *dir, const char *text,
    char **error)
{
	char *tmp = xasprintf("%s.tmp", path);
	int rc = -1;

	if (write_private(tmp, text, error) < 0)
		goto cleanup;
	if (rename(tmp, path) < 0) {
		*error = xasprintf("cannot put '%s' in place: %s", path,
		    strerror(errno));
		goto cleanup;
	}
	if (sync_dir(dir) < 0) {
		*error = xasprintf("cannot flush folder '%s' after writing '%s': "
		    "%s", dir, path, strerror(errno));
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
auth_random_token(char out[AUTH_TOKEN_LEN + 1], char **error)
{
	return token_make(out, error);
}

void
auth_digest_hex(const char *text, char out[AUTH_HASH_SIZE * 2 + 1])
{
	unsigned char hash[AUTH_HASH_SIZE];

	if (token_hash(text, strlen(text), hash) < 0)
		memset(hash, 0, sizeof(hash));
	hex_encode(hash, sizeof(hash), out);
}

const struct auth_user *
auth_user_named(const struct auth *a, const char *name)
{
	size_t i;

	for (i = 0; a != NULL && name != NULL && i < a->n_users; i++)
		if (strcmp(a->users[i].name, name) == 0)
			return &a->users[i];
	return NULL;
}

/*
 * Hashes each user's token from creds into the user and by_hash. Returns
 * 0, or -1 with *error (two names with one token could not be told apart).
 */
static int
users_index(struct auth *a, const json_t *creds, char **error)
{
	size_t i;

	for (i = 0; i < a->n_users; i++) {
		struct auth_user *u = &a->users[i];
		const json_t *t = json_object_get(creds, u->name);
		const struct auth_user *other;

		if (token_hash(json_string_value(t), json_string_length(t),
		    u->hash) < 0) {
			*error = xasprintf("cannot hash the token of '%s'", u->name);
			return -1;
		}
		hex_encode(u->hash, sizeof(u->hash), u->key);
		other = strmap_add(&a->by_hash, u->key, u);
		if (other != NULL) {
			*error = xasprintf("credentials file '%s' gives '%s' and '%s' "
			    "the same token: delete one of them to make a new one",
			    a->path, other->name, u->name);
			return -1;
		}
	}
	return 0;
}

int
auth_load(struct auth *a, const struct scenario_team *teams, size_t n_teams,
    const struct strlist *instructors, const char *state_dir,
    char **error)
{
	json_t *old = NULL, *creds = NULL;
	bool missing, changed;
	int rc = -1;

	memset(a, 0, sizeof(*a));
	strmap_init(&a->by_hash);
	a->path = xasprintf("%s/%s", state_dir, AUTH_FILE);
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		*error = xasprintf("cannot make the state folder '%s': %s",
		    state_dir, strerror(errno));
		goto cleanup;
	}
	if (users_collect(a, teams, n_teams, instructors, error) < 0 ||
	    (old = creds_read(a->path, &missing, error)) == NULL ||
	    (creds = creds_merge(a, old, &changed, error)) == NULL)
		goto cleanup;
	/* Indexed first, so that a file refused is never rewritten. */
	if (users_index(a, creds, error) < 0 || ((missing || changed) &&
	    creds_write(a->path, state_dir, creds, error) < 0))
		goto cleanup;
	rc = 0;
cleanup:
	json_decref(old);
	json_decref(creds);
	if (rc < 0)
		auth_clear(a);
	return rc;
}

void
auth_clear(struct auth *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n_users; i++)
		free(a->users[i].name);
	free(a->users);
	strmap_clear(&a->by_hash);
	free(a->path);
	memset(a, 0, sizeof(*a));
}

/*
 * The lookup by hash only narrows the search: its timing depends on the
 * SHA-256 of the token, which tells a caller nothing about any real
 * token. The constant-time comparison is what decides.
 */
const struct auth_user *
auth_check_token(const struct auth *a, const char *token)
{
	unsigned char hash[AUTH_HASH_SIZE];
	char key[AUTH_HASH_SIZE * 2 + 1];
	const struct auth_user *u;
	size_t len;

	if (a == NULL || token == NULL)
		return NULL;
	len = strnlen(token, AUTH_TOKEN_MAX + 1);
	if (!token_valid(token, len) || token_hash(token, len, hash) < 0)
		return NULL;
	hex_encode(hash, sizeof(hash), key);
	u = strmap_get(&a->by_hash, key);
	if (u == NULL || !ct_equal(u->hash, hash, sizeof(hash)))
		return NULL;
	return u;
}

const struct auth_user *
auth_check(const struct auth *a, const char *header)
{
	static const char scheme[] = "Bearer ";

	/* The scheme is case-insensitive (RFC 9110); the token is not. */
	if (header == NULL || strncasecmp(header, scheme, sizeof(scheme) - 1) != 0)
		return NULL;
	return auth_check_token(a, header + sizeof(scheme) - 1);
}
