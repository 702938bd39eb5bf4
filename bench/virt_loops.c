/*
 * bench/virt_loops.c: `up` and `down` of a range on libvirt's test driver,
 * side by side with the bare libvirt loops they are held to, in one
 * process, taking turns to go first run by run.
 *
 *	build/bench/virt_loops [RUNS [HOSTS]]	(default 11 runs, 500 hosts)
 *
 * The bare loops are what any tool must do and no more, single-threaded:
 *   up:   define+create of every network, then of every domain, from the
 *         very XML `up` writes (made before the clock starts);
 *   down: one listing of each kind, then destroy+undefine of every object
 *         whose name starts with "{exercise}-" (no tag read, no state
 *         asked), with the flags `down` uses.
 * `up` and `down` are provision_up() and provision_down() as `rangectl up`
 * and `rangectl down` call them (their default threads), from the plan.
 *
 * Prints one line a figure: its name and every run's time in ms, for
 * bench/compare to reduce; a human reads the medians at the end.
 * Only test:///default: no traffic at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rangectl/plan.h"
#include "rangectl/provision.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"
#include "rangectl/workers.h"
#include "rangectl/xml.h"

#define MAX_RUNS 101

enum figure { UP, BARE_UP, DOWN, BARE_DOWN, N_FIGURES };

static const char *const figure_names[N_FIGURES] = {
	"up", "bare_define_create", "down", "bare_destroy_undefine",
};

/* teams of 10 hosts on one network each: the scenario of bench/provision. */
static char *
scenario_text(size_t hosts)
{
	struct strbuf sb;
	size_t teams = hosts / 10, i;

	strbuf_init(&sb);
	strbuf_append(&sb, "version: 1\nexercise: {name: bench, duration: 1h}\n"
	    "images:\n  app: {kernel: vmlinuz, initrd: app.cpio.gz}\nteams:\n");
	for (i = 1; i <= teams; i++)
		strbuf_printf(&sb, "  - {id: t%zu, role: blue}\n", i);
	strbuf_append(&sb, "networks:\n  - {id: lan, per_team: blue, cidr: "
	    "\"10.{team.index}.0.0/24\", gateway: h0}\nhosts:\n");
	for (i = 0; i < 10; i++)
		strbuf_printf(&sb, "  - {id: h%zu, per_team: blue, image: app, "
		    "memory: 64M%s, nics: [{network: lan, ip: .%zu}]}\n", i,
		    i == 0 ? ", router: true" : "", i + 1);
	return strbuf_steal(&sb);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "bench/virt_loops: %s: %s\n", what, why);
	exit(1);
}

/* The XML `up` writes for every network and domain of plan, in order. */
struct definitions {
	char **networks;
	char **domains;
};

static void
definitions_make(struct definitions *d, const struct plan *plan)
{
	struct xml_options opt = { .kvm = false, .nwfilter = true,
	    .pool_path = "/tmp/bench-virt-loops" };
	const char *why = NULL;
	size_t i;

	d->networks = xcalloc(plan->n_networks, sizeof(*d->networks));
	d->domains = xcalloc(plan->n_hosts, sizeof(*d->domains));
	for (i = 0; i < plan->n_networks; i++)
		d->networks[i] = xml_network(plan, &plan->networks[i]);
	for (i = 0; i < plan->n_hosts; i++)
		if ((d->domains[i] = xml_domain(plan, &plan->hosts[i], &opt,
		    NULL, &why)) == NULL)
			die(plan->hosts[i].name, why);
}

/* The bare up: define+create of each network, then of each domain. */
__attribute__((noinline)) static double
bare_up(virConnectPtr conn, const struct plan *plan,
    const struct definitions *d)
{
	double t0 = now();
	size_t i;

	for (i = 0; i < plan->n_networks; i++) {
		virNetworkPtr net = virNetworkDefineXML(conn, d->networks[i]);

		if (net == NULL || virNetworkCreate(net) < 0)
			die("bare up", virt_last_error());
		virNetworkFree(net);
	}
	for (i = 0; i < plan->n_hosts; i++) {
		virDomainPtr dom = virDomainDefineXML(conn, d->domains[i]);

		if (dom == NULL || virDomainCreate(dom) < 0)
			die("bare up", virt_last_error());
		virDomainFree(dom);
	}
	return now() - t0;
}

