/*
 * check.c: tcp and http service checks on non-blocking sockets and epoll.
 *
 * A batch keeps up to CHECK_MAX_SOCKETS slots busy; each slot owns its
 * socket, request and answer buffer, and gives them all back when its
 * probe gets a result.
 */
#include "rangectl/check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "rangectl/cidr.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

enum slot_phase { PHASE_CONNECTING, PHASE_SENDING, PHASE_READING };

struct check_slot {
	struct check_probe *probe;	/* NULL when the slot is free */
	int fd;
	int phase;
	double start;
	char *request;		/* owned */
	size_t request_len, sent;
	char *answer;		/* owned, at most CHECK_MAX_ANSWER bytes */
	size_t len, alloc, searched;
};

struct check_batch {
	int epfd;
	int timeout_ms;
	struct check_probe *probes;
	size_t n, next, active;
	struct check_slot slots[CHECK_MAX_SOCKETS];
};

/* Gives back everything the slot holds and records the result. */
static void
slot_finish(struct check_batch *b, struct check_slot *s, bool up)
{
	s->probe->up = up;
	s->probe->seconds = mono_now() - s->start;
	if (up)
		s->probe->reason[0] = '\0';
	if (s->fd >= 0)
		close(s->fd);	/* also leaves the epoll set */
	free(s->request);
	free(s->answer);
	*s = (struct check_slot){ .fd = -1 };
	b->active--;
}

static void __attribute__((format(printf, 3, 4)))
slot_fail(struct check_batch *b, struct check_slot *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->probe->reason, sizeof(s->probe->reason), fmt, ap);
	va_end(ap);
	slot_finish(b, s, false);
}

static const char *
check_errno_text(int err, char *buf, size_t size)
{
	switch (err) {
	case ECONNREFUSED: return "connection refused";
	case ECONNRESET: return "connection reset";
	case EHOSTUNREACH: return "host unreachable";
	case ENETUNREACH: return "network unreachable";
	case ETIMEDOUT: return "connection timed out";
	default: return strerror_r(err, buf, size);
	}
}

static void
slot_fail_errno(struct check_batch *b, struct check_slot *s, int err)
{
	char buf[96];

	slot_fail(b, s, "%s", check_errno_text(err, buf, sizeof(buf)));
}

/* A path goes into the request line as is, so it must be plain. */
static bool
check_path_ok(const char *path)
{
	if (path[0] != '/')
		return false;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static int
slot_request(struct check_batch *b, struct check_slot *s)
{
	const char *path = s->probe->path ? s->probe->path : "/";
	char host[IPV4_TEXT];

	if (!check_path_ok(path) || strlen(path) > 2048) {
		slot_fail(b, s, "path '%.64s' is not a valid request path", path);
		return -1;
	}
	ipv4_format(s->probe->addr, host);
	s->request = xasprintf("GET %s HTTP/1.0\r\nHost: %s\r\n"
	    "User-Agent: rangectl-check\r\nConnection: close\r\n\r\n", path, host);
	s->request_len = strlen(s->request);
	return 0;
}

static int
slot_watch(struct check_batch *b, struct check_slot *s, int op, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = s };

	if (epoll_ctl(b->epfd, op, s->fd, &ev) < 0) {
		slot_fail(b, s, "cannot watch a socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Opens and connects; on failure the probe has its result already. */
static void
slot_start(struct check_batch *b, struct check_slot *s, struct check_probe *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	*s = (struct check_slot){ .probe = p, .fd = -1, .start = mono_now() };
	b->active++;
	if (p->kind != CHECK_TCP && p->kind != CHECK_HTTP) {
		slot_fail(b, s, "kind %d is not a tcp or http check", p->kind);
		return;
	}
	if (p->port < 1 || p->port > 65535) {
		slot_fail(b, s, "port %d is out of range", p->port);
		return;
	}
	if (p->kind == CHECK_HTTP && slot_request(b, s) < 0)
		return;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		slot_fail(b, s, "cannot open a socket: %s", strerror(errno));
		return;
	}
	sa.sin_port = htons((uint16_t)p->port);
	sa.sin_addr.s_addr = htonl(p->addr);
	/* EINTR leaves the connection going on, like EINPROGRESS. */
	if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS && errno != EINTR) {
		slot_fail_errno(b, s, errno);
		return;
	}
	slot_watch(b, s, EPOLL_CTL_ADD, EPOLLOUT);
}

static void
slot_connected(struct check_batch *b, struct check_slot *s)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		slot_fail_errno(b, s, err);
		return;
	}
	if (s->probe->kind == CHECK_TCP) {
		slot_finish(b, s, true);
		return;
	}
	s->phase = PHASE_SENDING;
}

