/*
 * http.c: libmicrohttpd glue: requests to api.c, files of web/, event
 * streams on suspended connections, WebSocket upgrades to a console
 * (engine_console).
 */
#include "rangectl/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <microhttpd.h>
#include <sodium.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rangectl/console.h"
#include "rangectl/util.h"

/* One open event stream. Everything but conn is under http->lock. */
struct sse_client {
	struct sse_client *next;
	struct http *http;
	struct MHD_Connection *conn;
	const struct auth_user *user;
	char session[AUTH_HASH_SIZE * 2 + 1];	/* its session's key; "": a token */
	struct strbuf queue;	/* bytes not yet handed to MHD */
	size_t sent;	/* of queue */
	bool suspended;
	bool closing;	/* ends once its queue is sent (or dropped) */
};

/*
 * One open connection, for the header deadline (sweep_connections()).
 * Under http->conns_lock, which is never held while calling MHD.
 */
struct http_conn {
	struct http_conn *next, **pprev;
	int fd;	/* MHD's: only ever shut down, never closed, here */
	double since;	/* monotonic s: accepted, or its last request done */
	bool busy;	/* its request's headers are in, and it is not done */
	bool upgraded;	/* a console's now: console.c owns the socket */
	/* A console's: who opened it, cut when they may no longer call. */
	const struct auth_user *user;	/* borrowed from the auth; or NULL */
	char session[AUTH_HASH_SIZE * 2 + 1];	/* "": by a token */
};

struct http {
	struct MHD_Daemon *daemon;
	struct api *api;
	char *web_root;	/* real path */
	char *tls_cert;	/* PEM text, kept for the daemon's life */
	char *tls_key;
	pthread_mutex_t lock;
	struct sse_client *clients;	/* lock */
	pthread_cond_t wake_pinger;
	pthread_t pinger;
	bool pinger_running;
	bool stopping;	/* lock: the pinger ends */
	bool streams_closed;	/* lock: since the pinger last trimmed */
	size_t queued;	/* lock: bytes allocated by every stream's queue */
	size_t streams_dropped;	/* lock: closed as too far behind */
	unsigned ping_seconds;
	unsigned streams_per_person;
	atomic_uint connections;	/* open, as MHD tells them */
	pthread_mutex_t conns_lock;
	struct http_conn *conns;	/* conns_lock */
	size_t conns_cut;	/* conns_lock: shut down by the deadline */
	/* The hashing thread (logins, invitations) and its queue. */
	pthread_t hasher;
	bool hasher_running;
	pthread_mutex_t hash_lock;
	pthread_cond_t hash_wake;
	struct http_request *hash_queue[HTTP_HASH_QUEUE];	/* hash_lock */
	size_t hash_n;	/* hash_lock */
	bool hash_stop;	/* hash_lock: no more are queued; the thread ends */
};

/*
 * A request being read: its body, capped. A login waiting for the
 * hashing thread also keeps what that thread needs, and its answer.
 */
struct http_request {
	struct strbuf body;
	bool too_big;
	struct MHD_Connection *conn;	/* suspended while queued */
	const char *url, *method;	/* MHD's, valid as long as conn */
	char address[INET6_ADDRSTRLEN];
	bool answered;	/* res holds the answer: send it */
	struct api_response res;
};

/* MHD must not decode: paths and tokens are checked raw (no %2e tricks). */
static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/* A response of body (len bytes, which MHD frees) with the usual headers. */
static struct MHD_Response *
text_response(const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_FREE);

	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	return r;
}

/* MHD's free callback for a secret body: wiped, then freed. */
static void
free_secret(void *cls)
{
	struct strbuf *body = cls;

	sodium_memzero(body->data, body->len);
	free(body->data);
	free(body);
}

/*
 * As text_response(), for a body holding a secret (a private key): MHD
 * sends it from this buffer and, once the answer is sent or the
 * connection dropped, free_secret() wipes it. What GnuTLS and the kernel
 * copied on the way out is beyond reach.
 */
static struct MHD_Response *
secret_response(const char *type, char *body, size_t len)
{
	struct strbuf *cls = xcalloc(1, sizeof(*cls));
	struct MHD_Response *r;

	cls->data = body;
	cls->len = len;
	r = MHD_create_response_from_buffer_with_free_callback_cls(len, body,
	    free_secret, cls);
	if (r == NULL) {
		free_secret(cls);
		return NULL;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	return r;
}

/* Whether conn came over TLS. */
static bool
conn_tls(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_GNUTLS_SESSION);

	return info != NULL && info->tls_session != NULL;
}

/*
 * The headers every answer carries: no script but the dashboard's own
 * files, no framing, no sniffing, no referrer outside; HSTS under TLS.
 */
static void
secure_headers(struct MHD_Connection *conn, struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy", "default-src "
	    "'self'; connect-src 'self'; img-src 'self' data:; style-src "
	    "'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; "
	    "form-action 'self'");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	if (conn_tls(conn))
		MHD_add_response_header(r, "Strict-Transport-Security",
		    "max-age=31536000");
}

