/*
 * provision.c: up and down, with convergence and rollback.
 *
 * The order is fixed by what depends on what: networks, then the volume
 * pool and overlays, then domains, then removal of what the plan dropped,
 * then waiting for the guests. Within a stage the objects are independent
 * and go to a few worker threads.
 */
#include "rangectl/provision.h"

#include <errno.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rangectl/cluster.h"
#include "rangectl/inventory.h"
#include "rangectl/util.h"
#include "rangectl/workers.h"
#include "rangectl/xml.h"

#include "provision_impl.h"

/*
 * The state of one `up` or `down` on one node, shared by its worker
 * threads. A range over several nodes has one per node, run at once.
 */
struct provision {
	const struct plan *plan;
	const struct cluster *cl;
	size_t node;	/* index in cl of the node this one works on */
	struct virt *virt;	/* that node's connection */
	bool *here_networks;	/* by plan index: lives on this node */
	atomic_bool *abort;	/* set by the first node that fails */
	bool own_steps;	/* alone: it names its progress steps itself */
	bool unreachable;	/* rollback could not reach this node */
	struct progress *progress;
	const struct provision_opts *opts;
	struct xml_options xml;
	struct inventory inv;
	size_t down_from;	/* down: the first domain left to the workers */
	pthread_mutex_t lock;	/* guards everything below */
	char *error;	/* the first failure; later ones are its echoes */
	bool *created_networks;	/* by plan index: made by this run */
	bool *created_domains;
	bool created_pool;
	char **volumes;	/* by host index: overlay path, or NULL */
	char **seeds;	/* by host index: cloud-init seed volume path, or NULL */
	struct provision_counts counts;
};

