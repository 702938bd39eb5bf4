/*
 * check_icmp.c: icmp checks (ping), all at once on the calling thread.
 *
 * Written here rather than taken from a library: an echo request is an
 * 8-byte header that the kernel's ICMP datagram sockets check, number and
 * checksum themselves, and liboping would add blocking name lookups and
 * raw sockets, which need more privilege than a datagram socket.
 *
 * Each probe has an unprivileged ICMP datagram socket (SOCK_DGRAM,
 * IPPROTO_ICMP) connected to its host, so that the kernel hands it only
 * that host's replies, and the host's unreachable errors as errno. Such a
 * socket needs the caller's group within net.ipv4.ping_group_range of the
 * namespace the checks run in; when it is refused, a raw ICMP socket is
 * tried (root's, or CAP_NET_RAW's), whose replies carry the IP header and
 * are told apart by their identifier. A request goes every
 * ICMP_RESEND_MS until a reply or the probe's deadline, so that one lost
 * packet fails no check.
 */
#include "check_impl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

#include "rangectl/util.h"

#define ICMP_MAX_SOCKETS CHECK_MAX_SOCKETS
#define ICMP_RESEND_MS 500

struct ping_slot {
	struct check_probe *probe;	/* borrowed; NULL when free */
	int fd;
	bool raw;	/* a raw socket: replies begin with the IP header */
	uint16_t id, seq;
	double start, sent;
	int err;	/* the last error the host's network sent back */
};

struct ping_batch {
	int timeout_ms;
	struct check_probe **probes;	/* borrowed */
	size_t n, next, active;
	uint16_t next_id;
	struct ping_slot slots[ICMP_MAX_SOCKETS];
};

static void
ping_finish(struct ping_batch *b, struct ping_slot *s, bool up)
{
	s->probe->up = up;
	s->probe->seconds = mono_now() - s->start;
	if (up)
		s->probe->reason[0] = '\0';
	if (s->fd >= 0)
		close(s->fd);
	*s = (struct ping_slot){ .fd = -1 };
	b->active--;
}

/* RFC 1071's checksum, which only a raw socket leaves to its sender. */
static uint16_t
ping_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len == 1)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void
ping_send(struct ping_slot *s)
{
	struct icmphdr h = { .type = ICMP_ECHO };

	h.un.echo.id = htons(s->id);
	h.un.echo.sequence = htons(++s->seq);
	h.checksum = ping_checksum(&h, sizeof(h));
	s->sent = mono_now();
	/* A lost or refused request is retried; the reply decides. */
	if (send(s->fd, &h, sizeof(h), 0) < 0 && errno != EAGAIN)
		s->err = errno;
}

static int
ping_socket(struct ping_slot *s)
{
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMP);
	if (s->fd < 0 && (errno == EACCES || errno == EPERM)) {
		s->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_ICMP);
		s->raw = s->fd >= 0;
		if (s->fd < 0)
			errno = EACCES;
	}
	return s->fd;
}

static void
ping_start(struct ping_batch *b, struct ping_slot *s, struct check_probe *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	*s = (struct ping_slot){ .probe = p, .fd = -1, .start = mono_now(),
	    .id = b->next_id++ };
	b->active++;
	if (ping_socket(s) < 0) {
		snprintf(p->reason, sizeof(p->reason), "cannot open an ICMP "
		    "socket: %s (see net.ipv4.ping_group_range)",
		    strerror(errno));
		ping_finish(b, s, false);
		return;
	}
	sa.sin_addr.s_addr = htonl(p->addr);
	if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		char buf[96];

		snprintf(p->reason, sizeof(p->reason), "%s",
		    check_reason_errno(errno, buf, sizeof(buf)));
		ping_finish(b, s, false);
		return;
	}
	ping_send(s);
}

