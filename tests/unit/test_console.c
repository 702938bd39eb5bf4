/*
 * test_console.c: the WebSocket handshake's key, and the relay with a
 * socket pair where the guest's stream would be, driven by a client made
 * with wslay's client side (which masks its frames as a browser does).
 *
 * libvirt's test driver has no consoles, so console_start() is tested
 * only for the close message that tells the browser why; the real stream
 * is tested end to end, from a browser.
 */
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <wslay/wslay.h>

#include "rangectl/console_libvirt.h"
#include "rangectl/util.h"
#include "rangectl/virt.h"

/* Long enough for a loaded machine, short enough to fail a hung test. */
#define WAIT_SECONDS 5.0

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a browser, as far as WebSockets go -------------------------------- */

struct client {
	wslay_event_context_ptr ws;
	int fd;			/* owned; -1 once closed */
	struct strbuf got;	/* the payloads of data messages, joined */
	int opcode;		/* of the last data message */
	int pongs;
	int close_code;		/* 0 until the server's close arrives */
	char reason[128];
};

static ssize_t
client_recv(wslay_event_context_ptr ws, uint8_t *buf, size_t len, int flags,
    void *data)
{
	struct client *c = data;
	ssize_t n = recv(c->fd, buf, len, MSG_DONTWAIT);

	(void)flags;
	if (n > 0)
		return n;
	wslay_event_set_error(ws, n < 0 && errno == EAGAIN ?
	    WSLAY_ERR_WOULDBLOCK : WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t
client_send(wslay_event_context_ptr ws, const uint8_t *data, size_t len,
    int flags, void *user)
{
	struct client *c = user;
	ssize_t n = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	(void)flags;
	if (n >= 0)
		return n;
	wslay_event_set_error(ws, errno == EAGAIN ? WSLAY_ERR_WOULDBLOCK :
	    WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

/* Any mask will do: the server must unmask whatever it is. */
static int
client_mask(wslay_event_context_ptr ws, uint8_t *buf, size_t len, void *data)
{
	(void)ws;
	(void)data;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(0xA5 + 31 * i);
	return 0;
}

static void
client_message(wslay_event_context_ptr ws,
    const struct wslay_event_on_msg_recv_arg *arg, void *data)
{
	struct client *c = data;

	(void)ws;
	if (arg->opcode == WSLAY_PONG) {
		c->pongs++;
	} else if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
		size_t n = arg->msg_length > 2 ? arg->msg_length - 2 : 0;

		c->close_code = arg->status_code ? arg->status_code : 1005;
		memcpy(c->reason, arg->msg + 2, n < 127 ? n : 127);
	} else {
		c->opcode = arg->opcode;
		strbuf_appendn(&c->got, (const char *)arg->msg, arg->msg_length);
	}
}

static const struct wslay_event_callbacks client_callbacks = {
	.recv_callback = client_recv,
	.send_callback = client_send,
	.genmask_callback = client_mask,
	.on_msg_recv_callback = client_message,
};

static void
client_open(struct client *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	strbuf_init(&c->got);
	wslay_event_context_client_init(&c->ws, &client_callbacks, c);
}

static void
client_free(struct client *c)
{
	wslay_event_context_free(c->ws);
	strbuf_free(&c->got);
	if (c->fd >= 0)
		close(c->fd);
}

/* One turn: waits up to ms for the server, then reads and writes. */
static void
client_turn(struct client *c, int ms)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	if (wslay_event_want_write(c->ws))
		pfd.events |= POLLOUT;
	if (poll(&pfd, 1, ms) > 0 && (pfd.revents & (POLLIN | POLLHUP)) &&
	    wslay_event_want_read(c->ws))
		wslay_event_recv(c->ws);
	if (wslay_event_want_write(c->ws))
		wslay_event_send(c->ws);
}

/* Turns until done says so, or WAIT_SECONDS pass; returns done's word. */
static bool
client_until(struct client *c, bool (*done)(const struct client *, size_t),
    size_t arg)
{
	double end = now() + WAIT_SECONDS;

	while (!done(c, arg) && now() < end)
		client_turn(c, 20);
	return done(c, arg);
}

static bool
client_has_bytes(const struct client *c, size_t n)
{
	return c->got.len >= n;
}

static bool
client_has_close(const struct client *c, size_t unused)
{
	(void)unused;
	return c->close_code != 0 && !wslay_event_want_write(c->ws);
}

static bool
client_has_pong(const struct client *c, size_t unused)
{
	(void)unused;
	return c->pongs > 0;
}

static bool
client_sent(const struct client *c, size_t unused)
{
	(void)unused;
	return !wslay_event_want_write(c->ws);
}

static void
client_say(struct client *c, int opcode, const char *text)
{
	struct wslay_event_msg msg = { (uint8_t)opcode,
	    (const uint8_t *)text, strlen(text) };

	CHECK_INT_EQ(wslay_event_queue_msg(c->ws, &msg), 0);
	CHECK(client_until(c, client_sent, 0));
}

/* True once the server's side of the socket is closed, within the wait. */
static bool
client_sees_eof(struct client *c)
{
	double end = now() + WAIT_SECONDS;
	char buf[256];

	while (now() < end) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

		if (poll(&pfd, 1, 50) > 0 && recv(c->fd, buf, sizeof(buf),
		    MSG_DONTWAIT) == 0)
			return true;
	}
	return false;
}

/* ---- a relay on a thread, the guest on a socket pair ------------------ */

struct fixture {
	int ws[2];	/* [0] the server's side, [1] the browser's */
	int guest[2];	/* [0] the relay's peer, [1] the guest's side */
	struct console_peer peer;
	struct client client;
	const char *extra;
	size_t extra_size;
	int rc;
	char *error;
	pthread_t thread;
};

static void *
fixture_relay(void *arg)
{
	struct fixture *f = arg;

	f->rc = console_relay(f->ws[0], f->extra, f->extra_size, &f->peer,
	    &f->error);
	return NULL;
}

static bool
fixture_start(struct fixture *f, const char *extra, size_t extra_size)
{
	memset(f, 0, sizeof(*f));
	if (!CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, f->ws) == 0) ||
	    !CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, f->guest) == 0))
		return false;
	console_peer_fd(&f->peer, f->guest[0]);
	client_open(&f->client, f->ws[1]);
	f->extra = extra;
	f->extra_size = extra_size;
	f->rc = -9;
	return CHECK(pthread_create(&f->thread, NULL, fixture_relay, f) == 0);
}