/* Records the first failure; returns -1 for the caller to pass on. */
static int
fail(struct provision *pv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
fail(struct provision *pv, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (pv->cl->spread) {
		char *on = xasprintf("on node '%s': %s", pv->virt->uri, msg);

		free(msg);
		msg = on;
	}
	atomic_store(pv->abort, true);
	pthread_mutex_lock(&pv->lock);
	if (pv->error == NULL)
		pv->error = msg;
	else
		free(msg);
	pthread_mutex_unlock(&pv->lock);
	return -1;
}

static bool
failed(struct provision *pv)
{
	bool f;

	pthread_mutex_lock(&pv->lock);
	f = pv->error != NULL;
	pthread_mutex_unlock(&pv->lock);
	/* Another node failed: the whole range is rolled back, stop early. */
	return f || atomic_load(pv->abort);
}

static bool
host_here(const struct provision *pv, size_t i)
{
	return cluster_host_node(pv->cl, pv->plan, i) == pv->node;
}

static void
count(struct provision *pv, size_t *counter)
{
	pthread_mutex_lock(&pv->lock);
	(*counter)++;
	pthread_mutex_unlock(&pv->lock);
}

int
provision_image_size(const char *path, bool qcow2, unsigned long long *size)
{
	unsigned char header[32];
	struct stat st;
	FILE *f;
	int i;

	if (!qcow2) {
		if (stat(path, &st) < 0)
			return -1;
		*size = (unsigned long long)st.st_size;
		return 0;
	}
	f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	/* "QFI\xfb", then the virtual size as a big-endian u64 at 24. */
	if (fread(header, 1, sizeof(header), f) != sizeof(header) ||
	    memcmp(header, "QFI\xfb", 4) != 0) {
		fclose(f);
		errno = EINVAL;
		return -1;
	}
	fclose(f);
	*size = 0;
	for (i = 24; i < 32; i++)
		*size = *size << 8 | header[i];
	return 0;
}

/* Checks that one file of an image exists: 0, or -1 after fail(). */
static int
check_file(struct provision *pv, const struct plan_image *img,
    const char *what, const char *file)
{
	char *path;
	int rc = 0;

	if (file == NULL)
		return 0;
	path = plan_path(pv->plan, file);
	if (access(path, R_OK) < 0)
		rc = fail(pv, "the %s '%s' of image '%s' cannot be read: %s%s",
		    what, path, img->id, strerror(errno), img->kernel ?
		    " (the appliance is built by 'make images')" : "");
	free(path);
	return rc;
}

/* Every planned name must be free or already the range's own. */
static int
preflight_names(struct provision *pv)
{
	const struct plan *plan = pv->plan;
	const char *range = plan->exercise;
	size_t i;

	for (i = 0; i < plan->n_networks; i++) {
		const struct inventory_network *n = strmap_get(
		    &pv->inv.network_by_name, plan->networks[i].name);

		if (pv->here_networks[i] && n != NULL && n->owner != OWNER_OURS)
			return fail(pv, "network '%s' already exists and does not "
			    "belong to range '%s'; it is left alone, so the range "
			    "cannot be built", n->name, range);
	}
	for (i = 0; i < plan->n_hosts; i++) {
		const struct inventory_domain *d = strmap_get(
		    &pv->inv.domain_by_name, plan->hosts[i].name);

		if (host_here(pv, i) && d != NULL && d->owner != OWNER_OURS)
			return fail(pv, "domain '%s' already exists and does not "
			    "belong to range '%s'; it is left alone, so the range "
			    "cannot be built", d->name, range);
	}
	return 0;
}

static int
preflight(struct provision *pv)
{
	const struct plan *plan = pv->plan;
	size_t i;

	if (preflight_names(pv) < 0)
		return -1;
	/* Only images in use: a scenario may define more than it needs. */
	for (i = 0; i < plan->n_hosts && pv->opts->check_files; i++) {
		const struct plan_image *img = plan->hosts[i].image;

		if (!host_here(pv, i))
			continue;
		if (check_file(pv, img, "kernel", img->kernel) < 0 ||
		    check_file(pv, img, "initrd", img->initrd) < 0 ||
		    check_file(pv, img, "disk", img->disk) < 0)
			return -1;
	}
	return 0;
}

static bool
same_text(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Whether what exists was defined from the same XML as xml. */
static bool
same_digest(const struct xml_tag *have, const char *xml, bool *same_leases)
{
	struct xml_tag want;
	bool same;

	if (xml_find_tag(xml, &want) < 0)
		return false;
	same = same_text(want.digest, have->digest);
	if (same_leases != NULL)
		*same_leases = same_text(want.leases, have->leases);
	xml_tag_clear(&want);
	return same;
}

/*
 * New leases for a running network: its definition is replaced (which
 * takes effect at its next start) and each lease added to the live one,
 * so guests keep their links.
 */
static int
update_leases(struct provision *pv, struct inventory_network *have,
    const struct plan_network *pn, const char *xml)
{
	char *leases = xml_network_leases(pv->plan, pn), *line, *end;
	unsigned live = VIR_NETWORK_UPDATE_AFFECT_LIVE;
	char uuid[VIR_UUID_STRING_BUFLEN], *same;
	const char *name_end = strstr(xml, "</name>\n"), *rest, *eol;
	virNetworkPtr net = NULL;
	int rc = 0;

	/*
	 * A new definition of the same network must carry its UUID, which
	 * replaces xml's own (a network made before rangectl derived them
	 * has a random one).
	 */
	if (virNetworkGetUUIDString(have->net, uuid) == 0 && name_end != NULL) {
		rest = name_end + 8;
		if (strncmp(rest, "  <uuid>", 8) == 0 &&
		    (eol = strchr(rest, '\n')) != NULL)
			rest = eol + 1;
		same = xasprintf("%.*s  <uuid>%s</uuid>\n%s",
		    (int)(name_end + 8 - xml), xml, uuid, rest);
		net = virNetworkDefineXML(pv->virt->conn, same);
		free(same);
	}
	if (net == NULL)
		rc = fail(pv, "cannot update network '%s': %s", pn->name,
		    virt_last_error());
	for (line = leases; rc == 0 && have->active && *line; line = end + 1) {
		end = strchr(line, '\n');
		*end = '\0';
		if (virNetworkUpdate(have->net, VIR_NETWORK_UPDATE_COMMAND_MODIFY,
		    VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, line, live) < 0 &&
		    virNetworkUpdate(have->net,
		    VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
		    VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, line, live) < 0)
			rc = fail(pv, "cannot update the DHCP leases of network "
			    "'%s': %s", pn->name, virt_last_error());
	}
	if (net != NULL)
		virNetworkFree(net);
	free(leases);
	return rc;
}

/*
 * Whether the last libvirt call failed only because the object was not
 * running: the removers ask no state first, as each question costs libvirt
 * a lookup of the object, and destroy whatever they find.
 */
static bool
was_not_running(void)
{
	return virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID;
}

/* Removes a network of ours: stopped first, then forgotten. */
static int
remove_network(struct provision *pv, virNetworkPtr net, const char *name)
{
	if (virNetworkDestroy(net) < 0 && !was_not_running())
		return fail(pv, "cannot stop network '%s': %s", name,
		    virt_last_error());
	if (virNetworkUndefine(net) < 0)
		return fail(pv, "cannot remove network '%s': %s", name,
		    virt_last_error());
	return 0;
}

/*
 * Network i's XML on pv's node, with its VXLAN when it spans nodes; NULL
 * after fail() when it cannot have one.
 */
static char *
network_xml(struct provision *pv, size_t i)
{
	struct xml_vxlan vx;
	char *error = NULL, *xml;
	int rc;

	rc = cluster_vxlan(pv->cl, pv->plan, i, pv->node, &vx, &error);
	if (rc < 0) {
		fail(pv, "%s", error);
		free(error);
		return NULL;
	}
	xml = xml_network_on(pv->plan, &pv->plan->networks[i], rc == 0 ? &vx :
	    NULL);
	if (rc == 0)
		free((void *)vx.peers);	/* the array is ours, its strings not */
	return xml;
}

static int
create_network(struct provision *pv, size_t i)
{
	const struct plan_network *pn = &pv->plan->networks[i];
	char *xml = network_xml(pv, i);
	virNetworkPtr net;
	int rc = 0;

	if (xml == NULL)
		return -1;
	net = virNetworkDefineXML(pv->virt->conn, xml);
	free(xml);
	if (net == NULL)
		return fail(pv, "cannot define network '%s': %s", pn->name,
		    virt_last_error());
	pv->created_networks[i] = true;
	if (virNetworkSetAutostart(net, 0) < 0 || virNetworkCreate(net) < 0)
		rc = fail(pv, "cannot start network '%s' (bridge %s): %s",
		    pn->name, pn->bridge, virt_last_error());
	virNetworkFree(net);
	return rc;
}

/* A network of ours already there: replaced, updated, or started. */
static void
converge_network(struct provision *pv, size_t i,
    struct inventory_network *have)
{
	const struct plan_network *pn = &pv->plan->networks[i];
	char *xml = network_xml(pv, i);
	bool same_leases = false;

	if (xml == NULL)
		return;
	if (!same_digest(&have->tag, xml, &same_leases)) {
		if (remove_network(pv, have->net, pn->name) == 0 &&
		    create_network(pv, i) == 0)
			count(pv, &pv->counts.replaced);
	} else {
		if (!same_leases && update_leases(pv, have, pn, xml) == 0)
			count(pv, &pv->counts.updated);
		else if (same_leases)
			count(pv, &pv->counts.unchanged);
		/* Ours but stopped (a reboot of the host): start it. */
		if (!failed(pv) && !have->active &&
		    virNetworkCreate(have->net) < 0)
			fail(pv, "cannot start network '%s': %s", pn->name,
			    virt_last_error());
	}
	free(xml);
}

/*
 * A network over nodes is joined to its twins by rangectl's libvirt hook
 * on each node, when it starts: its VXLAN interface must then be there.
 * libvirt's interface driver sees it; where that driver is missing, or
 * on the test driver, nothing can be told.
 */
static void
check_vxlan(struct provision *pv, size_t i)
{
	char dev[XML_VXLAN_DEVICE_MAX];
	virInterfacePtr iface;
	virErrorPtr err;

	if (pv->virt->test_driver || !pv->cl->spread ||
	    cluster_network_span(pv->cl, pv->plan, i) < 2)
		return;
	xml_vxlan_device(cluster_vni(pv->plan, i), dev);
	iface = virInterfaceLookupByName(pv->virt->conn, dev);
	if (iface != NULL) {
		virInterfaceFree(iface);
		return;
	}
	err = virGetLastError();
	if (err != NULL && err->code == VIR_ERR_NO_INTERFACE)
		fail(pv, "network '%s' started without its VXLAN interface '%s', "
		    "so its hosts here cannot reach those on other nodes: install "
		    "rangectl's libvirt network hook on this node "
		    "(/etc/libvirt/hooks/network.d/rangectl, from 'make install') "
		    "and restart libvirtd", pv->plan->networks[i].name, dev);
}

/* Brings one planned network to its planned state. */
static void
network_job(void *ctx, size_t i)
{
	struct provision *pv = ctx;
	struct inventory_network *have;

	if (failed(pv) || !pv->here_networks[i])
		return;
	have = strmap_get(&pv->inv.network_by_name, pv->plan->networks[i].name);
	if (have == NULL) {
		if (create_network(pv, i) == 0)
			count(pv, &pv->counts.created);
	} else {
		converge_network(pv, i, have);
	}
	if (!failed(pv))
		check_vxlan(pv, i);
	progress_tick(pv->progress);
}

/* The range's volume pool, created if missing. NULL after fail(). */
static virStoragePoolPtr
ensure_pool(struct provision *pv)
{
	char *name = xml_pool_name(pv->plan), *xml;
	virStoragePoolPtr pool;

	pool = virStoragePoolLookupByName(pv->virt->conn, name);
	if (pool == NULL) {
		xml = xml_pool(pv->plan, &pv->xml);
		pool = virStoragePoolDefineXML(pv->virt->conn, xml, 0);
		free(xml);
		if (pool != NULL) {
			pv->created_pool = true;
			if (virStoragePoolBuild(pool, 0) < 0)
				fail(pv, "cannot make the folder '%s' of volume "
				    "pool '%s': %s", pv->xml.pool_path, name,
				    virt_last_error());
		}
	}
	if (pool == NULL)
		fail(pv, "cannot define volume pool '%s': %s", name,
		    virt_last_error());
	else if (!failed(pv) && virStoragePoolIsActive(pool) != 1 &&
	    virStoragePoolCreate(pool, 0) < 0)
		fail(pv, "cannot start volume pool '%s': %s", name,
		    virt_last_error());
	free(name);
	return pool;
}

/* The cloud-init seed of a disk image host (provision_seed.c). */
static int
ensure_seed(struct provision *pv, virStoragePoolPtr pool, size_t i)
{
	char *error = NULL;
	int rc = 0;

	if (provision_seed(pv->virt->conn, pool, pv->plan, &pv->plan->hosts[i],
	    &pv->seeds[i], &error) < 0)
		rc = fail(pv, "host '%s': %s", pv->plan->hosts[i].name, error);
	free(error);
	return rc;
}

/* The overlay of a disk image host: reused if present, else created. */
static int
ensure_volume(struct provision *pv, virStoragePoolPtr pool, size_t i)
{
	const struct plan_host *host = &pv->plan->hosts[i];
	const struct plan_image *img = host->image;
	char *name = xml_volume_name(host), *base, *xml;
	unsigned long long capacity = 0;
	virStorageVolPtr vol;

	vol = virStorageVolLookupByName(pool, name);
	if (vol == NULL) {
		base = plan_path(pv->plan, img->disk);
		/* Unreadable here (a remote node): libvirt sizes it itself. */
		provision_image_size(base, img->format != FORMAT_RAW, &capacity);
		free(base);
		xml = xml_volume(pv->plan, host, capacity);
		vol = virStorageVolCreateXML(pool, xml, 0);
		free(xml);
	}
	if (vol == NULL) {
		fail(pv, "cannot create overlay volume '%s' on image '%s': %s",
		    name, img->id, virt_last_error());
		free(name);
		return -1;
	}
	pv->volumes[i] = virStorageVolGetPath(vol);
	virStorageVolFree(vol);
	free(name);
	return host->guest != NULL ? ensure_seed(pv, pool, i) : 0;
}

static int
ensure_volumes(struct provision *pv)
{
	virStoragePoolPtr pool = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < pv->plan->n_hosts && rc == 0; i++) {
		if (pv->plan->hosts[i].image->disk == NULL ||
		    !host_here(pv, i))
			continue;
		if (pool == NULL && (pool = ensure_pool(pv)) == NULL)
			return -1;
		rc = failed(pv) ? -1 : ensure_volume(pv, pool, i);
		progress_tick(pv->progress);
	}
	if (pool != NULL)
		virStoragePoolFree(pool);
	return rc;
}

#define UNDEFINE_FLAGS (VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | \
	VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)

