/*
 * test_inject.c: the pure parts of injects and rounds: the interface XML
 * of a link change, NIC lookup, and a round's journal event.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/inject.h"
#include "rangectl/range.h"
#include "rangectl/round.h"
#include "rangectl/util.h"

/* As libvirt gives a running domain: targets, aliases and addresses. */
static const char live[] =
    "<domain type='qemu' id='3'>\n"
    "  <devices>\n"
    "    <interface type='network'>\n"
    "      <mac address='52:54:00:aa:bb:01'/>\n"
    "      <source network='demo-internet' bridge='rc-1'/>\n"
    "      <target dev='vnet0'/>\n"
    "      <model type='virtio'/>\n"
    "      <alias name='net0'/>\n"
    "    </interface>\n"
    "    <interface type='network'>\n"
    "      <mac address='52:54:00:aa:bb:02'/>\n"
    "      <source network='demo-ro-dmz' bridge='rc-2'/>\n"
    "      <link state='down'/>\n"
    "      <alias name='net1'/>\n"
    "    </interface>\n"
    "  </devices>\n"
    "</domain>\n";

TEST(link_xml_is_the_interface_with_its_state)
{
	char *xml = inject_link_xml(live, "52:54:00:aa:bb:01", false);

	if (!CHECK(xml != NULL))
		return;
	CHECK_STR_EQ(xml, "<interface type='network'>\n"
	    "      <mac address='52:54:00:aa:bb:01'/>\n"
	    "      <source network='demo-internet' bridge='rc-1'/>\n"
	    "      <target dev='vnet0'/>\n"
	    "      <model type='virtio'/>\n"
	    "      <alias name='net0'/>\n"
	    "      <link state='down'/>\n"
	    "    </interface>\n");
	free(xml);
}

TEST(link_xml_replaces_a_state_already_there)
{
	char *xml = inject_link_xml(live, "52:54:00:aa:bb:02", true);

	if (!CHECK(xml != NULL))
		return;
	CHECK(strstr(xml, "state='down'") == NULL);
	CHECK(strstr(xml, "<link state='up'/>") != NULL);
	CHECK(strstr(xml, "net1") != NULL);
	CHECK(strstr(xml, "net0") == NULL);
	free(xml);
}

TEST(link_xml_of_an_unknown_mac_is_null)
{
	CHECK(inject_link_xml(live, "52:54:00:00:00:00", true) == NULL);
	CHECK(inject_link_xml("<domain/>", "52:54:00:aa:bb:01", true) == NULL);
}

static size_t
host_named(const struct plan *plan, const char *name)
{
	size_t i;

	for (i = 0; i < plan->n_hosts; i++)
		if (strcmp(plan->hosts[i].name, name) == 0)
			return i;
	return PLAN_NONE;
}

TEST(nic_network_by_network_id)
{
	struct diag_list diags;
	struct range r;
	size_t gw, net;

	diag_list_init(&diags);
	if (!CHECK(range_load(&r, "scenarios/demo.yaml", &diags) == 0))
		return;
	gw = host_named(r.plan, "demo-md-gw");
	net = inject_nic_network(r.plan, gw, "internet");
	CHECK(net != PLAN_NONE && strcmp(r.plan->networks[net].name,
	    "demo-internet") == 0);
	net = inject_nic_network(r.plan, gw, "dmz");
	CHECK(net != PLAN_NONE && strcmp(r.plan->networks[net].name,
	    "demo-md-dmz") == 0);
	CHECK(inject_nic_network(r.plan, host_named(r.plan, "demo-ro-web"),
	    "internet") == PLAN_NONE);
	range_clear(&r);
	diag_list_clear(&diags);
}

/* A round where every host is down needs no network and no agent. */
TEST(round_of_hosts_down_scores_nothing_and_says_why)
{
	struct diag_list diags;
	struct range r;
	struct round round;
	bool running[64] = { false };
	const char *reasons[64] = { NULL };
	json_t *ev, *c;
	size_t i, deface = PLAN_NONE;

	diag_list_init(&diags);
	if (!CHECK(range_load(&r, "scenarios/demo.yaml", &diags) == 0))
		return;
	if (!CHECK(r.plan->n_hosts <= 64))
		return;
	reasons[host_named(r.plan, "demo-ro-web")] = "host 'demo-ro-web' is "
	    "shutoff (powered off)";
	for (i = 0; i < r.plan->n_injects; i++)
		if (strcmp(r.plan->injects[i].id, "deface") == 0)
			deface = i;
	round_init(&round, r.plan, 3, 180, 1000);
	round_add_services(&round, running, reasons);
	round_add_compromises(&round, deface, running, reasons);
	/* demo: two webs with http and exec each; deface on both webs. */
	CHECK_INT_EQ(round.n_items, 6);
	round_run(&round, NULL);
	ev = round_to_event(&round);
	CHECK_INT_EQ(json_integer_value(json_object_get(ev, "n")), 3);
	CHECK(json_number_value(json_object_get(ev, "at")) == 180);
	CHECK_INT_EQ(json_array_size(json_object_get(ev, "checks")), 4);
	CHECK_INT_EQ(json_array_size(json_object_get(ev, "compromises")), 2);
	c = json_array_get(json_object_get(ev, "checks"), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(c, "host")),
	    "demo-ro-web");
	CHECK(json_is_false(json_object_get(c, "up")));
	CHECK_INT_EQ(json_integer_value(json_object_get(c, "points")), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(c, "reason")),
	    "host 'demo-ro-web' is shutoff (powered off)");
	c = json_array_get(json_object_get(ev, "checks"), 2);
	CHECK_STR_EQ(json_string_value(json_object_get(c, "reason")),
	    "host is not running");
	c = json_array_get(json_object_get(ev, "compromises"), 0);
	CHECK(json_is_false(json_object_get(c, "active")));
	CHECK_INT_EQ(json_integer_value(json_object_get(c, "penalty")), 0);
	CHECK_STR_EQ(json_string_value(json_object_get(c, "inject")), "deface");
	json_decref(ev);
	round_clear(&round);
	range_clear(&r);
	diag_list_clear(&diags);
}
