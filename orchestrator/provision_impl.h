/*
 * provision_impl.h: what provision.c shares with the file that makes a
 * host's cloud-init seed volume (provision_seed.c).
 */
#ifndef RANGECTL_PROVISION_IMPL_H
#define RANGECTL_PROVISION_IMPL_H

#include <libvirt/libvirt.h>

#include "rangectl/plan.h"

/*
 * Makes sure host's seed volume is in pool: built from the plan, then
 * created and uploaded unless a volume of the same instance id is there;
 * the host's seeds of other ids are deleted. Returns 0 with *path (the
 * caller frees it), or -1 with *error (the caller frees it).
 */
int provision_seed(virConnectPtr conn, virStoragePoolPtr pool,
    const struct plan *plan, const struct plan_host *host, char **path,
    char **error);

#endif