static enum MHD_Result
queue_response(struct MHD_Connection *conn, int status, struct MHD_Response *r)
{
	enum MHD_Result rc;

	secure_headers(conn, r);
	rc = MHD_queue_response(conn, (unsigned)status, r);

	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
queue_text(struct MHD_Connection *conn, int status, const char *type,
    char *body, size_t len)
{
	return queue_response(conn, status, text_response(type, body, len));
}

static enum MHD_Result
queue_error(struct MHD_Connection *conn, int status, const char *text)
{
	json_t *doc = json_pack("{s:s}", "error", text);
	char *body = json_dumps(doc, JSON_COMPACT);

	json_decref(doc);
	return queue_text(conn, status, "application/json", body, strlen(body));
}

/*
 * A refusal that the client may try again after some seconds (429, 503):
 * Retry-After says when; a 503 also closes the connection, to free it.
 */
static enum MHD_Result
queue_refusal(struct MHD_Connection *conn, int status, unsigned seconds,
    const char *text)
{
	json_t *doc = json_pack("{s:s}", "error", text);
	char *body = json_dumps(doc, JSON_COMPACT), retry[16];
	struct MHD_Response *r = text_response("application/json", body,
	    strlen(body));

	json_decref(doc);
	snprintf(retry, sizeof(retry), "%u", seconds);
	MHD_add_response_header(r, "Retry-After", retry);
	if (status == 503)
		MHD_add_response_header(r, "Connection", "close");
	return queue_response(conn, status, r);
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Marks conn's request begun (busy) or done; upgraded ones stay exempt. */
static struct http_conn *
conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

/* Tells the connection about to become a console whose it is. */
static void
conn_owner(struct http *h, struct MHD_Connection *conn,
    const struct auth_user *user, const char *session)
{
	struct http_conn *hc = conn_of(conn);

	if (hc == NULL)
		return;
	pthread_mutex_lock(&h->conns_lock);
	hc->user = user;
	snprintf(hc->session, sizeof(hc->session), "%s", session);
	pthread_mutex_unlock(&h->conns_lock);
}

static void
conn_mark(struct http *h, struct MHD_Connection *conn, bool busy,
    bool upgraded)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct http_conn *hc = info ? info->socket_context : NULL;

	if (hc == NULL)
		return;
	pthread_mutex_lock(&h->conns_lock);
	hc->busy = busy;
	hc->upgraded |= upgraded;
	hc->since = now_seconds();
	pthread_mutex_unlock(&h->conns_lock);
}

/* MHD tells every connection opened and closed: counted for the cap. */
static void
count_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct http *h = cls;
	struct http_conn *hc = *socket_ctx;
	const union MHD_ConnectionInfo *info;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&h->connections, 1);
		info = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		hc = xcalloc(1, sizeof(*hc));
		hc->fd = info ? info->connect_fd : -1;
		hc->since = now_seconds();
		pthread_mutex_lock(&h->conns_lock);
		hc->next = h->conns;
		hc->pprev = &h->conns;
		if (h->conns != NULL)
			h->conns->pprev = &hc->next;
		h->conns = hc;
		pthread_mutex_unlock(&h->conns_lock);
		*socket_ctx = hc;
		return;
	}
	atomic_fetch_sub(&h->connections, 1);
	if (hc == NULL)
		return;
	/* Before MHD closes the socket: a swept fd is never another's. */
	pthread_mutex_lock(&h->conns_lock);
	*hc->pprev = hc->next;
	if (hc->next != NULL)
		hc->next->pprev = hc->pprev;
	pthread_mutex_unlock(&h->conns_lock);
	free(hc);
	*socket_ctx = NULL;
}

/*
 * The header deadline: a connection without a request in progress (its
 * headers not all in, or between two requests) for HTTP_HEADER_SECONDS is
 * shut down, and MHD closes it. MHD's own timeout counts silence only, so
 * a client sending a byte now and then would keep it for good.
 */
static void
sweep_connections(struct http *h)
{
	double now = now_seconds();
	struct http_conn *hc;

	pthread_mutex_lock(&h->conns_lock);
	for (hc = h->conns; hc != NULL; hc = hc->next)
		if (!hc->busy && !hc->upgraded && hc->fd >= 0 &&
		    now - hc->since > HTTP_HEADER_SECONDS) {
			shutdown(hc->fd, SHUT_RDWR);
			hc->fd = -1;	/* once */
			h->conns_cut++;
		}
	pthread_mutex_unlock(&h->conns_lock);
}

static bool
from_loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr_in *sin;

	if (info == NULL || info->client_addr == NULL ||
	    info->client_addr->sa_family != AF_INET)
		return false;
	sin = (const struct sockaddr_in *)(const void *)info->client_addr;
	return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
}

/* ---- event streams ---------------------------------------------------- */

/*
 * Gives c's queue back to malloc and takes its bytes off the total; the
 * caller holds h->lock. A big buffer is not kept for the next event: the
 * total counts what is allocated, not what is waiting.
 */
static void
sse_release(struct sse_client *c)
{
	c->http->queued -= c->queue.alloc;
	strbuf_free(&c->queue);
	c->sent = 0;
}

static ssize_t
sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_client *c = cls;
	struct http *h = c->http;
	ssize_t n = 0;

	(void)pos;
	pthread_mutex_lock(&h->lock);
	if (c->sent < c->queue.len) {
		n = (ssize_t)(c->queue.len - c->sent < max ? c->queue.len -
		    c->sent : max);
		memcpy(buf, c->queue.data + c->sent, (size_t)n);
		c->sent += (size_t)n;
		if (c->sent == c->queue.len) {
			if (c->queue.alloc > HTTP_SSE_KEEP) {
				sse_release(c);
			} else {
				c->queue.len = c->sent = 0;
				c->queue.data[0] = '\0';
			}
		}
	} else if (c->closing) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		/* Nothing to say: park it until http_publish() has. */
		c->suspended = true;
		MHD_suspend_connection(c->conn);
	}
	pthread_mutex_unlock(&h->lock);
	return n;
}

