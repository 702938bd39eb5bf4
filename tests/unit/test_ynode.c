/*
 * test_ynode.c: the YAML tree and its limits against hostile input.
 */
#include "harness.h"

#include <time.h>

#include "rangectl/util.h"
#include "rangectl/ynode.h"

/* Parses text; returns the first message, or NULL when it parsed. */
static char *
first_problem(const char *text, size_t len)
{
	struct diag_list diags;
	struct ynode *root;
	char *msg = NULL;

	diag_list_init(&diags);
	root = ynode_parse(text, len, &diags);
	if (diags.count > 0)
		msg = xstrdup(diags.items[0].message);
	CHECK(root == NULL || diags.count == 0);
	ynode_free(root);
	diag_list_clear(&diags);
	return msg;
}

static bool
problem_mentions(const char *text, const char *needle)
{
	char *msg = first_problem(text, strlen(text));
	bool found = msg != NULL && strstr(msg, needle) != NULL;

	if (!found)
		fprintf(stderr, "for %.40s: got '%s', wanted '%s'\n", text,
		    msg ? msg : "(none)", needle);
	free(msg);
	return found;
}

TEST(positions_and_kinds)
{
	static const char text[] = "a: 1\nb:\n  - x\n  - \"y\"\nc: {d: e}\n";
	struct diag_list diags;
	struct ynode *root;
	const struct ynode *b;

	diag_list_init(&diags);
	root = ynode_parse(text, sizeof(text) - 1, &diags);
	if (!CHECK(root != NULL))
		return;
	CHECK_INT_EQ(root->kind, YNODE_MAP);
	b = ynode_get(root, "b");
	CHECK_INT_EQ(b->kind, YNODE_SEQ);
	CHECK_INT_EQ(b->count, 2);
	CHECK_INT_EQ(b->items[1]->pos.line, 4);
	CHECK_INT_EQ(b->items[1]->pos.col, 5);
	CHECK(b->items[1]->quoted);
	CHECK(!b->items[0]->quoted);
	CHECK_STR_EQ(ynode_get(ynode_get(root, "c"), "d")->scalar, "e");
	CHECK(ynode_get(root, "zz") == NULL);
	ynode_free(root);
	diag_list_clear(&diags);
}

TEST(refusals)
{
	CHECK(problem_mentions("a: &x 1\nb: 2\n", "anchor '&x'"));
	CHECK(problem_mentions("a: 1\nb: *x\n", "YAML"));
	CHECK(problem_mentions("a: !!binary aGk=\n", "tag"));
	CHECK(problem_mentions("a: 1\na: 2\n", "duplicate key 'a'"));
	CHECK(problem_mentions("a: 1\n---\nb: 2\n", "second YAML document"));
	CHECK(problem_mentions("", "no YAML document"));
	CHECK(problem_mentions("a: [1, 2\n", "YAML syntax error"));
	CHECK(problem_mentions("a:\n\t- 1\n", "YAML syntax error"));
	CHECK(problem_mentions("[1]: 2\n", "mapping key"));
}

TEST(nesting_limit)
{
	char text[512];
	size_t i, n = 0;

	for (i = 0; i < YNODE_MAX_DEPTH + 1; i++)
		text[n++] = '[';
	for (i = 0; i < YNODE_MAX_DEPTH + 1; i++)
		text[n++] = ']';
	text[n] = '\0';
	CHECK(problem_mentions(text, "nests deeper than 64"));
	text[0] = ' ';
	text[n - 1] = ' ';
	free(first_problem(text, n));	/* exactly at the limit: no crash */
}

TEST(node_limit)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb);
	strbuf_append(&sb, "[");
	for (i = 0; i < YNODE_MAX_NODES + 1; i++)
		strbuf_append(&sb, "1,");
	strbuf_append(&sb, "1]");
	CHECK(problem_mentions(sb.data, "more than 100000 YAML nodes"));
	strbuf_free(&sb);
}

TEST(size_limit)
{
	size_t len = YNODE_MAX_INPUT + 1;
	char *big = xmalloc(len);
	char *msg;

	memset(big, '#', len);
	msg = first_problem(big, len);
	CHECK(msg != NULL && strstr(msg, "limit of") != NULL);
	free(msg);
	free(big);
}

TEST(nul_inside_scalar_is_kept_visible)
{
	static const char text[] = "a: \"x\\0y\"\n";
	struct diag_list diags;
	struct ynode *root;

	diag_list_init(&diags);
	root = ynode_parse(text, sizeof(text) - 1, &diags);
	if (CHECK(root != NULL)) {
		const struct ynode *a = ynode_get(root, "a");

		CHECK_INT_EQ(a->scalar_len, 3);
		CHECK_INT_EQ(strlen(a->scalar), 1);
	}
	ynode_free(root);
	diag_list_clear(&diags);
}

/* A mapping of n keys "k0: 0" ..., then k0 again when dup. Caller frees. */
static char *
big_mapping(size_t n, bool dup)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb);
	for (i = 0; i < n; i++)
		strbuf_printf(&sb, "k%zu: %zu\n", i, i);
	if (dup)
		strbuf_append(&sb, "k0: again\n");
	return sb.data;
}

/* The least CPU time of three parses of a mapping of n keys, in seconds. */
static double
parse_seconds(size_t n)
{
	char *text = big_mapping(n, false);
	double best = 1e9;
	int round;

	for (round = 0; round < 3; round++) {
		struct timespec t0, t1;
		double s;

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		free(first_problem(text, strlen(text)));
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		s = (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (s < best)
			best = s;
	}
	free(text);
	return best;
}

TEST(duplicate_key_in_a_large_mapping)
{
	char *text = big_mapping(40000, true);
	char *msg = first_problem(text, strlen(text));

	CHECK_STR_EQ(msg, "duplicate key 'k0' (first given at line 1)");
	free(msg);
	free(text);
	text = big_mapping(40000, false);
	msg = first_problem(text, strlen(text));
	CHECK_STR_EQ(msg, NULL);
	free(msg);
	free(text);
}

/*
 * Eight times the keys must cost about eight times the time, not 64 (a
 * scan of the earlier keys per key took 4.3 s at 40,000 keys): the bound
 * is the geometric mean of the two, so noise either way does not decide.
 */
TEST(duplicate_check_is_linear)
{
	double small = parse_seconds(5000), large = parse_seconds(40000);

	if (!CHECK(large < 22.6 * small))
		fprintf(stderr, "5,000 keys: %.4f s, 40,000 keys: %.4f s\n",
		    small, large);
}
