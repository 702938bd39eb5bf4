/*
 * cmd_up.c: rangectl up FILE [--connect URI | --node URI...]
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rangectl/cluster.h"
#include "rangectl/cmd.h"
#include "rangectl/fairness_live.h"
#include "rangectl/kvm.h"
#include "rangectl/provision.h"
#include "rangectl/range.h"
#include "rangectl/units.h"
#include "rangectl/util.h"
#include "rangectl/workers.h"


struct up_args {
	const char *connect;
	struct cmd_nodes nodes;
	const char *pool_root;
	long timeout;
	bool json;
	bool quiet;
};

/* Images are files here when libvirt runs on this machine. */
static bool
uri_is_local(const char *uri)
{
	return strncmp(uri, "qemu:///", 8) == 0;
}

/* Whether every node of cl runs on this machine. */
static bool
all_local(const struct cluster *cl)
{
	size_t i;

	for (i = 0; i < cl->n; i++)
		if (!uri_is_local(cl->nodes[i].uri))
			return false;
	return true;
}

/* [{uri, hosts}]: how many hosts each node got. */
static json_t *
nodes_json(const struct range *range, const struct cluster *cl)
{
	json_t *list = json_array();
	size_t node, i, n;

	for (node = 0; node < cl->n; node++) {
		for (n = i = 0; i < range->plan->n_hosts; i++)
			n += cluster_host_node(cl, range->plan, i) == node;
		json_array_append_new(list, json_pack("{s:s, s:I}", "uri",
		    cl->nodes[node].uri, "hosts", (json_int_t)n));
	}
	return list;
}

/* [{team, digest}] and the sentences of the teams that differ. */
static void
add_digests(json_t *doc, const json_t *event)
{
	const json_t *list = json_object_get(event, "teams"), *t;
	json_t *teams = json_array();
	size_t i;

	for (i = 0; i < json_array_size(list); i++) {
		t = json_array_get(list, i);
		json_array_append_new(teams, json_pack("{s:O, s:O}", "team",
		    json_object_get(t, "team"), "digest", json_object_get(t,
		    "digest")));
	}
	json_object_set_new(doc, "teams", teams);
	json_object_set(doc, "differ", json_object_get(event, "differ"));
}

static void
print_result(const struct range *range, const struct cluster *cl,
    const struct provision_counts *c, const struct up_args *args,
    const json_t *event)
{
	const char *name = range->plan->exercise;
	json_t *doc;

	if (args->json) {
		doc = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		    "range", name, "ready", 1, "networks",
		    (json_int_t)range->plan->n_networks, "hosts",
		    (json_int_t)range->plan->n_hosts, "created",
		    (json_int_t)c->created, "replaced", (json_int_t)c->replaced,
		    "updated", (json_int_t)c->updated, "unchanged",
		    (json_int_t)c->unchanged, "removed", (json_int_t)c->removed);
		if (cl->spread)
			json_object_set_new(doc, "nodes", nodes_json(range, cl));
		add_digests(doc, event);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else if (c->created + c->replaced + c->updated + c->removed == 0) {
		printf("range '%s' is up: nothing changed (%zu networks, %zu "
		    "hosts)\n", name, range->plan->n_networks,
		    range->plan->n_hosts);
	} else {
		printf("range '%s' is up: %zu networks, %zu hosts (%zu created, "
		    "%zu replaced, %zu updated, %zu unchanged, %zu removed)\n",
		    name, range->plan->n_networks, range->plan->n_hosts,
		    c->created, c->replaced, c->updated, c->unchanged,
		    c->removed);
	}
	if (!args->json && cl->spread)
		printf("spread over %zu nodes\n", cl->n);
}

/*
 * Provisions range on every node of cl. KVM only when every node is this
 * machine and /dev/kvm works: a remote node's is not seen from here.
 * Each team's digests are taken first (a team that did not get its
 * role's range is said at once, as a warning), the live ones after.
 */
int
cmd_up_range(const struct range *range, struct cluster *cl,
    const char *pool_root, long timeout, bool quiet,
    struct provision_counts *counts, json_t **event, char **error)
{
	struct provision_opts opts = { .threads = WORKERS_DEFAULT };
	struct cmd_digests digests = { 0 };
	struct progress progress;
	char *pool_path;
	int rc;

	if (cmd_range_digests(range, NULL, &digests, error) < 0) {
		cmd_digests_clear(&digests);
		return -1;
	}
	cmd_range_warn("up", &digests);

	pool_path = xasprintf("%s/%s", pool_root, range->plan->exercise);
	opts.pool_path = pool_path;
	opts.ready_timeout = (int)timeout;
	opts.check_files = all_local(cl);
	opts.kvm = opts.check_files && kvm_usable(1500);
	progress_init(&progress, stderr, quiet);
	if (!cl->nodes[0].test_driver && !quiet)
		progress_note(&progress, "virtualization: %s", opts.kvm ? "KVM" :
		    "TCG (software emulation; /dev/kvm missing or not working)");
	rc = provision_up_cluster(range->plan, cl, &opts, &progress, counts,
	    error);
	free(pool_path);
	progress_destroy(&progress);
	if (rc == 0 && fairness_live_lasts(cl) && (rc = fairness_live(
	    range->plan, cl, digests.live, error)) == 0)
		digests.has_live = true;
	if (rc == 0 && event != NULL)
		*event = cmd_range_event(&digests);
	cmd_digests_clear(&digests);
	return rc;
}


static int
run_up(const struct cmd_ctx *ctx, const char *file, const struct up_args *args)
{
	struct provision_counts counts = { 0 };
	json_t *event = NULL;
	struct range range;
	struct cluster cl;
	char *error = NULL;
	int rc;

	rc = cmd_open_cluster(ctx, file, args->connect, &args->nodes, &range,
	    &cl);
	if (rc != EXIT_OK)
		return rc;
	if (cmd_up_range(&range, &cl, args->pool_root, args->timeout,
	    args->quiet, &counts, &event, &error) < 0) {
		fprintf(stderr, "rangectl up: %s\n", error);
		rc = EXIT_FAILED;
	} else {
		print_result(&range, &cl, &counts, args, event);
	}
	json_decref(event);
	free(error);
	cluster_close(&cl);
	range_clear(&range);
	return rc;
}

static int
up_option(const struct cmd_ctx *ctx, int key, const char *value, void *arg)
{
	struct up_args *a = arg;
	const char *why;
	long seconds;

	switch (key) {
	case 'c': a->connect = value; break;
	case 'N': cmd_nodes_add(&a->nodes, value); break;
	case 'p': a->pool_root = value; break;
	case 'n': a->timeout = 0; break;
	case 'j': a->json = true; break;
	case 'q': a->quiet = true; break;
	case 't':
		if (units_parse_duration(value, &seconds, &why) < 0)
			return cmd_usage_error(ctx, "invalid --timeout '%s': %s",
			    value, why);
		a->timeout = seconds;
		break;
	default:
		return cmd_usage_error(ctx, "unknown option");
	}
	return CMD_GO_ON;
}

int
cmd_up(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct up_args args = { .timeout = CMD_READY_TIMEOUT,
	    .pool_root = CMD_POOL_ROOT };
	int rc;

	rc = cmd_parse_options(ctx, argc, argv, up_option, &args);
	if (rc == CMD_GO_ON && argc - optind != 1)
		rc = cmd_usage_error(ctx, "give exactly one scenario file");
	else if (rc == CMD_GO_ON)
		rc = run_up(ctx, argv[optind], &args);
	cmd_nodes_clear(&args.nodes);
	return rc;
}
