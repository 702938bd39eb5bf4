/*
 * bench/sse_client.c: many live-event clients of `rangectl run` at once,
 * and how long a score change takes to reach the last of them.
 *
 *	sse_client ADDR PORT CLIENTS REPEATS PID CONTROL_TOKEN TOKEN...
 *
 * Opens CLIENTS connections to GET /api/v1/events?token=T (the TOKENs in
 * turn, so that the server serves several audiences), held in one epoll
 * loop, and waits until each has had its first `event: score`. Then, REPEATS
 * times: takes the time, sends POST /api/v1/adjustments as the controller
 * (on a connection opened before), and waits until every client has had
 * one more `event: score`. Reads VmRSS and VmHWM of process PID (the
 * server) with every client connected. Streams are read as a browser would:
 * HTTP/1.1, chunked or not, lines split anywhere.
 *
 * Prints, for bench/http to read:
 *	connected N CLIENTS MS
 *	memory VMRSS_KB VMHWM_KB
 *	latency LAST_MS MEDIAN_MS FIRST_MS ANSWER_MS	(one line per repeat)
 * Exits 1 when a client is refused, cut, or misses an event for 10 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 20000
#define HEADER_MAX 4096
#define LINE_KEEP 16	/* bytes kept of each line: enough for "event: score" */
#define WAIT_SECONDS 10.0

enum { CHUNK_SIZE, CHUNK_EXT, CHUNK_DATA, CHUNK_CRLF, CHUNK_END };

struct client {
	int fd;
	char *request;
	size_t request_len, sent;
	bool headers_done, chunked;
	char header[HEADER_MAX];
	size_t header_len;
	int chunk_state;
	size_t chunk_left;
	char line[LINE_KEEP];
	size_t line_len;
	bool line_long;
	unsigned scores;	/* `event: score` seen */
	double score_at;	/* when the last one was read */
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
die(const char *what)
{
	fprintf(stderr, "sse_client: %s\n", what);
	exit(1);
}

static int
compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
raise_nofile(unsigned need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need + 16)
		die("too few file descriptors for the clients (RLIMIT_NOFILE)");
}

/*
 * A client socket connected to sin. On loopback, the i-th comes from
 * 127.0.0.(2 + i / 200): the server takes at most 256 connections from
 * one address, and a thousand dashboards are a thousand machines.
 */
static int
open_socket(const struct sockaddr_in *sin, bool nonblocking, size_t i)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblocking ? SOCK_NONBLOCK : 0), 0), one = 1;
	struct sockaddr_in from = { .sin_family = AF_INET };

	if (fd < 0)
		die("cannot make a socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ntohl(sin->sin_addr.s_addr) == INADDR_LOOPBACK) {
		from.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 +
		    (uint32_t)(i / 200));
		if (bind(fd, (const struct sockaddr *)&from, sizeof(from)) < 0)
			die("cannot bind to a loopback address");
	}
	if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) < 0 &&
	    errno != EINPROGRESS)
		die("cannot connect to the server");
	return fd;
}

/* One byte of event stream: counts the lines that are `event: score`. */
static void
sse_byte(struct client *c, char ch, double t)
{
	if (ch == '\r')
		return;
	if (ch != '\n') {
		if (c->line_len < LINE_KEEP)
			c->line[c->line_len++] = ch;
		else
			c->line_long = true;
		return;
	}
	if (!c->line_long && c->line_len == 12 &&
	    memcmp(c->line, "event: score", 12) == 0) {
		c->scores++;
		c->score_at = t;
	}
	c->line_len = 0;
	c->line_long = false;
}

