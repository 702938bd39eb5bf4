/*
 * vpn.c: what the scenario's vpn: makes, from the plan alone: each
 * team's endpoint (names, port, addresses, the networks it reaches), a
 * person's wg-quick file and each endpoint's nftables rules. Pure: no
 * file, no command, no key made here (vpn_host.c does that), so that the
 * whole of it is tested against expected text (tests/unit/test_vpn.c).
 */
#include "rangectl/vpn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

/* "ADDR:PORT", checked by the rules already. */
static int
parse_listen(const char *text, uint32_t *addr, unsigned *port)
{
	char host[IPV4_TEXT + 1];
	const char *colon = text ? strrchr(text, ':') : NULL;

	if (colon == NULL || (size_t)(colon - text) >= sizeof(host))
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	*port = (unsigned)strtoul(colon + 1, NULL, 10);
	return ipv4_parse(host, addr) < 0 || *port == 0 ? -1 : 0;
}

static bool
reaches(const struct scenario_team *t, const struct plan_network *n)
{
	/* Red attacks from the shared networks as well as its own. */
	return n->team == t || (n->team == NULL && t->role == ROLE_RED);
}

static bool
address_taken(const struct plan *plan, size_t network, uint32_t addr)
{
	const struct plan_network *n = &plan->networks[network];
	size_t h, k;

	if (addr == n->host_side || addr == n->dns)
		return true;
	for (h = 0; h < plan->n_hosts; h++)
		for (k = 0; k < plan->hosts[h].n_nics; k++)
			if (plan->hosts[h].nics[k].network == network &&
			    plan->hosts[h].nics[k].ip == addr)
				return true;
	return false;
}

/* The highest address of the network that nobody holds, or 0. */
static uint32_t
free_address(const struct plan *plan, size_t network)
{
	const struct cidr *c = &plan->networks[network].cidr;
	uint32_t a;

	for (a = cidr_broadcast(c) - 1; a > c->net; a--)
		if (!address_taken(plan, network, a))
			return a;
	return 0;
}

static int
build_team(struct vpn *v, const struct scenario_team *st, size_t i,
    char **error)
{
	const struct plan *plan = v->plan;
	struct vpn_team *t = &v->teams[i];
	unsigned long long h = hash_str(hash_str(0xcbf29ce484222325ULL,
	    plan->exercise), st->id);
	size_t n;

	t->team = st;
	snprintf(t->ifname, sizeof(t->ifname), "rcwg%08x", (unsigned)h);
	snprintf(t->ns, sizeof(t->ns), "rcvpn-%08x", (unsigned)h);
	t->port = v->port + (unsigned)i;
	t->subnet.prefix = VPN_TEAM_PREFIX;
	t->subnet.net = v->pool.net + ((uint32_t)i << (32 - VPN_TEAM_PREFIX));
	t->address = t->subnet.net + 1;
	t->legs = xcalloc(plan->n_networks ? plan->n_networks : 1,
	    sizeof(*t->legs));
	for (n = 0; n < plan->n_networks; n++) {
		struct vpn_leg *leg = &t->legs[t->n_legs];

		if (!reaches(st, &plan->networks[n]))
			continue;
		leg->network = n;
		if ((leg->address = free_address(plan, n)) == 0) {
			*error = xasprintf("network '%s' has no address left for "
			    "team %s's VPN", plan->networks[n].name, st->id);
			return -1;
		}
		snprintf(leg->outer, sizeof(leg->outer), "rcvl%08x", (unsigned)
		    hash_str(h, plan->networks[n].name));
		snprintf(leg->inner, sizeof(leg->inner), "leg%zu", t->n_legs);
		t->n_legs++;
	}
	return 0;
}

int
vpn_build(struct vpn *v, const struct plan *plan, char **error)
{
	const char *why;
	size_t i;

	memset(v, 0, sizeof(*v));
	v->plan = plan;
	if (!plan->vpn.on)
		return 1;
	if (parse_listen(plan->vpn.listen, &v->listen, &v->port) < 0 ||
	    cidr_parse(plan->vpn.pool, &v->pool, &why) < 0) {
		*error = xasprintf("the scenario's vpn: is not valid (listen '%s', "
		    "pool '%s')", plan->vpn.listen ? plan->vpn.listen : "",
		    plan->vpn.pool ? plan->vpn.pool : "");
		return -1;
	}
	v->endpoint = plan->vpn.endpoint;
	v->teams = xcalloc(plan->n_teams ? plan->n_teams : 1, sizeof(*v->teams));
	for (i = 0; i < plan->n_teams; i++) {
		if (plan->teams[i].role != ROLE_BLUE &&
		    plan->teams[i].role != ROLE_RED)
			continue;
		if (build_team(v, &plan->teams[i], v->n_teams++, error) < 0) {
			vpn_clear(v);
			return -1;
		}
	}
	return 0;
}

