/*
 * test_fairness.c: each team's normalized slice of the plan (golden, in
 * tests/fairness/ NAME.txt; RANGECTL_REGENERATE=1 rewrites them), its digests,
 * which teams differ and in what, and the image sums and their cache.
 */
#include "harness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rangectl/diag.h"
#include "rangectl/fairness.h"
#include "rangectl/imagesum.h"
#include "rangectl/range.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

static struct plan *
load(const char *path)
{
	struct diag_list diags;
	struct range range;

	diag_list_init(&diags);
	if (range_load(&range, path, &diags) < 0) {
		diag_print(&diags, path, stderr);
		diag_list_clear(&diags);
		return NULL;
	}
	diag_list_clear(&diags);
	return range.plan;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct strbuf sb;
	char buf[4096];
	size_t n;

	if (f == NULL)
		return xstrdup("");
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_appendn(&sb, buf, n);
	fclose(f);
	return sb.data ? strbuf_steal(&sb) : xstrdup("");
}

/* Every team's every part, as the golden file holds them. */
static char *
render(const struct plan *plan, const char *const *sums)
{
	struct strbuf sb;
	size_t t;
	int part;
	char *text;

	strbuf_init(&sb);
	for (t = 0; t < plan->n_teams; t++)
		for (part = 0; part < FAIRNESS_PARTS; part++) {
			text = fairness_text(plan, t, part, sums);
			strbuf_printf(&sb, "== %s %s\n%s", plan->teams[t].id,
			    fairness_part_name(part), text);
			free(text);
		}
	return strbuf_steal(&sb);
}

static void
golden(const char *text, const char *path)
{
	FILE *f;
	char *want;

	if (getenv("RANGECTL_REGENERATE") != NULL) {
		f = fopen(path, "w");
		if (CHECK(f != NULL)) {
			fputs(text, f);
			fclose(f);
		}
		return;
	}
	want = slurp(path);
	CHECK_STR_EQ(text, want);
	free(want);
}

static const char *const fake_sums[] = { "kernel=" "ab12" " initrd=- disk=-" };

TEST(normalized_text_is_golden)
{
	struct plan *plan = load("tests/fairness/template.yaml");
	char *text;

	if (!CHECK(plan != NULL))
		return;
	text = render(plan, fake_sums);
	golden(text, "tests/fairness/template.txt");
	free(text);
	plan_free(plan);
}

/* ro and ua come from one template: one text, one digest, no warning. */
TEST(one_template_one_digest)
{
	struct plan *plan = load("tests/fairness/template.yaml");
	struct fairness_team teams[3];
	char *a, *b;
	size_t ref;
	int part;

	if (!CHECK(plan != NULL) || !CHECK_INT_EQ(plan->n_teams, 3))
		return;
	for (part = 0; part < FAIRNESS_PARTS; part++) {
		a = fairness_text(plan, 0, part, fake_sums);
		b = fairness_text(plan, 2, part, fake_sums);
		CHECK_STR_EQ(a, b);
		free(a);
		free(b);
	}
	CHECK_INT_EQ(fairness_compute(plan, fake_sums, teams), 0);
	CHECK_STR_EQ(teams[0].digest, teams[2].digest);
	CHECK(strcmp(teams[0].digest, teams[1].digest) != 0);
	CHECK_INT_EQ(strlen(teams[0].digest), 64);
	CHECK_INT_EQ(fairness_differs(teams, 3, 2, &ref), 0);
	CHECK_INT_EQ(fairness_differs(teams, 3, 1, &ref), 0);	/* no peer */
	CHECK(fairness_warnings(teams, 3) == NULL);
	plan_free(plan);
}

/* A check of ua's web changed (its own copy): only 'checks' differs. */
TEST(a_changed_check_is_named)
{
	struct plan *plan = load("tests/fairness/template.yaml");
	struct scenario_check *copy;
	struct fairness_team teams[3];
	struct plan_host *web = NULL;
	char *warn;
	size_t i, ref;

	if (!CHECK(plan != NULL))
		return;
	for (i = 0; i < plan->n_hosts; i++)
		if (plan->hosts[i].team == &plan->teams[2])
			web = &plan->hosts[i];
	if (!CHECK(web != NULL) || !CHECK_INT_EQ(web->n_services, 2))
		return;
	copy = xcalloc(2, sizeof(*copy));
	memcpy(copy, web->services, 2 * sizeof(*copy));
	copy[1].port = 2222;
	web->services = copy;
	CHECK_INT_EQ(fairness_compute(plan, fake_sums, teams), 0);
	CHECK(strcmp(teams[0].digest, teams[2].digest) != 0);
	CHECK_INT_EQ(fairness_differs(teams, 3, 2, &ref),
	    1u << FAIRNESS_CHECKS);
	CHECK_INT_EQ(ref, 0);
	warn = fairness_warnings(teams, 3);
	CHECK_STR_EQ(warn, "team 'ua' did not get the range of team 'ro', and "
	    "no range is most blue teams': its checks differ\n");
	free(warn);
	free(copy);
	plan_free(plan);
}