static void
sse_free(void *cls)
{
	struct sse_client *c = cls, **pp;
	struct http *h = c->http;

	pthread_mutex_lock(&h->lock);
	for (pp = &h->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	h->streams_closed = true;
	h->queued -= c->queue.alloc;
	pthread_mutex_unlock(&h->lock);
	atomic_fetch_sub(&h->api->metrics.sse_clients, 1);
	strbuf_free(&c->queue);
	free(c);
}

static void
sse_wake(struct sse_client *c)
{
	if (c->suspended) {
		c->suspended = false;
		MHD_resume_connection(c->conn);
	}
}

/*
 * Adds text to c's queue and wakes it; the caller holds h->lock. A stream
 * more than HTTP_SSE_BACKLOG behind, or one whose growth takes every
 * stream's queues together past HTTP_SSE_TOTAL, is closed at once, its
 * queue dropped: whatever its client does, it costs no more. The browser
 * reconnects and reloads what it missed.
 */
static void
sse_push(struct sse_client *c, const char *text)
{
	struct http *h = c->http;
	size_t len = strlen(text), before = c->queue.alloc;
	bool fits;

	if (c->closing)
		return;
	fits = c->queue.len - c->sent + len <= HTTP_SSE_BACKLOG;
	if (fits) {
		strbuf_append(&c->queue, text);
		h->queued += c->queue.alloc - before;
	}
	if (!fits || h->queued > HTTP_SSE_TOTAL) {
		c->closing = true;
		h->streams_dropped++;
		sse_release(c);
	}
	sse_wake(c);
}

/* How many streams u has open; the caller holds h->lock. */
static unsigned
streams_of(struct http *h, const struct auth_user *u)
{
	struct sse_client *c;
	unsigned n = 0;

	for (c = h->clients; c != NULL; c = c->next)
		n += c->user == u && !c->closing;
	return n;
}

/* The first bytes of a stream: the clock and the scores now. */
static void
sse_hello(struct http *h, struct strbuf *sb, const struct auth_user *u)
{
	json_t *hello = json_pack("{s:s}", "type", "clock");
	char *text = api_event_for(h->api, hello, u);

	strbuf_printf(sb, "retry: 2000\n\n%s", text ? text : "");
	free(text);
	json_decref(hello);
	hello = json_pack("{s:s}", "type", "adjustment");
	text = api_event_for(h->api, hello, u);
	strbuf_append(sb, text ? text : "");
	free(text);
	json_decref(hello);
}

/*
 * Registers c unless its person has streams_per_person open already or
 * the queues are full. Returns 0, or -1 (c is then the caller's still).
 */
static int
sse_register(struct http *h, struct sse_client *c)
{
	int rc = -1;

	pthread_mutex_lock(&h->lock);
	if (streams_of(h, c->user) < h->streams_per_person &&
	    h->queued + c->queue.alloc <= HTTP_SSE_TOTAL) {
		h->queued += c->queue.alloc;
		c->next = h->clients;
		h->clients = c;
		rc = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static enum MHD_Result
start_events(struct http *h, struct MHD_Connection *conn,
    const struct auth_user *u, const char *session)
{
	struct sse_client *c = xcalloc(1, sizeof(*c));
	struct MHD_Response *r;
	enum MHD_Result rc;

	c->http = h;
	c->conn = conn;
	c->user = u;
	snprintf(c->session, sizeof(c->session), "%s", session);
	strbuf_init(&c->queue);
	sse_hello(h, &c->queue, u);
	if (sse_register(h, c) < 0) {
		strbuf_free(&c->queue);
		free(c);
		return queue_refusal(conn, 429, HTTP_RETRY_SECONDS, "you have "
		    "too many event streams open: close a dashboard first");
	}
	atomic_fetch_add(&h->api->metrics.sse_clients, 1);
	/*
	 * A live stream writes a ping every ping_seconds: only one that
	 * cannot write (its client does not read) goes quiet for longer.
	 */
	MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
	    3 * h->ping_seconds + HTTP_IDLE_SECONDS);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read,
	    c, sse_free);
	MHD_add_response_header(r, "Content-Type", "text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	secure_headers(conn, r);
	rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/*
 * The audience of a client for event: staff see one thing, each team
 * another, and a trainee a message names one by one (its "people") a
 * third: the text made for their team would lack it. Caller frees.
 */
static char *
audience(const struct auth_user *u, const json_t *event)
{
	const json_t *people = json_object_get(event, "people");
	size_t i;

	if (u->role != AUTH_TRAINEE || u->team == NULL)
		return xstrdup("*");
	for (i = 0; i < json_array_size(people); i++) {
		const char *name = json_string_value(json_array_get(people, i));

		if (name != NULL && strcmp(name, u->name) == 0)
			return xasprintf("person:%s", u->name);
	}
	return xstrdup(u->team->id);
}

void
http_publish(struct http *h, const json_t *event)
{
	json_t *made;	/* audience -> text, made once each */
	struct sse_client *c;

	if (h == NULL)
		return;
	api_note_event(h->api, event);
	made = json_object();
	pthread_mutex_lock(&h->lock);
	for (c = h->clients; c != NULL; c = c->next) {
		char *key = audience(c->user, event);
		json_t *text = json_object_get(made, key);

		if (text == NULL) {
			char *s = api_event_for(h->api, event, c->user);

			text = s ? json_string(s) : json_null();
			json_object_set_new(made, key, text);
			free(s);
		}
		if (json_is_string(text))
			sse_push(c, json_string_value(text));
		free(key);
	}
	pthread_mutex_unlock(&h->lock);
	json_decref(made);
}

/*
 * Ends the streams of people disabled and of sessions ended (logged out,
 * expired, deleted) or of tokens turned off; the caller holds h->lock.
 * Runs every second: "at once" is within a second.
 */
static void
cut_revoked(struct http *h)
{
	struct sse_client *c;

	for (c = h->clients; c != NULL; c = c->next)
		if (!c->closing && !api_stream_allowed(h->api, c->user,
		    c->session)) {
			c->closing = true;
			sse_release(c);
			sse_wake(c);
		}
}

/*
 * Ends the consoles of people disabled and of sessions ended, as
 * cut_revoked() their streams: the console's socket (MHD's, or under TLS
 * the TCP connection MHD relays to it) is shut down, so the console's
 * poll() wakes to its end and the thread closes everything. Under
 * conns_lock, which the CLOSED notification takes before MHD closes the
 * descriptor: a reused one is never touched.
 */
static void
cut_revoked_consoles(struct http *h)
{
	struct http_conn *hc;

	pthread_mutex_lock(&h->conns_lock);
	for (hc = h->conns; hc != NULL; hc = hc->next)
		if (hc->upgraded && hc->user != NULL && hc->fd >= 0 &&
		    !api_stream_allowed(h->api, hc->user, hc->session)) {
			shutdown(hc->fd, SHUT_RDWR);
			hc->fd = -1;	/* once */
		}
	pthread_mutex_unlock(&h->conns_lock);
}

/*
 * Every ping_seconds, a comment line to every stream: the write to a client
 * that left fails (the second one at the latest) and MHD closes it. Every
 * second, the header deadline.
 */
static void *
ping_streams(void *arg)
{
	struct http *h = arg;
	struct sse_client *c;
	struct timespec next;
	time_t ping_at;

	clock_gettime(CLOCK_MONOTONIC, &next);
	ping_at = next.tv_sec + h->ping_seconds;
	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &next);
		next.tv_sec += 1;
		while (!h->stopping && pthread_cond_timedwait(&h->wake_pinger,
		    &h->lock, &next) == 0)
			;
		pthread_mutex_unlock(&h->lock);
		sweep_connections(h);
		cut_revoked_consoles(h);
		api_vpn_sweep(h->api);
		pthread_mutex_lock(&h->lock);
		cut_revoked(h);
		if (next.tv_sec < ping_at)
			continue;
		ping_at = next.tv_sec + h->ping_seconds;
		for (c = h->clients; !h->stopping && c != NULL; c = c->next)
			sse_push(c, ": ping\n\n");
		if (h->streams_closed) {
			/*
			 * Closed streams leave their 20 KB (MHD's pool, the
			 * response) free in malloc's arenas, scattered: without
			 * this, glibc keeps them, and every wave of dashboards
			 * reconnecting adds to the server's size.
			 */
			h->streams_closed = false;
			pthread_mutex_unlock(&h->lock);
			malloc_trim(0);
			pthread_mutex_lock(&h->lock);
		}
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static int
start_pinger(struct http *h)
{
	if (pthread_create(&h->pinger, NULL, ping_streams, h) != 0)
		return -1;
	h->pinger_running = true;
	return 0;
}

static void
stop_pinger(struct http *h)
{
	if (!h->pinger_running)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_broadcast(&h->wake_pinger);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->pinger, NULL);
	h->pinger_running = false;
}

/* ---- consoles --------------------------------------------------------- */

struct upgrade {
	struct http *http;
	size_t host;
	int kind;	/* enum console_kind */
};

static void
upgraded(void *cls, struct MHD_Connection *conn, void *con_cls,
    const char *extra, size_t extra_size, MHD_socket sock,
    struct MHD_UpgradeResponseHandle *urh)
{
	struct upgrade *up = cls;
	struct http *h = up->http;
	char *error = NULL;

	(void)conn;
	(void)con_cls;
	/* The engine swaps a node's connection when it comes back: ask it. */
	if (engine_console(h->api->engine, up->host, up->kind, urh, sock,
	    extra, extra_size, &error) < 0) {
		fprintf(stderr, "rangectl: %s of '%s': %s\n",
		    up->kind == CONSOLE_SCREEN ? "screen" : "console",
		    h->api->plan->hosts[up->host].name, error);
		free(error);
	}
	free(up);
}

static enum MHD_Result
start_console(struct http *h, struct MHD_Connection *conn, size_t host,
    int kind, const struct auth_user *user, const char *session)
{
	const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Sec-WebSocket-Key");
	const char *upgrade = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, "Upgrade");
	struct upgrade *up;
	struct MHD_Response *r;
	char *accept;
	enum MHD_Result rc;

	if (upgrade == NULL || strcasecmp(upgrade, "websocket") != 0 ||
	    key == NULL || (accept = console_accept_key(key)) == NULL)
		return queue_error(conn, 400, "a console or screen is a "
		    "WebSocket: send 'Upgrade: websocket' and a valid "
		    "Sec-WebSocket-Key");
	conn_owner(h, conn, user, session);
	conn_mark(h, conn, true, true);
	up = xcalloc(1, sizeof(*up));
	up->http = h;
	up->host = host;
	up->kind = kind;
	r = MHD_create_response_for_upgrade(upgraded, up);
	MHD_add_response_header(r, MHD_HTTP_HEADER_UPGRADE, "websocket");
	MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
	free(accept);
	rc = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, r);
	MHD_destroy_response(r);
	return rc;
}

