/*
 * test_cluster.c: up, status and down over several nodes, each one of
 * libvirt's test driver instances.
 *
 * A test:///FILE connection is a hypervisor of its own, private to the
 * connection and sized by FILE's <node>: as many separate machines as
 * files, in one process. Each test keeps its cluster open throughout, since
 * closing a node forgets everything on it.
 */
#include "harness.h"

#include <libvirt/libvirt.h>
#include <unistd.h>

#include "rangectl/cluster.h"
#include "rangectl/engine.h"
#include "rangectl/provision.h"
#include "rangectl/range.h"
#include "rangectl/status.h"
#include "rangectl/util.h"
#include "rangectl/xml.h"

#define SCENARIO "tests/scenarios/spread.yaml"
#define MIB 1024ULL

/* Node files: three nodes with these memories (MiB) and 8 CPUs each. */
static const unsigned long long node_mib[] = { 1024, 1024, 1536 };
#define N_NODES (sizeof(node_mib) / sizeof(node_mib[0]))

static char node_dir[] = "/tmp/rangectl-test-cluster.XXXXXX";
static char *node_uris[N_NODES];

static void
write_node(size_t i)
{
	char *path = xasprintf("%s/node%zu.xml", node_dir, i + 1);
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fprintf(f, "<node><cpu><mhz>2000</mhz><model>i686</model>"
		    "<active>8</active><max>8</max><nodes>1</nodes><sockets>1"
		    "</sockets><cores>8</cores><threads>1</threads></cpu>"
		    "<memory>%llu</memory></node>\n", node_mib[i] * MIB);
		fclose(f);
	}
	node_uris[i] = xasprintf("test://%s", path);
	free(path);
}

__attribute__((constructor)) static void
make_nodes(void)
{
	size_t i;

	if (mkdtemp(node_dir) == NULL)
		abort();
	for (i = 0; i < N_NODES; i++)
		write_node(i);
}

__attribute__((destructor)) static void
remove_nodes(void)
{
	char *path;
	size_t i;

	for (i = 0; i < N_NODES; i++) {
		path = xasprintf("%s/node%zu.xml", node_dir, i + 1);
		unlink(path);
		free(path);
		free(node_uris[i]);
	}
	rmdir(node_dir);
}

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

/* Underlay addresses: only words in the XML here, never reached. */
static const char *const underlays[N_NODES] = { "192.0.2.1", "192.0.2.2",
    "192.0.2.3" };

/*
 * The scenario placed on the three nodes by their reported capacity, each
 * with its underlay address.
 */
static bool
open_spread(struct range *range, struct cluster *cl)
{
	char *error = NULL;
	size_t i;

	if (!CHECK(load(range, SCENARIO)))
		return false;
	if (!CHECK(cluster_open(cl, (const char *const *)node_uris, N_NODES,
	    true, &error) == 0) ||
	    !CHECK(cluster_place_by_capacity(cl, range->plan, &error) == 0)) {
		fprintf(stderr, "%s\n", error ? error : "");
		free(error);
		range_clear(range);
		return false;
	}
	for (i = 0; i < N_NODES; i++)
		cluster_set_underlay(cl, i, underlays[i]);
	return true;
}

static struct provision_opts
test_opts(void)
{
	struct provision_opts o = { .threads = 4, .ready_timeout = 0,
	    .pool_path = "/tmp/rangectl-test-pool" };

	return o;
}

static int
up(struct range *range, struct cluster *cl, struct provision_opts *opts,
    struct provision_counts *counts)
{
	struct progress progress;
	char *error = NULL;
	int rc;

	progress_init(&progress, stderr, true);
	rc = provision_up_cluster(range->plan, cl, opts, &progress, counts,
	    &error);
	if (rc < 0)
		fprintf(stderr, "up: %s\n", error);
	free(error);
	progress_destroy(&progress);
	return rc;
}

static size_t
down(struct range *range, struct cluster *cl)
{
	struct progress progress;
	char *error = NULL;
	size_t removed = 0;

	progress_init(&progress, stderr, true);
	CHECK_INT_EQ(provision_down_cluster(range->plan, cl, &progress,
	    &removed, &error), 0);
	free(error);
	progress_destroy(&progress);
	return removed;
}

