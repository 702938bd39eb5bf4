/*
 * intel_stix.c: observations as a STIX 2.1 bundle, and back.
 *
 * Out: identities, indicators and the TLP 2.0 marking definitions OASIS
 * published, with ids made by UUIDv5 from the journal's data. In: the
 * indicator objects of a bundle, their patterns read by a small parser of
 * the one form rangectl writes and CERTs' tools commonly send
 * ([TYPE:PATH = 'value'] joined by OR); anything else is refused, naming
 * the object, rather than half understood. No C library of the project
 * reads STIX patterns, and the full grammar (qualifiers, AND across
 * observations, FOLLOWEDBY) means nothing for an indicator list.
 */
#include "rangectl/indicator.h"
#include "rangectl/intel.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rangectl/util.h"

/* TLP 2.0 as OASIS publishes it for STIX 2.1 (cti-stix-common-objects). */
#define TLP2_EXTENSION \
	"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#define TLP2_CREATED "2022-10-01T00:00:00.000Z"

static const struct {
	int tlp;
	const char *id;
	const char *level;	/* the extension's tlp_2_0 */
} tlp2[] = {
	{ INTEL_TLP_CLEAR,
	  "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear" },
	{ INTEL_TLP_GREEN,
	  "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green" },
	{ INTEL_TLP_AMBER,
	  "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber" },
	{ INTEL_TLP_AMBER_STRICT,
	  "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	  "amber+strict" },
	{ INTEL_TLP_RED,
	  "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red" },
};

/* rangectl's UUIDv5 namespace: uuid5(OASIS's STIX namespace, "rangectl"). */
static const unsigned char namespace_uuid[16] = {
	0x1a, 0xb7, 0x7d, 0x55, 0xfe, 0x31, 0x5e, 0x51,
	0x98, 0xff, 0xc1, 0x5f, 0xad, 0x7a, 0x88, 0x90,
};

/* The STIX paths of the truth's indicator types, by indicator_type_name(). */
static const struct {
	const char *type;
	const char *path;
} paths[] = {
	{ "ipv4", "ipv4-addr:value" },
	{ "ipv6", "ipv6-addr:value" },
	{ "domain", "domain-name:value" },
	{ "url", "url:value" },
	{ "email", "email-addr:value" },
	{ "md5", "file:hashes.MD5" },
	{ "md5", "file:hashes.'MD5'" },	/* read, never written */
	{ "sha1", "file:hashes.'SHA-1'" },
	{ "sha256", "file:hashes.'SHA-256'" },
	{ "file_name", "file:name" },
};

/* "TYPE--UUID", the UUIDv5 of name in rangectl's namespace (RFC 4122). */
static char *
stix_id(const char *type, const char *name)
{
	unsigned char digest[20];
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb);
	strbuf_appendn(&sb, (const char *)namespace_uuid, sizeof(namespace_uuid));
	strbuf_appendn(&sb, name, strlen(name));
	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, sb.data, sb.len, digest) < 0)
		memset(digest, 0, sizeof(digest));
	strbuf_free(&sb);
	digest[6] = (unsigned char)((digest[6] & 0x0f) | 0x50);
	digest[8] = (unsigned char)((digest[8] & 0x3f) | 0x80);
	strbuf_init(&sb);
	strbuf_printf(&sb, "%s--", type);
	for (i = 0; i < 16; i++)
		strbuf_printf(&sb, "%s%02x", i == 4 || i == 6 || i == 8 ||
		    i == 10 ? "-" : "", digest[i]);
	return strbuf_steal(&sb);
}

/* Unix time as RFC 3339 in UTC with milliseconds and Z. */
static json_t *
timestamp(double wall)
{
	time_t secs = (time_t)floor(wall);
	int ms = (int)floor((wall - floor(wall)) * 1000) % 1000;
	struct tm tm;
	char buf[80];

	gmtime_r(&secs, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ms < 0 ? 0 : ms);
	return json_string(buf);
}

static const char *
path_of(const char *type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++)
		if (strcmp(paths[i].type, type) == 0)
			return paths[i].path;
	return NULL;
}

