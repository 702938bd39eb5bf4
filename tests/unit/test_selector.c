/*
 * test_selector.c: selector syntax and matching against a scenario.
 */
#include "harness.h"

#include "rangectl/selector.h"
#include "rangectl/util.h"

static const char scenario_text[] =
	"version: 1\n"
	"exercise: {name: t, duration: 1h}\n"
	"images: {a: {kernel: k}}\n"
	"teams:\n"
	"  - {id: ro, role: blue}\n"
	"  - {id: md, role: blue}\n"
	"  - {id: red, role: red}\n"
	"  - {id: red2, role: red}\n"
	"networks: [{id: n, cidr: 10.0.0.0/24}]\n"
	"hosts:\n"
	"  - {id: web, per_team: blue, image: a, nics: [{network: n}]}\n"
	"  - {id: kali, per_team: red, image: a, nics: [{network: n}]}\n";

static struct scenario *
load(void)
{
	struct diag_list diags;
	struct scenario *sc;

	diag_list_init(&diags);
	sc = scenario_load_buffer(scenario_text, sizeof(scenario_text) - 1,
	    "t.yaml", &diags);
	diag_print(&diags, "t.yaml", stderr);
	diag_list_clear(&diags);
	return sc;
}

/* How many of the scenario's teams match sel for host id. */
static int
count_matches(const struct scenario *sc, const char *text, const char *host)
{
	struct selector sel;
	const char *why;
	size_t i;
	int n = 0;

	if (selector_parse(text, sc, &sel, &why) < 0)
		return -1;
	for (i = 0; i < sc->n_teams; i++)
		n += selector_matches(&sel, &sc->teams[i], host);
	selector_clear(&sel);
	return n;
}

TEST(selector_matching)
{
	struct scenario *sc = load();

	if (!CHECK(sc != NULL))
		return;
	CHECK_INT_EQ(count_matches(sc, "ro/web", "web"), 1);
	CHECK_INT_EQ(count_matches(sc, "blue/web", "web"), 2);
	CHECK_INT_EQ(count_matches(sc, "*/web", "web"), 4);
	CHECK_INT_EQ(count_matches(sc, "blue/*", "anything"), 2);
	CHECK_INT_EQ(count_matches(sc, "ro/web", "kali"), 0);
	/* A team named like a role means the team, not every red team. */
	CHECK_INT_EQ(count_matches(sc, "red/kali", "kali"), 1);
	CHECK_INT_EQ(count_matches(sc, "red2/kali", "kali"), 1);
	CHECK_INT_EQ(count_matches(sc, "white/x", "x"), 0);
	scenario_free(sc);
}

TEST(selector_syntax)
{
	struct scenario *sc = load();
	static const char *const bad[] = { "web", "ro/web/x", "/web", "ro/",
	    "RO/web", "ro/Web", "ro/w b", "", "*/", "a_b/web" };
	struct selector sel;
	const char *why;
	size_t i;

	if (!CHECK(sc != NULL))
		return;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		CHECK_INT_EQ(selector_parse(bad[i], sc, &sel, &why), -1);
		CHECK(why != NULL);
	}
	CHECK_INT_EQ(selector_parse("ghost/web", sc, &sel, &why), 0);
	CHECK_STR_EQ(sel.team, "ghost");
	selector_clear(&sel);
	CHECK_INT_EQ(selector_parse("blue/web", sc, &sel, &why), 0);
	CHECK_INT_EQ(sel.role, ROLE_BLUE);
	CHECK(sel.team == NULL);
	selector_clear(&sel);
	scenario_free(sc);
}
