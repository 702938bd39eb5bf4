/*
 * check_curl.c: http, https, ftp, smtp, imap, pop3 and ldap checks
 * through libcurl's multi interface, all at once on the calling thread:
 * libcurl's sockets under epoll, driven by curl_multi_socket_action(), so
 * that each wake-up costs only the sockets that have news.
 *
 * libcurl speaks each protocol, TLS included; this file says what makes a
 * service up, and turns libcurl's failures into one short sentence. A
 * transfer is never reused: each check opens its own connection, as a
 * user of the service would, so that concurrent checks of one service are
 * as many connections.
 *
 * libcurl closes a connection politely (ftp's, smtp's or pop3's QUIT,
 * imap's LOGOUT) and waits for the answer while every other transfer
 * stands still: a server that never answers QUIT would hold up the round,
 * and even prompt answers, one after the other, cost seconds. So a
 * connection that served its check well stays in the multi handle's cache
 * until the batch ends, and a connect-only check's is the easy handle's;
 * either way its socket is shut down before libcurl closes it, and the
 * goodbye fails at once.
 */
#include "check_impl.h"

#include <ctype.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <curl/curl.h>

#include "rangectl/cidr.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

#define CURL_MAX_PATH 2048

/* What smtp sends when the check names a recipient. */
static const char smtp_message[] =
	"Subject: rangectl service check\r\n"
	"\r\n"
	"rangectl checks that this server takes mail.\r\n";

/* One transfer: all it owns is given back by slot_clear(). */
struct curl_slot {
	struct check_probe *probe;	/* borrowed; NULL when free */
	CURL *easy;
	char *url;
	struct curl_slist *rcpt;	/* smtp: the recipient */
	size_t sent;			/* smtp: bytes of the message read */
	char *answer;			/* at most CHECK_MAX_ANSWER bytes */
	size_t len, alloc, searched;
	bool found;	/* expect_body seen: stopped on purpose */
	bool capped;	/* CHECK_MAX_ANSWER reached: stopped on purpose */
	double start;
	char error[CURL_ERROR_SIZE];
};

