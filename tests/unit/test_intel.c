/*
 * test_intel.c: an observation's checks and normal form, who receives it
 * by its TLP and the coalition's circles, and its STIX 2.1 form (ids
 * checked against Python's uuid.uuid5, computed apart from this code).
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/intel.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

static struct scenario_team teams[] = {
	{ .id = (char *)"ro", .role = ROLE_BLUE, .name = (char *)"Romania" },
	{ .id = (char *)"md", .role = ROLE_BLUE, .name = (char *)"Moldova" },
	{ .id = (char *)"ua", .role = ROLE_BLUE, .name = (char *)"Ukraine" },
	{ .id = (char *)"red", .role = ROLE_RED },
	{ .id = (char *)"white", .role = ROLE_WHITE },
};
static char *west[] = { (char *)"ro", (char *)"ua" };
static char *east[] = { (char *)"md", (char *)"ua" };
static struct plan_circle circles[] = {
	{ (char *)"west", west, 2 }, { (char *)"east", east, 2 },
};

/* The ids intel_audience() gives, space-separated (new). */
static char *
audience(const struct plan *plan, const char *team, int tlp)
{
	json_t *to = intel_audience(plan, team, tlp), *v;
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb);
	json_array_foreach(to, i, v)
		strbuf_printf(&sb, "%s%s", i ? " " : "", json_string_value(v));
	json_decref(to);
	return sb.data ? strbuf_steal(&sb) : xstrdup("");
}

#define AUDIENCE(plan, team, tlp, want)					\
	do {								\
		char *got_ = audience(plan, team, tlp);			\
		CHECK_STR_EQ(got_, want);				\
		free(got_);						\
	} while (0)

TEST(the_audience_follows_the_tlp_and_the_circles)
{
	struct plan plan = { .exercise = (char *)"fz", .teams = teams,
		.n_teams = 5, .circles = circles, .n_circles = 2 };

	AUDIENCE(&plan, "ro", INTEL_TLP_RED, "ro white");
	AUDIENCE(&plan, "ro", INTEL_TLP_AMBER_STRICT, "ro white");
	AUDIENCE(&plan, "ro", INTEL_TLP_AMBER, "ro ua white");
	AUDIENCE(&plan, "md", INTEL_TLP_GREEN, "md ua white");
	AUDIENCE(&plan, "ua", INTEL_TLP_AMBER, "ro md ua white");
	AUDIENCE(&plan, "ro", INTEL_TLP_CLEAR, "ro md ua red white");
	/* Without coalition:, every blue team is one circle. */
	plan.n_circles = 0;
	AUDIENCE(&plan, "ro", INTEL_TLP_AMBER, "ro md ua white");
	AUDIENCE(&plan, "ro", INTEL_TLP_RED, "ro white");
}

TEST(tlp_names_round_trip)
{
	int i;

	for (i = INTEL_TLP_RED; i <= INTEL_TLP_CLEAR; i++)
		CHECK_INT_EQ(intel_tlp_parse(intel_tlp_name(i)), i);
	CHECK_INT_EQ(intel_tlp_parse("TLP:WHITE"), INTEL_TLP_NONE);
	CHECK_INT_EQ(intel_tlp_parse("tlp:red"), INTEL_TLP_NONE);
	CHECK_INT_EQ(intel_tlp_parse(NULL), INTEL_TLP_NONE);
}

/* intel_check() of text: its output compact, or "error: ..." (new). */
static char *
checked(const char *text)
{
	json_t *in = json_loads(text, JSON_ALLOW_NUL, NULL), *out;
	char *error = NULL, *s;

	out = intel_check(in, &error);
	json_decref(in);
	if (out == NULL) {
		s = xasprintf("error: %s", error);
		free(error);
		return s;
	}
	s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(out);
	return s;
}

#define CHECKED(text, want)						\
	do {								\
		char *got_ = checked(text);				\
		CHECK_STR_EQ(got_, want);				\
		free(got_);						\
	} while (0)

