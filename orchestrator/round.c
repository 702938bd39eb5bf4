/*
 * round.c: one scoring round, run all at once.
 */
#include "rangectl/round.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/agent.h"
#include "rangectl/event.h"
#include "rangectl/util.h"
#include "rangectl/virt.h"
#include "rangectl/workers.h"

/* Guest agent calls of a round at once; the rest wait for a thread. */
#define ROUND_EXEC_THREADS 32

void
round_init(struct round *r, const struct plan *plan, long n, double at,
    int timeout_ms)
{
	memset(r, 0, sizeof(*r));
	r->plan = plan;
	r->n = n;
	r->at = at;
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
}

void
round_clear(struct round *r)
{
	if (r == NULL)
		return;
	free(r->items);
	memset(r, 0, sizeof(*r));
}

static void
add_item(struct round *r, size_t host, const struct scenario_check *check,
    const char *inject, const bool *running, const char *const *reasons)
{
	struct round_item *it;

	xgrow(&r->items, &r->alloc, r->n_items + 1, sizeof(*r->items));
	it = &r->items[r->n_items++];
	memset(it, 0, sizeof(*it));
	it->host = host;
	it->check = check;
	it->inject = inject;
	it->host_running = running == NULL || running[host];
	it->host_reason = reasons != NULL ? (char *)reasons[host] : NULL;
}

void
round_add_services(struct round *r, const bool *running,
    const char *const *reasons)
{
	size_t i, j;

	for (i = 0; i < r->plan->n_hosts; i++) {
		const struct plan_host *src = &r->plan->hosts[i];

		if (r->plan->hosts[i].team == NULL)
			continue;
		for (j = 0; j < src->n_services; j++)
			add_item(r, i, &src->services[j], NULL, running, reasons);
	}
}

void
round_add_compromises(struct round *r, size_t inject, const bool *running,
    const char *const *reasons)
{
	const struct plan_inject *pi = &r->plan->injects[inject];
	size_t i;

	if (pi->compromise == NULL)
		return;
	for (i = 0; i < pi->n_targets; i++)
		if (r->plan->hosts[pi->targets[i]].team != NULL)
			add_item(r, pi->targets[i], pi->compromise,
			    pi->id, running, reasons);
}

/* What the exec half of a round needs on its thread. */
struct round_exec {
	struct round *r;
	const struct cluster_refs *refs;	/* each host's node's connection */
	size_t *items;	/* indexes of the exec items */
	size_t n;
};

static void
exec_one(struct round_exec *x, struct round_item *it)
{
	const struct plan_host *host = &x->r->plan->hosts[it->host];
	struct agent_result res = { 0 };
	int seconds = (x->r->timeout_ms + 999) / 1000;
	virConnectPtr conn = cluster_refs_host(x->refs, it->host);
	char *error = NULL;
	virDomainPtr dom;

	if (conn == NULL) {
		snprintf(it->reason, sizeof(it->reason), "no connection to "
		    "libvirt");
		return;
	}
	dom = virDomainLookupByName(conn, host->name);
	if (dom == NULL) {
		snprintf(it->reason, sizeof(it->reason), "domain not found: %s",
		    virt_last_error());
		return;
	}
	if (agent_exec(dom, it->check->command, seconds, &res, &error) < 0)
		snprintf(it->reason, sizeof(it->reason), "%s", error);
	else if (res.timed_out)
		snprintf(it->reason, sizeof(it->reason), "still running after "
		    "%d s", seconds);
	else if (res.exit_code != 0)
		snprintf(it->reason, sizeof(it->reason), "exit status %d",
		    res.exit_code);
	else
		it->up = true;
	agent_result_clear(&res);
	free(error);
	virDomainFree(dom);
}

static void
exec_job(void *ctx, size_t i)
{
	struct round_exec *x = ctx;

	exec_one(x, &x->r->items[x->items[i]]);
}

static void *
exec_thread(void *arg)
{
	struct round_exec *x = arg;

	workers_run(x->n, ROUND_EXEC_THREADS, exec_job, x);
	return NULL;
}

/* The probe of a network item, at the host's first address. */
static void
probe_of(const struct round *r, const struct round_item *it,
    struct check_probe *p)
{
	const struct plan_host *host = &r->plan->hosts[it->host];

