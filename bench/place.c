/*
 * bench/place.c: the time to place 5,000 hosts on 50 nodes (place.c),
 * median of RUNS (default 101).
 *
 *	build/bench/place [RUNS]
 *
 * The range is Locked Shields-like: 25 blue teams of 196 hosts (a third
 * of 512 MiB and one vCPU, a third of 1 GiB and one, a third of 2 GiB and
 * two) and 100 shared hosts of 1 GiB, on 50 nodes of 256 GiB and 288
 * vCPUs alternating with 192 GiB and 192 (vCPUs overcommitted, as is
 * usual). It also prints how the placement came out: the nodes a team
 * spans at most, the fullest and emptiest node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rangectl/place.h"
#include "rangectl/util.h"

#define N_NODES 50
#define N_TEAMS 25
#define TEAM_HOSTS 196
#define N_SHARED 100
#define N_HOSTS (N_TEAMS * TEAM_HOSTS + N_SHARED)
#define MAX_RUNS 1001
#define GIB (1024ULL * 1024ULL * 1024ULL)

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

	return x < y ? -1 : x > y;
}

static void
make_range(struct place_node *nodes, struct place_host *hosts)
{
	static const unsigned long long mem[3] = { GIB / 2, GIB, 2 * GIB };
	static const unsigned long cpu[3] = { 1, 1, 2 };
	size_t i, t, n = 0;

	for (i = 0; i < N_NODES; i++)
		nodes[i] = i % 2 ? (struct place_node){ 192 * GIB, 192 } :
		    (struct place_node){ 256 * GIB, 288 };
	for (t = 0; t < N_TEAMS; t++)
		for (i = 0; i < TEAM_HOSTS; i++)
			hosts[n++] = (struct place_host){ "h", t, mem[i % 3],
			    cpu[i % 3] };
	for (i = 0; i < N_SHARED; i++)
		hosts[n++] = (struct place_host){ "s", PLACE_NO_TEAM, GIB, 1 };
}

/* How it came out: the most nodes one team spans, node fill extremes. */
static void
describe(const struct place_node *nodes, const struct place_host *hosts,
    const size_t *node)
{
	unsigned long long used[N_NODES] = { 0 };
	size_t t, i, most_spanned = 0;
	double full = 0, empty = 1;

	for (t = 0; t < N_TEAMS; t++) {
		int on[N_NODES] = { 0 };
		size_t spans = 0;

		for (i = 0; i < TEAM_HOSTS; i++)
			on[node[t * TEAM_HOSTS + i]] = 1;
		for (i = 0; i < N_NODES; i++)
			spans += (size_t)on[i];
		if (spans > most_spanned)
			most_spanned = spans;
	}
	for (i = 0; i < N_HOSTS; i++)
		used[node[i]] += hosts[i].memory;
	for (i = 0; i < N_NODES; i++) {
		double f = (double)used[i] / (double)nodes[i].memory;

		full = f > full ? f : full;
		empty = f < empty ? f : empty;
	}
	printf("placement: every team on %zu node(s) at most; node memory "
	    "used from %.0f%% to %.0f%%\n", most_spanned, empty * 100,
	    full * 100);
}

int
main(int argc, char **argv)
{
	struct place_node nodes[N_NODES];
	struct place_host *hosts = xcalloc(N_HOSTS, sizeof(*hosts));
	size_t *node = xcalloc(N_HOSTS, sizeof(size_t));
	double times[MAX_RUNS], t0;
	int runs = argc > 1 ? atoi(argv[1]) : 101, i;
	char *error = NULL;

	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: %s [RUNS: 1 to %d]\n", argv[0], MAX_RUNS);
		return 2;
	}
	make_range(nodes, hosts);
	for (i = 0; i < runs; i++) {
		t0 = now();
		if (place_hosts(nodes, N_NODES, hosts, N_HOSTS, node,
		    &error) < 0) {
			fprintf(stderr, "bench/place: %s\n", error);
			return 1;
		}
		times[i] = now() - t0;
	}
	qsort(times, (size_t)runs, sizeof(double), compare);
	printf("bench/place: %d hosts (%d teams of %d, %d shared) on %d "
	    "nodes, %d runs\n", N_HOSTS, N_TEAMS, TEAM_HOSTS, N_SHARED,
	    N_NODES, runs);
	printf("place_hosts: median %.3f ms (min %.3f, max %.3f); target "
	    "under 100 ms\n", times[runs / 2] * 1e3, times[0] * 1e3,
	    times[runs - 1] * 1e3);
	describe(nodes, hosts, node);
	free(hosts);
	free(node);
	return 0;
}
