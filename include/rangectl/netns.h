/*
 * netns.h: joining a Linux network namespace (ip netns) for a run whose
 * guests are reachable only inside it.
 *
 * `rangectl run --netns NAME` opens the dashboard's listening socket where
 * it was started (so browsers on this machine reach it), then moves into
 * NAME for everything else: service checks, the guests' addresses. A
 * namespace belongs to a thread, and new threads take their creator's:
 * netns_enter() must run on the main thread before any other is started.
 */
#ifndef RANGECTL_NETNS_H
#define RANGECTL_NETNS_H

/*
 * Moves the calling thread into the network namespace NAME: a name made by
 * `ip netns add` (/run/netns/NAME), or a path such as /proc/PID/ns/net.
 * Returns 0, or -1 with *error set (the caller frees it).
 */
int netns_enter(const char *name, char **error);

#endif