/* A bit per node that has a domain by that name. */
static unsigned
domain_nodes(const struct cluster *cl, const char *name)
{
	unsigned mask = 0;
	virDomainPtr dom;
	size_t i;

	for (i = 0; i < cl->n; i++)
		if ((dom = virDomainLookupByName(cl->nodes[i].conn, name)) != NULL) {
			mask |= 1u << i;
			virDomainFree(dom);
		}
	return mask;
}

/* A bit per node that has a network by that name, on this bridge. */
static unsigned
network_nodes(const struct cluster *cl, const char *name, const char *bridge)
{
	unsigned mask = 0;
	virNetworkPtr net;
	char *have;
	size_t i;

	for (i = 0; i < cl->n; i++) {
		if ((net = virNetworkLookupByName(cl->nodes[i].conn, name)) == NULL)
			continue;
		have = virNetworkGetBridgeName(net);
		if (have != NULL && strcmp(have, bridge) == 0)
			mask |= 1u << i;
		free(have);
		virNetworkFree(net);
	}
	return mask;
}

/* How many domains and networks every node has, in all. */
static size_t
objects(const struct cluster *cl)
{
	size_t i, n = 0;
	int d, w;

	for (i = 0; i < cl->n; i++) {
		d = virConnectNumOfDomains(cl->nodes[i].conn) +
		    virConnectNumOfDefinedDomains(cl->nodes[i].conn);
		w = virConnectNumOfNetworks(cl->nodes[i].conn) +
		    virConnectNumOfDefinedNetworks(cl->nodes[i].conn);
		n += (size_t)(d + w);
	}
	return n;
}

/* The memory plan put on each node never exceeds what the node has. */
static void
check_capacity(const struct range *range)
{
	unsigned long long used[N_NODES] = { 0 };
	size_t i;

	for (i = 0; i < range->plan->n_hosts; i++)
		used[range->plan->hosts[i].node] += range->plan->hosts[i].memory;
	for (i = 0; i < N_NODES; i++)
		CHECK(used[i] <= node_mib[i] * MIB * 1024);
}

TEST(placement_keeps_teams_whole_within_capacity)
{
	const struct plan *plan;
	struct range range;
	struct cluster cl;
	size_t i, j;

	if (!open_spread(&range, &cl))
		return;
	plan = range.plan;
	check_capacity(&range);
	for (i = 0; i < plan->n_hosts; i++)
		for (j = 0; j < plan->n_hosts; j++)
			if (plan->hosts[i].team == plan->hosts[j].team)
				CHECK_INT_EQ(plan->hosts[i].node, plan->hosts[j].node);
	/*
	 * The shared network has a host on every node: it spans them all. A
	 * team's network is on its team's node and on the first (rangectl's).
	 */
	CHECK_INT_EQ(cluster_network_span(&cl, plan, 0), N_NODES);
	for (i = 1; i < plan->n_networks; i++) {
		const struct scenario_team *team = plan->networks[i].team;
		size_t h, node = 0;

		for (h = 0; h < plan->n_hosts; h++)
			if (plan->hosts[h].team == team)
				node = plan->hosts[h].node;
		CHECK_INT_EQ(cluster_network_span(&cl, plan, i), node == 0 ? 1 : 2);
		CHECK(cluster_network_on(&cl, plan, i, 0));
		CHECK(cluster_network_on(&cl, plan, i, node));
	}
	cluster_close(&cl);
	range_clear(&range);
}

TEST(up_puts_every_object_on_its_node_and_down_removes_all)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c = { 0 };
	const struct plan *plan;
	struct range range;
	struct cluster cl;
	size_t i, node, expected = 0;
	unsigned mask;

	if (!open_spread(&range, &cl))
		return;
	plan = range.plan;
	CHECK_INT_EQ(up(&range, &cl, &opts, &c), 0);
	for (i = 0; i < plan->n_hosts; i++)
		CHECK_INT_EQ(domain_nodes(&cl, plan->hosts[i].name),
		    1u << plan->hosts[i].node);
	for (i = 0; i < plan->n_networks; i++) {
		for (mask = 0, node = 0; node < cl.n; node++)
			if (cluster_network_on(&cl, plan, i, node))
				mask |= 1u << node;
		/* The same network, on the same bridge, wherever it is. */
		CHECK_INT_EQ(network_nodes(&cl, plan->networks[i].name,
		    plan->networks[i].bridge), mask);
		expected += cluster_network_span(&cl, plan, i);
	}
	expected += plan->n_hosts;
	CHECK_INT_EQ(c.created, expected);
	CHECK_INT_EQ(objects(&cl), expected);
	/* A second up finds it all in place. */
	memset(&c, 0, sizeof(c));
	CHECK_INT_EQ(up(&range, &cl, &opts, &c), 0);
	CHECK_INT_EQ(c.unchanged, expected);
	CHECK_INT_EQ(c.created + c.replaced + c.removed, 0);
	CHECK_INT_EQ(down(&range, &cl), expected);
	CHECK_INT_EQ(objects(&cl), 0);
	cluster_close(&cl);
	range_clear(&range);
}

