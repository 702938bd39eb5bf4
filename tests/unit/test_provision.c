/*
 * test_provision.c: up, status, down against libvirt's test driver, and
 * golden files of the XML rangectl writes.
 *
 * test:///default is one in-process hypervisor shared by every connection
 * of the process, holding a few objects of its own ("test", "default"):
 * exactly the neighbours that `down` must never touch.
 */
#include "harness.h"

#include <libvirt/libvirt.h>

#include "rangectl/cluster.h"
#include "rangectl/fairness_live.h"
#include "rangectl/provision.h"
#include "rangectl/range.h"
#include "rangectl/status.h"
#include "rangectl/util.h"
#include "rangectl/xml.h"

#define URI "test:///default"

static bool
load(struct range *range, const char *path)
{
	struct diag_list diags;
	int rc;

	diag_list_init(&diags);
	rc = range_load(range, path, &diags);
	diag_print(&diags, path, stderr);
	diag_list_clear(&diags);
	return rc == 0;
}

static struct provision_opts
test_opts(void)
{
	struct provision_opts o = { .threads = 4, .ready_timeout = 0,
	    .pool_path = "/tmp/rangectl-test-pool" };

	return o;
}

static int
up(struct range *range, struct virt *virt, struct provision_opts *opts,
    struct provision_counts *counts)
{
	struct progress progress;
	char *error = NULL;
	int rc;

	progress_init(&progress, stderr, true);
	rc = provision_up(range->plan, virt, opts, &progress, counts, &error);
	if (rc < 0)
		fprintf(stderr, "up: %s\n", error);
	free(error);
	progress_destroy(&progress);
	return rc;
}

static size_t
down(struct range *range, struct virt *virt)
{
	struct progress progress;
	char *error = NULL;
	size_t removed = 0;

	progress_init(&progress, stderr, true);
	CHECK_INT_EQ(provision_down(range->plan, virt, &progress, &removed,
	    &error), 0);
	free(error);
	progress_destroy(&progress);
	return removed;
}

/* How many domains and networks on the connection carry range's tag. */
static size_t
tagged_objects(struct virt *virt, const char *range)
{
	virDomainPtr *doms = NULL;
	virNetworkPtr *nets = NULL;
	struct xml_tag tag;
	size_t n = 0;
	int i, nd, nn;

	nd = virConnectListAllDomains(virt->conn, &doms, 0);
	for (i = 0; i < nd; i++) {
		char *xml = virDomainGetXMLDesc(doms[i], 0);

		if (xml_find_tag(xml, &tag) == 0 && strcmp(tag.range, range) == 0)
			n++;
		xml_tag_clear(&tag);
		free(xml);
		virDomainFree(doms[i]);
	}
	nn = virConnectListAllNetworks(virt->conn, &nets, 0);
	for (i = 0; i < nn; i++) {
		char *xml = virNetworkGetXMLDesc(nets[i], 0);

		if (xml_find_tag(xml, &tag) == 0 && strcmp(tag.range, range) == 0)
			n++;
		xml_tag_clear(&tag);
		free(xml);
		virNetworkFree(nets[i]);
	}
	free(doms);
	free(nets);
	return n;
}

static bool
pool_exists(struct virt *virt, const char *name)
{
	virStoragePoolPtr pool = virStoragePoolLookupByName(virt->conn, name);

	if (pool == NULL)
		return false;
	virStoragePoolFree(pool);
	return true;
}

TEST(up_status_up_down)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c = { 0 };
	struct range range;
	struct virt virt;
	char *error = NULL;
	json_t *status;

	if (!CHECK(load(&range, "tests/scenarios/ok-disk-image.yaml")) ||
	    !CHECK(virt_open(&virt, URI, &error) == 0))
		return;
	CHECK_INT_EQ(up(&range, &virt, &opts, &c), 0);
	CHECK_INT_EQ(c.created, range.plan->n_networks + range.plan->n_hosts);
	CHECK_INT_EQ(tagged_objects(&virt, "disk"),
	    range.plan->n_networks + range.plan->n_hosts);
	CHECK(pool_exists(&virt, "disk-volumes"));
	status = status_collect(range.plan, &virt, &error);
	if (CHECK(status != NULL)) {
		json_t *host = json_array_get(json_object_get(status, "hosts"), 0);

		CHECK_STR_EQ(json_string_value(json_object_get(host, "state")),
		    "running");
		CHECK_INT_EQ(json_array_size(json_object_get(status, "stale")), 0);
	}
	json_decref(status);
	/* A second up changes nothing. */
	memset(&c, 0, sizeof(c));
	CHECK_INT_EQ(up(&range, &virt, &opts, &c), 0);
	CHECK_INT_EQ(c.created + c.replaced + c.removed, 0);
	CHECK_INT_EQ(c.unchanged, range.plan->n_networks + range.plan->n_hosts);
	CHECK(down(&range, &virt) > 0);
	CHECK_INT_EQ(tagged_objects(&virt, "disk"), 0);
	CHECK(!pool_exists(&virt, "disk-volumes"));
	virt_close(&virt);
	range_clear(&range);
}

