/*
 * http.h: the dashboard's server, on libmicrohttpd: the API (api.c), the
 * static files of web/, live events (Server-Sent Events on suspended
 * connections: no thread per client), consoles (WebSocket upgrades handed
 * to the engine, engine_console) and /metrics.
 */
#ifndef RANGECTL_HTTP_H
#define RANGECTL_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "rangectl/api.h"

#define HTTP_DEFAULT_LISTEN "127.0.0.1:8080"
/*
 * The bounds that hold whatever clients do (docs/internals/http.md):
 * connections open at once (beyond: 503, then closed at accept beyond
 * SPARE more), from one IPv4 address (beyond: closed at accept), seconds
 * a connection may stay silent (an event stream: three pings' worth more).
 */
#define HTTP_CONNECTIONS_MAX 4096
#define HTTP_CONNECTIONS_SPARE 64
#define HTTP_CONNECTIONS_PER_ADDRESS 256
#define HTTP_IDLE_SECONDS 30
/*
 * Seconds a connection may go without a request in progress: to send its
 * headers, or between two requests (a byte now and then does not count).
 */
#define HTTP_HEADER_SECONDS 10
/* Seconds a 503 or 429 asks the client to wait (Retry-After). */
#define HTTP_RETRY_SECONDS 5
/*
 * Logins (and invitations) waiting for the one thread that hashes
 * passwords; one more is refused at once (429, Retry-After: 1).
 */
#define HTTP_HASH_QUEUE 4
/* Event streams one person may have open at once (beyond: 429). */
#define HTTP_STREAMS_PER_PERSON 8
/* Bytes queued for one event stream before it is cut as too slow. */
#define HTTP_SSE_BACKLOG (512 * 1024)
/* Bytes allocated by every stream's queue together: past it, cut too. */
#define HTTP_SSE_TOTAL (32 * 1024 * 1024)
/* A drained queue bigger than this is given back to malloc. */
#define HTTP_SSE_KEEP (16 * 1024)
/*
 * Seconds between comment lines (": ping") on every event stream: a stream
 * with nothing to say is parked, unwatched, so only a write finds out that
 * its client left; proxies also cut streams silent for long.
 */
#define HTTP_SSE_PING_SECONDS 20
/* libmicrohttpd's memory pool per connection: headers and a body's chunk. */
#define HTTP_CONNECTION_MEMORY (16 * 1024)

struct http;

struct http_opts {
	const char *listen;	/* IPv4 ADDR:PORT */
	bool use_listen_fd;	/* serve listen_fd instead of opening listen */
	int listen_fd;	/* from http_listen(); http_start() takes it */
	const char *web_root;	/* the folder of index.html */
	const char *tls_cert;	/* PEM files, both or neither */
	const char *tls_key;
	unsigned threads;	/* 0: one per processor */
	unsigned ping_seconds;	/* 0: HTTP_SSE_PING_SECONDS */
	unsigned streams_per_person;	/* 0: HTTP_STREAMS_PER_PERSON */
};

/*
 * Starts serving api on opts->listen (consoles are opened through the
 * api's engine: engine_console).
 * Returns the server, or NULL with *error set (the caller frees it).
 */
struct http *http_start(struct api *api, const struct http_opts *opts,
    char **error);
/*
 * Opens a listening TCP socket on IPv4 "ADDR:PORT" now, for http_start()
 * to serve later (from another network namespace, say).
 * Returns the socket, or -1 with *error set (the caller frees it).
 */
int http_listen(const char *where, char **error);
/* Sends a journaled event to every event stream allowed to see it. */
void http_publish(struct http *h, const json_t *event);
/* Ends every stream and stops; NULL-safe. */
void http_stop(struct http *h);

/*
 * Maps a request path (raw, undecoded) to a file under the web root:
 * "/" is "index.html", "/vendor/xterm/X" is "node_modules/@xterm/xterm/X",
 * "/vendor/novnc/X" "node_modules/@novnc/novnc/X" (npm's packages).
 * Writes the relative path into out (size n) and returns 0, or -1 for a
 * path that may not be served: dot segments or dot files, percent
 * escapes, backslashes, bytes outside [A-Za-z0-9_./-], over-long.
 */
int http_static_path(const char *url, char *out, size_t n);
/* The media type of a file by its extension. */
const char *http_content_type(const char *path);
/* Parses IPv4 "ADDR:PORT". Returns 0, or -1. */
int http_parse_listen(const char *text, char *addr, size_t addr_size,
    unsigned *port);

#endif
