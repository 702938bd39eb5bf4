/*
 * plan_print.c: rendering a plan. Pure: data in, text out.
 */
#include "rangectl/plan_print.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/units.h"
#include "rangectl/util.h"

static json_t *
json_string_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
json_ip_or_null(uint32_t addr)
{
	char text[IPV4_TEXT];

	if (addr == 0)
		return json_null();
	ipv4_format(addr, text);
	return json_string(text);
}

static json_t *
json_cidr(const struct cidr *c)
{
	char text[CIDR_TEXT];

	cidr_format(c, text);
	return json_string(text);
}

static json_t *
team_to_json(const struct scenario_team *t)
{
	json_t *members = json_array();
	size_t i;

	for (i = 0; i < t->members.count; i++)
		json_array_append_new(members, json_string(t->members.items[i]));
	return json_pack("{s:s, s:s, s:I, s:o, s:o}", "id", t->id, "role",
	    role_name(t->role), "index", (json_int_t)t->index, "name",
	    json_string_or_null(t->name), "members", members);
}

static json_t *
network_to_json(const struct plan *plan, const struct plan_network *net)
{
	json_t *gw = net->gateway == PLAN_NONE ? json_null() :
	    json_string(plan->hosts[net->gateway].name);

	return json_pack("{s:s, s:s, s:o, s:o, s:s, s:b, s:o, s:o}", "name",
	    net->name, "id", net->src->id, "team",
	    json_string_or_null(net->team ? net->team->id : NULL), "cidr",
	    json_cidr(&net->cidr), "bridge", net->bridge, "isolated",
	    net->src->isolated, "gateway", gw, "rangectl_address",
	    json_ip_or_null(net->host_side));
}

static json_t *
nics_to_json(const struct plan *plan, const struct plan_host *host)
{
	json_t *nics = json_array();
	size_t i;

	for (i = 0; i < host->n_nics; i++) {
		const struct plan_nic *nic = &host->nics[i];
		const struct plan_network *net = &plan->networks[nic->network];

		json_array_append_new(nics, json_pack("{s:s, s:s, s:i, s:s}",
		    "network", net->name, "ip", nic->ip_text, "prefix",
		    net->cidr.prefix, "mac", nic->mac_text));
	}
	return nics;
}

static json_t *
routes_to_json(const struct plan_host *host)
{
	json_t *routes = json_array();
	size_t i;

	for (i = 0; i < host->n_routes; i++)
		json_array_append_new(routes, json_pack("{s:o, s:o}", "to",
		    json_cidr(&host->routes[i].to), "via",
		    json_ip_or_null(host->routes[i].via)));
	return routes;
}

static json_t *
services_to_json(const struct scenario_host *src)
{
	json_t *services = json_array();
	size_t i;

	for (i = 0; i < src->n_services; i++) {
		const struct scenario_check *c = &src->services[i];

		json_array_append_new(services, json_pack("{s:s, s:s, s:o, s:I}",
		    "id", c->id, "check", check_kind_name(c->kind), "port",
		    c->port > 0 ? json_integer(c->port) : json_null(), "points",
		    (json_int_t)c->points));
	}
	return services;
}

static json_t *
host_to_json(const struct plan *plan, const struct plan_host *host)
{
	const struct scenario_host *src = host->src;
	json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:I, s:I, s:b, s:o, s:o, "
	    "s:o, s:o}", "name", host->name, "id", src->id, "team",
	    json_string_or_null(host->team ? host->team->id : NULL), "image",
	    src->image, "memory", (json_int_t)src->memory, "vcpus",
	    (json_int_t)src->vcpus, "router", src->router, "gateway",
	    json_ip_or_null(host->gateway), "nics", nics_to_json(plan, host),
	    "routes", routes_to_json(host), "services", services_to_json(src));

	/* Only a range spread over nodes says where each host goes. */
	if (plan->sc->n_nodes > 0)
		json_object_set_new(o, "node",
		    json_string(plan->sc->nodes[host->node].uri));
	return o;
}

