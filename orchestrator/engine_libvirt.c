/*
 * engine_libvirt.c: what libvirt tells the engine: domains that start,
 * stop or crash, and a libvirtd that goes away and comes back.
 *
 * libvirt calls back on its event loop thread; the callbacks only queue
 * what happened for the engine's thread, which journals it.
 *
 * The engine's libvirt edge: it holds the nodes and their connections
 * (e->edge, opaque to the other engine files, which include no libvirt
 * header), hands out references to them (firings, rounds), and does what
 * needs one connection here, taking it and closing it: a link brought
 * back, a revert, a console. Calls engine_state.c only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "rangectl/cluster.h"
#include "rangectl/console_libvirt.h"
#include "rangectl/inject_libvirt.h"
#include "rangectl/util.h"
#include "rangectl/virt.h"

/* Real seconds between attempts to reach a libvirtd that went away. */
#define RECONNECT_SECONDS 2.0

/*
 * What the engine keeps per node: libvirt's callbacks on its connection,
 * and when it last tried to reconnect. Callbacks get the node as opaque.
 */
struct engine_node {
	struct engine *e;
	size_t index;
	int lifecycle_callback;	/* libvirt's id, or -1 */
	bool lifecycle_registered;	/* lock: libvirt may still call it */
	double last_reconnect;	/* monotonic */
};

/* e->edge: the nodes, held here so that no other engine file sees libvirt. */
struct engine_edge {
	/*
	 * A copy of the caller's cluster (engine_new's lives on its stack),
	 * whose nodes array stays the caller's; each node's conn changes on
	 * reconnect (lock).
	 */
	struct cluster cl;
	struct engine_node *nodes;	/* by node */
};

/* A new reference to host's node's connection, or NULL while it is lost. */
static virConnectPtr
conn_host(struct engine *e, size_t host)
{
	virConnectPtr conn;

	pthread_mutex_lock(&e->lock);
	conn = e->edge->cl.nodes[cluster_host_node(&e->edge->cl, e->plan, host)].conn;
	if (conn != NULL && virConnectRef(conn) < 0)
		conn = NULL;
	pthread_mutex_unlock(&e->lock);
	return conn;
}

/* A domain's state as the journal and the API name it; NULL: no change. */
static const char *
state_name(int event, int detail, bool *running)
{
	*running = false;
	switch (event) {
	case VIR_DOMAIN_EVENT_STARTED:
	case VIR_DOMAIN_EVENT_RESUMED:
		*running = true;
		return "running";
	case VIR_DOMAIN_EVENT_SUSPENDED:
		return "paused";
	case VIR_DOMAIN_EVENT_STOPPED:
		return detail == VIR_DOMAIN_EVENT_STOPPED_CRASHED ? "crashed" :
		    detail == VIR_DOMAIN_EVENT_STOPPED_FAILED ? "failed" :
		    "shutoff";
	case VIR_DOMAIN_EVENT_CRASHED:
		return "crashed";
	case VIR_DOMAIN_EVENT_PMSUSPENDED:
		return "suspended";
	case VIR_DOMAIN_EVENT_UNDEFINED:
		return "missing";
	default:
		return NULL;	/* defined, shutting down: more follows */
	}
}

static const char *
stop_detail(int detail)
{
	switch (detail) {
	case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN: return "the guest shut down";
	case VIR_DOMAIN_EVENT_STOPPED_DESTROYED: return "powered off";
	case VIR_DOMAIN_EVENT_STOPPED_CRASHED: return "the guest crashed";
	case VIR_DOMAIN_EVENT_STOPPED_FAILED: return "the emulator failed";
	case VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT: return "a snapshot was "
	    "restored";
	default: return "stopped";
	}
}

static const char *
start_detail(int detail)
{
	switch (detail) {
	case VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT: return "a snapshot was "
	    "restored";
	case VIR_DOMAIN_EVENT_STARTED_WAKEUP: return "woke up";
	default: return "booted";
	}
}

