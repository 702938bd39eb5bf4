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
#include <sys/resource.h>
#include <sys/socket.h>

#include "rangectl/check.h"
#include "../../orchestrator/check_impl.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

#define LOOPBACK 0x7f000001u
#define SERVER_HELD 256

struct server {
	int fd, port, stop[2];
	const char *chunks[3];	/* sent in turn, 30 ms apart; NULL: silent */
	size_t chunk_len[3];	/* 0: strlen */
	bool greets;		/* speaks first, as smtp, imap and pop3 do */
	bool holds;		/* keeps the connection open after its chunks */
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
	if (!s->greets)
		server_read_request(c);
	for (size_t i = 0; i < ARRAY_SIZE(s->chunks) && s->chunks[i]; i++) {
		size_t len = s->chunk_len[i] ? s->chunk_len[i] : strlen(s->chunks[i]);

		if (i > 0)
			usleep(30000);
		if (send(c, s->chunks[i], len, MSG_NOSIGNAL) < 0)
			break;
	}
	if (s->holds && s->nheld < SERVER_HELD)
		s->held[s->nheld++] = c;
	else
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

/*
 * Every probe of a kind starts at once when the limit of open files has
 * room for it (a probe waiting for a slot ends late: bench/engine's
 * round), and never fewer than CHECK_MAX_SOCKETS when it has not.
 */
TEST(in_flight_follows_file_limit)
{
	struct rlimit saved, rl;

	if (!CHECK(getrlimit(RLIMIT_NOFILE, &saved) == 0))
		return;
	rl = saved;
	rl.rlim_cur = 1024;
	if (!CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0))
		return;
	CHECK_INT_EQ(check_limit_in_flight(5000), CHECK_MAX_SOCKETS);
	CHECK_INT_EQ(check_limit_in_flight(100), 100);
	CHECK_INT_EQ(check_limit_in_flight(0), 1);
	if (saved.rlim_max == RLIM_INFINITY || saved.rlim_max >= 9024) {
		rl.rlim_cur = 9024;
		CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
		CHECK_INT_EQ(check_limit_in_flight(5000), 1600);
		CHECK_INT_EQ(check_limit_in_flight(1000), 1000);
	}
	setrlimit(RLIMIT_NOFILE, &saved);
}

/* smtp without a recipient: the banner and EHLO's answer make it up. */
TEST(smtp_banner)
{
	struct server ok = { .greets = true, .chunks = { "220 mx ESMTP\r\n",
	    "250 mx\r\n" } };
	struct server busy = { .greets = true, .chunks = {
	    "554 mx no service\r\n" } };
	struct server mute = { .chunks = { NULL } };
	struct check_probe p[4];

	if (!CHECK(server_start(&ok) && server_start(&busy) &&
	    server_start(&mute)))
		return;
	p[0] = probe(CHECK_SMTP, ok.port, NULL);
	p[1] = probe(CHECK_SMTP, busy.port, NULL);
	p[2] = probe(CHECK_SMTP, mute.port, NULL);
	p[3] = probe(CHECK_SMTP, closed_port(), NULL);
	check_run(p, ARRAY_SIZE(p), 500);
	CHECK(p[0].up);
	CHECK_STR_EQ(p[0].reason, "");
	CHECK(!p[1].up);
	printf("# smtp 554: %s\n", p[1].reason);
	CHECK(strstr(p[1].reason, "554") != NULL);
	CHECK(!p[2].up);
	CHECK_STR_EQ(p[2].reason, "no answer within 0.5 s");
	CHECK_STR_EQ(p[3].reason, "connection refused");
	server_stop(&ok);
	server_stop(&busy);
	server_stop(&mute);
}

/*
 * pop3 and imap greet; a server of another protocol is not mistaken. (An
 * imap server must echo libcurl's tags, so tests/checks has the up case.)
 */