static json_t *
host_names(const struct plan *plan, const size_t *indexes, size_t n)
{
	json_t *names = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(names,
		    json_string(plan->hosts[indexes[i]].name));
	return names;
}

/* Sets key to the string when there is one: absent keys mean "not given". */
static void
set_string(json_t *o, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new(o, key, json_string(value));
}

static json_t *
check_to_json(const struct scenario_check *c)
{
	json_t *o = json_pack("{s:s}", "check", check_kind_name(c->kind));

	if (c->port > 0)
		json_object_set_new(o, "port", json_integer(c->port));
	set_string(o, "path", c->path);
	if (c->kind == CHECK_HTTP)
		json_object_set_new(o, "expect_status",
		    json_integer(c->expect_status));
	set_string(o, "expect_body", c->expect_body);
	set_string(o, "command", c->command);
	json_object_set_new(o, "penalty", json_integer(c->penalty));
	return o;
}

/* What the action does, beyond whom it targets. */
static void
action_details_to_json(json_t *o, const struct scenario_inject *src)
{
	set_string(o, "command", src->command);
	set_string(o, "nic", src->nic);
	if (src->action == ACTION_LINK_DOWN)
		json_object_set_new(o, "duration", json_integer(src->duration));
	set_string(o, "text", src->text);
	if (src->compromise != NULL)
		json_object_set_new(o, "compromise",
		    check_to_json(src->compromise));
}

static json_t *
image_to_json(const struct scenario *sc, const struct scenario_image *img)
{
	json_t *o = json_pack("{s:s}", "id", img->id);
	char *path;

	if (img->kernel != NULL) {
		path = scenario_path(sc, img->kernel);
		set_string(o, "kernel", path);
		free(path);
	}
	if (img->initrd != NULL) {
		path = scenario_path(sc, img->initrd);
		set_string(o, "initrd", path);
		free(path);
	}
	set_string(o, "cmdline", img->cmdline);
	if (img->disk != NULL) {
		path = scenario_path(sc, img->disk);
		set_string(o, "disk", path);
		free(path);
		json_object_set_new(o, "format", json_string(img->format ==
		    FORMAT_RAW ? "raw" : "qcow2"));
		json_object_set_new(o, "cloud_init", json_boolean(img->cloud_init));
	}
	return o;
}

static json_t *
inject_to_json(const struct plan *plan, const struct plan_inject *inj)
{
	const struct scenario_inject *src = inj->src;
	json_t *o, *to;
	size_t i;

	o = json_pack("{s:s, s:o, s:o, s:b, s:s, s:o}", "id", src->id, "title",
	    json_string_or_null(src->title), "at", src->manual ? json_null() :
	    json_integer(src->at), "manual", src->manual, "action",
	    action_name(src->action), "targets",
	    host_names(plan, inj->targets, inj->n_targets));
	if (src->from != NULL)
		json_object_set_new(o, "from",
		    host_names(plan, inj->from, inj->n_from));
	if (src->to != NULL) {
		to = json_array();
		for (i = 0; i < inj->n_to; i++)
			json_array_append_new(to, json_string(inj->to[i]->id));
		json_object_set_new(o, "to", to);
	}
	action_details_to_json(o, src);
	return o;
}


json_t *
plan_to_json(const struct plan *plan)
{
	const struct scenario *sc = plan->sc;
	json_t *teams = json_array(), *networks = json_array();
	json_t *hosts = json_array(), *injects = json_array();
	json_t *instructors = json_array(), *images = json_array();
	size_t i;

	for (i = 0; i < sc->n_teams; i++)
		json_array_append_new(teams, team_to_json(&sc->teams[i]));
	for (i = 0; i < sc->instructors.count; i++)
		json_array_append_new(instructors,
		    json_string(sc->instructors.items[i]));
	for (i = 0; i < sc->n_images; i++)
		json_array_append_new(images, image_to_json(sc, &sc->images[i]));
	for (i = 0; i < plan->n_networks; i++)
		json_array_append_new(networks,
		    network_to_json(plan, &plan->networks[i]));
	for (i = 0; i < plan->n_hosts; i++)
		json_array_append_new(hosts, host_to_json(plan, &plan->hosts[i]));
	for (i = 0; i < plan->n_injects; i++)
		json_array_append_new(injects,
		    inject_to_json(plan, &plan->injects[i]));
	return json_pack("{s:{s:s, s:o, s:I, s:o}, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:{s:I, s:I}}", "exercise", "name", sc->exercise.name, "title",
	    json_string_or_null(sc->exercise.title), "duration",
	    (json_int_t)sc->exercise.duration, "connect",
	    json_string_or_null(sc->exercise.connect), "teams", teams,
	    "instructors", instructors, "images", images, "networks", networks,
	    "hosts", hosts,
	    "injects", injects, "scoring", "interval",
	    (json_int_t)sc->scoring.interval, "timeout",
	    (json_int_t)sc->scoring.timeout);
}