/*
 * Undefines dom with the UEFI variables and the TPM's state that libvirt
 * made for it (libvirt refuses to forget a domain with variables unless
 * told). Drivers that know neither (the test driver) refuse the flags:
 * then without them, as they made no such files.
 */
static int
undefine_domain(virDomainPtr dom)
{
	if (virDomainUndefineFlags(dom, UNDEFINE_FLAGS |
	    VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_TPM) == 0)
		return 0;
	if (virGetLastErrorCode() != VIR_ERR_INVALID_ARG &&
	    virGetLastErrorCode() != VIR_ERR_NO_SUPPORT)
		return -1;
	return virDomainUndefineFlags(dom, UNDEFINE_FLAGS);
}

/* Removes a domain of ours: powered off, then forgotten with snapshots. */
static int
remove_domain(struct provision *pv, virDomainPtr dom, const char *name)
{
	if (virDomainDestroy(dom) < 0 && !was_not_running())
		return fail(pv, "cannot power off domain '%s': %s", name,
		    virt_last_error());
	if (undefine_domain(dom) < 0)
		return fail(pv, "cannot remove domain '%s': %s", name,
		    virt_last_error());
	return 0;
}

/*
 * A disk host's pristine state, taken before its first boot: an internal
 * snapshot of its overlay, what `revert` returns to. A kernel image host
 * has no disk: booting it again is its revert.
 */
