/*
 * cluster.c: the connections to a range's nodes, and what lives where.
 */
#include "rangectl/cluster.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/cidr.h"
#include "rangectl/place.h"
#include "rangectl/util.h"
#include "rangectl/workers.h"
#include "rangectl/xml.h"

/* What opening the nodes at once shares between its threads. */
struct cluster_opening {
	struct cluster *cl;
	const char *const *uris;
	char **errors;	/* by node: why it failed, or NULL */
};

static void
open_node(void *ctx, size_t i)
{
	struct cluster_opening *o = ctx;

	if (virt_open(&o->cl->nodes[i], o->uris[i], &o->errors[i]) < 0)
		memset(&o->cl->nodes[i], 0, sizeof(o->cl->nodes[i]));
}

static void
open_rest(void *ctx, size_t i)
{
	open_node(ctx, i + 1);
}

int
cluster_open(struct cluster *cl, const char *const *uris, size_t n,
    bool spread, char **error)
{
	struct cluster_opening o = { cl, uris, NULL };
	struct strbuf why;
	size_t i;

	memset(cl, 0, sizeof(*cl));
	cl->nodes = xcalloc(n ? n : 1, sizeof(*cl->nodes));
	cl->underlays = xcalloc(n ? n : 1, sizeof(*cl->underlays));
	cl->n = n;
	cl->spread = spread;
	for (i = 0; i < n; i++)
		cl->underlays[i] = cluster_uri_ipv4(uris[i]);
	o.errors = xcalloc(n ? n : 1, sizeof(*o.errors));
	/*
	 * The first alone: libxml2, which libvirt parses with, sets itself up
	 * on first use and is not safe to set up from several threads at once
	 * (it leaks a mutex). Then the others at once: over ssh each takes a
	 * handshake, and no node need wait for another.
	 */
	if (n > 0)
		open_node(&o, 0);
	if (n > 1)
		workers_run(n - 1, (unsigned)(n - 1), open_rest, &o);
	strbuf_init(&why);
	for (i = 0; i < n; i++)
		if (o.errors[i] != NULL) {
			strbuf_printf(&why, "%s%s", why.len ? "; " : "",
			    o.errors[i]);
			free(o.errors[i]);
		}
	free(o.errors);
	if (why.len > 0) {
		cluster_close(cl);
		*error = strbuf_steal(&why);
		return -1;
	}
	strbuf_free(&why);
	return 0;
}

void
cluster_close(struct cluster *cl)
{
	size_t i;

	if (cl == NULL || cl->nodes == NULL)
		return;
	for (i = 0; i < cl->n; i++) {
		if (cl->nodes[i].conn != NULL)
			virt_close(&cl->nodes[i]);
		free(cl->underlays[i]);
	}
	free(cl->nodes);
	free(cl->underlays);
	cl->nodes = NULL;
	cl->underlays = NULL;
	cl->n = 0;
}

void
cluster_set_underlay(struct cluster *cl, size_t node, const char *addr)
{
	free(cl->underlays[node]);
	cl->underlays[node] = addr ? xstrdup(addr) : NULL;
}

char *
cluster_uri_ipv4(const char *uri)
{
	const char *host = strstr(uri, "://"), *at, *end;
	uint32_t addr;
	char *text;

	if (host == NULL)
		return NULL;
	host += 3;
	end = host + strcspn(host, "/:?");
	/* qemu+ssh://user@host/system: the user is not the host. */
	if ((at = memchr(host, '@', (size_t)(end - host))) != NULL)
		host = at + 1;
	text = xasprintf("%.*s", (int)(end - host), host);
	if (ipv4_parse(text, &addr) < 0) {
		free(text);
		return NULL;
	}
	return text;
}

unsigned long
cluster_vni(const struct plan *plan, size_t network)
{
	/* The network's name holds the range's: no two ranges share one. */
	return (unsigned long)(hash_str(HASH_SEED, plan->networks[network].name) %
	    0xfffffeULL) + 1;
}

/*
 * -1 with *error set when network spans several nodes and one of them has
 * no underlay address for its VXLAN; 0 when it needs none or all have one.
 */
