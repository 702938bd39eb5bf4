/*
 * intel.c: an observation's checks and normal form, and who receives it.
 */
#include "rangectl/intel.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "rangectl/indicator.h"
#include "rangectl/scenario.h"
#include "rangectl/truth.h"
#include "rangectl/util.h"

static const char *const tlp_names[] = {
	"none", "TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN",
	"TLP:CLEAR",
};

const char *
intel_tlp_name(int tlp)
{
	return tlp > INTEL_TLP_NONE && tlp <= INTEL_TLP_CLEAR ? tlp_names[tlp] :
	    "none";
}

int
intel_tlp_parse(const char *text)
{
	int i;

	for (i = INTEL_TLP_RED; text != NULL && i <= INTEL_TLP_CLEAR; i++)
		if (strcmp(text, tlp_names[i]) == 0)
			return i;
	return INTEL_TLP_NONE;
}

/* indicators[i] checked and normalized, appended to list; -1 with *error. */
static int
check_indicator(const json_t *entry, size_t i, json_t *list, char **error)
{
	const char *tname = json_string_value(json_object_get(entry, "type"));
	const char *value = json_string_value(json_object_get(entry, "value"));
	const char *why;
	int type;
	char norm[INDICATOR_VALUE_MAX + INET6_ADDRSTRLEN];

	if (!json_is_object(entry) || json_object_size(entry) != 2 ||
	    tname == NULL || value == NULL) {
		*error = xasprintf("'indicators[%zu]' must be an object of two "
		    "strings, type and value", i);
		return -1;
	}
	type = indicator_type_parse(tname);
	if (type == INDICATOR_NONE) {
		*error = xasprintf("'indicators[%zu].type' must be one of ipv4, "
		    "ipv6, domain, url, email, md5, sha1, sha256, file_name, not "
		    "'%.64s'", i, tname);
		return -1;
	}
	if (indicator_check(type, value, json_string_length(json_object_get(
	    entry, "value")), &why) < 0) {
		*error = xasprintf("'indicators[%zu].value' '%.128s' is not a "
		    "%s: %s", i, value, tname, why);
		return -1;
	}
	(void)indicator_normalize(type, value, norm, sizeof(norm));
	json_array_append_new(list, json_pack("{s:s, s:s}", "type", tname,
	    "value", norm));
	return 0;
}

static int
check_indicators(const json_t *v, json_t *out, char **error)
{
	json_t *list = json_array();
	size_t i;

	json_object_set_new(out, "indicators", list);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > INTEL_INDICATORS_MAX) {
		*error = xasprintf("'indicators' must be a list of at most %d "
		    "indicators", INTEL_INDICATORS_MAX);
		return -1;
	}
	for (i = 0; i < json_array_size(v); i++)
		if (check_indicator(json_array_get(v, i), i, list, error) < 0)
			return -1;
	return 0;
}

/* An optional string of at most max bytes into out; -1 with *error. */
static int
check_string(const json_t *body, const char *key, size_t max, json_t *out,
    char **error)
{
	const json_t *v = json_object_get(body, key);

	if (v != NULL && !json_is_null(v) && (!json_is_string(v) ||
	    json_string_length(v) == 0 || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))) {
		*error = xasprintf("'%s' must be a string of 1 to %zu bytes", key,
		    max);
		return -1;
	}
	json_object_set_new(out, key, v != NULL && !json_is_null(v) ?
	    json_string(json_string_value(v)) : json_null());
	return 0;
}

static int
check_fields(const json_t *body, json_t *out, char **error)
{
	static const char *const keys[] = { "tlp", "technique", "indicators",
	    "text", "seen" };
	const char *key, *why, *tlp;
	const json_t *v;
	size_t i;

	json_object_foreach((json_t *)body, key, v) {
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (i == ARRAY_SIZE(keys)) {
			*error = xasprintf("'%.64s' is not a field of an observation: "
			    "give tlp, technique, indicators, text and seen", key);
			return -1;
		}
	}
	tlp = json_string_value(json_object_get(body, "tlp"));
	if (intel_tlp_parse(tlp) == INTEL_TLP_NONE) {
		*error = xasprintf("'tlp' must be TLP:RED, TLP:AMBER+STRICT, "
		    "TLP:AMBER, TLP:GREEN or TLP:CLEAR%s%.64s%s", tlp ? ", not '" :
		    "", tlp ? tlp : "", tlp ? "'" : "");
		return -1;
	}
	json_object_set_new(out, "tlp", json_string(tlp));
	if (check_string(body, "technique", 16, out, error) < 0 ||
	    check_string(body, "text", INTEL_TEXT_MAX, out, error) < 0)
		return -1;
	v = json_object_get(out, "technique");
	if (json_is_string(v) && truth_technique_check(json_string_value(v),
	    &why) < 0) {
		*error = xasprintf("'technique' '%s' is not a technique id: %s",
		    json_string_value(v), why);
		return -1;
	}
	v = json_object_get(body, "seen");
	if (v != NULL && !json_is_null(v) && (!json_is_number(v) ||
	    !isfinite(json_number_value(v)) || json_number_value(v) < 0)) {
		*error = xasprintf("'seen' must be the exercise's seconds when it "
		    "was seen, 0 or more");
		return -1;
	}
	json_object_set_new(out, "seen", v != NULL && !json_is_null(v) ?
	    json_real(json_number_value(v)) : json_null());
	return check_indicators(json_object_get(body, "indicators"), out, error);
}

json_t *
intel_check(const json_t *body, char **error)
{
	json_t *out;

	*error = NULL;
	if (!json_is_object(body)) {
		*error = xstrdup("an observation must be a JSON object");
		return NULL;
	}
	out = json_object();
	if (check_fields(body, out, error) < 0) {
		json_decref(out);
		return NULL;
	}
	if (json_array_size(json_object_get(out, "indicators")) == 0 &&
	    json_is_null(json_object_get(out, "technique"))) {
		*error = xstrdup("an observation needs an indicator or a "
		    "technique");
		json_decref(out);
		return NULL;
	}
	return out;
}

/* Whether blue teams a and b share a circle of plan's (all do without). */
static int
allies(const struct plan *plan, const char *a, const char *b)
{
	size_t i, j;
	int has_a, has_b;

	if (plan->n_circles == 0)
		return 1;
	for (i = 0; i < plan->n_circles; i++) {
		has_a = has_b = 0;
		for (j = 0; j < plan->circles[i].n_teams; j++) {
			has_a |= strcmp(plan->circles[i].teams[j], a) == 0;
			has_b |= strcmp(plan->circles[i].teams[j], b) == 0;
		}
		if (has_a && has_b)
			return 1;
	}
	return 0;
}

json_t *
intel_audience(const struct plan *plan, const char *team, int tlp)
{
	json_t *to = json_array();
	size_t i;

	for (i = 0; i < plan->n_teams; i++) {
		const struct scenario_team *t = &plan->teams[i];
		int gets = strcmp(t->id, team) == 0 || t->role == ROLE_WHITE ||
		    tlp == INTEL_TLP_CLEAR || ((tlp == INTEL_TLP_AMBER ||
		    tlp == INTEL_TLP_GREEN) && t->role == ROLE_BLUE &&
		    allies(plan, team, t->id));

		if (gets)
			json_array_append_new(to, json_string(t->id));
	}
	return to;
}

int
intel_is_bundle(const json_t *doc)
{
	const char *type = json_string_value(json_object_get(doc, "type"));

	return type != NULL && strcmp(type, "bundle") == 0;
}
