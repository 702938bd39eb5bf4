/*
 * xml.h: the libvirt XML of a planned range: networks, the volume pool,
 * overlay volumes and domains. Pure: plan in, text out; no libvirt calls.
 *
 * Every object carries <metadata> in rangectl's own namespace naming the
 * range, team and host it belongs to, and a digest of its own definition,
 * so `up` can tell an unchanged object from one to replace, and `down`
 * removes exactly what is the range's. Domains and networks also carry a
 * UUID derived from the range and their name (xml_uuid()): the part of the
 * tag that a listing shows without a call per object.
 */
#ifndef RANGECTL_XML_H
#define RANGECTL_XML_H

#include <stdbool.h>

#include "rangectl/plan.h"

#define XML_NS_URI "urn:x-rangectl:range:1"
#define XML_NS_PREFIX "rangectl"
/* The x86 kernel's command-line limit, terminating NUL included. */
#define XML_CMDLINE_MAX 2048

/* What the hypervisor offers, decided by the caller when it connects. */
struct xml_options {
	bool kvm;	/* <domain type='kvm'>, else 'qemu' (TCG) */
	bool nwfilter;	/* attach clean-traffic to trainee NICs */
	const char *pool_path;	/* where the range's volume pool lives */
};

/* The tag an object carries, as read back from libvirt. */
struct xml_tag {
	char *range;	/* the exercise name */
	char *team;	/* may be NULL */
	char *host;	/* may be NULL */
	char *digest;	/* of the definition, as xml_* wrote it */
	char *leases;	/* networks: of their static DHCP leases */
};

/*
 * A network that spans nodes: on each, its bridge is joined to the others'
 * by a VXLAN interface, which rangectl's libvirt network hook (installed
 * on every node) makes when the network starts and removes when it stops,
 * from these attributes of the network's tag.
 */
struct xml_vxlan {
	unsigned long vni;	/* 1 to 2^24 - 1 */
	const char *local;	/* this node's underlay address */
	const char *const *peers;	/* the other nodes' */
	size_t n_peers;
	/*
	 * The one copy with rangectl's address and DHCP (the first node's);
	 * the others are bare bridges on the same segment, so that the
	 * address is not on it twice.
	 */
	bool primary;
};

/* The VXLAN interface of a VNI: "rcx-" and six hex digits. */
#define XML_VXLAN_DEVICE_MAX 11
void xml_vxlan_device(unsigned long vni, char dev[XML_VXLAN_DEVICE_MAX]);

/*
 * Each returns a new string the caller frees. They return NULL only when
 * the object cannot be expressed (the reason in *why, static text).
 */
char *xml_network(const struct plan *plan, const struct plan_network *net);
/* The same, on one node of several it spans (vxlan NULL: it does not). */
char *xml_network_on(const struct plan *plan, const struct plan_network *net,
    const struct xml_vxlan *vxlan);
/* The network's static leases, one <host .../> element a line. */
char *xml_network_leases(const struct plan *plan,
    const struct plan_network *net);
char *xml_pool(const struct plan *plan, const struct xml_options *opt);
/* The name of the range's volume pool; the caller frees it. */
char *xml_pool_name(const struct plan *plan);
/* A host's overlay volume: only for hosts of disk images. */
char *xml_volume(const struct plan *plan, const struct plan_host *host,
    unsigned long long capacity);
char *xml_volume_name(const struct plan_host *host);
/*
 * The domain of a host. disk_path is its overlay volume's path for disk
 * images, NULL for kernel images.
 */
char *xml_domain(const struct plan *plan, const struct plan_host *host,
    const struct xml_options *opt, const char *disk_path, const char **why);
/*
 * The same with a cloud-init seed (seed_path, a volume's path; NULL for
 * none) as a read-only CD-ROM on the SATA bus, which every guest reads.
 */
char *xml_domain_seeded(const struct plan *plan, const struct plan_host *host,
    const struct xml_options *opt, const char *disk_path,
    const char *seed_path, const char **why);
/* A raw volume of capacity bytes for a seed's image to be uploaded into. */
char *xml_seed_volume(const char *name, unsigned long long capacity);
/* The settings a kernel image's init reads from its command line. */
char *xml_kernel_cmdline(const struct plan *plan, const struct plan_host *host);

/*
 * Finds rangectl's metadata element in an object's XML. Returns 0 with tag
 * filled (the caller clears it), or -1 when the object carries none.
 */
int xml_find_tag(const char *xml, struct xml_tag *tag);
/* The same for the element alone, as virDomainGetMetadata gives it. */
int xml_parse_tag(const char *element, struct xml_tag *tag);
void xml_tag_clear(struct xml_tag *tag);

#define XML_UUID_LEN 16
#define XML_UUID_STRING_LEN 37	/* 36 characters and the NUL */
/*
 * The UUID rangectl gives object name of kind ("domain" or "network") in
 * range: a name-based UUID (RFC 9562, version 5, SHA-1) in rangectl's own
 * namespace, the same on every run and node. Returns 0, or -1 when the
 * hash is not available (the object then gets libvirt's random UUID and
 * is told by its metadata alone).
 */
int xml_uuid(const char *kind, const char *range, const char *name,
    unsigned char uuid[XML_UUID_LEN]);
/* Escapes &, <, >, ' and " for text and attribute values. */
char *xml_escape(const char *text);

#endif
