/*
 * api_account.c: the API's callers and its routes of accounts: tokens or
 * session cookies, the CSRF checks of a cookie's requests, login and
 * logout, invitations, one's own sessions, the controller's users.
 */
#include "rangectl/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gnutls/gnutls.h>

#include "rangectl/event.h"
#include "rangectl/util.h"
#include "api_impl.h"

/* The throttled logins' count (api->quota.login_*). */
static pthread_mutex_t login_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
method_is(const struct api_request *req, const char *m)
{
	return strcmp(req->method, m) == 0;
}

/* Whether a method only reads (the CSRF checks leave it). */
static bool
safe_method(const struct api_request *req)
{
	return method_is(req, "GET") || method_is(req, "HEAD");
}

/*
 * Whether Origin names this server: "http(s)://" and the Host the browser
 * sent. The browser sets both and a page cannot forge either.
 */
static bool
origin_ours(const struct api_request *req)
{
	const char *scheme = req->tls ? "https://" : "http://";
	size_t n = strlen(scheme);

	return req->origin != NULL && req->host != NULL &&
	    strncasecmp(req->origin, scheme, n) == 0 &&
	    strcasecmp(req->origin + n, req->host) == 0;
}

/* Constant-time equality of two C strings of one length. */
static bool
token_equal(const char *a, const char *b)
{
	size_t n = strlen(a), i;
	unsigned char d = 0;

	if (b == NULL || strlen(b) != n)
		return false;
	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* A token's caller (header, or the query where token_route allows it). */
static const struct auth_user *
token_caller(struct api *api, const struct api_request *req,
    struct api_response *res)
{
	const struct auth_user *u;

	if (api->no_tokens) {
		api_answer_error(res, 401, "%s", "tokens are turned off on this server "
		    "(--no-tokens): log in with your name and password");
		return NULL;
	}
	u = auth_check(api->auth, req->authorization);
	if (u == NULL && req->token != NULL)
		u = auth_check_token(api->auth, req->token);
	if (u == NULL)
		api_answer_error(res, 401, "%s", "a valid token is needed: send "
		    "'Authorization: Bearer TOKEN'");
	return u;
}

/*
 * A cookie's caller: the session's person, and for a request that changes
 * something its Origin ours and its X-CSRF-Token the session's.
 */
static const struct auth_user *
cookie_caller(struct api *api, const struct api_request *req,
    struct api_response *res)
{
	char csrf[AUTH_TOKEN_LEN + 1];
	const struct auth_user *u = session_check(api->sessions, req->cookie,
	    csrf, res->session);

	if (u == NULL) {
		api_answer_error(res, 401, "%s", "your session has ended: log in again");
		return NULL;
	}
	if (!safe_method(req) && (!origin_ours(req) ||
	    !token_equal(csrf, req->csrf))) {
		api_answer_error(res, 403, "%s", "a request that changes something needs "
		    "this server's Origin and the session's X-CSRF-Token header");
		u = NULL;
	}
	gnutls_memset(csrf, 0, sizeof(csrf));
	return u;
}

const struct auth_user *
api_account_caller(struct api *api, const struct api_request *req,
    bool console, struct api_response *res, bool *by_cookie)
{
	const struct auth_user *u;

	*by_cookie = false;
	/* A page of another site must not drive a console, whatever it has. */
	if (console && req->origin != NULL && !origin_ours(req)) {
		api_answer_error(res, 403, "%s", "a console or screen opens only "
		    "from this server's own pages (Origin)");
		return NULL;
	}
	if (req->authorization != NULL || req->token != NULL ||
	    api->sessions == NULL || req->cookie == NULL) {
		u = token_caller(api, req, res);
	} else {
		u = cookie_caller(api, req, res);
		*by_cookie = u != NULL;
	}
	if (u != NULL && !session_person_allowed(api->sessions, u)) {
		api_answer_error(res, 401, "%s", "your account is disabled");
		return NULL;
	}
	if (!*by_cookie)
		res->session[0] = '\0';
	return u;
}

bool
api_stream_allowed(struct api *api, const struct auth_user *u,
    const char *session)
{
	if (api->sessions == NULL)
		return true;
	if (!session_person_allowed(api->sessions, u))
		return false;
	return session[0] == '\0' ? !api->no_tokens :
	    session_alive(api->sessions, session);
}

/* ---- login, invitations ------------------------------------------------ */

static char *
cookie_header(const struct api *api, const struct api_request *req,
    const char *value, long max_age)
{
	(void)api;
	return xasprintf("%s=%s; Path=/; HttpOnly; SameSite=Strict; "
	    "Max-Age=%ld%s", SESSION_COOKIE, value, max_age, req->tls ?
	    "; Secure" : "");
}

static void
wipe_free(char *s)
{
	if (s != NULL)
		gnutls_memset(s, 0, strlen(s));
	free(s);
}

static json_t *
person_json(const struct auth_user *u, const char *csrf)
{
	return json_pack("{s:s, s:s, s:o, s:s}", "name", u->name, "role",
	    auth_role_name(u->role), "team", u->team ? json_string(u->team->id) :
	    json_null(), "csrf", csrf);
}

static void
answer_login(struct api *api, const struct api_request *req, int rc,
    const char *name, const char *cookie, const char *csrf, unsigned retry,
    struct api_response *res)
{
	const struct auth_user *u = auth_user_named(api->auth, name);

	if (rc == SESSION_OK && u != NULL) {
		api_answer_json(res, 200, person_json(u, csrf));
		res->set_cookie = cookie_header(api, req, cookie,
		    api->sessions->lifetime);
		return;
	}
	if (rc == SESSION_THROTTLED || rc == SESSION_BUSY) {
		api_answer_error(res, 429, "%s", rc == SESSION_BUSY ? "too many logins "
		    "at once: try again in a second" : "too many failed logins: "
		    "wait before trying again");
		res->retry_after = retry;
		return;
	}
	/* The same words whether the name exists or not. */
	api_answer_error(res, 401, "%s", "the name or the password is wrong");
}

/*
 * Journals a login (never its password). Every login that was hashed
 * (ok, refused) is journaled: SESSION_HASHING bounds them to a few a
 * second. Throttled ones cost nothing to make, so a flood of them is
 * journaled at most once a second, the event counting the attempts.
 */
static void
journal_login(struct api *api, const char *name, const char *address,
    int rc)
{
	struct event ev;
	unsigned long long attempts = 1;
	double now;

	if (api->engine == NULL)
		return;
	event_init(&ev, EVENT_LOGIN);
	ev.u.login = (struct event_login){ .name = name, .address = address,
	    .result = rc == SESSION_OK ? "ok" : rc == SESSION_REFUSED ?
	    "refused" : "throttled" };
	if (rc == SESSION_THROTTLED || rc == SESSION_BUSY) {
		now = api_now(api);
		pthread_mutex_lock(&login_lock);
		if (api->quota.login_noted > 0 && now - api->quota.login_noted < 1.0) {
			api->quota.login_unnoted++;
			pthread_mutex_unlock(&login_lock);
			return;
		}
		attempts += api->quota.login_unnoted;
		api->quota.login_unnoted = 0;
		api->quota.login_noted = now;
		pthread_mutex_unlock(&login_lock);
		ev.u.login.has_attempts = true;
		ev.u.login.attempts = (long long)attempts;
	}
	engine_note(api->engine, event_encode(&ev));
}

static void
login(struct api *api, const struct api_request *req,
    struct api_response *res)
{
	char *name, *invite, *password, *error = NULL;
	char cookie[AUTH_TOKEN_LEN + 1] = "", csrf[AUTH_TOKEN_LEN + 1] = "";
	unsigned retry = 0;
	int rc;

	if (session_parse_login(req->body, req->body_len, &name, &invite,
	    &password, &error) < 0 || name == NULL) {
		api_answer_error(res, 400, "%s", error ? error : "give 'name' and "
		    "'password'");
		free(error);
		free(invite);
		wipe_free(password);
		return;
	}
	rc = session_login(api->sessions, name, password, req->address, cookie,
	    csrf, &retry);
	answer_login(api, req, rc, name, cookie, csrf, retry, res);
	journal_login(api, name, req->address, rc);
	if (rc != SESSION_OK)
		fprintf(stderr, "rangectl: failed login as '%.64s' from %s\n",
		    name, req->address ? req->address : "?");
	gnutls_memset(cookie, 0, sizeof(cookie));
	gnutls_memset(csrf, 0, sizeof(csrf));
	free(name);
	wipe_free(password);
}

/* POST /invite {"invite", "password"}: the person chooses a password. */
static void
redeem(struct api *api, const struct api_request *req,
    struct api_response *res)
{
	char *name, *invite, *password, *error = NULL, *who = NULL;
	struct account_store *s;
	int rc = -1;

	if (session_parse_login(req->body, req->body_len, &name, &invite,
	    &password, &error) == 0 && invite != NULL) {
		s = session_accounts_lock(api->sessions);
		rc = account_redeem(s, invite, password, &who, &error);
		session_accounts_unlock(api->sessions);
	} else if (error == NULL) {
		error = xstrdup("give 'invite' and 'password'");
	}
	if (rc == 0)
		api_answer_json(res, 200, json_pack("{s:s}", "name", who));
	else
		api_answer_error(res, 400, "%s", error);
	free(error);
	free(who);
	free(name);
	free(invite);
	wipe_free(password);
}

bool
api_account_open_route(struct api *api, const struct api_request *req,
    struct api_response *res)
{
	bool is_login = strcmp(req->path, "/api/v1/login") == 0;

	if (!is_login && strcmp(req->path, "/api/v1/invite") != 0)
		return false;
	if (api->sessions == NULL)
		api_answer_error(res, 404, "%s", "this server has no accounts");
	else if (!method_is(req, "POST"))
		api_answer_error(res, 405, "%s", "only POST");
	else if (req->origin != NULL && !origin_ours(req))
		api_answer_error(res, 403, "%s", "log in from this server's own pages");
	else if (is_login)
		login(api, req, res);
	else
		redeem(api, req, res);
	return true;
}

/* ---- one's sessions ---------------------------------------------------- */

static void
sessions_route(struct api *api, const struct api_request *req,
    const struct auth_user *u, const char *id, struct api_response *res)
{
	if (id == NULL && safe_method(req)) {
		api_answer_json(res, 200, session_list(api->sessions, u,
		    req->cookie));
	} else if (id != NULL && method_is(req, "DELETE")) {
		if (session_end(api->sessions, u, id) < 0)
			api_answer_error(res, 404, "%s", "you have no such session");
		else
			api_answer_json(res, 200, json_pack("{s:b}", "ok", 1));
	} else {
		api_answer_error(res, 405, "%s", "GET the list, or DELETE one session");
	}
}

static void
logout(struct api *api, const struct api_request *req,
    struct api_response *res)
{
	if (!method_is(req, "POST")) {
		api_answer_error(res, 405, "%s", "only POST");
		return;
	}
	session_logout(api->sessions, req->cookie);
	api_answer_json(res, 200, json_pack("{s:b}", "ok", 1));
	res->set_cookie = cookie_header(api, req, "", 0);
}

/* ---- the controller's users -------------------------------------------- */

static json_t *
users_json(const struct account_store *s)
{
	json_t *out = json_array(), *e;
	const char *name;

	json_object_foreach(json_object_get(s->doc, "accounts"), name, e) {
		const char *state = json_is_true(json_object_get(e, "disabled")) ?
		    "disabled" : json_is_string(json_object_get(e, "hash")) ?
		    "active" : json_integer_value(json_object_get(e,
		    "invite_expires")) > (json_int_t)time(NULL) ? "invited" :
		    "no-password";

		json_array_append_new(out, json_pack("{s:s, s:O, s:O, s:s}",
		    "name", name, "role", json_object_get(e, "role"), "team",
		    json_object_get(e, "team") ? json_object_get(e, "team") :
		    json_null(), "state", state));
	}
	return out;
}

/* POST /users/NAME/ACTION: disable, enable, invite. */
static void
user_action(struct api *api, const char *name, const char *action,
    struct api_response *res)
{
	char code[AUTH_TOKEN_LEN + 1], *error = NULL;
	struct account_store *s = session_accounts_lock(api->sessions);
	int rc;

	if (account_entry(s, name) == NULL) {
		session_accounts_unlock(api->sessions);
		api_answer_error(res, 404, "%s", "no such person");
		return;
	}
	if (strcmp(action, "invite") == 0)
		rc = account_invite(s, name, ACCOUNT_INVITE_SECONDS, code, &error);
	else
		rc = account_set_disabled(s, name, action[0] == 'd', &error);
	session_accounts_unlock(api->sessions);
	if (rc < 0) {
		api_answer_error(res, 409, "%s", error);
		free(error);
		return;
	}
	if (action[0] == 'd')
		session_end_person(api->sessions, name);
	if (strcmp(action, "invite") == 0)
		api_answer_json(res, 200, json_pack("{s:s, s:s, s:I}", "name", name,
		    "invite", code, "expires", (json_int_t)(time(NULL) +
		    ACCOUNT_INVITE_SECONDS)));
	else
		api_answer_json(res, 200, json_pack("{s:s, s:b}", "name", name,
		    "disabled", action[0] == 'd'));
	gnutls_memset(code, 0, sizeof(code));
}

static void
users_route(struct api *api, const struct api_request *req,
    const struct auth_user *u, const char *rest, struct api_response *res)
{
	char name[ACCOUNT_NAME_MAX + 1];
	const char *slash;
	struct account_store *s;

	if (u->role != AUTH_CONTROLLER) {
		api_answer_error(res, 403, "%s", "your role may not manage accounts");
	} else if (rest == NULL && safe_method(req)) {
		s = session_accounts_lock(api->sessions);
		api_answer_json(res, 200, users_json(s));
		session_accounts_unlock(api->sessions);
	} else if (rest != NULL && method_is(req, "POST") &&
	    (slash = strchr(rest, '/')) != NULL &&
	    (size_t)(slash - rest) <= ACCOUNT_NAME_MAX &&
	    (strcmp(slash, "/disable") == 0 || strcmp(slash, "/enable") == 0 ||
	    strcmp(slash, "/invite") == 0)) {
		snprintf(name, sizeof(name), "%.*s", (int)(slash - rest), rest);
		user_action(api, name, slash + 1, res);
	} else {
		api_answer_error(res, rest == NULL ? 405 : 404, "%s", rest == NULL ?
		    "only GET" : "no such resource");
	}
}

/* The part of path after prefix ("" when it is prefix), or NULL. */
static const char *
under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0)
		return NULL;
	if (path[n] == '\0')
		return "";
	return path[n] == '/' && path[n + 1] != '\0' ? path + n + 1 : NULL;
}

bool
api_account_route(struct api *api, const struct api_request *req,
    const struct auth_user *u, bool by_cookie, struct api_response *res)
{
	const char *rest;

	if (strcmp(req->path, "/api/v1/whoami") == 0 && by_cookie &&
	    safe_method(req)) {
		char csrf[AUTH_TOKEN_LEN + 1];

		/* A page reloaded gets its session's CSRF token again. */
		session_check(api->sessions, req->cookie, csrf, NULL);
		api_answer_json(res, 200, person_json(u, csrf));
		gnutls_memset(csrf, 0, sizeof(csrf));
		return true;
	}
	if (api->sessions == NULL)
		return false;
	if (strcmp(req->path, "/api/v1/logout") == 0) {
		logout(api, req, res);
	} else if ((rest = under(req->path, "/api/v1/sessions")) != NULL) {
		sessions_route(api, req, u, rest[0] ? rest : NULL, res);
	} else if ((rest = under(req->path, "/api/v1/users")) != NULL) {
		users_route(api, req, u, rest[0] ? rest : NULL, res);
	} else {
		return false;
	}
	return true;
}