static int
missing_underlay(const struct cluster *cl, const struct plan *plan,
    size_t network, char **error)
{
	size_t node;

	if (!cl->spread || cluster_network_span(cl, plan, network) < 2)
		return 0;
	for (node = 0; node < cl->n; node++)
		if (cluster_network_on(cl, plan, network, node) &&
		    cl->underlays[node] == NULL) {
			*error = xasprintf("network '%s' spans several nodes, and "
			    "node '%s' has no underlay address for its VXLAN: give "
			    "it 'underlay' in the scenario's nodes, or a URI whose "
			    "host is an IPv4 address", plan->networks[network].name,
			    cl->nodes[node].uri);
			return -1;
		}
	return 0;
}

int
cluster_check_underlays(const struct cluster *cl, const struct plan *plan,
    char **error)
{
	size_t i;

	for (i = 0; i < plan->n_networks; i++)
		if (missing_underlay(cl, plan, i, error) < 0)
			return -1;
	return 0;
}

int
cluster_vxlan(const struct cluster *cl, const struct plan *plan,
    size_t network, size_t node, struct xml_vxlan *vx, char **error)
{
	const char **peers;
	size_t other, n = 0;

	if (!cl->spread || cluster_network_span(cl, plan, network) < 2)
		return 1;
	if (missing_underlay(cl, plan, network, error) < 0)
		return -1;
	peers = xcalloc(cl->n, sizeof(*peers));
	for (other = 0; other < cl->n; other++)
		if (other != node && cluster_network_on(cl, plan, network, other))
			peers[n++] = cl->underlays[other];
	vx->vni = cluster_vni(plan, network);
	vx->local = cl->underlays[node];
	vx->peers = peers;
	vx->n_peers = n;
	vx->primary = node == 0;
	return 0;
}

int
cluster_place_by_capacity(struct cluster *cl, struct plan *plan, char **error)
{
	struct place_node *caps = xcalloc(cl->n ? cl->n : 1, sizeof(*caps));
	virNodeInfo info;
	size_t i;
	int rc = 0;

	for (i = 0; i < cl->n && rc == 0; i++) {
		if (virNodeGetInfo(cl->nodes[i].conn, &info) < 0) {
			*error = xasprintf("cannot read the memory and processors of "
			    "node '%s': %s", cl->nodes[i].uri, virt_last_error());
			rc = -1;
		} else {
			/* libvirt counts memory in KiB. */
			caps[i].memory = (unsigned long long)info.memory * 1024;
			caps[i].vcpus = info.cpus;
		}
	}
	if (rc == 0)
		rc = plan_place(plan, caps, cl->n, error);
	free(caps);
	return rc;
}

size_t
cluster_host_node(const struct cluster *cl, const struct plan *plan,
    size_t host)
{
	return cl->spread ? plan->hosts[host].node : 0;
}

bool
cluster_network_on(const struct cluster *cl, const struct plan *plan,
    size_t network, size_t node)
{
	size_t i, j;

	/*
	 * The first node has every network, with rangectl's address on it:
	 * rangectl runs there, and its tcp and http checks reach every host.
	 */
	if (node == 0)
		return true;
	for (i = 0; i < plan->n_hosts; i++)
		for (j = 0; j < plan->hosts[i].n_nics; j++)
			if (plan->hosts[i].nics[j].network == network &&
			    cluster_host_node(cl, plan, i) == node)
				return true;
	return false;
}

size_t
cluster_network_span(const struct cluster *cl, const struct plan *plan,
    size_t network)
{
	size_t node, n = 0;

	for (node = 0; node < cl->n; node++)
		n += cluster_network_on(cl, plan, network, node);
	return n;
}

void
cluster_each(const struct cluster *cl, void (*job)(void *ctx, size_t node),
    void *ctx)
{
	workers_run(cl->n, (unsigned)cl->n, job, ctx);
}

virConnectPtr
cluster_refs_host(const struct cluster_refs *refs, size_t host)
{
	if (refs == NULL || refs->conns == NULL)
		return NULL;
	return refs->conns[cluster_host_node(refs->cl, refs->plan, host)];
}

const char *
cluster_host_uri(const struct cluster *cl, const struct plan *plan,
    size_t host)
{
	return cl->nodes[cluster_host_node(cl, plan, host)].uri;
}

void
cluster_refs_drop(struct cluster_refs *refs)
{
	size_t i;

	if (refs == NULL || refs->conns == NULL)
		return;
	for (i = 0; i < refs->cl->n; i++)
		if (refs->conns[i] != NULL)
			virConnectClose(refs->conns[i]);
	free(refs->conns);
	refs->conns = NULL;
}
