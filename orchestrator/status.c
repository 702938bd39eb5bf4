/*
 * status.c: comparing a plan with what a hypervisor holds.
 */
#include "rangectl/status.h"

#include <string.h>

#include "rangectl/inventory.h"
#include "rangectl/util.h"

/* "absent", "foreign" (the name is taken by another), or its state. */
static const char *
network_state(const struct inventory_network *n)
{
	if (n == NULL)
		return "absent";
	if (n->owner != OWNER_OURS)
		return "foreign";
	return n->active ? "active" : "inactive";
}

static const char *
domain_state(const struct inventory_domain *d)
{
	int state, reason;

	if (d == NULL)
		return "absent";
	if (d->owner != OWNER_OURS)
		return "foreign";
	if (virDomainGetState(d->dom, &state, &reason, 0) < 0)
		return "unknown";
	switch (state) {
	case VIR_DOMAIN_RUNNING: return "running";
	case VIR_DOMAIN_BLOCKED: return "running";
	case VIR_DOMAIN_PAUSED: return "paused";
	case VIR_DOMAIN_SHUTDOWN: return "stopping";
	case VIR_DOMAIN_SHUTOFF: return "shut off";
	case VIR_DOMAIN_CRASHED: return "crashed";
	case VIR_DOMAIN_PMSUSPENDED: return "suspended";
	default: return "unknown";
	}
}

static json_t *
networks_json(const struct plan *plan, struct inventory *inv)
{
	json_t *list = json_array();
	char cidr[CIDR_TEXT];
	size_t i;

	for (i = 0; i < plan->n_networks; i++) {
		const struct plan_network *pn = &plan->networks[i];

		cidr_format(&pn->cidr, cidr);
		json_array_append_new(list, json_pack("{s:s, s:o, s:s, s:s, s:s}",
		    "name", pn->name, "team", pn->team ? json_string(pn->team->id)
		    : json_null(), "cidr", cidr, "bridge", pn->bridge, "state",
		    network_state(strmap_get(&inv->network_by_name, pn->name))));
	}
	return list;
}

static json_t *
hosts_json(const struct plan *plan, struct inventory *inv)
{
	json_t *list = json_array(), *ips;
	size_t i, j;

	for (i = 0; i < plan->n_hosts; i++) {
		const struct plan_host *host = &plan->hosts[i];

		ips = json_array();
		for (j = 0; j < host->n_nics; j++)
			json_array_append_new(ips,
			    json_string(host->nics[j].ip_text));
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o}",
		    "name", host->name, "team", host->team->id, "state",
		    domain_state(strmap_get(&inv->domain_by_name, host->name)),
		    "ips", ips));
	}
	return list;
}

/* The range's objects that the plan no longer names. */
static json_t *
stale_json(const struct plan *plan, struct inventory *inv)
{
	json_t *list = json_array();
	struct strmap planned;
	size_t i;

	strmap_init(&planned);
	for (i = 0; i < plan->n_hosts; i++)
		strmap_add(&planned, plan->hosts[i].name, (void *)plan);
	for (i = 0; i < plan->n_networks; i++)
		strmap_add(&planned, plan->networks[i].name, (void *)plan);
	for (i = 0; i < inv->n_domains; i++)
		if (inv->domains[i].owner == OWNER_OURS &&
		    strmap_get(&planned, inv->domains[i].name) == NULL)
			json_array_append_new(list, json_pack("{s:s, s:s}", "kind",
			    "domain", "name", inv->domains[i].name));
	for (i = 0; i < inv->n_networks; i++)
		if (inv->networks[i].owner == OWNER_OURS &&
		    strmap_get(&planned, inv->networks[i].name) == NULL)
			json_array_append_new(list, json_pack("{s:s, s:s}", "kind",
			    "network", "name", inv->networks[i].name));
	strmap_clear(&planned);
	return list;
}

json_t *
status_collect(const struct plan *plan, struct virt *virt, char **error)
{
	struct inventory inv;
	json_t *doc;

	if (inventory_load(&inv, virt->conn, plan->sc->exercise.name,
	    error) < 0)
		return NULL;
	doc = json_pack("{s:s, s:s, s:o, s:o, s:o}", "range",
	    plan->sc->exercise.name, "connect", virt->uri, "networks",
	    networks_json(plan, &inv), "hosts", hosts_json(plan, &inv),
	    "stale", stale_json(plan, &inv));
	inventory_clear(&inv);
	return doc;
}

/* The string at key of the i-th object of the array at list. */
static const char *
field(const json_t *doc, const char *list, size_t i, const char *key)
{
	const char *v = json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, list), i), key));

	return v != NULL ? v : "-";
}

void
status_print_table(const json_t *status, FILE *out)
{
	const json_t *ips;
	size_t i, j;

	fprintf(out, "range %s on %s\n\n%-32s  %-10s  %-18s  %s\n",
	    json_string_value(json_object_get(status, "range")),
	    json_string_value(json_object_get(status, "connect")), "NETWORK",
	    "STATE", "CIDR", "BRIDGE");
	for (i = 0; i < json_array_size(json_object_get(status, "networks")); i++)
		fprintf(out, "%-32s  %-10s  %-18s  %s\n",
		    field(status, "networks", i, "name"),
		    field(status, "networks", i, "state"),
		    field(status, "networks", i, "cidr"),
		    field(status, "networks", i, "bridge"));
	fprintf(out, "\n%-32s  %-10s  %s\n", "HOST", "STATE", "ADDRESSES");
	for (i = 0; i < json_array_size(json_object_get(status, "hosts")); i++) {
		fprintf(out, "%-32s  %-10s ", field(status, "hosts", i, "name"),
		    field(status, "hosts", i, "state"));
		ips = json_object_get(json_array_get(json_object_get(status,
		    "hosts"), i), "ips");
		for (j = 0; j < json_array_size(ips); j++)
			fprintf(out, " %s", json_string_value(json_array_get(ips, j)));
		fputc('\n', out);
	}
	for (i = 0; i < json_array_size(json_object_get(status, "stale")); i++)
		fprintf(out, "stale %s %s: the range has it, the plan does not\n",
		    field(status, "stale", i, "kind"),
		    field(status, "stale", i, "name"));
}
