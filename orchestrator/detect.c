/*
 * detect.c: detection, sharing and early warnings against the truth.
 *
 * Every attack's indicators are posted under their match key in one hash
 * map (by_key), so a sighting costs one lookup per indicator and a pass
 * over the attacks that share that key; nothing here scans all attacks
 * per sighting. Everything is learned in journal order: a replay feeds
 * the same events and finds the same figures.
 */
#include "rangectl/detect.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/indicator.h"
#include "rangectl/scenario.h"
#include "rangectl/units.h"
#include "rangectl/util.h"

/* The attacks that carry one match key: indexes into ledger.attacks. */
struct detect_postings {
	const char *key;	/* the ledger's */
	size_t *attacks;
	size_t n, alloc;
};

const char *
detect_key(int type, const char *value, char *buf)
{
	size_t prefix;

	prefix = (size_t)snprintf(buf, DETECT_KEY_MAX, "%s:",
	    indicator_type_name(type));
	if (prefix >= DETECT_KEY_MAX || indicator_normalize(type, value,
	    buf + prefix, DETECT_KEY_MAX - prefix) == NULL)
		return NULL;
	return buf;
}

json_t *
detect_rules_to_json(const struct detect_rules *r)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "points",
	    (json_int_t)r->points, "half_life", (json_int_t)r->half_life,
	    "sharing", (json_int_t)r->sharing, "early_warning",
	    (json_int_t)r->early_warning, "false_indicator",
	    (json_int_t)r->false_indicator);
}

int
detect_rules_from_json(const json_t *o, struct detect_rules *rules)
{
	json_int_t v[5];
	size_t i;

	if (json_unpack((json_t *)o, "{s:I, s:I, s:I, s:I, s:I !}", "points",
	    &v[0], "half_life", &v[1], "sharing", &v[2], "early_warning", &v[3],
	    "false_indicator", &v[4]) < 0)
		return -1;
	for (i = 0; i < 5; i++)
		if (v[i] < 0 || v[i] > LONG_MAX)
			return -1;
	*rules = (struct detect_rules){ .points = (long)v[0],
	    .half_life = (long)v[1], .sharing = (long)v[2],
	    .early_warning = (long)v[3], .false_indicator = (long)v[4] };
	return 0;
}

void
detect_init(struct detect_ledger *ledger, const struct detect_rules *rules)
{
	memset(ledger, 0, sizeof(*ledger));
	if (rules != NULL)
		ledger->rules = *rules;
	strmap_init(&ledger->by_key);
	strmap_init(&ledger->attack_map);
	strmap_init(&ledger->team_map);
	strmap_init(&ledger->target_map);
}

static void
postings_free(struct strmap *map)
{
	size_t i;

	for (i = 0; i < map->size; i++) {
		struct detect_postings *p = map->slots[i].value;

		if (map->slots[i].key == NULL || p == NULL)
			continue;
		free(p->attacks);
		free(p);
	}
}

void
detect_clear(struct detect_ledger *ledger)
{
	size_t i;

	if (ledger == NULL)
		return;
	for (i = 0; i < ledger->n_attacks; i++) {
		struct detect_attack *a = &ledger->attacks[i];

		free(a->inject);
		free(a->team);
		free(a->technique);
		free(a->detected_by);
		free(a->warned_by);
		free(a->keys);
		for (size_t j = 0; j < a->n_hosts; j++)
			free(a->hosts[j]);
		free(a->hosts);
	}
	free(ledger->attacks);
	for (i = 0; i < ledger->n_teams; i++)
		free(ledger->teams[i].id);
	free(ledger->teams);
	free(ledger->moments);
	postings_free(&ledger->by_key);
	strmap_clear(&ledger->by_key);
	strmap_clear(&ledger->attack_map);
	strmap_clear(&ledger->team_map);
	strmap_clear(&ledger->target_map);
	for (i = 0; i < ledger->n_keys; i++)
		free(ledger->keys[i]);
	free(ledger->keys);
	memset(ledger, 0, sizeof(*ledger));
}

