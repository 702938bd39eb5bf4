/*
 * api.h: the HTTP API (docs/api.md), as a pure function from a
 * request to an answer, so that it can be tested and fuzzed without a
 * server. http.c owns the sockets; routes that keep the connection (the
 * event stream, the console) are answered with what http.c must do.
 *
 * Every request is authorized here, on the server, whatever the page
 * shows: 401 without a valid token, 403 for a role that may not, 404 for
 * what does not exist, 400 with {"error"} for a bad body.
 */
#ifndef RANGECTL_API_H
#define RANGECTL_API_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "rangectl/auth.h"
#include "rangectl/engine.h"
#include "rangectl/plan.h"
#include "rangectl/session.h"
#include "rangectl/view.h"

#define API_BODY_MAX (64 * 1024)	/* bytes of a request body */
/*
 * Quotas (429 with Retry-After beyond them; docs/internals/http.md):
 * reports one person may file a minute, and bytes of bodies in all since
 * the server started (413 beyond); one revert of a host at a time, and a
 * trainee waits the cool-down between two of one host's.
 */
#define API_REPORTS_PER_MINUTE 10
#define API_REPORT_BYTES_MAX (1024 * 1024)
#define API_REVERT_COOLDOWN 30
/* Flags one red trainee may submit a minute, right or wrong (no guessing). */
#define API_FLAGS_PER_MINUTE 10
/* Seconds a 429 asks to wait when the end of the wait is not known. */
#define API_RETRY_SECONDS 5
/* A revert still unfinished after this many seconds no longer blocks. */
#define API_REVERT_STALE 600
/* Reports in one page of GET /api/v1/reports (?after=ID&limit=N). */
#define API_PAGE_MAX 500

struct api_request {
	const char *method;
	const char *path;	/* without the query string */
	const char *authorization;	/* the header, or NULL */
	const char *token;	/* ?token=: taken on the event stream and the
				   console only (browsers cannot send headers
				   there); refused elsewhere */
	const char *after;	/* ?after=ID, or NULL: the report list's page */
	const char *limit;	/* ?limit=N, or NULL */
	const char *format;	/* ?format=stix, or NULL: GET /intel's */
	const char *body;
	size_t body_len;
	bool loopback;	/* the client is on this machine */
	/* For sessions (api_account.c); NULL when absent. */
	const char *cookie;	/* the session cookie's value */
	const char *origin;	/* the Origin header */
	const char *host;	/* the Host header */
	const char *csrf;	/* the X-CSRF-Token header */
	const char *address;	/* the client's address, for throttling */
	bool tls;	/* served over HTTPS */
};

enum api_kind {
	API_ANSWER,	/* status, content_type, body */
	API_EVENTS,	/* start a Server-Sent Events stream for user */
	API_CONSOLE,	/* upgrade to a WebSocket on host's console */
	API_SCREEN,	/* upgrade to a WebSocket on host's screen (VNC) */
};

struct api_response {
	int kind;	/* enum api_kind */
	int status;
	const char *content_type;
	char *body;	/* owned; body_len bytes */
	size_t body_len;
	const struct auth_user *user;	/* who asked, or NULL */
	size_t host;	/* API_CONSOLE, API_SCREEN: plan index */
	unsigned retry_after;	/* seconds, for a Retry-After header; 0: none */
	char *set_cookie;	/* owned: a Set-Cookie header's value, or NULL */
	/* body holds a secret (a private key): wiped before it is freed, by
	   http.c once sent, by api_response_clear() otherwise. */
	bool secret;
	/* API_EVENTS or API_CONSOLE by a session: its key, for http.c to end it
	   with the session; "" for a token's. */
	char session[AUTH_HASH_SIZE * 2 + 1];
};

/* Counters for /metrics, written by any thread. */
struct api_metrics {
	atomic_ulong requests;
	atomic_ulong refused;	/* 4xx */
	atomic_uint sse_clients;
	atomic_uint consoles;
};

