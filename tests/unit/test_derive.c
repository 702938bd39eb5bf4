/*
 * test_derive.c: MACs, bridge names, placeholders, the string map and
 * "did you mean" distances: small pure functions with exact answers.
 */
#include "harness.h"

#include "rangectl/plan.h"
#include "rangectl/strmap.h"
#include "rangectl/template.h"
#include "rangectl/util.h"

TEST(mac_is_deterministic_and_local)
{
	unsigned char a[6], b[6], c[6];

	plan_derive_mac("ex", "ro", "web", "dmz", 0, a);
	plan_derive_mac("ex", "ro", "web", "dmz", 0, b);
	plan_derive_mac("ex", "md", "web", "dmz", 0, c);
	CHECK(memcmp(a, b, 6) == 0);
	CHECK(memcmp(a, c, 6) != 0);
	CHECK(a[0] == 0x52 && a[1] == 0x54 && a[2] == 0x00);
	plan_derive_mac("ex", "ro", "web", "dmz", 1, b);
	CHECK(memcmp(a, b, 6) != 0);
	/* Field boundaries count: "ro"+"web" is not "row"+"eb". */
	plan_derive_mac("ex", "row", "eb", "dmz", 0, c);
	CHECK(memcmp(a, c, 6) != 0);
}

TEST(bridge_names_fit_the_kernel)
{
	char a[PLAN_BRIDGE_MAX + 1], b[PLAN_BRIDGE_MAX + 1];

	plan_derive_bridge("a-very-long-exercise-name-ro-dmz", 0, a);
	CHECK(strlen(a) <= PLAN_BRIDGE_MAX);
	CHECK(strncmp(a, "rc-", 3) == 0);
	plan_derive_bridge("a-very-long-exercise-name-ro-dmz", 0, b);
	CHECK_STR_EQ(a, b);
	plan_derive_bridge("a-very-long-exercise-name-md-dmz", 0, b);
	CHECK(strcmp(a, b) != 0);
}

TEST(templates)
{
	struct template_values v = {
		.team_id = "ro", .team_index = 3, .target_ip = "10.1.1.10",
		.target_name = "ex-ro-web", .target_team = "ro",
	};
	char bad[40];
	const char *why;
	char *s;

	s = template_expand("10.{team.index}.1.0/24", &v);
	CHECK_STR_EQ(s, "10.3.1.0/24");
	free(s);
	s = template_expand("nc -z {target.ip} 80 # {target.name} {target.team}"
	    " {x} awk '{print $1}' {", &v);
	CHECK_STR_EQ(s, "nc -z 10.1.1.10 80 # ex-ro-web ro {x} awk '{print $1}' {");
	free(s);
	CHECK_INT_EQ(template_check("{team.index}", TEMPLATE_TEAM, bad,
	    sizeof(bad), &why), 0);
	CHECK_INT_EQ(template_check("{team.index}", 0, bad, sizeof(bad), &why),
	    -1);
	CHECK_STR_EQ(bad, "{team.index}");
	CHECK_INT_EQ(template_check("x {team.name} y", TEMPLATE_TEAM, bad,
	    sizeof(bad), &why), -1);
	CHECK_STR_EQ(bad, "{team.name}");
	CHECK_STR_EQ(why, "unknown placeholder");
	CHECK_INT_EQ(template_check("ping {target.ip}; echo ${HOME}",
	    TEMPLATE_TARGET, bad, sizeof(bad), &why), 0);
	CHECK(template_uses_team("10.{team.id}"));
	CHECK(!template_uses_team("10.{target.ip}"));
}

TEST(templates_of_checks)
{
	struct template_values v = { .team_id = "ro", .team_index = 2,
	    .host_ip = "10.2.1.10", .host_name = "ex-ro-web" };
	char bad[40];
	const char *why;
	char *s;

	s = template_expand("{team.id}-ops {host.ip} {host.name} {host.mac}", &v);
	CHECK_STR_EQ(s, "ro-ops 10.2.1.10 ex-ro-web {host.mac}");
	free(s);
	CHECK_INT_EQ(template_check("dc={team.id},{host.name}", TEMPLATE_TEAM |
	    TEMPLATE_HOST, bad, sizeof(bad), &why), 0);
	CHECK_INT_EQ(template_check("{host.mac}", TEMPLATE_TEAM | TEMPLATE_HOST,
	    bad, sizeof(bad), &why), -1);
	CHECK_STR_EQ(why, "unknown placeholder");
	CHECK_INT_EQ(template_check("ping {host.ip}", TEMPLATE_TARGET, bad,
	    sizeof(bad), &why), -1);
	CHECK_STR_EQ(why, "only checks have a host to fill in");
}

TEST(strmap)
{
	static char keys[2000][16];
	struct strmap map;
	size_t i;

	strmap_init(&map);
	CHECK(strmap_get(&map, "absent") == NULL);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		snprintf(keys[i], sizeof(keys[i]), "key-%zu", i);
		CHECK(strmap_add(&map, keys[i], keys[i]) == NULL);
	}
	CHECK(strmap_add(&map, "key-7", NULL) == keys[7]);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		CHECK(strmap_get(&map, keys[i]) == keys[i]);
	CHECK(strmap_get(&map, "key-2000") == NULL);
	CHECK_INT_EQ(map.count, ARRAY_SIZE(keys));
	strmap_clear(&map);
	strmap_clear(NULL);
}

TEST(distance)
{
	CHECK_INT_EQ(str_distance("memroy", "memory", 2), 2);
	CHECK_INT_EQ(str_distance("netwrks", "networks", 2), 1);
	CHECK_INT_EQ(str_distance("same", "same", 2), 0);
	CHECK_INT_EQ(str_distance("a", "abcdef", 2), 3);
	CHECK_INT_EQ(str_distance("", "ab", 2), 2);
}

/* s as str_put_visible() writes it, checked against its length. */
static char *
visible(const char *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	str_put_visible(f, s);
	fclose(f);
	CHECK_INT_EQ(str_visible_len(s), len);
	return text;
}

TEST(visible_text)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain text, é and €", "plain text, é and €" },
		{ "\x1b[2J\x1b[31mred", "\\033[2J\\033[31mred" },
		{ "tab\there\nnew\rline", "tab\\there\\nnew\\rline" },
		{ "bell\a del\x7f bs\b", "bell\\007 del\\177 bs\\010" },
		{ "C1 \xc2\x9b" "31m and \xc2\x85", "C1 \\302\\23331m and "
		  "\\302\\205" },
		/* U+00A0 and U+00E9 are no controls, though they start alike. */
		{ "\xc2\xa0\xc3\xa9", "\xc2\xa0\xc3\xa9" },
		{ "back\\slash \\033", "back\\\\slash \\\\033" },
		{ "", "" },
	};
	size_t i;
	char *got;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		got = visible(cases[i].in);
		CHECK_STR_EQ(got, cases[i].out);
		free(got);
	}
	got = visible(NULL);
	CHECK_STR_EQ(got, "");
	free(got);
}