static int
hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* One byte of the body: through the chunked framing when there is one. */
static void
body_byte(struct client *c, char ch, double t)
{
	if (!c->chunked) {
		sse_byte(c, ch, t);
		return;
	}
	switch (c->chunk_state) {
	case CHUNK_SIZE:
		if (hex_value(ch) >= 0) {
			c->chunk_left = c->chunk_left * 16 + (size_t)hex_value(ch);
			break;
		}
		if (ch == ';' || ch == '\r') {
			c->chunk_state = CHUNK_EXT;
			break;
		}
		/* FALLTHROUGH */
	case CHUNK_EXT:
		if (ch == '\n')
			c->chunk_state = c->chunk_left ? CHUNK_DATA : CHUNK_END;
		break;
	case CHUNK_DATA:
		sse_byte(c, ch, t);
		if (--c->chunk_left == 0)
			c->chunk_state = CHUNK_CRLF;
		break;
	case CHUNK_CRLF:
		if (ch == '\n')
			c->chunk_state = CHUNK_SIZE;
		break;
	default:
		break;
	}
}

/* Response headers, kept until the blank line: a 200 event stream? */
static void
header_byte(struct client *c, char ch)
{
	if (c->header_len + 1 >= HEADER_MAX)
		die("a response's headers are too long");
	c->header[c->header_len++] = ch;
	c->header[c->header_len] = '\0';
	if (c->header_len < 4 || strcmp(c->header + c->header_len - 4,
	    "\r\n\r\n") != 0)
		return;
	if (strncmp(c->header, "HTTP/1.1 200 ", 13) != 0) {
		fprintf(stderr, "sse_client: the server answered: %.*s\n",
		    (int)strcspn(c->header, "\r"), c->header);
		exit(1);
	}
	c->chunked = strcasestr(c->header, "\r\ntransfer-encoding: chunked") !=
	    NULL;
	c->headers_done = true;
}

/* Reads what c has; returns -1 when the server closed it. */
static int
client_read(struct client *c)
{
	char buf[16384];
	ssize_t n = read(c->fd, buf, sizeof(buf));
	double t = now_ms();
	ssize_t i;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (c->headers_done)
			body_byte(c, buf[i], t);
		else
			header_byte(c, buf[i]);
	}
	return c->chunk_state == CHUNK_END ? -1 : 0;
}

static void
client_write(int ep, struct client *c)
{
	ssize_t n = write(c->fd, c->request + c->sent, c->request_len - c->sent);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	if (n < 0 && errno != EAGAIN && errno != EINTR)
		die("cannot send a request: the connection was refused or cut");
	if (n > 0)
		c->sent += (size_t)n;
	if (c->sent == c->request_len)
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/*
 * Runs the loop until every client has seen `want` score events and, if
 * post is not NULL, the answer to the POST has come (*answered: its time).
 */
static int
pump(int ep, struct client *cl, size_t n, unsigned want, int post,
    double *answered)
{
	struct epoll_event evs[1024];
	double deadline = now_ms() + WAIT_SECONDS * 1e3;
	size_t behind = 0, i;
	int k, m;

	for (;;) {
		for (behind = 0, i = 0; i < n; i++)
			behind += cl[i].scores < want;
		if (behind == 0 && (post < 0 || *answered > 0))
			return 0;
		if (now_ms() > deadline)
			break;
		m = epoll_wait(ep, evs, 1024, 100);
		for (k = 0; k < m; k++) {
			struct client *c = evs[k].data.ptr;

			if (c == NULL) {	/* the POST's answer */
				char buf[512];
				ssize_t r = read(post, buf, sizeof(buf) - 1);

				if (r > 0 && *answered == 0) {
					buf[r] = '\0';
					if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0) {
						fprintf(stderr, "sse_client: the adjustment "
						    "was refused: %.*s\n",
						    (int)strcspn(buf, "\r"), buf);
						exit(1);
					}
					*answered = now_ms();
				}
				if (r <= 0)
					epoll_ctl(ep, EPOLL_CTL_DEL, post, NULL);
			} else if ((evs[k].events & EPOLLOUT) &&
			    c->sent < c->request_len) {
				client_write(ep, c);
			} else if (client_read(c) < 0) {
				die("the server closed an event stream");
			}
		}
	}
	fprintf(stderr, "sse_client: %zu of %zu clients still waited for "
	    "event %u after %.0f s\n", behind, n, want, WAIT_SECONDS);
	return -1;
}