static const char *
detail_text(int event, int detail)
{
	switch (event) {
	case VIR_DOMAIN_EVENT_STARTED: return start_detail(detail);
	case VIR_DOMAIN_EVENT_STOPPED: return stop_detail(detail);
	case VIR_DOMAIN_EVENT_CRASHED: return "the guest crashed";
	case VIR_DOMAIN_EVENT_SUSPENDED: return "paused";
	case VIR_DOMAIN_EVENT_RESUMED: return "resumed";
	case VIR_DOMAIN_EVENT_UNDEFINED: return "the domain was removed";
	default: return "changed";
	}
}

static void
set_running(struct engine *e, size_t host, bool running, const char *state,
    const char *why)
{
	free(e->down_reason[host]);
	e->down_reason[host] = running ? NULL : xasprintf("host '%s' is %s "
	    "(%s)", e->plan->hosts[host].name, state, why);
	e->running[host] = running;
}

/* Records a host's new state; journaled only when it differs. */
static void
record_state(struct engine *e, size_t host, const char *state,
    const char *why)
{
	const struct plan_host *h = &e->plan->hosts[host];
	struct event ev;

	if (e->journaled_state[host] != NULL &&
	    strcmp(e->journaled_state[host], state) == 0)
		return;
	free(e->journaled_state[host]);
	e->journaled_state[host] = xstrdup(state);
	engine_log(e, "host %s is %s: %s", h->name, state, why);
	event_init(&ev, EVENT_HOST);
	ev.u.host = (struct event_host){ .name = h->name, .team = h->team ?
	    h->team->id : NULL, .state = state, .reason = why };
	engine_journal(e, event_encode(&ev));
}

void
engine_host_changed(struct engine *e, size_t host, int event, int detail)
{
	bool running;
	const char *state = state_name(event, detail, &running);

	if (state == NULL)
		return;
	set_running(e, host, running, state, detail_text(event, detail));
	record_state(e, host, state, detail_text(event, detail));
}

static int
lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail,
    void *opaque)
{
	struct engine_node *node = opaque;
	struct engine *e = node->e;
	size_t host = engine_host_index(e, virDomainGetName(dom));
	struct engine_done *d;

	(void)conn;
	/* Not ours, or a namesake on a node other than the host's. */
	if (host == PLAN_NONE ||
	    cluster_host_node(&e->edge->cl, e->plan, host) != node->index)
		return 0;
	d = xcalloc(1, sizeof(*d));
	d->kind = DONE_HOST;
	d->host = host;
	d->state = event;
	d->detail = detail;
	engine_post(e, d);
	return 0;
}

static void
engine_close_callback(virConnectPtr conn, int reason, void *opaque)
{
	struct engine_node *node = opaque;
	struct engine_done *d = xcalloc(1, sizeof(*d));

	(void)conn;
	(void)reason;
	d->kind = DONE_CONN_LOST;
	d->host = node->index;
	engine_post(node->e, d);
}

/*
 * libvirt lets go of a node's lifecycle callback here, on its event thread,
 * once no dispatch of it is running any more: only then may the engine be
 * freed.
 */
static void
lifecycle_released(void *opaque)
{
	struct engine_node *node = opaque;
	struct engine *e = node->e;

	pthread_mutex_lock(&e->lock);
	node->lifecycle_registered = false;
	pthread_cond_broadcast(&e->answered);
	pthread_mutex_unlock(&e->lock);
}

