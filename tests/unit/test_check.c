/*
 * test_check.c: service checks against small servers on 127.0.0.1 only.
 *
 * Each server is a thread with a listening socket on an ephemeral loopback
 * port; server_stop() ends it and closes every descriptor it opened.
 */
#include "harness.h"

#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "rangectl/check.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

#define LOOPBACK 0x7f000001u
#define SERVER_HELD 256

struct server {
	int fd, port, stop[2];
	const char *chunks[3];	/* sent in turn, 30 ms apart; NULL: silent */
	size_t chunk_len[3];	/* 0: strlen */
	int held[SERVER_HELD];	/* silent: connections kept open */
	size_t nheld;
	pthread_t thread;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Reads the request until its blank line, for at most a second. */
static void
server_read_request(int c)
{
	char buf[2048];
	size_t len = 0;
	struct pollfd pfd = { .fd = c, .events = POLLIN };

	while (len < sizeof(buf) - 1 && poll(&pfd, 1, 1000) > 0) {
		ssize_t r = recv(c, buf + len, sizeof(buf) - 1 - len, 0);

		if (r <= 0)
			return;
		len += (size_t)r;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			return;
	}
}

static void
server_answer(struct server *s, int c)
{
	server_read_request(c);
	for (size_t i = 0; i < ARRAY_SIZE(s->chunks) && s->chunks[i]; i++) {
		size_t len = s->chunk_len[i] ? s->chunk_len[i] : strlen(s->chunks[i]);

		if (i > 0)
			usleep(30000);
		if (send(c, s->chunks[i], len, MSG_NOSIGNAL) < 0)
			break;
	}
	close(c);
}

static void *
server_loop(void *arg)
{
	struct server *s = arg;
	struct pollfd pfd[2] = { { .fd = s->fd, .events = POLLIN },
				 { .fd = s->stop[0], .events = POLLIN } };

	while (poll(pfd, 2, -1) >= 0 && !(pfd[1].revents & POLLIN)) {
		int c = accept(s->fd, NULL, NULL);

		if (c < 0)
			continue;
		if (s->chunks[0])
			server_answer(s, c);
		else if (s->nheld < SERVER_HELD)
			s->held[s->nheld++] = c;
		else
			close(c);
	}
	return NULL;
}

static int
listen_loopback(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 512) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static bool
server_start(struct server *s)
{
	s->fd = listen_loopback(&s->port);
	if (s->fd < 0 || pipe(s->stop) < 0)
		return false;
	return pthread_create(&s->thread, NULL, server_loop, s) == 0;
}

static void
server_stop(struct server *s)
{
	if (write(s->stop[1], "x", 1) != 1)
		return;
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->nheld; i++)
		close(s->held[i]);
	close(s->stop[0]);
	close(s->stop[1]);
	close(s->fd);
}

/* A port that refuses: bound, then closed. */
static int
closed_port(void)
{
	int port = 0, fd = listen_loopback(&port);

	if (fd >= 0)
		close(fd);
	return port;
}

static struct check_probe
probe(int kind, int port, const char *body)
{
	return (struct check_probe){ .addr = LOOPBACK, .port = port,
	    .kind = kind, .path = "/index.html", .expect_body = body };
}