TEST(status_names_each_hosts_node)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c = { 0 };
	const json_t *hosts, *nets, *host, *net;
	struct range range;
	struct cluster cl;
	char *error = NULL;
	json_t *status;
	size_t i;

	if (!open_spread(&range, &cl))
		return;
	CHECK_INT_EQ(up(&range, &cl, &opts, &c), 0);
	status = status_collect_cluster(range.plan, &cl, &error);
	if (CHECK(status != NULL)) {
		CHECK_INT_EQ(json_array_size(json_object_get(status, "nodes")),
		    N_NODES);
		hosts = json_object_get(status, "hosts");
		for (i = 0; i < json_array_size(hosts); i++) {
			host = json_array_get(hosts, i);
			CHECK_STR_EQ(json_string_value(json_object_get(host,
			    "state")), "running");
			CHECK_STR_EQ(json_string_value(json_object_get(host,
			    "node")), node_uris[range.plan->hosts[i].node]);
		}
		nets = json_object_get(status, "networks");
		net = json_array_get(nets, 0);
		CHECK_STR_EQ(json_string_value(json_object_get(net, "state")),
		    "active");
		CHECK_INT_EQ(json_array_size(json_object_get(net, "nodes")),
		    N_NODES);
		CHECK_INT_EQ(json_array_size(json_object_get(status, "stale")), 0);
	}
	json_decref(status);
	down(&range, &cl);
	cluster_close(&cl);
	range_clear(&range);
}

TEST(a_host_placed_elsewhere_moves)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c = { 0 };
	struct plan_host *moved;
	struct range range;
	struct cluster cl;
	size_t from;

	if (!open_spread(&range, &cl))
		return;
	CHECK_INT_EQ(up(&range, &cl, &opts, &c), 0);
	/* As if a new placement put red's kali on the next node. */
	moved = &range.plan->hosts[range.plan->n_hosts - 1];
	from = moved->node;
	moved->node = (from + 1) % N_NODES;
	memset(&c, 0, sizeof(c));
	CHECK_INT_EQ(up(&range, &cl, &opts, &c), 0);
	CHECK_INT_EQ(domain_nodes(&cl, moved->name), 1u << moved->node);
	CHECK(c.created >= 1);
	CHECK(c.removed >= 1);
	down(&range, &cl);
	CHECK_INT_EQ(objects(&cl), 0);
	cluster_close(&cl);
	range_clear(&range);
}

TEST(one_node_failing_rolls_back_every_node)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c = { 0 };
	struct range range;
	struct cluster cl;
	size_t i, last = 0;

	if (!open_spread(&range, &cl))
		return;
	/* The last host of the node that is not the first's. */
	for (i = 0; i < range.plan->n_hosts; i++)
		if (range.plan->hosts[i].node != range.plan->hosts[0].node)
			last = i;
	opts.fault_at_host = last + 1;
	CHECK_INT_EQ(up(&range, &cl, &opts, &c), -1);
	CHECK_INT_EQ(objects(&cl), 0);
	cluster_close(&cl);
	range_clear(&range);
}

TEST(errors_name_the_node)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c = { 0 };
	struct progress progress;
	struct range range;
	struct cluster cl;
	char *error = NULL;
	virNetworkPtr squatter;

	if (!open_spread(&range, &cl))
		return;
	/* A network of the same name that is not the range's, on node 2. */
	squatter = virNetworkDefineXML(cl.nodes[1].conn, "<network><name>"
	    "spread-internet</name><bridge name='squat0'/></network>");
	CHECK(squatter != NULL);
	progress_init(&progress, stderr, true);
	CHECK_INT_EQ(provision_up_cluster(range.plan, &cl, &opts, &progress,
	    &c, &error), -1);
	if (CHECK(error != NULL)) {
		char *want = xasprintf("on node '%s': network 'spread-internet' "
		    "already exists", node_uris[1]);

		CHECK(strstr(error, want) != NULL);
		free(want);
	}
	free(error);
	progress_destroy(&progress);
	/* Only the squatter is left, untouched. */
	CHECK_INT_EQ(objects(&cl), 1);
	if (squatter != NULL)
		virNetworkFree(squatter);
	cluster_close(&cl);
	range_clear(&range);
}