/* "[PATH = 'v'] OR ..." of an observation's indicators, new; NULL: none. */
static char *
pattern_of(const json_t *indicators)
{
	const json_t *ind;
	const char *v, *path;
	struct strbuf sb;
	size_t i;

	if (json_array_size(indicators) == 0)
		return NULL;
	strbuf_init(&sb);
	json_array_foreach(indicators, i, ind) {
		path = path_of(json_string_value(json_object_get(ind, "type")));
		v = json_string_value(json_object_get(ind, "value"));
		if (path == NULL || v == NULL)
			continue;
		strbuf_printf(&sb, "%s[%s = '", sb.len ? " OR " : "", path);
		for (; *v != '\0'; v++)
			strbuf_printf(&sb, "%s%c", *v == '\'' || *v == '\\' ? "\\" :
			    "", *v);
		strbuf_printf(&sb, "']");
	}
	return strbuf_steal(&sb);
}

static json_t *
marking(size_t i)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}}}", "type",
	    "marking-definition", "spec_version", "2.1", "id", tlp2[i].id,
	    "created", TLP2_CREATED, "name", intel_tlp_name(tlp2[i].tlp),
	    "extensions", TLP2_EXTENSION, "extension_type",
	    "property-extension", "tlp_2_0", tlp2[i].level);
}

static size_t
tlp_index(int tlp)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tlp2); i++)
		if (tlp2[i].tlp == tlp)
			return i;
	return 0;
}

static json_t *
identity(const struct plan *plan, const char *team, const json_t *first)
{
	const struct scenario_team *t = plan_team(plan, team);
	char *name = xasprintf("identity/%s/%s", plan->exercise, team);
	char *id = stix_id("identity", name);
	json_t *when = timestamp(json_number_value(json_object_get(first,
	    team)));
	json_t *o = json_pack("{s:s, s:s, s:s, s:O, s:O, s:s, s:s}", "type",
	    "identity", "spec_version", "2.1", "id", id, "created", when,
	    "modified", when, "name", t != NULL && t->name != NULL ? t->name :
	    team, "identity_class", "organization");

	json_decref(when);
	free(id);
	free(name);
	return o;
}

/* An indicator object of event ev, or NULL when it has no indicators. */
static json_t *
indicator(const struct plan *plan, const json_t *ev)
{
	const char *obs = json_string_value(json_object_get(ev, "id"));
	const char *team = json_string_value(json_object_get(ev, "team"));
	const char *technique = json_string_value(json_object_get(ev,
	    "technique"));
	const char *text = json_string_value(json_object_get(ev, "text"));
	double wall = json_number_value(json_object_get(ev, "wall"));
	double lag = json_number_value(json_object_get(ev, "t")) -
	    json_number_value(json_object_get(ev, "seen"));
	char *pattern = pattern_of(json_object_get(ev, "indicators"));
	char *name, *id, *who;
	json_t *o, *when;

	if (pattern == NULL || obs == NULL || team == NULL)
		return free(pattern), NULL;
	name = xasprintf("indicator/%s/%s", plan->exercise, obs);
	id = stix_id("indicator", name);
	free(name);
	name = xasprintf("identity/%s/%s", plan->exercise, team);
	who = stix_id("identity", name);
	when = timestamp(wall);
	o = json_pack("{s:s, s:s, s:s, s:O, s:O, s:s, s:s, s:s, s:s, s:s, s:o, "
	    "s:[s]}", "type", "indicator", "spec_version", "2.1", "id", id,
	    "created", when, "modified", when, "created_by_ref", who, "name",
	    obs, "pattern", pattern, "pattern_type", "stix", "pattern_version",
	    "2.1", "valid_from", timestamp(wall - (lag > 0 ? lag : 0)),
	    "object_marking_refs", tlp2[tlp_index(intel_tlp_parse(
	    json_string_value(json_object_get(ev, "tlp"))))].id);
	if (text != NULL)
		json_object_set_new(o, "description", json_string(text));
	if (technique != NULL)
		json_object_set_new(o, "external_references", json_pack("[{s:s, "
		    "s:s}]", "source_name", "mitre-attack", "external_id",
		    technique));
	json_decref(when);
	free(who);
	free(id);
	free(name);
	free(pattern);
	return o;
}