struct curl_batch {
	CURLM *multi;
	int epfd;			/* libcurl's sockets, as it asks */
	double timer;			/* when libcurl wants a call; < 0: never */
	int timeout_ms;
	int *fds;			/* the sockets libcurl has open */
	size_t n_fds, fds_alloc;
	struct check_probe **probes;	/* borrowed */
	size_t n, next, active;
	size_t max;	/* transfers in flight at once: check_limit_in_flight() */
	struct curl_slot *slots;	/* max of them */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ready;

static void
curl_init_once(void)
{
	curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

bool
check_curl_kind(int kind)
{
	switch (kind) {
	case CHECK_HTTP: case CHECK_HTTPS: case CHECK_FTP: case CHECK_SMTP:
	case CHECK_IMAP: case CHECK_POP3: case CHECK_LDAP:
		return true;
	default:
		return false;
	}
}

static bool
kind_is_web(int kind)
{
	return kind == CHECK_HTTP || kind == CHECK_HTTPS;
}

/* Only the greeting, the hello or capabilities, and the login if any. */
static bool
probe_connect_only(const struct check_probe *p)
{
	return p->kind == CHECK_IMAP || p->kind == CHECK_POP3 ||
	    (p->kind == CHECK_SMTP && (p->to == NULL || p->to[0] == '\0'));
}

static void
slot_clear(struct curl_batch *b, struct curl_slot *s)
{
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (s->easy != NULL) {
		/* A connect-only check owns its connection: see the top. */
		if (curl_easy_getinfo(s->easy, CURLINFO_ACTIVESOCKET, &fd) ==
		    CURLE_OK && fd != CURL_SOCKET_BAD)
			shutdown(fd, SHUT_RDWR);
		curl_multi_remove_handle(b->multi, s->easy);
		curl_easy_cleanup(s->easy);	/* closes its connection */
	}
	curl_slist_free_all(s->rcpt);
	free(s->url);
	free(s->answer);
	memset(s, 0, sizeof(*s));
}

static void __attribute__((format(printf, 2, 3)))
slot_reason(struct curl_slot *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->probe->reason, sizeof(s->probe->reason), fmt, ap);
	va_end(ap);
}

/* A path goes into the request as it is, so it must be plain. */
static bool
path_ok(const char *path)
{
	if (path[0] != '/' || strlen(path) > CURL_MAX_PATH)
		return false;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/* The URL of a probe, or NULL with the reason set. Caller frees. */
static char *
slot_url(struct curl_slot *s)
{
	static const char *const schemes[] = {
		[CHECK_HTTP] = "http", [CHECK_HTTPS] = "https",
		[CHECK_FTP] = "ftp", [CHECK_SMTP] = "smtp",
		[CHECK_IMAP] = "imap", [CHECK_POP3] = "pop3",
		[CHECK_LDAP] = "ldap",
	};
	const struct check_probe *p = s->probe;
	const char *path = p->path ? p->path : "/";
	char host[IPV4_TEXT], *base, *filter, *url;

	ipv4_format(p->addr, host);
	if (p->kind != CHECK_LDAP) {
		if (!path_ok(path)) {
			slot_reason(s, "path '%.64s' is not a valid request path",
			    path);
			return NULL;
		}
		/* smtp, imap and pop3 take no path: theirs is "/". */
		return xasprintf("%s://%s:%d%s", schemes[p->kind], host,
		    p->port, kind_is_web(p->kind) || p->kind == CHECK_FTP ?
		    path : "/");
	}
	/* ldap://host:port/BASE?1.1?SCOPE?FILTER, "1.1" for no attribute. */
	base = curl_easy_escape(NULL, p->base ? p->base : "", 0);
	filter = curl_easy_escape(NULL, p->filter ? p->filter : "", 0);
	if (base == NULL || filter == NULL)
		url = NULL;
	else if (p->filter && p->filter[0])
		url = xasprintf("ldap://%s:%d/%s?1.1?sub?%s", host, p->port,
		    base, filter);
	else
		url = xasprintf("ldap://%s:%d/%s?1.1?base", host, p->port, base);
	curl_free(base);
	curl_free(filter);
	if (url == NULL)
		slot_reason(s, "cannot encode the ldap search");
	return url;
}

/* Searches only what is new, plus a match's length back for straddles. */
static bool
slot_answer_has(struct curl_slot *s, const char *want)
{
	size_t wlen = strlen(want);
	size_t from = s->searched >= wlen ? s->searched - wlen + 1 : 0;

	s->searched = s->len;
	return memmem(s->answer + from, s->len - from, want, wlen) != NULL;
}

/* Keeps the answer up to the cap; stops the transfer once it is decided. */
static size_t
slot_write(char *data, size_t size, size_t count, void *arg)
{
	struct curl_slot *s = arg;
	const char *want = s->probe->expect_body;
	size_t n = size * count, room;

	room = CHECK_MAX_ANSWER - s->len;
	if (n > room)
		n = room;
	xgrow(&s->answer, &s->alloc, s->len + n + 1, 1);
	memcpy(s->answer + s->len, data, n);
	s->len += n;
	if (want != NULL && want[0] != '\0' && slot_answer_has(s, want)) {
		s->found = true;
		return 0;	/* decided: libcurl stops with a write error */
	}
	if (s->len == CHECK_MAX_ANSWER) {
		s->capped = true;
		return 0;
	}
	return size * count;
}

/* smtp's message, when a recipient is named. */
static size_t
slot_read(char *buf, size_t size, size_t count, void *arg)
{
	struct curl_slot *s = arg;
	size_t n = size * count, left = sizeof(smtp_message) - 1 - s->sent;

	if (n > left)
		n = left;
	memcpy(buf, smtp_message + s->sent, n);
	s->sent += n;
	return n;
}

/* Every socket libcurl opens is known, to shut it down at the end. */
static curl_socket_t
batch_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct curl_batch *b = arg;
	int fd;

	(void)purpose;
	fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
	if (fd < 0)
		return CURL_SOCKET_BAD;
	xgrow(&b->fds, &b->fds_alloc, b->n_fds + 1, sizeof(*b->fds));
	b->fds[b->n_fds++] = fd;
	return fd;
}

static int
batch_close_socket(void *arg, curl_socket_t fd)
{
	struct curl_batch *b = arg;

	for (size_t i = 0; i < b->n_fds; i++) {
		if (b->fds[i] == fd) {
			b->fds[i] = b->fds[--b->n_fds];
			break;
		}
	}
	return close(fd);
}

/* The options every transfer shares: no proxy, no reuse, no signals. */
static void
easy_common(struct curl_batch *b, struct curl_slot *s)
{
	CURL *e = s->easy;

	curl_easy_setopt(e, CURLOPT_PRIVATE, s);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->error);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, batch_open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, b);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, batch_close_socket);
	curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, b);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)b->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)b->timeout_ms);
	/* Bounds a goodbye too, should one ever wait for its answer. */
	curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT,
	    (long)(b->timeout_ms + 999) / 1000);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, slot_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "rangectl-check");
}

