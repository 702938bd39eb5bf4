/*
 * check.h: network service checks, many at once.
 *
 * check_run() runs every probe of a batch at once: tcp on its own
 * non-blocking sockets under epoll (check.c), the protocols through
 * libcurl's multi interface on a thread of its own (check_curl.c), dns
 * through c-ares on another (check_dns.c), ssh through libssh on a third
 * (check_ssh.c) and icmp on a fourth (check_icmp.c). Each
 * probe is bounded by its own deadline, measured from its own start. Every
 * probe of a kind is in flight at once when the limit of open files has
 * room (a fifth of it, less 1,024, for each of tcp, libcurl's and ssh's);
 * otherwise at least CHECK_MAX_SOCKETS are, and a batch of n probes of
 * one kind ends within about timeout_ms * ceil(n / in flight).
 */
#ifndef RANGECTL_CHECK_H
#define RANGECTL_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHECK_MAX_SOCKETS 512
#define CHECK_MAX_ANSWER (64 * 1024)	/* bytes of an answer read */
#define CHECK_REASON 128

/*
 * One check. The caller owns the probe and its strings, which must live
 * until check_run() returns; check_run() only writes the results. A
 * reason never quotes the password.
 */
struct check_probe {
	uint32_t addr;		/* IPv4, host byte order */
	int port;	/* none for icmp */
	int kind;		/* enum check_kind, not CHECK_EXEC */
	const char *path;	/* http, https, ftp: NULL for "/" */
	long expect_status;	/* http, https: 0 for 200 */
	const char *expect_body;	/* http, https, ftp: NULL or "" for any */
	bool insecure;		/* https: any certificate will do */
	const char *user;	/* a login (ldap: a bind DN), NULL for none */
	const char *password;
	const char *to;		/* smtp: MAIL and RCPT for this address */
	const char *base;	/* ldap: the search base, NULL for "" */
	const char *filter;	/* ldap: an entry must match, NULL for any */
	const char *query;	/* dns: the name asked for */
	int dns_type;		/* dns: enum dns_type, DNS_NONE for A */
	const char *expect;	/* dns: an address or name equal, a text within;
				   ssh: within the command's output */
	const char *run;	/* ssh: a command to run after the login */
	const char *key;	/* ssh: a private key file, instead of a password */
	/* results */
	bool up;
	char reason[CHECK_REASON];	/* why not up, one short sentence */
	double seconds;		/* from its start to its result */
};

/* Runs n probes within timeout_ms each; never blocks much longer. */
void check_run(struct check_probe *probes, size_t n, int timeout_ms);

#endif