TEST(mail_greetings)
{
	struct server pop = { .greets = true, .chunks = { "+OK ready\r\n",
	    "-ERR no CAPA\r\n" } };
	struct server imap = { .greets = true, .chunks = {
	    "* BYE too busy\r\n" } };
	struct server ssh = { .greets = true, .chunks = {
	    "SSH-2.0-OpenSSH_9.2\r\n" } };
	struct check_probe p[4];

	if (!CHECK(server_start(&pop) && server_start(&imap) &&
	    server_start(&ssh)))
		return;
	p[0] = probe(CHECK_POP3, pop.port, NULL);
	p[1] = probe(CHECK_IMAP, imap.port, NULL);
	p[2] = probe(CHECK_POP3, ssh.port, NULL);
	p[3] = probe(CHECK_IMAP, ssh.port, NULL);
	check_run(p, ARRAY_SIZE(p), 1000);
	CHECK(p[0].up);
	CHECK(!p[1].up);
	printf("# imap BYE: %s\n", p[1].reason);
	printf("# pop3 and imap against ssh: '%s', '%s'\n", p[2].reason,
	    p[3].reason);
	CHECK(!p[2].up);
	CHECK(!p[3].up);
	CHECK_STR_EQ(p[2].reason, "connection lost before a complete answer");
	server_stop(&pop);
	server_stop(&imap);
	server_stop(&ssh);
}

/* A password never shows in a reason, wherever it turns up. */
TEST(reason_scrubbed)
{
	struct check_probe p = { .password = "s3cret" };

	snprintf(p.reason, sizeof(p.reason), "login s3cret refused: s3crets3cret");
	check_reason_scrub(&p);
	CHECK_STR_EQ(p.reason, "login *** refused: ******");
	p.password = "";
	check_reason_scrub(&p);
	CHECK_STR_EQ(p.reason, "login *** refused: ******");
	/* Shorter than the mark, or inside it: no overflow, no endless loop. */
	memset(p.reason, 'x', sizeof(p.reason) - 1);
	p.reason[sizeof(p.reason) - 1] = '\0';
	p.password = "x";
	check_reason_scrub(&p);
	CHECK_INT_EQ(strlen(p.reason), sizeof(p.reason) - 1);
	CHECK(strchr(p.reason, 'x') == NULL);
	p.password = "*";
	check_reason_scrub(&p);
	CHECK(strchr(p.reason, 'x') == NULL);
	/* A reason cut inside the password keeps none of it. */
	memset(p.reason, 'a', sizeof(p.reason) - 1);
	memcpy(p.reason + sizeof(p.reason) - 4, "s3c", 3);
	p.password = "s3cret";
	check_reason_scrub(&p);
	CHECK(strstr(p.reason, "s3c") == NULL);
}

/* Every kind, each with its own deadline, at once: one timeout in all. */
TEST(kinds_at_once)
{
	struct server mute = { .chunks = { NULL } };
	static const int kinds[] = { CHECK_TCP, CHECK_HTTP, CHECK_HTTPS,
	    CHECK_FTP, CHECK_SMTP, CHECK_IMAP, CHECK_POP3, CHECK_LDAP };
	struct check_probe p[ARRAY_SIZE(kinds)];
	double t;

	if (!CHECK(server_start(&mute)))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		p[i] = probe(kinds[i], mute.port, NULL);
		/* Loading the trusted CAs would hold the loop (round.md). */
		p[i].insecure = true;
	}
	t = now();
	check_run(p, ARRAY_SIZE(p), 400);
	t = now() - t;
	printf("# %zu kinds to a silent server, 400 ms timeout: %.3f s\n",
	    ARRAY_SIZE(kinds), t);
	CHECK(t >= 0.39 && t < 0.7);
	CHECK(p[0].up);
	for (size_t i = 1; i < ARRAY_SIZE(kinds); i++) {
		CHECK(!p[i].up);
		CHECK_STR_EQ(p[i].reason, kinds[i] == CHECK_HTTPS ?
		    "no TLS handshake within 0.4 s" : "no answer within 0.4 s");
	}
	server_stop(&mute);
}

/*
 * smtp with a recipient, to a server that takes the message and then
 * never answers QUIT: the check is up at once, and the goodbye holds up
 * neither it nor the others (libcurl waits for QUIT's answer otherwise).
 */
TEST(smtp_mail_quit_unanswered)
{
	struct server s = { .greets = true, .holds = true, .chunks = {
	    "220 mx ESMTP\r\n", "250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n",
	    "250 queued\r\n" } };
	struct check_probe p[3];
	double t;

	if (!CHECK(server_start(&s)))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = probe(CHECK_SMTP, s.port, NULL);
		p[i].to = "ops@ro.example";
	}
	t = now();
	check_run(p, ARRAY_SIZE(p), 2000);
	t = now() - t;
	printf("# 3 smtp mails, QUIT unanswered, 2 s timeout: %.3f s\n", t);
	for (size_t i = 0; i < ARRAY_SIZE(p); i++) {
		CHECK(p[i].up);
		CHECK_STR_EQ(p[i].reason, "");
	}
	CHECK(t < 1.0);
	server_stop(&s);
}