/* A copy of key the ledger owns for as long as its maps use it. */
static const char *
keep_key(struct detect_ledger *ledger, const char *key)
{
	if (ledger->n_keys == ledger->keys_alloc) {
		ledger->keys_alloc = ledger->keys_alloc ? 2 * ledger->keys_alloc : 64;
		ledger->keys = xrealloc(ledger->keys,
		    ledger->keys_alloc * sizeof(*ledger->keys));
	}
	ledger->keys[ledger->n_keys] = xstrdup(key);
	return ledger->keys[ledger->n_keys++];
}

static struct detect_team *
team_get(struct detect_ledger *ledger, const char *team)
{
	size_t index = (size_t)strmap_get(&ledger->team_map, team);
	struct detect_team *t;

	if (index != 0)
		return &ledger->teams[index - 1];
	if (ledger->n_teams == ledger->teams_alloc) {
		ledger->teams_alloc = ledger->teams_alloc ? 2 * ledger->teams_alloc : 8;
		ledger->teams = xrealloc(ledger->teams,
		    ledger->teams_alloc * sizeof(*ledger->teams));
	}
	t = &ledger->teams[ledger->n_teams++];
	memset(t, 0, sizeof(*t));
	t->id = xstrdup(team);
	strmap_add(&ledger->team_map, t->id, (void *)ledger->n_teams);
	return t;
}

void
detect_team(struct detect_ledger *ledger, const char *team)
{
	(void)team_get(ledger, team);
}

const struct detect_team *
detect_team_of(const struct detect_ledger *ledger, const char *team)
{
	size_t index = (size_t)strmap_get(&ledger->team_map, team);

	return index == 0 ? NULL : &ledger->teams[index - 1];
}

static void
post(struct detect_ledger *ledger, const char *key, size_t attack)
{
	struct detect_postings *p = strmap_get(&ledger->by_key, key);
	struct detect_attack *a = &ledger->attacks[attack];

	if (p == NULL) {
		p = xcalloc(1, sizeof(*p));
		p->key = keep_key(ledger, key);
		strmap_add(&ledger->by_key, p->key, p);
	}
	/* The same indicator twice in one row is one posting. */
	if (p->n > 0 && p->attacks[p->n - 1] == attack)
		return;
	a->keys = xrealloc(a->keys, (a->n_keys + 1) * sizeof(*a->keys));
	a->keys[a->n_keys++] = p->key;
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? 2 * p->alloc : 4;
		p->attacks = xrealloc(p->attacks, p->alloc * sizeof(*p->attacks));
	}
	p->attacks[p->n++] = attack;
}

static void
post_technique(struct detect_ledger *ledger, const char *technique,
    size_t attack)
{
	char key[DETECT_KEY_MAX];

	snprintf(key, sizeof(key), "technique:%s", technique);
	post(ledger, key, attack);
	/* T1491.002 is also found by its parent, T1491. */
	if (strlen(technique) > 5 && technique[5] == '.') {
		snprintf(key, sizeof(key), "technique:%.5s", technique);
		post(ledger, key, attack);
	}
}

static char *
attack_name(const char *inject, const char *team, char *buf, size_t size)
{
	snprintf(buf, size, "%s\t%s", inject, team);
	return buf;
}

size_t
detect_attack(struct detect_ledger *ledger, const char *inject,
    const char *team, const char *technique,
    const struct detect_indicator *indicators, size_t n_indicators)
{
	char name[512], key[DETECT_KEY_MAX];
	struct detect_attack *a;
	size_t index, i;

	attack_name(inject, team, name, sizeof(name));
	index = (size_t)strmap_get(&ledger->attack_map, name);
	if (index != 0)
		return index - 1;
	(void)team_get(ledger, team);
	if (ledger->n_attacks == ledger->attacks_alloc) {
		ledger->attacks_alloc = ledger->attacks_alloc ?
		    2 * ledger->attacks_alloc : 16;
		ledger->attacks = xrealloc(ledger->attacks,
		    ledger->attacks_alloc * sizeof(*ledger->attacks));
	}
	index = ledger->n_attacks++;
	a = &ledger->attacks[index];
	memset(a, 0, sizeof(*a));
	a->inject = xstrdup(inject);
	a->team = xstrdup(team);
	a->technique = technique != NULL ? xstrdup(technique) : NULL;
	a->fired = a->detected = a->shared = a->warned = -1;
	strmap_add(&ledger->attack_map, keep_key(ledger, name),
	    (void *)(index + 1));
	for (i = 0; i < n_indicators; i++) {
		if (detect_key(indicators[i].type, indicators[i].value, key) == NULL)
			continue;
		post(ledger, key, index);
		a = &ledger->attacks[index];
	}
	a->n_indicator_keys = a->n_keys;
	if (a->n_keys == 0 && technique != NULL)
		post_technique(ledger, technique, index);
	return index;
}

