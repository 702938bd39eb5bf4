/*
 * inject_libvirt.h: inject.c's calls on a libvirt connection, for the
 * libvirt edge only (inject.c, engine_libvirt.c); inject.h has the rest.
 */
#ifndef RANGECTL_INJECT_LIBVIRT_H
#define RANGECTL_INJECT_LIBVIRT_H

#include <libvirt/libvirt.h>
#include <stdbool.h>
#include <stddef.h>

#include "rangectl/inject.h"

/*
 * Sets the link of host's NIC on plan network `network` up or down, live.
 * Returns 0, or -1 with *error set (the caller frees it).
 */
int inject_set_link(virConnectPtr conn, const struct plan *plan, size_t host,
    size_t network, bool up, char **error);
/*
 * Returns host to how `up` made it: its initial snapshot for a disk host,
 * a fresh boot for a kernel image host (whose root is in memory). Returns
 * 0, or -1 with *error set (the caller frees it).
 */
int inject_revert(virConnectPtr conn, const struct plan *plan, size_t host,
    char **error);

#endif
