/*
 * account.c: accounts.json: Argon2id hashes through libsodium, invitations,
 * every change under a lock and written atomically (auth_write_file).
 */
#include "rangectl/account.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "rangectl/util.h"

#define ACCOUNT_FORMAT 1
/* Far above thousands of accounts; a bigger file is not ours. */
#define ACCOUNT_FILE_MAX (16L * 1024 * 1024)

unsigned long long
account_opslimit(void)
{
	return crypto_pwhash_OPSLIMIT_INTERACTIVE;
}

size_t
account_memlimit(void)
{
	return crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

/* libsodium picks its implementations once; any thread may call this. */
static int
sodium_ready(char **error)
{
	if (sodium_init() < 0) {
		*error = xstrdup("cannot start libsodium");
		return -1;
	}
	return 0;
}

static json_t *
empty_doc(void)
{
	return json_pack("{s:i, s:{}}", "format", ACCOUNT_FORMAT, "accounts");
}

/* Refuses a file that is not a private regular file of sane size. */
static int
check_stat(const char *path, const struct stat *st, char **error)
{
	if (!S_ISREG(st->st_mode)) {
		*error = xasprintf("accounts file '%s' is not a regular file", path);
		return -1;
	}
	if ((st->st_mode & 077) != 0) {
		*error = xasprintf("accounts file '%s' has mode %04o, which lets "
		    "group or others read the password hashes: make it private "
		    "with 'chmod 600 %s'", path, (unsigned)(st->st_mode & 07777),
		    path);
		return -1;
	}
	if (st->st_size > ACCOUNT_FILE_MAX) {
		*error = xasprintf("accounts file '%s' is larger than %ld bytes",
		    path, ACCOUNT_FILE_MAX);
		return -1;
	}
	return 0;
}

/* Whether doc has the shape of an accounts file. */
static bool
doc_valid(const json_t *doc)
{
	const json_t *accounts = json_object_get(doc, "accounts"), *e;
	const char *name;

	if (!json_is_object(doc) || !json_is_object(accounts))
		return false;
	json_object_foreach((json_t *)accounts, name, e) {
		const json_t *hash = json_object_get(e, "hash");

		if (!json_is_object(e) || (hash != NULL && !json_is_null(hash) &&
		    (!json_is_string(hash) || json_string_length(hash) >=
		    crypto_pwhash_STRBYTES)))
			return false;
	}
	return true;
}

/* Reads the file of s into s (an empty doc when missing). */
static int
read_file(struct account_store *s, char **error)
{
	int fd = open(s->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	json_error_t jerr;
	struct stat st;
	json_t *doc = NULL;

	if (fd < 0 && errno == ENOENT) {
		json_decref(s->doc);
		s->doc = empty_doc();
		s->ino = 0;
		return 0;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		*error = xasprintf("cannot read accounts file '%s': %s", s->path,
		    strerror(errno));
		goto fail;
	}
	if (check_stat(s->path, &st, error) < 0)
		goto fail;
	doc = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL || !doc_valid(doc)) {
		*error = xasprintf("accounts file '%s' is not an accounts file: %s",
		    s->path, doc == NULL ? jerr.text : "bad 'accounts'");
		json_decref(doc);
		goto fail;
	}
	json_decref(s->doc);
	s->doc = doc;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->mtime = st.st_mtim;
	s->size = st.st_size;
	close(fd);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

int
account_load(struct account_store *s, const char *state_dir, char **error)
{
	memset(s, 0, sizeof(*s));
	if (sodium_ready(error) < 0)
		return -1;
	s->dir = xstrdup(state_dir);
	s->path = xasprintf("%s/%s", state_dir, ACCOUNT_FILE);
	if (read_file(s, error) < 0) {
		account_clear(s);
		return -1;
	}
	return 0;
}

int
account_refresh(struct account_store *s, char **error)
{
	struct stat st;

	if (stat(s->path, &st) < 0)
		return errno == ENOENT && s->ino == 0 ? 0 : read_file(s, error);
	if (st.st_dev == s->dev && st.st_ino == s->ino && st.st_size == s->size &&
	    st.st_mtim.tv_sec == s->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == s->mtime.tv_nsec)
		return 0;
	return read_file(s, error);
}

void
account_clear(struct account_store *s)
{
	if (s == NULL)
		return;
	json_decref(s->doc);
	free(s->dir);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

static int
write_doc(struct account_store *s, char **error)
{
	char *text = json_dumps(s->doc, JSON_INDENT(2) | JSON_SORT_KEYS), *all;
	int rc;

	if (text == NULL) {
		*error = xasprintf("cannot encode accounts file '%s'", s->path);
		return -1;
	}
	all = xasprintf("%s\n", text);
	free(text);
	rc = auth_write_file(s->path, s->dir, all, error);
	free(all);
	return rc < 0 ? -1 : read_file(s, error);
}

int
account_edit(struct account_store *s, account_edit_fn *edit, void *arg,
    char **error)
{
	char *lock = xasprintf("%s/%s", s->dir, ACCOUNT_LOCK);
	int fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	int rc = -1;

	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		*error = xasprintf("cannot lock '%s': %s", lock, strerror(errno));
		goto cleanup;
	}
	if (read_file(s, error) < 0)
		goto cleanup;
	rc = edit(s->doc, arg, error);
	if (rc == 1 && write_doc(s, error) < 0)
		rc = -1;
cleanup:
	if (fd >= 0)
		close(fd);	/* lets the lock go */
	free(lock);
	return rc;
}

static json_t *
accounts_of(json_t *doc)
{
	return json_object_get(doc, "accounts");
}

json_t *
account_entry(const struct account_store *s, const char *name)
{
	return name == NULL ? NULL : json_object_get(accounts_of(s->doc), name);
}

bool
account_disabled(const struct account_store *s, const char *name)
{
	return json_is_true(json_object_get(account_entry(s, name), "disabled"));
}

/* ---- sync ---------------------------------------------------------------- */

static int
sync_edit(json_t *doc, void *arg, char **error)
{
	const struct auth *a = arg;
	json_t *accounts = accounts_of(doc), *kept = json_object();
	int changed = 0;
	size_t i;

	(void)error;
	for (i = 0; i < a->n_users; i++) {
		const struct auth_user *u = &a->users[i];
		json_t *e = json_object_get(accounts, u->name);
		const char *team = u->team ? u->team->id : NULL;

		if (e == NULL) {
			e = json_pack("{s:n, s:b}", "hash", "disabled", 0);
			changed = 1;
		} else {
			json_incref(e);
		}
		if (!json_equal(json_object_get(e, "role"), json_string(
		    auth_role_name(u->role))) || (team != NULL && !json_equal(
		    json_object_get(e, "team"), json_string(team))))
			changed = 1;
		json_object_set_new(e, "role", json_string(auth_role_name(u->role)));
		json_object_set_new(e, "team", team ? json_string(team) :
		    json_null());
		json_object_set_new(kept, u->name, e);
	}
	if (json_object_size(kept) != json_object_size(accounts))
		changed = 1;
	json_object_set_new(doc, "accounts", kept);
	return changed;
}

int
account_sync(struct account_store *s, const struct auth *a, char **error)
{
	return account_edit(s, sync_edit, (void *)a, error) < 0 ? -1 : 0;
}

/* ---- passwords ----------------------------------------------------------- */

/*
 * A hash of a password nobody has, made once, for the names that cannot
 * log in: checking against it costs what a real check costs.
 */
static char dummy[crypto_pwhash_STRBYTES];

static void
dummy_make(void)
{
	if (crypto_pwhash_str(dummy, "rangectl-dummy", 14, account_opslimit(),
	    account_memlimit()) != 0)
		dummy[0] = '\0';
}

static const char *
dummy_hash(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, dummy_make);
	return dummy;
}

bool
account_check_hash(const char *hash, const char *password)
{
	size_t len = password ? strlen(password) : 0;
	int rc;

	if (password == NULL || len > ACCOUNT_PASSWORD_MAX)
		return false;
	rc = crypto_pwhash_str_verify(hash ? hash : dummy_hash(), password,
	    len);
	return hash != NULL && rc == 0;
}

char *
account_login_hash(const struct account_store *s, const char *name)
{
	const json_t *e = account_entry(s, name);
	const char *hash = json_string_value(json_object_get(e, "hash"));

	if (hash == NULL || json_is_true(json_object_get(e, "disabled")))
		return NULL;
	return xstrdup(hash);
}

bool
account_verify(const struct account_store *s, const char *name,
    const char *password)
{
	char *hash = account_login_hash(s, name);
	bool ok = account_check_hash(hash, password);

	free(hash);
	return ok;
}

static int
password_check(const char *password, char **error)
{
	size_t len = strlen(password);

	if (len < ACCOUNT_PASSWORD_MIN || len > ACCOUNT_PASSWORD_MAX) {
		*error = xasprintf("a password must have %d to %d bytes, not %zu",
		    ACCOUNT_PASSWORD_MIN, ACCOUNT_PASSWORD_MAX, len);
		return -1;
	}
	return 0;
}

/* Sets e's hash of password, the parameters, when, and ends any invite. */
static int
entry_set_password(json_t *e, const char *password, char **error)
{
	char hash[crypto_pwhash_STRBYTES];

	if (crypto_pwhash_str(hash, password, strlen(password),
	    account_opslimit(), account_memlimit()) != 0) {
		*error = xstrdup("cannot hash the password: out of memory");
		return -1;
	}
	json_object_set_new(e, "hash", json_string(hash));
	json_object_set_new(e, "algorithm", json_string("argon2id"));
	json_object_set_new(e, "opslimit", json_integer((json_int_t)
	    account_opslimit()));
	json_object_set_new(e, "memlimit", json_integer((json_int_t)
	    account_memlimit()));
	json_object_set_new(e, "set", json_integer((json_int_t)time(NULL)));
	json_object_del(e, "invite");
	json_object_del(e, "invite_expires");
	sodium_memzero(hash, sizeof(hash));
	return 0;
}

struct password_edit {
	const char *name;
	const char *password;
	const char *code;	/* redeem: the invitation's */
	char *found;	/* redeem: the name it was for */
	bool disabled;
	long seconds;
	char *invite;	/* invite: the code made */
};

static json_t *
entry_named(json_t *doc, const char *name, char **error)
{
	json_t *e = json_object_get(accounts_of(doc), name);

	if (e == NULL)
		*error = xasprintf("there is no person '%s' in the accounts: "
		    "only the scenario's members and instructors have one", name);
	return e;
}

static int
password_edit(json_t *doc, void *arg, char **error)
{
	struct password_edit *pe = arg;
	json_t *e = entry_named(doc, pe->name, error);

	if (e == NULL || entry_set_password(e, pe->password, error) < 0)
		return -1;
	return 1;
}

int
account_set_password(struct account_store *s, const char *name,
    const char *password, char **error)
{
	struct password_edit pe = { .name = name, .password = password };

	if (password_check(password, error) < 0)
		return -1;
	return account_edit(s, password_edit, &pe, error) < 0 ? -1 : 0;
}

static int
disabled_edit(json_t *doc, void *arg, char **error)
{
	struct password_edit *pe = arg;
	json_t *e = entry_named(doc, pe->name, error);

	if (e == NULL)
		return -1;
	json_object_set_new(e, "disabled", json_boolean(pe->disabled));
	if (pe->disabled) {
		json_object_del(e, "invite");
		json_object_del(e, "invite_expires");
	}
	return 1;
}

int
account_set_disabled(struct account_store *s, const char *name,
    bool disabled, char **error)
{
	struct password_edit pe = { .name = name, .disabled = disabled };

	return account_edit(s, disabled_edit, &pe, error) < 0 ? -1 : 0;
}

/* ---- invitations --------------------------------------------------------- */

static int
invite_edit(json_t *doc, void *arg, char **error)
{
	struct password_edit *pe = arg;
	json_t *e = entry_named(doc, pe->name, error);
	char digest[AUTH_HASH_SIZE * 2 + 1];

	if (e == NULL)
		return -1;
	if (json_is_true(json_object_get(e, "disabled"))) {
		*error = xasprintf("'%s' is disabled: enable them first",
		    pe->name);
		return -1;
	}
	auth_digest_hex(pe->invite, digest);
	json_object_set_new(e, "invite", json_string(digest));
	json_object_set_new(e, "invite_expires", json_integer((json_int_t)
	    (time(NULL) + pe->seconds)));
	return 1;
}

int
account_invite(struct account_store *s, const char *name, long seconds,
    char code[AUTH_TOKEN_LEN + 1], char **error)
{
	struct password_edit pe = { .name = name, .seconds = seconds,
	    .invite = code };

	if (auth_random_token(code, error) < 0)
		return -1;
	if (account_edit(s, invite_edit, &pe, error) < 0) {
		sodium_memzero(code, AUTH_TOKEN_LEN + 1);
		return -1;
	}
	return 0;
}

/* The entry whose invitation is digest and still valid, and its name. */
static json_t *
invited(json_t *doc, const char *digest, const char **name)
{
	json_t *e, *found = NULL;
	const char *key;
	time_t now = time(NULL);

	json_object_foreach(accounts_of(doc), key, e) {
		const char *inv = json_string_value(json_object_get(e, "invite"));

		/* The digests are of random codes: comparing them leaks nothing. */
		if (inv != NULL && strcmp(inv, digest) == 0 &&
		    json_integer_value(json_object_get(e, "invite_expires")) >
		    now && !json_is_true(json_object_get(e, "disabled"))) {
			found = e;
			*name = key;
		}
	}
	return found;
}

static int
redeem_edit(json_t *doc, void *arg, char **error)
{
	struct password_edit *pe = arg;
	char digest[AUTH_HASH_SIZE * 2 + 1];
	const char *name = NULL;
	json_t *e;

	auth_digest_hex(pe->code, digest);
	e = invited(doc, digest, &name);
	if (e == NULL) {
		*error = xstrdup("this invitation is not valid: it was used, it "
		    "expired, or it was replaced by a newer one");
		return -1;
	}
	pe->found = xstrdup(name);
	return entry_set_password(e, pe->password, error) < 0 ? -1 : 1;
}

int
account_redeem(struct account_store *s, const char *code,
    const char *password, char **name, char **error)
{
	struct password_edit pe = { .code = code, .password = password };

	*name = NULL;
	if (code == NULL || strlen(code) > AUTH_TOKEN_MAX) {
		*error = xstrdup("this invitation is not valid");
		return -1;
	}
	if (password_check(password, error) < 0)
		return -1;
	if (account_edit(s, redeem_edit, &pe, error) < 0) {
		free(pe.found);
		return -1;
	}
	*name = pe.found;
	return 0;
}
