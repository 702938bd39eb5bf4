/*
 * plan.c: expanding a scenario into every object of the range.
 *
 * The steps run in order, each over the whole range: copy networks and
 * hosts per team, check that no networks overlap, place the addresses
 * written in the scenario, hand out the automatic ones, find gateways and
 * routes, derive MACs, and resolve inject selectors. Every step reports
 * all its problems before the plan is given up.
 */
#include "rangectl/plan.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/place.h"
#include "rangectl/selector.h"
#include "rangectl/strmap.h"
#include "rangectl/template.h"
#include "rangectl/util.h"

struct planner {
	const struct scenario *sc;
	struct plan *plan;
	struct diag_list *diags;
	size_t errors;
	struct strmap networks;	/* libvirt name -> struct plan_network */
	struct strmap hosts;	/* libvirt name -> struct plan_host */
	struct strmap addresses;	/* ip text -> struct plan_host owning it */
	/*
	 * What each plan network and host was expanded from, while planning:
	 * the plan itself keeps no pointer into the scenario.
	 */
	const struct scenario_network **net_src;
	const struct scenario_host **host_src;
	size_t *services;	/* of sc->hosts[i]: its first in plan.checks */
	/*
	 * The copies of one host definition are contiguous in plan.hosts:
	 * first_copy[i] is where those of sc->hosts[i] start.
	 */
	size_t *first_copy;
};

