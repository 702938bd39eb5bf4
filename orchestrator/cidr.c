/*
 * cidr.c: IPv4 address arithmetic for planning networks.
 */
#include "rangectl/cidr.h"

#include <stdio.h>
#include <string.h>

/* One decimal octet, 0-255, without leading zeros (010 is ambiguous). */
static int
parse_octet(const char **p, uint32_t *value)
{
	const char *s = *p;
	uint32_t v = 0;
	int n = 0;

	while (*s >= '0' && *s <= '9' && n < 4) {
		v = v * 10 + (uint32_t)(*s++ - '0');
		n++;
	}
	if (n == 0 || n > 3 || v > 255 || (n > 1 && **p == '0'))
		return -1;
	*p = s;
	*value = v;
	return 0;
}

static int
parse_quad(const char **p, uint32_t *addr)
{
	uint32_t a = 0, octet;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0 && *(*p)++ != '.')
			return -1;
		if (parse_octet(p, &octet) < 0)
			return -1;
		a = a << 8 | octet;
	}
	*addr = a;
	return 0;
}

int
ipv4_parse(const char *text, uint32_t *addr)
{
	const char *p = text;

	if (parse_quad(&p, addr) < 0 || *p != '\0')
		return -1;
	return 0;
}

/* By hand: plans format thousands of addresses, and snprintf is slow. */
void
ipv4_format(uint32_t addr, char buf[IPV4_TEXT])
{
	char *p = buf;
	int shift;

	for (shift = 24; shift >= 0; shift -= 8) {
		unsigned octet = addr >> shift & 255;

		if (octet >= 100)
			*p++ = (char)('0' + octet / 100);
		if (octet >= 10)
			*p++ = (char)('0' + octet / 10 % 10);
		*p++ = (char)('0' + octet % 10);
		*p++ = shift ? '.' : '\0';
	}
}

uint32_t
cidr_mask(const struct cidr *c)
{
	return c->prefix == 0 ? 0 : 0xffffffffu << (32 - c->prefix);
}

int
cidr_parse(const char *text, struct cidr *out, const char **why)
{
	const char *p = text;
	uint32_t addr, prefix = 0;
	int digits = 0;

	if (parse_quad(&p, &addr) < 0 || *p++ != '/') {
		*why = "expected an IPv4 network as A.B.C.D/PREFIX";
		return -1;
	}
	while (*p >= '0' && *p <= '9' && digits++ < 2)
		prefix = prefix * 10 + (uint32_t)(*p++ - '0');
	if (digits == 0 || *p != '\0') {
		*why = "expected an IPv4 network as A.B.C.D/PREFIX";
		return -1;
	}
	if (prefix < CIDR_MIN_PREFIX || prefix > CIDR_MAX_PREFIX) {
		*why = "the prefix length must be between 1 and 30";
		return -1;
	}
	out->prefix = (int)prefix;
	out->net = addr;
	if ((addr & ~cidr_mask(out)) != 0) {
		*why = "the address has bits set past the prefix length";
		return -1;
	}
	return 0;
}

/* By hand too: plan --json writes every network's and every route's. */
void
cidr_format(const struct cidr *c, char buf[CIDR_TEXT])
{
	char *p;

	ipv4_format(c->net, buf);
	p = buf + strlen(buf);
	*p++ = '/';
	if (c->prefix >= 10)
		*p++ = (char)('0' + c->prefix / 10 % 10);
	*p++ = (char)('0' + c->prefix % 10);
	*p = '\0';
}

uint32_t
cidr_broadcast(const struct cidr *c)
{
	return c->net | ~cidr_mask(c);
}

bool
cidr_contains(const struct cidr *c, uint32_t addr)
{
	return (addr & cidr_mask(c)) == c->net;
}

bool
cidr_overlaps(const struct cidr *a, const struct cidr *b)
{
	return cidr_contains(a, b->net) || cidr_contains(b, a->net);
}

uint32_t
cidr_host_side(const struct cidr *c)
{
	return cidr_broadcast(c) - 1;
}