/* An inject aimed at ro alone: ua's injects differ, golden too. */
TEST(an_inject_for_one_team_is_named)
{
	struct plan *plan = load("tests/fairness/differs.yaml");
	struct fairness_team teams[3];
	char *text, *warn;
	size_t ref;

	if (!CHECK(plan != NULL))
		return;
	text = render(plan, fake_sums);
	golden(text, "tests/fairness/differs.txt");
	free(text);
	CHECK_INT_EQ(fairness_compute(plan, fake_sums, teams), 0);
	CHECK_INT_EQ(fairness_differs(teams, 3, 2, &ref),
	    1u << FAIRNESS_INJECTS);
	warn = fairness_warnings(teams, 3);
	CHECK_STR_EQ(warn, "team 'ua' did not get the range of team 'ro', and "
	    "no range is most blue teams': its injects differ\n");
	free(warn);
	plan_free(plan);
}

/* Different image content: 'images' differs, nothing else. */
TEST(an_image_differs)
{
	static const char *const other[] = { "kernel=cd34 initrd=- disk=-" };
	struct plan *plan = load("tests/fairness/template.yaml");
	struct fairness_team a[3], b[3];
	int part;

	if (!CHECK(plan != NULL))
		return;
	CHECK_INT_EQ(fairness_compute(plan, fake_sums, a), 0);
	CHECK_INT_EQ(fairness_compute(plan, other, b), 0);
	for (part = 0; part < FAIRNESS_PARTS; part++)
		CHECK_INT_EQ(strcmp(a[0].parts[part], b[0].parts[part]) != 0,
		    part == FAIRNESS_IMAGES);
	plan_free(plan);
}

/* A team of its own (3), against the most teams (1, 2); red apart. */
static void
fake_team(struct fairness_team *t, const char *id, int role, char c,
    char hosts)
{
	int part;

	memset(t, 0, sizeof(*t));
	t->team = id;
	t->role = role;
	for (part = 0; part < FAIRNESS_PARTS; part++)
		memset(t->parts[part], c, 64);
	memset(t->parts[FAIRNESS_HOSTS], hosts, 64);
	t->digest[0] = c;
	t->digest[1] = hosts;
}

TEST(the_most_teams_are_the_reference)
{
	struct fairness_team t[5];
	size_t ref;
	char *warn;

	fake_team(&t[0], "red", ROLE_RED, 'r', 'r');
	fake_team(&t[1], "md", ROLE_BLUE, 'a', 'x');	/* its own hosts */
	fake_team(&t[2], "ro", ROLE_BLUE, 'a', 'a');
	fake_team(&t[3], "ua", ROLE_BLUE, 'a', 'a');
	fake_team(&t[4], "white", ROLE_WHITE, 'w', 'w');
	CHECK_INT_EQ(fairness_differs(t, 5, 1, &ref), 1u << FAIRNESS_HOSTS);
	CHECK_INT_EQ(ref, 2);
	CHECK_INT_EQ(fairness_differs(t, 5, 2, &ref), 0);
	CHECK_INT_EQ(fairness_differs(t, 5, 0, &ref), 0);
	warn = fairness_warnings(t, 5);
	CHECK_STR_EQ(warn, "team 'md' did not get the range of the other blue "
	    "teams (as 'ro'): its hosts differ\n");
	free(warn);
}

TEST(sha256_of_abc)
{
	char hex[FAIRNESS_HEX];

	CHECK_INT_EQ(fairness_sha256("abc", 3, hex), 0);
	CHECK_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

/*
 * The image's file read once, then from the cache; a file changed in
 * place (same size, another mtime) is read again and gives its new sum.
 */
TEST(image_sums_are_cached_by_size_and_mtime)
{
	char dir[] = "/tmp/rc-imagesum.XXXXXX", *cache, *kernel, **sums;
	struct plan *plan = load("tests/fairness/template.yaml");
	struct timespec times[2] = { { 0, UTIME_OMIT }, { 1000000, 0 } };
	unsigned long long bytes;
	char first[256];
	FILE *f;

	if (!CHECK(plan != NULL) || !CHECK(mkdtemp(dir) != NULL))
		return;
	cache = xasprintf("%s/c/images.json", dir);
	kernel = xasprintf("%s/app.kernel", dir);
	free(plan->dir);
	plan->dir = xstrdup(dir);
	f = fopen(kernel, "w");
	fputs("kernel one", f);
	fclose(f);
	sums = imagesum_plan(plan, cache, &bytes);
	CHECK_INT_EQ(bytes, 10);
	snprintf(first, sizeof(first), "%s", sums[0]);
	CHECK(strncmp(first, "kernel=", 7) == 0 && strlen(first) == 7 + 64 +
	    strlen(" initrd=- disk=-"));
	imagesum_free(sums, plan->n_images);
	sums = imagesum_plan(plan, cache, &bytes);
	CHECK_INT_EQ(bytes, 0);
	CHECK_STR_EQ(sums[0], first);
	imagesum_free(sums, plan->n_images);
	f = fopen(kernel, "w");
	fputs("kernel One", f);	/* one byte changed */
	fclose(f);
	utimensat(AT_FDCWD, kernel, times, 0);
	sums = imagesum_plan(plan, cache, &bytes);
	CHECK_INT_EQ(bytes, 10);
	CHECK(strcmp(sums[0], first) != 0);
	imagesum_free(sums, plan->n_images);
	unlink(kernel);
	sums = imagesum_plan(plan, cache, &bytes);
	CHECK_STR_EQ(sums[0], "kernel=absent initrd=- disk=-");
	imagesum_free(sums, plan->n_images);
	unlink(cache);
	free(cache);
	cache = xasprintf("%s/c", dir);
	rmdir(cache);
	rmdir(dir);
	free(cache);
	free(kernel);
	plan_free(plan);
}