/* Reads what came; true when it holds the reply to one of our requests. */
static bool
ping_reply(struct ping_slot *s)
{
	uint8_t buf[1500];
	ssize_t got;

	while ((got = recv(s->fd, buf, sizeof(buf), 0)) >= 0 || errno == EINTR) {
		const uint8_t *at = buf;
		struct icmphdr h;

		if (got < 0)
			continue;
		if (s->raw && got >= (ssize_t)sizeof(struct iphdr)) {
			size_t ihl = (size_t)(buf[0] & 0x0f) * 4;

			at += ihl;
			got -= (ssize_t)ihl;
		}
		if (got < (ssize_t)sizeof(h))
			continue;
		memcpy(&h, at, sizeof(h));
		/* A datagram socket's identifier is the kernel's own. */
		if (h.type == ICMP_ECHOREPLY && (!s->raw ||
		    ntohs(h.un.echo.id) == s->id) &&
		    ntohs(h.un.echo.sequence) <= s->seq)
			return true;
	}
	if (errno != EAGAIN)
		s->err = errno;
	return false;
}

static void
ping_expire(struct ping_batch *b, struct ping_slot *s)
{
	char buf[96];

	if (s->err != 0)
		snprintf(s->probe->reason, sizeof(s->probe->reason), "no echo "
		    "reply within %g s: %s", b->timeout_ms / 1000.0,
		    check_reason_errno(s->err, buf, sizeof(buf)));
	else
		snprintf(s->probe->reason, sizeof(s->probe->reason), "no echo "
		    "reply within %g s", b->timeout_ms / 1000.0);
	ping_finish(b, s, false);
}

/* Starts, resends and expires; returns the ms to wait at most. */
static int
ping_round(struct ping_batch *b)
{
	double now = mono_now(), next = -1;

	for (size_t i = 0; i < ICMP_MAX_SOCKETS; i++) {
		struct ping_slot *s = &b->slots[i];
		double due, again;

		if (s->probe == NULL && b->next < b->n)
			ping_start(b, s, b->probes[b->next++]);
		if (s->probe == NULL)
			continue;
		due = s->start + b->timeout_ms / 1000.0;
		if (due <= now) {
			ping_expire(b, s);
			continue;
		}
		again = s->sent + ICMP_RESEND_MS / 1000.0;
		if (again <= now) {
			ping_send(s);
			again = s->sent + ICMP_RESEND_MS / 1000.0;
		}
		if (next < 0 || due < next)
			next = due;
		if (again < next)
			next = again;
	}
	return next < 0 ? 0 : (int)((next - now) * 1000.0) + 1;
}

static void
ping_wait(struct ping_batch *b, int wait_ms)
{
	struct pollfd fds[ICMP_MAX_SOCKETS];
	struct ping_slot *of[ICMP_MAX_SOCKETS];
	nfds_t n = 0;

	for (size_t i = 0; i < ICMP_MAX_SOCKETS; i++) {
		if (b->slots[i].probe == NULL)
			continue;
		of[n] = &b->slots[i];
		fds[n++] = (struct pollfd){ .fd = b->slots[i].fd, .events =
		    POLLIN };
	}
	if (poll(fds, n, wait_ms) <= 0)
		return;
	for (nfds_t i = 0; i < n; i++)
		if (fds[i].revents != 0 && ping_reply(of[i]))
			ping_finish(b, of[i], true);
}

void
check_icmp_run(struct check_probe **probes, size_t n, int timeout_ms)
{
	struct ping_batch *b;

	if (n == 0)
		return;
	b = xcalloc(1, sizeof(*b));
	b->timeout_ms = timeout_ms;
	b->probes = probes;
	b->n = n;
	b->next_id = (uint16_t)(getpid() & 0xffff);
	for (size_t i = 0; i < ICMP_MAX_SOCKETS; i++)
		b->slots[i].fd = -1;
	while (b->active > 0 || b->next < b->n) {
		int wait = ping_round(b);

		if (b->active > 0)
			ping_wait(b, wait);
	}
	free(b);
}