TEST(down_leaves_neighbours_alone)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c;
	struct range range;
	struct virt virt;
	char *error = NULL;
	virDomainPtr test_dom;

	if (!CHECK(load(&range, "scenarios/demo.yaml")) ||
	    !CHECK(virt_open(&virt, URI, &error) == 0))
		return;
	CHECK_INT_EQ(up(&range, &virt, &opts, &c), 0);
	down(&range, &virt);
	CHECK_INT_EQ(tagged_objects(&virt, "demo"), 0);
	/* The test driver's own objects are still there. */
	test_dom = virDomainLookupByName(virt.conn, "test");
	CHECK(test_dom != NULL);
	if (test_dom != NULL)
		virDomainFree(test_dom);
	virt_close(&virt);
	range_clear(&range);
}

/*
 * down asks no state: it destroys every tagged object and takes "not
 * running" for done. A guest shut off and a network stopped by hand go
 * all the same.
 */
TEST(down_removes_what_is_stopped)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c;
	struct range range;
	struct virt virt;
	char *error = NULL;
	virDomainPtr dom;
	virNetworkPtr net;

	if (!CHECK(load(&range, "scenarios/demo.yaml")) ||
	    !CHECK(virt_open(&virt, URI, &error) == 0))
		return;
	CHECK_INT_EQ(up(&range, &virt, &opts, &c), 0);
	dom = virDomainLookupByName(virt.conn, range.plan->hosts[0].name);
	net = virNetworkLookupByName(virt.conn, range.plan->networks[0].name);
	if (CHECK(dom != NULL && net != NULL)) {
		CHECK_INT_EQ(virDomainDestroy(dom), 0);
		CHECK_INT_EQ(virNetworkDestroy(net), 0);
		CHECK_INT_EQ(virDomainIsActive(dom), 0);
	}
	CHECK_INT_EQ(down(&range, &virt),
	    range.plan->n_networks + range.plan->n_hosts);
	CHECK_INT_EQ(tagged_objects(&virt, "demo"), 0);
	if (dom != NULL)
		virDomainFree(dom);
	if (net != NULL)
		virNetworkFree(net);
	virt_close(&virt);
	range_clear(&range);
}

/* XML's copy without its <uuid> line: libvirt then draws one at random. */
static char *
without_uuid(const char *xml)
{
	const char *at = xml ? strstr(xml, "<uuid>") : NULL, *end;

	if (!CHECK(at != NULL) || (end = strchr(at, '\n')) == NULL)
		return xstrdup("");
	return xasprintf("%.*s%s", (int)(at - xml), xml, end + 1);
}

/* The name-based UUID of RFC 9562: the same as Python's uuid.uuid5(). */
TEST(uuid_is_name_based)
{
	unsigned char u[XML_UUID_LEN];
	static const unsigned char want[XML_UUID_LEN] = {
		0x21, 0xcb, 0x32, 0xe7, 0x78, 0x1b, 0x55, 0x62,
		0x86, 0x48, 0xbb, 0xe5, 0xfb, 0x81, 0x60, 0xe0,
	};

	CHECK_INT_EQ(xml_uuid("domain", "demo", "demo-ro-web", u), 0);
	CHECK(memcmp(u, want, XML_UUID_LEN) == 0);
	CHECK_INT_EQ(xml_uuid("network", "demo", "demo-ro-web", u), 0);
	CHECK(memcmp(u, want, XML_UUID_LEN) != 0);
}

/*
 * Objects made before rangectl derived their UUIDs have random ones:
 * down tells them by their tag, as it did, and removes them all the same.
 */