static int
snapshot_initial(struct provision *pv, virDomainPtr dom,
    const struct plan_host *host)
{
	virDomainSnapshotPtr snap;

	if (host->image->disk == NULL)
		return 0;
	snap = virDomainSnapshotCreateXML(dom, "<domainsnapshot><name>"
	    PROVISION_SNAPSHOT "</name><description>state at up, for revert"
	    "</description></domainsnapshot>", 0);
	if (snap == NULL)
		return fail(pv, "cannot take the initial snapshot of domain "
		    "'%s': %s", host->name, virt_last_error());
	virDomainSnapshotFree(snap);
	return 0;
}

static int
create_domain(struct provision *pv, size_t i, const char *xml)
{
	const struct plan_host *host = &pv->plan->hosts[i];
	virDomainPtr dom = virDomainDefineXML(pv->virt->conn, xml);
	int rc = 0;

	if (dom == NULL)
		return fail(pv, "cannot define domain '%s': %s", host->name,
		    virt_last_error());
	pv->created_domains[i] = true;
	if (snapshot_initial(pv, dom, host) < 0)
		rc = -1;
	else if (virDomainCreate(dom) < 0)
		rc = fail(pv, "cannot start domain '%s': %s", host->name,
		    virt_last_error());
	virDomainFree(dom);
	return rc;
}

