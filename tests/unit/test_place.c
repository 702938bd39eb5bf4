/*
 * test_place.c: hosts onto nodes: team affinity, capacity, determinism,
 * and a range too large, said by how much.
 */
#include "harness.h"

#include "rangectl/place.h"
#include "rangectl/util.h"

#define GIB (1024ULL * 1024ULL * 1024ULL)
#define MIB (1024ULL * 1024ULL)

/* n hosts of team, of mem MiB and one vCPU each, from hosts[at]. */
static size_t
add_team(struct place_host *hosts, size_t at, size_t team, size_t n,
    unsigned long long mem)
{
	size_t i;

	for (i = 0; i < n; i++)
		hosts[at + i] = (struct place_host){ .name = "h", .team = team,
		    .memory = mem * MIB, .vcpus = 1 };
	return at + n;
}

/* Sums what placement put on each node and checks it against capacity. */
static bool
within_capacity(const struct place_node *nodes, size_t n_nodes,
    const struct place_host *hosts, size_t n_hosts, const size_t *node)
{
	unsigned long long mem[64] = { 0 };
	unsigned long cpu[64] = { 0 };
	size_t i;

	for (i = 0; i < n_hosts; i++) {
		if (node[i] >= n_nodes)
			return false;
		mem[node[i]] += hosts[i].memory;
		cpu[node[i]] += hosts[i].vcpus;
	}
	for (i = 0; i < n_nodes; i++)
		if (mem[i] > nodes[i].memory || cpu[i] > nodes[i].vcpus)
			return false;
	return true;
}

TEST(teams_stay_together_and_spread)
{
	struct place_node nodes[2] = { { 8 * GIB, 16 }, { 8 * GIB, 16 } };
	struct place_host hosts[12];
	size_t node[12], n = 0, i;
	char *error = NULL;

	n = add_team(hosts, n, 0, 4, 1024);	/* 4 GiB */
	n = add_team(hosts, n, 1, 4, 1024);
	n = add_team(hosts, n, 2, 4, 512);	/* 2 GiB */
	if (!CHECK_INT_EQ(place_hosts(nodes, 2, hosts, n, node, &error), 0))
		return;
	for (i = 1; i < 4; i++) {
		CHECK_INT_EQ(node[i], node[0]);
		CHECK_INT_EQ(node[4 + i], node[4]);
		CHECK_INT_EQ(node[8 + i], node[8]);
	}
	/* The two big teams go to different nodes; the small one where more
	 * is left, which is a tie broken by the first node. */
	CHECK(node[0] != node[4]);
	CHECK_INT_EQ(node[0], 0);
	CHECK_INT_EQ(node[8], 0);
	CHECK(within_capacity(nodes, 2, hosts, n, node));
}

TEST(a_team_too_big_for_one_node_is_split_within_capacity)
{
	struct place_node nodes[3] = { { 4 * GIB, 8 }, { 4 * GIB, 8 },
	    { 4 * GIB, 8 } };
	struct place_host hosts[10];
	size_t node[10], n = 0, used[3] = { 0 }, i;
	char *error = NULL;

	n = add_team(hosts, n, 0, 6, 1024);	/* 6 GiB: no node has it */
	n = add_team(hosts, n, 1, 4, 1024);	/* 4 GiB: exactly one node */
	if (!CHECK_INT_EQ(place_hosts(nodes, 3, hosts, n, node, &error), 0))
		return;
	for (i = 7; i < 10; i++)
		CHECK_INT_EQ(node[i], node[6]);
	for (i = 0; i < 6; i++)
		used[node[i]]++;
	CHECK_INT_EQ(used[node[6]], 0);	/* the whole node went to team 1 */
	/* Team 0 split over as few nodes as it could: 4 GiB, then 2. */
	CHECK_INT_EQ(used[(node[6] + 1) % 3] * used[(node[6] + 2) % 3], 8);
	CHECK(within_capacity(nodes, 3, hosts, n, node));
}

TEST(vcpus_count_as_much_as_memory)
{
	struct place_node nodes[2] = { { 64 * GIB, 2 }, { 64 * GIB, 4 } };
	struct place_host hosts[3];
	size_t node[3], n = 0;
	char *error = NULL;

	n = add_team(hosts, n, 0, 3, 128);	/* 3 vCPUs: only node 1 */
	if (!CHECK_INT_EQ(place_hosts(nodes, 2, hosts, n, node, &error), 0))
		return;
	CHECK_INT_EQ(node[0], 1);
	CHECK_INT_EQ(node[2], 1);
}