/* The options of the probe's kind. */
static int
easy_kind(struct curl_slot *s)
{
	const struct check_probe *p = s->probe;
	CURL *e = s->easy;

	if (curl_easy_setopt(e, CURLOPT_URL, s->url) != CURLE_OK) {
		slot_reason(s, "libcurl refused the check's URL");
		return -1;
	}
	if (p->user != NULL && p->user[0] != '\0') {
		curl_easy_setopt(e, CURLOPT_USERNAME, p->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD,
		    p->password ? p->password : "");
	}
	if (p->kind == CHECK_HTTPS && p->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
		/* Nothing to verify against: the trusted CAs are not loaded. */
		curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	if (probe_connect_only(p))
		curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	if (p->kind == CHECK_SMTP && !probe_connect_only(p)) {
		s->rcpt = curl_slist_append(NULL, p->to);
		curl_easy_setopt(e, CURLOPT_MAIL_RCPT, s->rcpt);
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, slot_read);
		curl_easy_setopt(e, CURLOPT_READDATA, s);
		curl_easy_setopt(e, CURLOPT_INFILESIZE,
		    (long)(sizeof(smtp_message) - 1));
	}
	return 0;
}

/* Starts a transfer; on failure the probe has its result already. */
static void
slot_start(struct curl_batch *b, struct curl_slot *s, struct check_probe *p)
{
	*s = (struct curl_slot){ .probe = p, .start = mono_now() };
	if (p->port < 1 || p->port > 65535) {
		slot_reason(s, "port %d is out of range", p->port);
		goto failed;
	}
	s->url = slot_url(s);
	if (s->url == NULL)
		goto failed;
	s->easy = curl_easy_init();
	if (s->easy == NULL) {
		slot_reason(s, "libcurl cannot start a transfer");
		goto failed;
	}
	easy_common(b, s);
	if (easy_kind(s) < 0)
		goto failed;
	if (curl_multi_add_handle(b->multi, s->easy) != CURLM_OK) {
		slot_reason(s, "libcurl cannot add a transfer");
		goto failed;
	}
	b->active++;
	return;
failed:
	p->seconds = mono_now() - s->start;
	slot_clear(b, s);
}

/* "answer is not SMTP": the protocol's name as it is written. */
static void
slot_not_protocol(struct curl_slot *s)
{
	char name[8];
	size_t i;

	snprintf(name, sizeof(name), "%s", check_kind_name(s->probe->kind));
	for (i = 0; name[i]; i++)
		name[i] = (char)toupper((unsigned char)name[i]);
	if (s->probe->kind == CHECK_HTTPS)
		name[4] = '\0';	/* the answer in TLS is HTTP's */
	slot_reason(s, "answer is not %s", name);
}

/* How far a transfer got before its deadline. */
static void
slot_timed_out(struct curl_slot *s, double secs)
{
	curl_off_t connected = 0, secured = 0;
	long local_port = 0;

	curl_easy_getinfo(s->easy, CURLINFO_CONNECT_TIME_T, &connected);
	curl_easy_getinfo(s->easy, CURLINFO_APPCONNECT_TIME_T, &secured);
	curl_easy_getinfo(s->easy, CURLINFO_LOCAL_PORT, &local_port);
	if (connected == 0 && local_port == 0)
		slot_reason(s, "no connection within %g s", secs);
	else if (s->probe->kind == CHECK_HTTPS && secured == 0)
		slot_reason(s, "no TLS handshake within %g s", secs);
	else
		slot_reason(s, "%s within %g s", s->len > 0 ?
		    "no complete answer" : "no answer", secs);
}