static void
read_memory(long pid, long *rss, long *hwm)
{
	char path[64], line[256];
	FILE *fp;

	*rss = *hwm = -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		die("cannot read the server's /proc/PID/status");
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm = strtol(line + 6, NULL, 10);
	}
	fclose(fp);
}

/* One adjustment; prints its latency line. */
static int
adjust(int ep, const struct sockaddr_in *sin, const char *hostport,
    const char *control, struct client *cl, size_t n, unsigned want)
{
	static const char body[] = "{\"team\":\"md\",\"points\":1,"
	    "\"reason\":\"bench/http\"}";
	char req[1024];
	double t0, answered = 0, *at = malloc(n * sizeof(*at));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	int fd = open_socket(sin, false, 0), len, rc;
	size_t i;

	len = snprintf(req, sizeof(req), "POST /api/v1/adjustments HTTP/1.1\r\n"
	    "Host: %s\r\nAuthorization: Bearer %s\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "\r\n%s", hostport, control, sizeof(body) - 1, body);
	if (at == NULL || len < 0 || (size_t)len >= sizeof(req))
		die("the adjustment does not fit");
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	t0 = now_ms();
	if (write(fd, req, (size_t)len) != len)
		die("cannot send the adjustment");
	rc = pump(ep, cl, n, want, fd, &answered);
	close(fd);
	if (rc == 0) {
		for (i = 0; i < n; i++)
			at[i] = cl[i].score_at - t0;
		qsort(at, n, sizeof(*at), compare);
		printf("latency %.3f %.3f %.3f %.3f\n", at[n - 1], at[n / 2],
		    at[0], answered - t0);
		fflush(stdout);
	}
	free(at);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct client *cl;
	char hostport[64];
	unsigned long n, repeats, r, port;
	long pid, rss, hwm;
	double t0;
	int ep, ntokens;
	size_t i;

	if (argc < 8) {
		fprintf(stderr, "usage: sse_client ADDR PORT CLIENTS REPEATS PID "
		    "CONTROL_TOKEN TOKEN...\n");
		return 2;
	}
	port = strtoul(argv[2], NULL, 10);
	n = strtoul(argv[3], NULL, 10);
	repeats = strtoul(argv[4], NULL, 10);
	pid = strtol(argv[5], NULL, 10);
	ntokens = argc - 7;
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1 || port == 0 ||
	    port > 65535 || n == 0 || n > MAX_CLIENTS || pid <= 0)
		die("bad arguments");
	sin.sin_port = htons((uint16_t)port);
	snprintf(hostport, sizeof(hostport), "%s:%lu", argv[1], port);
	raise_nofile((unsigned)n + 1);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (cl = calloc(n, sizeof(*cl))) == NULL)
		die("out of resources");

	t0 = now_ms();
	for (i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.ptr =
		    &cl[i] };
		char req[512];
		int len = snprintf(req, sizeof(req), "GET /api/v1/events?token=%s "
		    "HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n",
		    argv[7 + i % (size_t)ntokens], hostport);

		if (len < 0 || (size_t)len >= sizeof(req))
			die("a token is too long");
		cl[i].request = strdup(req);
		cl[i].request_len = (size_t)len;
		cl[i].fd = open_socket(&sin, true, i);
		if (cl[i].request == NULL ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, cl[i].fd, &ev) < 0)
			die("out of resources");
	}
	/* Each stream starts with the clock and the scores as they are. */
	if (pump(ep, cl, n, 1, -1, NULL) < 0)
		return 1;
	printf("connected %lu %.1f\n", n, now_ms() - t0);
	fflush(stdout);
	usleep(200000);
	for (r = 0; r < repeats; r++) {
		if (adjust(ep, &sin, hostport, argv[6], cl, n, (unsigned)r + 2) < 0)
			return 1;
		usleep(100000);
	}
	/* After the events, so that their buffers count too. */
	read_memory(pid, &rss, &hwm);
	printf("memory %ld %ld\n", rss, hwm);
	for (i = 0; i < n; i++) {
		close(cl[i].fd);
		free(cl[i].request);
	}
	free(cl);
	close(ep);
	return 0;
}
