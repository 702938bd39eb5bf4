/*
 * console.c: a host's serial console, or its screen, over a WebSocket.
 *
 * Each console is one thread that owns all of it: the upgraded socket,
 * the wslay context, the libvirt stream (or the screen's socket) and the
 * domain. It sleeps in poll() on two descriptors: the browser's socket,
 * and a wake-up socket that the stream's event callback writes a byte to
 * (for a screen: the socket libvirt handed us, connected to QEMU's VNC
 * server, which polls as it is).
 *
 * Why a callback at all: a libvirt stream has no descriptor to poll (its
 * data comes in over the connection's RPC socket, which libvirt's event
 * thread reads), so a plain poll loop could only try virStreamRecv on a
 * timer, late or busy. Why the callback only wakes us: it runs on
 * libvirt's single event thread, which must never wait for a slow
 * browser, and doing the reading there would need locks around both
 * ends. So the stream is read and written here, on our thread, alone.
 */
#include "rangectl/console_libvirt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/crypto.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <wslay/wslay.h>

#include "rangectl/util.h"
#include "rangectl/virt.h"

#define CONSOLE_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define CONSOLE_KEY_LEN 24	/* 16 bytes in base64 */
#define CONSOLE_ACCEPT_LEN 28	/* 20 bytes of SHA-1 in base64 */

/* Read from either side at a time. */
#define CONSOLE_CHUNK (16 * 1024)
/*
 * What a slow browser or a slow guest may leave waiting, each way: past
 * it we stop reading the other side, so memory stays bounded and the
 * pressure goes back to whoever writes too fast.
 */
#define CONSOLE_OUTPUT_MAX (256 * 1024)
#define CONSOLE_INPUT_MAX (256 * 1024)
/* A paste larger than this ends the session with 1009: a serial line
 * would take minutes over it anyway. */
#define CONSOLE_MESSAGE_MAX (256 * 1024)
/* After a peer's send said CONSOLE_AGAIN, when to try again. */
#define CONSOLE_RETRY_MS 50
/* Once we close, how long the browser has to take the rest and answer. */
#define CONSOLE_CLOSE_MS 5000
/* The most a close message holds besides its code (RFC 6455, 5.5). */
#define CONSOLE_REASON_MAX 123

#define CONSOLE_STREAM_EVENTS (VIR_STREAM_EVENT_READABLE | \
	VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP)

static const char console_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static atomic_uint console_open_count;

/* One relay's state, on the stack of the thread that runs it. */
struct relay {
	wslay_event_context_ptr ws;	/* owned */
	int sock;
	const char *extra;	/* bytes read before us, not yet given */
	size_t extra_left;
	const struct console_peer *peer;	/* NULL: only a close to say */
	char *input;		/* from the browser, for the peer; owned */
	size_t input_len, input_alloc;
	bool peer_ready;	/* may have output: read until CONSOLE_AGAIN */
	bool peer_done;		/* ended or failed: nothing more either way */
	bool input_refused;	/* the peer's send said CONSOLE_AGAIN */
	bool sock_failed;	/* the browser's connection is gone */
	bool close_queued;
	uint16_t close_code;	/* ours to send once the output is out; or 0 */
	char close_reason[CONSOLE_REASON_MAX + 1];
	double close_deadline;	/* when we stop waiting for the browser */
	char *error;		/* the first failure; owned */
};

/* One console, owned by its thread from console_start() on. */
struct console {
	virConnectPtr conn;	/* a reference of ours; NULL: the node is away */
	char *name;		/* owned */
	struct MHD_UpgradeResponseHandle *urh;	/* NULL: sock is ours */
	int sock;
	char *extra;		/* owned, or NULL */
	size_t extra_size;
	virDomainPtr dom;	/* owned, once found */
	int kind;		/* enum console_kind */
	virStreamPtr stream;	/* owned, once made */
	int screen;		/* a screen's socket to QEMU, owned; or -1 */
	int wake;		/* read end of the wake-up pair, owned; or -1 */
	bool watched;		/* the callback holds the pair's write end */
	bool ended;		/* the stream ended: finish it, not abort */
};

