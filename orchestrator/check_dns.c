/*
 * check_dns.c: dns checks through c-ares, all at once on the calling
 * thread.
 *
 * Each probe has a channel of its own, whose only server is the checked
 * host (the channel is where c-ares keeps its servers), asks one question
 * once (no retry, no search list, no /etc/hosts) and is destroyed with
 * its result. The channels' sockets are polled together; each probe ends
 * at its own deadline whatever c-ares would still try.
 */
#include "check_impl.h"

#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <ares.h>

#include "rangectl/scenario.h"
#include "rangectl/util.h"

/* Channels at once: each holds a UDP socket, and a TCP one on truncation. */
#define DNS_MAX_CHANNELS (CHECK_MAX_SOCKETS / 2)
#define DNS_TEXT 256	/* a record as text, for the comparison */

/* One question: all it owns is given back by dns_slot_clear(). */
struct dns_slot {
	struct check_probe *probe;	/* borrowed; NULL when free */
	ares_channel channel;
	bool answered;		/* the callback has set the result */
	double start;
	int timeout_ms;
};

struct dns_batch {
	int timeout_ms;
	struct check_probe **probes;	/* borrowed */
	size_t n, next, active;
	struct dns_slot slots[DNS_MAX_CHANNELS];
};

static pthread_once_t dns_once = PTHREAD_ONCE_INIT;
static bool dns_ready;

static void
dns_init_once(void)
{
	dns_ready = ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS;
}

/* The record type's number on the wire (RFC 1035, 3596). */
static int
dns_wire_type(int type)
{
	static const int wire[] = {
		[DNS_A] = 1, [DNS_AAAA] = 28, [DNS_MX] = 15, [DNS_TXT] = 16,
		[DNS_NS] = 2,
	};

	return type > DNS_NONE && type <= DNS_LAST ? wire[type] : 1;
}

static void __attribute__((format(printf, 2, 3)))
dns_reason(struct dns_slot *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->probe->reason, sizeof(s->probe->reason), fmt, ap);
	va_end(ap);
}

static void
dns_slot_clear(struct dns_batch *b, struct dns_slot *s)
{
	s->answered = true;	/* the destruction's callback changes nothing */
	if (s->channel != NULL)
		ares_destroy(s->channel);
	memset(s, 0, sizeof(*s));
	b->active--;
}

/* Names compare without case and without a final dot. */
static bool
dns_same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/*
 * Whether one record matches: an address or a name is equal, a text
 * contains it. The first record seen is kept in got, for the reason.
 */
static bool
dns_match_one(const struct check_probe *p, const char *text, char *got)
{
	if (got[0] == '\0')
		snprintf(got, DNS_TEXT, "%s", text);
	if (p->expect == NULL || p->expect[0] == '\0')
		return true;
	if (p->dns_type == DNS_TXT)
		return strstr(text, p->expect) != NULL;
	if (p->dns_type == DNS_A || p->dns_type == DNS_AAAA)
		return strcmp(text, p->expect) == 0;
	return dns_same_name(text, p->expect);
}

/* Each record of the answer in turn, as text; -1 if it does not parse. */
static int
dns_records(const struct check_probe *p, const unsigned char *abuf, int alen,
    char *got, bool *matched)
{
	struct ares_addrttl a[32];
	struct ares_addr6ttl a6[32];
	struct ares_mx_reply *mx = NULL;
	struct ares_txt_reply *txt = NULL;
	struct hostent *host = NULL;
	char text[DNS_TEXT];
	int n = 32, count = 0, rc;

	*matched = false;
	switch (p->dns_type) {
	case DNS_AAAA:
		if ((rc = ares_parse_aaaa_reply(abuf, alen, NULL, a6, &n)) != 0)
			return rc == ARES_ENODATA ? 0 : -1;
		for (int i = 0; i < n; i++, count++)
			*matched |= dns_match_one(p, inet_ntop(AF_INET6,
			    &a6[i].ip6addr, text, sizeof(text)), got);
		return count;
	case DNS_MX:
		if ((rc = ares_parse_mx_reply(abuf, alen, &mx)) != 0)
			return rc == ARES_ENODATA ? 0 : -1;
		for (struct ares_mx_reply *r = mx; r; r = r->next, count++)
			*matched |= dns_match_one(p, r->host, got);
		ares_free_data(mx);
		return count;
	case DNS_TXT:
		if ((rc = ares_parse_txt_reply(abuf, alen, &txt)) != 0)
			return rc == ARES_ENODATA ? 0 : -1;
		for (struct ares_txt_reply *r = txt; r; r = r->next, count++) {
			snprintf(text, sizeof(text), "%.*s", (int)r->length,
			    (const char *)r->txt);
			*matched |= dns_match_one(p, text, got);
		}
		ares_free_data(txt);
		return count;
	case DNS_NS:
		if ((rc = ares_parse_ns_reply(abuf, alen, &host)) != 0)
			return rc == ARES_ENODATA ? 0 : -1;
		for (char **name = host->h_aliases; name && *name; name++, count++)
			*matched |= dns_match_one(p, *name, got);
		ares_free_hostent(host);
		return count;
	default:
		if ((rc = ares_parse_a_reply(abuf, alen, NULL, a, &n)) != 0)
			return rc == ARES_ENODATA ? 0 : -1;
		for (int i = 0; i < n; i++, count++)
			*matched |= dns_match_one(p, inet_ntop(AF_INET,
			    &a[i].ipaddr, text, sizeof(text)), got);
		return count;
	}
}