/* Waits for the relay to end; returns what it returned. */
static int
fixture_end(struct fixture *f)
{
	pthread_join(f->thread, NULL);
	close(f->ws[0]);
	close(f->guest[0]);
	if (f->guest[1] >= 0)
		close(f->guest[1]);
	client_free(&f->client);
	return f->rc;
}

/* Reads n bytes the relay gave the guest, within the wait; "" if not. */
static char *
guest_read(int fd, size_t n)
{
	struct strbuf sb;
	double end = now() + WAIT_SECONDS;
	char buf[4096];

	strbuf_init(&sb);
	while (sb.len < n && now() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t got;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		got = recv(fd, buf, n - sb.len < sizeof(buf) ? n - sb.len :
		    sizeof(buf), MSG_DONTWAIT);
		if (got <= 0)
			break;
		strbuf_appendn(&sb, buf, (size_t)got);
	}
	return strbuf_steal(&sb);
}

static void
guest_write(int fd, const char *text)
{
	CHECK_INT_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
}

/* The browser closes, the server answers, the relay returns 0. */
static void
close_from_browser(struct fixture *f)
{
	CHECK_INT_EQ(wslay_event_queue_close(f->client.ws, 1000,
	    (const uint8_t *)"bye", 3), 0);
	CHECK(client_until(&f->client, client_has_close, 0));
	CHECK_INT_EQ(f->client.close_code, 1000);
	CHECK_STR_EQ(f->client.reason, "bye");
	CHECK_INT_EQ(fixture_end(f), 0);
	CHECK_STR_EQ(f->error, NULL);
	free(f->error);
}

/* ---- the handshake's key --------------------------------------------- */