/* What went wrong, in the words the tcp and http checks always used. */
static void
slot_failure(struct curl_batch *b, struct curl_slot *s, CURLcode rc)
{
	double secs = b->timeout_ms / 1000.0;
	long err = 0;
	char buf[96];

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(s->easy, CURLINFO_OS_ERRNO, &err);
		slot_reason(s, "%s", err ? check_reason_errno((int)err, buf,
		    sizeof(buf)) : "no connection");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		slot_timed_out(s, secs);
		break;
	case CURLE_GOT_NOTHING:
		slot_reason(s, "connection closed without an answer");
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_WEIRD_SERVER_REPLY:
		/* libcurl names the mail and ftp servers' codes: keep them. */
		if (kind_is_web(s->probe->kind) || s->error[0] == '\0')
			slot_not_protocol(s);
		else
			slot_reason(s, "%.100s", s->error);
		break;
	case CURLE_RECV_ERROR:
		slot_reason(s, "connection lost before a complete answer");
		break;
	case CURLE_LOGIN_DENIED:
		slot_reason(s, "login denied for user '%.40s'", s->probe->user ?
		    s->probe->user : "");
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		slot_reason(s, "certificate not trusted (verify: false accepts "
		    "any)");
		break;
	case CURLE_SSL_CONNECT_ERROR:
		slot_reason(s, "TLS handshake failed");
		break;
	default:
		/* libcurl's own sentence; the server's words are cut short. */
		slot_reason(s, "%.100s", s->error[0] ? s->error :
		    curl_easy_strerror(rc));
		break;
	}
}

/* The result of a finished transfer. */
static void
slot_done(struct curl_batch *b, struct curl_slot *s, CURLcode rc)
{
	struct check_probe *p = s->probe;
	const char *want = p->expect_body;
	long status = 0, expect = p->expect_status > 0 ? p->expect_status : 200;

	p->seconds = mono_now() - s->start;
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR &&
	    (s->found || s->capped))) {
		slot_failure(b, s, rc);
		return;
	}
	if (kind_is_web(p->kind)) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status != expect) {
			slot_reason(s, "status %ld, expected %ld", status, expect);
			return;
		}
	}
	if (want != NULL && want[0] != '\0' && !s->found) {
		slot_reason(s, "%s lacks '%.60s'%s", kind_is_web(p->kind) ?
		    "body" : "answer", want, s->capped ? " in its first 64 KiB" :
		    "");
		return;
	}
	if (p->kind == CHECK_LDAP && p->filter && p->filter[0] && s->len == 0) {
		slot_reason(s, "no entry matches '%.50s'", p->filter);
		return;
	}
	p->up = true;
	p->reason[0] = '\0';
}

static void
batch_fill(struct curl_batch *b)
{
	for (size_t i = 0; i < b->max && b->next < b->n; i++)
		if (b->slots[i].probe == NULL)
			slot_start(b, &b->slots[i], b->probes[b->next++]);
}

static void
batch_collect(struct curl_batch *b)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(b->multi, &left)) != NULL) {
		struct curl_slot *s = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &s);
		slot_done(b, s, msg->data.result);
		slot_clear(b, s);
		b->active--;
	}
}

/*
 * Ends the transfers whose deadline, counted from their slot_start(),
 * has come; returns the ms until the next one (-1: none). libcurl's own
 * CURLOPT_TIMEOUT_MS counts from the transfer's first step, which comes
 * only after every transfer of the batch has been added, and it expires
 * them on its timer: in a round of a thousand, silent servers held
 * their checks 50 to 80 ms past the timeout.
 */
static int
batch_expire(struct curl_batch *b)
{
	double now = mono_now(), next = -1, limit = b->timeout_ms / 1000.0;

	for (size_t i = 0; i < b->max; i++) {
		struct curl_slot *s = &b->slots[i];
		double due = s->start + limit;

		if (s->probe == NULL)
			continue;
		if (due > now) {
			if (next < 0 || due < next)
				next = due;
			continue;
		}
		s->probe->seconds = now - s->start;
		slot_timed_out(s, limit);
		slot_clear(b, s);
		b->active--;
	}
	return next < 0 ? -1 : (int)((next - now) * 1000.0) + 1;
}