/* ---- files ------------------------------------------------------------ */

static enum MHD_Result
serve_file(struct http *h, struct MHD_Connection *conn, const char *url)
{
	char rel[512], *path;
	struct MHD_Response *r;
	struct stat st;
	enum MHD_Result rc;
	int fd;

	if (http_static_path(url, rel, sizeof(rel)) < 0)
		return queue_error(conn, 404, "no such file");
	path = xasprintf("%s/%s", h->web_root, rel);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return queue_error(conn, 404, "no such file");
	}
	r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	MHD_add_response_header(r, "Content-Type", http_content_type(rel));
	secure_headers(conn, r);
	rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result serve_metrics(struct http *h,
    struct MHD_Connection *conn, bool loopback);

/* ---- dispatch --------------------------------------------------------- */

/* What the sessions need of a request (api_account.c): into req. */
static void
session_request(struct MHD_Connection *conn, struct api_request *req,
    char *address, size_t size)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	req->cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
	    SESSION_COOKIE);
	req->origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Origin");
	req->host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_HOST);
	req->csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    SESSION_CSRF_HEADER);
	req->tls = conn_tls(conn);
	address[0] = '\0';
	if (info != NULL && info->client_addr != NULL &&
	    info->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    info->client_addr)->sin_addr, address, (socklen_t)size);
	req->address = address;
}