/* jansson writes in small pieces: gather them into large writes. */
struct json_sink {
	FILE *out;
	size_t len;
	char buf[64 * 1024];
};

static int
json_sink_flush(struct json_sink *sink)
{
	size_t n = sink->len;

	sink->len = 0;
	return fwrite(sink->buf, 1, n, sink->out) == n ? 0 : -1;
}

static int
json_sink_write(const char *data, size_t size, void *arg)
{
	struct json_sink *sink = arg;

	if (sink->len + size > sizeof(sink->buf) && json_sink_flush(sink) < 0)
		return -1;
	if (size > sizeof(sink->buf))
		return fwrite(data, 1, size, sink->out) == size ? 0 : -1;
	memcpy(sink->buf + sink->len, data, size);
	sink->len += size;
	return 0;
}

int
plan_print_json(const struct plan *plan, FILE *out)
{
	struct json_sink *sink = xmalloc(sizeof(*sink));
	json_t *doc = plan_to_json(plan);
	int rc;

	sink->out = out;
	sink->len = 0;
	rc = json_dump_callback(doc, json_sink_write, sink,
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (json_sink_write("\n", 1, sink) < 0 || json_sink_flush(sink) < 0)
		rc = -1;
	json_decref(doc);
	free(sink);
	return rc;
}

/* Column widths fitted to the longest value, so tables stay aligned. */
static int
widest_network_name(const struct plan *plan)
{
	size_t i, w = strlen("NETWORK");

	for (i = 0; i < plan->n_networks; i++)
		if (strlen(plan->networks[i].name) > w)
			w = strlen(plan->networks[i].name);
	return (int)w;
}

static int
widest_host_name(const struct plan *plan)
{
	size_t i, w = strlen("HOST");

	for (i = 0; i < plan->n_hosts; i++)
		if (strlen(plan->hosts[i].name) > w)
			w = strlen(plan->hosts[i].name);
	return (int)w;
}

static void
print_networks(const struct plan *plan, FILE *out)
{
	int w = widest_network_name(plan);
	char cidr[CIDR_TEXT];
	size_t i;

	fprintf(out, "%-*s  %-12s  %-18s  %-15s  %s\n", w, "NETWORK", "TEAM",
	    "CIDR", "BRIDGE", "GATEWAY");
	for (i = 0; i < plan->n_networks; i++) {
		const struct plan_network *net = &plan->networks[i];

		cidr_format(&net->cidr, cidr);
		fprintf(out, "%-*s  %-12s  %-18s  %-15s  %s\n", w, net->name,
		    net->team ? net->team->id : "-", cidr, net->bridge,
		    net->gateway == PLAN_NONE ? "-" :
		    plan->hosts[net->gateway].name);
	}
}

static void
print_hosts(const struct plan *plan, FILE *out)
{
	int w = widest_host_name(plan), nw = widest_network_name(plan);
	char via[IPV4_TEXT], to[CIDR_TEXT];
	size_t i, j;

	fprintf(out, "%-*s  %-12s  %-*s  %-15s  %s\n", w, "HOST", "TEAM", nw,
	    "NETWORK", "ADDRESS", "MAC");
	for (i = 0; i < plan->n_hosts; i++) {
		const struct plan_host *host = &plan->hosts[i];

		for (j = 0; j < host->n_nics; j++)
			fprintf(out, "%-*s  %-12s  %-*s  %-15s  %s\n", w,
			    j == 0 ? host->name : "", j == 0 ? host->team->id : "",
			    nw, plan->networks[host->nics[j].network].name,
			    host->nics[j].ip_text, host->nics[j].mac_text);
		if (host->gateway != 0) {
			ipv4_format(host->gateway, via);
			fprintf(out, "%-*s  %-12s  default via %s\n", w, "", "", via);
		}
		for (j = 0; j < host->n_routes; j++) {
			cidr_format(&host->routes[j].to, to);
			ipv4_format(host->routes[j].via, via);
			fprintf(out, "%-*s  %-12s  route %s via %s\n", w, "", "", to,
			    via);
		}
	}
}

/* Each node with what placement put on it: hosts, memory, vCPUs, teams. */
static void
print_nodes(const struct plan *plan, FILE *out)
{
	const struct scenario *sc = plan->sc;
	size_t i, j, k, hosts;
	unsigned long long memory;
	long vcpus;

	fprintf(out, "%-4s  %-40s  %5s  %8s  %5s  %s\n", "NODE", "URI", "HOSTS",
	    "MEMORY", "VCPUS", "TEAMS");
	for (i = 0; i < sc->n_nodes; i++) {
		hosts = 0;
		memory = 0;
		vcpus = 0;
		for (j = 0; j < plan->n_hosts; j++)
			if (plan->hosts[j].node == i) {
				hosts++;
				memory += plan->hosts[j].src->memory;
				vcpus += plan->hosts[j].src->vcpus;
			}
		fprintf(out, "%-4zu  %-40s  %5zu  %7lluM  %5ld ", i + 1,
		    sc->nodes[i].uri, hosts, memory >> 20, vcpus);
		for (k = 0; k < sc->n_teams; k++)
			for (j = 0; j < plan->n_hosts; j++)
				if (plan->hosts[j].node == i &&
				    plan->hosts[j].team == &sc->teams[k]) {
					fprintf(out, " %s", sc->teams[k].id);
					break;
				}
		fputc('\n', out);
	}
}

static void
print_injects(const struct plan *plan, FILE *out)
{
	char at[32];
	size_t i, j;

	fprintf(out, "%-24s  %-9s  %-9s  %s\n", "INJECT", "AT", "ACTION",
	    "TARGETS");
	for (i = 0; i < plan->n_injects; i++) {
		const struct plan_inject *inj = &plan->injects[i];

		if (inj->src->manual)
			snprintf(at, sizeof(at), "manual");
		else
			units_format_duration(inj->src->at, at, sizeof(at));
		fprintf(out, "%-24s  %-9s  %-9s ", inj->src->id, at,
		    action_name(inj->src->action));
		for (j = 0; j < inj->n_targets; j++)
			fprintf(out, " %s", plan->hosts[inj->targets[j]].name);
		for (j = 0; j < inj->n_to; j++)
			fprintf(out, " %s%s", j == 0 ? "to " : "", inj->to[j]->id);
		fputc('\n', out);
	}
}

void
plan_print_table(const struct plan *plan, FILE *out)
{
	const struct scenario *sc = plan->sc;
	char duration[32];

	units_format_duration(sc->exercise.duration, duration, sizeof(duration));
	fprintf(out, "exercise %s%s%s%s: %s, %zu teams, %zu networks, "
	    "%zu hosts, %zu injects\n\n", sc->exercise.name,
	    sc->exercise.title ? " (" : "",
	    sc->exercise.title ? sc->exercise.title : "",
	    sc->exercise.title ? ")" : "", duration, sc->n_teams,
	    plan->n_networks, plan->n_hosts, plan->n_injects);
	print_networks(plan, out);
	fputc('\n', out);
	print_hosts(plan, out);
	fputc('\n', out);
	if (sc->n_nodes > 0) {
		print_nodes(plan, out);
		fputc('\n', out);
	}
	print_injects(plan, out);
}
