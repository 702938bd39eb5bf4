/*
 * round.c: one scoring round, run all at once.
 */
#include "rangectl/round.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/agent.h"
#include "rangectl/cidr.h"
#include "rangectl/event.h"
#include "rangectl/template.h"
#include "rangectl/util.h"
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
	struct agent_result res = { 0 };
	int seconds = (x->r->timeout_ms + 999) / 1000;
	char *error = NULL;

	/* The domain is looked up at the libvirt edge, in agent.c. */
	if (agent_exec_host(x->refs, it->host, it->check->command, seconds,
	    &res, &error) < 0)
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

/* text with the host's placeholders filled, new; NULL stays NULL. */
static const char *
fill(const char *text, const struct template_values *v)
{
	return text != NULL ? template_expand(text, v) : NULL;
}

/* At the host's first address. */
void
round_probe(const struct round *r, size_t i, struct check_probe *p)
{
	const struct round_item *it = &r->items[i];
	const struct plan_host *host = &r->plan->hosts[it->host];
	const struct scenario_check *c = it->check;
	char ip[IPV4_TEXT];
	struct template_values v = { .team_id = host->team->id, .team_index =
	    host->team->index, .host_ip = ip, .host_name = host->name };

	memset(p, 0, sizeof(*p));
	p->addr = host->n_nics ? host->nics[0].ip : 0;
	ipv4_format(p->addr, ip);
	p->port = (int)c->port;
	p->kind = c->kind;
	p->path = fill(c->path, &v);
	p->expect_status = c->expect_status;
	p->expect_body = fill(c->expect_body, &v);
	p->insecure = !c->verify;
	p->user = fill(c->user, &v);
	p->password = fill(c->password, &v);
	p->to = fill(c->to, &v);
	p->base = fill(c->base, &v);
	p->filter = fill(c->filter, &v);
	p->query = fill(c->query, &v);
	p->dns_type = c->dns_type;
	p->expect = fill(c->expect, &v);
	p->run = fill(c->run, &v);
	if (c->key != NULL) {
		char *key = template_expand(c->key, &v);

		p->key = plan_path(r->plan, key);
		free(key);
	}
}

void
round_probe_clear(struct check_probe *p)
{
	const char *const texts[] = { p->path, p->expect_body, p->user,
	    p->password, p->to, p->base, p->filter, p->query, p->expect,
	    p->run, p->key };

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		free((char *)texts[i]);
}

static void
run_probes(struct round *r, size_t *net, size_t n_net)
{
	struct check_probe *probes = xcalloc(n_net ? n_net : 1, sizeof(*probes));
	size_t i;

	for (i = 0; i < n_net; i++)
		round_probe(r, net[i], &probes[i]);
	check_run(probes, n_net, r->timeout_ms);
	for (i = 0; i < n_net; i++) {
		struct round_item *it = &r->items[net[i]];

		it->up = probes[i].up;
		snprintf(it->reason, sizeof(it->reason), "%s", probes[i].reason);
		round_probe_clear(&probes[i]);
	}
	free(probes);
}

/* True when plan inject pi acts on host. */
static bool
inject_targets(const struct plan_inject *pi, size_t host)
{
	for (size_t i = 0; i < pi->n_targets; i++)
		if (pi->targets[i] == host)
			return true;
	return false;
}

static bool
is_web(int kind)
{
	return kind == CHECK_HTTP || kind == CHECK_HTTPS;
}

/*
 * Why fired inject pi fails the service check c, or false. A deface is an
 * exec whose compromise looks for its own text on the page: the page
 * then holds that text, and a service expecting another fails.
 */
enum round_break
round_inject_breaks(const struct plan_inject *pi,
    const struct scenario_check *c)
{
	const struct scenario_check *mark = pi->compromise;
	size_t i;

	for (i = 0; i < pi->breaks.count; i++)
		if (c->id != NULL && strcmp(pi->breaks.items[i], c->id) == 0)
			return ROUND_STOPPED;
	if (pi->action == ACTION_EXEC && mark != NULL &&
	    is_web(mark->kind) && mark->expect_body != NULL &&
	    is_web(c->kind) && c->expect_body != NULL &&
	    c->expect_body[0] != '\0' &&
	    strstr(mark->expect_body, c->expect_body) == NULL)
		return ROUND_DEFACED;
	return ROUND_INTACT;
}

static bool
simulate_broken(const struct plan_inject *pi, const struct scenario_check *c,
    char *reason, size_t size)
{
	switch (round_inject_breaks(pi, c)) {
	case ROUND_STOPPED:
		snprintf(reason, size, "stopped by inject '%s' (simulated)",
		    pi->id);
		return true;
	case ROUND_DEFACED:
		snprintf(reason, size, "body lacks '%.40s': defaced by inject "
		    "'%s' (simulated)", c->expect_body, pi->id);
		return true;
	default:
		return false;
	}
}

static void
simulate_item(struct round *r, struct round_item *it, const bool *fired,
    const bool *link_down)
{
	const struct plan *plan = r->plan;
	size_t i;

	it->up = false;
	if (!it->host_running) {
		snprintf(it->reason, sizeof(it->reason), "%s", it->host_reason ?
		    it->host_reason : "host is not running");
		return;
	}
	if (it->check->kind != CHECK_EXEC && link_down[it->host]) {
		snprintf(it->reason, sizeof(it->reason), "no answer: the host's "
		    "link is down (simulated)");
		return;
	}
	for (i = 0; it->inject == NULL && i < plan->n_injects; i++)
		if (fired[i] && inject_targets(&plan->injects[i], it->host) &&
		    simulate_broken(&plan->injects[i], it->check, it->reason,
		    sizeof(it->reason)))
			return;
	it->up = true;
	it->reason[0] = '\0';
}

void
round_simulate(struct round *r, const bool *fired, const bool *link_down)
{
	r->simulated = true;
	for (size_t i = 0; i < r->n_items; i++)
		simulate_item(r, &r->items[i], fired, link_down);
}

void
round_run(struct round *r, const struct cluster_refs *refs)
{
	struct round_exec x = { .r = r, .refs = refs };
	size_t *net, n_net = 0, i;
	pthread_t thread;
	bool threaded;

	if (r->simulated)
		return;	/* round_simulate() gave every result */
	net = xcalloc(r->n_items + 1, sizeof(*net));

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
	    true, .late = r->late, .simulated = r->simulated };
	ev.u.round.checks = xcalloc(r->n_items + 1, sizeof(*ev.u.round.checks));
	ev.u.round.compromises = xcalloc(r->n_items + 1,
	    sizeof(*ev.u.round.compromises));
	for (i = 0; i < r->n_items; i++)
		event_item(r, &r->items[i], &ev.u.round);
	o = event_encode(&ev);
	event_clear(&ev);
	return o;
}
