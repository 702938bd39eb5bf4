/*
 * seed.h: the cloud-init NoCloud seed of a disk image host: meta-data,
 * network-config (version 2) and user-data, from the plan alone, and the
 * ISO 9660 volume labelled "cidata" that carries them to the guest.
 *
 * seed_build() is pure but for the passwords' salts: given a salt, the
 * same plan gives the same files, byte for byte (the golden tests);
 * without one, each password gets a random salt, as crypt(3) wants.
 */
#ifndef RANGECTL_SEED_H
#define RANGECTL_SEED_H

#include <stddef.h>

#include "rangectl/plan.h"

/* "rangectl-" and 16 hex digits */
#define SEED_INSTANCE_ID_MAX 26

struct seed {
	char *meta_data;
	char *network_config;
	char *user_data;	/* holds password hashes: never logged */
	/*
	 * A digest of the host's definition (its name, addresses, routes,
	 * users, files and commands), so that a changed host gets a new one
	 * and cloud-init configures it again; the same for an unchanged host
	 * whatever the salts.
	 */
	char instance_id[SEED_INSTANCE_ID_MAX + 1];
};

/*
 * Fills seed for host of plan (host->guest not NULL). salt is a crypt(3)
 * setting for every password ("$6$..."), or NULL for a random one each.
 * Returns 0, or -1 with *error set (the caller frees it); seed_clear() in
 * both cases.
 */
int seed_build(const struct plan *plan, const struct plan_host *host,
    const char *salt, struct seed *seed, char **error);
void seed_clear(struct seed *seed);

/*
 * The ISO 9660 image of seed, volume id "cidata", with Rock Ridge and
 * Joliet names (meta-data and its kin are not ISO 9660 names). Returns 0
 * with *data (the caller frees it) and *len, or -1 with *error set.
 */
int seed_iso(const struct seed *seed, unsigned char **data, size_t *len,
    char **error);

/*
 * The name of a host's seed volume in the range's pool: it carries the
 * instance id, so that a changed seed is a new volume, and the domain
 * that uses it a changed domain. The caller frees it.
 */
char *seed_volume_name(const struct plan_host *host, const struct seed *seed);
/* Whether name is one of host's seed volumes, of any instance id. */
int seed_volume_of(const struct plan_host *host, const char *name);

#endif