/* The bare down: one listing a kind, destroy+undefine by name. */
__attribute__((noinline)) static double
bare_down(virConnectPtr conn, const char *exercise)
{
	size_t n = strlen(exercise);
	virDomainPtr *doms = NULL;
	virNetworkPtr *nets = NULL;
	double t0 = now();
	int nd, nn, i;

	nd = virConnectListAllDomains(conn, &doms, 0);
	for (i = 0; i < nd; i++) {
		const char *name = virDomainGetName(doms[i]);

		if (strncmp(name, exercise, n) == 0 && name[n] == '-' &&
		    (virDomainDestroy(doms[i]) < 0 ||
		    virDomainUndefineFlags(doms[i],
		    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
		    VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) < 0))
			die("bare down", virt_last_error());
		virDomainFree(doms[i]);
	}
	free(doms);
	nn = virConnectListAllNetworks(conn, &nets, 0);
	for (i = 0; i < nn; i++) {
		const char *name = virNetworkGetName(nets[i]);

		if (strncmp(name, exercise, n) == 0 && name[n] == '-' &&
		    (virNetworkDestroy(nets[i]) < 0 ||
		    virNetworkUndefine(nets[i]) < 0))
			die("bare down", virt_last_error());
		virNetworkFree(nets[i]);
	}
	free(nets);
	if (nd < 0 || nn < 0)
		die("bare down", virt_last_error());
	return now() - t0;
}

/* rangectl's up, then its down, each timed into t[UP] and t[DOWN]. */
static void
rangectl_cycle(const struct plan *plan, struct virt *virt, double *t)
{
	struct provision_opts opts = { .threads = WORKERS_DEFAULT,
	    .pool_path = "/tmp/bench-virt-loops" };
	struct provision_counts counts;
	struct progress progress;
	char *error = NULL;
	size_t removed;
	double t0;

	progress_init(&progress, stderr, true);
	t0 = now();
	if (provision_up(plan, virt, &opts, &progress, &counts, &error) < 0)
		die("up", error);
	t[UP] = now() - t0;
	t0 = now();
	if (provision_down(plan, virt, &progress, &removed, &error) < 0)
		die("down", error);
	t[DOWN] = now() - t0;
	if (removed != plan->n_hosts + plan->n_networks)
		die("down", "it did not remove every object of the range");
	progress_destroy(&progress);
}

static int
compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	static double t[N_FIGURES][MAX_RUNS];
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 11, r, f;
	size_t hosts = argc > 2 ? strtoul(argv[2], NULL, 10) : 500;
	struct diag_list diags;
	struct definitions defs;
	struct scenario *sc;
	struct plan *plan;
	struct virt virt;
	char *text, *error = NULL;
	double one[N_FIGURES];

	if (runs < 1 || runs > MAX_RUNS || hosts < 10 || hosts > 100000)
		die("usage", "virt_loops [RUNS (1-101) [HOSTS (10-100000)]]");
	text = scenario_text(hosts);
	diag_list_init(&diags);
	sc = scenario_load_buffer(text, strlen(text), "bench.yaml", &diags);
	plan = sc ? plan_build(sc, &diags) : NULL;
	if (plan == NULL) {
		diag_print(&diags, "bench.yaml", stderr);
		return 1;
	}
	definitions_make(&defs, plan);
	if (virt_open(&virt, "test:///default", &error) < 0)
		die("test:///default", error);
	for (r = 0; r < runs; r++) {
		/* rangectl first on even runs, the bare loops on odd ones. */
		if (r % 2 == 0)
			rangectl_cycle(plan, &virt, one);
		one[BARE_UP] = bare_up(virt.conn, plan, &defs);
		one[BARE_DOWN] = bare_down(virt.conn, sc->exercise.name);
		if (r % 2 == 1)
			rangectl_cycle(plan, &virt, one);
		for (f = 0; f < N_FIGURES; f++)
			t[f][r] = one[f] * 1e3;
	}
	printf("# bench/virt_loops: %zu hosts, %zu networks, test:///default, "
	    "%d runs, ms\n", plan->n_hosts, plan->n_networks, runs);
	for (f = 0; f < N_FIGURES; f++) {
		printf("%s", figure_names[f]);
		for (r = 0; r < runs; r++)
			printf(" %.3f", t[f][r]);
		printf("\n");
	}
	for (f = 0; f < N_FIGURES; f++)
		qsort(t[f], (size_t)runs, sizeof(double), compare);
	printf("# medians: up %.2f, bare %.2f (%.2fx); down %.2f, bare %.2f "
	    "(%.2fx)\n", t[UP][runs / 2], t[BARE_UP][runs / 2],
	    t[UP][runs / 2] / t[BARE_UP][runs / 2], t[DOWN][runs / 2],
	    t[BARE_DOWN][runs / 2], t[DOWN][runs / 2] / t[BARE_DOWN][runs / 2]);
	virt_close(&virt);
	for (f = 0; f < (int)plan->n_networks; f++)
		free(defs.networks[f]);
	for (f = 0; f < (int)plan->n_hosts; f++)
		free(defs.domains[f]);
	free(defs.networks);
	free(defs.domains);
	plan_free(plan);
	scenario_free(sc);
	diag_list_clear(&diags);
	free(text);
	return 0;
}