void
engine_watch_libvirt(struct engine *e, size_t index)
{
	struct engine_node *node = &e->edge->nodes[index];
	virConnectPtr conn = e->edge->cl.nodes[index].conn;

	if (conn == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	node->lifecycle_registered = true;
	pthread_mutex_unlock(&e->lock);
	node->lifecycle_callback = virConnectDomainEventRegisterAny(conn, NULL,
	    VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(lifecycle),
	    node, lifecycle_released);
	if (node->lifecycle_callback < 0) {
		lifecycle_released(node);
		engine_log(e, "warning: libvirt at '%s' will not say when hosts "
		    "stop: %s", e->edge->cl.nodes[index].uri, virt_last_error());
	}
	virConnectRegisterCloseCallback(conn, engine_close_callback, node, NULL);
}

/* Every state of node's hosts now, as the engine starts or reconnects. */
void
engine_check_hosts(struct engine *e, size_t node)
{
	virConnectPtr conn = e->edge->cl.nodes[node].conn;
	int state, reason;
	size_t i;

	for (i = 0; conn != NULL && i < e->plan->n_hosts; i++) {
		virDomainPtr dom;

		if (cluster_host_node(&e->edge->cl, e->plan, i) != node)
			continue;
		dom = virDomainLookupByName(conn, e->plan->hosts[i].name);
		if (dom == NULL) {
			set_running(e, i, false, "missing", "no such domain");
			record_state(e, i, "missing", "no such domain");
			continue;
		}
		if (virDomainGetState(dom, &state, &reason, 0) < 0)
			state = VIR_DOMAIN_NOSTATE;
		virDomainFree(dom);
		if (state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED) {
			set_running(e, i, true, "running", "running");
			record_state(e, i, "running", "found running");
		} else {
			set_running(e, i, false, state == VIR_DOMAIN_CRASHED ?
			    "crashed" : state == VIR_DOMAIN_PAUSED ? "paused" :
			    "shutoff", "found so");
			record_state(e, i, state == VIR_DOMAIN_CRASHED ? "crashed" :
			    state == VIR_DOMAIN_PAUSED ? "paused" : "shutoff",
			    "found so");
		}
	}
}

/*
 * Stops libvirt's calls into the engine from node's conn and waits (a
 * little) until none is still running on libvirt's event thread.
 */
static void
engine_unwatch_libvirt(struct engine *e, size_t index, virConnectPtr conn)
{
	struct engine_node *node = &e->edge->nodes[index];
	struct timespec deadline;

	if (node->lifecycle_callback >= 0)
		virConnectDomainEventDeregisterAny(conn, node->lifecycle_callback);
	node->lifecycle_callback = -1;
	virConnectUnregisterCloseCallback(conn, engine_close_callback);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 2;
	pthread_mutex_lock(&e->lock);
	while (node->lifecycle_registered && pthread_cond_timedwait(
	    &e->answered, &e->lock, &deadline) == 0)
		;
	pthread_mutex_unlock(&e->lock);
}

void
engine_conn_lost(struct engine *e, size_t node)
{
	struct virt *virt = &e->edge->cl.nodes[node];
	virConnectPtr old;

	pthread_mutex_lock(&e->lock);
	old = virt->conn;
	virt->conn = NULL;
	pthread_mutex_unlock(&e->lock);
	if (old == NULL)
		return;
	engine_log(e, "lost the connection to libvirt at '%s'; checks and "
	    "injects that need it fail until it is back%s", virt->uri,
	    e->edge->cl.spread ? " (only for the hosts on that node)" : "");
	engine_unwatch_libvirt(e, node, old);
	virConnectClose(old);
	e->edge->nodes[node].last_reconnect = engine_mono();
}

void
engine_reconnect(struct engine *e, size_t node)
{
	struct virt *virt = &e->edge->cl.nodes[node];
	virConnectPtr conn;

	e->edge->nodes[node].last_reconnect = engine_mono();
	conn = virConnectOpen(virt->uri);
	if (conn == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	virt->conn = conn;
	pthread_mutex_unlock(&e->lock);
	engine_log(e, "connected to libvirt at '%s' again", virt->uri);
	engine_watch_libvirt(e, node);
	engine_check_hosts(e, node);
}

struct cluster_refs *
engine_refs(struct engine *e)
{
	struct cluster_refs *refs = xcalloc(1, sizeof(*refs));
	size_t i;

	refs->cl = &e->edge->cl;
	refs->plan = e->plan;
	refs->conns = xcalloc(e->edge->cl.n, sizeof(*refs->conns));
	pthread_mutex_lock(&e->lock);
	for (i = 0; i < e->edge->cl.n; i++) {
		refs->conns[i] = e->edge->cl.nodes[i].conn;
		if (refs->conns[i] != NULL && virConnectRef(refs->conns[i]) < 0)
			refs->conns[i] = NULL;
	}
	pthread_mutex_unlock(&e->lock);
	return refs;
}

void
engine_refs_drop(struct cluster_refs *refs)
{
	if (refs == NULL)
		return;
	cluster_refs_drop(refs);
	free(refs);
}

/*
 * Sets host's link on network up or down through its node's connection.
 * 0, or -1 with *error set (the caller frees it).
 */
int
engine_set_link(struct engine *e, size_t host, size_t network, bool up,
    char **error)
{
	virConnectPtr conn = conn_host(e, host);
	int rc;

	if (conn == NULL) {
		*error = xstrdup("no connection to libvirt");
		return -1;
	}
	rc = inject_set_link(conn, e->plan, host, network, up, error);
	virConnectClose(conn);
	return rc;
}

/* Reverts host through its node's connection, as engine_set_link. */
int
engine_revert_host(struct engine *e, size_t host, char **error)
{
	virConnectPtr conn = conn_host(e, host);
	int rc;

	if (conn == NULL) {
		*error = xasprintf("no connection to libvirt at '%s'",
		    cluster_host_uri(&e->edge->cl, e->plan, host));
		return -1;
	}
	rc = inject_revert(conn, e->plan, host, error);
	virConnectClose(conn);
	return rc;
}

int
engine_console(struct engine *e, size_t host, int kind,
    struct MHD_UpgradeResponseHandle *urh, int sock, const char *extra,
    size_t extra_size, char **error)
{
	/* NULL while the node is away: the console tells the browser so. */
	virConnectPtr conn = conn_host(e, host);
	int rc;

	rc = console_start(conn, e->plan->hosts[host].name, kind, urh, sock,
	    extra, extra_size, error);
	if (conn != NULL)
		virConnectClose(conn);
	return rc;
}

void
engine_edge_new(struct engine *e, struct cluster *cl, struct virt *virt)
{
	struct engine_edge *edge = xcalloc(1, sizeof(*edge));
	size_t i;

	if (cl != NULL)
		edge->cl = *cl;
	else
		edge->cl = (struct cluster){ virt, 1, false, NULL };
	/* Each names its node for libvirt's calls. */
	edge->nodes = xcalloc(edge->cl.n ? edge->cl.n : 1,
	    sizeof(*edge->nodes));
	for (i = 0; i < edge->cl.n; i++) {
		edge->nodes[i].e = e;
		edge->nodes[i].index = i;
		edge->nodes[i].lifecycle_callback = -1;
	}
	e->edge = edge;
	e->n_nodes = edge->cl.n;
}

void
engine_edge_free(struct engine *e)
{
	size_t i;

	if (e->edge == NULL)
		return;
	for (i = 0; i < e->edge->cl.n; i++)
		if (e->edge->cl.nodes[i].conn != NULL)
			engine_unwatch_libvirt(e, i, e->edge->cl.nodes[i].conn);
	free(e->edge->nodes);
	free(e->edge);
	e->edge = NULL;
}

bool
engine_node_up(const struct engine *e, size_t node)
{
	return e->edge->cl.nodes[node].conn != NULL;
}

double
engine_reconnect_at(const struct engine *e, size_t node)
{
	return e->edge->nodes[node].last_reconnect + RECONNECT_SECONDS;
}

size_t
engine_host_node(const struct engine *e, size_t host)
{
	return cluster_host_node(&e->edge->cl, e->plan, host);
}