static void
domain_job(void *ctx, size_t i)
{
	struct provision *pv = ctx;
	const struct plan_host *host = &pv->plan->hosts[i];
	struct inventory_domain *have;
	const char *why = NULL;
	char *xml;

	if (failed(pv) || !host_here(pv, i))
		return;
	if (pv->opts->fault_at_host == i + 1) {
		fail(pv, "cannot define domain '%s': fault injected by a test",
		    host->name);
		return;
	}
	xml = xml_domain_seeded(pv->plan, host, &pv->xml, pv->volumes[i],
	    pv->seeds[i], &why);
	if (xml == NULL) {
		fail(pv, "cannot describe domain '%s': %s", host->name, why);
		return;
	}
	have = strmap_get(&pv->inv.domain_by_name, host->name);
	if (have == NULL) {
		if (create_domain(pv, i, xml) == 0)
			count(pv, &pv->counts.created);
	} else if (same_digest(&have->tag, xml, NULL)) {
		if (!have->active && virDomainCreate(have->dom) < 0)
			fail(pv, "cannot start domain '%s': %s", host->name,
			    virt_last_error());
		count(pv, &pv->counts.unchanged);
	} else if (remove_domain(pv, have->dom, host->name) == 0 &&
	    create_domain(pv, i, xml) == 0) {
		count(pv, &pv->counts.replaced);
	}
	free(xml);
	progress_tick(pv->progress);
}

/* What the range has but the plan dropped: domains first, then networks. */
static void
remove_stale(struct provision *pv)
{
	struct strmap planned;
	size_t i;

	strmap_init(&planned);
	/* Planned here: a host placed elsewhere now goes from this node. */
	for (i = 0; i < pv->plan->n_hosts; i++)
		if (host_here(pv, i))
			strmap_add(&planned, pv->plan->hosts[i].name, pv);
	for (i = 0; i < pv->plan->n_networks; i++)
		if (pv->here_networks[i])
			strmap_add(&planned, pv->plan->networks[i].name, pv);
	for (i = 0; i < pv->inv.n_domains && !failed(pv); i++) {
		struct inventory_domain *d = &pv->inv.domains[i];

		if (d->owner == OWNER_OURS && !strmap_get(&planned, d->name) &&
		    remove_domain(pv, d->dom, d->name) == 0)
			count(pv, &pv->counts.removed);
	}
	for (i = 0; i < pv->inv.n_networks && !failed(pv); i++) {
		struct inventory_network *n = &pv->inv.networks[i];

		if (n->owner == OWNER_OURS && !strmap_get(&planned, n->name) &&
		    remove_network(pv, n->net, n->name) == 0)
			count(pv, &pv->counts.removed);
	}
	strmap_clear(&planned);
}

/* Ready means the guest agent answers, not that QEMU started. */
static void
ready_job(void *ctx, size_t i)
{
	struct provision *pv = ctx;
	const char *name = pv->plan->hosts[i].name;
	double deadline = mono_now() + pv->opts->ready_timeout;
	struct timespec pause = { 0, 500 * 1000 * 1000 };
	virDomainPtr dom;
	char *answer = NULL;

	if (!host_here(pv, i))
		return;
	dom = virDomainLookupByName(pv->virt->conn, name);
	if (dom == NULL) {
		fail(pv, "domain '%s' vanished while starting: %s", name,
		    virt_last_error());
		return;
	}
	while (!failed(pv) && answer == NULL) {
		answer = virDomainQemuAgentCommand(dom,
		    "{\"execute\":\"guest-ping\"}", 2, 0);
		if (answer != NULL)
			break;
		if (virDomainIsActive(dom) != 1)
			fail(pv, "domain '%s' stopped before its guest agent "
			    "answered", name);
		else if (mono_now() > deadline)
			fail(pv, "domain '%s' is not ready: its guest agent did "
			    "not answer within %d seconds (last error: %s)", name,
			    pv->opts->ready_timeout, virt_last_error());
		else
			nanosleep(&pause, NULL);
	}
	free(answer);
	virDomainFree(dom);
	if (!failed(pv))
		progress_tick(pv->progress);
}

/* Whether up waits for the guest agents of this node's hosts. */
static bool
waits(const struct provision *pv)
{
	return pv->opts->ready_timeout > 0 && !pv->virt->test_driver;
}

static void
wait_ready(struct provision *pv)
{
	if (pv->plan->n_hosts == 0 || !waits(pv))
		return;
	if (pv->own_steps)
		progress_step(pv->progress, "waiting for guest agents",
		    pv->plan->n_hosts);
	/* Waiting costs nothing: one thread per host, up to a limit. */
	workers_run(pv->plan->n_hosts, 64, ready_job, pv);
	if (pv->own_steps)
		progress_end(pv->progress);
}

/*
 * Removes the range's volume pool with every volume in it and its folder.
 * Returns how many objects went (volumes and the pool), 0 if none was.
 */
static size_t
remove_pool(struct provision *pv)
{
	char *name = xml_pool_name(pv->plan);
	virStoragePoolPtr pool;
	virStorageVolPtr *vols = NULL;
	size_t removed = 0;
	int n, i;

	pool = virStoragePoolLookupByName(pv->virt->conn, name);
	if (pool == NULL) {
		free(name);
		return 0;
	}
	if (virStoragePoolIsActive(pool) == 1 &&
	    (n = virStoragePoolListAllVolumes(pool, &vols, 0)) > 0) {
		for (i = 0; i < n; i++) {
			if (virStorageVolDelete(vols[i], 0) == 0)
				removed++;
			else
				fail(pv, "cannot delete volume '%s': %s",
				    virStorageVolGetName(vols[i]), virt_last_error());
			virStorageVolFree(vols[i]);
		}
		free(vols);
	}
	if (virStoragePoolIsActive(pool) == 1)
		virStoragePoolDestroy(pool);
	/* The folder is the pool's own; gone with it, if empty as it now is. */
	virStoragePoolDelete(pool, 0);
	if (virStoragePoolUndefine(pool) < 0)
		fail(pv, "cannot remove volume pool '%s': %s", name,
		    virt_last_error());
	else
		removed++;
	virStoragePoolFree(pool);
	free(name);
	return removed;
}