/* The API's view of conn's request (address: its buffer). */
static void
api_request_of(struct MHD_Connection *conn, const char *url,
    const char *method, struct http_request *hr, struct api_request *req,
    char address[INET6_ADDRSTRLEN])
{
	*req = (struct api_request){ .method = method, .path = url };
	req->authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	req->token = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "token");
	req->after = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "after");
	req->limit = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "limit");
	req->format = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "format");
	req->body = hr->body.data;
	req->body_len = hr->body.len;
	req->loopback = from_loopback(conn);
	session_request(conn, req, address, INET6_ADDRSTRLEN);
}

/* Sends the API's answer res (cleared after). */
static enum MHD_Result
send_api(struct http *h, struct MHD_Connection *conn,
    struct api_response *res)
{
	enum MHD_Result rc;

	if (res->kind == API_EVENTS)
		rc = start_events(h, conn, res->user, res->session);
	else if (res->kind == API_CONSOLE || res->kind == API_SCREEN)
		rc = start_console(h, conn, res->host, res->kind == API_SCREEN ?
		    CONSOLE_SCREEN : CONSOLE_SERIAL, res->user, res->session);
	else {
		struct MHD_Response *r = res->secret ?
		    secret_response(res->content_type, res->body, res->body_len) :
		    text_response(res->content_type, res->body, res->body_len);
		char retry[16];

		res->body = NULL;	/* MHD frees it */
		if (res->retry_after > 0 && r != NULL) {
			snprintf(retry, sizeof(retry), "%u", res->retry_after);
			MHD_add_response_header(r, "Retry-After", retry);
		}
		if (res->set_cookie != NULL && r != NULL)
			MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE,
			    res->set_cookie);
		rc = r == NULL ? MHD_NO : queue_response(conn, res->status, r);
	}
	api_response_clear(res);
	return rc;
}

/*
 * The routes that hash a password (Argon2id: a core for a good part of a
 * second): answered on the hashing thread, never on MHD's, since a thread
 * of MHD's pool that hashes stalls every other connection it holds (with
 * one per core, half of them), and a flood of logins would slow the
 * scores for everyone.
 */
static bool
hashing_route(const char *url, const char *method)
{
	return strcmp(method, "POST") == 0 && (strcmp(url, "/api/v1/login") ==
	    0 || strcmp(url, "/api/v1/invite") == 0);
}

/*
 * Parks conn for the hashing thread, or refuses at once when
 * HTTP_HASH_QUEUE logins wait already: a flood fails fast, with nothing
 * hashed, and costs the request threads almost nothing.
 */
static enum MHD_Result
queue_for_hashing(struct http *h, struct MHD_Connection *conn,
    const char *url, const char *method, struct http_request *hr)
{
	pthread_mutex_lock(&h->hash_lock);
	if (h->hash_stop || h->hash_n == HTTP_HASH_QUEUE) {
		pthread_mutex_unlock(&h->hash_lock);
		return queue_refusal(conn, 429, 1, "too many logins are being "
		    "checked at once: try again in a second");
	}
	hr->conn = conn;
	hr->url = url;
	hr->method = method;
	MHD_suspend_connection(conn);
	h->hash_queue[h->hash_n++] = hr;
	pthread_cond_signal(&h->hash_wake);
	pthread_mutex_unlock(&h->hash_lock);
	return MHD_YES;
}

/*
 * The hashing thread's nice value. On a machine with two cores, one busy
 * hashing, the request threads share the other with the clients and the
 * engine: hashing at the same priority as them doubles the scores' p99
 * under a flood of logins. A nice of 10 gives a request thread about nine
 * times the hashing thread's share of a contended core (the kernel's
 * weights, 1024 against 110) without starving logins when the host is
 * busy with guests, as SCHED_IDLE would.
 */
#define HTTP_HASHER_NICE 10

/* Answers the queued logins in turn; resumed, MHD sends each answer. */
static void *
hasher_main(void *arg)
{
	struct http *h = arg;
	struct http_request *hr;
	struct api_request req;

	thread_background("rangectl-hasher", HTTP_HASHER_NICE);
	pthread_mutex_lock(&h->hash_lock);
	for (;;) {
		while (h->hash_n == 0 && !h->hash_stop)
			pthread_cond_wait(&h->hash_wake, &h->hash_lock);
		if (h->hash_n == 0)
			break;	/* stopping, and none left parked */
		hr = h->hash_queue[0];
		memmove(h->hash_queue, h->hash_queue + 1, --h->hash_n *
		    sizeof(*h->hash_queue));
		pthread_mutex_unlock(&h->hash_lock);
		api_request_of(hr->conn, hr->url, hr->method, hr, &req,
		    hr->address);
		api_handle(h->api, &req, &hr->res);
		hr->answered = true;
		MHD_resume_connection(hr->conn);
		pthread_mutex_lock(&h->hash_lock);
	}
	pthread_mutex_unlock(&h->hash_lock);
	return NULL;
}

