/*
 * test_detect.c: detection, sharing, early warnings and false reports
 * measured against the truth (detect.c), event by event.
 */
#include "harness.h"

#include <jansson.h>

#include "rangectl/detect.h"
#include "rangectl/intel.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"

static const struct detect_indicator red_ip[] = {
	{ INDICATOR_IPV4, "10.9.0.5" },
};
static const struct detect_indicator ro_row[] = {
	{ INDICATOR_IPV4, "10.9.0.5" },
	{ INDICATOR_URL, "http://10.1.1.10/index.html" },
};
static const struct detect_indicator ua_row[] = {
	{ INDICATOR_IPV4, "10.9.0.5" },
	{ INDICATOR_URL, "http://10.3.1.10/index.html" },
};

static struct detect_sighting
sighting(const char *id, const char *team, double t,
    const struct detect_indicator *ind, size_t n)
{
	return (struct detect_sighting){ .id = id, .team = team, .t = t,
	    .indicators = ind, .n_indicators = n };
}

TEST(keys_compare_addresses_as_addresses_and_hashes_without_case)
{
	char a[DETECT_KEY_MAX], b[DETECT_KEY_MAX];

	CHECK_STR_EQ(detect_key(INDICATOR_IPV6, "0:0::1", a),
	    detect_key(INDICATOR_IPV6, "::1", b));
	CHECK_STR_EQ(detect_key(INDICATOR_SHA256, "9F86D0AB", a),
	    "sha256:9f86d0ab");
	CHECK_STR_EQ(detect_key(INDICATOR_DOMAIN, "WWW.RO.example", a),
	    "domain:www.ro.example");
	/* A URL's path is case-sensitive: kept as written. */
	CHECK_STR_EQ(detect_key(INDICATOR_URL, "http://x/Index", a),
	    "url:http://x/Index");
	/* Its scheme and host are not. */
	CHECK_STR_EQ(detect_key(INDICATOR_URL, "HTTP://X.Example:80/Index?Q", a),
	    "url:http://x.example:80/Index?Q");
	CHECK(strcmp(detect_key(INDICATOR_IPV4, "10.9.0.5", a),
	    detect_key(INDICATOR_DOMAIN, "10.9.0.5", b)) != 0);
}

/*
 * An e-mail address is matched without case, its local part too: RFC 5321
 * lets a mailbox's local part be case-sensitive, but the mail systems
 * attackers use deliver "Boss@" and "boss@" alike, so a team naming
 * either has seen the same sender.
 */
TEST(an_email_is_matched_without_case_in_its_local_part_too)
{
	static const struct detect_indicator truth[] = {
		{ INDICATOR_EMAIL, "boss@phish.example" },
	};
	static const struct detect_indicator saw[] = {
		{ INDICATOR_EMAIL, "BOSS@Phish.Example" },
	};
	struct detect_rules rules = { .points = 100 };
	struct detect_ledger l;
	struct detect_sighting s = sighting("o1", "ro", 200, saw, 1);
	char a[DETECT_KEY_MAX];

	CHECK_STR_EQ(detect_key(INDICATOR_EMAIL, "Boss@Phish.EXAMPLE", a),
	    "email:boss@phish.example");
	detect_init(&l, &rules);
	detect_attack(&l, "phish", "ro", NULL, truth, 1);
	detect_fired(&l, "phish", "ro", 100);
	CHECK_INT_EQ(detect_sighting(&l, &s), 1);
	CHECK_INT_EQ(detect_team_of(&l, "ro")->false_indicators, 0);
	detect_clear(&l);
}

/*
 * A report's indicator (detect_key at matching) and an observation's
 * (intel_check at posting, then detect_key) meet in the same key: one
 * normal form, indicator_normalize(), serves both.
 */
