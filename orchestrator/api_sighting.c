/*
 * api_sighting.c: what a trainee says it saw, as a request body gives it:
 * an ATT&CK technique and indicators ({"type", "value"}) of the truth's
 * types, each checked and normalized as observations are (indicator.c)
 * before anything journals them. Reports use it (issue 14: "reports gain an optional indicators
 * list"); detection scoring matches what it returns.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"
#include "rangectl/indicator.h"
#include "rangectl/scenario.h"
#include "rangectl/truth.h"
#include "rangectl/util.h"

static int
one_indicator(const json_t *v, size_t i, struct api_sighting *s,
    struct api_response *res)
{
	const char *type, *value, *why = NULL;
	char norm[INDICATOR_VALUE_MAX + INET6_ADDRSTRLEN];
	size_t len;

	if (json_unpack((json_t *)v, "{s:s, s:s% !}", "type", &type, "value",
	    &value, &len) < 0) {
		api_answer_error(res, 400, "'indicators[%zu]' must be an object "
		    "of a 'type' and a 'value', both strings, and nothing else", i);
		return -1;
	}
	if (indicator_type_parse(type) == INDICATOR_NONE) {
		api_answer_error(res, 400, "'indicators[%zu].type' must be one of "
		    "ipv4, ipv6, domain, url, email, md5, sha1, sha256, file_name",
		    i);
		return -1;
	}
	if (indicator_check(indicator_type_parse(type), value, len, &why) < 0) {
		api_answer_error(res, 400, "'indicators[%zu].value' is not a %s: "
		    "%s", i, type, why);
		return -1;
	}
	(void)indicator_normalize(indicator_type_parse(type), value, norm,
	    sizeof(norm));
	json_array_append_new(s->values, json_string(norm));
	s->indicators[i].type = indicator_type_name(indicator_type_parse(type));
	s->indicators[i].value = json_string_value(json_array_get(s->values,
	    i));
	return 0;
}

int
api_sighting_parse(const json_t *doc, struct api_sighting *s,
    struct api_response *res)
{
	const json_t *list = json_object_get(doc, "indicators"), *v;
	const json_t *technique = json_object_get(doc, "technique");
	const char *why;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (technique != NULL && !json_is_null(technique)) {
		if (!json_is_string(technique) || truth_technique_check(
		    json_string_value(technique), &why) < 0) {
			api_answer_error(res, 400, "'technique' must be an ATT&CK "
			    "technique id, as in T1059 or T1491.002");
			return -1;
		}
		s->technique = json_string_value(technique);
	}
	if (list == NULL || json_is_null(list))
		return 0;
	if (!json_is_array(list) || json_array_size(list) > API_INDICATORS_MAX) {
		api_answer_error(res, 400, "'indicators' must be a list of at most "
		    "%d indicators", API_INDICATORS_MAX);
		return -1;
	}
	s->indicators = xcalloc(json_array_size(list) + 1,
	    sizeof(*s->indicators));
	s->values = json_array();
	json_array_foreach(list, i, v) {
		if (one_indicator(v, i, s, res) < 0) {
			api_sighting_clear(s);
			return -1;
		}
		s->n_indicators = i + 1;
	}
	return 0;
}

void
api_sighting_clear(struct api_sighting *s)
{
	if (s == NULL)
		return;
	free(s->indicators);
	json_decref(s->values);
	memset(s, 0, sizeof(*s));
}
