/*
 * selector.h: "TEAM/HOST", "ROLE/HOST" and "*\/HOST" host selectors.
 */
#ifndef RANGECTL_SELECTOR_H
#define RANGECTL_SELECTOR_H

#include <stdbool.h>

#include "rangectl/scenario.h"

struct selector {
	bool any_team;	/* "*" */
	int role;	/* a role name, or ROLE_NONE */
	char *team;	/* a team id, or NULL */
	char *host;	/* a host id, or NULL for "*" */
};

/*
 * Parses text. The part before '/' is a team id of sc if there is such a
 * team (a team called "red" of role red is meant as itself), else a role,
 * else "*". Returns 0, or -1 with *why completing "... is not a valid
 * selector: WHY". The caller clears sel with selector_clear().
 */
int selector_parse(const char *text, const struct scenario *sc,
    struct selector *sel, const char **why);
void selector_clear(struct selector *sel);
bool selector_matches(const struct selector *sel,
    const struct scenario_team *team, const char *host_id);

#endif
