/*
 * inject.c: the actions of the MSEL, carried out on their targets.
 */
#include "rangectl/inject_libvirt.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rangectl/agent_libvirt.h"
#include "rangectl/cluster.h"
#include "rangectl/provision.h"
#include "rangectl/template.h"
#include "rangectl/util.h"
#include "rangectl/virt.h"
#include "rangectl/workers.h"

/* What one target's part of a firing needs and gives. */
struct inject_job {
	const struct plan *plan;
	const struct plan_inject *inject;
	const struct cluster_refs *refs;	/* each host's node's connection */
	int exec_timeout;
	json_t **results;	/* one per target, filled by its job */
};

static double
mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A kept output: at most INJECT_OUTPUT_KEEP bytes, as valid JSON text. */
static json_t *
kept_output(const char *data, size_t len)
{
	json_t *text;
	char *clean;
	size_t i;

	if (data == NULL)
		return json_string("");
	if (len > INJECT_OUTPUT_KEEP)
		len = INJECT_OUTPUT_KEEP;
	text = json_stringn(data, len);
	if (text != NULL)
		return text;
	/* Not UTF-8 (or cut inside a character): keep it readable. */
	clean = xstrndup(data, len);
	for (i = 0; i < len; i++)
		if ((unsigned char)clean[i] >= 0x80)
			clean[i] = '?';
	text = json_stringn(clean, len);
	free(clean);
	return text;
}

static json_t *
result_new(const char *host, const char *via, const char *error, double start)
{
	return json_pack("{s:s, s:o, s:b, s:o, s:n, s:s, s:s, s:f}", "host",
	    host, "via", via != NULL ? json_string(via) : json_null(), "ok",
	    error == NULL, "error", error != NULL ? json_string(error) :
	    json_null(), "exit", "out", "", "err", "", "seconds",
	    mono_seconds() - start);
}

/* Looks a domain of the plan up; NULL with *error set. */
static virDomainPtr
domain_of(virConnectPtr conn, const struct plan_host *host, char **error)
{
	virDomainPtr dom = virDomainLookupByName(conn, host->name);

	if (dom == NULL)
		*error = xasprintf("domain '%s' cannot be found: %s", host->name,
		    virt_last_error());
	return dom;
}

/* exec: the command, filled in for the target, in the target or via. */
static json_t *
run_exec(struct inject_job *job, const struct plan_host *target,
    const struct plan_host *via, double start)
{
	const struct plan_inject *src = job->inject;
	struct template_values values = {
		.target_ip = target->n_nics ? target->nics[0].ip_text : "",
		.target_name = target->name,
		.target_team = target->team != NULL ? target->team->id : "",
	};
	const struct plan_host *in = via != NULL ? via : target;
	virConnectPtr conn = cluster_refs_host(job->refs,
	    (size_t)(in - job->plan->hosts));
	struct agent_result res = { 0 };
	char *command = template_expand(src->command, &values), *error = NULL;
	virDomainPtr dom = conn ? domain_of(conn, in, &error) : NULL;
	json_t *result;

	bool ran;

	if (conn == NULL)
		error = xasprintf("no connection to libvirt: cannot run '%s' in "
		    "'%s'", command, in->name);
	ran = dom != NULL && agent_exec(dom, command, job->exec_timeout,
	    &res, &error) == 0;

	if (ran && res.timed_out)
		error = xasprintf("'%s' was still running in '%s' after %d s",
		    command, in->name, job->exec_timeout);
	else if (ran && res.exit_code != 0)
		error = xasprintf("'%s' exited with status %d in '%s'", command,
		    res.exit_code, in->name);
	result = result_new(target->name, via != NULL ? via->name : NULL,
	    error, start);
	if (ran) {
		json_object_set_new(result, "exit", res.timed_out ? json_null() :
		    json_integer(res.exit_code));
		json_object_set_new(result, "out", kept_output(res.out,
		    res.out_len));
		json_object_set_new(result, "err", kept_output(res.err,
		    res.err_len));
	}
	json_object_set_new(result, "command", json_string(command));
	agent_result_clear(&res);
	if (dom != NULL)
		virDomainFree(dom);
	free(command);
	free(error);
	return result;
}