TEST(open_names_every_unreachable_node)
{
	const char *uris[] = { "test:///default", "nosuch:///a", "nosuch:///b" };
	struct cluster cl;
	char *error = NULL;

	CHECK_INT_EQ(cluster_open(&cl, uris, 3, true, &error), -1);
	if (CHECK(error != NULL)) {
		CHECK(strstr(error, "'nosuch:///a'") != NULL);
		CHECK(strstr(error, "'nosuch:///b'") != NULL);
		CHECK(strstr(error, "test:///default") == NULL);
	}
	free(error);
	CHECK(cl.nodes == NULL);
	cluster_close(&cl);
	cluster_close(NULL);
}

TEST(a_range_too_large_for_the_nodes_says_by_how_much)
{
	struct range range;
	struct cluster cl;
	char *error = NULL;

	if (!CHECK(load(&range, SCENARIO)))
		return;
	/* Node 1 alone: 1 GiB for 2.75 GiB of hosts. */
	if (!CHECK(cluster_open(&cl, (const char *const *)node_uris, 1, true,
	    &error) == 0)) {
		range_clear(&range);
		return;
	}
	CHECK_INT_EQ(cluster_place_by_capacity(&cl, range.plan, &error), -1);
	if (CHECK(error != NULL))
		CHECK(strstr(error, "short") != NULL);
	free(error);
	cluster_close(&cl);
	range_clear(&range);
}

/* The value of attribute name in the tag of network name on node. */
static char *
network_attr(const struct cluster *cl, size_t node, const char *name,
    const char *attr)
{
	virNetworkPtr net = virNetworkLookupByName(cl->nodes[node].conn, name);
	char *xml, *at, *value = NULL, *pattern;

	if (net == NULL)
		return NULL;
	xml = virNetworkGetXMLDesc(net, 0);
	pattern = xasprintf(" %s=", attr);
	if (xml != NULL && (at = strstr(xml, pattern)) != NULL) {
		at += strlen(pattern) + 1;
		value = xasprintf("%.*s", (int)strcspn(at, "'\""), at);
	}
	free(pattern);
	free(xml);
	virNetworkFree(net);
	return value;
}

TEST(a_network_over_nodes_carries_its_vxlan_to_each)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c = { 0 };
	static const char *const peers[N_NODES] = { "192.0.2.2,192.0.2.3",
	    "192.0.2.1,192.0.2.3", "192.0.2.1,192.0.2.2" };
	const char *internet, *local;
	char *vni[N_NODES] = { NULL }, *v, want[16], dev[XML_VXLAN_DEVICE_MAX];
	struct range range;
	struct cluster cl;
	size_t node;

	if (!open_spread(&range, &cl))
		return;
	internet = range.plan->networks[0].name;
	local = range.plan->networks[1].name;
	CHECK_INT_EQ(up(&range, &cl, &opts, &c), 0);
	snprintf(want, sizeof(want), "%lu", cluster_vni(range.plan, 0));
	xml_vxlan_device(cluster_vni(range.plan, 0), dev);
	for (node = 0; node < N_NODES; node++) {
		vni[node] = network_attr(&cl, node, internet, "vxlan-vni");
		CHECK_STR_EQ(vni[node], want);
		v = network_attr(&cl, node, internet, "vxlan-local");
		CHECK_STR_EQ(v, underlays[node]);
		free(v);
		v = network_attr(&cl, node, internet, "vxlan-peers");
		CHECK_STR_EQ(v, peers[node]);
		free(v);
		v = network_attr(&cl, node, internet, "vxlan-dev");
		CHECK_STR_EQ(v, dev);
		free(v);
		free(vni[node]);
	}
	/* Only the first node's copy has rangectl's address and DHCP. */
	for (node = 0; node < N_NODES; node++) {
		virNetworkPtr net = virNetworkLookupByName(cl.nodes[node].conn,
		    internet);
		char *xml = net ? virNetworkGetXMLDesc(net, 0) : NULL;

		CHECK(xml != NULL && (strstr(xml, "<ip ") != NULL) == (node == 0));
		free(xml);
		if (net != NULL)
			virNetworkFree(net);
	}
	/* A team's network on the first node only: no VXLAN. */
	v = network_attr(&cl, range.plan->hosts[0].node, local, "vxlan-vni");
	CHECK(v == NULL);
	free(v);
	CHECK(cluster_vni(range.plan, 0) != cluster_vni(range.plan, 1));
	CHECK(cluster_vni(range.plan, 0) >= 1 &&
	    cluster_vni(range.plan, 0) < (1UL << 24));
	down(&range, &cl);
	cluster_close(&cl);
	range_clear(&range);
}

