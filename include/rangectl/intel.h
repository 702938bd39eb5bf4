/*
 * intel.h: shared threat intelligence between the coalition's nations
 * (issue 14 point 2): an observation's checks, who receives it by its
 * TLP 2.0 label, and its STIX 2.1 form, out and in.
 *
 * Pure: JSON in, JSON out. The API checks what a trainee posts with
 * intel_check() (or reads a bundle with intel_stix_import() first), the
 * engine works out the audience once with intel_audience() and journals
 * the intel event (event.h), and the view hands the events a user may
 * see to intel_stix_export(). docs/internals/coalition.md says why.
 */
#ifndef RANGECTL_INTEL_H
#define RANGECTL_INTEL_H

#include <jansson.h>
#include <stddef.h>

#include "rangectl/plan.h"

enum intel_tlp {
	INTEL_TLP_NONE = 0,
	INTEL_TLP_RED,	/* the team alone */
	INTEL_TLP_AMBER_STRICT,	/* the team alone */
	INTEL_TLP_AMBER,	/* and the blue teams of its circles */
	INTEL_TLP_GREEN,	/* the same, in an exercise */
	INTEL_TLP_CLEAR,	/* every team, red too */
};

/* Indicators in one observation, and in one STIX pattern. */
#define INTEL_INDICATORS_MAX 64
/* Bytes of an observation's text (a value's: indicator.h). */
#define INTEL_TEXT_MAX 4096
/* Objects in a bundle posted, and indicators taken from one. */
#define INTEL_STIX_OBJECTS_MAX 1000
#define INTEL_IMPORT_MAX 100

/* "TLP:RED"... for a tlp; "none" out of range. */
const char *intel_tlp_name(int tlp);
/* INTEL_TLP_NONE when text is no TLP 2.0 label. */
int intel_tlp_parse(const char *text);

/*
 * Checks an observation as a trainee posts it, {tlp, technique,
 * indicators: [{type, value}], text, seen}, and returns it anew with
 * every field present (null when not given) and each value checked and
 * normalized as indicator.h says, so that later matching compares like
 * with like. Returns NULL with *error (the caller frees it) a sentence
 * naming the field and quoting the value.
 */
json_t *intel_check(const json_t *body, char **error);

/*
 * The ids of the teams that receive an observation of team marked tlp,
 * in the plan's order, as a new JSON list: the team itself; for AMBER
 * and GREEN the other blue teams that share a circle with it (every
 * blue team when the plan has no circles); for CLEAR every team; and
 * every white team always (they run the exercise).
 */
json_t *intel_audience(const struct plan *plan, const char *team, int tlp);

/*
 * A STIX 2.1 bundle of events (intel events as journaled: with t and
 * wall), new: an identity per team (created at first, a JSON object of
 * team id -> the wall time of its first observation), an indicator per
 * observation with indicators, its pattern the OR of one observation
 * expression per indicator, and the TLP 2.0 marking definitions used.
 * Every id is a UUIDv5 of the exercise and the journal's data, so the
 * same journal exports the same bundle.
 */
json_t *intel_stix_export(const struct plan *plan, const json_t *events,
    const json_t *first);

/*
 * The observations of a STIX 2.1 bundle, each as intel_check() takes
 * it, as a new list: one per indicator object, its pattern read (only
 * comparisons of the types above with '=' joined by OR, in one or more
 * observation expressions joined by OR), its TLP from its
 * object_marking_refs (TLP:AMBER+STRICT when it has none: never shared
 * wider than its sender said), its technique from a mitre-attack
 * external reference, its text from its description. Returns NULL with
 * *error a sentence naming the object for anything else.
 */
json_t *intel_stix_import(const json_t *bundle, char **error);

/* Whether doc is a STIX bundle ({"type": "bundle"}) rather than one observation. */
int intel_is_bundle(const json_t *doc);

#endif
