/*
 * inventory.c: listing a hypervisor's domains and networks with our tags.
 */
#include "rangectl/inventory.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"
#include "rangectl/virt.h"

/* A name that could be one of range's objects: "{range}-..." */
static bool
could_be_ours(const char *name, const char *range)
{
	size_t n = strlen(range);

	return strncmp(name, range, n) == 0 && name[n] == '-';
}

/*
 * Whether uuid, as the listing gave it, is the one rangectl derives for
 * kind's object name in range: proof enough that the object is range's,
 * read without a call to libvirt.
 */
static bool
derived_uuid(const unsigned char *uuid, const char *kind, const char *range,
    const char *name)
{
	unsigned char want[XML_UUID_LEN];

	return xml_uuid(kind, range, name, want) == 0 &&
	    memcmp(uuid, want, XML_UUID_LEN) == 0;
}

/*
 * Tags d when it is range's. Its state is asked only then, and only when
 * states is set: `down` needs none (virDomainDestroy says when a domain
 * was not running), and each call costs libvirt a lookup of the domain.
 * Without states (down) neither is the tag read when the UUID proves the
 * domain range's; d->tag is then left empty.
 */
static void
tag_domain(struct inventory_domain *d, const char *range, bool states)
{
	unsigned char uuid[VIR_UUID_BUFLEN];
	char *meta;
	int state, reason;

	if (!could_be_ours(d->name, range))
		return;
	if (!states && virDomainGetUUID(d->dom, uuid) == 0 &&
	    derived_uuid(uuid, "domain", range, d->name)) {
		d->owner = OWNER_OURS;
		return;
	}
	meta = virDomainGetMetadata(d->dom, VIR_DOMAIN_METADATA_ELEMENT,
	    XML_NS_URI, 0);
	if (meta != NULL && xml_parse_tag(meta, &d->tag) == 0 &&
	    strcmp(d->tag.range, range) == 0)
		d->owner = OWNER_OURS;
	free(meta);
	if (states && d->owner == OWNER_OURS)
		d->active = virDomainGetState(d->dom, &state, &reason, 0) == 0 &&
		    state != VIR_DOMAIN_SHUTOFF && state != VIR_DOMAIN_NOSTATE;
}

/* As tag_domain(); a network's tag is in its XML (no metadata API in 9.0). */
static void
tag_network(struct inventory_network *n, const char *range, bool states)
{
	unsigned char uuid[VIR_UUID_BUFLEN];
	char *xml;

	if (!could_be_ours(n->name, range))
		return;
	if (!states && virNetworkGetUUID(n->net, uuid) == 0 &&
	    derived_uuid(uuid, "network", range, n->name)) {
		n->owner = OWNER_OURS;
		return;
	}
	xml = virNetworkGetXMLDesc(n->net, 0);
	if (xml != NULL && xml_find_tag(xml, &n->tag) == 0 &&
	    strcmp(n->tag.range, range) == 0)
		n->owner = OWNER_OURS;
	free(xml);
	if (states && n->owner == OWNER_OURS)
		n->active = virNetworkIsActive(n->net) == 1;
}

static int
load_domains(struct inventory *inv, virConnectPtr conn, const char *range,
    bool states, char **error)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(conn, &doms, 0), i;

	if (n < 0) {
		*error = xasprintf("cannot list the domains: %s",
		    virt_last_error());
		return -1;
	}
	inv->domains = xcalloc((size_t)n, sizeof(*inv->domains));
	for (i = 0; i < n; i++) {
		struct inventory_domain *d = &inv->domains[inv->n_domains++];

		d->dom = doms[i];
		d->name = xstrdup(virDomainGetName(doms[i]));
		tag_domain(d, range, states);
		strmap_add(&inv->domain_by_name, d->name, d);
	}
	free(doms);
	return 0;
}

static int
load_networks(struct inventory *inv, virConnectPtr conn, const char *range,
    bool states, char **error)
{
	virNetworkPtr *nets = NULL;
	int n = virConnectListAllNetworks(conn, &nets, 0), i;

	if (n < 0) {
		*error = xasprintf("cannot list the networks: %s",
		    virt_last_error());
		return -1;
	}
	inv->networks = xcalloc((size_t)n, sizeof(*inv->networks));
	for (i = 0; i < n; i++) {
		struct inventory_network *net = &inv->networks[inv->n_networks++];

		net->net = nets[i];
		net->name = xstrdup(virNetworkGetName(nets[i]));
		tag_network(net, range, states);
		strmap_add(&inv->network_by_name, net->name, net);
	}
	free(nets);
	return 0;
}

static int
load(struct inventory *inv, virConnectPtr conn, const char *range,
    bool states, char **error)
{
	memset(inv, 0, sizeof(*inv));
	strmap_init(&inv->domain_by_name);
	strmap_init(&inv->network_by_name);
	if (load_domains(inv, conn, range, states, error) < 0 ||
	    load_networks(inv, conn, range, states, error) < 0) {
		inventory_clear(inv);
		return -1;
	}
	return 0;
}

int
inventory_load(struct inventory *inv, virConnectPtr conn, const char *range,
    char **error)
{
	return load(inv, conn, range, true, error);
}

int
inventory_load_tags(struct inventory *inv, virConnectPtr conn,
    const char *range, char **error)
{
	return load(inv, conn, range, false, error);
}

void
inventory_clear(struct inventory *inv)
{
	size_t i;

	if (inv == NULL)
		return;
	for (i = 0; i < inv->n_domains; i++) {
		virDomainFree(inv->domains[i].dom);
		free(inv->domains[i].name);
		xml_tag_clear(&inv->domains[i].tag);
	}
	for (i = 0; i < inv->n_networks; i++) {
		virNetworkFree(inv->networks[i].net);
		free(inv->networks[i].name);
		xml_tag_clear(&inv->networks[i].tag);
	}
	free(inv->domains);
	free(inv->networks);
	strmap_clear(&inv->domain_by_name);
	strmap_clear(&inv->network_by_name);
	memset(inv, 0, sizeof(*inv));
}