/* Encodes n bytes into out, which holds (n + 2) / 3 * 4 + 1 characters. */
static void
console_base64(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i += 3) {
		unsigned long bits = (unsigned long)in[i] << 16;

		if (i + 1 < n)
			bits |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < n)
			bits |= in[i + 2];
		*out++ = console_b64[bits >> 18 & 63];
		*out++ = console_b64[bits >> 12 & 63];
		*out++ = i + 1 < n ? console_b64[bits >> 6 & 63] : '=';
		*out++ = i + 2 < n ? console_b64[bits & 63] : '=';
	}
	*out = '\0';
}

/*
 * True when key is 16 bytes in base64: 22 characters then "==", the four
 * bits the padding leaves over zero, as every client writes it.
 */
static bool
console_key_ok(const char *key)
{
	if (key == NULL || strlen(key) != CONSOLE_KEY_LEN ||
	    strcmp(key + 22, "==") != 0)
		return false;
	for (int i = 0; i < 22; i++) {
		const char *p = memchr(console_b64, key[i], 64);

		if (p == NULL || (i == 21 && ((p - console_b64) & 0x0F) != 0))
			return false;
	}
	return true;
}

char *
console_accept_key(const char *key)
{
	char text[CONSOLE_KEY_LEN + sizeof(CONSOLE_GUID)];
	size_t len = CONSOLE_KEY_LEN + sizeof(CONSOLE_GUID) - 1;
	unsigned char digest[20];
	char *accept;

	if (!console_key_ok(key))
		return NULL;
	memcpy(text, key, CONSOLE_KEY_LEN);
	memcpy(text + CONSOLE_KEY_LEN, CONSOLE_GUID, sizeof(CONSOLE_GUID));
	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, text, len, digest) < 0)
		return NULL;
	accept = xmalloc(CONSOLE_ACCEPT_LEN + 1);
	console_base64(digest, sizeof(digest), accept);
	return accept;
}

unsigned
console_count(void)
{
	return atomic_load(&console_open_count);
}

/* ---- the relay ---------------------------------------------------------- */

