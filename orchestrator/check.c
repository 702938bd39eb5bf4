/*
 * check.c: a batch of checks split by kind; tcp checks on non-blocking
 * sockets and epoll, while libcurl's kinds, dns, ssh and icmp run on
 * threads of their own.
 *
 * The tcp batch keeps up to check_limit_in_flight() slots busy; each slot owns
 * its socket, and gives it back when its probe gets a result.
 */
#include "check_impl.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
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

#include "rangectl/scenario.h"
#include "rangectl/util.h"

struct check_slot {
	struct check_probe *probe;	/* NULL when the slot is free */
	int fd;
	double start;
};

struct check_batch {
	int epfd;
	int timeout_ms;
	struct check_probe **probes;	/* borrowed */
	size_t n, next, active;
	size_t max;	/* sockets in flight at once: check_limit_in_flight() */
	struct check_slot *slots;	/* max of them */
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

static void
slot_fail_errno(struct check_batch *b, struct check_slot *s, int err)
{
	char buf[96];

	slot_fail(b, s, "%s", check_reason_errno(err, buf, sizeof(buf)));
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
	if (p->kind != CHECK_TCP) {
		slot_fail(b, s, "kind %d is not a network check", p->kind);
		return;
	}
	if (p->port < 1 || p->port > 65535) {
		slot_fail(b, s, "port %d is out of range", p->port);
		return;
	}
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
	slot_finish(b, s, true);
}

static void
slot_event(struct check_batch *b, struct check_slot *s)
{
	/* An earlier event of the same wait may have finished it. */
	if (s->probe)
		slot_connected(b, s);
}

static void
slot_expire(struct check_batch *b, struct check_slot *s)
{
	slot_fail(b, s, "no connection within %g s", b->timeout_ms / 1000.0);
}

/* Expires what is due; returns the ms until the next deadline. */
static int
batch_expire(struct check_batch *b)
{
	double now = mono_now(), next = -1;

	for (size_t i = 0; i < b->max; i++) {
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
	for (size_t i = 0; i < b->max && b->next < b->n; i++)
		if (!b->slots[i].probe)
			slot_start(b, &b->slots[i], b->probes[b->next++]);
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

/* Runs the tcp probes probes[] points at, on the calling thread. */
static void
check_tcp_run(struct check_probe **probes, size_t n, int timeout_ms)
{
	struct check_batch *b;

	if (n == 0)
		return;
	b = xcalloc(1, sizeof(*b));
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epfd < 0) {
		for (size_t i = 0; i < n; i++)
			snprintf(probes[i]->reason, sizeof(probes[i]->reason),
			    "cannot create an epoll instance: %s",
			    strerror(errno));
		goto cleanup;
	}
	b->timeout_ms = timeout_ms;
	b->probes = probes;
	b->n = n;
	b->max = check_limit_in_flight(n);
	b->slots = xcalloc(b->max, sizeof(*b->slots));
	for (size_t i = 0; i < b->max; i++)
		b->slots[i].fd = -1;
	batch_loop(b);
cleanup:
	if (b->epfd >= 0)
		close(b->epfd);
	free(b->slots);
	free(b);
}

/* A part of a batch run by one library, on a thread of its own. */
struct check_part {
	void (*run)(struct check_probe **, size_t, int);
	struct check_probe **probes;
	size_t n;
	int timeout_ms;
	pthread_t thread;
	bool threaded;
};

static void *
check_part_thread(void *arg)
{
	struct check_part *part = arg;

	part->run(part->probes, part->n, part->timeout_ms);
	return NULL;
}

/* The part of parts[] (check_run()'s, in its order) that runs kind. */
static struct check_part *
check_part_of(struct check_part *parts, int kind)
{
	if (check_curl_kind(kind))
		return &parts[0];
	switch (kind) {
	case CHECK_DNS: return &parts[1];
	case CHECK_SSH: return &parts[2];
	case CHECK_ICMP: return &parts[3];
	default: return NULL;
	}
}

/*
 * SIGPIPE is blocked on the batch's threads: libraries write to sockets
 * we may have shut down (OpenLDAP's unbind, after check_curl.c shut the
 * connection to spare the round libcurl's goodbye), and a process that
 * does not ignore SIGPIPE would die of it. Blocked, the write fails with
 * EPIPE; a SIGPIPE left pending for the calling thread is taken before
 * its mask is given back. The batch's threads inherit the mask, and
 * their own pending ones end with them.
 */
static void
check_block_sigpipe(sigset_t *saved)
{
	sigset_t pipe;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, saved);
}

static void
check_restore_sigpipe(const sigset_t *saved)
{
	const struct timespec now = { 0, 0 };
	sigset_t pipe;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	if (!sigismember(saved, SIGPIPE))
		while (sigtimedwait(&pipe, NULL, &now) == SIGPIPE)
			;
	pthread_sigmask(SIG_SETMASK, saved, NULL);
}

void
check_run(struct check_probe *probes, size_t n, int timeout_ms)
{
	struct check_part parts[] = { { .run = check_curl_run },
	    { .run = check_dns_run }, { .run = check_ssh_run },
	    { .run = check_icmp_run } };
	struct check_probe **tcp = xcalloc(n + 1, sizeof(*tcp));
	size_t n_tcp = 0, i;
	sigset_t saved;

	check_block_sigpipe(&saved);
	if (timeout_ms <= 0)
		timeout_ms = 1;
	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		parts[i].probes = xcalloc(n + 1, sizeof(*parts[i].probes));
		parts[i].timeout_ms = timeout_ms;
	}
	for (i = 0; i < n; i++) {
		struct check_part *part = check_part_of(parts, probes[i].kind);

		probes[i].up = false;
		probes[i].seconds = 0;
		snprintf(probes[i].reason, sizeof(probes[i].reason),
		    "not checked");
		if (part != NULL)
			part->probes[part->n++] = &probes[i];
		else
			tcp[n_tcp++] = &probes[i];
	}
	/* Every part starts now and ends within the same timeout. */
	for (i = 0; i < ARRAY_SIZE(parts); i++)
		parts[i].threaded = parts[i].n > 0 && pthread_create(
		    &parts[i].thread, NULL, check_part_thread, &parts[i]) == 0;
	check_tcp_run(tcp, n_tcp, timeout_ms);
	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		if (parts[i].threaded)
			pthread_join(parts[i].thread, NULL);
		else if (parts[i].n > 0)
			check_part_thread(&parts[i]);
		free(parts[i].probes);
	}
	for (i = 0; i < n; i++)
		check_reason_scrub(&probes[i]);
	free(tcp);
	check_restore_sigpipe(&saved);
}
