/*
 * test_plan.c: the plan stands alone. Everything rangectl reads after
 * planning (plan --json, libvirt's XML, the journal's exercise event) is
 * the same whether the scenario is still there or was freed as soon as
 * the plan was built, as range_load() does. The scenario's strings are
 * overwritten before it is freed, so that a pointer left into it shows in
 * a plain build too; under make asan, any read of it is a use after free.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rangectl/engine.h"
#include "rangectl/plan.h"
#include "rangectl/plan_print.h"
#include "rangectl/range.h"
#include "rangectl/scenario.h"
#include "rangectl/xml.h"

static const char *const scenarios[] = {
	"scenarios/demo.yaml",
	"scenarios/coalition.yaml",
};

/* Appends text to out, and frees text. */
static void
add(FILE *out, char *text)
{
	fputs(text != NULL ? text : "(null)", out);
	fputc('\n', out);
	free(text);
}

/* All that downstream reads of a plan, as one string (the caller frees it). */
static char *
render(const struct plan *plan)
{
	struct xml_options opt = { .kvm = false, .nwfilter = true,
	    .pool_path = "/var/lib/rangectl/pool" };
	const char *why;
	char *out = NULL;
	size_t size = 0, i;
	FILE *f = open_memstream(&out, &size);
	json_t *ev;

	plan_print_json(plan, f);
	plan_print_table(plan, f);
	for (i = 0; i < plan->n_networks; i++)
		add(f, xml_network(plan, &plan->networks[i]));
	for (i = 0; i < plan->n_hosts; i++) {
		const struct plan_host *h = &plan->hosts[i];
		bool disk = h->image != NULL && h->image->disk != NULL;

		add(f, xml_domain(plan, h, &opt, disk ? "/pool/x.qcow2" : NULL,
		    &why));
		add(f, disk ? xml_volume(plan, h, 1 << 20) :
		    xml_kernel_cmdline(plan, h));
	}
	ev = engine_exercise_event(plan);
	add(f, json_dumps(ev, JSON_SORT_KEYS));
	json_decref(ev);
	fclose(f);
	return out;
}

static void
scribble(char *s)
{
	if (s != NULL)
		memset(s, '#', strlen(s));
}

static void
scribble_check(struct scenario_check *c)
{
	scribble(c->id);
	scribble(c->path);
	scribble(c->command);
	scribble(c->expect_body);
	scribble(c->user);
	scribble(c->query);
	scribble(c->expect);
	scribble(c->run);
	scribble(c->key);
}

/* Overwrites the strings the plan could have kept pointers to. */
static void
scribble_scenario(struct scenario *sc)
{
	size_t i, j;

	scribble(sc->exercise.name);
	scribble(sc->exercise.title);
	scribble(sc->path);
	scribble(sc->dir);
	for (i = 0; i < sc->n_teams; i++) {
		scribble(sc->teams[i].id);
		scribble(sc->teams[i].name);
		for (j = 0; j < sc->teams[i].members.count; j++)
			scribble(sc->teams[i].members.items[j]);
	}
	for (i = 0; i < sc->instructors.count; i++)
		scribble(sc->instructors.items[i]);
	for (i = 0; i < sc->n_images; i++) {
		scribble(sc->images[i].id);
		scribble(sc->images[i].kernel);
		scribble(sc->images[i].disk);
	}
	for (i = 0; i < sc->n_networks; i++)
		scribble(sc->networks[i].id);
	for (i = 0; i < sc->n_hosts; i++) {
		scribble(sc->hosts[i].id);
		for (j = 0; j < sc->hosts[i].n_services; j++)
			scribble_check(&sc->hosts[i].services[j]);
	}
	for (i = 0; i < sc->n_injects; i++) {
		scribble(sc->injects[i].id);
		scribble(sc->injects[i].title);
		scribble(sc->injects[i].command);
		scribble(sc->injects[i].nic);
		scribble(sc->injects[i].text);
		for (j = 0; j < sc->injects[i].breaks.count; j++)
			scribble(sc->injects[i].breaks.items[j]);
		if (sc->injects[i].compromise != NULL)
			scribble_check(sc->injects[i].compromise);
	}
}

static struct plan *
plan_of(const char *path, struct scenario **sc)
{
	struct diag_list diags;
	struct plan *plan;

	diag_list_init(&diags);
	*sc = scenario_load_file(path, &diags);
	plan = *sc != NULL ? plan_build(*sc, &diags) : NULL;
	if (plan == NULL)
		diag_print(&diags, path, stderr);
	diag_list_clear(&diags);
	return plan;
}

TEST(plan_outlives_its_scenario)
{
	size_t i;

	for (i = 0; i < sizeof(scenarios) / sizeof(*scenarios); i++) {
		struct scenario *sc;
		struct plan *plan = plan_of(scenarios[i], &sc);
		char *kept, *alone;

		if (!CHECK(plan != NULL))
			return;
		kept = render(plan);
		plan_free(plan);
		scenario_free(sc);
		plan = plan_of(scenarios[i], &sc);
		if (!CHECK(plan != NULL))
			return;
		scribble_scenario(sc);
		scenario_free(sc);
		alone = render(plan);
		if (!CHECK_STR_EQ(alone, kept))
			fprintf(stderr, "  in %s\n", scenarios[i]);
		CHECK(plan_team(plan, plan->teams[0].id) == &plan->teams[0]);
		CHECK(plan_team(plan, "no-such-team") == NULL);
		free(kept);
		free(alone);
		plan_free(plan);
	}
}

/* range_load() keeps only the plan, and it is whole. */
TEST(range_load_keeps_the_plan_alone)
{
	struct diag_list diags;
	struct scenario *sc;
	struct range range;
	struct plan *plan;
	char *loaded, *built;

	diag_list_init(&diags);
	if (!CHECK_INT_EQ(range_load(&range, "scenarios/demo.yaml", &diags), 0))
		return;
	diag_list_clear(&diags);
	plan = plan_of("scenarios/demo.yaml", &sc);
	if (!CHECK(plan != NULL))
		return;
	loaded = render(range.plan);
	built = render(plan);
	CHECK_STR_EQ(loaded, built);
	CHECK_STR_EQ(range.plan->exercise, sc->exercise.name);
	CHECK_INT_EQ(range.plan->n_teams, sc->n_teams);
	free(loaded);
	free(built);
	plan_free(plan);
	scenario_free(sc);
	range_clear(&range);
	range_clear(&range);
}

/* The ids of hosts and networks are the tails of their libvirt names. */
TEST(ids_are_the_tails_of_names)
{
	struct scenario *sc;
	struct plan *plan = plan_of("scenarios/coalition.yaml", &sc);
	size_t i;

	scenario_free(sc);
	if (!CHECK(plan != NULL))
		return;
	for (i = 0; i < plan->n_hosts; i++) {
		const struct plan_host *h = &plan->hosts[i];
		size_t n = strlen(h->name), k = strlen(h->id);

		CHECK(k < n && strcmp(h->name + n - k, h->id) == 0 &&
		    h->name[n - k - 1] == '-');
	}
	for (i = 0; i < plan->n_networks; i++)
		CHECK(strlen(plan->networks[i].id) > 0);
	plan_free(plan);
}
