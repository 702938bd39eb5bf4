/*
 * check_impl.h: what check.c shares with the files that run a kind:
 *   check.c        check_run(): splits a batch by kind; tcp under epoll
 *   check_curl.c   http, https, ftp, smtp, imap, pop3, ldap through libcurl
 *   check_dns.c    dns through c-ares
 *   check_ssh.c    ssh through libssh
 *   check_icmp.c   icmp on ICMP datagram sockets
 *   check_reason.c the words every kind shares
 *   check_limit.c  how many probes of a kind are in flight at once
 */
#ifndef RANGECTL_CHECK_IMPL_H
#define RANGECTL_CHECK_IMPL_H

#include "rangectl/check.h"

/*
 * How many of a batch's n probes of one kind may be in flight at once:
 * all of them when the limit of open files leaves room for every kind's
 * share, never fewer than CHECK_MAX_SOCKETS (nor than 1).
 */
size_t check_limit_in_flight(size_t n);

/* True for the kinds check_curl_run() takes. */
bool check_curl_kind(int kind);

/*
 * Runs the n probes that probes[] points at, all libcurl kinds, each
 * within timeout_ms of its own start. Writes only their results.
 */
void check_curl_run(struct check_probe **probes, size_t n, int timeout_ms);

/* Runs the n dns probes that probes[] points at, as check_curl_run(). */
void check_dns_run(struct check_probe **probes, size_t n, int timeout_ms);

/* Runs the n ssh probes that probes[] points at, as check_curl_run(). */
void check_ssh_run(struct check_probe **probes, size_t n, int timeout_ms);

/* Runs the n icmp probes that probes[] points at, as check_curl_run(). */
void check_icmp_run(struct check_probe **probes, size_t n, int timeout_ms);

/* Words for a socket's errno, as every kind says them (check_reason.c). */
const char *check_reason_errno(int err, char *buf, size_t size);

/* Replaces every copy of the probe's password in its reason with "***". */
void check_reason_scrub(struct check_probe *p);

#endif