/* libcurl says which events of a socket it waits for. */
static int
batch_socket(CURL *easy, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct curl_batch *b = arg;
	struct epoll_event ev = { .data.fd = fd };

	(void)easy;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(b->epfd, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev.events |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(b->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 &&
	    epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	return 0;
}

/* libcurl says when it next wants to be called whatever the sockets do. */
static int
batch_timer(CURLM *multi, long ms, void *arg)
{
	struct curl_batch *b = arg;

	(void)multi;
	b->timer = ms < 0 ? -1 : mono_now() + ms / 1000.0;
	return 0;
}

/* The ms epoll may wait: until libcurl's timer or a deadline, never long. */
static int
batch_wait_ms(const struct curl_batch *b, int deadline_ms)
{
	double left;
	int wait = 100;

	if (b->timer >= 0) {
		left = (b->timer - mono_now()) * 1000.0;
		wait = left <= 0 ? 0 : left > 100 ? 100 : (int)left + 1;
	}
	return deadline_ms >= 0 && deadline_ms < wait ? deadline_ms : wait;
}

/* Only the sockets with news are looked at: a round of many stays cheap. */
static void
batch_loop(struct curl_batch *b)
{
	struct epoll_event ev[64];
	int running, got;

	for (;;) {
		int due = batch_expire(b);

		batch_fill(b);
		if (b->active == 0 && b->next == b->n)
			break;	/* the last ones may have expired just now */
		got = epoll_wait(b->epfd, ev, (int)ARRAY_SIZE(ev),
		    batch_wait_ms(b, due));
		for (int i = 0; i < got; i++) {
			int flags = 0;

			if (ev[i].events & EPOLLIN)
				flags |= CURL_CSELECT_IN;
			if (ev[i].events & EPOLLOUT)
				flags |= CURL_CSELECT_OUT;
			if (ev[i].events & (EPOLLERR | EPOLLHUP))
				flags |= CURL_CSELECT_ERR;
			curl_multi_socket_action(b->multi, ev[i].data.fd, flags,
			    &running);
		}
		if (b->timer >= 0 && b->timer <= mono_now()) {
			b->timer = -1;
			curl_multi_socket_action(b->multi, CURL_SOCKET_TIMEOUT,
			    0, &running);
		}
		batch_collect(b);
		batch_fill(b);
	}
}

void
check_curl_run(struct check_probe **probes, size_t n, int timeout_ms)
{
	struct curl_batch b = { .timeout_ms = timeout_ms, .probes = probes,
	    .n = n, .timer = -1 };

	pthread_once(&curl_once, curl_init_once);
	b.multi = curl_ready ? curl_multi_init() : NULL;
	b.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b.multi == NULL || b.epfd < 0) {
		if (b.multi != NULL)
			curl_multi_cleanup(b.multi);
		if (b.epfd >= 0)
			close(b.epfd);
		for (size_t i = 0; i < n; i++)
			snprintf(probes[i]->reason, sizeof(probes[i]->reason),
			    "libcurl cannot start");
		return;
	}
	curl_multi_setopt(b.multi, CURLMOPT_SOCKETFUNCTION, batch_socket);
	curl_multi_setopt(b.multi, CURLMOPT_SOCKETDATA, &b);
	curl_multi_setopt(b.multi, CURLMOPT_TIMERFUNCTION, batch_timer);
	curl_multi_setopt(b.multi, CURLMOPT_TIMERDATA, &b);
	/* Never full: a full cache would close a connection politely. */
	curl_multi_setopt(b.multi, CURLMOPT_MAXCONNECTS, (long)n + 1);
	b.max = check_limit_in_flight(n);
	b.slots = xcalloc(b.max, sizeof(*b.slots));
	batch_loop(&b);
	for (size_t i = 0; i < b.n_fds; i++)
		shutdown(b.fds[i], SHUT_RDWR);
	curl_multi_cleanup(b.multi);
	close(b.epfd);
	free(b.slots);
	free(b.fds);
}