json_t *
intel_stix_export(const struct plan *plan, const json_t *events,
    const json_t *first)
{
	json_t *objects = json_array(), *teams = json_object(), *o, *bundle;
	bool used[ARRAY_SIZE(tlp2)] = { false };
	const json_t *ev;
	struct strbuf names;
	const char *team;
	char *id;
	size_t i;

	strbuf_init(&names);
	strbuf_printf(&names, "bundle/%s", plan->exercise);
	json_array_foreach(events, i, ev) {
		if ((o = indicator(plan, ev)) == NULL)
			continue;
		team = json_string_value(json_object_get(ev, "team"));
		if (json_object_get(teams, team) == NULL) {
			json_object_set_new(teams, team, json_true());
			json_array_append_new(objects, identity(plan, team, first));
		}
		used[tlp_index(intel_tlp_parse(json_string_value(json_object_get(
		    ev, "tlp"))))] = true;
		strbuf_printf(&names, "/%s", json_string_value(json_object_get(o,
		    "id")));
		json_array_append_new(objects, o);
	}
	for (i = 0; i < ARRAY_SIZE(tlp2); i++)
		if (used[i])
			json_array_append_new(objects, marking(i));
	id = stix_id("bundle", names.data ? names.data : "");
	bundle = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id", id,
	    "objects", objects);
	free(id);
	strbuf_free(&names);
	json_decref(teams);
	return bundle;
}

/* ---- reading a bundle ---------------------------------------------------- */

struct reader {
	const char *p;
	const char *why;	/* what is wrong where p stands */
};