	memset(p, 0, sizeof(*p));
	p->addr = host->n_nics ? host->nics[0].ip : 0;
	p->port = (int)it->check->port;
	p->kind = it->check->kind;
	p->path = it->check->path;
	p->expect_status = it->check->expect_status;
	p->expect_body = it->check->expect_body;
	p->insecure = !it->check->verify;
	p->user = it->check->user;
	p->password = it->check->password;
	p->to = it->check->to;
	p->base = it->check->base;
	p->filter = it->check->filter;
	p->query = it->check->query;
	p->dns_type = it->check->dns_type;
	p->expect = it->check->expect;
}

static void
run_probes(struct round *r, size_t *net, size_t n_net)
{
	struct check_probe *probes = xcalloc(n_net ? n_net : 1, sizeof(*probes));
	size_t i;

	for (i = 0; i < n_net; i++)
		probe_of(r, &r->items[net[i]], &probes[i]);
	check_run(probes, n_net, r->timeout_ms);
	for (i = 0; i < n_net; i++) {
		struct round_item *it = &r->items[net[i]];

		it->up = probes[i].up;
		snprintf(it->reason, sizeof(it->reason), "%s", probes[i].reason);
	}
	free(probes);
}

void
round_run(struct round *r, const struct cluster_refs *refs)
{
	struct round_exec x = { .r = r, .refs = refs };
	size_t *net = xcalloc(r->n_items + 1, sizeof(*net)), n_net = 0, i;
	pthread_t thread;
	bool threaded;

	x.items = xcalloc(r->n_items + 1, sizeof(*x.items));
	for (i = 0; i < r->n_items; i++) {
		struct round_item *it = &r->items[i];

		if (!it->host_running)
			snprintf(it->reason, sizeof(it->reason), "%s",
			    it->host_reason ? it->host_reason : "host is not "
			    "running");
		else if (it->check->kind == CHECK_EXEC)
			x.items[x.n++] = i;
		else
			net[n_net++] = i;
	}
	/* Agent calls block: they get threads while this one polls sockets. */
	threaded = x.n > 0 && pthread_create(&thread, NULL, exec_thread,
	    &x) == 0;
	run_probes(r, net, n_net);
	if (threaded)
		pthread_join(thread, NULL);
	else if (x.n > 0)
		exec_thread(&x);
	free(net);
	free(x.items);
}

/* Why a check failed, when it did; NULL otherwise. */
static const char *
reason_of(const struct round_item *it)
{
	return !it->up && it->reason[0] ? it->reason : NULL;
}

/* One round_item as the round event's check or compromise. */
static void
event_item(const struct round *r, const struct round_item *it,
    struct event_round *ev)
{
	const struct plan_host *host = &r->plan->hosts[it->host];

	if (it->inject == NULL)
		ev->checks[ev->n_checks++] = (struct event_check){ .team =
		    host->team->id, .host = host->name, .service = it->check->id,
		    .kind = check_kind_name(it->check->kind), .up = it->up,
		    .points = it->up ? it->check->points : 0, .reason =
		    reason_of(it) };
	else
		ev->compromises[ev->n_compromises++] = (struct event_compromise){
		    .team = host->team->id, .host = host->name, .inject =
		    it->inject, .kind = check_kind_name(it->check->kind),
		    .active = it->up, .penalty = it->up ? it->check->penalty : 0,
		    .reason = reason_of(it) };
}

json_t *
round_to_event(const struct round *r)
{
	struct event ev;
	json_t *o;
	size_t i;

	event_init(&ev, EVENT_ROUND);
	ev.u.round = (struct event_round){ .n = r->n, .at = r->at, .has_late =
	    true, .late = r->late };
	ev.u.round.checks = xcalloc(r->n_items + 1, sizeof(*ev.u.round.checks));
	ev.u.round.compromises = xcalloc(r->n_items + 1,
	    sizeof(*ev.u.round.compromises));
	for (i = 0; i < r->n_items; i++)
		event_item(r, &r->items[i], &ev.u.round);
	o = event_encode(&ev);
	event_clear(&ev);
	return o;
}