static void
planner_error(struct planner *p, struct pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
planner_error(struct planner *p, struct pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(p->diags, pos, fmt, ap);
	va_end(ap);
	p->errors++;
}

/* A copy of s, or NULL for NULL. */
static char *
copy_text(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* The plan's own copy of a team of the scenario, or NULL for NULL. */
static const struct scenario_team *
own_team(const struct planner *p, const struct scenario_team *team)
{
	return team != NULL ? &p->plan->teams[team - p->sc->teams] : NULL;
}

/* The NIC of the scenario that NIC #index of host was expanded from. */
static const struct scenario_nic *
nic_src(const struct planner *p, const struct plan_host *host, size_t index)
{
	return &p->host_src[host - p->plan->hosts]->nics[index];
}

static const struct plan_image *
find_image(const struct plan *plan, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < plan->n_images; i++)
		if (strcmp(plan->images[i].id, id) == 0)
			return &plan->images[i];
	return NULL;
}

/* The coalition's circles, as written (the rules checked them). */
static void
copy_circles(struct plan *plan, const struct scenario *sc)
{
	const struct scenario_coalition *co = &sc->coalition;
	size_t i, j;

	plan->n_circles = co->n_circles;
	plan->circles = co->n_circles ? xcalloc(co->n_circles,
	    sizeof(*plan->circles)) : NULL;
	for (i = 0; i < co->n_circles; i++) {
		struct plan_circle *c = &plan->circles[i];

		c->id = xstrdup(co->circles[i].id);
		c->n_teams = co->circles[i].teams.count;
		c->teams = xcalloc(c->n_teams + 1, sizeof(*c->teams));
		for (j = 0; j < c->n_teams; j++)
			c->teams[j] = xstrdup(co->circles[i].teams.items[j]);
	}
}

static void
copy_teams(struct plan *plan, const struct scenario *sc)
{
	size_t i;

	plan->teams = xcalloc(sc->n_teams + 1, sizeof(*plan->teams));
	plan->n_teams = sc->n_teams;
	for (i = 0; i < sc->n_teams; i++) {
		struct scenario_team *t = &plan->teams[i];

		*t = sc->teams[i];
		t->node = NULL;
		t->id = xstrdup(sc->teams[i].id);
		t->name = copy_text(sc->teams[i].name);
		strlist_copy(&t->members, &sc->teams[i].members);
	}
	strlist_copy(&plan->instructors, &sc->instructors);
}

static void
copy_images_and_nodes(struct plan *plan, const struct scenario *sc)
{
	size_t i;

	plan->images = xcalloc(sc->n_images + 1, sizeof(*plan->images));
	plan->n_images = sc->n_images;
	for (i = 0; i < sc->n_images; i++) {
		const struct scenario_image *img = &sc->images[i];

		plan->images[i] = (struct plan_image){ xstrdup(img->id),
		    copy_text(img->kernel), copy_text(img->initrd),
		    copy_text(img->cmdline), copy_text(img->disk), img->format,
		    img->cloud_init, img->hw };
	}
	plan->nodes = xcalloc(sc->n_nodes + 1, sizeof(*plan->nodes));
	plan->n_nodes = sc->n_nodes;
	for (i = 0; i < sc->n_nodes; i++)
		plan->nodes[i] = (struct plan_node){ xstrdup(sc->nodes[i].uri),
		    sc->nodes[i].memory, sc->nodes[i].vcpus,
		    copy_text(sc->nodes[i].underlay) };
}

/*
 * The services of every host definition, once for all its copies, then
 * room for the compromises that copy_inject() adds.
 */
static void
copy_services(struct planner *p)
{
	const struct scenario *sc = p->sc;
	struct plan *plan = p->plan;
	size_t i, j, total = 0;

	for (i = 0; i < sc->n_hosts; i++)
		total += sc->hosts[i].n_services;
	for (i = 0; i < sc->n_injects; i++)
		total += sc->injects[i].compromise != NULL;
	plan->checks = xcalloc(total + 1, sizeof(*plan->checks));
	p->services = xcalloc(sc->n_hosts + 1, sizeof(*p->services));
	for (i = 0; i < sc->n_hosts; i++) {
		p->services[i] = plan->n_checks;
		for (j = 0; j < sc->hosts[i].n_services; j++)
			scenario_check_copy(&plan->checks[plan->n_checks++],
			    &sc->hosts[i].services[j]);
	}
}

/* What the rest of rangectl reads of the scenario, as the plan's own. */
static void
copy_scenario(struct planner *p)
{
	const struct scenario *sc = p->sc;
	struct plan *plan = p->plan;

	plan->exercise = xstrdup(sc->exercise.name);
	plan->title = copy_text(sc->exercise.title);
	plan->duration = sc->exercise.duration;
	plan->connect = copy_text(sc->exercise.connect);
	plan->path = copy_text(sc->path);
	plan->dir = copy_text(sc->dir);
	plan->interval = sc->scoring.interval;
	if (sc->scoring.sla.node != NULL) {
		plan->sla_after = sc->scoring.sla.after;
		plan->sla_penalty = sc->scoring.sla.penalty;
	}
	plan->outage_attack = plan->outage_self = 1000;
	if (sc->scoring.outage.node != NULL) {
		plan->outage_attack = sc->scoring.outage.attack;
		plan->outage_self = sc->scoring.outage.self;
	}
	plan->timeout = sc->scoring.timeout;
	if (sc->scoring.detection.node != NULL) {
		const struct scenario_detection *d = &sc->scoring.detection;

		plan->has_detection = true;
		plan->detection = (struct detect_rules){ .points = d->points,
		    .half_life = d->half_life, .sharing = d->sharing,
		    .early_warning = d->early_warning,
		    .false_indicator = d->false_indicator };
	}
	if (sc->vpn.node != NULL) {
		plan->vpn.on = true;
		plan->vpn.listen = copy_text(sc->vpn.listen);
		plan->vpn.pool = copy_text(sc->vpn.pool);
		plan->vpn.endpoint = copy_text(sc->vpn.endpoint);
	}
	copy_teams(plan, sc);
	copy_circles(plan, sc);
	copy_images_and_nodes(plan, sc);
	copy_services(p);
}

static void
copy_inject(struct planner *p, const struct scenario_inject *src,
    struct plan_inject *inj)
{
	struct plan *plan = p->plan;

	inj->id = xstrdup(src->id);
	inj->title = copy_text(src->title);
	inj->at = src->at;
	inj->manual = src->manual;
	inj->action = src->action;
	inj->command = copy_text(src->command);
	inj->nic = copy_text(src->nic);
	inj->duration = src->duration;
	inj->text = copy_text(src->text);
	inj->has_from = src->from != NULL && src->action != ACTION_MESSAGE;
	inj->has_to = src->has_to;
	if (src->action == ACTION_MESSAGE)
		inj->sender = copy_text(src->from);
	strlist_copy(&inj->breaks, &src->breaks);
	if (src->compromise != NULL) {
		scenario_check_copy(&plan->checks[plan->n_checks], src->compromise);
		inj->compromise = &plan->checks[plan->n_checks++];
	}
}

/*
 * The libvirt name of an object of a team, or shared when team is NULL.
 * Joined by hand: a plan names every host and looks up every NIC's
 * network by name, and xasprintf's two vsnprintf passes were a tenth of
 * plan_build.
 */
static char *
object_name(const struct scenario *sc, const struct scenario_team *team,
    const char *id)
{
	size_t ex = strlen(sc->exercise.name), tm = team ? strlen(team->id) : 0;
	size_t n = strlen(id);
	char *name = xmalloc(ex + 1 + (team ? tm + 1 : 0) + n + 1), *p = name;

	memcpy(p, sc->exercise.name, ex);
	p += ex;
	*p++ = '-';
	if (team != NULL) {
		memcpy(p, team->id, tm);
		p += tm;
		*p++ = '-';
	}
	memcpy(p, id, n + 1);
	return name;
}

static size_t
copies(const struct scenario *sc, int per_team)
{
	size_t i, n = 0;

	if (per_team == ROLE_NONE)
		return 1;
	for (i = 0; i < sc->n_teams; i++)
		n += sc->teams[i].role == per_team;
	return n;
}

void
plan_derive_mac(const char *exercise, const char *team, const char *host,
    const char *network, unsigned attempt, unsigned char mac[6])
{
	unsigned long long h = HASH_SEED;

	h = hash_str(h, exercise);
	h = hash_str(h, team ? team : "");
	h = hash_str(h, host);
	h = hash_str(h, network);
	h = hash_bytes(h, &attempt, sizeof(attempt));
	/* QEMU's locally administered prefix, as libvirt users expect. */
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (unsigned char)(h >> 40);
	mac[4] = (unsigned char)(h >> 24);
	mac[5] = (unsigned char)(h >> 8);
}

void
plan_derive_bridge(const char *network_name, unsigned attempt,
    char bridge[PLAN_BRIDGE_MAX + 1])
{
	unsigned long long h = hash_str(HASH_SEED, network_name);

	h = hash_bytes(h, &attempt, sizeof(attempt));
	/* "rc-" and 10 hex digits: 13 characters, 2^40 names. */
	snprintf(bridge, PLAN_BRIDGE_MAX + 1, "rc-%010llx", h & 0xffffffffffULL);
}

static void
expand_network(struct planner *p, const struct scenario_network *src,
    const struct scenario_team *team)
{
	struct plan_network *net = &p->plan->networks[p->plan->n_networks];
	struct template_values v = { 0 };
	const char *why;
	char *cidr;

	if (team != NULL) {
		v.team_id = team->id;
		v.team_index = team->index;
	}
	p->net_src[p->plan->n_networks] = src;
	net->team = own_team(p, team);
	net->isolated = src->isolated;
	net->gateway = PLAN_NONE;
	net->name = object_name(p->sc, team, src->id);
	net->id = net->name + strlen(net->name) - strlen(src->id);
	cidr = template_expand(src->cidr, &v);
	if (cidr_parse(cidr, &net->cidr, &why) < 0)
		planner_error(p, scenario_pos(src->node, "cidr"), "cidr '%s' of "
		    "network '%s' for team '%s' gives '%s', which is not a valid "
		    "network: %s", src->cidr, src->id, team ? team->id : "-",
		    cidr, why);
	free(cidr);
	if (plan_guest_dns(src, team, &net->dns) < 0)
		planner_error(p, scenario_pos(src->node, "dns"), "dns '%s' of "
		    "network '%s' for team '%s' is not a valid address",
		    src->dns, src->id, team ? team->id : "-");
	net->host_side = cidr_host_side(&net->cidr);
	if (strmap_add(&p->networks, net->name, net) != NULL)
		planner_error(p, src->node->pos, "network '%s' would be named "
		    "'%s' in libvirt, like another network; rename one of them",
		    src->id, net->name);
	p->plan->n_networks++;
}

static void
expand_networks(struct planner *p)
{
	const struct scenario *sc = p->sc;
	size_t i, j, total = 0;

	for (i = 0; i < sc->n_networks; i++)
		total += copies(sc, sc->networks[i].per_team);
	p->plan->networks = xcalloc(total, sizeof(*p->plan->networks));
	p->net_src = xcalloc(total ? total : 1, sizeof(*p->net_src));
	strmap_reserve(&p->networks, total);
	for (i = 0; i < sc->n_networks; i++) {
		const struct scenario_network *src = &sc->networks[i];

		if (src->per_team == ROLE_NONE)
			expand_network(p, src, NULL);
		for (j = 0; j < sc->n_teams && src->per_team != ROLE_NONE; j++)
			if (sc->teams[j].role == src->per_team)
				expand_network(p, src, &sc->teams[j]);
	}
}

/* The plan network a NIC of a host of team is on. */
static size_t
find_network(struct planner *p, const struct scenario_team *team,
    const char *id)
{
	const struct scenario_network *src = scenario_network(p->sc, id);
	struct plan_network *net;
	char *name;

	name = object_name(p->sc, src->per_team != ROLE_NONE ? team : NULL, id);
	net = strmap_get(&p->networks, name);
	free(name);
	return (size_t)(net - p->plan->networks);
}

/*
 * The hardware of an image's hosts, defaults made explicit, except the
 * machine: libvirt's default is left unwritten, so that domains planned
 * before these settings keep their definition (and are not made anew).
 */
static struct scenario_hardware
host_hardware(const struct scenario_image *img)
{
	struct scenario_hardware hw = { 0 };
	bool disk;

	if (img == NULL)
		return hw;
	disk = img->disk != NULL;
	hw = img->hw;
	if (hw.firmware == FIRMWARE_DEFAULT)
		hw.firmware = FIRMWARE_BIOS;
	if (hw.disk_bus == DISK_BUS_DEFAULT)
		hw.disk_bus = DISK_BUS_VIRTIO;
	if (hw.nic_model == NIC_MODEL_DEFAULT)
		hw.nic_model = NIC_MODEL_VIRTIO;
	if (hw.graphics == GRAPHICS_DEFAULT)
		hw.graphics = disk ? GRAPHICS_VNC : GRAPHICS_NONE;
	if (hw.video == VIDEO_DEFAULT && hw.graphics == GRAPHICS_VNC)
		hw.video = VIDEO_VGA;
	return hw;
}

static void
expand_host(struct planner *p, const struct scenario_host *src,
    const struct plan_image *image, const struct scenario_team *team)
{
	struct plan_host *host = &p->plan->hosts[p->plan->n_hosts];
	size_t i;

	p->host_src[p->plan->n_hosts] = src;
	host->team = own_team(p, team);
	host->hw = host_hardware(scenario_image(p->sc, src->image));
	host->guest = plan_guest_expand(p->sc, src, team);
	host->name = object_name(p->sc, team, src->id);
	host->id = host->name + strlen(host->name) - strlen(src->id);
	host->image = image;
	host->memory = src->memory;
	host->vcpus = src->vcpus;
	host->router = src->router;
	host->services = &p->plan->checks[p->services[src - p->sc->hosts]];
	host->n_services = src->n_services;
	host->nics = xcalloc(src->n_nics, sizeof(*host->nics));
	host->n_nics = src->n_nics;
	for (i = 0; i < src->n_nics; i++)
		host->nics[i].network = find_network(p, team,
		    src->nics[i].network);
	if (strmap_add(&p->hosts, host->name, host) != NULL)
		planner_error(p, src->node->pos, "host '%s' would be named '%s' "
		    "in libvirt, like another host; rename one of them",
		    src->id, host->name);
	p->plan->n_hosts++;
}

static void
expand_hosts(struct planner *p)
{
	const struct scenario *sc = p->sc;
	size_t i, j, total = 0;

	for (i = 0; i < sc->n_hosts; i++)
		total += copies(sc, sc->hosts[i].per_team);
	p->plan->hosts = xcalloc(total, sizeof(*p->plan->hosts));
	p->host_src = xcalloc(total ? total : 1, sizeof(*p->host_src));
	p->first_copy = xcalloc(sc->n_hosts + 1, sizeof(*p->first_copy));
	strmap_reserve(&p->hosts, total);
	for (i = 0; i < sc->n_hosts; i++) {
		const struct scenario_host *src = &sc->hosts[i];
		/* Looked up once for all the copies. */
		const struct plan_image *image = find_image(p->plan, src->image);

		p->first_copy[i] = p->plan->n_hosts;
		if (src->per_team == ROLE_NONE)
			expand_host(p, src, image, scenario_team(sc, src->team));
		for (j = 0; j < sc->n_teams && src->per_team != ROLE_NONE; j++)
			if (sc->teams[j].role == src->per_team)
				expand_host(p, src, image, &sc->teams[j]);
	}
	p->first_copy[sc->n_hosts] = p->plan->n_hosts;
}

static int
compare_networks(const void *a, const void *b)
{
	const struct plan_network *x = *(struct plan_network *const *)a;
	const struct plan_network *y = *(struct plan_network *const *)b;

	if (x->cidr.net != y->cidr.net)
		return x->cidr.net < y->cidr.net ? -1 : 1;
	if (x->cidr.prefix != y->cidr.prefix)
		return x->cidr.prefix < y->cidr.prefix ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Sorted by start address, a network overlaps an earlier one exactly when
 * it starts before the furthest end seen so far: n log n, not n squared.
 */
static void
check_overlaps(struct planner *p)
{
	struct plan *plan = p->plan;
	struct plan_network **sorted, *widest = NULL;
	char a[CIDR_TEXT], b[CIDR_TEXT];
	size_t i;

	sorted = xcalloc(plan->n_networks, sizeof(*sorted));
	for (i = 0; i < plan->n_networks; i++)
		sorted[i] = &plan->networks[i];
	qsort(sorted, plan->n_networks, sizeof(*sorted), compare_networks);
	for (i = 0; i < plan->n_networks; i++) {
		struct plan_network *net = sorted[i];

		if (widest != NULL && net->cidr.net <= cidr_broadcast(&widest->cidr)) {
			const struct plan_network *later = net > widest ? net : widest;
			const struct plan_network *earlier = net > widest ? widest : net;

			cidr_format(&later->cidr, a);
			cidr_format(&earlier->cidr, b);
			const struct scenario_network *src =
			    p->net_src[later - plan->networks];

			planner_error(p, scenario_pos(src->node, "cidr"),
			    "network '%s' (%s) overlaps network '%s' (%s)%s",
			    later->name, a, earlier->name, b, src ==
			    p->net_src[earlier - plan->networks] &&
			    !template_uses_team(src->cidr) ?
			    "; a per_team network needs {team.index} in its cidr "
			    "so that the copies differ" : "");
		}
		if (widest == NULL ||
		    cidr_broadcast(&net->cidr) > cidr_broadcast(&widest->cidr))
			widest = net;
	}
	free(sorted);
}

/* One address players send WireGuard to: in no network, not in the pool. */
static void
check_vpn_address(struct planner *p, const char *key, const char *text,
    uint32_t addr, const struct cidr *pool)
{
	const struct plan *plan = p->plan;
	struct pos pos = scenario_pos(p->sc->vpn.node, key);
	char b[CIDR_TEXT];
	size_t i;

	if (cidr_contains(pool, addr)) {
		cidr_format(pool, b);
		planner_error(p, pos, "the vpn %s '%s' is inside the vpn pool "
		    "'%s': players would route WireGuard's own packets into the "
		    "tunnel", key, text, b);
	}
	for (i = 0; i < plan->n_networks; i++) {
		if (!cidr_contains(&plan->networks[i].cidr, addr))
			continue;
		cidr_format(&plan->networks[i].cidr, b);
		planner_error(p, pos, "the vpn %s '%s' is inside network '%s' "
		    "(%s): players would route WireGuard's own packets into the "
		    "tunnel", key, text, plan->networks[i].name, b);
	}
}

/*
 * The VPN's pool, and the addresses players reach it by (listen when not
 * 0.0.0.0 and no endpoint is given, endpoint when an address), must lie
 * outside every network: a pool address that is also a guest's would be
 * routed into the tunnel by one side and into the range by the other, and
 * an endpoint inside the AllowedIPs it hands out would send WireGuard's
 * own packets into the tunnel. Another range on the same machine is not
 * known here (its networks live in its own namespace).
 */
static void
check_vpn_addresses(struct planner *p)
{
	const struct scenario_vpn *v = &p->sc->vpn;
	const struct plan *plan = p->plan;
	char a[CIDR_TEXT], b[CIDR_TEXT], where[IPV4_TEXT + 1];
	struct cidr pool;
	uint32_t addr;
	const char *why, *colon;
	size_t i;

	if (!plan->vpn.on || plan->vpn.pool == NULL ||
	    cidr_parse(plan->vpn.pool, &pool, &why) < 0)
		return;
	for (i = 0; i < plan->n_networks; i++) {
		if (!cidr_overlaps(&pool, &plan->networks[i].cidr))
			continue;
		cidr_format(&pool, a);
		cidr_format(&plan->networks[i].cidr, b);
		planner_error(p, scenario_pos(v->node, "pool"), "the vpn pool '%s' "
		    "overlaps network '%s' (%s): the pool must share no address "
		    "with the scenario's networks", a, plan->networks[i].name, b);
	}
	/* Without endpoint:, players are told to send to listen's address. */
	colon = plan->vpn.listen && plan->vpn.endpoint == NULL ?
	    strrchr(plan->vpn.listen, ':') : NULL;
	if (colon != NULL && (size_t)(colon - plan->vpn.listen) < sizeof(where)) {
		memcpy(where, plan->vpn.listen, (size_t)(colon - plan->vpn.listen));
		where[colon - plan->vpn.listen] = '\0';
		if (ipv4_parse(where, &addr) == 0 && addr != 0)
			check_vpn_address(p, "listen", where, addr, &pool);
	}
	if (plan->vpn.endpoint != NULL &&
	    ipv4_parse(plan->vpn.endpoint, &addr) == 0)
		check_vpn_address(p, "endpoint", plan->vpn.endpoint, addr, &pool);
}

static void
set_address(struct plan_nic *nic, uint32_t addr)
{
	nic->ip = addr;
	ipv4_format(addr, nic->ip_text);
}

/* Why addr cannot be a host's on net ("is WHY network 'x'"), or NULL. */
static const char *
address_problem(const struct plan_network *net, uint32_t addr)
{
	if (!cidr_contains(&net->cidr, addr))
		return "outside";
	if (addr == net->cidr.net)
		return "the network address of";
	if (addr == cidr_broadcast(&net->cidr))
		return "the broadcast address of";
	if (addr == net->host_side)
		return "reserved for rangectl's own checks (the last usable "
		    "address) on";
	return NULL;
}

/* The address written for a NIC: 1 with *addr set, 0 for auto, -1 bad. */
static int
written_address(const struct plan_host *host, const char *ip,
    const struct plan_network *net, uint32_t *addr)
{
	struct template_values v = { 0 };
	unsigned long n;
	char *text, *end;
	int rc;

	if (ip == NULL || strcmp(ip, "auto") == 0)
		return 0;
	if (ip[0] == '.') {
		n = strtoul(ip + 1, &end, 10);
		if (n > ~cidr_mask(&net->cidr))
			n = (unsigned long)~cidr_mask(&net->cidr) + 1;
		*addr = net->cidr.net + (uint32_t)n;
		return 1;
	}
	v.team_id = host->team ? host->team->id : "";
	v.team_index = host->team ? host->team->index : 0;
	text = template_expand(ip, &v);
	rc = ipv4_parse(text, addr) == 0 ? 1 : -1;
	free(text);
	return rc;
}

static void
claim_address(struct planner *p, struct plan_host *host, struct plan_nic *nic,
    size_t index)
{
	const struct plan_network *net = &p->plan->networks[nic->network];
	const struct scenario_nic *src = nic_src(p, host, index);
	const struct plan_host *owner;
	char cidr[CIDR_TEXT], ip[IPV4_TEXT], shown[96];
	const char *problem;
	uint32_t addr;

	if (written_address(host, src->ip, net, &addr) <= 0)
		return;
	problem = address_problem(net, addr);
	if (problem != NULL) {
		/* Show the full address where the scenario wrote less. */
		ipv4_format(addr, ip);
		if (strcmp(src->ip, ip) == 0)
			snprintf(shown, sizeof(shown), "'%s'", ip);
		else
			snprintf(shown, sizeof(shown), "'%s' (%s)", src->ip, ip);
		cidr_format(&net->cidr, cidr);
		planner_error(p, scenario_pos(src->node, "ip"), "ip %s of "
		    "NIC #%zu of host '%s' is %s network '%s' (%s)", shown,
		    index + 1, host->name, problem, net->name, cidr);
		return;
	}
	set_address(nic, addr);
	owner = strmap_add(&p->addresses, nic->ip_text, host);
	if (owner != NULL)
		planner_error(p, scenario_pos(src->node, "ip"), "ip '%s' of "
		    "NIC #%zu of host '%s' is already taken by host '%s'",
		    nic->ip_text, index + 1, host->name, owner->name);
}

/* Hands out the next free address of the network, in plan order. */
static void
auto_address(struct planner *p, struct plan_host *host, struct plan_nic *nic,
    size_t index, uint32_t *next)
{
	const struct plan_network *net = &p->plan->networks[nic->network];
	char ip[IPV4_TEXT], cidr[CIDR_TEXT];

	for (;;) {
		if (*next >= net->host_side) {
			cidr_format(&net->cidr, cidr);
			planner_error(p, scenario_pos(nic_src(p, host,
			    index)->node, "ip"),
			    "network '%s' (%s) has no free address left for NIC "
			    "#%zu of host '%s'",
			    net->name, cidr, index + 1, host->name);
			return;
		}
		ipv4_format((*next)++, ip);
		if (strmap_get(&p->addresses, ip) == NULL)
			break;
	}
	set_address(nic, *next - 1);
	strmap_add(&p->addresses, nic->ip_text, host);
}

/* The NICs of all the hosts: what the address and MAC maps will hold. */
static size_t
count_nics(const struct plan *plan)
{
	size_t i, n = 0;

	for (i = 0; i < plan->n_hosts; i++)
		n += plan->hosts[i].n_nics;
	return n;
}

static void
assign_addresses(struct planner *p)
{
	struct plan *plan = p->plan;
	uint32_t *next;
	size_t i, j;

	strmap_reserve(&p->addresses, count_nics(plan));
	for (i = 0; i < plan->n_hosts; i++)
		for (j = 0; j < plan->hosts[i].n_nics; j++)
			claim_address(p, &plan->hosts[i], &plan->hosts[i].nics[j], j);
	next = xcalloc(plan->n_networks, sizeof(*next));
	for (i = 0; i < plan->n_networks; i++)
		next[i] = plan->networks[i].cidr.net + 1;
	for (i = 0; i < plan->n_hosts; i++) {
		struct plan_host *host = &plan->hosts[i];

		for (j = 0; j < host->n_nics; j++) {
			const char *ip = nic_src(p, host, j)->ip;

			if (host->nics[j].ip == 0 && (ip == NULL ||
			    strcmp(ip, "auto") == 0))
				auto_address(p, host, &host->nics[j], j,
				    &next[host->nics[j].network]);
		}
	}
	free(next);
}

/* "52:54:00:ab:cd:ef": by hand, as snprintf was a sixth of plan_build. */
static void
mac_format(const unsigned char mac[6], char text[PLAN_MAC_TEXT])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 6; i++) {
		text[3 * i] = hex[mac[i] >> 4];
		text[3 * i + 1] = hex[mac[i] & 15];
		text[3 * i + 2] = i < 5 ? ':' : '\0';
	}
}