TEST(down_removes_objects_of_random_uuids)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c;
	struct range range;
	struct virt virt;
	char *error = NULL, *xml, *old;
	virDomainPtr dom;
	virNetworkPtr net;

	if (!CHECK(load(&range, "scenarios/demo.yaml")) ||
	    !CHECK(virt_open(&virt, URI, &error) == 0))
		return;
	CHECK_INT_EQ(up(&range, &virt, &opts, &c), 0);
	dom = virDomainLookupByName(virt.conn, range.plan->hosts[0].name);
	net = virNetworkLookupByName(virt.conn, range.plan->networks[0].name);
	if (CHECK(dom != NULL && net != NULL)) {
		xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
		old = without_uuid(xml);
		virDomainDestroy(dom);
		CHECK_INT_EQ(virDomainUndefine(dom), 0);
		virDomainFree(dom);
		dom = virDomainDefineXML(virt.conn, old);
		CHECK(dom != NULL);
		free(xml);
		free(old);
		xml = virNetworkGetXMLDesc(net, 0);
		old = without_uuid(xml);
		virNetworkDestroy(net);
		CHECK_INT_EQ(virNetworkUndefine(net), 0);
		virNetworkFree(net);
		net = virNetworkDefineXML(virt.conn, old);
		CHECK(net != NULL);
		free(xml);
		free(old);
	}
	CHECK_INT_EQ(down(&range, &virt),
	    range.plan->n_networks + range.plan->n_hosts);
	CHECK_INT_EQ(tagged_objects(&virt, "demo"), 0);
	if (dom != NULL)
		virDomainFree(dom);
	if (net != NULL)
		virNetworkFree(net);
	virt_close(&virt);
	range_clear(&range);
}

TEST(name_taken_by_a_stranger_fails_cleanly)
{
	static const char foreign[] = "<domain type='test'><name>demo-ro-web"
	    "</name><memory>65536</memory><os><type>hvm</type></os></domain>";
	struct provision_opts opts = test_opts();
	struct provision_counts c;
	struct range range;
	struct virt virt;
	char *error = NULL;
	virDomainPtr dom;

	if (!CHECK(load(&range, "scenarios/demo.yaml")) ||
	    !CHECK(virt_open(&virt, URI, &error) == 0))
		return;
	dom = virDomainDefineXML(virt.conn, foreign);
	CHECK(dom != NULL);
	CHECK_INT_EQ(up(&range, &virt, &opts, &c), -1);
	CHECK_INT_EQ(tagged_objects(&virt, "demo"), 0);
	/* down does not take the stranger for ours either. */
	down(&range, &virt);
	CHECK(virDomainLookupByName(virt.conn, "demo-ro-web") != NULL);
	if (dom != NULL) {
		virDomainUndefine(dom);
		virDomainFree(dom);
	}
	virt_close(&virt);
	range_clear(&range);
}

TEST(failure_midway_rolls_back)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c;
	struct range range;
	struct virt virt;
	char *error = NULL;

	if (!CHECK(load(&range, "tests/scenarios/ok-disk-image.yaml")) ||
	    !CHECK(virt_open(&virt, URI, &error) == 0))
		return;
	opts.threads = 1;
	opts.fault_at_host = range.plan->n_hosts;	/* the last one */
	CHECK_INT_EQ(up(&range, &virt, &opts, &c), -1);
	CHECK_INT_EQ(tagged_objects(&virt, "disk"), 0);
	CHECK(!pool_exists(&virt, "disk-volumes"));
	virt_close(&virt);
	range_clear(&range);
}

TEST(missing_image_fails_before_anything_is_made)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c;
	struct range range;
	struct virt virt;
	char *error = NULL;

	/* ok-minimal's kernel file does not exist next to it. */
	if (!CHECK(load(&range, "tests/scenarios/ok-minimal.yaml")) ||
	    !CHECK(virt_open(&virt, URI, &error) == 0))
		return;
	opts.check_files = true;
	CHECK_INT_EQ(up(&range, &virt, &opts, &c), -1);
	CHECK_INT_EQ(c.created, 0);
	CHECK_INT_EQ(tagged_objects(&virt, range.plan->exercise), 0);
	virt_close(&virt);
	range_clear(&range);
}