TEST(a_network_over_nodes_needs_every_underlay)
{
	struct provision_opts opts = test_opts();
	struct provision_counts c = { 0 };
	struct progress progress;
	struct range range;
	struct cluster cl;
	char *error = NULL;

	if (!open_spread(&range, &cl))
		return;
	cluster_set_underlay(&cl, 2, NULL);
	progress_init(&progress, stderr, true);
	CHECK_INT_EQ(provision_up_cluster(range.plan, &cl, &opts, &progress,
	    &c, &error), -1);
	if (CHECK(error != NULL)) {
		char *want = xasprintf("network 'spread-internet' spans several "
		    "nodes, and node '%s' has no underlay address", node_uris[2]);

		CHECK(strstr(error, want) != NULL);
		free(want);
	}
	free(error);
	progress_destroy(&progress);
	CHECK_INT_EQ(objects(&cl), 0);
	cluster_close(&cl);
	range_clear(&range);
}

TEST(the_underlay_of_a_uri)
{
	char *a;

	a = cluster_uri_ipv4("qemu+tcp://10.99.0.2/system");
	CHECK_STR_EQ(a, "10.99.0.2");
	free(a);
	a = cluster_uri_ipv4("qemu+ssh://root@192.0.2.7:2222/system?keyfile=k");
	CHECK_STR_EQ(a, "192.0.2.7");
	free(a);
	CHECK(cluster_uri_ipv4("qemu+ssh://hv1.example/system") == NULL);
	CHECK(cluster_uri_ipv4("test:///tmp/node1.xml") == NULL);
	CHECK(cluster_uri_ipv4("qemu:///system") == NULL);
	CHECK(cluster_uri_ipv4("nonsense") == NULL);
}

/* ---- the engine over nodes ------------------------------------------------ */

static const char engine_scenario[] =
    "version: 1\n"
    "exercise: {name: spreng, duration: 4m}\n"
    "images: {app: {kernel: /k, initrd: /i}}\n"
    "teams:\n"
    "  - {id: ro, role: blue, members: [ana]}\n"
    "  - {id: md, role: blue, members: [ion]}\n"
    "  - {id: red, role: red, members: [eve]}\n"
    "networks:\n"
    "  - {id: internet, cidr: 100.64.0.0/24}\n"
    "  - {id: lan, per_team: blue, cidr: \"10.9.{team.index}.0/24\"}\n"
    "hosts:\n"
    "  - {id: web, per_team: blue, image: app, memory: 512M, nics: [{network: lan}]}\n"
    "  - {id: kali, team: red, image: app, memory: 256M, nics: [{network: internet}]}\n"
    "injects:\n"
    "  - {id: halt, at: 1m, target: blue/web, action: destroy}\n"
    "  - {id: boot, at: 2m, target: blue/web, action: start}\n"
    "  - {id: scan, at: 3m, from: red/kali, target: md/web, action: exec,\n"
    "     command: 'true'}\n"
    "  - {id: again, at: 3m30s, target: md/web, action: revert}\n"
    "scoring: {interval: 60s, timeout: 1s}\n";