/* Distinct MACs per range: a clash (one in 2^24 per pair) takes the next. */
static void
assign_macs(struct planner *p)
{
	const struct scenario *sc = p->sc;
	struct strmap seen;
	size_t i, j;

	strmap_init(&seen);
	strmap_reserve(&seen, count_nics(p->plan));
	for (i = 0; i < p->plan->n_hosts; i++) {
		struct plan_host *host = &p->plan->hosts[i];

		for (j = 0; j < host->n_nics; j++) {
			struct plan_nic *nic = &host->nics[j];
			unsigned attempt = 0;

			do {
				plan_derive_mac(sc->exercise.name, host->team ?
				    host->team->id : NULL, host->id,
				    nic_src(p, host, j)->network, attempt++,
				    nic->mac);
				mac_format(nic->mac, nic->mac_text);
			} while (strmap_add(&seen, nic->mac_text, nic) != NULL);
		}
	}
	strmap_clear(&seen);
}

static void
assign_bridges(struct planner *p)
{
	struct strmap seen;
	size_t i;

	strmap_init(&seen);
	for (i = 0; i < p->plan->n_networks; i++) {
		struct plan_network *net = &p->plan->networks[i];
		unsigned attempt = 0;

		do
			plan_derive_bridge(net->name, attempt++, net->bridge);
		while (strmap_add(&seen, net->bridge, net) != NULL);
	}
	strmap_clear(&seen);
}

