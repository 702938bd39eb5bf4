/*
 * fuzz_stix.c: libFuzzer entry for what POST /api/v1/intel reads from
 * anyone on a blue team: a body parsed as the API parses it, then as a
 * STIX 2.1 bundle (intel_stix_import(), its hand-written pattern reader)
 * or as one observation, each observation checked by intel_check(). Run
 * by `make fuzz`; seeds in tests/fuzz/stix/.
 *
 * What must hold: a refusal is a sentence; what is taken is bounded (at
 * most INTEL_IMPORT_MAX observations, INTEL_INDICATORS_MAX indicators
 * each) and already in normal form (checking it again changes nothing);
 * and the round trip holds: the observations exported as a bundle
 * (intel_stix_export()) and read back give the same indicators and TLP.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rangectl/intel.h"
#include "rangectl/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scenario_team team = { .id = (char *)"ro", .role = ROLE_BLUE,
	.name = (char *)"Romania" };
static struct plan plan = { .exercise = (char *)"fz", .teams = &team,
	.n_teams = 1 };

/* One observation checked as the API would, and its normal form held. */
static json_t *
checked(const json_t *o)
{
	char *error = NULL;
	json_t *c = intel_check(o, &error), *again;

	if (c == NULL) {
		if (error == NULL || error[0] == '\0')
			abort();
		free(error);
		return NULL;
	}
	if (error != NULL || json_array_size(json_object_get(c, "indicators")) >
	    INTEL_INDICATORS_MAX)
		abort();
	again = intel_check(c, &error);
	if (again == NULL || !json_equal(again, c))
		abort();
	json_decref(again);
	return c;
}

/* list's observations as journaled intel events of team ro. */
static json_t *
as_events(const json_t *list)
{
	json_t *events = json_array(), *ev;
	const json_t *o;
	char id[32];
	size_t i;

	json_array_foreach(list, i, o) {
		snprintf(id, sizeof(id), "ro-o%zu", i + 1);
		ev = json_deep_copy(o);
		json_object_set_new(ev, "type", json_string("intel"));
		json_object_set_new(ev, "id", json_string(id));
		json_object_set_new(ev, "team", json_string("ro"));
		json_object_set_new(ev, "t", json_real(10.0));
		json_object_set_new(ev, "wall", json_real(1795879371.5));
		if (json_is_null(json_object_get(ev, "seen")))
			json_object_set_new(ev, "seen", json_real(10.0));
		json_array_append_new(events, ev);
	}
	return events;
}

/* The export of taken, read back: the same TLP and indicators, in order. */
static void
round_trip(const json_t *taken)
{
	json_t *events = as_events(taken), *first = json_pack("{s:f}", "ro",
	    1795879371.5), *bundle = intel_stix_export(&plan, events, first);
	json_t *back, *with = json_array();
	const json_t *o;
	char *error = NULL;
	size_t i, k = 0;

	json_array_foreach(taken, i, o)
		if (json_array_size(json_object_get(o, "indicators")) > 0)
			json_array_append(with, (json_t *)o);
	back = intel_stix_import(bundle, &error);
	if (json_array_size(with) == 0) {
		if (back != NULL)
			abort();
	} else if (back == NULL || json_array_size(back) != json_array_size(with)) {
		abort();
	}
	json_array_foreach(back, i, o) {
		const json_t *want = json_array_get(with, k++);
		json_t *c = checked(o);

		if (c == NULL || !json_equal(json_object_get(c, "tlp"),
		    json_object_get(want, "tlp")) || !json_equal(json_object_get(c,
		    "indicators"), json_object_get(want, "indicators")))
			abort();
		json_decref(c);
	}
	free(error);
	json_decref(back);
	json_decref(with);
	json_decref(bundle);
	json_decref(first);
	json_decref(events);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size,
	    JSON_REJECT_DUPLICATES, NULL);
	json_t *list, *taken = json_array(), *c;
	const json_t *o;
	char *error = NULL;
	size_t i;

	if (!json_is_object(doc))
		goto cleanup;
	list = intel_is_bundle(doc) ? intel_stix_import(doc, &error) :
	    json_pack("[O]", doc);
	if (list == NULL && (error == NULL || error[0] == '\0'))
		abort();
	if (json_array_size(list) > INTEL_IMPORT_MAX)
		abort();
	json_array_foreach(list, i, o)
		if ((c = checked(o)) != NULL)
			json_array_append_new(taken, c);
	round_trip(taken);
	json_decref(list);
cleanup:
	free(error);
	json_decref(taken);
	json_decref(doc);
	return 0;
}