TEST(a_sighting_key_is_the_key_of_the_observation_intel_keeps)
{
	static const struct detect_indicator given[] = {
		{ INDICATOR_IPV4, "10.9.0.5" },
		{ INDICATOR_IPV6, "2001:DB8:0:0::1" },
		{ INDICATOR_DOMAIN, "Evil.Example" },
		{ INDICATOR_URL, "HTTPS://Evil.Example/Drop/X.exe" },
		{ INDICATOR_EMAIL, "Ceo@Corp.Example" },
		{ INDICATOR_MD5, "D41D8CD98F00B204E9800998ECF8427E" },
		{ INDICATOR_FILE_NAME, "Evil.EXE" },
	};
	char a[DETECT_KEY_MAX], b[DETECT_KEY_MAX], *error = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(given); i++) {
		json_t *body = json_pack("{s:s, s:[{s:s, s:s}]}", "tlp",
		    "TLP:RED", "indicators", "type", indicator_type_name(
		    given[i].type), "value", given[i].value);
		json_t *kept = intel_check(body, &error);
		const char *v;

		CHECK(kept != NULL);
		if (kept == NULL) {
			json_decref(body);
			free(error);
			continue;
		}
		v = json_string_value(json_object_get(json_array_get(
		    json_object_get(kept, "indicators"), 0), "value"));
		CHECK_STR_EQ(detect_key(given[i].type, given[i].value, a),
		    detect_key(given[i].type, v, b));
		/* and the kept value is already the key's. */
		CHECK_STR_EQ(strchr(a, ':') + 1, v);
		json_decref(kept);
		json_decref(body);
	}
}

TEST(detection_counts_only_after_the_attack_hit_and_decays)
{
	struct detect_rules rules = { .points = 100, .half_life = 600 };
	struct detect_ledger l;
	struct detect_sighting early = sighting("o1", "ro", 50, red_ip, 1);
	struct detect_sighting late = sighting("o2", "ro", 700, red_ip, 1);

	detect_init(&l, &rules);
	detect_attack(&l, "deface", "ro", "T1491.002", ro_row, 2);
	CHECK_INT_EQ(detect_sighting(&l, &early), 0);	/* not fired yet */
	detect_fired(&l, "deface", "ro", 100);
	CHECK_INT_EQ(detect_sighting(&l, &late), 1);
	CHECK(l.attacks[0].detected == 700);
	CHECK_STR_EQ(l.attacks[0].detected_by, "o2");
	CHECK_INT_EQ(l.attacks[0].points, 50);	/* one half-life late */
	CHECK_INT_EQ(detect_team_of(&l, "ro")->points, 50);
	CHECK_INT_EQ(detect_team_of(&l, "ro")->false_indicators, 0);
	CHECK(!detect_missed(&l.attacks[0]));
	detect_clear(&l);
}

TEST(sharing_follows_detection_and_scores_once)
{
	struct detect_rules rules = { .points = 10, .sharing = 5 };
	const char *allies[] = { "md" };
	struct detect_ledger l;
	struct detect_sighting own = sighting("o1", "ro", 200, ro_row + 1, 1);
	struct detect_sighting share = sighting("o2", "ro", 260, red_ip, 1);

	share.to = allies;
	share.n_to = 1;
	detect_init(&l, &rules);
	detect_attack(&l, "deface", "ro", NULL, ro_row, 2);
	detect_fired(&l, "deface", "ro", 100);
	detect_sighting(&l, &own);
	CHECK(l.attacks[0].shared < 0);
	detect_sighting(&l, &share);
	detect_sighting(&l, &share);
	CHECK(l.attacks[0].detected == 200);
	CHECK(l.attacks[0].shared == 260);
	CHECK_INT_EQ(detect_team_of(&l, "ro")->points, 15);
	detect_clear(&l);
}

TEST(an_ally_warned_before_the_attack_hit_earns_its_points)
{
	struct detect_rules rules = { .early_warning = 30 };
	const char *allies[] = { "ro", "md" };
	struct detect_ledger l;
	struct detect_sighting share = sighting("o1", "ua", 150, red_ip, 1);

	share.to = allies;
	share.n_to = 2;
	detect_init(&l, &rules);
	detect_attack(&l, "deface", "ua", NULL, ua_row, 2);
	detect_attack(&l, "deface", "ro", NULL, ro_row, 2);
	detect_attack(&l, "deface", "md", NULL, red_ip, 1);
	detect_fired(&l, "deface", "ua", 100);
	detect_fired(&l, "deface", "md", 120);	/* hit before the share */
	detect_sighting(&l, &share);
	CHECK(l.attacks[0].detected == 150);	/* ua's own detection */
	detect_fired(&l, "deface", "ro", 300);
	CHECK(l.attacks[1].warned == 150);
	CHECK_STR_EQ(l.attacks[1].warned_by, "ua");
	CHECK(l.attacks[2].warned < 0);	/* md was hit first: no warning */
	CHECK_INT_EQ(detect_team_of(&l, "ua")->warnings, 1);
	CHECK_INT_EQ(detect_team_of(&l, "ua")->points, 30);
	CHECK(detect_missed(&l.attacks[1]));
	CHECK(detect_missed(&l.attacks[2]));
	detect_clear(&l);
}

