/*
 * status.c: comparing a plan with what a hypervisor holds.
 */
#include "rangectl/status.h"

#include <string.h>

#include "rangectl/cluster.h"
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

/* What each node holds of the range, read at once. */
struct status_read {
	const struct plan *plan;
	struct cluster *cl;
	struct inventory *invs;	/* by node */
	char **errors;	/* by node */
};

static void
read_node(void *ctx, size_t node)
{
	struct status_read *r = ctx;

	if (inventory_load(&r->invs[node], r->cl->nodes[node].conn,
	    r->plan->exercise, &r->errors[node]) < 0)
		memset(&r->invs[node], 0, sizeof(r->invs[node]));
}

/*
 * The state of a network over the nodes it lives on: theirs when they
 * agree, else "mixed" (each node's is in the network's "nodes").
 */
static json_t *
network_json(const struct status_read *r, size_t i)
{
	const struct plan_network *pn = &r->plan->networks[i];
	const char *state = NULL, *here;
	json_t *nodes = json_array();
	char cidr[CIDR_TEXT];
	size_t node;
	json_t *o;

	for (node = 0; node < r->cl->n; node++) {
		if (!cluster_network_on(r->cl, r->plan, i, node))
			continue;
		here = network_state(strmap_get(&r->invs[node].network_by_name,
		    pn->name));
		state = state == NULL || strcmp(state, here) == 0 ? here : "mixed";
		json_array_append_new(nodes, json_pack("{s:s, s:s}", "uri",
		    r->cl->nodes[node].uri, "state", here));
	}
	cidr_format(&pn->cidr, cidr);
	o = json_pack("{s:s, s:o, s:s, s:s, s:s}", "name", pn->name, "team",
	    pn->team ? json_string(pn->team->id) : json_null(), "cidr", cidr,
	    "bridge", pn->bridge, "state", state ? state : "absent");
	if (r->cl->spread)
		json_object_set(o, "nodes", nodes);
	json_decref(nodes);
	return o;
}

static json_t *
host_json(const struct status_read *r, size_t i)
{
	const struct plan_host *host = &r->plan->hosts[i];
	size_t node = cluster_host_node(r->cl, r->plan, i), j;
	json_t *ips = json_array(), *o;

	for (j = 0; j < host->n_nics; j++)
		json_array_append_new(ips, json_string(host->nics[j].ip_text));
	o = json_pack("{s:s, s:s, s:s, s:o}", "name", host->name, "team",
	    host->team->id, "state", domain_state(strmap_get(
	    &r->invs[node].domain_by_name, host->name)), "ips", ips);
	if (r->cl->spread)
		json_object_set_new(o, "node", json_string(r->cl->nodes[node].uri));
	return o;
}

static void
add_stale(const struct status_read *r, size_t node, json_t *list,
    const char *kind, const char *name)
{
	json_t *o = json_pack("{s:s, s:s}", "kind", kind, "name", name);

	if (r->cl->spread)
		json_object_set_new(o, "node", json_string(r->cl->nodes[node].uri));
	json_array_append_new(list, o);
}

/*
 * The range's objects that the plan no longer names on their node (over
 * nodes, a host placed elsewhere now is stale where it was).
 */
static void
stale_on_node(const struct status_read *r, size_t node, json_t *list)
{
	const struct inventory *inv = &r->invs[node];
	const struct plan *plan = r->plan;
	struct strmap planned;
	size_t i;

	strmap_init(&planned);
	for (i = 0; i < plan->n_hosts; i++)
		if (cluster_host_node(r->cl, plan, i) == node)
			strmap_add(&planned, plan->hosts[i].name, (void *)plan);
	for (i = 0; i < plan->n_networks; i++)
		if (cluster_network_on(r->cl, plan, i, node))
			strmap_add(&planned, plan->networks[i].name, (void *)plan);
	for (i = 0; i < inv->n_domains; i++)
		if (inv->domains[i].owner == OWNER_OURS &&
		    strmap_get(&planned, inv->domains[i].name) == NULL)
			add_stale(r, node, list, "domain", inv->domains[i].name);
	for (i = 0; i < inv->n_networks; i++)
		if (inv->networks[i].owner == OWNER_OURS &&
		    strmap_get(&planned, inv->networks[i].name) == NULL)
			add_stale(r, node, list, "network", inv->networks[i].name);
	strmap_clear(&planned);
}

static json_t *
status_document(const struct status_read *r)
{
	json_t *networks = json_array(), *hosts = json_array();
	json_t *stale = json_array(), *doc, *uris;
	size_t i;

	for (i = 0; i < r->plan->n_networks; i++)
		json_array_append_new(networks, network_json(r, i));
	for (i = 0; i < r->plan->n_hosts; i++)
		json_array_append_new(hosts, host_json(r, i));
	for (i = 0; i < r->cl->n; i++)
		stale_on_node(r, i, stale);
	doc = json_pack("{s:s}", "range", r->plan->exercise);
	if (r->cl->spread) {
		uris = json_array();
		for (i = 0; i < r->cl->n; i++)
			json_array_append_new(uris, json_string(r->cl->nodes[i].uri));
		json_object_set_new(doc, "nodes", uris);
	} else {
		json_object_set_new(doc, "connect", json_string(r->cl->nodes[0].uri));
	}
	json_object_set_new(doc, "networks", networks);
	json_object_set_new(doc, "hosts", hosts);
	json_object_set_new(doc, "stale", stale);
	return doc;
}