static void
dns_failed(struct dns_slot *s, int status, double secs)
{
	const char *q = s->probe->query, *t = dns_type_name(s->probe->dns_type);

	switch (status) {
	case ARES_ENOTFOUND:
		dns_reason(s, "no such name '%.64s'", q);
		break;
	case ARES_ENODATA:
		dns_reason(s, "no %s record for '%.64s'", t, q);
		break;
	case ARES_ETIMEOUT:
		dns_reason(s, "no answer within %g s", secs);
		break;
	case ARES_ECONNREFUSED:
		dns_reason(s, "connection refused");
		break;
	case ARES_ESERVFAIL:
		dns_reason(s, "server failure (SERVFAIL) for '%.64s'", q);
		break;
	case ARES_EREFUSED:
		dns_reason(s, "query for '%.64s' refused", q);
		break;
	default:
		dns_reason(s, "%s", ares_strerror(status));
		break;
	}
}

/* c-ares's answer; the slot is cleared by the loop, never in here. */
static void
dns_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_slot *s = arg;
	struct check_probe *p = s->probe;
	char got[DNS_TEXT] = "";
	bool matched;
	int count;

	(void)timeouts;
	if (s->answered)
		return;
	s->answered = true;
	p->seconds = mono_now() - s->start;
	if (status != ARES_SUCCESS) {
		dns_failed(s, status, s->timeout_ms / 1000.0);
		return;
	}
	count = dns_records(p, abuf, alen, got, &matched);
	if (count < 0)
		dns_reason(s, "answer is not DNS");
	else if (count == 0)
		dns_failed(s, ARES_ENODATA, 0);
	else if (!matched)
		dns_reason(s, "no %s record of '%.40s' is '%.30s' (one is "
		    "'%.30s')", dns_type_name(p->dns_type), p->query, p->expect,
		    got);
	else {
		p->up = true;
		p->reason[0] = '\0';
	}
}

/* A channel whose only server is the checked host. */
static int
dns_channel(struct dns_slot *s, int timeout_ms)
{
	const struct check_probe *p = s->probe;
	struct ares_options opt = { .flags = ARES_FLAG_NOSEARCH |
	    ARES_FLAG_NOALIASES, .timeout = timeout_ms, .tries = 1,
	    .lookups = (char *)"b" };
	struct ares_addr_port_node server = { .family = AF_INET,
	    .udp_port = p->port, .tcp_port = p->port };
	int rc;

	rc = ares_init_options(&s->channel, &opt, ARES_OPT_FLAGS |
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS);
	if (rc != ARES_SUCCESS) {
		s->channel = NULL;
		dns_reason(s, "c-ares cannot start: %s", ares_strerror(rc));
		return -1;
	}
	server.addr.addr4.s_addr = htonl(p->addr);
	rc = ares_set_servers_ports(s->channel, &server);
	if (rc != ARES_SUCCESS) {
		dns_reason(s, "c-ares refused the server: %s", ares_strerror(rc));
		return -1;
	}
	return 0;
}