/*
 * A DNS server on a UDP loopback port: every A question gets 10.1.1.10,
 * a name starting with "nx" gets NXDOMAIN, one with "mute" no answer.
 */
struct dns_server {
	int fd, port, stop[2];
	pthread_t thread;
};

static void
dns_server_answer(int fd, unsigned char *q, ssize_t len,
    const struct sockaddr_in *from)
{
	static const unsigned char answer[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0,
	    0, 60, 0, 4, 10, 1, 1, 10 };
	unsigned char out[600];
	bool nx = len > 13 && memcmp(q + 13, "nx", 2) == 0;

	if (len < 17 || len + sizeof(answer) > sizeof(out) ||
	    (len > 13 && memcmp(q + 13, "mute", 4) == 0))
		return;
	memcpy(out, q, (size_t)len);
	out[2] = 0x81;
	out[3] = nx ? 0x83 : 0x80;
	out[7] = nx ? 0 : 1;	/* answer count */
	if (!nx)
		memcpy(out + len, answer, sizeof(answer));
	(void)!sendto(fd, out, (size_t)len + (nx ? 0 : sizeof(answer)), 0,
	    (const struct sockaddr *)from, sizeof(*from));
}

static void *
dns_server_loop(void *arg)
{
	struct dns_server *d = arg;
	struct pollfd pfd[2] = { { .fd = d->fd, .events = POLLIN },
				 { .fd = d->stop[0], .events = POLLIN } };

	while (poll(pfd, 2, -1) >= 0 && !(pfd[1].revents & POLLIN)) {
		unsigned char q[512];
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t r = recvfrom(d->fd, q, sizeof(q), 0,
		    (struct sockaddr *)&from, &flen);

		if (r > 0)
			dns_server_answer(d->fd, q, r, &from);
	}
	return NULL;
}

static bool
dns_server_start(struct dns_server *d)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);

	sa.sin_addr.s_addr = htonl(LOOPBACK);
	d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (d->fd < 0 || bind(d->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(d->fd, (struct sockaddr *)&sa, &len) < 0 ||
	    pipe(d->stop) < 0)
		return false;
	d->port = ntohs(sa.sin_port);
	return pthread_create(&d->thread, NULL, dns_server_loop, d) == 0;
}

static void
dns_server_stop(struct dns_server *d)
{
	if (write(d->stop[1], "x", 1) != 1)
		return;
	pthread_join(d->thread, NULL);
	close(d->stop[0]);
	close(d->stop[1]);
	close(d->fd);
}

static struct check_probe
dns_probe(int port, const char *query, const char *expect)
{
	return (struct check_probe){ .addr = LOOPBACK, .port = port,
	    .kind = CHECK_DNS, .query = query, .dns_type = DNS_A,
	    .expect = expect };
}

TEST(dns_answers)
{
	struct dns_server d;
	struct check_probe p[6];
	int before = count_fds();
	double t;

	if (!CHECK(dns_server_start(&d)))
		return;
	p[0] = dns_probe(d.port, "www.ro.example", "10.1.1.10");
	p[1] = dns_probe(d.port, "www.ro.example", NULL);
	p[2] = dns_probe(d.port, "www.ro.example", "10.1.1.11");
	p[3] = dns_probe(d.port, "nx.ro.example", NULL);
	p[4] = dns_probe(d.port, "mute.ro.example", NULL);
	p[5] = dns_probe(d.port, "www.ro.example", NULL);
	p[5].dns_type = DNS_MX;
	t = now();
	check_run(p, ARRAY_SIZE(p), 400);
	t = now() - t;
	printf("# dns, one silent, 400 ms timeout: %.3f s\n", t);
	CHECK(t < 0.7);
	CHECK(p[0].up);
	CHECK(p[1].up);
	CHECK_STR_EQ(p[2].reason, "no A record of 'www.ro.example' is "
	    "'10.1.1.11' (one is '10.1.1.10')");
	CHECK_STR_EQ(p[3].reason, "no such name 'nx.ro.example'");
	CHECK_STR_EQ(p[4].reason, "no answer within 0.4 s");
	/* The server's A answer to an MX question holds no MX record. */
	CHECK(!p[5].up);
	printf("# MX asked, A answered: %s\n", p[5].reason);
	dns_server_stop(&d);
	CHECK_INT_EQ(count_fds(), before);
}