/* A count of things done in the current minute, for a quota. */
struct api_minute {
	double start;	/* when the current minute began (monotonic s) */
	unsigned n;	/* done (or being done) in it */
};

/* One person's reports and flag submissions, for the quotas. */
struct api_filer {
	const struct auth_user *user;	/* borrowed from auth */
	struct api_minute reports;
	size_t bytes;	/* of every report's body since the server began */
	struct api_minute flags;
};

/* One host's reverts, for the quotas. */
struct api_revert {
	bool in_flight;	/* asked, and its revert event not seen yet */
	double asked;	/* when the last was asked (monotonic s) */
	double trainee_asked;	/* when a trainee last asked one */
};

/*
 * The quotas' state, zeroed with struct api and made on first use; under
 * a lock of api.c's own. The server's life only: a restart forgets it.
 */
struct api_quota {
	struct api_filer *filers;	/* owned, n_filers */
	size_t n_filers, alloc_filers;
	struct api_revert *reverts;	/* owned, one per plan host, or NULL */
	/*
	 * Throttled logins (api_account.c's lock): journaled at most one a
	 * second, each standing for those not journaled before it.
	 */
	double login_noted;	/* when the last throttled one was (monotonic s) */
	unsigned long long login_unnoted;	/* throttled since, not journaled */
};

struct vpn_host;

struct api {
	const struct plan *plan;	/* borrowed, as the rest */
	struct engine *engine;
	struct auth *auth;
	struct view *view;
	struct api_metrics metrics;
	struct api_quota quota;
	/* Monotonic seconds for the quotas; NULL: CLOCK_MONOTONIC. */
	double (*now)(void);
	/* Logins and sessions (session.h); NULL: tokens only. */
	struct session_table *sessions;
	bool no_tokens;	/* --no-tokens: sessions only */
	struct vpn_host *vpn;	/* the scenario's VPN (vpn.h), or NULL */
};

/*
 * api_account.c: who calls (a token, or a session's cookie with its CSRF
 * checks) and the routes of accounts and sessions: login, logout,
 * invitations, one's sessions, the controller's users.
 */
/*
 * The caller of req, or NULL with the answer (401, 403) in res. Sets
 * *by_cookie when a session's cookie said who.
 */
const struct auth_user *api_account_caller(struct api *api,
    const struct api_request *req, bool console, struct api_response *res,
    bool *by_cookie);
/* Answers the routes that need no caller (login, invite); false if none. */
bool api_account_open_route(struct api *api, const struct api_request *req,
    struct api_response *res);
/* Answers u's routes of sessions and users; false if req is none of them. */
bool api_account_route(struct api *api, const struct api_request *req,
    const struct auth_user *u, bool by_cookie, struct api_response *res);
/* Whether an event stream of u (session key, "" for a token) may go on. */
bool api_stream_allowed(struct api *api, const struct auth_user *u,
    const char *session);

/*
 * api_vpn.c: a trainee's VPN: GET /vpn, POST /vpn/config and /vpn/qr.
 * False if req is none of them.
 */
bool api_vpn_route(struct api *api, const struct api_request *req,
    const struct auth_user *u, struct api_response *res);
/* Removes the VPN peers of people disabled (http.c's pinger, each second). */
void api_vpn_sweep(struct api *api);

/* Answers req into res (which the caller clears with api_response_clear). */
void api_handle(struct api *api, const struct api_request *req,
    struct api_response *res);
void api_response_clear(struct api_response *res);
/*
 * Tells the API a journaled event (http_publish() does): a host's revert
 * event ends the revert in flight. Any thread.
 */
void api_note_event(struct api *api, const json_t *event);
/* Frees the quotas' state (the rest is borrowed); NULL-safe. */
void api_clear(struct api *api);

/*
 * Whether user u may receive a live event (a journal event as the engine
 * wrote it) and, if so, the SSE message for it ("event: X\ndata: {...}\n\n"),
 * new; NULL when u may not see it or it is not for the dashboard.
 */
char *api_event_for(struct api *api, const json_t *event,
    const struct auth_user *u);

#endif