TEST(accept_key_rfc6455_example)
{
	char *accept = console_accept_key("dGhlIHNhbXBsZSBub25jZQ==");

	CHECK_STR_EQ(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	free(accept);
}

TEST(accept_key_of_other_keys)
{
	/* 16 zero bytes, and 16 bytes of 0xff: both ends of the alphabet. */
	char *zero = console_accept_key("AAAAAAAAAAAAAAAAAAAAAA==");
	char *ones = console_accept_key("/////////////////////w==");

	CHECK(zero != NULL && strlen(zero) == 28 && zero[27] == '=');
	CHECK(ones != NULL && strlen(ones) == 28);
	CHECK(zero != NULL && ones != NULL && strcmp(zero, ones) != 0);
	free(zero);
	free(ones);
}

TEST(accept_key_refuses_bad_keys)
{
	static const char *const bad[] = {
		"",
		"dGhlIHNhbXBsZSBub25jZQ",	/* no padding */
		"dGhlIHNhbXBsZSBub25jZQ=",	/* half the padding */
		"dGhlIHNhbXBsZSBub25jZQ== ",	/* a space after */
		" dGhlIHNhbXBsZSBub25jZQ==",	/* a space before */
		"dGhlIHNhbXBsZSBub25jZR==",	/* padding bits not zero */
		"dGhlIHNhbXBsZSBub25jZ===",	/* 15 bytes and more '=' */
		"AAAAAAAAAAAAAAAAAAAA",		/* 15 bytes */
		"AAAAAAAAAAAAAAAAAAAAAAA=",	/* 17 bytes */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* 21 bytes */
		"dGhlIHNhbXBsZSBub25jZ-==",	/* base64url, not base64 */
		"dGhlIHNh=XBsZSBub25jZQ==",	/* '=' inside */
		"dGhlIHNhbXBsZSBub25j\xc3\xa9Q==",	/* not ASCII */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *accept = console_accept_key(bad[i]);

		if (!CHECK(accept == NULL))
			fprintf(stderr, "  accepted key \"%s\"\n", bad[i]);
		free(accept);
	}
	CHECK(console_accept_key(NULL) == NULL);
}

/* ---- the relay ---------------------------------------------------------- */

TEST(relay_browser_to_guest)
{
	struct fixture f;
	char *got;

	if (!fixture_start(&f, NULL, 0))
		return;
	client_say(&f.client, WSLAY_TEXT_FRAME, "ls -l\r");
	got = guest_read(f.guest[1], 6);
	CHECK_STR_EQ(got, "ls -l\r");
	free(got);
	/* Ctrl-C as xterm.js sends it, and bytes that are not UTF-8. */
	client_say(&f.client, WSLAY_BINARY_FRAME, "\x03\xff");
	got = guest_read(f.guest[1], 2);
	CHECK_STR_EQ(got, "\x03\xff");
	free(got);
	close_from_browser(&f);
}

TEST(relay_guest_to_browser)
{
	struct fixture f;

	if (!fixture_start(&f, NULL, 0))
		return;
	guest_write(f.guest[1], "login: ");
	CHECK(client_until(&f.client, client_has_bytes, 7));
	CHECK_STR_EQ(f.client.got.data, "login: ");
	CHECK_INT_EQ(f.client.opcode, WSLAY_BINARY_FRAME);
	close_from_browser(&f);
}

TEST(relay_answers_ping)
{
	struct fixture f;

	if (!fixture_start(&f, NULL, 0))
		return;
	client_say(&f.client, WSLAY_PING, "are you there");
	CHECK(client_until(&f.client, client_has_pong, 0));
	close_from_browser(&f);
}

/* The guest's side ends: its last words first, then a close 1000. */
TEST(relay_guest_ends)
{
	struct fixture f;
	double start;

	if (!fixture_start(&f, NULL, 0))
		return;
	guest_write(f.guest[1], "reboot: Power down\r\n");
	start = now();
	close(f.guest[1]);
	f.guest[1] = -1;
	CHECK(client_until(&f.client, client_has_close, 0));
	/* At once, not at the end of the wait for the browser's answer. */
	CHECK(now() - start < 1.0);
	CHECK_STR_EQ(f.client.got.data, "reboot: Power down\r\n");
	CHECK_INT_EQ(f.client.close_code, 1000);
	CHECK_STR_EQ(f.client.reason, "the console closed");
	CHECK_INT_EQ(fixture_end(&f), 0);
	free(f.error);
}

/* The browser's connection drops without a close: an error, and the end. */
TEST(relay_browser_vanishes)
{
	struct fixture f;

	if (!fixture_start(&f, NULL, 0))
		return;
	close(f.client.fd);
	f.client.fd = -1;
	CHECK_INT_EQ(fixture_end(&f), -1);
	CHECK(f.error != NULL && strstr(f.error, "without a close") != NULL);
	free(f.error);
}

/* An unmasked frame is no browser's: wslay answers with a close 1002. */
TEST(relay_refuses_unmasked_frames)
{
	struct fixture f;

	if (!fixture_start(&f, NULL, 0))
		return;
	CHECK_INT_EQ(write(f.ws[1], "\x81\x02hi", 4), 4);
	CHECK(client_until(&f.client, client_has_close, 0));
	CHECK_INT_EQ(f.client.close_code, 1002);
	CHECK_INT_EQ(fixture_end(&f), 0);
	free(f.error);
}

/* A client whose frames are kept in memory, for the bytes of a frame. */
static ssize_t
frame_send(wslay_event_context_ptr ws, const uint8_t *data, size_t len,
    int flags, void *user)
{
	(void)ws;
	(void)flags;
	strbuf_appendn(user, (const char *)data, len);
	return (ssize_t)len;
}

/* The bytes of a masked text frame of text; the caller frees them. */
static char *
frame_bytes(const char *text, size_t *len)
{
	static const struct wslay_event_callbacks callbacks = {
		.send_callback = frame_send,
		.genmask_callback = client_mask,
	};
	struct wslay_event_msg msg = { WSLAY_TEXT_FRAME,
	    (const uint8_t *)text, strlen(text) };
	wslay_event_context_ptr ws;
	struct strbuf sb;

	strbuf_init(&sb);
	wslay_event_context_client_init(&ws, &callbacks, &sb);
	wslay_event_queue_msg(ws, &msg);
	wslay_event_send(ws);
	wslay_event_context_free(ws);
	*len = sb.len;
	return strbuf_steal(&sb);
}

/*
 * What the server read past the handshake counts as read from the
 * socket: a whole frame, then a frame cut between the two.
 */
TEST(relay_extra_bytes_come_first)
{
	struct fixture f;
	size_t len1, len2;
	char *one = frame_bytes("whoami\r", &len1);
	char *two = frame_bytes("id\r", &len2);
	char *extra = xmalloc(len1 + 3), *got;

	memcpy(extra, one, len1);
	memcpy(extra + len1, two, 3);
	if (!fixture_start(&f, extra, len1 + 3))
		goto cleanup;
	got = guest_read(f.guest[1], 7);
	CHECK_STR_EQ(got, "whoami\r");
	free(got);
	CHECK_INT_EQ(write(f.ws[1], two + 3, len2 - 3), (long long)(len2 - 3));
	got = guest_read(f.guest[1], 3);
	CHECK_STR_EQ(got, "id\r");
	free(got);
	close_from_browser(&f);
cleanup:
	free(one);
	free(two);
	free(extra);
}

struct writer {
	int fd;
	size_t size;
	pthread_t thread;
};

/* Byte i of the big output, so that order and loss both show. */
static char
pattern(size_t i)
{
	return (char)(i % 251);
}

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	char buf[8192];

	for (size_t off = 0; off < w->size; ) {
		size_t n = w->size - off < sizeof(buf) ? w->size - off :
		    sizeof(buf);
		ssize_t put;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		put = write(w->fd, buf, n);
		if (put <= 0)
			break;
		off += (size_t)put;
	}
	return NULL;
}