/* Keeps the first failure only: what follows it is its consequence. */
static void __attribute__((format(printf, 2, 3)))
relay_fail(struct relay *r, const char *fmt, ...)
{
	va_list ap;

	if (r->error != NULL)
		return;
	va_start(ap, fmt);
	r->error = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Decides to close with code and reason, once the output is out. */
static void
relay_close(struct relay *r, uint16_t code, const char *reason)
{
	size_t n = strlen(reason);

	if (r->close_code != 0)
		return;
	/* Cut between characters: the browser fails a close that is not
	 * UTF-8. */
	if (n > CONSOLE_REASON_MAX) {
		n = CONSOLE_REASON_MAX;
		while (n > 0 && ((unsigned char)reason[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(r->close_reason, reason, n);
	r->close_reason[n] = '\0';
	r->close_code = code;
	r->close_deadline = mono_now() + CONSOLE_CLOSE_MS / 1000.0;
}

/* The peer ended (error NULL) or failed (error taken): close both. */
static void
relay_peer_done(struct relay *r, char *error)
{
	r->peer_done = true;
	r->input_len = 0;	/* nobody left to take it */
	if (error == NULL) {
		relay_close(r, WSLAY_CODE_NORMAL_CLOSURE, "the console closed");
		return;
	}
	relay_close(r, WSLAY_CODE_INTERNAL_SERVER_ERROR, error);
	if (r->error == NULL)
		r->error = error;
	else
		free(error);
}

static ssize_t
relay_ws_recv(wslay_event_context_ptr ws, uint8_t *buf, size_t len,
    int flags, void *data)
{
	struct relay *r = data;
	ssize_t n;

	(void)flags;
	/* The guest is behind: let the browser wait, not our memory grow. */
	if (r->input_len >= CONSOLE_INPUT_MAX) {
		wslay_event_set_error(ws, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (r->extra_left > 0) {
		n = (ssize_t)(len < r->extra_left ? len : r->extra_left);
		memcpy(buf, r->extra, (size_t)n);
		r->extra += n;
		r->extra_left -= (size_t)n;
		return n;
	}
	do
		n = recv(r->sock, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		wslay_event_set_error(ws, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (n == 0)
		relay_fail(r, "the browser closed the connection without a "
		    "close message");
	else
		relay_fail(r, "reading from the browser failed: %s",
		    strerror(errno));
	r->sock_failed = true;
	wslay_event_set_error(ws, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t
relay_ws_send(wslay_event_context_ptr ws, const uint8_t *data, size_t len,
    int flags, void *user)
{
	struct relay *r = user;
	/* A frame's header and payload in one packet, despite TCP_NODELAY. */
	int more = (flags & WSLAY_MSG_MORE) ? MSG_MORE : 0;
	ssize_t n;

	do
		n = send(r->sock, data, len, MSG_NOSIGNAL | more);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		wslay_event_set_error(ws, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	relay_fail(r, "writing to the browser failed: %s", strerror(errno));
	r->sock_failed = true;
	wslay_event_set_error(ws, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

/* Keys typed and text pasted; control messages are wslay's to answer. */
static void
relay_ws_message(wslay_event_context_ptr ws,
    const struct wslay_event_on_msg_recv_arg *arg, void *data)
{
	struct relay *r = data;

	(void)ws;
	if ((arg->opcode != WSLAY_TEXT_FRAME &&
	    arg->opcode != WSLAY_BINARY_FRAME) || r->peer_done ||
	    arg->msg_length == 0)
		return;
	xgrow(&r->input, &r->input_alloc, r->input_len + arg->msg_length, 1);
	memcpy(r->input + r->input_len, arg->msg, arg->msg_length);
	r->input_len += arg->msg_length;
}

/* Gives the peer what the browser sent, as much as it takes now. */
static void
relay_to_peer(struct relay *r)
{
	r->input_refused = false;
	while (r->input_len > 0 && !r->peer_done) {
		char *error = NULL;
		ssize_t n = r->peer->send(r->peer, r->input, r->input_len,
		    &error);

		/* 0 is no progress either: trying again at once would spin. */
		if (n == CONSOLE_AGAIN || n == 0) {
			r->input_refused = true;
			return;
		}
		if (n < 0) {
			relay_peer_done(r, error);
			return;
		}
		memmove(r->input, r->input + n, r->input_len - (size_t)n);
		r->input_len -= (size_t)n;
	}
}

/* True when the peer may have output and the browser has room for it. */
static bool
relay_peer_due(const struct relay *r)
{
	return r->peer_ready && !r->peer_done &&
	    wslay_event_get_queued_msg_length(r->ws) < CONSOLE_OUTPUT_MAX;
}

/* Queues what the peer has for the browser, while the browser keeps up. */
static void
relay_from_peer(struct relay *r)
{
	char buf[CONSOLE_CHUNK];

	while (relay_peer_due(r)) {
		char *error = NULL;
		ssize_t n = r->peer->recv(r->peer, buf, sizeof(buf), &error);
		struct wslay_event_msg msg = { WSLAY_BINARY_FRAME,
		    (const uint8_t *)buf, n > 0 ? (size_t)n : 0 };

		if (n == CONSOLE_AGAIN)
			r->peer_ready = false;
		else if (n <= 0)
			relay_peer_done(r, n == 0 ? NULL : error);
		else if (wslay_event_queue_msg(r->ws, &msg) != 0)
			r->peer_done = true;	/* the browser closed first */
	}
}

/*
 * True when our close may go: after the output before it, as wslay sends
 * control messages ahead of data, which would cut the guest's last words.
 */
static bool
relay_close_due(const struct relay *r)
{
	return r->close_code != 0 && !r->close_queued &&
	    wslay_event_get_queued_msg_count(r->ws) == 0;
}

static void
relay_queue_close(struct relay *r)
{
	if (!relay_close_due(r))
		return;
	r->close_queued = true;
	/* Refused only when the browser closed first, which is as good. */
	(void)wslay_event_queue_close(r->ws, r->close_code,
	    (const uint8_t *)r->close_reason, strlen(r->close_reason));
}

static bool
relay_finished(struct relay *r)
{
	if (r->sock_failed)
		return true;
	if (!wslay_event_want_read(r->ws) && !wslay_event_want_write(r->ws))
		return true;
	return r->close_deadline > 0 && mono_now() >= r->close_deadline;
}

/* The poll timeout: -1, or a retry of the peer, or the close deadline. */
static int
relay_timeout(const struct relay *r)
{
	int timeout = r->input_refused ? CONSOLE_RETRY_MS : -1;

	/* Sending may have emptied the queue that held back the peer or
	 * our close; bytes read before us may wait. Only a look, then. */
	if (relay_peer_due(r) || relay_close_due(r) ||
	    (r->extra_left > 0 && wslay_event_want_read(r->ws)))
		return 0;
	if (r->close_deadline > 0) {
		double left = (r->close_deadline - mono_now()) * 1000.0;
		int ms = left > 0 ? (int)left + 1 : 0;

		if (timeout < 0 || ms < timeout)
			timeout = ms;
	}
	return timeout;
}

/* Waits for either side, then reads what the browser sent. */
static void
relay_wait(struct relay *r)
{
	bool reading = wslay_event_want_read(r->ws) &&
	    r->input_len < CONSOLE_INPUT_MAX;
	short events = (short)((reading ? POLLIN : 0) |
	    (wslay_event_want_write(r->ws) ? POLLOUT : 0));
	bool peer = r->peer != NULL && !r->peer_ready && !r->peer_done;
	struct pollfd pfd[2] = {
		{ .fd = events ? r->sock : -1, .events = events },
		{ .fd = peer ? r->peer->fd : -1, .events = POLLIN },
	};

	if (poll(pfd, 2, relay_timeout(r)) < 0 && errno != EINTR) {
		relay_fail(r, "waiting for the browser failed: %s",
		    strerror(errno));
		r->sock_failed = true;
		return;
	}
	if (pfd[1].revents != 0)
		r->peer_ready = true;
	if (!reading || (r->extra_left == 0 &&
	    !(pfd[0].revents & (POLLIN | POLLHUP | POLLERR))))
		return;
	if (wslay_event_recv(r->ws) < 0) {
		relay_fail(r, "reading from the browser failed: out of memory");
		r->sock_failed = true;
	}
}

static void
relay_run(struct relay *r)
{
	for (;;) {
		if (r->peer != NULL) {
			relay_to_peer(r);
			relay_from_peer(r);
		}
		relay_queue_close(r);
		if (wslay_event_want_write(r->ws) &&
		    wslay_event_send(r->ws) < 0) {
			relay_fail(r, "writing to the browser failed: out of "
			    "memory");
			r->sock_failed = true;
		}
		if (relay_finished(r))
			return;
		relay_wait(r);
	}
}

/*
 * Serves the WebSocket on sock: relays it to peer, or with peer NULL only
 * says close_reason in a close 1011. Returns 0, or -1 with *error set.
 */
static int
relay_serve(int sock, const char *extra, size_t extra_size,
    const struct console_peer *peer, const char *close_reason, char **error)
{
	static const struct wslay_event_callbacks callbacks = {
		.recv_callback = relay_ws_recv,
		.send_callback = relay_ws_send,
		.on_msg_recv_callback = relay_ws_message,
	};
	struct relay r = { .sock = sock, .extra = extra,
	    .extra_left = extra_size, .peer = peer, .peer_ready = true,
	    .peer_done = peer == NULL };
	int flags = fcntl(sock, F_GETFL), one = 1;

	if (flags < 0 || fcntl(sock, F_SETFL, flags | O_NONBLOCK) < 0) {
		*error = xasprintf("cannot make the browser's socket "
		    "non-blocking: %s", strerror(errno));
		return -1;
	}
	/* Keystrokes and their echoes are small: each goes at once. Under
	 * HTTPS, MHD hands us a socket pair, where this fails, harmlessly. */
	(void)setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (wslay_event_context_server_init(&r.ws, &callbacks, &r) != 0) {
		*error = xstrdup("cannot start a WebSocket: out of memory");
		return -1;
	}
	wslay_event_config_set_max_recv_msg_length(r.ws, CONSOLE_MESSAGE_MAX);
	if (close_reason != NULL)
		relay_close(&r, WSLAY_CODE_INTERNAL_SERVER_ERROR, close_reason);
	relay_run(&r);
	wslay_event_context_free(r.ws);
	free(r.input);
	if (r.error == NULL)
		return 0;
	*error = r.error;
	return -1;
}

int
console_relay(int sock, const char *extra, size_t extra_size,
    const struct console_peer *peer, char **error)
{
	return relay_serve(sock, extra, extra_size, peer, NULL, error);
}

/* ---- a descriptor as a peer ------------------------------------------- */

static ssize_t
console_fd_recv(const struct console_peer *peer, char *buf, size_t size,
    char **error)
{
	ssize_t n;

	do
		n = read(peer->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return CONSOLE_AGAIN;
	if (n < 0)
		*error = xasprintf("reading descriptor %d failed: %s",
		    peer->fd, strerror(errno));
	return n;
}

static ssize_t
console_fd_send(const struct console_peer *peer, const char *buf,
    size_t size, char **error)
{
	ssize_t n;

	/* send() where it can, for MSG_NOSIGNAL: a closed reader is an
	 * error to report, not a SIGPIPE. */
	do {
		n = send(peer->fd, buf, size, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(peer->fd, buf, size);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return CONSOLE_AGAIN;
	if (n < 0)
		*error = xasprintf("writing descriptor %d failed: %s",
		    peer->fd, strerror(errno));
	return n;
}

void
console_peer_fd(struct console_peer *peer, int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	*peer = (struct console_peer){ .fd = fd, .data = NULL,
	    .recv = console_fd_recv, .send = console_fd_send };
}

/* ---- a libvirt stream as a peer --------------------------------------- */

/*
 * On libvirt's event thread. While data waits, libvirt's remote streams
 * call this from a timer of zero delay, on every turn of the loop: so it
 * falls silent until our thread has read all there is (then it arms the
 * callback again), rather than spin the event thread meanwhile.
 */
static void
console_stream_event(virStreamPtr stream, int events, void *opaque)
{
	int fd = (int)(intptr_t)opaque;

	(void)events;
	virStreamEventUpdateCallback(stream, 0);
	/* A full pair holds a wake-up already; a gone reader is no signal. */
	(void)send(fd, "", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/*
 * libvirt calls this when the callback is removed, or once a callback
 * running meanwhile returns: only then may the write end go, since the
 * number could be another file's by the time that callback writes.
 */
static void
console_stream_unwatched(void *opaque)
{
	close((int)(intptr_t)opaque);
}

static ssize_t
console_stream_recv(const struct console_peer *peer, char *buf,
    size_t size, char **error)
{
	struct console *c = peer->data;
	char drain[64];
	int n;

	while (recv(c->wake, drain, sizeof(drain), 0) > 0)
		;
	n = virStreamRecv(c->stream, buf, size);
	if (n == -2) {
		/* Armed again after the read that found nothing: data that
		 * came between the two makes libvirt call at once. */
		if (virStreamEventUpdateCallback(c->stream,
		    CONSOLE_STREAM_EVENTS) == 0)
			return CONSOLE_AGAIN;
		*error = xasprintf("cannot watch the console of '%s': %s",
		    c->name, virt_last_error());
		return -1;
	}
	if (n < 0)
		*error = xasprintf("the console of '%s' failed: %s", c->name,
		    virt_last_error());
	c->ended = n == 0;
	return n;
}

static ssize_t
console_stream_send(const struct console_peer *peer, const char *buf,
    size_t size, char **error)
{
	struct console *c = peer->data;
	/* Remote streams take every byte at once (the RPC queues it), so -2
	 * comes only from other drivers. */
	int n = virStreamSend(c->stream, buf,
	    size < CONSOLE_CHUNK ? size : CONSOLE_CHUNK);

	if (n == -2)
		return CONSOLE_AGAIN;
	if (n < 0)
		*error = xasprintf("cannot write to the console of '%s': %s",
		    c->name, virt_last_error());
	return n;
}

/* Opens the serial console of c->dom; -1 with *error set if not. */
static int
console_open_serial(struct console *c, char **error)
{
	int pair[2];

	c->stream = virStreamNew(c->conn, VIR_STREAM_NONBLOCK);
	if (c->stream == NULL || virDomainOpenConsole(c->dom, NULL, c->stream,
	    VIR_DOMAIN_CONSOLE_FORCE) < 0) {
		*error = xasprintf("cannot open the console of '%s': %s",
		    c->name, virt_last_error());
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    pair) < 0) {
		*error = xasprintf("cannot open the console of '%s': %s",
		    c->name, strerror(errno));
		return -1;
	}
	c->wake = pair[0];
	if (virStreamEventAddCallback(c->stream, CONSOLE_STREAM_EVENTS,
	    console_stream_event, (void *)(intptr_t)pair[1],
	    console_stream_unwatched) < 0) {
		*error = xasprintf("cannot watch the console of '%s': %s",
		    c->name, virt_last_error());
		close(pair[1]);
		return -1;
	}
	c->watched = true;
	return 0;
}

/*
 * Connects to the VNC server of c->dom's first screen: libvirt makes a
 * socket pair and hands QEMU one end (so the screen's own socket, on the
 * hypervisor, is never opened by path). SKIPAUTH: the server has decided
 * who may see it; the VNC server asks no password of its own anyway.
 * Descriptors pass only over libvirt's local UNIX socket: a node reached
 * over SSH or TCP says so in libvirt's error.
 */
static int
console_open_screen(struct console *c, char **error)
{
	c->screen = virDomainOpenGraphicsFD(c->dom, 0,
	    VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH);
	if (c->screen < 0) {
		*error = xasprintf("cannot open the screen of '%s': %s",
		    c->name, virt_last_error());
		return -1;
	}
	return 0;
}

/* Finds the domain and opens its console; -1 with *error set if not. */
static int
console_open(struct console *c, char **error)
{
	if (c->conn == NULL) {
		*error = xasprintf("no connection to libvirt for '%s': its node is "
		    "away", c->name);
		return -1;
	}
	c->dom = virDomainLookupByName(c->conn, c->name);
	if (c->dom == NULL) {
		*error = virt_last_error_is_missing() ?
		    xasprintf("there is no domain '%s'", c->name) :
		    xasprintf("cannot find domain '%s': %s", c->name,
		    virt_last_error());
		return -1;
	}
	if (c->kind == CONSOLE_SCREEN)
		return console_open_screen(c, error);
	return console_open_serial(c, error);
}

/* Gives back all the console holds, the browser's connection last. */
static void
console_free(struct console *c)
{
	if (c->stream != NULL) {
		if (c->watched)
			virStreamEventRemoveCallback(c->stream);
		/* Errors here change nothing: the stream goes either way. */
		if (c->ended)
			virStreamFinish(c->stream);
		else
			virStreamAbort(c->stream);
		virStreamFree(c->stream);
	}
	if (c->wake >= 0)
		close(c->wake);
	if (c->screen >= 0)
		close(c->screen);
	if (c->dom != NULL)
		virDomainFree(c->dom);
	if (c->conn != NULL)
		virConnectClose(c->conn);
	if (c->urh != NULL)
		MHD_upgrade_action(c->urh, MHD_UPGRADE_ACTION_CLOSE);
	else
		close(c->sock);
	free(c->name);
	free(c->extra);
	free(c);
}

static void *
console_thread(void *arg)
{
	struct console *c = arg;
	struct console_peer peer = { .fd = -1, .data = c,
	    .recv = console_stream_recv, .send = console_stream_send };
	char *why = NULL, *error = NULL;

	if (console_open(c, &why) < 0) {
		relay_serve(c->sock, c->extra, c->extra_size, NULL, why,
		    &error);
	} else if (c->kind == CONSOLE_SCREEN) {
		/* RFB both ways, as bytes: noVNC in the browser speaks it. */
		console_peer_fd(&peer, c->screen);
		console_relay(c->sock, c->extra, c->extra_size, &peer, &error);
	} else {
		peer.fd = c->wake;
		console_relay(c->sock, c->extra, c->extra_size, &peer, &error);
	}
	/* Told to the browser in the close message already, or the browser
	 * is gone and there is nobody to tell. */
	free(why);
	free(error);
	console_free(c);
	atomic_fetch_sub(&console_open_count, 1);
	return NULL;
}

int
console_start(virConnectPtr conn, const char *name, int kind,
    struct MHD_UpgradeResponseHandle *urh, int sock, const char *extra,
    size_t extra_size, char **error)
{
	struct console *c = xcalloc(1, sizeof(*c));
	pthread_t thread;
	int err;

	if (conn != NULL)
		virConnectRef(conn);
	c->conn = conn;
	c->name = xstrdup(name);
	c->kind = kind;
	c->urh = urh;
	c->sock = sock;
	c->screen = -1;
	c->wake = -1;
	if (extra_size > 0) {
		c->extra = xmalloc(extra_size);
		memcpy(c->extra, extra, extra_size);
	}
	c->extra_size = extra_size;
	atomic_fetch_add(&console_open_count, 1);
	err = pthread_create(&thread, NULL, console_thread, c);
	if (err != 0) {
		*error = xasprintf("cannot start a thread for the %s of "
		    "'%s': %s", kind == CONSOLE_SCREEN ? "screen" : "console",
		    name, strerror(err));
		console_free(c);
		atomic_fetch_sub(&console_open_count, 1);
		return -1;
	}
	pthread_detach(thread);
	return 0;
}
