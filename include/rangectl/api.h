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
#include "rangectl/view.h"

#define API_BODY_MAX (64 * 1024)	/* bytes of a request body */

struct api_request {
	const char *method;
	const char *path;	/* without the query string */
	const char *authorization;	/* the header, or NULL */
	const char *token;	/* ?token=, for EventSource and WebSocket */
	const char *body;
	size_t body_len;
	bool loopback;	/* the client is on this machine */
};

enum api_kind {
	API_ANSWER,	/* status, content_type, body */
	API_EVENTS,	/* start a Server-Sent Events stream for user */
	API_CONSOLE,	/* upgrade to a WebSocket on host's console */
};

struct api_response {
	int kind;	/* enum api_kind */
	int status;
	const char *content_type;
	char *body;	/* owned; body_len bytes */
	size_t body_len;
	const struct auth_user *user;	/* who asked, or NULL */
	size_t host;	/* API_CONSOLE: plan index */
};

/* Counters for /metrics, written by any thread. */
struct api_metrics {
	atomic_ulong requests;
	atomic_ulong refused;	/* 4xx */
	atomic_uint sse_clients;
	atomic_uint consoles;
};

struct api {
	const struct plan *plan;	/* borrowed, as the rest */
	struct engine *engine;
	struct auth *auth;
	struct view *view;
	struct api_metrics metrics;
};

/* Answers req into res (which the caller clears with api_response_clear). */
void api_handle(struct api *api, const struct api_request *req,
    struct api_response *res);
void api_response_clear(struct api_response *res);

/*
 * Whether user u may receive a live event (a journal event as the engine
 * wrote it) and, if so, the SSE message for it ("event: X\ndata: {...}\n\n"),
 * new; NULL when u may not see it or it is not for the dashboard.
 */
char *api_event_for(struct api *api, const json_t *event,
    const struct auth_user *u);

#endif
