/*
 * bench/provision.c: the time of `up` and `down` on libvirt's test driver
 * for ranges of 10, 100 and 500 hosts, median of several runs, sizes
 * interleaved so that the machine's noise falls on all of them alike.
 *
 *	build/bench/provision [RUNS]
 *	build/bench/provision --overlay URI POOL_DIR BASE.qcow2...
 *
 * The second form times what `up` does for a host of a disk image: one
 * qcow2 overlay volume on BASE, made through libvirt from the XML of
 * xml_volume(), median of 11, for each base given.
 *
 * Each `down` is side by side with the bare loop it is held to
 * (bare_down()), on the same range just made by `up`, the two taking turns
 * to go first.
 *
 * The first form then times `up` and `down` of 1,000 hosts on one node and
 * over four, each node a test driver instance of its own (test:///FILE):
 * the nodes work in parallel, as separate machines would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rangectl/cluster.h"
#include "rangectl/plan.h"
#include "rangectl/provision.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"
#include "rangectl/xml.h"

static const size_t sizes[] = { 10, 100, 500 };
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))
#define MAX_RUNS 101

/* teams blue teams of 10 hosts on one network each, red on a shared one. */
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

static int
compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), compare);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One up and one down of plan; their times in seconds. 0 or -1. */
static int
cycle(const struct plan *plan, struct virt *virt, double *up, double *down)
{
	struct provision_opts opts = { .threads = 8, .pool_path = "/tmp/bench" };
	struct provision_counts counts;
	struct progress progress;
	char *error = NULL;
	size_t removed;
	double t0;
	int rc;

	progress_init(&progress, stderr, true);
	t0 = now();
	rc = provision_up(plan, virt, &opts, &progress, &counts, &error);
	*up = now() - t0;
	t0 = now();
	if (rc == 0)
		rc = provision_down(plan, virt, &progress, &removed, &error);
	*down = now() - t0;
	if (rc < 0)
		fprintf(stderr, "bench: %s\n", error);
	free(error);
	progress_destroy(&progress);
	return rc;
}

/*
 * The limit `down` is held to: what any tool must do to remove the same
 * objects, and no more. One listing of each kind; every domain and
 * network whose name starts with "{exercise}-" destroyed (all run after
 * `up`) and undefined, with the flags `down` uses; no tags read, no state
 * asked. Its time in seconds, or -1. Never inlined, so that a profiler
 * (valgrind --toggle-collect=bare_down) can weigh it against `down`.
 */
__attribute__((noinline)) static double
bare_down(virConnectPtr conn, const char *exercise)
{
	size_t n = strlen(exercise);
	virDomainPtr *doms = NULL;
	virNetworkPtr *nets = NULL;
	double t0 = now();
	int nd, nn, i, rc = 0;

	nd = virConnectListAllDomains(conn, &doms, 0);
	for (i = 0; i < nd; i++) {
		const char *name = virDomainGetName(doms[i]);

		if (strncmp(name, exercise, n) == 0 && name[n] == '-' &&
		    (virDomainDestroy(doms[i]) < 0 ||
		    virDomainUndefineFlags(doms[i],
		    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
		    VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) < 0))
			rc = -1;
		virDomainFree(doms[i]);
	}
	free(doms);
	nn = virConnectListAllNetworks(conn, &nets, 0);
	for (i = 0; i < nn; i++) {
		const char *name = virNetworkGetName(nets[i]);

		if (strncmp(name, exercise, n) == 0 && name[n] == '-' &&
		    (virNetworkDestroy(nets[i]) < 0 ||
		    virNetworkUndefine(nets[i]) < 0))
			rc = -1;
		virNetworkFree(nets[i]);
	}
	free(nets);
	if (nd < 0 || nn < 0 || rc < 0) {
		fprintf(stderr, "bench: bare loop: %s\n", virt_last_error());
		return -1;
	}
	return now() - t0;
}