TEST(changed_scenario_converges)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c = { 0 };
	struct range before, after;
	struct virt virt;
	char *error = NULL;

	if (!CHECK(load(&before, "tests/provision/converge-before.yaml")) ||
	    !CHECK(load(&after, "tests/provision/converge-after.yaml")) ||
	    !CHECK(virt_open(&virt, URI, &error) == 0))
		return;
	CHECK_INT_EQ(up(&before, &virt, &opts, &c), 0);
	memset(&c, 0, sizeof(c));
	CHECK_INT_EQ(up(&after, &virt, &opts, &c), 0);
	/*
	 * web got more memory, db is new, mail is gone; the network only
	 * changes its leases, in place; gw stays as it was.
	 */
	CHECK_INT_EQ(c.replaced, 1);
	CHECK_INT_EQ(c.created, 1);
	CHECK_INT_EQ(c.removed, 1);
	CHECK_INT_EQ(c.updated, 1);
	CHECK_INT_EQ(c.unchanged, 1);
	down(&after, &virt);
	CHECK_INT_EQ(tagged_objects(&virt, "conv"), 0);
	virt_close(&virt);
	range_clear(&before);
	range_clear(&after);
}

/* Compares text with the golden file, or rewrites it when asked to. */
static void
check_golden(const char *path, const char *text)
{
	FILE *f;
	char *want;
	long n;

	if (getenv("RANGECTL_REGENERATE") != NULL) {
		f = fopen(path, "w");
		if (CHECK(f != NULL)) {
			fputs(text, f);
			fclose(f);
		}
		return;
	}
	f = fopen(path, "r");
	if (!CHECK(f != NULL))
		return;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	want = xcalloc(1, (size_t)n + 1);
	CHECK_INT_EQ(fread(want, 1, (size_t)n, f), n);
	fclose(f);
	if (strcmp(want, text) != 0)
		fprintf(stderr, "%s differs; got:\n%s", path, text);
	CHECK(strcmp(want, text) == 0);
	free(want);
}

TEST(xml_golden)
{
	struct xml_options opt = { .kvm = false, .nwfilter = true,
	    .pool_path = "/var/lib/rangectl/pools/disk" };
	struct range range;
	const char *why;
	char *xml;

	if (!CHECK(load(&range, "tests/scenarios/ok-disk-image.yaml")))
		return;
	xml = xml_network(range.plan, &range.plan->networks[0]);
	check_golden("tests/xml/network.xml", xml);
	free(xml);
	xml = xml_pool(range.plan, &opt);
	check_golden("tests/xml/pool.xml", xml);
	free(xml);
	xml = xml_volume(range.plan, &range.plan->hosts[0], 10ULL << 30);
	check_golden("tests/xml/volume.xml", xml);
	free(xml);
	xml = xml_domain(range.plan, &range.plan->hosts[0], &opt,
	    "/var/lib/rangectl/pools/disk/x.qcow2", &why);
	check_golden("tests/xml/domain-disk.xml", xml);
	free(xml);
	xml = xml_domain_seeded(range.plan, &range.plan->hosts[0], &opt,
	    "/var/lib/rangectl/pools/disk/x.qcow2",
	    "/var/lib/rangectl/pools/disk/x-cidata-0123456789abcdef.iso", &why);
	check_golden("tests/xml/domain-seeded.xml", xml);
	free(xml);
	range_clear(&range);
	if (!CHECK(load(&range, "scenarios/demo.yaml")))
		return;
	xml = xml_domain(range.plan, &range.plan->hosts[2], &opt, NULL, &why);
	check_golden("tests/xml/domain-kernel.xml", xml);
	free(xml);
	range_clear(&range);
	/* The hardware knobs: UEFI, q35, SATA, e1000e, a screen, a TPM. */
	if (!CHECK(load(&range, "scenarios/windows-ad.yaml")))
		return;
	CHECK_STR_EQ(range.plan->hosts[1].name, "winad-blue-dc");
	xml = xml_domain(range.plan, &range.plan->hosts[1], &opt,
	    "/var/lib/rangectl/pools/winad/winad-blue-dc.qcow2", &why);
	check_golden("tests/xml/domain-windows-dc.xml", xml);
	free(xml);
	CHECK_STR_EQ(range.plan->hosts[2].name, "winad-blue-ws");
	xml = xml_domain(range.plan, &range.plan->hosts[2], &opt,
	    "/var/lib/rangectl/pools/winad/winad-blue-ws.qcow2", &why);
	check_golden("tests/xml/domain-windows-ws.xml", xml);
	free(xml);
	range_clear(&range);
}