/* The address of host on the plan network, or 0 if it is not on it. */
static uint32_t
address_on(const struct plan_host *host, size_t network)
{
	size_t i;

	for (i = 0; i < host->n_nics; i++)
		if (host->nics[i].network == network)
			return host->nics[i].ip;
	return 0;
}

static void
find_gateways(struct planner *p)
{
	struct plan *plan = p->plan;
	size_t i, j;

	for (i = 0; i < plan->n_networks; i++) {
		struct plan_network *net = &plan->networks[i];
		const char *gateway = p->net_src[i]->gateway;
		const struct scenario_host *src;
		struct plan_host *gw;
		char *name;

		if (gateway == NULL)
			continue;
		src = scenario_host(p->sc, gateway);
		name = object_name(p->sc, net->team ? net->team :
		    scenario_team(p->sc, src->team), src->id);
		gw = strmap_get(&p->hosts, name);
		free(name);
		if (gw != NULL && address_on(gw, i) != 0)
			net->gateway = (size_t)(gw - plan->hosts);
	}
	/* A host's default route: the gateway of its first such network. */
	for (i = 0; i < plan->n_hosts; i++) {
		struct plan_host *host = &plan->hosts[i];

		for (j = 0; j < host->n_nics && host->gateway == 0; j++) {
			size_t gw = plan->networks[host->nics[j].network].gateway;

			if (gw != PLAN_NONE && gw != i)
				host->gateway = address_on(&plan->hosts[gw],
				    host->nics[j].network);
		}
	}
}