/* One up, then the bare loop in place of down; its time in seconds. */
static int
bare_cycle(const struct plan *plan, struct virt *virt, double *bare)
{
	struct provision_opts opts = { .threads = 8, .pool_path = "/tmp/bench" };
	struct provision_counts counts;
	struct progress progress;
	char *error = NULL;
	int rc;

	progress_init(&progress, stderr, true);
	rc = provision_up(plan, virt, &opts, &progress, &counts, &error);
	if (rc < 0)
		fprintf(stderr, "bench: %s\n", error);
	else if ((*bare = bare_down(virt->conn, plan->exercise)) < 0)
		rc = -1;
	free(error);
	progress_destroy(&progress);
	return rc;
}

#define SPREAD_HOSTS 1000
#define SPREAD_NODES 4

/* Writes node files n1..nN.xml in dir: 1,024 CPUs and 64 GiB each. */
static void
write_nodes(const char *dir, char **uris, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/n%zu.xml", dir, i + 1);
		FILE *f = fopen(path, "w");

		if (f == NULL) {
			perror(path);
			exit(1);
		}
		fprintf(f, "<node><cpu><mhz>2000</mhz><model>i686</model><active>"
		    "1024</active><max>1024</max><nodes>1</nodes><sockets>1"
		    "</sockets><cores>1024</cores><threads>1</threads></cpu>"
		    "<memory>67108864"
		    "</memory></node>\n");
		fclose(f);
		uris[i] = xasprintf("test://%s", path);
		free(path);
	}
}

/*
 * One up and one down of plan over the first n nodes, each a fresh test
 * driver instance (opened here, so empty). Their times in seconds.
 */
static int
spread_cycle(struct plan *plan, char **uris, size_t n, double *up,
    double *down)
{
	struct provision_opts opts = { .threads = 8, .pool_path = "/tmp/bench" };
	struct provision_counts counts;
	struct progress progress;
	struct cluster cl;
	char *error = NULL;
	size_t removed, i;
	double t0;
	int rc;

	if (cluster_open(&cl, (const char *const *)uris, n, true, &error) < 0 ||
	    cluster_place_by_capacity(&cl, plan, &error) < 0) {
		fprintf(stderr, "bench: %s\n", error);
		exit(1);
	}
	/* Underlays for the VXLAN attributes: only words to the test driver. */
	for (i = 0; i < n; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "192.0.2.%zu", i + 1);
		cluster_set_underlay(&cl, i, addr);
	}
	progress_init(&progress, stderr, true);
	t0 = now();
	rc = provision_up_cluster(plan, &cl, &opts, &progress, &counts, &error);
	*up = now() - t0;
	t0 = now();
	if (rc == 0)
		rc = provision_down_cluster(plan, &cl, &progress, &removed, &error);
	*down = now() - t0;
	if (rc < 0)
		fprintf(stderr, "bench: %s\n", error);
	free(error);
	progress_destroy(&progress);
	cluster_close(&cl);
	return rc;
}

