/*
 * agent_libvirt.h: agent.c's calls on a libvirt domain, for the libvirt
 * edge only (agent.c, inject.c, tests); agent.h has the rest.
 */
#ifndef RANGECTL_AGENT_LIBVIRT_H
#define RANGECTL_AGENT_LIBVIRT_H

#include <libvirt/libvirt.h>

#include "rangectl/agent.h"

/*
 * Runs command through /bin/sh -c in dom, waiting up to timeout_seconds
 * (at least 1) for it to exit. Returns 0 with *res filled (the caller
 * clears it with agent_result_clear), including when the command timed
 * out (res->timed_out, exit_code -1); or -1 with *error set (the caller
 * frees it) as a sentence naming the domain and the reason, and *res
 * holding nothing. A domain that is not running, an agent that is not
 * connected and a driver without agents (test:///) fail at once.
 */
int agent_exec(virDomainPtr dom, const char *command, int timeout_seconds,
    struct agent_result *res, char **error);
/*
 * One guest-ping, waiting up to timeout_seconds (at least 1; libvirt's
 * guest-sync may add 5 s). 0 when the agent answered, else -1: see
 * virt_last_error().
 */
int agent_ping(virDomainPtr dom, int timeout_seconds);

#endif