TEST(a_share_that_never_reached_a_team_warns_nobody)
{
	struct detect_rules rules = { .early_warning = 30 };
	const char *allies[] = { "md" };
	struct detect_ledger l;
	struct detect_sighting share = sighting("o1", "ua", 150, red_ip, 1);

	share.to = allies;
	share.n_to = 1;
	detect_init(&l, &rules);
	detect_attack(&l, "deface", "ro", NULL, ro_row, 2);
	detect_sighting(&l, &share);
	detect_fired(&l, "deface", "ro", 300);
	CHECK(l.attacks[0].warned < 0);
	CHECK_INT_EQ(detect_team_of(&l, "ua")->points, 0);
	detect_clear(&l);
}

TEST(indicators_that_match_no_attack_on_the_team_are_false)
{
	struct detect_rules rules = { .false_indicator = 2 };
	const struct detect_indicator wrong[] = {
		{ INDICATOR_IPV4, "10.9.0.99" },
		{ INDICATOR_URL, "http://10.3.1.10/index.html" },	/* ua's */
		{ INDICATOR_IPV4, "10.9.0.5" },
	};
	struct detect_ledger l;
	struct detect_sighting s = sighting("r1", "ro", 200, wrong, 3);

	detect_init(&l, &rules);
	detect_attack(&l, "deface", "ro", NULL, ro_row, 2);
	detect_attack(&l, "deface", "ua", NULL, ua_row, 2);
	detect_fired(&l, "deface", "ro", 100);
	CHECK_INT_EQ(detect_sighting(&l, &s), 1);
	CHECK_INT_EQ(detect_team_of(&l, "ro")->false_indicators, 2);
	CHECK_INT_EQ(detect_team_of(&l, "ro")->points, -4);
	CHECK_INT_EQ(detect_team_of(&l, "ro")->sightings, 1);
	detect_clear(&l);
}

TEST(a_truth_without_indicators_is_matched_by_its_technique)
{
	struct detect_ledger l;
	struct detect_sighting parent = sighting("o1", "ro", 200, NULL, 0);
	struct detect_sighting other = sighting("o2", "ro", 210, NULL, 0);

	parent.technique = "T1491";
	other.technique = "T1491.001";
	detect_init(&l, NULL);
	detect_attack(&l, "deface", "ro", "T1491.002", NULL, 0);
	detect_attack(&l, "scan", "ro", "T1046", red_ip, 1);
	detect_fired(&l, "deface", "ro", 100);
	detect_fired(&l, "scan", "ro", 100);
	CHECK_INT_EQ(detect_sighting(&l, &other), 0);	/* a sibling */
	CHECK_INT_EQ(detect_sighting(&l, &parent), 1);
	CHECK(l.attacks[0].detected == 210 || l.attacks[0].detected == 200);
	CHECK_STR_EQ(l.attacks[0].detected_by, "o1");
	/* The scan has an indicator: its technique alone does not find it. */
	parent.technique = "T1046";
	CHECK_INT_EQ(detect_sighting(&l, &parent), 0);
	CHECK(detect_missed(&l.attacks[1]));
	detect_clear(&l);
}