/* 1,000 hosts on one node and on four, interleaved, runs times each. */
static int
bench_spread(int runs)
{
	static double up[2][MAX_RUNS], down[2][MAX_RUNS];
	static const size_t nodes[2] = { 1, SPREAD_NODES };
	char dir[] = "/tmp/rangectl-bench-nodes.XXXXXX", *uris[SPREAD_NODES];
	char *text = scenario_text(SPREAD_HOSTS);
	struct diag_list diags;
	struct scenario *sc;
	struct plan *plan;
	size_t i;
	int r;

	diag_list_init(&diags);
	sc = scenario_load_buffer(text, strlen(text), "bench.yaml", &diags);
	plan = sc ? plan_build(sc, &diags) : NULL;
	if (plan == NULL || mkdtemp(dir) == NULL) {
		diag_print(&diags, "bench.yaml", stderr);
		return 1;
	}
	write_nodes(dir, uris, SPREAD_NODES);
	for (r = 0; r < runs; r++)
		for (i = 0; i < 2; i++)
			if (spread_cycle(plan, uris, nodes[i], &up[i][r],
			    &down[i][r]) < 0)
				return 1;
	printf("\n%d hosts over test driver nodes (test:///FILE each), %d runs, "
	    "median (min, max)\n%6s | %-26s | %s\n", SPREAD_HOSTS, runs,
	    "nodes", "up ms", "down ms");
	for (i = 0; i < 2; i++) {
		/* median() sorts: min and max are then at the ends. */
		double mu = median(up[i], runs), md = median(down[i], runs);

		printf("%6zu | %8.2f (%7.2f, %7.2f) | %8.2f (%7.2f, %7.2f)\n",
		    nodes[i], mu * 1e3, up[i][0] * 1e3, up[i][runs - 1] * 1e3,
		    md * 1e3, down[i][0] * 1e3, down[i][runs - 1] * 1e3);
	}
	printf("up on 1 node / up on %d nodes = %.2fx (target: above 1, the "
	    "nodes working in parallel)\n", SPREAD_NODES,
	    median(up[0], runs) / median(up[1], runs));
	for (i = 0; i < SPREAD_NODES; i++) {
		char *path = uris[i] + strlen("test://");

		unlink(path);
		free(uris[i]);
	}
	rmdir(dir);
	plan_free(plan);
	scenario_free(sc);
	diag_list_clear(&diags);
	free(text);
	return 0;
}

static const char overlay_scenario[] =
	"version: 1\nexercise: {name: ovl, duration: 1h}\n"
	"images: {base: {disk: BASE}}\nteams: [{id: t, role: blue}]\n"
	"networks: [{id: n, cidr: 10.0.0.0/24}]\n"
	"hosts: [{id: h, team: t, image: base, nics: [{network: n}]}]\n";

/* Prints the median time of creating one overlay on base. */
static void
time_overlay(virStoragePoolPtr pool, const char *base)
{
	struct diag_list diags;
	struct scenario *sc;
	struct plan *plan;
	unsigned long long size = 0;
	double t[11], t0;
	char *text, *xml, *at;
	int i;

	/* The scenario names base through its disk key. */
	at = strstr(overlay_scenario, "BASE");
	text = xasprintf("%.*s%s%s", (int)(at - overlay_scenario),
	    overlay_scenario, base, at + 4);
	diag_list_init(&diags);
	sc = scenario_load_buffer(text, strlen(text), "/overlay.yaml", &diags);
	plan = sc ? plan_build(sc, &diags) : NULL;
	if (plan == NULL || provision_image_size(base, true, &size) < 0) {
		fprintf(stderr, "bench: cannot use base image '%s'\n", base);
		exit(1);
	}
	xml = xml_volume(plan, &plan->hosts[0], size);
	for (i = 0; i < 11; i++) {
		virStorageVolPtr vol;

		t0 = now();
		vol = virStorageVolCreateXML(pool, xml, 0);
		t[i] = now() - t0;
		if (vol == NULL) {
			fprintf(stderr, "bench: %s\n", virt_last_error());
			exit(1);
		}
		virStorageVolDelete(vol, 0);
		virStorageVolFree(vol);
	}
	printf("overlay on %s (%.1f GiB virtual): %.1f ms median of 11\n", base,
	    (double)size / (1 << 30), median(t, 11) * 1e3);
	free(xml);
	plan_free(plan);
	scenario_free(sc);
	diag_list_clear(&diags);
	free(text);
}