json_t *
status_collect_cluster(const struct plan *plan, struct cluster *cl,
    char **error)
{
	struct status_read r = { plan, cl, NULL, NULL };
	json_t *doc = NULL;
	struct strbuf why;
	size_t i;

	r.invs = xcalloc(cl->n ? cl->n : 1, sizeof(*r.invs));
	r.errors = xcalloc(cl->n ? cl->n : 1, sizeof(*r.errors));
	cluster_each(cl, read_node, &r);
	strbuf_init(&why);
	for (i = 0; i < cl->n; i++)
		if (r.errors[i] != NULL)
			strbuf_printf(&why, "%s%s", why.len ? "\n" : "", r.errors[i]);
	if (why.len == 0)
		doc = status_document(&r);
	for (i = 0; i < cl->n; i++) {
		inventory_clear(&r.invs[i]);
		free(r.errors[i]);
	}
	free(r.invs);
	free(r.errors);
	if (doc == NULL)
		*error = strbuf_steal(&why);
	else
		strbuf_free(&why);
	return doc;
}

json_t *
status_collect(const struct plan *plan, struct virt *virt, char **error)
{
	struct cluster one = { virt, 1, false, NULL };

	return status_collect_cluster(plan, &one, error);
}

/* The string at key of the i-th object of the array at list. */
static const char *
field(const json_t *doc, const char *list, size_t i, const char *key)
{
	const char *v = json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, list), i), key));

	return v != NULL ? v : "-";
}

/* The 1-based number of node uri in the document's "nodes", 0 if none. */
static size_t
node_number(const json_t *status, const char *uri)
{
	const json_t *nodes = json_object_get(status, "nodes");
	size_t i;

	for (i = 0; uri != NULL && i < json_array_size(nodes); i++)
		if (strcmp(json_string_value(json_array_get(nodes, i)), uri) == 0)
			return i + 1;
	return 0;
}

/* "1,2": the numbers of the nodes a network lives on. */
static void
print_network_nodes(const json_t *status, const json_t *net, FILE *out)
{
	const json_t *nodes = json_object_get(net, "nodes");
	size_t i;

	for (i = 0; i < json_array_size(nodes); i++)
		fprintf(out, "%s%zu", i ? "," : "  ", node_number(status,
		    json_string_value(json_object_get(json_array_get(nodes, i),
		    "uri"))));
}

static void
print_header(const json_t *status, FILE *out)
{
	const json_t *nodes = json_object_get(status, "nodes");
	size_t i;

	if (nodes == NULL) {
		fprintf(out, "range %s on %s\n",
		    json_string_value(json_object_get(status, "range")),
		    json_string_value(json_object_get(status, "connect")));
		return;
	}
	fprintf(out, "range %s on %zu nodes\n",
	    json_string_value(json_object_get(status, "range")),
	    json_array_size(nodes));
	for (i = 0; i < json_array_size(nodes); i++)
		fprintf(out, "  node %zu  %s\n", i + 1,
		    json_string_value(json_array_get(nodes, i)));
}

void
status_print_table(const json_t *status, FILE *out)
{
	const json_t *ips, *list, *item;
	bool spread = json_object_get(status, "nodes") != NULL;
	size_t i, j;

	print_header(status, out);
	/* The bridge is padded only when the nodes follow it. */
	fprintf(out, "\n%-32s  %-10s  %-18s  %-*s%s\n", "NETWORK", "STATE",
	    "CIDR", spread ? PLAN_BRIDGE_MAX : 0, "BRIDGE",
	    spread ? "  NODES" : "");
	list = json_object_get(status, "networks");
	for (i = 0; i < json_array_size(list); i++) {
		fprintf(out, "%-32s  %-10s  %-18s  %-*s",
		    field(status, "networks", i, "name"),
		    field(status, "networks", i, "state"),
		    field(status, "networks", i, "cidr"),
		    spread ? PLAN_BRIDGE_MAX : 0,
		    field(status, "networks", i, "bridge"));
		print_network_nodes(status, json_array_get(list, i), out);
		fputc('\n', out);
	}
	fprintf(out, "\n%-32s  %-10s  %s%s\n", "HOST", "STATE",
	    spread ? "NODE  " : "", "ADDRESSES");
	list = json_object_get(status, "hosts");
	for (i = 0; i < json_array_size(list); i++) {
		item = json_array_get(list, i);
		fprintf(out, "%-32s  %-10s ", field(status, "hosts", i, "name"),
		    field(status, "hosts", i, "state"));
		if (spread)
			fprintf(out, " %-4zu ", node_number(status,
			    json_string_value(json_object_get(item, "node"))));
		ips = json_object_get(item, "ips");
		for (j = 0; j < json_array_size(ips); j++)
			fprintf(out, " %s", json_string_value(json_array_get(ips, j)));
		fputc('\n', out);
	}
	list = json_object_get(status, "stale");
	for (i = 0; i < json_array_size(list); i++) {
		item = json_array_get(list, i);
		fprintf(out, "stale %s %s", field(status, "stale", i, "kind"),
		    field(status, "stale", i, "name"));
		if (spread)
			fprintf(out, " on node %zu", node_number(status,
			    json_string_value(json_object_get(item, "node"))));
		fprintf(out, ": the range has it, the plan does not\n");
	}
}
