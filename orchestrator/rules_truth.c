/*
 * rules_truth.c: the rules of an inject's truth: its technique's and
 * indicators' forms, and that its effects are services of its targets.
 *
 * Apart from rules.c, which calls it, as truth is read by no stage a
 * trainee sees and has rules of its own (ATT&CK ids, indicator forms).
 */
#include "rangectl/rules.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/selector.h"
#include "rangectl/template.h"
#include "rangectl/truth.h"
#include "rangectl/units.h"
#include "rangectl/util.h"

#define TEMPLATE_BAD_MAX 40

/*
 * Stand-ins for the placeholders, of the form the plan fills in, so that
 * a value's form is checked at load as it will be once resolved.
 */
static const struct template_values samples = {
	.team_id = "team",
	.team_index = 1,
	.target_ip = "192.0.2.1",
	.target_name = "exercise-team-host",
	.target_team = "team",
	.from_ip = "192.0.2.2",
	.from_name = "exercise-team-host",
	.from_team = "team",
};

static void
check_indicator(struct schema_ctx *ctx, const struct scenario_inject *inj,
    const struct scenario_indicator *ind, const char *what)
{
	unsigned allowed = TEMPLATE_TEAM | TEMPLATE_TARGET |
	    (inj->from != NULL ? TEMPLATE_FROM : 0);
	char bad[TEMPLATE_BAD_MAX], quoted[SCHEMA_QUOTE_MAX];
	const char *why;
	char *value;

	if (ind->value == NULL || ind->type == INDICATOR_NONE)
		return;	/* the decoder reported it */
	schema_quote(ind->value, quoted);
	if (template_check(ind->value, allowed, bad, sizeof(bad), &why) < 0) {
		schema_error(ctx, scenario_pos(ind->node, "value"), "invalid "
		    "%s indicator '%s' in the truth of %s: %s '%s'",
		    indicator_type_name(ind->type), quoted, what, why, bad);
		return;
	}
	value = template_expand(ind->value, &samples);
	if (truth_indicator_check(ind->type, value, &why) < 0)
		schema_error(ctx, scenario_pos(ind->node, "value"), "invalid "
		    "%s indicator '%s' in the truth of %s: %s",
		    indicator_type_name(ind->type), quoted, what, why);
	free(value);
}

/* Whether host (a definition) has a service of that id. */
static bool
host_has(const struct scenario_host *host, const char *service)
{
	size_t i;

	for (i = 0; host != NULL && i < host->n_services; i++)
		if (host->services[i].id != NULL &&
		    strcmp(host->services[i].id, service) == 0)
			return true;
	return false;
}

/* Whether a host the selector can match has that service. */
static bool
targets_have(const struct scenario *sc, const struct selector *sel,
    const char *service)
{
	size_t i;

	if (sel->host != NULL)
		return host_has(scenario_host(sc, sel->host), service);
	for (i = 0; i < sc->n_hosts; i++)
		if (host_has(&sc->hosts[i], service))
			return true;
	return false;
}

/* An effect: "HOST.SERVICE", or "SERVICE" on any target. */
static void
check_effect(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_inject *inj, const struct selector *sel, size_t i,
    const char *what)
{
	const char *effect = inj->truth->effects.items[i];
	const char *dot = strchr(effect, '.'), *why;
	struct pos pos = inj->truth->effects.pos[i];
	char quoted[SCHEMA_QUOTE_MAX], *host;

	schema_quote(effect, quoted);
	if (dot == NULL) {
		if (units_check_id(effect, SCENARIO_NAME_MAX, &why) < 0 ||
		    !targets_have(sc, sel, effect))
			schema_error(ctx, pos, "effect '%s' in the truth of %s is "
			    "not a service of its target '%s'", quoted, what,
			    inj->target);
		return;
	}
	host = xstrndup(effect, (size_t)(dot - effect));
	if (units_check_id(host, SCENARIO_ID_MAX, &why) < 0 ||
	    units_check_id(dot + 1, SCENARIO_NAME_MAX, &why) < 0)
		schema_error(ctx, pos, "invalid effect '%s' in the truth of %s: "
		    "expected HOST.SERVICE or SERVICE, as in web.http", quoted,
		    what);
	else if (scenario_host(sc, host) == NULL)
		schema_error(ctx, pos, "effect '%s' in the truth of %s names host "
		    "'%s', which is not defined", quoted, what, host);
	else if (sel->host != NULL && strcmp(sel->host, host) != 0)
		schema_error(ctx, pos, "effect '%s' in the truth of %s names host "
		    "'%s', which its target '%s' does not select", quoted, what,
		    host, inj->target);
	else if (!host_has(scenario_host(sc, host), dot + 1))
		schema_error(ctx, pos, "effect '%s' in the truth of %s names "
		    "service '%s', which host '%s' does not have", quoted, what,
		    dot + 1, host);
	free(host);
}

static void
check_effects(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_inject *inj, const char *what)
{
	struct selector sel;
	const char *why;
	size_t i;

	if (selector_parse(inj->target, sc, &sel, &why) < 0)
		return;	/* check_selector() reported it */
	for (i = 0; i < inj->truth->effects.count; i++)
		check_effect(sc, ctx, inj, &sel, i, what);
	selector_clear(&sel);
}

void
rules_check_truth(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_inject *inj, const char *what)
{
	const struct scenario_truth *truth = inj->truth;
	char quoted[SCHEMA_QUOTE_MAX];
	const char *why;
	size_t i;

	if (truth == NULL || truth->node == NULL)
		return;
	if (truth->technique != NULL &&
	    truth_technique_check(truth->technique, &why) < 0) {
		schema_quote(truth->technique, quoted);
		schema_error(ctx, scenario_pos(truth->node, "technique"),
		    "invalid technique '%s' in the truth of %s: %s", quoted,
		    what, why);
	}
	if (inj->target == NULL && (truth->n_indicators > 0 ||
	    truth->effects.count > 0)) {
		schema_error(ctx, truth->node->pos, "the truth of %s has "
		    "indicators or effects, which are resolved for each of its "
		    "targets, but the inject has no 'target'", what);
		return;
	}
	for (i = 0; i < truth->n_indicators; i++)
		check_indicator(ctx, inj, &truth->indicators[i], what);
	if (inj->target != NULL)
		check_effects(sc, ctx, inj, what);
}