/*
 * A screen only where the image asks for one, and never on a network:
 * VNC on a UNIX socket that libvirt puts in the domain's own private
 * folder on the hypervisor (rangectl reaches it with
 * virDomainOpenGraphicsFD, never by its path), with no address or port.
 */
TEST(screens_listen_on_no_network)
{
	struct xml_options opt = { .kvm = false, .nwfilter = true,
	    .pool_path = "/var/lib/rangectl/pools/scr" };
	static const char *const network[] = { "<listen type='address'",
	    "<listen type='network'", "autoport", "websocket=",
	    "<graphics type='spice'" };
	struct range range;
	const char *why;
	size_t i, j;

	if (!CHECK(load(&range, "tests/engine/screen.yaml")))
		return;
	for (i = 0; i < range.plan->n_hosts; i++) {
		const struct plan_host *h = &range.plan->hosts[i];
		char *xml = xml_domain(range.plan, h, &opt, NULL, &why);
		const char *first;
		bool desk = strstr(h->name, "-desk") != NULL;

		if (!CHECK(xml != NULL))
			continue;
		CHECK_INT_EQ(h->hw.graphics, desk ? GRAPHICS_VNC : GRAPHICS_NONE);
		CHECK((strstr(xml, "<graphics type='vnc'>\n      <listen "
		    "type='socket'/>\n    </graphics>") != NULL) == desk);
		/* That one element, and no other screen. */
		first = strstr(xml, "<graphics");
		CHECK((first != NULL) == desk);
		CHECK(first == NULL || strstr(first + 1, "<graphics") == NULL);
		for (j = 0; j < sizeof(network) / sizeof(network[0]); j++)
			if (!CHECK(strstr(xml, network[j]) == NULL))
				fprintf(stderr, "  %s has %s\n", h->name, network[j]);
		free(xml);
	}
	range_clear(&range);
}

TEST(tags_read_back)
{
	struct xml_tag tag;

	CHECK_INT_EQ(xml_parse_tag("<range name=\"demo\" team=\"ro\" "
	    "host=\"web\" digest=\"00ff\"/>", &tag), 0);
	CHECK_STR_EQ(tag.range, "demo");
	CHECK_STR_EQ(tag.team, "ro");
	CHECK_STR_EQ(tag.host, "web");
	CHECK_STR_EQ(tag.digest, "00ff");
	xml_tag_clear(&tag);
	CHECK_INT_EQ(xml_find_tag("<network><name>x</name></network>", &tag),
	    -1);
	CHECK_INT_EQ(xml_find_tag("<network><metadata><r:range xmlns:r='"
	    XML_NS_URI "' name='a'/></metadata></network>", &tag), 0);
	CHECK_STR_EQ(tag.range, "a");
	CHECK(tag.team == NULL);
	xml_tag_clear(&tag);
}

/* The names of the volumes in pool with prefix, one a line, sorted. */
static size_t
count_volumes(struct virt *virt, const char *pool_name, const char *part)
{
	virStoragePoolPtr pool = virStoragePoolLookupByName(virt->conn,
	    pool_name);
	virStorageVolPtr *vols = NULL;
	size_t found = 0;
	int i, n;

	if (pool == NULL)
		return 0;
	n = virStoragePoolListAllVolumes(pool, &vols, 0);
	for (i = 0; i < n; i++) {
		found += strstr(virStorageVolGetName(vols[i]), part) != NULL;
		virStorageVolFree(vols[i]);
	}
	free(vols);
	virStoragePoolFree(pool);
	return found;
}

static char *
domain_xml(struct virt *virt, const char *name)
{
	virDomainPtr dom = virDomainLookupByName(virt->conn, name);
	char *xml;

	if (dom == NULL)
		return xstrdup("");
	xml = virDomainGetXMLDesc(dom, 0);
	virDomainFree(dom);
	return xml;
}

/*
 * cloud-init hosts get a seed volume each, on a CD-ROM; an unchanged host
 * keeps it, a changed one gets a new one (the old one deleted) and is made
 * anew; down takes them with the pool.
 */