/*
 * The connection to roll back on. When libvirtd went away mid-way, one
 * new connection is tried (it may have been restarted); when that fails
 * too, the error says how to clean up later: every object is tagged.
 */
static bool
rollback_connection(struct provision *pv)
{
	virConnectPtr conn;
	char *more;

	if (virConnectIsAlive(pv->virt->conn) == 1)
		return true;
	conn = virConnectOpen(pv->virt->uri);
	if (conn != NULL) {
		virConnectClose(pv->virt->conn);
		pv->virt->conn = conn;
		return true;
	}
	pthread_mutex_lock(&pv->lock);
	more = xasprintf("%s%slibvirt at '%s' is unreachable, so what this run "
	    "created there could not be removed; it carries the range's tag: "
	    "run 'rangectl down' once libvirtd is back", pv->error ? pv->error :
	    "", pv->error ? "\n" : "", pv->virt->uri);
	free(pv->error);
	pv->error = more;
	pthread_mutex_unlock(&pv->lock);
	return false;
}

/*
 * Undoes what this run created, newest first, reporting what it cannot.
 * False when libvirt could not be reached at all.
 */
static bool
rollback(struct provision *pv)
{
	virConnectPtr conn;
	size_t i;

	if (!rollback_connection(pv))
		return false;
	conn = pv->virt->conn;

	for (i = pv->plan->n_hosts; i-- > 0;) {
		virDomainPtr dom;

		if (!pv->created_domains[i] ||
		    (dom = virDomainLookupByName(conn, pv->plan->hosts[i].name)) == NULL)
			continue;
		if (virDomainIsActive(dom) == 1)
			virDomainDestroy(dom);
		if (undefine_domain(dom) < 0)
			progress_note(pv->progress, "rollback: cannot remove "
			    "domain '%s': %s", pv->plan->hosts[i].name,
			    virt_last_error());
		virDomainFree(dom);
	}
	if (pv->created_pool)
		remove_pool(pv);
	for (i = pv->plan->n_networks; i-- > 0;) {
		virNetworkPtr net;

		if (!pv->created_networks[i] || (net = virNetworkLookupByName(
		    conn, pv->plan->networks[i].name)) == NULL)
			continue;
		if (virNetworkIsActive(net) == 1)
			virNetworkDestroy(net);
		if (virNetworkUndefine(net) < 0)
			progress_note(pv->progress, "rollback: cannot remove "
			    "network '%s': %s", pv->plan->networks[i].name,
			    virt_last_error());
		virNetworkFree(net);
	}
	return true;
}

static void
provision_init(struct provision *pv, const struct plan *plan,
    const struct cluster *cl, size_t node, const struct provision_opts *opts,
    struct progress *progress, atomic_bool *abort)
{
	size_t i;

	memset(pv, 0, sizeof(*pv));
	pv->plan = plan;
	pv->cl = cl;
	pv->node = node;
	pv->virt = &cl->nodes[node];
	pv->abort = abort;
	pv->own_steps = cl->n == 1;
	pv->opts = opts;
	pv->progress = progress;
	pv->xml.kvm = opts->kvm;
	/* The test driver takes filters as text; real ones need nwfilter. */
	pv->xml.nwfilter = true;
	pv->xml.pool_path = opts->pool_path;
	pthread_mutex_init(&pv->lock, NULL);
	pv->here_networks = xcalloc(plan->n_networks + 1, sizeof(bool));
	for (i = 0; i < plan->n_networks; i++)
		pv->here_networks[i] = cluster_network_on(cl, plan, i, node);
	pv->created_networks = xcalloc(plan->n_networks + 1, sizeof(bool));
	pv->created_domains = xcalloc(plan->n_hosts + 1, sizeof(bool));
	pv->volumes = xcalloc(plan->n_hosts + 1, sizeof(char *));
	pv->seeds = xcalloc(plan->n_hosts + 1, sizeof(char *));
}

/* Frees what pv holds and returns its error (the caller frees it). */
static char *
provision_finish(struct provision *pv)
{
	char *error = pv->error;
	size_t i;

	for (i = 0; i < pv->plan->n_hosts; i++)
		free(pv->volumes[i]);
	free(pv->volumes);
	for (i = 0; i < pv->plan->n_hosts; i++)
		free(pv->seeds[i]);
	free(pv->seeds);
	free(pv->here_networks);
	free(pv->created_networks);
	free(pv->created_domains);
	inventory_clear(&pv->inv);
	pthread_mutex_destroy(&pv->lock);
	return error;
}

static void
stage_begin(struct provision *pv, const char *step, size_t n)
{
	if (pv->own_steps)
		progress_step(pv->progress, step, n);
}