static void
add_route(struct plan_host *host, const struct cidr *to, uint32_t via)
{
	size_t i;

	for (i = 0; i < host->n_routes; i++)
		if (host->routes[i].to.net == to->net &&
		    host->routes[i].to.prefix == to->prefix)
			return;
	xgrow(&host->routes, &host->routes_alloc, host->n_routes + 1,
	    sizeof(*host->routes));
	host->routes[host->n_routes].to = *to;
	host->routes[host->n_routes].via = via;
	host->n_routes++;
}

/* The address of router on the first network it shares with host, or 0. */
static uint32_t
hop_to(const struct plan_host *host, const struct plan_host *router)
{
	size_t i;
	uint32_t via;

	for (i = 0; i < host->n_nics; i++)
		if ((via = address_on(router, host->nics[i].network)) != 0)
			return via;
	return 0;
}

/*
 * Routes through router to the networks it reaches that host does not:
 * its own team's and shared ones when they are of one team, and only the
 * router's team's networks when host is red or white reaching a target.
 */
static void
route_through(struct planner *p, struct plan_host *host,
    const struct plan_host *router)
{
	bool own = host->team == router->team;
	uint32_t via = hop_to(host, router);
	size_t i;

	if (via == 0)
		return;
	for (i = 0; i < router->n_nics; i++) {
		const struct plan_network *net =
		    &p->plan->networks[router->nics[i].network];

		if (address_on(host, router->nics[i].network) != 0)
			continue;
		if (own ? (net->team == host->team || net->team == NULL) :
		    net->team == router->team)
			add_route(host, &net->cidr, via);
	}
}