/* More than the relay keeps waiting for a browser, all in order. */
TEST(relay_big_output_in_order)
{
	struct fixture f;
	struct writer w = { .size = 3 * 1024 * 1024 };
	size_t bad = 0;

	if (!fixture_start(&f, NULL, 0))
		return;
	w.fd = f.guest[1];
	if (!CHECK(pthread_create(&w.thread, NULL, writer_run, &w) == 0))
		return;
	CHECK(client_until(&f.client, client_has_bytes, w.size));
	pthread_join(w.thread, NULL);
	CHECK_INT_EQ(f.client.got.len, w.size);
	for (size_t i = 0; i < f.client.got.len && i < w.size; i++)
		bad += f.client.got.data[i] != pattern(i);
	CHECK_INT_EQ(bad, 0);
	close_from_browser(&f);
}

/*
 * More input than the relay keeps for a guest that does not read: the
 * browser is held back meanwhile, and nothing is lost once it reads.
 */
TEST(relay_big_input_in_order)
{
	struct fixture f;
	char msg[64 * 1024 + 1];
	size_t total = 16 * (sizeof(msg) - 1), got = 0, bad = 0;
	double end = now() + WAIT_SECONDS;

	if (!fixture_start(&f, NULL, 0))
		return;
	for (int m = 0; m < 16; m++) {
		struct wslay_event_msg w = { WSLAY_BINARY_FRAME,
		    (const uint8_t *)msg, sizeof(msg) - 1 };

		for (size_t i = 0; i < sizeof(msg) - 1; i++)
			msg[i] = pattern(m * (sizeof(msg) - 1) + i);
		CHECK_INT_EQ(wslay_event_queue_msg(f.client.ws, &w), 0);
	}
	/* The guest sleeps while the browser pushes all it can. */
	for (int i = 0; i < 10; i++)
		client_turn(&f.client, 10);
	CHECK(wslay_event_want_write(f.client.ws));
	while (got < total && now() < end) {
		char buf[8192];
		ssize_t n = recv(f.guest[1], buf, sizeof(buf), MSG_DONTWAIT);

		for (ssize_t i = 0; i < n; i++)
			bad += buf[i] != pattern(got + (size_t)i);
		got += n > 0 ? (size_t)n : 0;
		client_turn(&f.client, n > 0 ? 0 : 5);
	}
	CHECK_INT_EQ(got, total);
	CHECK_INT_EQ(bad, 0);
	close_from_browser(&f);
}