static void
stage_end(struct provision *pv)
{
	if (pv->own_steps)
		progress_end(pv->progress);
}

static void
run_stage(struct provision *pv, const char *step, size_t n,
    void (*job)(void *, size_t))
{
	if (failed(pv) || n == 0)
		return;
	stage_begin(pv, step, n);
	workers_run(n, pv->opts->threads, job, pv);
	stage_end(pv);
}

static size_t
disk_hosts_here(const struct provision *pv)
{
	size_t i, n = 0;

	for (i = 0; i < pv->plan->n_hosts; i++)
		n += host_here(pv, i) &&
		    pv->plan->hosts[i].image->disk != NULL;
	return n;
}

/* The progress units of up on pv's node: one per object, one per wait. */
static size_t
units_here(const struct provision *pv)
{
	size_t i, n = disk_hosts_here(pv);

	for (i = 0; i < pv->plan->n_networks; i++)
		n += pv->here_networks[i];
	for (i = 0; i < pv->plan->n_hosts; i++)
		n += host_here(pv, i) * (waits(pv) ? 2 : 1);
	return n;
}

/* Everything of up on pv's node but the rollback. */
static void
build(struct provision *pv)
{
	const struct plan *plan = pv->plan;
	char *why = NULL;

	if (inventory_load(&pv->inv, pv->virt->conn, plan->exercise,
	    &why) < 0) {
		fail(pv, "%s", why);
		free(why);
		return;
	}
	if (preflight(pv) < 0)
		return;
	run_stage(pv, "creating networks", plan->n_networks, network_job);
	if (!failed(pv) && disk_hosts_here(pv) > 0) {
		stage_begin(pv, "creating overlay volumes", disk_hosts_here(pv));
		ensure_volumes(pv);
		stage_end(pv);
	}
	run_stage(pv, "creating domains", plan->n_hosts, domain_job);
	if (!failed(pv))
		remove_stale(pv);
	if (!failed(pv))
		wait_ready(pv);
}

static void
build_job(void *ctx, size_t node)
{
	build(&((struct provision *)ctx)[node]);
}

static void
rollback_job(void *ctx, size_t node)
{
	struct provision *pv = &((struct provision *)ctx)[node];

	pv->unreachable = !rollback(pv);
}

/*
 * Joins the nodes' errors into one, in node order, and frees each node's
 * state. NULL when none failed.
 */
static char *
finish_all(struct provision *pvs, size_t n)
{
	struct strbuf all;
	size_t i;
	char *one;

	strbuf_init(&all);
	for (i = 0; i < n; i++)
		if ((one = provision_finish(&pvs[i])) != NULL) {
			strbuf_printf(&all, "%s%s", all.len ? "\n" : "", one);
			free(one);
		}
	if (all.len == 0) {
		strbuf_free(&all);
		return NULL;
	}
	return strbuf_steal(&all);
}

static void
add_counts(struct provision_counts *sum, const struct provision_counts *c)
{
	sum->created += c->created;
	sum->replaced += c->replaced;
	sum->updated += c->updated;
	sum->unchanged += c->unchanged;
	sum->removed += c->removed;
}

/*
 * Starts the one progress step of a range over several nodes; returns its
 * name, which progress borrows until progress_end() (the caller frees it).
 */
static char *
spread_begin(struct provision *pvs, const struct cluster *cl,
    struct progress *progress)
{
	char *step = xasprintf("building the range on %zu nodes", cl->n);
	size_t i, units = 0;

	for (i = 0; i < cl->n; i++)
		units += units_here(&pvs[i]);
	progress_step(progress, step, units);
	return step;
}

/* Whether this run created anything on pv's node. */
static bool
created_any(const struct provision *pv)
{
	size_t i;

	for (i = 0; i < pv->plan->n_hosts; i++)
		if (pv->created_domains[i])
			return true;
	for (i = 0; i < pv->plan->n_networks; i++)
		if (pv->created_networks[i])
			return true;
	return pv->created_pool;
}

/* Whether rollback removed something, and could reach every node. */
static bool
rolled_back(const struct provision *pvs, size_t n)
{
	bool some = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (pvs[i].unreachable)
			return false;
		some = some || created_any(&pvs[i]);
	}
	return some;
}

int
provision_up_cluster(const struct plan *plan, struct cluster *cl,
    const struct provision_opts *opts, struct progress *progress,
    struct provision_counts *counts, char **error)
{
	struct provision *pvs;
	atomic_bool abort;
	size_t i;