static void
moment(struct detect_ledger *ledger, double t, const char *what,
    size_t attack)
{
	if (ledger->n_moments == ledger->moments_alloc) {
		ledger->moments_alloc = ledger->moments_alloc ?
		    2 * ledger->moments_alloc : 64;
		ledger->moments = xrealloc(ledger->moments,
		    ledger->moments_alloc * sizeof(*ledger->moments));
	}
	ledger->moments[ledger->n_moments++] =
	    (struct detect_moment){ .t = t, .what = what, .attack = attack };
}

void
detect_fired(struct detect_ledger *ledger, const char *inject,
    const char *team, double t)
{
	char name[512];
	size_t index;
	struct detect_attack *a;

	attack_name(inject, team, name, sizeof(name));
	index = (size_t)strmap_get(&ledger->attack_map, name);
	if (index == 0)
		return;	/* an inject without truth: nothing to detect */
	a = &ledger->attacks[index - 1];
	if (a->fired >= 0)
		return;
	a->fired = t;
	moment(ledger, t, "fired", index - 1);
	/* A share that reached the team before now was a warning in time. */
	if (a->warned >= 0 && a->warned_by != NULL) {
		team_get(ledger, a->warned_by)->warnings++;
		team_get(ledger, a->warned_by)->points += ledger->rules.early_warning;
		moment(ledger, a->warned, "warned", index - 1);
	}
}

void
detect_target(struct detect_ledger *ledger, size_t attack, const char *host)
{
	struct detect_attack *a = &ledger->attacks[attack];
	char name[512];

	attack_name(a->inject, host, name, sizeof(name));
	if (strmap_get(&ledger->target_map, name) != NULL)
		return;
	strmap_add(&ledger->target_map, keep_key(ledger, name),
	    (void *)(attack + 1));
	a->hosts = xrealloc(a->hosts, (a->n_hosts + 1) * sizeof(*a->hosts));
	a->hosts[a->n_hosts++] = xstrdup(host);
}

void
detect_fired_at(struct detect_ledger *ledger, const char *inject,
    const char *host, double t)
{
	char name[512];
	size_t index;

	attack_name(inject, host, name, sizeof(name));
	index = (size_t)strmap_get(&ledger->target_map, name);
	if (index != 0)
		detect_fired(ledger, inject, ledger->attacks[index - 1].team, t);
}

/* Points for detecting after delay seconds: halved every half_life. */
static long long
detection_points(const struct detect_rules *rules, double delay)
{
	if (rules->points == 0)
		return 0;
	if (rules->half_life <= 0)
		return rules->points;
	return llround((double)rules->points *
	    pow(0.5, delay / (double)rules->half_life));
}

static bool
reached(const struct detect_sighting *s, const char *team)
{
	size_t i;

	for (i = 0; i < s->n_to; i++)
		if (strcmp(s->to[i], team) == 0)
			return true;
	return false;
}

/* The sighting's own team met attack a: detection, then sharing. */
static void
own_match(struct detect_ledger *ledger, const struct detect_sighting *s,
    size_t attack)
{
	struct detect_attack *a = &ledger->attacks[attack];
	struct detect_team *team = team_get(ledger, a->team);
	long long points;

	if (a->fired < 0 || s->t < a->fired)
		return;	/* not yet hit: not a detection */
	if (a->detected < 0) {
		a->detected = s->t;
		a->detected_by = xstrdup(s->id);
		points = detection_points(&ledger->rules, s->t - a->fired);
		a->points += points;
		team->points += points;
		moment(ledger, s->t, "detected", attack);
	}
	if (a->shared < 0 && s->n_to > 0) {
		a->shared = s->t;
		a->points += ledger->rules.sharing;
		team->points += ledger->rules.sharing;
		moment(ledger, s->t, "shared", attack);
	}
}