/* shutdown, reboot, destroy, start: one libvirt call each. */
static char *
power(virDomainPtr dom, const char *name, int action)
{
	int rc = -1;

	switch (action) {
	case ACTION_SHUTDOWN: rc = virDomainShutdown(dom); break;
	case ACTION_REBOOT: rc = virDomainReboot(dom, 0); break;
	case ACTION_DESTROY: rc = virDomainDestroy(dom); break;
	case ACTION_START: rc = virDomainCreate(dom); break;
	default: break;
	}
	if (rc == 0)
		return NULL;
	return xasprintf("cannot %s domain '%s': %s", action_name(action), name,
	    virt_last_error());
}

static json_t *
run_on_target(struct inject_job *job, size_t target)
{
	const struct plan_inject *src = job->inject;
	const struct plan_host *host = &job->plan->hosts[target];
	virConnectPtr conn = cluster_refs_host(job->refs, target);
	double start = mono_seconds();
	virDomainPtr dom;
	char *error = NULL;
	size_t net;
	json_t *result;

	/* exec through another host needs that host's node, not this one's. */
	if (src->action == ACTION_EXEC)
		return run_exec(job, host, job->inject->n_from ?
		    &job->plan->hosts[job->inject->from[0]] : NULL, start);
	if (conn == NULL) {
		error = xasprintf("no connection to libvirt: cannot %s '%s'",
		    action_name(src->action), host->name);
		result = result_new(host->name, NULL, error, start);
		free(error);
		return result;
	}
	switch (src->action) {
	case ACTION_LINK_DOWN:
	case ACTION_LINK_UP:
		net = inject_nic_network(job->plan, target, src->nic);
		if (net == PLAN_NONE)
			error = xasprintf("host '%s' has no NIC on network '%s'",
			    host->name, src->nic);
		else
			inject_set_link(conn, job->plan, target, net,
			    src->action == ACTION_LINK_UP, &error);
		break;
	case ACTION_REVERT:
		inject_revert(conn, job->plan, target, &error);
		break;
	default:
		dom = domain_of(conn, host, &error);
		if (dom != NULL) {
			error = power(dom, host->name, src->action);
			virDomainFree(dom);
		}
		break;
	}
	result = result_new(host->name, NULL, error, start);
	free(error);
	return result;
}

static void
target_job(void *ctx, size_t i)
{
	struct inject_job *job = ctx;

	job->results[i] = run_on_target(job, job->inject->targets[i]);
}

json_t *
inject_run(const struct plan *plan, size_t inject,
    const struct cluster_refs *refs, int exec_timeout)
{
	struct inject_job job = { .plan = plan, .inject = &plan->injects[inject],
	    .refs = refs, .exec_timeout = exec_timeout };
	json_t *results = json_array();
	size_t i, n = job.inject->n_targets;

	if (job.inject->action == ACTION_MESSAGE || n == 0)
		return results;
	job.results = xcalloc(n, sizeof(*job.results));
	/* One thread per target up to a bound: a slow target delays no other. */
	workers_run(n, n < 32 ? (unsigned)n : 32, target_job, &job);
	for (i = 0; i < n; i++)
		json_array_append_new(results, job.results[i]);
	free(job.results);
	return results;
}

size_t
inject_nic_network(const struct plan *plan, size_t host,
    const char *network_id)
{
	const struct plan_host *h = &plan->hosts[host];
	size_t i;

	for (i = 0; i < h->n_nics; i++)
		if (strcmp(plan->networks[h->nics[i].network].id,
		    network_id) == 0)
			return h->nics[i].network;
	return PLAN_NONE;
}

/* Where the element that starts before `at` opens: the last "<interface". */
static const char *
interface_start(const char *xml, const char *at)
{
	const char *p = xml, *found = NULL;

	while ((p = strstr(p, "<interface")) != NULL && p < at) {
		found = p;
		p++;
	}
	return found;
}