	memset(counts, 0, sizeof(*counts));
	/* Known before any work: refused whole, not found by a node midway. */
	if (cluster_check_underlays(cl, plan, error) < 0)
		return -1;
	pvs = xcalloc(cl->n ? cl->n : 1, sizeof(*pvs));
	atomic_init(&abort, false);
	for (i = 0; i < cl->n; i++)
		provision_init(&pvs[i], plan, cl, i, opts, progress, &abort);
	if (opts->ready_timeout > 0 && plan->n_hosts > 0 && cl->n > 0 &&
	    cl->nodes[0].test_driver)
		progress_note(progress, "note: the test driver has no guest "
		    "agent; not waiting for the hosts to answer");
	if (cl->n == 1) {
		build(&pvs[0]);
	} else {
		char *step = spread_begin(pvs, cl, progress);

		cluster_each(cl, build_job, pvs);
		progress_end(progress);
		free(step);
	}
	if (atomic_load(&abort)) {
		/* All or nothing: every node undoes what this run made there. */
		cluster_each(cl, rollback_job, pvs);
		if (rolled_back(pvs, cl->n))
			progress_note(progress, "rolled back: what this run had "
			    "created is removed");
	}
	for (i = 0; i < cl->n; i++)
		add_counts(counts, &pvs[i].counts);
	*error = finish_all(pvs, cl->n);
	free(pvs);
	return *error != NULL ? -1 : 0;
}

int
provision_up(const struct plan *plan, struct virt *virt,
    const struct provision_opts *opts, struct progress *progress,
    struct provision_counts *counts, char **error)
{
	struct cluster one = { virt, 1, false, NULL };

	return provision_up_cluster(plan, &one, opts, progress, counts, error);
}

static void
down_domain_job(void *ctx, size_t i)
{
	struct provision *pv = ctx;
	struct inventory_domain *d = &pv->inv.domains[i];

	if (d->owner == OWNER_OURS && remove_domain(pv, d->dom, d->name) == 0)
		count(pv, &pv->counts.removed);
	if (pv->own_steps)
		progress_tick(pv->progress);
}

static void
down_rest_job(void *ctx, size_t i)
{
	struct provision *pv = ctx;

	down_domain_job(pv, pv->down_from + i);
}

/*
 * Threads pay where libvirt takes milliseconds a domain (a QEMU guest to
 * kill, a daemon far away); where it answers in microseconds (the test
 * driver), starting eight cost more than the whole removal. The first
 * few domains of ours, removed on this thread, tell which: the fastest
 * of them, as a loaded machine only ever adds time to one.
 */
#define DOWN_ALONE_SECONDS 0.0005
#define DOWN_TIMED 3

static void
down_domains(struct provision *pv)
{
	const struct inventory *inv = &pv->inv;
	unsigned threads = pv->opts->threads;
	double fastest = 1e9, t;
	size_t i = 0, timed = 0;

	while (i < inv->n_domains && timed < DOWN_TIMED) {
		bool ours = inv->domains[i].owner == OWNER_OURS;

		t = mono_now();
		down_domain_job(pv, i++);
		t = mono_now() - t;
		if (ours && t < fastest)
			fastest = t;
		timed += ours;
	}
	if (fastest < DOWN_ALONE_SECONDS)
		threads = 1;
	pv->down_from = i;
	workers_run(inv->n_domains - i, threads, down_rest_job, pv);
}

/* Removes everything of the range on pv's node, wherever the plan says. */
static void
take_down(struct provision *pv)
{
	char *why = NULL;
	size_t i;

	if (inventory_load_tags(&pv->inv, pv->virt->conn,
	    pv->plan->exercise, &why) < 0) {
		fail(pv, "%s", why);
		free(why);
		return;
	}
	stage_begin(pv, "removing domains", pv->inv.n_domains);
	down_domains(pv);
	stage_end(pv);
	pv->counts.removed += remove_pool(pv);
	for (i = 0; i < pv->inv.n_networks; i++) {
		struct inventory_network *n = &pv->inv.networks[i];

		if (n->owner == OWNER_OURS &&
		    remove_network(pv, n->net, n->name) == 0)
			pv->counts.removed++;
	}
}

static void
take_down_job(void *ctx, size_t node)
{
	struct provision *pv = &((struct provision *)ctx)[node];

	take_down(pv);
	progress_tick(pv->progress);
}

int
provision_down_cluster(const struct plan *plan, struct cluster *cl,
    struct progress *progress, size_t *removed, char **error)
{
	struct provision_opts opts = { .threads = WORKERS_DEFAULT };
	struct provision *pvs = xcalloc(cl->n ? cl->n : 1, sizeof(*pvs));
	atomic_bool abort;
	size_t i;

	/* One node failing does not stop the others: down does what it can. */
	atomic_init(&abort, false);
	for (i = 0; i < cl->n; i++)
		provision_init(&pvs[i], plan, cl, i, &opts, progress, &abort);
	if (cl->n == 1) {
		take_down(&pvs[0]);
	} else {
		char *step = xasprintf("removing the range from %zu nodes", cl->n);

		progress_step(progress, step, cl->n);
		cluster_each(cl, take_down_job, pvs);
		progress_end(progress);
		free(step);
	}
	*removed = 0;
	for (i = 0; i < cl->n; i++)
		*removed += pvs[i].counts.removed;
	*error = finish_all(pvs, cl->n);
	free(pvs);
	return *error != NULL ? -1 : 0;
}

int
provision_down(const struct plan *plan, struct virt *virt,
    struct progress *progress, size_t *removed, char **error)
{
	struct cluster one = { virt, 1, false, NULL };

	return provision_down_cluster(plan, &one, progress, removed, error);
}