/* Every event of dir's journal, as one JSON array (new). */
static json_t *
journal_events(const char *dir)
{
	char *path = xasprintf("%s/journal.jsonl", dir), line[65536];
	json_t *all = json_array();
	FILE *f = fopen(path, "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		json_array_append_new(all, json_loads(line, 0, NULL));
	if (f != NULL)
		fclose(f);
	free(path);
	return all;
}

/* How many events of type with "name"/"host" host and key == value. */
static size_t
count_events(const json_t *all, const char *type, const char *host,
    const char *key, const char *value)
{
	const json_t *ev;
	size_t i, n = 0;

	json_array_foreach(all, i, ev) {
		const char *t = json_string_value(json_object_get(ev, "type"));
		const char *h = json_string_value(json_object_get(ev, "name"));
		const char *v = json_string_value(json_object_get(ev, key));

		if (t != NULL && strcmp(t, type) == 0 && h != NULL &&
		    strcmp(h, host) == 0 && v != NULL && strcmp(v, value) == 0)
			n++;
	}
	return n;
}

/* The results of inject id's first firing (borrowed from all). */
static const json_t *
results_of(const json_t *all, const char *id)
{
	const json_t *ev;
	size_t i;

	json_array_foreach(all, i, ev)
		if (strcmp(json_string_value(json_object_get(ev, "type")),
		    "inject_result") == 0 && strcmp(json_string_value(
		    json_object_get(ev, "id")), id) == 0)
			return json_object_get(ev, "results");
	return NULL;
}

TEST(the_engine_reaches_each_host_through_its_node)
{
	struct engine_opts opts = { .speed = 600 };
	struct provision_opts popts = test_opts();
	struct provision_counts c = { 0 };
	char dir[] = "/tmp/rc-test-spreng.XXXXXX", *path, *error = NULL;
	const json_t *results, *r;
	struct range range;
	struct cluster cl;
	struct engine *e;
	json_t *all;
	size_t i;
	FILE *f;

	memset(&range, 0, sizeof(range));
	memset(&cl, 0, sizeof(cl));
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	path = xasprintf("%s/spreng.yaml", dir);
	f = fopen(path, "w");
	fputs(engine_scenario, f);
	fclose(f);
	if (!CHECK(load(&range, path)) || !CHECK(cluster_open(&cl,
	    (const char *const *)node_uris, N_NODES, true, &error) == 0) ||
	    !CHECK(cluster_place_by_capacity(&cl, range.plan, &error) == 0))
		goto cleanup;
	for (i = 0; i < N_NODES; i++)
		cluster_set_underlay(&cl, i, underlays[i]);
	/* The two web servers and kali on three nodes: 512M, 512M, 256M. */
	CHECK(range.plan->hosts[0].node != range.plan->hosts[1].node);
	CHECK_INT_EQ(up(&range, &cl, &popts, &c), 0);
	opts.state_dir = dir;
	e = engine_new_cluster(range.plan, &cl, &opts, &error);
	if (!CHECK(e != NULL))
		goto cleanup;
	CHECK_INT_EQ(engine_run(e, &error), 0);
	engine_free(e);
	all = journal_events(dir);
	/*
	 * Each web server, on its own node, went down and up again, and
	 * Moldova's once more for its revert.
	 */
	CHECK_INT_EQ(count_events(all, "host", "spreng-ro-web", "state",
	    "shutoff"), 1);
	CHECK_INT_EQ(count_events(all, "host", "spreng-ro-web", "state",
	    "running"), 2);
	CHECK_INT_EQ(count_events(all, "host", "spreng-md-web", "state",
	    "shutoff"), 2);
	results = results_of(all, "halt");
	CHECK_INT_EQ(json_array_size(results), 2);
	json_array_foreach(results, i, r)
		CHECK(json_is_true(json_object_get(r, "ok")));
	results = results_of(all, "boot");
	json_array_foreach(results, i, r)
		CHECK(json_is_true(json_object_get(r, "ok")));
	/* Through kali's node, whose test driver has no guest agent. */
	r = json_array_get(results_of(all, "scan"), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(r, "via")),
	    "spreng-red-kali");
	CHECK(json_is_false(json_object_get(r, "ok")));
	CHECK(strstr(json_string_value(json_object_get(r, "error")),
	    "no connection") == NULL);
	/* A revert through Moldova's web server's node: a fresh boot. */
	r = json_array_get(results_of(all, "again"), 0);
	CHECK(json_is_true(json_object_get(r, "ok")));
	CHECK_INT_EQ(count_events(all, "host", "spreng-md-web", "state",
	    "running"), 3);
	json_decref(all);
	down(&range, &cl);
cleanup:
	free(error);
	cluster_close(&cl);
	range_clear(&range);
	free(path);
	path = xasprintf("rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(path);
}