TEST(an_observation_is_checked_and_normalized)
{
	CHECKED("{\"tlp\":\"TLP:AMBER\",\"indicators\":[{\"type\":\"sha1\","
	    "\"value\":\"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709\"},{\"type\":"
	    "\"ipv6\",\"value\":\"2001:DB8:0::1\"},{\"type\":\"email\",\"value\":"
	    "\"Boss@Phish.EXAMPLE\"},{\"type\":\"domain\",\"value\":\"A.Example\"}]}",
	    "{\"indicators\":[{\"type\":\"sha1\",\"value\":"
	    "\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"},{\"type\":\"ipv6\","
	    "\"value\":\"2001:db8::1\"},{\"type\":\"email\",\"value\":"
	    "\"boss@phish.example\"},{\"type\":\"domain\",\"value\":\"a.example\"}],"
	    "\"seen\":null,\"technique\":null,\"text\":null,\"tlp\":\"TLP:AMBER\"}");
	CHECKED("{\"tlp\":\"TLP:RED\",\"technique\":\"T1110\",\"seen\":5}",
	    "{\"indicators\":[],\"seen\":5.0,\"technique\":\"T1110\",\"text\":null,"
	    "\"tlp\":\"TLP:RED\"}");
	CHECKED("{\"tlp\":\"TLP:RED\"}",
	    "error: an observation needs an indicator or a technique");
	CHECKED("{\"tlp\":\"TLP:RED\",\"technique\":\"T1110\",\"seen\":-1}",
	    "error: 'seen' must be the exercise's seconds when it was seen, 0 or "
	    "more");
	CHECKED("{\"tlp\":\"TLP:RED\",\"indicators\":[{\"type\":\"ipv4\","
	    "\"value\":\"1.2.3.4\\u0000x\"}]}",
	    "error: 'indicators[0].value' '1.2.3.4' is not a ipv4: it holds a "
	    "NUL");
	CHECKED("{\"tlp\":\"TLP:RED\",\"indicators\":[{\"type\":\"md5\","
	    "\"value\":\"abc\"}]}", "error: 'indicators[0].value' 'abc' is not a "
	    "md5: expected 32 hex digits");
	CHECKED("[]", "error: an observation must be a JSON object");
}

/* {"tlp":"TLP:RED","indicators":[{"type":"url","value":URL}]}, URL being
 * "http://a.example/" and path bytes of 'x' (new). */
static char *
url_body(size_t path)
{
	char *url = xcalloc(1, path + 32), *s;

	memcpy(url, "HTTP://A.Example/", 17);
	memset(url + 17, 'x', path);
	s = xasprintf("{\"tlp\":\"TLP:RED\",\"indicators\":[{\"type\":"
	    "\"url\",\"value\":\"%s\"}]}", url);
	free(url);
	return s;
}

TEST(an_indicator_is_at_most_1024_bytes_and_a_url_head_is_lowercased)
{
	char *body = url_body(1024 - 17), *got;

	got = checked(body);
	CHECK(strstr(got, "\"value\":\"http://a.example/xxx") != NULL);
	free(got);
	free(body);
	body = url_body(1024 - 16);
	got = checked(body);
	CHECK(strncmp(got, "error: 'indicators[0].value' 'HTTP://A.Example/x",
	    48) == 0);
	CHECK(strstr(got, "is not a url: it is over 1024 bytes") != NULL);
	free(got);
	free(body);
}

/* intel_stix_import() of text: "TLP pattern-free summary", or "error: ..." */
static char *
imported(const char *text)
{
	json_t *in = json_loads(text, 0, NULL), *out;
	char *error = NULL, *s;

	out = intel_stix_import(in, &error);
	json_decref(in);
	if (out == NULL) {
		s = xasprintf("error: %s", error);
		free(error);
		return s;
	}
	s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(out);
	return s;
}

#define BUNDLE(pattern, refs)						\
	"{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[{\"type\":"	\
	"\"indicator\",\"id\":\"indicator--9\",\"pattern_type\":\"stix\","	\
	"\"pattern\":\"" pattern "\"" refs "}]}"
#define AMBER ",\"object_marking_refs\":[\"marking-definition--" \
	"55d920b0-5e8b-4f79-9ee9-91f868d9b421\",\"marking-definition--" \
	"bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]"

#define IMPORTED(text, want)						\
	do {								\
		char *got_ = imported(text);				\
		CHECK_STR_EQ(got_, want);				\
		free(got_);						\
	} while (0)

