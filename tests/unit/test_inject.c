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

/* Each probe gets its host's team and address in its texts. */
TEST(round_probe_fills_placeholders)
{
	struct diag_list diags;
	struct range r;
	struct round round;
	struct check_probe p;
	const char *want_name;

	diag_list_init(&diags);
	if (!CHECK(range_load(&r, "tests/scenarios/ok-service-ssh.yaml",
	    &diags) == 0))
		return;
	round_init(&round, r.plan, 1, 60, 1000);
	round_add_services(&round, NULL, NULL);
	if (!CHECK_INT_EQ(round.n_items, 6))
		goto cleanup;
	want_name = r.plan->hosts[round.items[2].host].name;
	round_probe(&round, 1, &p);
	CHECK_STR_EQ(p.password, "ro-ops");
	CHECK_STR_EQ(p.run, "id -un");
	CHECK_INT_EQ(p.port, 2222);
	round_probe_clear(&p);
	round_probe(&round, 2, &p);
	CHECK_STR_EQ(p.user, "ro");
	CHECK_STR_EQ(p.key, "tests/scenarios/keys/ops");
	CHECK_STR_EQ(p.expect, want_name);
	round_probe_clear(&p);
	round_probe(&round, 3, &p);
	CHECK_INT_EQ(p.kind, CHECK_ICMP);
	round_probe_clear(&p);
	round_probe(&round, 4, &p);
	CHECK_STR_EQ(p.query, "www.ro.example");
	CHECK_STR_EQ(p.expect, "10.0.0.10");
	round_probe_clear(&p);
	round_probe(&round, 5, &p);
	CHECK_STR_EQ(p.base, "dc=ro,dc=example");
	CHECK_STR_EQ(p.filter, "(uid=ops1)");
	round_probe_clear(&p);
cleanup:
	round_clear(&round);
	range_clear(&r);
	diag_list_clear(&diags);
}

/* A rehearsal's round: results from the injects, nothing sent. */
TEST(round_simulated_from_the_injects)
{
	struct diag_list diags;
	struct range r;
	struct round round;
	bool fired[8] = { false }, cut[8] = { false };
	json_t *ev, *checks;
	size_t i;

	diag_list_init(&diags);
	if (!CHECK(range_load(&r, "tests/scenarios/ok-service-ssh.yaml",
	    &diags) == 0))
		return;
	if (!CHECK(r.plan->n_hosts <= 8 && r.plan->n_injects <= 8))
		goto cleanup;
	/* Nothing fired: every service up, though no host exists. */
	round_init(&round, r.plan, 1, 60, 1000);
	round_add_services(&round, NULL, NULL);
	round_simulate(&round, fired, cut);
	round_run(&round, NULL);
	for (i = 0; i < round.n_items; i++)
		CHECK(round.items[i].up);
	ev = round_to_event(&round);
	CHECK(json_is_true(json_object_get(ev, "simulated")));
	json_decref(ev);
	round_clear(&round);
	/* stop-ssh fired: the two services it breaks are down, and say why. */
	fired[0] = true;
	round_init(&round, r.plan, 6, 360, 1000);
	round_add_services(&round, NULL, NULL);
	round_simulate(&round, fired, cut);
	ev = round_to_event(&round);
	checks = json_object_get(ev, "checks");
	CHECK(json_is_false(json_object_get(json_array_get(checks, 0), "up")));
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(checks,
	    1), "reason")), "stopped by inject 'stop-ssh' (simulated)");
	for (i = 2; i < json_array_size(checks); i++)
		CHECK(json_is_true(json_object_get(json_array_get(checks, i),
		    "up")));
	json_decref(ev);
	round_clear(&round);
	/* The link cut: every network check down. */
	fired[0] = false;
	for (i = 0; i < r.plan->n_hosts; i++)
		cut[i] = true;
	round_init(&round, r.plan, 7, 420, 1000);
	round_add_services(&round, NULL, NULL);
	round_simulate(&round, fired, cut);
	for (i = 0; i < round.n_items; i++)
		CHECK(!round.items[i].up && strstr(round.items[i].reason,
		    "link is down") != NULL);
	round_clear(&round);
cleanup:
	range_clear(&r);
	diag_list_clear(&diags);
}

/* A deface makes a service that expects another page fail. */
TEST(round_simulated_deface)
{
	struct diag_list diags;
	struct range r;
	struct round round;
	bool fired[16] = { false }, cut[16] = { false };
	size_t i, deface = PLAN_NONE;

	diag_list_init(&diags);
	if (!CHECK(range_load(&r, "tests/engine/rehearsal.yaml", &diags) == 0))
		return;
	if (!CHECK(r.plan->n_hosts <= 16 && r.plan->n_injects <= 16))
		goto cleanup;
	for (i = 0; i < r.plan->n_injects; i++)
		if (strcmp(r.plan->injects[i].id, "deface") == 0)
			deface = i;
	if (!CHECK(deface != PLAN_NONE))
		goto cleanup;
	fired[deface] = true;
	round_init(&round, r.plan, 8, 480, 1000);
	round_add_services(&round, NULL, NULL);
	round_add_compromises(&round, deface, NULL, NULL);
	round_simulate(&round, fired, cut);
	for (i = 0; i < round.n_items; i++) {
		const struct round_item *it = &round.items[i];

		if (it->inject != NULL)
			CHECK(it->up);	/* the compromise is active */
		else if (strcmp(it->check->id, "http") == 0)
			CHECK(!it->up && strcmp(it->reason, "body lacks "
			    "'rangectl': defaced by inject 'deface' "
			    "(simulated)") == 0);
		else
			CHECK(it->up);
	}
	round_clear(&round);
cleanup:
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