static void
blanks(struct reader *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

/* Whether the word w (OR) comes next, followed by a blank or '['. */
static int
word(struct reader *r, const char *w)
{
	size_t n = strlen(w);

	blanks(r);
	if (strncmp(r->p, w, n) != 0 || (r->p[n] != ' ' && r->p[n] != '[' &&
	    r->p[n] != '\t'))
		return 0;
	r->p += n;
	return 1;
}

/* A quoted string's text into sb; -1 with r->why. */
static int
literal(struct reader *r, struct strbuf *sb)
{
	if (*r->p != '\'')
		return r->why = "a comparison must be with a quoted string", -1;
	for (r->p++; *r->p != '\''; r->p++) {
		if (*r->p == '\0')
			return r->why = "a string is not closed", -1;
		if (*r->p == '\\') {
			r->p++;
			if (*r->p != '\'' && *r->p != '\\')
				return r->why = "a string holds an escape other than "
				    "\\' and \\\\", -1;
		}
		strbuf_appendn(sb, r->p, 1);
	}
	r->p++;
	return 0;
}

/* PATH = 'value', appended to indicators; -1 with r->why. */
static int
comparison(struct reader *r, json_t *indicators)
{
	const char *start, *type = NULL;
	struct strbuf sb;
	size_t i, n;

	blanks(r);
	start = r->p;
	while (*r->p != '\0' && *r->p != ' ' && *r->p != '=' && *r->p != ']' &&
	    *r->p != '\t')
		r->p++;
	n = (size_t)(r->p - start);
	for (i = 0; i < ARRAY_SIZE(paths) && type == NULL; i++)
		if (strlen(paths[i].path) == n && strncmp(paths[i].path, start,
		    n) == 0)
			type = paths[i].type;
	if (type == NULL) {
		r->p = start;	/* the error points at the path */
		return r->why = "it compares a property rangectl does not read "
		    "(ipv4-addr:value, ipv6-addr:value, domain-name:value, "
		    "url:value, email-addr:value, file:hashes.MD5, "
		    "file:hashes.'SHA-1', file:hashes.'SHA-256', file:name)", -1;
	}
	blanks(r);
	if (*r->p != '=')
		return r->why = "a comparison must be '=' (no other operator is "
		    "read)", -1;
	r->p++;
	blanks(r);
	strbuf_init(&sb);
	if (literal(r, &sb) < 0 || json_array_size(indicators) >=
	    INTEL_INDICATORS_MAX || sb.len > INDICATOR_VALUE_MAX) {
		if (r->why == NULL)
			r->why = "it compares too many or too long values";
		strbuf_free(&sb);
		return -1;
	}
	json_array_append_new(indicators, json_pack("{s:s, s:s%}", "type", type,
	    "value", sb.data ? sb.data : "", sb.len));
	strbuf_free(&sb);
	return 0;
}

/* [cmp OR cmp ...] OR [...]: the indicators, or -1 with r->why. */
static int
pattern(struct reader *r, json_t *indicators)
{
	do {
		blanks(r);
		if (*r->p != '[')
			return r->why = "an observation expression must begin with "
			    "'['", -1;
		r->p++;
		do {
			if (comparison(r, indicators) < 0)
				return -1;
		} while (word(r, "OR"));
		blanks(r);
		if (*r->p != ']')
			return r->why = "only comparisons joined by OR are read "
			    "(no AND, no qualifiers)", -1;
		r->p++;
	} while (word(r, "OR"));
	blanks(r);
	if (*r->p != '\0')
		return r->why = "only observation expressions joined by OR are "
		    "read (no AND, FOLLOWEDBY or qualifiers)", -1;
	return 0;
}

/* The most restrictive TLP 2.0 marking among o's, or AMBER+STRICT. */
static int
tlp_of(const json_t *o)
{
	const json_t *refs = json_object_get(o, "object_marking_refs"), *ref;
	int tlp = INTEL_TLP_NONE;
	size_t i, k;

	json_array_foreach(refs, i, ref)
		for (k = 0; k < ARRAY_SIZE(tlp2); k++)
			if (json_is_string(ref) && strcmp(json_string_value(ref),
			    tlp2[k].id) == 0 && (tlp == INTEL_TLP_NONE ||
			    tlp2[k].tlp < tlp))
				tlp = tlp2[k].tlp;
	return tlp == INTEL_TLP_NONE ? INTEL_TLP_AMBER_STRICT : tlp;
}

/* An ATT&CK id among o's external references, or NULL. */
static const char *
technique_of(const json_t *o)
{
	const json_t *ref;
	const char *source;
	size_t i;

	json_array_foreach(json_object_get(o, "external_references"), i, ref) {
		source = json_string_value(json_object_get(ref, "source_name"));
		if (source != NULL && strcmp(source, "mitre-attack") == 0 &&
		    json_is_string(json_object_get(ref, "external_id")))
			return json_string_value(json_object_get(ref,
			    "external_id"));
	}
	return NULL;
}

/* objects[i], an indicator, as an observation; NULL with *error. */
static json_t *
observation(const json_t *o, size_t i, char **error)
{
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *ptype = json_string_value(json_object_get(o,
	    "pattern_type"));
	const char *text = json_string_value(json_object_get(o, "pattern"));
	struct reader r = { .p = text };
	json_t *indicators = json_array(), *obs;

	if (ptype == NULL || strcmp(ptype, "stix") != 0 || text == NULL) {
		*error = xasprintf("indicator '%.80s' (objects[%zu]) must have a "
		    "pattern of pattern_type stix", id ? id : "?", i);
		json_decref(indicators);
		return NULL;
	}
	if (pattern(&r, indicators) < 0) {
		*error = xasprintf("indicator '%.80s' (objects[%zu]): its pattern "
		    "is not read at character %zu: %s", id ? id : "?", i,
		    (size_t)(r.p - text) + 1, r.why);
		json_decref(indicators);
		return NULL;
	}
	obs = json_pack("{s:s, s:o}", "tlp", intel_tlp_name(tlp_of(o)),
	    "indicators", indicators);
	if (technique_of(o) != NULL)
		json_object_set_new(obs, "technique", json_string(technique_of(o)));
	if (json_is_string(json_object_get(o, "description")))
		json_object_set(obs, "text", json_object_get(o, "description"));
	return obs;
}

json_t *
intel_stix_import(const json_t *bundle, char **error)
{
	const json_t *objects = json_object_get(bundle, "objects"), *o;
	const char *type;
	json_t *out, *obs;
	size_t i;

	*error = NULL;
	if (!intel_is_bundle(bundle) || !json_is_array(objects)) {
		*error = xstrdup("a STIX bundle must be an object of type bundle "
		    "with a list of objects");
		return NULL;
	}
	if (json_array_size(objects) > INTEL_STIX_OBJECTS_MAX) {
		*error = xasprintf("the bundle holds %zu objects, and rangectl "
		    "takes at most %d", json_array_size(objects),
		    INTEL_STIX_OBJECTS_MAX);
		return NULL;
	}
	out = json_array();
	json_array_foreach(objects, i, o) {
		type = json_string_value(json_object_get(o, "type"));
		if (type == NULL) {
			*error = xasprintf("objects[%zu] is not a STIX object: it has "
			    "no type", i);
			break;
		}
		if (strcmp(type, "indicator") != 0)
			continue;	/* identities, markings...: not observations */
		if (json_array_size(out) == INTEL_IMPORT_MAX) {
			*error = xasprintf("the bundle holds more than %d indicators, "
			    "the most rangectl takes at once", INTEL_IMPORT_MAX);
			break;
		}
		if ((obs = observation(o, i, error)) == NULL)
			break;
		json_array_append_new(out, obs);
	}
	if (*error == NULL && json_array_size(out) == 0)
		*error = xstrdup("the bundle holds no indicator");
	if (*error != NULL) {
		json_decref(out);
		return NULL;
	}
	return out;
}