static enum MHD_Result
dispatch_api(struct http *h, struct MHD_Connection *conn, const char *url,
    const char *method, struct http_request *hr)
{
	struct api_request req;
	struct api_response res;
	char address[INET6_ADDRSTRLEN];

	if (hr->answered) {
		hr->answered = false;
		return send_api(h, conn, &hr->res);
	}
	if (hr->too_big)
		return queue_error(conn, 413, "the body is too large");
	if (hashing_route(url, method))
		return queue_for_hashing(h, conn, url, method, hr);
	api_request_of(conn, url, method, hr, &req, address);
	api_handle(h->api, &req, &res);
	return send_api(h, conn, &res);
}

/* Whether s (len bytes) is free of control bytes (tab aside) and NUL. */
static bool
text_clean(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return false;
	return true;
}

/*
 * Whether a header's value ended at its line's end. libmicrohttpd 0.9.75
 * reads a header line in place as a C string, its CR and LF both
 * overwritten with NULs: a value followed by one NUL and then more is cut
 * short by a NUL of the client's (or its line ended in a bare LF, which
 * no browser sends either).
 */
static bool
value_whole(const char *value, size_t value_size)
{
	return value[value_size] == '\0' && value[value_size + 1] == '\0';
}

static enum MHD_Result
value_clean(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	bool *clean = cls;

	if (!text_clean(key, key_size) || strlen(key) != key_size ||
	    (value != NULL && (!text_clean(value, value_size) ||
	    strlen(value) != value_size || (kind == MHD_HEADER_KIND &&
	    !value_whole(value, value_size)))))
		*clean = false;
	return *clean ? MHD_YES : MHD_NO;
}

static enum MHD_Result
first_key(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	const char **first = cls;

	(void)kind;
	(void)key_size;
	(void)value;
	(void)value_size;
	*first = key;
	return MHD_NO;
}

/*
 * Whether the path MHD gives is the whole path of the request line.
 * libmicrohttpd 0.9.75 cuts that line in place and hands the path as a C
 * string, so a NUL in it would cut it short unseen (/index.html%00.js,
 * the NUL raw, was served as index.html). In that line the path ends one
 * byte before the version (a NUL written over the space), or at the '?'
 * (written over too) after which the first query argument begins: a NUL
 * anywhere else is the client's.
 */
static bool
path_whole(struct MHD_Connection *conn, const char *url, const char *version)
{
	uintptr_t end = (uintptr_t)url + strlen(url), v = (uintptr_t)version;
	const char *first = NULL;

	if (version == NULL || v <= end || v - end > API_BODY_MAX)
		return true;	/* not the layout known: cannot tell */
	if (end + 1 == v || end + 2 == v)
		return true;	/* the space, or '?' and nothing after */
	MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, first_key,
	    &first);
	return first != NULL && (uintptr_t)first == end + 1;
}

/*
 * Whether a request's path, query and headers are free of control bytes:
 * a NUL would cut a name short where C reads it, and no route or header
 * of ours has any other.
 */