/* The bucket of a team in plan_routes(): its index, or n_teams for none. */
static size_t
team_slot(const struct plan *plan, const struct scenario_team *team)
{
	return team != NULL ? (size_t)(team - plan->teams) : plan->n_teams;
}

/*
 * Routers are bucketed by team, in plan order within each, so that a blue
 * host looks only at its own team's routers: one pass over the hosts, not
 * hosts times routers (10,000 hosts and 500 routers were 5 million steps).
 * Red and white hosts still go through every router, in plan order.
 */
static void
plan_routes(struct planner *p)
{
	const struct scenario *sc = p->sc;
	struct plan *plan = p->plan;
	size_t *all = xcalloc(plan->n_hosts, sizeof(*all));
	size_t *by_team = xcalloc(plan->n_hosts, sizeof(*by_team));
	size_t *first = xcalloc(sc->n_teams + 2, sizeof(*first));
	size_t n_all = 0, i, j, slot, from, to;

	for (i = 0; i < plan->n_hosts; i++)
		if (plan->hosts[i].router) {
			all[n_all++] = i;
			first[team_slot(plan, plan->hosts[i].team) + 1]++;
		}
	for (slot = 0; slot <= sc->n_teams; slot++)
		first[slot + 1] += first[slot];
	/* first[slot] moves to the bucket's end, then back by one bucket. */
	for (i = 0; i < n_all; i++)
		by_team[first[team_slot(plan, plan->hosts[all[i]].team)]++] = all[i];
	memmove(first + 1, first, (sc->n_teams + 1) * sizeof(*first));
	first[0] = 0;
	for (i = 0; i < plan->n_hosts; i++) {
		struct plan_host *host = &plan->hosts[i];
		int role = host->team ? host->team->role : ROLE_NONE;
		bool everyone = role == ROLE_RED || role == ROLE_WHITE;
		const size_t *routers = everyone ? all : by_team;

		slot = team_slot(plan, host->team);
		from = everyone ? 0 : first[slot];
		to = everyone ? n_all : first[slot + 1];
		for (j = from; j < to; j++)
			if (routers[j] != i)
				route_through(p, host, &plan->hosts[routers[j]]);
	}
	free(first);
	free(by_team);
	free(all);
}

/* The hosts a selector matches, as a new array of host indexes. */
static size_t *
select_hosts(struct planner *p, const char *text, size_t *count)
{
	struct plan *plan = p->plan;
	const struct scenario_host *def;
	size_t *found, i, start = 0, end = plan->n_hosts;
	struct selector sel;
	const char *why;

	*count = 0;
	if (selector_parse(text, p->sc, &sel, &why) < 0)
		return NULL;	/* the loader reported it */
	/* A named host: only the copies of its definition can match. */
	if (sel.host != NULL && (def = scenario_host(p->sc, sel.host)) != NULL) {
		start = p->first_copy[def - p->sc->hosts];
		end = p->first_copy[def - p->sc->hosts + 1];
	}
	found = xcalloc(end - start, sizeof(*found));
	for (i = start; i < end; i++)
		if (plan->hosts[i].team != NULL && selector_matches(&sel,
		    plan->hosts[i].team, plan->hosts[i].id))
			found[(*count)++] = i;
	selector_clear(&sel);
	return found;
}

/* A link action's NIC must be on every target, whatever the selector. */
static void
check_target_nics(struct planner *p, const struct scenario_inject *src,
    const struct plan_inject *inj)
{
	size_t i, j;

	for (i = 0; i < inj->n_targets && src->nic != NULL; i++) {
		const struct plan_host *host = &p->plan->hosts[inj->targets[i]];

		for (j = 0; j < host->n_nics; j++)
			if (strcmp(p->plan->networks[host->nics[j].network].id,
			    src->nic) == 0)
				break;
		if (j == host->n_nics)
			planner_error(p, scenario_pos(src->node, "nic"), "nic '%s' "
			    "of inject '%s' is not a network of its target '%s'",
			    src->nic, src->id, host->name);
	}
}

