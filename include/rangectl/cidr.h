/*
 * cidr.h: IPv4 addresses and networks, in host byte order.
 */
#ifndef RANGECTL_CIDR_H
#define RANGECTL_CIDR_H

#include <stdbool.h>
#include <stdint.h>

#define IPV4_TEXT 16	/* "255.255.255.255" and its NUL */
#define CIDR_TEXT 19	/* and "/32" */

/* A network with at least two usable addresses: /1 to /30. */
#define CIDR_MIN_PREFIX 1
#define CIDR_MAX_PREFIX 30

struct cidr {
	uint32_t net;	/* host bits are zero */
	int prefix;
};

/* Dotted quad, no leading zeros beyond a lone 0. */
int ipv4_parse(const char *text, uint32_t *addr);
void ipv4_format(uint32_t addr, char buf[IPV4_TEXT]);
/*
 * "A.B.C.D/P". Returns 0, or -1 with *why completing "... is not a valid
 * network: WHY".
 */
int cidr_parse(const char *text, struct cidr *out, const char **why);
void cidr_format(const struct cidr *c, char buf[CIDR_TEXT]);
uint32_t cidr_mask(const struct cidr *c);
uint32_t cidr_broadcast(const struct cidr *c);
bool cidr_contains(const struct cidr *c, uint32_t addr);
bool cidr_overlaps(const struct cidr *a, const struct cidr *b);
/* Where rangectl itself sits on every network: the last usable address. */
uint32_t cidr_host_side(const struct cidr *c);

#endif
