/*
 * check.h: tcp and http service checks, many at once on one thread.
 *
 * check_run() connects every probe with non-blocking sockets under epoll,
 * at most CHECK_MAX_SOCKETS at a time, each bounded by its own deadline
 * measured from its own start; a batch of n ends within about
 * timeout_ms * ceil(n / CHECK_MAX_SOCKETS).
 */
#ifndef RANGECTL_CHECK_H
#define RANGECTL_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHECK_MAX_SOCKETS 512
#define CHECK_MAX_ANSWER (64 * 1024)	/* bytes of an http answer read */
#define CHECK_REASON 128

/*
 * One check. The caller owns the probe and its strings, which must live
 * until check_run() returns; check_run() only writes the results.
 */
struct check_probe {
	uint32_t addr;		/* IPv4, host byte order */
	int port;
	int kind;		/* CHECK_TCP or CHECK_HTTP (enum check_kind) */
	const char *path;	/* http: request path, NULL for "/" */
	long expect_status;	/* http: 0 for 200 */
	const char *expect_body;	/* http: substring, NULL or "" for any */
	/* results */
	bool up;
	char reason[CHECK_REASON];	/* why not up, one short sentence */
	double seconds;		/* from its start to its result */
};

/* Runs n probes within timeout_ms each; never blocks longer than that. */
void check_run(struct check_probe *probes, size_t n, int timeout_ms);

#endif