TEST(shared_hosts_fill_in_last)
{
	struct place_node nodes[2] = { { 4 * GIB, 8 }, { 4 * GIB, 8 } };
	struct place_host hosts[5];
	size_t node[5];
	char *error = NULL;

	hosts[0] = (struct place_host){ "shared", PLACE_NO_TEAM, 512 * MIB, 1 };
	add_team(hosts, 1, 0, 4, 768);	/* 3 GiB on one node */
	if (!CHECK_INT_EQ(place_hosts(nodes, 2, hosts, 5, node, &error), 0))
		return;
	CHECK_INT_EQ(node[1], 0);	/* the team first, on the first node */
	CHECK_INT_EQ(node[0], 1);	/* the shared host where most is left */
}

TEST(the_same_input_gives_the_same_placement)
{
	struct place_node nodes[50];
	struct place_host *hosts = xcalloc(5000, sizeof(*hosts));
	size_t *a = xcalloc(5000, sizeof(size_t));
	size_t *b = xcalloc(5000, sizeof(size_t));
	size_t i, n = 0;
	char *error = NULL;

	for (i = 0; i < 50; i++)
		nodes[i] = (struct place_node){ (64 + i % 3 * 32) * GIB, 128 };
	for (i = 0; i < 250; i++)
		n = add_team(hosts, n, i, 20, 128 + (i * 37) % 7 * 128);
	CHECK_INT_EQ(place_hosts(nodes, 50, hosts, n, a, &error), 0);
	CHECK_INT_EQ(place_hosts(nodes, 50, hosts, n, b, &error), 0);
	CHECK(memcmp(a, b, n * sizeof(size_t)) == 0);
	CHECK(within_capacity(nodes, 50, hosts, n, a));
	free(hosts);
	free(a);
	free(b);
}

TEST(a_range_too_large_says_by_how_much)
{
	struct place_node nodes[2] = { { 2 * GIB, 8 }, { 2 * GIB, 8 } };
	struct place_host hosts[5];
	size_t node[5];
	char *error = NULL;

	add_team(hosts, 0, 0, 5, 1024);	/* 5 GiB on 4 */
	CHECK_INT_EQ(place_hosts(nodes, 2, hosts, 5, node, &error), -1);
	CHECK_STR_EQ(error, "the range does not fit on its 2 node(s): it needs "
	    "5120 MiB and 5 vCPUs, they have 4096 MiB and 16 vCPUs (1024 MiB "
	    "and 0 vCPUs short)");
	free(error);
}

TEST(a_host_larger_than_any_node_is_named)
{
	struct place_node nodes[2] = { { 2 * GIB, 8 }, { 2 * GIB, 8 } };
	struct place_host hosts[1] = { { "big-db", 0, 3 * GIB, 2 } };
	size_t node[1];
	char *error = NULL;

	CHECK_INT_EQ(place_hosts(nodes, 2, hosts, 1, node, &error), -1);
	CHECK_STR_EQ(error, "host 'big-db' (3072 MiB, 2 vCPUs) fits on no "
	    "node: the most memory left on any one node is 2048 MiB, though "
	    "the nodes have room in all; give a node more, or the host less");
	free(error);
}

TEST(no_nodes_no_hosts)
{
	struct place_node nodes[1] = { { GIB, 1 } };
	size_t node[1];
	char *error = NULL;

	CHECK_INT_EQ(place_hosts(nodes, 0, NULL, 0, node, &error), -1);
	CHECK_STR_EQ(error, "no node to place the hosts on");
	free(error);
	CHECK_INT_EQ(place_hosts(nodes, 1, NULL, 0, node, &error), 0);
}

TEST(nodes_fill_in_proportion_to_their_size)
{
	struct place_node nodes[2] = { { 8 * GIB, 64 }, { 4 * GIB, 64 } };
	struct place_host hosts[3];
	size_t node[3];
	char *error = NULL;

	add_team(hosts, 0, 0, 1, 2048);
	add_team(hosts, 1, 1, 1, 2048);
	add_team(hosts, 2, 2, 1, 2048);
	if (!CHECK_INT_EQ(place_hosts(nodes, 2, hosts, 3, node, &error), 0))
		return;
	/* 8 GiB: 100%, then 75% free; 4 GiB: 100%, then 50%. */
	CHECK_INT_EQ(node[0], 0);
	CHECK_INT_EQ(node[1], 1);
	CHECK_INT_EQ(node[2], 0);
}