TEST(stix_patterns_of_the_simple_forms_are_read)
{
	IMPORTED(BUNDLE("[ipv4-addr:value = '1.2.3.4' OR url:value = "
	    "'http://a/it\\\\'s'] OR [file:hashes.'SHA-256' = 'AB']", AMBER),
	    "[{\"indicators\":[{\"type\":\"ipv4\",\"value\":\"1.2.3.4\"},{\"type\":"
	    "\"url\",\"value\":\"http://a/it's\"},{\"type\":\"sha256\",\"value\":"
	    "\"AB\"}],\"tlp\":\"TLP:AMBER\"}]");
	/* No marking: kept in the team. */
	IMPORTED(BUNDLE("[file:name='x.exe']", ""), "[{\"indicators\":[{\"type\":"
	    "\"file_name\",\"value\":\"x.exe\"}],\"tlp\":\"TLP:AMBER+STRICT\"}]");
	IMPORTED(BUNDLE("[ipv4-addr:value != '1.2.3.4']", ""), "error: indicator "
	    "'indicator--9' (objects[0]): its pattern is not read at character "
	    "18: a comparison must be '=' (no other operator is read)");
	IMPORTED(BUNDLE("[ipv4-addr:value = '1' OR]", ""), "error: indicator "
	    "'indicator--9' (objects[0]): its pattern is not read at character "
	    "24: only comparisons joined by OR are read (no AND, no qualifiers)");
	IMPORTED(BUNDLE("[ipv4-addr:value = '1' OR x:y = '2']", ""), "error: "
	    "indicator 'indicator--9' (objects[0]): its pattern is not read at "
	    "character 27: it compares a property rangectl does not read "
	    "(ipv4-addr:value, ipv6-addr:value, domain-name:value, url:value, "
	    "email-addr:value, file:hashes.MD5, file:hashes.'SHA-1', "
	    "file:hashes.'SHA-256', file:name)");
	IMPORTED(BUNDLE("[url:value = 'a\\\\x']", ""), "error: indicator "
	    "'indicator--9' (objects[0]): its pattern is not read at character "
	    "17: a string holds an escape other than \\' and \\\\");
	IMPORTED("{\"type\":\"bundle\",\"objects\":{}}", "error: a STIX bundle "
	    "must be an object of type bundle with a list of objects");
}

TEST(the_export_is_stix_with_uuid5_ids_and_oasis_markings)
{
	struct plan plan = { .exercise = (char *)"fz", .teams = teams,
		.n_teams = 5 };
	json_t *events = json_pack("[{s:s, s:s, s:s, s:n, s:s, s:[{s:s, s:s}], "
	    "s:s, s:f, s:f, s:f}]", "type", "intel", "id", "ro-o1", "team", "ro",
	    "technique", "tlp", "TLP:GREEN", "indicators", "type", "domain",
	    "value", "it's.example", "text", "x", "seen", 10.0, "t", 70.0, "wall",
	    1795879371.25);
	json_t *first = json_pack("{s:f}", "ro", 1795879371.25);
	json_t *bundle = intel_stix_export(&plan, events, first);
	json_t *objects = json_object_get(bundle, "objects");
	const json_t *ind = json_array_get(objects, 1);

	CHECK_INT_EQ(json_array_size(objects), 3);
	/* uuid.uuid5(uuid.UUID('1ab77d55-...'), 'identity/fz/ro') in Python */
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(objects, 0),
	    "id")), "identity--948c2a2a-1a54-570d-840c-ba0a1ce8c451");
	CHECK_STR_EQ(json_string_value(json_object_get(ind, "id")),
	    "indicator--ba361a2a-0cc1-5831-9e98-a73984c5f221");
	CHECK_STR_EQ(json_string_value(json_object_get(ind, "pattern")),
	    "[domain-name:value = 'it\\'s.example']");
	CHECK_STR_EQ(json_string_value(json_object_get(ind, "created")),
	    "2026-11-28T15:22:51.250Z");
	/* Seen a minute before it was recorded. */
	CHECK_STR_EQ(json_string_value(json_object_get(ind, "valid_from")),
	    "2026-11-28T15:21:51.250Z");
	CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(ind,
	    "object_marking_refs"), 0)),
	    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb");
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(objects, 2),
	    "name")), "TLP:GREEN");
	json_decref(bundle);
	json_decref(first);
	json_decref(events);
}