static bool
request_clean(struct MHD_Connection *conn, const char *url,
    const char *version)
{
	bool clean = text_clean(url, strlen(url)) && strchr(url, ' ') == NULL &&
	    path_whole(conn, url, version);

	if (clean)
		MHD_get_connection_values_n(conn, MHD_HEADER_KIND |
		    MHD_GET_ARGUMENT_KIND | MHD_COOKIE_KIND, value_clean, &clean);
	return clean;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct http_request *hr = *con_cls;

	if (hr == NULL) {
		conn_mark(h, conn, true, false);
		if (atomic_load(&h->connections) > HTTP_CONNECTIONS_MAX)
			return queue_refusal(conn, 503, HTTP_RETRY_SECONDS,
			    "the server has too many connections open: try "
			    "again in a few seconds");
		if (!request_clean(conn, url, version))
			return queue_error(conn, 400, "the request has a control "
			    "character (or NUL) in its path, query or headers");
		hr = xcalloc(1, sizeof(*hr));
		strbuf_init(&hr->body);
		*con_cls = hr;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (hr->body.len + *upload_size > API_BODY_MAX)
			hr->too_big = true;
		else
			strbuf_appendn(&hr->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (strncmp(url, "/api/", 5) == 0)
		return dispatch_api(h, conn, url, method, hr);
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(h, conn, from_loopback(conn));
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return queue_error(conn, 405, "only GET and HEAD serve files");
	return serve_file(h, conn, url);
}

static void
request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_request *hr = *con_cls;

	(void)toe;
	conn_mark(cls, conn, false, false);
	if (hr != NULL) {
		strbuf_free(&hr->body);
		api_response_clear(&hr->res);	/* an answer never sent */
		free(hr);
		*con_cls = NULL;
	}
}

/* ---- metrics ---------------------------------------------------------- */

/* What the bounds of docs/internals/http.md hold back, as they stand. */
static void
metrics_bounds(struct http *h, struct strbuf *sb)
{
	size_t queued, dropped, cut;

	pthread_mutex_lock(&h->lock);
	queued = h->queued;
	dropped = h->streams_dropped;
	pthread_mutex_unlock(&h->lock);
	pthread_mutex_lock(&h->conns_lock);
	cut = h->conns_cut;
	pthread_mutex_unlock(&h->conns_lock);
	strbuf_printf(sb,
	    "# HELP rangectl_http_connections Open HTTP connections.\n"
	    "# TYPE rangectl_http_connections gauge\n"
	    "rangectl_http_connections %u\n"
	    "# HELP rangectl_sse_queued_bytes Bytes held by the event streams' "
	    "queues.\n# TYPE rangectl_sse_queued_bytes gauge\n"
	    "rangectl_sse_queued_bytes %zu\n"
	    "# HELP rangectl_sse_dropped_total Event streams closed as too far "
	    "behind.\n# TYPE rangectl_sse_dropped_total counter\n"
	    "rangectl_sse_dropped_total %zu\n"
	    "# HELP rangectl_http_cut_total Connections closed as too slow "
	    "to send a request.\n# TYPE rangectl_http_cut_total counter\n"
	    "rangectl_http_cut_total %zu\n",
	    (unsigned)atomic_load(&h->connections), queued, dropped, cut);
}

static char *
metrics_text(struct http *h)
{
	struct view_counts vc;
	json_t *snap = engine_snapshot(h->api->engine);
	json_t *journal = json_object_get(snap, "journal");
	struct api_metrics *m = &h->api->metrics;
	struct strbuf sb;
	double syncs;

	view_counts(h->api->view, &vc);
	syncs = (double)json_integer_value(json_object_get(journal, "syncs"));
	strbuf_init(&sb);
	strbuf_printf(&sb,
	    "# HELP rangectl_rounds_total Scoring rounds journaled.\n"
	    "# TYPE rangectl_rounds_total counter\n"
	    "rangectl_rounds_total %zu\n"
	    "# HELP rangectl_checks Service checks as each host's last round "
	    "found them.\n# TYPE rangectl_checks gauge\n"
	    "rangectl_checks{state=\"up\"} %zu\n"
	    "rangectl_checks{state=\"down\"} %zu\n"
	    "# HELP rangectl_injects_fired_total Firings of injects.\n"
	    "# TYPE rangectl_injects_fired_total counter\n"
	    "rangectl_injects_fired_total %zu\n"
	    "# HELP rangectl_inject_results_failed_total Targets on which a "
	    "firing failed.\n# TYPE rangectl_inject_results_failed_total "
	    "counter\nrangectl_inject_results_failed_total %zu\n",
	    vc.rounds, vc.checks_up, vc.checks_down, vc.firings,
	    vc.results_failed);
	strbuf_printf(&sb,
	    "# HELP rangectl_http_requests_total API requests.\n"
	    "# TYPE rangectl_http_requests_total counter\n"
	    "rangectl_http_requests_total %lu\n"
	    "rangectl_http_requests_refused_total %lu\n"
	    "# HELP rangectl_sse_clients Open event streams.\n"
	    "# TYPE rangectl_sse_clients gauge\nrangectl_sse_clients %u\n"
	    "# HELP rangectl_consoles Open consoles.\n"
	    "# TYPE rangectl_consoles gauge\nrangectl_consoles %u\n"
	    "# HELP rangectl_journal_fsync_seconds Time the journal's "
	    "fdatasync takes.\n# TYPE rangectl_journal_fsync_seconds summary\n"
	    "rangectl_journal_fsync_seconds_count %.0f\n"
	    "rangectl_journal_fsync_seconds_sum %.6f\n"
	    "rangectl_journal_fsync_seconds_max %.6f\n",
	    (unsigned long)atomic_load(&m->requests),
	    (unsigned long)atomic_load(&m->refused),
	    (unsigned)atomic_load(&m->sse_clients), console_count(), syncs,
	    json_number_value(json_object_get(journal, "sync_seconds")),
	    json_number_value(json_object_get(journal, "sync_max")));
	metrics_bounds(h, &sb);
	json_decref(snap);
	return strbuf_steal(&sb);
}

static enum MHD_Result
serve_metrics(struct http *h, struct MHD_Connection *conn, bool loopback)
{
	const struct auth_user *u;
	char *text;

	if (!loopback) {
		u = auth_check(h->api->auth, MHD_lookup_connection_value(conn,
		    MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION));
		if (u == NULL)
			return queue_error(conn, 401, "a valid token is needed");
		if (u->role != AUTH_CONTROLLER)
			return queue_error(conn, 403, "only controllers may read "
			    "the metrics from afar");
	}
	text = metrics_text(h);
	return queue_text(conn, 200, "text/plain; version=0.0.4", text,
	    strlen(text));
}

/* ---- starting and stopping ------------------------------------------- */

static char *
read_pem(const char *path, char **error)
{
	char *text = NULL;
	long size;
	FILE *fp = fopen(path, "r");

	if (fp == NULL || fseek(fp, 0, SEEK_END) < 0 || (size = ftell(fp)) < 0 ||
	    size > 1024 * 1024 || fseek(fp, 0, SEEK_SET) < 0) {
		*error = xasprintf("cannot read '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	text = xcalloc(1, (size_t)size + 1);
	if (fread(text, 1, (size_t)size, fp) != (size_t)size) {
		*error = xasprintf("cannot read '%s'", path);
		free(text);
		text = NULL;
	}
cleanup:
	if (fp != NULL)
		fclose(fp);
	return text;
}

static int
load_tls(struct http *h, const struct http_opts *opts, char **error)
{
	if ((opts->tls_cert == NULL) != (opts->tls_key == NULL)) {
		*error = xstrdup("HTTPS needs both --tls-cert and --tls-key");
		return -1;
	}
	if (opts->tls_cert == NULL)
		return 0;
	h->tls_cert = read_pem(opts->tls_cert, error);
	if (h->tls_cert == NULL)
		return -1;
	h->tls_key = read_pem(opts->tls_key, error);
	return h->tls_key == NULL ? -1 : 0;
}

#define OPT(o, v, p) (struct MHD_OptionItem){ (o), (intptr_t)(v), (p) }

/*
 * poll(), not epoll: libmicrohttpd 0.9.75 (Debian 12) on epoll misses the
 * close of a connection that sent half a request and left, which then
 * stays in CLOSE-WAIT for good (docs/internals/http.md has the figures).
 */
static struct MHD_Daemon *
start_daemon(struct http *h, const struct http_opts *opts,
    struct sockaddr_in *sin)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE;
	unsigned threads = opts->threads ? opts->threads :
	    (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	struct MHD_OptionItem o[16];
	size_t n = 0;

	if (opts->use_listen_fd)
		o[n++] = OPT(MHD_OPTION_LISTEN_SOCKET, opts->listen_fd, NULL);
	else
		o[n++] = OPT(MHD_OPTION_SOCK_ADDR, 0, sin);
	o[n++] = OPT(MHD_OPTION_THREAD_POOL_SIZE, threads, NULL);
	/* Past HTTP_CONNECTIONS_MAX they are answered 503; past these, cut. */
	o[n++] = OPT(MHD_OPTION_CONNECTION_LIMIT, HTTP_CONNECTIONS_MAX +
	    HTTP_CONNECTIONS_SPARE, NULL);
	o[n++] = OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    HTTP_CONNECTIONS_PER_ADDRESS, NULL);
	o[n++] = OPT(MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_SECONDS, NULL);
	o[n++] = OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)HTTP_CONNECTION_MEMORY, NULL);
	o[n++] = OPT(MHD_OPTION_NOTIFY_COMPLETED, request_done, h);
	o[n++] = OPT(MHD_OPTION_NOTIFY_CONNECTION, count_connection, h);
	o[n++] = OPT(MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, h);
	if (h->tls_cert != NULL) {
		flags |= MHD_USE_TLS;
		o[n++] = OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert);
		o[n++] = OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key);
	}
	o[n++] = OPT(MHD_OPTION_END, 0, NULL);
	return MHD_start_daemon(flags, 0, NULL, NULL, handle, h,
	    MHD_OPTION_ARRAY, o, MHD_OPTION_END);
}