void
vpn_clear(struct vpn *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n_teams; i++)
		free(v->teams[i].legs);
	free(v->teams);
	v->teams = NULL;
	v->n_teams = 0;
}

const struct vpn_team *
vpn_team_of(const struct vpn *v, const char *team)
{
	size_t i;

	for (i = 0; team != NULL && i < v->n_teams; i++)
		if (strcmp(v->teams[i].team->id, team) == 0)
			return &v->teams[i];
	return NULL;
}

uint32_t
vpn_person_address(const struct vpn_team *t, const char *name)
{
	size_t k;

	for (k = 0; name != NULL && k < t->team->members.count; k++)
		if (strcmp(t->team->members.items[k], name) == 0)
			return t->subnet.net + 2 + (uint32_t)k;
	return 0;
}

/* Where the private key goes: as long as any key (44), filled in last. */
#define KEY_HOLE "............................................"
_Static_assert(sizeof(KEY_HOLE) == VPN_KEY_TEXT, "a hole the size of a key");

char *
vpn_peer_file(const struct vpn *v, const struct vpn_team *t,
    const char *person, const char *private_key, const char *server_key,
    const char *host)
{
	char addr[IPV4_TEXT], net[CIDR_TEXT], listen[IPV4_TEXT];
	size_t i, at, n = strnlen(private_key, VPN_KEY_TEXT - 1);
	struct strbuf sb;

	ipv4_format(vpn_person_address(t, person), addr);
	ipv4_format(v->listen, listen);
	if (v->endpoint != NULL)
		host = v->endpoint;
	else if (v->listen != 0 || host == NULL)
		host = listen;
	strbuf_init(&sb);
	strbuf_printf(&sb, "# rangectl: %s's tunnel into team %s's networks "
	    "(exercise %s).\n# Keep this file private: it holds your key. "
	    "wg-quick up ./%s.conf\n", person, t->team->id, v->plan->exercise,
	    t->ifname);
	/* The key goes in last, into the finished buffer: the strbuf's
	   reallocations and printf's temporaries never see it. */
	strbuf_append(&sb, "[Interface]\nPrivateKey = ");
	at = sb.len;
	strbuf_appendn(&sb, KEY_HOLE, n);
	strbuf_printf(&sb, "\nAddress = %s/32\n\n", addr);
	strbuf_printf(&sb, "[Peer]\nPublicKey = %s\nEndpoint = %s:%u\n"
	    "AllowedIPs = ", server_key, host, t->port);
	for (i = 0; i < t->n_legs; i++) {
		cidr_format(&v->plan->networks[t->legs[i].network].cidr, net);
		strbuf_printf(&sb, "%s%s", i ? ", " : "", net);
	}
	strbuf_printf(&sb, "\nPersistentKeepalive = %d\n", VPN_KEEPALIVE);
	memcpy(sb.data + at, private_key, n);
	return strbuf_steal(&sb);
}

char *
vpn_ruleset(const struct vpn *v, const struct vpn_team *t)
{
	char net[CIDR_TEXT], addr[IPV4_TEXT];
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb);
	/* add then delete: a table left by an earlier run goes, none fails. */
	strbuf_printf(&sb, "add table inet %s\ndelete table inet %s\n"
	    "table inet %s {\n", VPN_TABLE, VPN_TABLE, VPN_TABLE);
	strbuf_printf(&sb, "\tchain input {\n\t\ttype filter hook input "
	    "priority filter; policy accept;\n\t\tiifname \"%s\" drop\n\t}\n",
	    t->ifname);
	strbuf_printf(&sb, "\tchain forward {\n\t\ttype filter hook forward "
	    "priority filter; policy drop;\n");
	for (i = 0; i < t->n_legs; i++) {
		ipv4_format(v->plan->networks[t->legs[i].network].host_side, addr);
		strbuf_printf(&sb, "\t\tiifname \"%s\" ip daddr %s drop\n",
		    t->ifname, addr);
	}
	for (i = 0; i < t->n_legs; i++) {
		cidr_format(&v->plan->networks[t->legs[i].network].cidr, net);
		strbuf_printf(&sb, "\t\tiifname \"%s\" oifname \"%s\" ip daddr %s "
		    "accept\n", t->ifname, t->legs[i].inner, net);
	}
	strbuf_printf(&sb, "\t\toifname \"%s\" ct state established,related "
	    "accept\n\t}\n", t->ifname);
	strbuf_printf(&sb, "\tchain postrouting {\n\t\ttype nat hook postrouting "
	    "priority srcnat; policy accept;\n");
	for (i = 0; i < t->n_legs; i++) {
		ipv4_format(t->legs[i].address, addr);
		cidr_format(&t->subnet, net);
		strbuf_printf(&sb, "\t\toifname \"%s\" ip saddr %s snat ip to %s\n",
		    t->legs[i].inner, net, addr);
	}
	strbuf_append(&sb, "\t}\n}\n");
	return strbuf_steal(&sb);
}