/* An ally's share met attack a on another team, maybe before it hit. */
static void
ally_match(struct detect_ledger *ledger, const struct detect_sighting *s,
    size_t attack)
{
	struct detect_attack *a = &ledger->attacks[attack];

	if (!reached(s, a->team) || a->warned >= 0)
		return;
	if (a->fired >= 0 && s->t >= a->fired)
		return;	/* it had already hit: news, not a warning */
	a->warned = s->t;
	a->warned_by = xstrdup(s->team);
}

/* Meets s with the attacks posted under key; whether one was its team's. */
static bool
match_key(struct detect_ledger *ledger, const struct detect_sighting *s,
    const char *key, size_t *matched)
{
	const struct detect_postings *p = strmap_get(&ledger->by_key, key);
	bool own = false;
	size_t i;

	if (p == NULL)
		return false;
	for (i = 0; i < p->n; i++) {
		const struct detect_attack *a = &ledger->attacks[p->attacks[i]];

		if (strcmp(a->team, s->team) == 0) {
			own = true;
			own_match(ledger, s, p->attacks[i]);
			if (a->fired >= 0 && s->t >= a->fired)
				(*matched)++;
		} else {
			ally_match(ledger, s, p->attacks[i]);
		}
	}
	return own;
}

size_t
detect_sighting(struct detect_ledger *ledger, const struct detect_sighting *s)
{
	struct detect_team *team = team_get(ledger, s->team);
	char key[DETECT_KEY_MAX];
	size_t matched = 0, i;

	if (s->n_indicators == 0 && s->technique == NULL)
		return 0;
	team->sightings++;
	for (i = 0; i < s->n_indicators; i++) {
		const struct detect_indicator *ind = &s->indicators[i];

		if (detect_key(ind->type, ind->value, key) != NULL &&
		    match_key(ledger, s, key, &matched))
			continue;
		/* Aimed at no attack on the team, ever: a false report. */
		team->false_indicators++;
		team->points -= ledger->rules.false_indicator;
	}
	if (s->technique != NULL) {
		snprintf(key, sizeof(key), "technique:%s", s->technique);
		(void)match_key(ledger, s, key, &matched);
	}
	return matched;
}

bool
detect_missed(const struct detect_attack *a)
{
	return a->fired >= 0 && a->detected < 0;
}

bool
detect_first_of_inject(const struct detect_ledger *ledger, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (strcmp(ledger->attacks[j].inject,
		    ledger->attacks[i].inject) == 0)
			return false;
	return true;
}

const struct detect_attack *
detect_find(const struct detect_ledger *ledger, const char *inject,
    const char *team)
{
	char name[512];
	size_t index;

	attack_name(inject, team, name, sizeof(name));
	index = (size_t)strmap_get(&ledger->attack_map, name);
	return index == 0 ? NULL : &ledger->attacks[index - 1];
}

const char *
detect_cell(const struct detect_attack *a, char *buf)
{
	char clock[UNITS_CLOCK_SIZE];
	size_t n;

	if (a->fired < 0) {
		snprintf(buf, DETECT_CELL_MAX, "not yet");
		return buf;
	}
	if (a->detected < 0)
		n = (size_t)snprintf(buf, DETECT_CELL_MAX, "missed");
	else
		n = (size_t)snprintf(buf, DETECT_CELL_MAX, "D %s",
		    units_format_clock(a->detected - a->fired, clock));
	if (a->shared >= 0 && n < DETECT_CELL_MAX)
		n += (size_t)snprintf(buf + n, DETECT_CELL_MAX - n, " S %s",
		    units_format_clock(a->shared - a->detected, clock));
	if (a->warned >= 0 && a->warned_by != NULL && n < DETECT_CELL_MAX)
		snprintf(buf + n, DETECT_CELL_MAX - n, " W %.32s", a->warned_by);
	return buf;
}

/* ---- the figures as JSON --------------------------------------------- */

static json_t *
time_or_null(double t)
{
	return t < 0 ? json_null() : json_real(t);
}