int
http_listen(const char *where, char **error)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char addr[64];
	unsigned port;
	int fd, one = 1;

	if (http_parse_listen(where, addr, sizeof(addr), &port) < 0 ||
	    inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		*error = xasprintf("cannot listen on '%s': give an IPv4 address "
		    "and a port, as 127.0.0.1:8080", where);
		return -1;
	}
	sin.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) < 0 || bind(fd, (struct sockaddr *)&sin,
	    sizeof(sin)) < 0 || listen(fd, SOMAXCONN) < 0) {
		*error = xasprintf("cannot listen on '%s': %s", where,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct http *
http_start(struct api *api, const struct http_opts *opts,
    char **error)
{
	struct http *h = xcalloc(1, sizeof(*h));
	struct sockaddr_in sin = { .sin_family = AF_INET };
	pthread_condattr_t attr;
	char addr[64];
	unsigned port;

	h->api = api;
	h->ping_seconds = opts->ping_seconds ? opts->ping_seconds :
	    HTTP_SSE_PING_SECONDS;
	h->streams_per_person = opts->streams_per_person ?
	    opts->streams_per_person : HTTP_STREAMS_PER_PERSON;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->conns_lock, NULL);
	pthread_mutex_init(&h->hash_lock, NULL);
	pthread_cond_init(&h->hash_wake, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake_pinger, &attr);
	pthread_condattr_destroy(&attr);
	if (http_parse_listen(opts->listen, addr, sizeof(addr), &port) < 0 ||
	    inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		*error = xasprintf("cannot listen on '%s': give an IPv4 address "
		    "and a port, as 127.0.0.1:8080", opts->listen);
		goto fail;
	}
	sin.sin_port = htons((uint16_t)port);
	h->web_root = realpath(opts->web_root, NULL);
	if (h->web_root == NULL) {
		*error = xasprintf("cannot find the dashboard's files in '%s': %s",
		    opts->web_root, strerror(errno));
		goto fail;
	}
	if (load_tls(h, opts, error) < 0)
		goto fail;
	if (pthread_create(&h->hasher, NULL, hasher_main, h) != 0) {
		*error = xstrdup("cannot start the thread that checks passwords");
		goto fail;
	}
	h->hasher_running = true;
	h->daemon = start_daemon(h, opts, &sin);
	if (h->daemon == NULL) {
		*error = xasprintf("cannot listen on '%s': the address is in use, "
		    "not this machine's, or the TLS files are not a certificate "
		    "and its key", opts->listen);
		goto fail;
	}
	if (start_pinger(h) < 0) {
		*error = xstrdup("cannot start the thread that keeps event "
		    "streams alive");
		goto fail;
	}
	return h;
fail:
	http_stop(h);
	return NULL;
}

void
http_stop(struct http *h)
{
	struct sse_client *c;

	if (h == NULL)
		return;
	stop_pinger(h);
	/* Every parked login is answered and resumed before MHD stops. */
	if (h->hasher_running) {
		pthread_mutex_lock(&h->hash_lock);
		h->hash_stop = true;
		pthread_cond_signal(&h->hash_wake);
		pthread_mutex_unlock(&h->hash_lock);
		pthread_join(h->hasher, NULL);
	}
	if (h->daemon != NULL) {
		/* MHD may not stop with connections parked: wake them to end. */
		pthread_mutex_lock(&h->lock);
		for (c = h->clients; c != NULL; c = c->next) {
			c->closing = true;
			if (c->suspended) {
				c->suspended = false;
				MHD_resume_connection(c->conn);
			}
		}
		pthread_mutex_unlock(&h->lock);
		MHD_stop_daemon(h->daemon);
	}
	free(h->web_root);
	free(h->tls_cert);
	free(h->tls_key);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->conns_lock);
	pthread_mutex_destroy(&h->hash_lock);
	pthread_cond_destroy(&h->hash_wake);
	pthread_cond_destroy(&h->wake_pinger);
	free(h);
}
