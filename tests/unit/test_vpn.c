/*
 * test_vpn.c: what a scenario's vpn: makes, from the plan alone: each
 * team's endpoint, a person's wg-quick file, and the rules that keep a
 * tunnel inside its team's networks (vpn.c).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/diag.h"
#include "rangectl/plan.h"
#include "rangectl/scenario.h"
#include "rangectl/vpn.h"

#define SCENARIO "tests/scenarios/ok-vpn.yaml"

static struct plan *
plan_of(const char *path, struct scenario **sc)
{
	struct diag_list diags;
	struct plan *plan;

	diag_list_init(&diags);
	*sc = scenario_load_file(path, &diags);
	plan = *sc != NULL ? plan_build(*sc, &diags) : NULL;
	if (plan == NULL)
		diag_print(&diags, path, stderr);
	diag_list_clear(&diags);
	return plan;
}

TEST(each_blue_and_red_team_gets_an_endpoint)
{
	struct scenario *sc;
	struct plan *plan = plan_of(SCENARIO, &sc);
	struct vpn v;
	const struct vpn_team *ro, *red;
	char *error = NULL, a[IPV4_TEXT];

	if (!CHECK(plan != NULL))
		return;
	CHECK_INT_EQ(vpn_build(&v, plan, &error), 0);
	CHECK_INT_EQ(v.n_teams, 3);
	CHECK(vpn_team_of(&v, "white") == NULL);
	ro = vpn_team_of(&v, "ro");
	red = vpn_team_of(&v, "red");
	if (!CHECK(ro != NULL && red != NULL))
		return;
	CHECK_INT_EQ(ro->port, 51820);
	CHECK_INT_EQ(vpn_team_of(&v, "md")->port, 51821);
	CHECK_INT_EQ(red->port, 51822);
	CHECK(strncmp(ro->ifname, "rcwg", 4) == 0 && strlen(ro->ifname) == 12);
	CHECK(strcmp(ro->ifname, red->ifname) != 0);
	ipv4_format(ro->address, a);
	CHECK_STR_EQ(a, "10.250.0.1");
	ipv4_format(vpn_person_address(ro, "mihai"), a);
	CHECK_STR_EQ(a, "10.250.0.3");
	ipv4_format(vpn_person_address(red, "eve"), a);
	CHECK_STR_EQ(a, "10.250.2.2");
	/* Another team's person has no address in this one. */
	CHECK_INT_EQ(vpn_person_address(ro, "ion"), 0);
	/* ro reaches its dmz only; red its lan and the shared internet. */
	CHECK_INT_EQ(ro->n_legs, 1);
	CHECK_STR_EQ(plan->networks[ro->legs[0].network].id, "dmz");
	ipv4_format(ro->legs[0].address, a);
	CHECK_STR_EQ(a, "10.1.1.253");
	CHECK_INT_EQ(red->n_legs, 2);
	vpn_clear(&v);
	plan_free(plan);
	scenario_free(sc);
}

TEST(a_plan_without_vpn_makes_none)
{
	struct scenario *sc;
	struct plan *plan = plan_of("tests/scenarios/ok-minimal.yaml", &sc);
	struct vpn v;
	char *error = NULL;

	if (!CHECK(plan != NULL))
		return;
	CHECK_INT_EQ(vpn_build(&v, plan, &error), 1);
	CHECK_INT_EQ(v.n_teams, 0);
	vpn_clear(&v);
	plan_free(plan);
	scenario_free(sc);
}

TEST(a_person_file_reaches_the_team_networks_only)
{
	struct scenario *sc;
	struct plan *plan = plan_of(SCENARIO, &sc);
	struct vpn v;
	char *error = NULL, *text, *want;
	const struct vpn_team *ro;

	if (!CHECK(plan != NULL))
		return;
	vpn_build(&v, plan, &error);
	ro = vpn_team_of(&v, "ro");
	/* listen is 0.0.0.0 and no endpoint: the dashboard's host name. */
	text = vpn_peer_file(&v, ro, "ana", "PRIVATE=", "SERVER=",
	    "range.example");
	want = NULL;
	if (asprintf(&want, "# rangectl: ana's tunnel into team ro's networks "
	    "(exercise vpnx).\n# Keep this file private: it holds your key. "
	    "wg-quick up ./%s.conf\n[Interface]\nPrivateKey = PRIVATE=\n"
	    "Address = 10.250.0.2/32\n\n[Peer]\nPublicKey = SERVER=\n"
	    "Endpoint = range.example:51820\nAllowedIPs = 10.1.1.0/24\n"
	    "PersistentKeepalive = 25\n", ro->ifname) < 0)
		want = NULL;
	CHECK_STR_EQ(text, want);
	free(text);
	free(want);
	/* The scenario's endpoint wins over the dashboard's name. */
	v.endpoint = "vpn.example";
	text = vpn_peer_file(&v, vpn_team_of(&v, "red"), "eve", "K", "S",
	    "range.example");
	CHECK(strstr(text, "Endpoint = vpn.example:51822\n") != NULL);
	CHECK(strstr(text, "AllowedIPs = 100.64.0.0/24, 10.66.0.0/24\n") !=
	    NULL);
	free(text);
	vpn_clear(&v);
	plan_free(plan);
	scenario_free(sc);
}

TEST(the_rules_confine_a_tunnel)
{
	struct scenario *sc;
	struct plan *plan = plan_of(SCENARIO, &sc);
	struct vpn v;
	char *error = NULL, *text, *want = NULL;
	const struct vpn_team *ro;
	const char *w;

	if (!CHECK(plan != NULL))
		return;
	vpn_build(&v, plan, &error);
	ro = vpn_team_of(&v, "ro");
	w = ro->ifname;
	text = vpn_ruleset(&v, ro);
	if (asprintf(&want, "add table inet rangectl_vpn\n"
	    "delete table inet rangectl_vpn\n"
	    "table inet rangectl_vpn {\n"
	    "\tchain input {\n"
	    "\t\ttype filter hook input priority filter; policy accept;\n"
	    "\t\tiifname \"%s\" drop\n"
	    "\t}\n"
	    "\tchain forward {\n"
	    "\t\ttype filter hook forward priority filter; policy drop;\n"
	    "\t\tiifname \"%s\" ip daddr 10.1.1.254 drop\n"
	    "\t\tiifname \"%s\" oifname \"leg0\" ip daddr 10.1.1.0/24 accept\n"
	    "\t\toifname \"%s\" ct state established,related accept\n"
	    "\t}\n"
	    "\tchain postrouting {\n"
	    "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	    "\t\toifname \"leg0\" ip saddr 10.250.0.0/24 snat ip to 10.1.1.253\n"
	    "\t}\n"
	    "}\n", w, w, w, w) < 0)
		want = NULL;
	CHECK_STR_EQ(text, want);
	free(text);
	free(want);
	/* Red's rules name both its networks, and no blue team's. */
	text = vpn_ruleset(&v, vpn_team_of(&v, "red"));
	CHECK(strstr(text, "ip daddr 100.64.0.0/24 accept") != NULL);
	CHECK(strstr(text, "ip daddr 10.66.0.0/24 accept") != NULL);
	CHECK(strstr(text, "10.1.1.0/24") == NULL);
	CHECK(strstr(text, "10.2.1.0/24") == NULL);
	free(text);
	vpn_clear(&v);
	plan_free(plan);
	scenario_free(sc);
}