static json_t *
attack_to_json(const struct detect_attack *a)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:I}",
	    "inject", a->inject, "team", a->team,
	    "technique", a->technique ? json_string(a->technique) : json_null(),
	    "fired", time_or_null(a->fired),
	    "detected", time_or_null(a->detected),
	    "detected_by", a->detected_by ? json_string(a->detected_by) :
	    json_null(),
	    "shared", time_or_null(a->shared),
	    "warned", time_or_null(a->fired >= 0 ? a->warned : -1),
	    "warned_by", a->fired >= 0 && a->warned_by ?
	    json_string(a->warned_by) : json_null(),
	    "missed", detect_missed(a), "points", (json_int_t)a->points);
}

/* Sums over the attacks that hit one team. */
struct detect_sums {
	long attacks, detected, missed, shared, warned;
	double detect_sum, share_sum;
};

static void
sums_of(const struct detect_ledger *ledger, const char *team,
    struct detect_sums *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ledger->n_attacks; i++) {
		const struct detect_attack *a = &ledger->attacks[i];

		if (strcmp(a->team, team) != 0 || a->fired < 0)
			continue;
		s->attacks++;
		s->missed += detect_missed(a);
		s->warned += a->warned >= 0;
		if (a->detected >= 0) {
			s->detected++;
			s->detect_sum += a->detected - a->fired;
		}
		if (a->shared >= 0) {
			s->shared++;
			s->share_sum += a->shared - a->detected;
		}
	}
}

static json_t *
mean_or_null(double sum, long n)
{
	return n == 0 ? json_null() : json_real(sum / (double)n);
}

static json_t *
team_to_json(const struct detect_ledger *ledger, const struct detect_team *t)
{
	struct detect_sums s;

	sums_of(ledger, t->id, &s);
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:o, "
	    "s:o, s:I}", "id", t->id, "attacks", (int)s.attacks,
	    "detected", (int)s.detected, "missed", (int)s.missed,
	    "shared", (int)s.shared, "warned", (int)s.warned,
	    "warnings", (int)t->warnings, "sightings", (int)t->sightings,
	    "false_indicators", (int)t->false_indicators,
	    "mean_detect", mean_or_null(s.detect_sum, s.detected),
	    "mean_share", mean_or_null(s.share_sum, s.shared),
	    "points", (json_int_t)t->points);
}

static int
moment_order(const void *pa, const void *pb)
{
	const struct detect_moment *a = pa, *b = pb;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	/* Equal times keep the order they were learned in. */
	return a < b ? -1 : a > b;
}

static json_t *
timeline_to_json(const struct detect_ledger *ledger)
{
	struct detect_moment *sorted;
	json_t *list = json_array();
	size_t i;

	if (ledger->n_moments == 0)
		return list;
	sorted = xmalloc(ledger->n_moments * sizeof(*sorted));
	memcpy(sorted, ledger->moments, ledger->n_moments * sizeof(*sorted));
	qsort(sorted, ledger->n_moments, sizeof(*sorted), moment_order);
	for (i = 0; i < ledger->n_moments; i++) {
		const struct detect_attack *a = &ledger->attacks[sorted[i].attack];

		json_array_append_new(list, json_pack("{s:f, s:s, s:s, s:s}",
		    "t", sorted[i].t, "what", sorted[i].what, "inject", a->inject,
		    "team", a->team));
	}
	free(sorted);
	return list;
}

/* The techniques of the attacks that hit team, each with its counts. */
static json_t *
coverage_of(const struct detect_ledger *ledger, const char *team)
{
	json_t *techniques = json_object(), *list = json_array(), *row;
	const char *id;
	size_t i;

	for (i = 0; i < ledger->n_attacks; i++) {
		const struct detect_attack *a = &ledger->attacks[i];

		if (strcmp(a->team, team) != 0 || a->fired < 0 ||
		    a->technique == NULL)
			continue;
		row = json_object_get(techniques, a->technique);
		if (row == NULL) {
			row = json_pack("{s:s, s:i, s:i}", "id", a->technique,
			    "attacks", 0, "detected", 0);
			json_object_set_new(techniques, a->technique, row);
		}
		json_object_set_new(row, "attacks", json_integer(
		    json_integer_value(json_object_get(row, "attacks")) + 1));
		json_object_set_new(row, "detected", json_integer(
		    json_integer_value(json_object_get(row, "detected")) +
		    (a->detected >= 0)));
	}
	/* Sorted by technique id, whatever order the MSEL gave. */
	json_object_foreach(techniques, id, row) {
		json_array_append(list, row);
	}
	json_decref(techniques);
	return list;
}

