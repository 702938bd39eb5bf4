/*
 * inject.h: what an inject of the MSEL does to its targets.
 *
 * inject_run() carries out one firing on every target at once and returns
 * what happened on each; it never waits longer than its exec timeout plus
 * libvirt's own answer times, so a dead target or a silent guest agent
 * gives a failed result with its reason, never a stuck engine. Choosing
 * when to fire, and journaling, are the engine's business.
 *
 * No libvirt type here: what takes a connection (a link set, a revert) is
 * in inject_libvirt.h, for the libvirt edge.
 */
#ifndef RANGECTL_INJECT_H
#define RANGECTL_INJECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "rangectl/plan.h"

struct cluster_refs;

/* Real seconds an exec inject may take on one target before it fails. */
#define INJECT_EXEC_TIMEOUT 60
/* The most of a command's stdout or stderr kept in the journal. */
#define INJECT_OUTPUT_KEEP 4096

/*
 * Fires plan inject `inject`, each target through its node's connection in
 * refs (borrowed; NULL or a NULL connection: that target fails, saying
 * so). An exec with `from` runs in the from host, through its node's
 * connection. Returns a new JSON array with one entry
 * per target: {"host", "via" (the from host or null), "ok", "error" (null
 * or a sentence), "exit" (null or the exit status), "out", "err",
 * "seconds"}. A message has no targets: the array is empty.
 */
json_t *inject_run(const struct plan *plan, size_t inject,
    const struct cluster_refs *refs, int exec_timeout);

/*
 * The <interface> element of domain_xml whose MAC is mac, with its link
 * state set: what virDomainUpdateDeviceFlags() needs. Pure. Returns a new
 * string, or NULL when no interface has that MAC.
 */
char *inject_link_xml(const char *domain_xml, const char *mac, bool up);

/* The plan network index a NIC key names for host, or PLAN_NONE. */
size_t inject_nic_network(const struct plan *plan, size_t host,
    const char *network_id);

#endif