static int
bench_overlays(int argc, char **argv)
{
	struct virt virt;
	virStoragePoolPtr pool;
	char *error = NULL, *xml;
	int i;

	if (argc < 5 || virt_open(&virt, argv[2], &error) < 0) {
		fprintf(stderr, "usage: provision --overlay URI POOL_DIR BASE...%s"
		    "%s\n", error ? ": " : "", error ? error : "");
		return 2;
	}
	xml = xasprintf("<pool type='dir'><name>bench-overlays</name><target>"
	    "<path>%s</path></target></pool>", argv[3]);
	pool = virStoragePoolCreateXML(virt.conn, xml, VIR_STORAGE_POOL_CREATE_WITH_BUILD);
	free(xml);
	if (pool == NULL) {
		fprintf(stderr, "bench: %s\n", virt_last_error());
		return 1;
	}
	for (i = 4; i < argc; i++)
		time_overlay(pool, argv[i]);
	virStoragePoolDestroy(pool);
	virStoragePoolFree(pool);
	virt_close(&virt);
	return 0;
}

int
main(int argc, char **argv)
{
	static double up[N_SIZES][MAX_RUNS], down[N_SIZES][MAX_RUNS];
	static double bare[N_SIZES][MAX_RUNS];
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 11, r;
	struct scenario *sc[N_SIZES];
	struct plan *plan[N_SIZES];
	struct diag_list diags;
	struct virt virt;
	char *error = NULL;
	size_t s;

	if (argc > 1 && strcmp(argv[1], "--overlay") == 0)
		return bench_overlays(argc, argv);
	if (runs < 1 || runs > MAX_RUNS)
		runs = 11;
	diag_list_init(&diags);
	for (s = 0; s < N_SIZES; s++) {
		char *text = scenario_text(sizes[s]);

		sc[s] = scenario_load_buffer(text, strlen(text), "bench.yaml", &diags);
		plan[s] = sc[s] ? plan_build(sc[s], &diags) : NULL;
		free(text);
		if (plan[s] == NULL) {
			diag_print(&diags, "bench.yaml", stderr);
			return 1;
		}
	}
	if (virt_open(&virt, "test:///default", &error) < 0) {
		fprintf(stderr, "bench: %s\n", error);
		return 1;
	}
	/* down and the bare loop take turns going first, run by run. */
	for (r = 0; r < runs; r++)
		for (s = 0; s < N_SIZES; s++) {
			int k;

			for (k = 0; k < 2; k++)
				if ((k == r % 2 ? cycle(plan[s], &virt,
				    &up[s][r], &down[s][r]) : bare_cycle(plan[s],
				    &virt, &bare[s][r])) < 0)
					return 1;
		}
	printf("bench/provision: test:///default, %d runs, median (min, max);"
	    " bare = one listing, then destroy+undefine of each object of the"
	    " range's names, no tags read (bare_down())\n"
	    "%6s | %-26s | %-26s | %-26s | %-9s | %-9s | %s\n", runs, "hosts",
	    "up ms", "down ms", "bare loop ms", "down/bare", "(of mins)",
	    "up us/host");
	for (s = 0; s < N_SIZES; s++) {
		double mu = median(up[s], runs), md = median(down[s], runs);
		double mb = median(bare[s], runs);

		/* The ratio of the minima too: noise only ever adds time. */
		printf("%6zu | %8.2f (%7.2f, %7.2f) | %8.2f (%7.2f, %7.2f) | "
		    "%8.2f (%7.2f, %7.2f) | %8.2fx | %8.2fx | %.0f\n",
		    sizes[s], mu * 1e3, up[s][0] * 1e3, up[s][runs - 1] * 1e3,
		    md * 1e3, down[s][0] * 1e3, down[s][runs - 1] * 1e3,
		    mb * 1e3, bare[s][0] * 1e3, bare[s][runs - 1] * 1e3, md / mb,
		    down[s][0] / bare[s][0], mu * 1e6 / (double)sizes[s]);
	}
	printf("target: down at most 1.3x the bare loop\n");
	printf("up 500 / up 100 = %.1fx (linear: 5x); target: 500 hosts up in "
	    "under 2 s\n", median(up[2], runs) / median(up[1], runs));
	virt_close(&virt);
	for (s = 0; s < N_SIZES; s++) {
		plan_free(plan[s]);
		scenario_free(sc[s]);
	}
	return bench_spread(runs);
}