/* ---- console_start on a driver without consoles ------------------------ */

static bool
consoles_gone(void)
{
	double end = now() + WAIT_SECONDS;

	while (console_count() > 0 && now() < end)
		usleep(10000);
	return console_count() == 0;
}

/*
 * Starts a console of domain on test:///default (away: with no connection,
 * as while its node is lost); the browser's reason.
 */
static void
start_refused(const char *domain, int kind, bool away,
    const char *reason_part)
{
	struct virt virt;
	struct client c;
	char *error = NULL;
	int ws[2];

	if (!CHECK(virt_open(&virt, "test:///default", &error) == 0) ||
	    !CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, ws) == 0)) {
		free(error);
		return;
	}
	client_open(&c, ws[1]);
	CHECK_INT_EQ(console_start(away ? NULL : virt.conn, domain, kind, NULL,
	    ws[0], NULL, 0, &error), 0);
	CHECK_STR_EQ(error, NULL);
	/* The console holds a reference of its own. */
	virt_close(&virt);
	CHECK(client_until(&c, client_has_close, 0));
	CHECK_INT_EQ(c.close_code, 1011);
	if (!CHECK(strstr(c.reason, reason_part) != NULL))
		fprintf(stderr, "  the reason was \"%s\"\n", c.reason);
	CHECK(client_sees_eof(&c));
	CHECK(consoles_gone());
	client_free(&c);
	free(error);
}

TEST(start_on_a_driver_without_consoles)
{
	start_refused("test", CONSOLE_SERIAL, false,
	    "cannot open the console of 'test': ");
}

/* The test driver has no screens either: libvirt's reason is passed on. */
TEST(screen_on_a_driver_without_screens)
{
	start_refused("test", CONSOLE_SCREEN, false,
	    "cannot open the screen of 'test': ");
}

TEST(screen_of_an_unknown_domain)
{
	start_refused("nope", CONSOLE_SCREEN, false, "there is no domain 'nope'");
}

TEST(start_on_an_unknown_domain)
{
	start_refused("nope", CONSOLE_SERIAL, false, "there is no domain 'nope'");
}

TEST(start_while_the_node_is_away)
{
	start_refused("test", CONSOLE_SERIAL, true, "no connection to libvirt for 'test': its "
	    "node is away");
}