static int
row_order(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;

	return strcmp(json_string_value(json_object_get(a, "id")),
	    json_string_value(json_object_get(b, "id")));
}

static json_t *
sorted_rows(json_t *list)
{
	size_t n = json_array_size(list), i;
	json_t **rows, *out;

	if (n < 2)
		return list;
	rows = xmalloc(n * sizeof(*rows));
	for (i = 0; i < n; i++)
		rows[i] = json_incref(json_array_get(list, i));
	qsort(rows, n, sizeof(*rows), row_order);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(out, rows[i]);
	free(rows);
	json_decref(list);
	return out;
}

json_t *
detect_to_json(const struct detect_ledger *ledger)
{
	json_t *attacks = json_array(), *teams = json_array(),
	    *coverage = json_array();
	const struct detect_rules *r = &ledger->rules;
	size_t i;

	for (i = 0; i < ledger->n_attacks; i++)
		json_array_append_new(attacks,
		    attack_to_json(&ledger->attacks[i]));
	for (i = 0; i < ledger->n_teams; i++) {
		const struct detect_team *t = &ledger->teams[i];

		json_array_append_new(teams, team_to_json(ledger, t));
		json_array_append_new(coverage, json_pack("{s:s, s:o}",
		    "team", t->id, "techniques",
		    sorted_rows(coverage_of(ledger, t->id))));
	}
	return json_pack("{s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o}",
	    "rules", "points", (json_int_t)r->points,
	    "half_life", (json_int_t)r->half_life,
	    "sharing", (json_int_t)r->sharing,
	    "early_warning", (json_int_t)r->early_warning,
	    "false_indicator", (json_int_t)r->false_indicator,
	    "attacks", attacks, "teams", teams,
	    "timeline", timeline_to_json(ledger), "coverage", coverage);
}

/* ---- checkpoint -------------------------------------------------------- */

static json_t *
keys_to_json(const struct detect_attack *a)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < a->n_keys; i++)
		json_array_append_new(list, json_string(a->keys[i]));
	return list;
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *
detect_state_to_json(const struct detect_ledger *ledger)
{
	json_t *attacks = json_array(), *teams = json_array(),
	    *moments = json_array();
	size_t i;

	for (i = 0; i < ledger->n_attacks; i++) {
		const struct detect_attack *a = &ledger->attacks[i];

		json_t *hosts = json_array();

		for (size_t j = 0; j < a->n_hosts; j++)
			json_array_append_new(hosts, json_string(a->hosts[j]));
		json_array_append_new(attacks, json_pack("{s:s, s:s, s:o, s:o, "
		    "s:o, s:I, s:f, s:f, s:o, s:f, s:f, s:o, s:I}", "inject",
		    a->inject, "team", a->team, "technique",
		    str_or_null(a->technique), "hosts", hosts,
		    "keys", keys_to_json(a),
		    "indicator_keys", (json_int_t)a->n_indicator_keys,
		    "fired", a->fired, "detected", a->detected,
		    "detected_by", str_or_null(a->detected_by),
		    "shared", a->shared, "warned", a->warned,
		    "warned_by", str_or_null(a->warned_by),
		    "points", (json_int_t)a->points));
	}
	for (i = 0; i < ledger->n_teams; i++) {
		const struct detect_team *t = &ledger->teams[i];

		json_array_append_new(teams, json_pack("{s:s, s:I, s:I, s:I, s:I}",
		    "id", t->id, "sightings", (json_int_t)t->sightings,
		    "false_indicators", (json_int_t)t->false_indicators,
		    "warnings", (json_int_t)t->warnings,
		    "points", (json_int_t)t->points));
	}
	for (i = 0; i < ledger->n_moments; i++)
		json_array_append_new(moments, json_pack("[f, s, I]",
		    ledger->moments[i].t, ledger->moments[i].what,
		    (json_int_t)ledger->moments[i].attack));
	return json_pack("{s:o, s:o, s:o}", "attacks", attacks, "teams", teams,
	    "moments", moments);
}