static void
slot_send(struct check_batch *b, struct check_slot *s)
{
	while (s->sent < s->request_len) {
		ssize_t r = send(s->fd, s->request + s->sent,
		    s->request_len - s->sent, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r < 0) {
			slot_fail(b, s, "sending the request failed: %s",
			    strerror(errno));
			return;
		}
		s->sent += (size_t)r;
	}
	s->phase = PHASE_READING;
	slot_watch(b, s, EPOLL_CTL_MOD, EPOLLIN);
}

/* "HTTP/1.x NNN" then a space or the end of the line; -1 if not. */
static long
check_status(const char *line, size_t len)
{
	const char *p = line;

	if (len < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (p[7] != '0' && p[7] != '1') || p[8] != ' ')
		return -1;
	for (int i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	if (len > 12 && p[12] != ' ' && p[12] != '\r' && p[12] != '\n')
		return -1;
	if (p[9] < '1' || p[9] > '5')
		return -1;
	return (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
}

/* Where the body starts, or NULL while the headers go on. */
static const char *
check_body(const char *a, size_t len)
{
	const char *crlf = memmem(a, len, "\r\n\r\n", 4);
	const char *lf = memmem(a, len, "\n\n", 2);

	if (crlf && (!lf || crlf < lf))
		return crlf + 4;
	return lf ? lf + 2 : NULL;
}

/* Searches only what is new, plus a match's length back for straddles. */
static bool
slot_body_has(struct check_slot *s, const char *body)
{
	const char *want = s->probe->expect_body;
	size_t wlen = strlen(want), blen = s->len - (size_t)(body - s->answer);
	size_t from = s->searched >= wlen ? s->searched - wlen + 1 : 0;

	if (from > blen)
		from = blen;
	s->searched = blen;
	return memmem(body + from, blen - from, want, wlen) != NULL;
}

/* Decides when it can; done says no more of the answer will come. */
static void
slot_evaluate(struct check_batch *b, struct check_slot *s, bool done)
{
	const struct check_probe *p = s->probe;
	long want = p->expect_status > 0 ? p->expect_status : 200;
	const char *eol = memchr(s->answer, '\n', s->len), *body;
	long status;

	if (!eol && !done)
		return;
	if (!eol && s->len == 0) {
		slot_fail(b, s, "connection closed without an answer");
		return;
	}
	status = check_status(s->answer, eol ? (size_t)(eol - s->answer) : s->len);
	if (status < 0) {
		slot_fail(b, s, "answer is not HTTP");
		return;
	}
	if (status != want) {
		slot_fail(b, s, "status %ld, expected %ld", status, want);
		return;
	}
	body = check_body(s->answer, s->len);
	if (!body) {
		if (done)
			slot_fail(b, s, "answer ends within its headers");
		return;
	}
	if (!p->expect_body || !p->expect_body[0] || slot_body_has(s, body)) {
		slot_finish(b, s, true);
		return;
	}
	if (done)
		slot_fail(b, s, "body lacks '%.60s'%s", p->expect_body,
		    s->len == CHECK_MAX_ANSWER ? " in its first 64 KiB" : "");
}

static void
slot_read(struct check_batch *b, struct check_slot *s)
{
	for (;;) {
		ssize_t r;
		size_t room;

		xgrow(&s->answer, &s->alloc, s->len + 4096, 1);
		room = (s->alloc < CHECK_MAX_ANSWER ? s->alloc : CHECK_MAX_ANSWER)
		    - s->len;
		r = recv(s->fd, s->answer + s->len, room, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r < 0 && s->len == 0) {
			slot_fail_errno(b, s, errno);
			return;
		}
		if (r > 0)
			s->len += (size_t)r;
		slot_evaluate(b, s, r <= 0 || s->len == CHECK_MAX_ANSWER);
		if (!s->probe)
			return;
	}
}

static void
slot_event(struct check_batch *b, struct check_slot *s)
{
	/* An earlier event of the same wait may have finished it. */
	if (!s->probe)
		return;
	if (s->phase == PHASE_CONNECTING)
		slot_connected(b, s);
	if (s->probe && s->phase == PHASE_SENDING)
		slot_send(b, s);
	else if (s->probe && s->phase == PHASE_READING)
		slot_read(b, s);
}

static void
slot_expire(struct check_batch *b, struct check_slot *s)
{
	static const char *const what[] = {
		[PHASE_CONNECTING] = "no connection",
		[PHASE_SENDING] = "request not taken",
		[PHASE_READING] = "no answer",
	};
	double secs = b->timeout_ms / 1000.0;

	if (s->phase == PHASE_READING && s->len > 0)
		slot_fail(b, s, "no complete answer within %g s", secs);
	else
		slot_fail(b, s, "%s within %g s", what[s->phase], secs);
}

/* Expires what is due; returns the ms until the next deadline. */
static int
batch_expire(struct check_batch *b)
{
	double now = mono_now(), next = -1;

	for (size_t i = 0; i < CHECK_MAX_SOCKETS; i++) {
		struct check_slot *s = &b->slots[i];
		double due = s->start + b->timeout_ms / 1000.0;

		if (!s->probe)
			continue;
		if (due <= now)
			slot_expire(b, s);
		else if (next < 0 || due < next)
			next = due;
	}
	return next < 0 ? 0 : (int)((next - now) * 1000.0) + 1;
}

static void
batch_fill(struct check_batch *b)
{
	for (size_t i = 0; i < CHECK_MAX_SOCKETS && b->next < b->n; i++)
		if (!b->slots[i].probe)
			slot_start(b, &b->slots[i], &b->probes[b->next++]);
}

static void
batch_loop(struct check_batch *b)
{
	struct epoll_event ev[64];

	batch_fill(b);
	while (b->active > 0 || b->next < b->n) {
		int wait = batch_expire(b), got;

		batch_fill(b);
		if (b->active == 0)
			continue;
		got = epoll_wait(b->epfd, ev, (int)ARRAY_SIZE(ev), wait);
		for (int i = 0; i < got; i++)
			slot_event(b, ev[i].data.ptr);
	}
}

void
check_run(struct check_probe *probes, size_t n, int timeout_ms)
{
	struct check_batch *b = xcalloc(1, sizeof(*b));

	for (size_t i = 0; i < n; i++) {
		probes[i].up = false;
		probes[i].seconds = 0;
		snprintf(probes[i].reason, sizeof(probes[i].reason),
		    "not checked");
	}
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epfd < 0) {
		for (size_t i = 0; i < n; i++)
			snprintf(probes[i].reason, sizeof(probes[i].reason),
			    "cannot create an epoll instance: %s",
			    strerror(errno));
		goto cleanup;
	}
	b->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	b->probes = probes;
	b->n = n;
	for (size_t i = 0; i < CHECK_MAX_SOCKETS; i++)
		b->slots[i].fd = -1;
	batch_loop(b);
cleanup:
	if (b->epfd >= 0)
		close(b->epfd);
	free(b);
}