static void
dns_start(struct dns_batch *b, struct dns_slot *s, struct check_probe *p)
{
	*s = (struct dns_slot){ .probe = p, .start = mono_now(),
	    .timeout_ms = b->timeout_ms };
	b->active++;
	if (p->port < 1 || p->port > 65535) {
		dns_reason(s, "port %d is out of range", p->port);
		dns_slot_clear(b, s);
		return;
	}
	if (p->query == NULL || p->query[0] == '\0') {
		dns_reason(s, "no name to ask for");
		dns_slot_clear(b, s);
		return;
	}
	if (dns_channel(s, b->timeout_ms) < 0) {
		dns_slot_clear(b, s);
		return;
	}
	/* May answer at once (a bad name): the loop then clears the slot. */
	ares_query(s->channel, p->query, 1 /* C_IN */, dns_wire_type(p->dns_type),
	    dns_answer, s);
}

/* The sockets of every channel still asking, with the slot of each. */
static size_t
dns_poll_set(struct dns_batch *b, struct pollfd *pfd, size_t *owner)
{
	size_t n = 0;

	for (size_t i = 0; i < DNS_MAX_CHANNELS; i++) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		int bits;

		if (b->slots[i].probe == NULL || b->slots[i].answered)
			continue;
		bits = ares_getsock(b->slots[i].channel, socks,
		    ARES_GETSOCK_MAXNUM);
		for (int k = 0; k < ARES_GETSOCK_MAXNUM; k++) {
			/* c-ares's own macros shift an int by up to 31. */
			unsigned u = (unsigned)bits;
			short ev = (short)(((u >> k) & 1u ? POLLIN : 0) |
			    ((u >> (k + ARES_GETSOCK_MAXNUM)) & 1u ? POLLOUT : 0));

			if (ev == 0)
				continue;
			pfd[n] = (struct pollfd){ .fd = socks[k], .events = ev };
			owner[n++] = i;
		}
	}
	return n;
}

/* Timeouts, own deadlines, and slots whose answer came: cleared. */
static void
dns_sweep(struct dns_batch *b)
{
	double now = mono_now(), secs = b->timeout_ms / 1000.0;

	for (size_t i = 0; i < DNS_MAX_CHANNELS; i++) {
		struct dns_slot *s = &b->slots[i];

		if (s->probe == NULL)
			continue;
		if (!s->answered)
			ares_process_fd(s->channel, ARES_SOCKET_BAD,
			    ARES_SOCKET_BAD);
		if (!s->answered && now - s->start >= secs) {
			s->probe->seconds = now - s->start;
			dns_reason(s, "no answer within %g s", secs);
		} else if (!s->answered) {
			continue;
		}
		dns_slot_clear(b, s);
	}
}

static void
dns_loop(struct dns_batch *b)
{
	struct pollfd *pfd = xcalloc(DNS_MAX_CHANNELS * ARES_GETSOCK_MAXNUM,
	    sizeof(*pfd));
	size_t *owner = xcalloc(DNS_MAX_CHANNELS * ARES_GETSOCK_MAXNUM,
	    sizeof(*owner));

	while (b->active > 0 || b->next < b->n) {
		size_t n;

		for (size_t i = 0; i < DNS_MAX_CHANNELS && b->next < b->n; i++)
			if (b->slots[i].probe == NULL)
				dns_start(b, &b->slots[i], b->probes[b->next++]);
		n = dns_poll_set(b, pfd, owner);
		/* c-ares's own timers are checked by the sweep, every 20 ms. */
		if (poll(pfd, n, 20) > 0) {
			for (size_t k = 0; k < n; k++) {
				struct dns_slot *s = &b->slots[owner[k]];

				if (pfd[k].revents == 0 || s->answered)
					continue;
				ares_process_fd(s->channel, pfd[k].revents &
				    (POLLIN | POLLERR | POLLHUP) ? pfd[k].fd :
				    ARES_SOCKET_BAD, pfd[k].revents & POLLOUT ?
				    pfd[k].fd : ARES_SOCKET_BAD);
			}
		}
		dns_sweep(b);
	}
	free(pfd);
	free(owner);
}

void
check_dns_run(struct check_probe **probes, size_t n, int timeout_ms)
{
	struct dns_batch *b;

	pthread_once(&dns_once, dns_init_once);
	if (!dns_ready) {
		for (size_t i = 0; i < n; i++)
			snprintf(probes[i]->reason, sizeof(probes[i]->reason),
			    "c-ares cannot start");
		return;
	}
	b = xcalloc(1, sizeof(*b));
	b->timeout_ms = timeout_ms;
	b->probes = probes;
	b->n = n;
	dns_loop(b);
	free(b);
}