TEST(the_json_has_the_matrix_the_timeline_and_coverage)
{
	struct detect_rules rules = { .points = 10 };
	const char *allies[] = { "ro" };
	struct detect_ledger l;
	struct detect_sighting share = sighting("o1", "ua", 150, red_ip, 1);
	json_t *j, *teams, *timeline;
	char *text;

	share.to = allies;
	share.n_to = 1;
	detect_init(&l, &rules);
	detect_team(&l, "ro");
	detect_team(&l, "md");
	detect_team(&l, "ua");
	detect_attack(&l, "deface", "ua", "T1491.002", ua_row, 2);
	detect_attack(&l, "deface", "ro", "T1491.002", ro_row, 2);
	detect_fired(&l, "deface", "ua", 100);
	detect_sighting(&l, &share);
	detect_fired(&l, "deface", "ro", 300);
	j = detect_to_json(&l);
	teams = json_object_get(j, "teams");
	CHECK_INT_EQ(json_array_size(teams), 3);
	CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(teams, 0),
	    "id")), "ro");
	CHECK_INT_EQ(json_integer_value(json_object_get(
	    json_array_get(teams, 0), "warned")), 1);
	CHECK_INT_EQ(json_integer_value(json_object_get(
	    json_array_get(teams, 0), "missed")), 1);
	CHECK_INT_EQ(json_integer_value(json_object_get(
	    json_array_get(teams, 2), "detected")), 1);
	timeline = json_object_get(j, "timeline");
	text = json_dumps(timeline, JSON_COMPACT | JSON_REAL_PRECISION(6));
	CHECK_STR_EQ(text, "[{\"t\":100.0,\"what\":\"fired\",\"inject\":\"deface\","
	    "\"team\":\"ua\"},{\"t\":150.0,\"what\":\"detected\",\"inject\":"
	    "\"deface\",\"team\":\"ua\"},{\"t\":150.0,\"what\":\"shared\","
	    "\"inject\":\"deface\",\"team\":\"ua\"},{\"t\":150.0,\"what\":"
	    "\"warned\",\"inject\":\"deface\",\"team\":\"ro\"},{\"t\":300.0,"
	    "\"what\":\"fired\",\"inject\":\"deface\",\"team\":\"ro\"}]");
	free(text);
	text = json_dumps(json_object_get(j, "coverage"), JSON_COMPACT);
	CHECK_STR_EQ(text, "[{\"team\":\"ro\",\"techniques\":[{\"id\":\"T1491.002\","
	    "\"attacks\":1,\"detected\":0}]},{\"team\":\"md\",\"techniques\":[]},"
	    "{\"team\":\"ua\",\"techniques\":[{\"id\":\"T1491.002\",\"attacks\":1,"
	    "\"detected\":1}]}]");
	free(text);
	json_decref(j);
	detect_clear(&l);
}

TEST(clearing_nothing_is_safe)
{
	struct detect_ledger l;

	detect_clear(NULL);
	detect_init(&l, NULL);
	detect_clear(&l);
	detect_clear(&l);
}

TEST(a_restored_ledger_answers_and_goes_on_as_the_first)
{
	struct detect_rules rules = { .points = 100, .half_life = 600,
	    .sharing = 5, .early_warning = 30, .false_indicator = 1 };
	const char *allies[] = { "ro" };
	const struct detect_indicator junk[] = { { INDICATOR_IPV4, "1.2.3.4" } };
	struct detect_ledger a, b;
	struct detect_sighting share = sighting("o1", "ua", 150, red_ip, 1);
	struct detect_sighting ro = sighting("o2", "ro", 400, ro_row + 1, 1);
	struct detect_sighting bad = sighting("o3", "ro", 410, junk, 1);
	struct detect_ledger *both[] = { &a, &b };
	json_t *state, *ja, *jb;
	char *error = NULL;
	size_t i;

	share.to = allies;
	share.n_to = 1;
	detect_init(&a, &rules);
	detect_attack(&a, "deface", "ua", "T1491.002", ua_row, 2);
	detect_target(&a, detect_attack(&a, "deface", "ro", "T1491.002", ro_row,
	    2), "ro-web");
	detect_attack(&a, "manual", "ro", "T1046", NULL, 0);
	detect_fired(&a, "deface", "ua", 100);
	detect_sighting(&a, &share);
	state = detect_state_to_json(&a);
	detect_init(&b, &rules);
	CHECK_INT_EQ(detect_restore(&b, state, &error), 0);
	json_decref(state);
	/* The same events after the checkpoint give the same figures. */
	for (i = 0; i < 2; i++) {
		/* Journaled by its host's name, found through the target. */
		detect_fired_at(both[i], "deface", "ro-web", 300);
		detect_fired_at(both[i], "deface", "md-web", 300);
		detect_fired(both[i], "manual", "ro", 320);
		detect_sighting(both[i], &ro);
		detect_sighting(both[i], &bad);
	}
	ja = detect_to_json(&a);
	jb = detect_to_json(&b);
	CHECK(json_equal(ja, jb));
	CHECK(b.attacks[1].fired == 300);
	CHECK(b.attacks[1].warned == 150);
	/* 94 for detecting 50 s late, 5 for sharing, 30 for warning ro */
	CHECK_INT_EQ(detect_team_of(&b, "ua")->points, 129);
	json_decref(ja);
	json_decref(jb);
	state = json_pack("{s:[{s:s}], s:[], s:[]}", "attacks", "inject", "x",
	    "teams", "moments");
	detect_clear(&b);
	detect_init(&b, &rules);
	CHECK_INT_EQ(detect_restore(&b, state, &error), -1);
	CHECK(error != NULL && strstr(error, "detection state") != NULL);
	free(error);
	json_decref(state);
	detect_clear(&a);
	detect_clear(&b);
}