static const char ok_answer[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<h1>Welcome</h1>\n";

TEST(http_statuses)
{
	struct server ok = { .chunks = { ok_answer } };
	struct server err = { .chunks = { "HTTP/1.0 500 Oops\r\n\r\nbroken" } };
	struct server junk = { .chunks = { "SSH-2.0-OpenSSH_9.2\r\n" } };
	struct check_probe p[5];

	if (!CHECK(server_start(&ok) && server_start(&err) && server_start(&junk)))
		return;
	p[0] = probe(CHECK_HTTP, ok.port, "Welcome");
	p[1] = probe(CHECK_HTTP, ok.port, "Goodbye");
	p[2] = probe(CHECK_HTTP, err.port, NULL);
	p[3] = probe(CHECK_HTTP, junk.port, NULL);
	p[4] = probe(CHECK_HTTP, closed_port(), NULL);
	check_run(p, ARRAY_SIZE(p), 2000);
	CHECK(p[0].up);
	CHECK_STR_EQ(p[0].reason, "");
	CHECK_STR_EQ(p[1].reason, "body lacks 'Goodbye'");
	CHECK_STR_EQ(p[2].reason, "status 500, expected 200");
	CHECK_STR_EQ(p[3].reason, "answer is not HTTP");
	CHECK_STR_EQ(p[4].reason, "connection refused");
	for (size_t i = 1; i < ARRAY_SIZE(p); i++)
		CHECK(!p[i].up);
	server_stop(&ok);
	server_stop(&err);
	server_stop(&junk);
}

/* The match straddles two writes, and the body holds a NUL before it. */
static const char straddle_body[] = "abc\0de Wel";

TEST(http_body_straddles)
{
	struct server s = { .chunks = { "HTTP/1.0 200 OK\r\n\r\n", straddle_body,
	    "come home" }, .chunk_len = { 0, sizeof(straddle_body) - 1, 0 } };
	struct check_probe p[2];

	if (!CHECK(server_start(&s)))
		return;
	p[0] = probe(CHECK_HTTP, s.port, "Welcome");
	p[1] = probe(CHECK_HTTP, s.port, "de Wel");
	check_run(p, ARRAY_SIZE(p), 2000);
	CHECK(p[0].up);
	CHECK(p[1].up);
	server_stop(&s);
}

TEST(timeout_honoured)
{
	struct server s = { .chunks = { NULL } };
	struct check_probe p[2];
	double t;

	if (!CHECK(server_start(&s)))
		return;
	p[0] = probe(CHECK_HTTP, s.port, NULL);
	p[1] = probe(CHECK_TCP, s.port, NULL);
	t = now();
	check_run(p, ARRAY_SIZE(p), 300);
	t = now() - t;
	printf("# silent server, 300 ms timeout: %.3f s\n", t);
	CHECK(t >= 0.29 && t < 0.6);
	CHECK(!p[0].up);
	CHECK_STR_EQ(p[0].reason, "no answer within 0.3 s");
	CHECK(p[1].up);
	server_stop(&s);
}

TEST(tcp_up_down)
{
	struct server s = { .chunks = { NULL } };
	struct check_probe p[3];

	if (!CHECK(server_start(&s)))
		return;
	p[0] = probe(CHECK_TCP, s.port, NULL);
	p[1] = probe(CHECK_TCP, closed_port(), NULL);
	p[2] = probe(CHECK_TCP, 0, NULL);
	check_run(p, ARRAY_SIZE(p), 1000);
	CHECK(p[0].up);
	CHECK(!p[1].up);
	CHECK_STR_EQ(p[1].reason, "connection refused");
	CHECK_STR_EQ(p[2].reason, "port 0 is out of range");
	server_stop(&s);
}

TEST(many_at_once_no_leak)
{
	int before = count_fds(), up = 0;
	struct server ok = { .chunks = { ok_answer } };
	struct server mute = { .chunks = { NULL } };
	struct check_probe *p = xcalloc(200, sizeof(*p));
	double t;

	if (!CHECK(server_start(&ok) && server_start(&mute)))
		goto cleanup;
	for (int i = 0; i < 200; i++)
		p[i] = probe(CHECK_HTTP, i % 4 ? ok.port : mute.port, "Welcome");
	t = now();
	check_run(p, 200, 500);
	t = now() - t;
	printf("# 200 probes, 50 silent, 500 ms timeout: %.3f s\n", t);
	CHECK(t < 0.9);
	for (int i = 0; i < 200; i++)
		up += p[i].up;
	CHECK_INT_EQ(up, 150);
	server_stop(&ok);
	server_stop(&mute);
	CHECK_INT_EQ(count_fds(), before);
cleanup:
	free(p);
}

/* 100 KiB of body without the match: read is cut at 64 KiB, not hung. */
TEST(answer_capped)
{
	char *big = xmalloc(100 * 1024 + 1);
	struct server s = { .chunks = { "HTTP/1.0 200 OK\r\n\r\n", big } };
	struct check_probe p;

	memset(big, 'x', 100 * 1024);
	big[100 * 1024] = '\0';
	if (!CHECK(server_start(&s)))
		goto cleanup;
	p = probe(CHECK_HTTP, s.port, "Welcome");
	check_run(&p, 1, 2000);
	CHECK(!p.up);
	CHECK_STR_EQ(p.reason, "body lacks 'Welcome' in its first 64 KiB");
	server_stop(&s);
cleanup:
	free(big);
}

/* More probes than CHECK_MAX_SOCKETS: slots are reused; bad paths refused. */
TEST(more_than_cap)
{
	struct server s = { .chunks = { NULL } };
	size_t n = CHECK_MAX_SOCKETS + 88, up = 0;
	struct check_probe *p = xcalloc(n, sizeof(*p));
	double t;

	if (!CHECK(server_start(&s)))
		goto cleanup;
	for (size_t i = 0; i < n; i++)
		p[i] = probe(CHECK_TCP, s.port, NULL);
	p[0].kind = CHECK_HTTP;
	p[0].path = "/a b";
	t = now();
	check_run(p, n, 1000);
	t = now() - t;
	printf("# %zu tcp probes: %.3f s\n", n, t);
	for (size_t i = 0; i < n; i++)
		up += p[i].up;
	CHECK_INT_EQ(up, n - 1);
	CHECK_STR_EQ(p[0].reason, "path '/a b' is not a valid request path");
	server_stop(&s);
cleanup:
	free(p);
}