TEST(cloud_init_seed_volumes)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c = { 0 };
	struct plan_host *web = NULL;
	struct range range;
	struct virt virt;
	char *error = NULL, *xml;
	size_t i;

	if (!CHECK(load(&range, "tests/scenarios/ok-cloud-init.yaml")) ||
	    !CHECK(virt_open(&virt, URI, &error) == 0))
		return;
	CHECK_INT_EQ(up(&range, &virt, &opts, &c), 0);
	/* Two gateways and two web servers; red's kali has no cloud-init. */
	CHECK_INT_EQ(count_volumes(&virt, "ci-volumes", "-cidata-"), 4);
	CHECK_INT_EQ(count_volumes(&virt, "ci-volumes", ".qcow2"), 5);
	xml = domain_xml(&virt, "ci-ro-web");
	CHECK(strstr(xml, "device='cdrom'") != NULL);
	CHECK(strstr(xml, "ci-ro-web-cidata-") != NULL);
	free(xml);
	xml = domain_xml(&virt, "ci-red-kali");
	CHECK(strstr(xml, "device='cdrom'") == NULL);
	free(xml);
	memset(&c, 0, sizeof(c));
	CHECK_INT_EQ(up(&range, &virt, &opts, &c), 0);
	CHECK_INT_EQ(c.unchanged, range.plan->n_networks + range.plan->n_hosts);
	CHECK_INT_EQ(count_volumes(&virt, "ci-volumes", "-cidata-"), 4);
	for (i = 0; i < range.plan->n_hosts; i++)
		if (strcmp(range.plan->hosts[i].name, "ci-ro-web") == 0)
			web = &range.plan->hosts[i];
	if (CHECK(web != NULL && web->guest->run.count > 0)) {
		free(web->guest->run.items[0]);
		web->guest->run.items[0] = xstrdup("true");
		memset(&c, 0, sizeof(c));
		CHECK_INT_EQ(up(&range, &virt, &opts, &c), 0);
		CHECK_INT_EQ(c.replaced, 1);
		CHECK_INT_EQ(count_volumes(&virt, "ci-volumes",
		    "ci-ro-web-cidata-"), 1);
	}
	down(&range, &virt);
	CHECK(!pool_exists(&virt, "ci-volumes"));
	CHECK_INT_EQ(tagged_objects(&virt, "ci"), 0);
	virt_close(&virt);
	range_clear(&range);
}

/*
 * fairness_live(): each team's digest of what libvirt holds for it is
 * stable, its own, and changes when one of the team's domains is
 * redefined by hand (its tag kept) or removed; the other team's does not.
 */
TEST(live_digest_sees_a_redefined_domain)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c = { 0 };
	const char *uri = URI;
	char before[3][FAIRNESS_HEX], again[3][FAIRNESS_HEX];
	char after[3][FAIRNESS_HEX];
	char *error = NULL, *xml, *edited, *at;
	struct range range;
	struct cluster cl;
	virDomainPtr dom;

	if (!CHECK(load(&range, "tests/fairness/template.yaml")) ||
	    !CHECK(cluster_open(&cl, &uri, 1, false, &error) == 0))
		return;
	CHECK(!fairness_live_lasts(&cl));
	CHECK_INT_EQ(up(&range, &cl.nodes[0], &opts, &c), 0);
	CHECK_INT_EQ(fairness_live(range.plan, &cl, before, &error), 0);
	CHECK_INT_EQ(fairness_live(range.plan, &cl, again, &error), 0);
	CHECK_STR_EQ(before[2], again[2]);
	CHECK(strcmp(before[0], before[2]) != 0);	/* names are their own */
	dom = virDomainLookupByName(cl.nodes[0].conn, "fair-ua-web");
	if (CHECK(dom != NULL)) {
		xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
		at = strstr(xml, "<memory");
		CHECK(at != NULL);
		edited = xasprintf("%.*s<memory unit='KiB'>524288</memory>%s",
		    (int)(at - xml), xml, strstr(at, "</memory>") + 9);
		virDomainFree(dom);
		dom = virDomainDefineXML(cl.nodes[0].conn, edited);
		CHECK(dom != NULL);
		if (dom != NULL)
			virDomainFree(dom);
		free(edited);
		free(xml);
	}
	CHECK_INT_EQ(fairness_live(range.plan, &cl, after, &error), 0);
	CHECK(strcmp(after[2], before[2]) != 0);
	CHECK_STR_EQ(after[0], before[0]);
	down(&range, &cl.nodes[0]);
	CHECK_INT_EQ(fairness_live(range.plan, &cl, after, &error), 0);
	CHECK(strcmp(after[0], before[0]) != 0);
	free(error);
	cluster_close(&cl);
	range_clear(&range);
}