/* The team of member name, or NULL (an instructor, or nobody). */
static const struct scenario_team *
member_team(const struct scenario *sc, const char *name)
{
	size_t i, j;

	for (i = 0; i < sc->n_teams; i++)
		for (j = 0; j < sc->teams[i].members.count; j++)
			if (strcmp(sc->teams[i].members.items[j], name) == 0)
				return &sc->teams[i];
	return NULL;
}

/*
 * The role a recipient (a team id, a role or *) names, ROLE_NONE for a
 * team id or *: a team's own id wins over a role of the same name.
 */
static int
recipient_role(const struct scenario *sc, const char *to)
{
	return scenario_team(sc, to) ? ROLE_NONE : role_parse(to);
}

/* Whether recipient to, whose recipient_role is role, takes in team. */
static bool
recipient_takes(const char *to, int role, const struct scenario_team *team)
{
	return strcmp(to, "*") == 0 || team->role == role ||
	    strcmp(to, team->id) == 0;
}

/*
 * A message's teams (every member of each receives it) and the people
 * it names one by one beyond those teams (rules.c checked every name).
 */
static void
resolve_recipients(struct planner *p, const struct strlist *to,
    struct plan_inject *inj)
{
	const struct scenario *sc = p->sc;
	size_t plen = strlen(SCENARIO_PERSON), i, j, k;
	/*
	 * Each recipient's role, looked up once: per team and recipient, the
	 * team search was a tenth of plan --json's time at 1,000 hosts.
	 */
	int *roles = xcalloc(to->count + 1, sizeof(*roles));

	for (j = 0; j < to->count; j++)
		roles[j] = recipient_role(sc, to->items[j]);
	inj->to = xcalloc(sc->n_teams + 1, sizeof(*inj->to));
	for (i = 0; i < sc->n_teams; i++)
		for (j = 0; j < to->count; j++)
			if (recipient_takes(to->items[j], roles[j],
			    &sc->teams[i])) {
				inj->to[inj->n_to++] = &p->plan->teams[i];
				break;
			}
	free(roles);
	inj->people = xcalloc(to->count + 1, sizeof(*inj->people));
	for (j = 0; j < to->count; j++) {
		const struct scenario_team *team;
		const char *name;

		if (strncmp(to->items[j], SCENARIO_PERSON, plen) != 0)
			continue;
		name = to->items[j] + plen;
		team = member_team(sc, name);
		for (k = 0; team != NULL && k < inj->n_to; k++)
			if (strcmp(inj->to[k]->id, team->id) == 0)
				break;
		if (team != NULL && k < inj->n_to)
			continue;	/* the whole team has it */
		for (k = 0; k < inj->n_people; k++)
			if (strcmp(inj->people[k], name) == 0)
				break;
		if (k == inj->n_people)
			inj->people[inj->n_people++] = xstrdup(name);
	}
}

/* The first address of host, "" without a NIC. */
static const char *
first_ip(const struct plan_host *host)
{
	return host->n_nics > 0 ? host->nics[0].ip_text : "";
}

/*
 * Copies the truth of src, its indicators filled in for each target as
 * inject.c fills an exec's command: the target, its team, from[0].
 */
static void
resolve_truth(struct planner *p, const struct scenario_inject *src,
    struct plan_inject *inj)
{
	const struct scenario_truth *st = src->truth;
	const struct plan_host *from = inj->n_from > 0 ?
	    &p->plan->hosts[inj->from[0]] : NULL;
	struct plan_truth *t;
	size_t i, j;

	if (st == NULL)
		return;
	t = inj->truth = xcalloc(1, sizeof(*t));
	t->technique = copy_text(st->technique);
	strlist_copy(&t->effects, &st->effects);
	t->n_indicators = st->n_indicators;
	t->indicators = xcalloc(inj->n_targets * st->n_indicators + 1,
	    sizeof(*t->indicators));
	for (i = 0; i < inj->n_targets; i++) {
		const struct plan_host *host = &p->plan->hosts[inj->targets[i]];
		struct template_values v = {
			.team_id = host->team->id,
			.team_index = host->team->index,
			.target_ip = first_ip(host),
			.target_name = host->name,
			.target_team = host->team->id,
			.from_ip = from != NULL ? first_ip(from) : "",
			.from_name = from != NULL ? from->name : "",
			.from_team = from != NULL && from->team != NULL ?
			    from->team->id : "",
		};

		for (j = 0; j < st->n_indicators; j++) {
			struct plan_indicator *out =
			    &t->indicators[i * st->n_indicators + j];

			out->type = st->indicators[j].type;
			out->value = template_expand(st->indicators[j].value, &v);
		}
	}
}

static void
resolve_inject(struct planner *p, const struct scenario_inject *src,
    struct plan_inject *inj)
{
	copy_inject(p, src, inj);
	if (src->target != NULL) {
		inj->targets = select_hosts(p, src->target, &inj->n_targets);
		if (inj->n_targets == 0)
			planner_error(p, scenario_pos(src->node, "target"), "target "
			    "'%s' of inject '%s' matches no host", src->target,
			    src->id);
		check_target_nics(p, src, inj);
	}
	if (src->from != NULL && src->action != ACTION_MESSAGE) {
		inj->from = select_hosts(p, src->from, &inj->n_from);
		if (inj->n_from == 0)
			planner_error(p, scenario_pos(src->node, "from"), "from "
			    "'%s' of inject '%s' matches no host", src->from,
			    src->id);
	}
	if (src->has_to)
		resolve_recipients(p, &src->to, inj);
	resolve_truth(p, src, inj);
}

static void
resolve_injects(struct planner *p)
{
	size_t i;

	p->plan->injects = xcalloc(p->sc->n_injects, sizeof(*p->plan->injects));
	for (i = 0; i < p->sc->n_injects; i++)
		resolve_inject(p, &p->sc->injects[i], &p->plan->injects[i]);
	p->plan->n_injects = p->sc->n_injects;
}

