/*
 * provision.h: turning a plan into a range on a hypervisor, and back.
 *
 * `up` converges: what exists and matches the plan is left alone, what is
 * the range's but differs is replaced, what is missing is created, what is
 * the range's but no longer planned is removed. Objects that are not the
 * range's are never touched; a planned name taken by one is an error. If
 * anything fails, what this run created is removed again.
 */
#ifndef RANGECTL_PROVISION_H
#define RANGECTL_PROVISION_H

#include <stdbool.h>
#include <stddef.h>

#include "rangectl/plan.h"
#include "rangectl/progress.h"
#include "rangectl/virt.h"

#define PROVISION_SNAPSHOT "rangectl-initial"

struct provision_opts {
	unsigned threads;	/* parallel libvirt calls */
	int ready_timeout;	/* seconds to wait for guest agents; 0: no wait */
	const char *pool_path;	/* folder of the overlay volumes */
	bool kvm;	/* hardware virtualization, else TCG */
	bool check_files;	/* images are local files that must exist */
	/*
	 * Tests only: fail as if libvirt refused the domain of this host
	 * (by plan index, plus one; 0 for never), to prove rollback.
	 */
	size_t fault_at_host;
};

struct provision_counts {
	size_t created;
	size_t replaced;
	size_t updated;	/* changed in place: a network's DHCP leases */
	size_t unchanged;
	size_t removed;
};

/*
 * Brings the range of plan up on virt. Returns 0 when every host is
 * ready, or -1 with *error set (the caller frees it) after rolling back.
 */
int provision_up(const struct plan *plan, struct virt *virt,
    const struct provision_opts *opts, struct progress *progress,
    struct provision_counts *counts, char **error);
/*
 * Removes every object tagged with the plan's exercise (and its volume
 * pool), whatever the plan says now. Returns 0, or -1 with *error set.
 */
int provision_down(const struct plan *plan, struct virt *virt,
    struct progress *progress, size_t *removed, char **error);

struct cluster;
/*
 * The same over every node of cl at once (cluster.h). up is all or
 * nothing: when one node fails, every node rolls back what this run made
 * there. down removes what it can on every node, whichever fails. Errors
 * name their node, one line each.
 */
int provision_up_cluster(const struct plan *plan, struct cluster *cl,
    const struct provision_opts *opts, struct progress *progress,
    struct provision_counts *counts, char **error);
int provision_down_cluster(const struct plan *plan, struct cluster *cl,
    struct progress *progress, size_t *removed, char **error);

/* The virtual size of a disk image file (qcow2 header or raw size). */
int provision_image_size(const char *path, bool qcow2,
    unsigned long long *size);

#endif
