/*
 * inventory.h: what exists on a hypervisor, and what of it is a range's.
 *
 * One listing call per kind of object; then only the objects whose names
 * could be the range's (they start with "{exercise}-") are asked for their
 * tag, and only those tagged the range's for their state, so a hypervisor
 * shared by many ranges costs one or two calls per object of this range,
 * none per object of others (none at all for `down`, where the derived
 * UUID says it).
 */
#ifndef RANGECTL_INVENTORY_H
#define RANGECTL_INVENTORY_H

#include <libvirt/libvirt.h>
#include <stdbool.h>
#include <stddef.h>

#include "rangectl/strmap.h"
#include "rangectl/xml.h"

enum inventory_owner {
	OWNER_FOREIGN,	/* untagged, or another range's: never touched */
	OWNER_OURS,	/* tagged with this range's name */
};

struct inventory_domain {
	virDomainPtr dom;
	char *name;
	enum inventory_owner owner;
	struct xml_tag tag;
	bool active;	/* asked of ours only, by inventory_load() only */
};

struct inventory_network {
	virNetworkPtr net;
	char *name;
	enum inventory_owner owner;
	struct xml_tag tag;
	bool active;	/* as inventory_domain.active */
};

struct inventory {
	struct inventory_domain *domains;
	size_t n_domains;
	struct inventory_network *networks;
	size_t n_networks;
	struct strmap domain_by_name;	/* name -> struct inventory_domain */
	struct strmap network_by_name;
};

/*
 * Lists the objects of conn and tags those that belong to range. Returns
 * 0, or -1 with *error set (the caller frees it).
 */
int inventory_load(struct inventory *inv, virConnectPtr conn,
    const char *range, char **error);
/*
 * The same without the states (every `active` false), for `down`, which
 * removes whatever the state; and without the tags of the objects whose
 * UUID is the one xml_uuid() derives for them (their tags left empty):
 * the listing alone tells those, with no call per object.
 */
int inventory_load_tags(struct inventory *inv, virConnectPtr conn,
    const char *range, char **error);
void inventory_clear(struct inventory *inv);

#endif