int
plan_place(struct plan *plan, const struct place_node *nodes, size_t n_nodes,
    char **error)
{
	size_t n = plan->n_hosts ? plan->n_hosts : 1, *node, i;
	struct place_host *hosts = xcalloc(n, sizeof(*hosts));
	int rc;

	node = xcalloc(n, sizeof(*node));
	for (i = 0; i < plan->n_hosts; i++) {
		const struct plan_host *h = &plan->hosts[i];

		hosts[i] = (struct place_host){ h->name, h->team ?
		    (size_t)(h->team - plan->teams) : PLACE_NO_TEAM,
		    h->memory, (unsigned long)h->vcpus };
	}
	rc = place_hosts(nodes, n_nodes, hosts, plan->n_hosts, node, error);
	for (i = 0; rc == 0 && i < plan->n_hosts; i++)
		plan->hosts[i].node = node[i];
	free(hosts);
	free(node);
	return rc;
}

/*
 * With nodes, each host gets one (place.c). A node without memory or
 * vcpus has no limit on them.
 */
static void
place_on_nodes(struct planner *p)
{
	const struct scenario *sc = p->sc;
	struct place_node *nodes;
	char *error = NULL;
	size_t i;

	if (sc->n_nodes == 0)
		return;
	nodes = xcalloc(sc->n_nodes, sizeof(*nodes));
	for (i = 0; i < sc->n_nodes; i++)
		nodes[i] = (struct place_node){ sc->nodes[i].memory ?
		    sc->nodes[i].memory : ULLONG_MAX / 2, sc->nodes[i].vcpus > 0 ?
		    (unsigned long)sc->nodes[i].vcpus : ULONG_MAX / 2 };
	if (plan_place(p->plan, nodes, sc->n_nodes, &error) < 0)
		planner_error(p, scenario_pos(sc->node, "nodes"), "%s", error);
	free(error);
	free(nodes);
}

struct plan *
plan_build(const struct scenario *sc, struct diag_list *diags)
{
	struct planner p = { .sc = sc, .diags = diags };

	p.plan = xcalloc(1, sizeof(*p.plan));
	copy_scenario(&p);
	strmap_init(&p.networks);
	strmap_init(&p.hosts);
	strmap_init(&p.addresses);
	expand_networks(&p);
	expand_hosts(&p);
	if (p.errors == 0)
		check_overlaps(&p);
	if (p.errors == 0)
		check_vpn_addresses(&p);
	if (p.errors == 0)
		assign_addresses(&p);
	if (p.errors == 0) {
		find_gateways(&p);
		plan_routes(&p);
		assign_macs(&p);
		assign_bridges(&p);
		place_on_nodes(&p);
	}
	resolve_injects(&p);
	if (p.errors == 0)
		p.errors += plan_flags_expand(p.plan, sc, diags);
	strmap_clear(&p.networks);
	strmap_clear(&p.hosts);
	strmap_clear(&p.addresses);
	free(p.first_copy);
	free(p.net_src);
	free(p.host_src);
	free(p.services);
	if (p.errors > 0) {
		plan_free(p.plan);
		return NULL;
	}
	return p.plan;
}

/* Frees what copy_scenario() copied. */
static void
free_copies(struct plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n_teams; i++) {
		free(plan->teams[i].id);
		free(plan->teams[i].name);
		strlist_clear(&plan->teams[i].members);
	}
	strlist_clear(&plan->instructors);
	for (i = 0; i < plan->n_images; i++) {
		free(plan->images[i].id);
		free(plan->images[i].kernel);
		free(plan->images[i].initrd);
		free(plan->images[i].cmdline);
		free(plan->images[i].disk);
	}
	for (i = 0; i < plan->n_nodes; i++) {
		free(plan->nodes[i].uri);
		free(plan->nodes[i].underlay);
	}
	for (i = 0; i < plan->n_checks; i++)
		scenario_check_clear(&plan->checks[i]);
	free(plan->teams);
	free(plan->images);
	free(plan->nodes);
	free(plan->checks);
	free(plan->exercise);
	free(plan->title);
	free(plan->connect);
	free(plan->path);
	free(plan->dir);
}

static void
plan_truth_free(struct plan_truth *t, size_t n_targets)
{
	size_t i;

	if (t == NULL)
		return;
	free(t->technique);
	strlist_clear(&t->effects);
	for (i = 0; i < n_targets * t->n_indicators; i++)
		free(t->indicators[i].value);
	free(t->indicators);
	free(t);
}

void
plan_free(struct plan *plan)
{
	size_t i;

	if (plan == NULL)
		return;
	for (i = 0; i < plan->n_circles; i++) {
		for (size_t k = 0; k < plan->circles[i].n_teams; k++)
			free(plan->circles[i].teams[k]);
		free(plan->circles[i].teams);
		free(plan->circles[i].id);
	}
	free(plan->circles);
	free(plan->vpn.listen);
	free(plan->vpn.pool);
	free(plan->vpn.endpoint);
	for (i = 0; i < plan->n_networks; i++)
		free(plan->networks[i].name);
	for (i = 0; i < plan->n_hosts; i++) {
		free(plan->hosts[i].name);
		free(plan->hosts[i].nics);
		free(plan->hosts[i].routes);
		plan_guest_free(plan->hosts[i].guest);
	}
	for (i = 0; i < plan->n_injects; i++) {
		struct plan_inject *inj = &plan->injects[i];

		free(inj->id);
		free(inj->title);
		free(inj->command);
		free(inj->nic);
		free(inj->text);
		strlist_clear(&inj->breaks);
		free(inj->targets);
		free(inj->from);
		free(inj->to);
		for (size_t j = 0; j < inj->n_people; j++)
			free(inj->people[j]);
		free(inj->people);
		free(inj->sender);
		plan_truth_free(inj->truth, inj->n_targets);
	}
	plan_flags_free(plan);
	free_copies(plan);
	free(plan->networks);
	free(plan->hosts);
	free(plan->injects);
	free(plan);
}

const struct scenario_team *
plan_team(const struct plan *plan, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < plan->n_teams; i++)
		if (strcmp(plan->teams[i].id, id) == 0)
			return &plan->teams[i];
	return NULL;
}

char *
plan_path(const struct plan *plan, const char *file)
{
	if (file[0] == '/' || plan->dir == NULL || strcmp(plan->dir, ".") == 0)
		return xstrdup(file);
	return xasprintf("%s/%s", plan->dir, file);
}