static const char *
moment_name(const char *what)
{
	static const char *const names[] = { "fired", "detected", "shared",
	    "warned" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(what, names[i]) == 0)
			return names[i];
	return NULL;
}

static char *
dup_or_null(const json_t *v)
{
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static int
restore_attack(struct detect_ledger *ledger, const json_t *o)
{
	const char *inject, *team;
	json_t *technique, *keys, *key, *by, *warned_by, *hosts, *host;
	json_int_t indicator_keys, points;
	struct detect_attack *a;
	double fired, detected, shared, warned;
	size_t index, i;

	if (json_unpack((json_t *)o, "{s:s, s:s, s:o, s:o, s:o, s:I, s:F, s:F, s:o, "
	    "s:F, s:F, s:o, s:I}", "inject", &inject, "team", &team, "technique",
	    &technique, "hosts", &hosts, "keys", &keys, "indicator_keys", &indicator_keys,
	    "fired", &fired, "detected", &detected, "detected_by", &by,
	    "shared", &shared, "warned", &warned, "warned_by", &warned_by,
	    "points", &points) < 0 || !json_is_array(keys) ||
	    !json_is_array(hosts) ||
	    indicator_keys < 0 || (size_t)indicator_keys > json_array_size(keys))
		return -1;
	index = detect_attack(ledger, inject, team,
	    json_string_value(technique), NULL, 0);
	a = &ledger->attacks[index];
	if (a->n_keys > 0 && a->n_indicator_keys == 0)
		a->n_keys = 0;	/* its technique's, posted again below */
	json_array_foreach(keys, i, key) {
		if (!json_is_string(key))
			return -1;
		post(ledger, json_string_value(key), index);
		a = &ledger->attacks[index];
	}
	json_array_foreach(hosts, i, host) {
		if (!json_is_string(host))
			return -1;
		detect_target(ledger, index, json_string_value(host));
	}
	a = &ledger->attacks[index];
	a->n_indicator_keys = (size_t)indicator_keys;
	a->fired = fired;
	a->detected = detected;
	a->detected_by = dup_or_null(by);
	a->shared = shared;
	a->warned = warned;
	a->warned_by = dup_or_null(warned_by);
	a->points = points;
	return 0;
}

static int
restore_team(struct detect_ledger *ledger, const json_t *o)
{
	const char *id;
	json_int_t sightings, false_indicators, warnings, points;
	struct detect_team *t;

	if (json_unpack((json_t *)o, "{s:s, s:I, s:I, s:I, s:I}", "id", &id, "sightings",
	    &sightings, "false_indicators", &false_indicators, "warnings",
	    &warnings, "points", &points) < 0)
		return -1;
	t = team_get(ledger, id);
	t->sightings = (long)sightings;
	t->false_indicators = (long)false_indicators;
	t->warnings = (long)warnings;
	t->points = points;
	return 0;
}

static int
restore_moment(struct detect_ledger *ledger, const json_t *o)
{
	const char *what;
	json_int_t attack;
	double t;

	if (json_unpack((json_t *)o, "[F, s, I]", &t, &what, &attack) < 0 ||
	    moment_name(what) == NULL || attack < 0 ||
	    (size_t)attack >= ledger->n_attacks)
		return -1;
	moment(ledger, t, moment_name(what), (size_t)attack);
	return 0;
}

int
detect_restore(struct detect_ledger *ledger, const json_t *state,
    char **error)
{
	json_t *v;
	size_t i;

	if (!json_is_array(json_object_get(state, "attacks")) ||
	    !json_is_array(json_object_get(state, "teams")) ||
	    !json_is_array(json_object_get(state, "moments")))
		goto bad;
	json_array_foreach(json_object_get(state, "attacks"), i, v) {
		if (restore_attack(ledger, v) < 0)
			goto bad;
	}
	json_array_foreach(json_object_get(state, "teams"), i, v) {
		if (restore_team(ledger, v) < 0)
			goto bad;
	}
	json_array_foreach(json_object_get(state, "moments"), i, v) {
		if (restore_moment(ledger, v) < 0)
			goto bad;
	}
	return 0;
bad:
	*error = xstrdup("its detection state is not the attacks, teams and "
	    "moments this rangectl writes");
	return -1;
}