char *
inject_link_xml(const char *domain_xml, const char *mac, bool up)
{
	char *needle = xasprintf("<mac address='%s'/>", mac);
	const char *at = strstr(domain_xml, needle), *start, *end, *link;
	struct strbuf sb;

	free(needle);
	if (at == NULL || (start = interface_start(domain_xml, at)) == NULL ||
	    (end = strstr(at, "</interface>")) == NULL)
		return NULL;
	strbuf_init(&sb);
	/* Drop a <link .../> already there: ours replaces it. */
	link = strstr(start, "<link state=");
	if (link != NULL && link < end) {
		strbuf_appendn(&sb, start, (size_t)(link - start));
		start = strstr(link, "/>") + 2;
	}
	strbuf_appendn(&sb, start, (size_t)(end - start));
	strbuf_printf(&sb, "  <link state='%s'/>\n    </interface>\n",
	    up ? "up" : "down");
	return strbuf_steal(&sb);
}

int
inject_set_link(virConnectPtr conn, const struct plan *plan, size_t host,
    size_t network, bool up, char **error)
{
	const struct plan_host *h = &plan->hosts[host];
	const char *mac = NULL;
	char *live = NULL, *xml = NULL;
	virDomainPtr dom;
	int rc = -1;
	size_t i;

	for (i = 0; i < h->n_nics; i++)
		if (h->nics[i].network == network)
			mac = h->nics[i].mac_text;
	if ((dom = domain_of(conn, h, error)) == NULL)
		return -1;
	live = virDomainGetXMLDesc(dom, 0);
	if (live == NULL) {
		*error = xasprintf("cannot read the definition of domain '%s': "
		    "%s", h->name, virt_last_error());
		goto cleanup;
	}
	xml = mac != NULL ? inject_link_xml(live, mac, up) : NULL;
	if (xml == NULL) {
		*error = xasprintf("domain '%s' has no interface on network '%s'",
		    h->name, plan->networks[network].name);
		goto cleanup;
	}
	if (virDomainUpdateDeviceFlags(dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		*error = xasprintf("cannot set the link of '%s' on network '%s' "
		    "%s: %s", h->name, plan->networks[network].name, up ? "up" :
		    "down", virt_last_error());
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(live);
	free(xml);
	virDomainFree(dom);
	return rc;
}

/* Disk hosts keep their first state as an internal snapshot. */
static int
revert_snapshot(virDomainPtr dom, const char *name, char **error)
{
	virDomainSnapshotPtr snap = virDomainSnapshotLookupByName(dom,
	    PROVISION_SNAPSHOT, 0);
	int rc;

	if (snap == NULL) {
		*error = xasprintf("domain '%s' has no snapshot '%s' to revert to: "
		    "%s", name, PROVISION_SNAPSHOT, virt_last_error());
		return -1;
	}
	rc = virDomainRevertToSnapshot(snap, VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING);
	if (rc < 0)
		*error = xasprintf("cannot revert domain '%s' to snapshot '%s': %s",
		    name, PROVISION_SNAPSHOT, virt_last_error());
	virDomainSnapshotFree(snap);
	return rc;
}

/* A kernel image host keeps its root in memory: a fresh boot is its start. */
static int
revert_reboot(virDomainPtr dom, const char *name, char **error)
{
	int state = VIR_DOMAIN_NOSTATE, reason;

	if (virDomainGetState(dom, &state, &reason, 0) == 0 &&
	    state != VIR_DOMAIN_SHUTOFF && virDomainDestroy(dom) < 0) {
		*error = xasprintf("cannot power off domain '%s' to revert it: %s",
		    name, virt_last_error());
		return -1;
	}
	if (virDomainCreate(dom) < 0) {
		*error = xasprintf("cannot start domain '%s' again to revert it: "
		    "%s", name, virt_last_error());
		return -1;
	}
	return 0;
}

int
inject_revert(virConnectPtr conn, const struct plan *plan, size_t host,
    char **error)
{
	const struct plan_host *h = &plan->hosts[host];
	const struct plan_image *img = h->image;
	virDomainPtr dom = domain_of(conn, h, error);
	int rc;

	if (dom == NULL)
		return -1;
	if (img != NULL && img->disk != NULL)
		rc = revert_snapshot(dom, h->name, error);
	else
		rc = revert_reboot(dom, h->name, error);
	virDomainFree(dom);
	return rc;
}
