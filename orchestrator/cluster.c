/*
 * cluster.c: the connections to a range's nodes, and what lives where.
 */
#include "rangectl/cluster.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/place.h"
#include "rangectl/util.h"
#include "rangectl/workers.h"

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

int
cluster_open(struct cluster *cl, const char *const *uris, size_t n,
    bool spread, char **error)
{
	struct cluster_opening o = { cl, uris, NULL };
	struct strbuf why;
	size_t i;

	memset(cl, 0, sizeof(*cl));
	cl->nodes = xcalloc(n ? n : 1, sizeof(*cl->nodes));
	cl->n = n;
	cl->spread = spread;
	o.errors = xcalloc(n ? n : 1, sizeof(*o.errors));
	/* Over ssh each connection takes a handshake: no node waits for another. */
	workers_run(n, (unsigned)n, open_node, &o);
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
	for (i = 0; i < cl->n; i++)
		if (cl->nodes[i].conn != NULL)
			virt_close(&cl->nodes[i]);
	free(cl->nodes);
	cl->nodes = NULL;
	cl->n = 0;
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
	bool used = false;
	size_t i, j;

	for (i = 0; i < plan->n_hosts; i++)
		for (j = 0; j < plan->hosts[i].n_nics; j++) {
			if (plan->hosts[i].nics[j].network != network)
				continue;
			if (cluster_host_node(cl, plan, i) == node)
				return true;
			used = true;
		}
	return !used && node == 0;
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
