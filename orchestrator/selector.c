/*
 * selector.c: which hosts an inject's target or from names.
 */
#include "rangectl/selector.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/units.h"
#include "rangectl/util.h"

int
selector_parse(const char *text, const struct scenario *sc,
    struct selector *sel, const char **why)
{
	const char *slash = strchr(text, '/');
	char *team;

	memset(sel, 0, sizeof(*sel));
	if (slash == NULL || strchr(slash + 1, '/') != NULL) {
		*why = "expected TEAM/HOST, ROLE/HOST or */HOST";
		return -1;
	}
	team = xstrndup(text, (size_t)(slash - text));
	if (strcmp(team, "*") == 0) {
		sel->any_team = true;
	} else if (scenario_team(sc, team) != NULL ||
	    (sel->role = role_parse(team)) == ROLE_NONE) {
		if (units_check_id(team, SCENARIO_ID_MAX, why) < 0) {
			*why = "the part before '/' must be a team id, a role "
			    "(red, blue, white) or *";
			free(team);
			return -1;
		}
		sel->team = team;
		team = NULL;
	}
	free(team);
	if (strcmp(slash + 1, "*") != 0) {
		if (units_check_id(slash + 1, SCENARIO_ID_MAX, why) < 0) {
			*why = "the part after '/' must be a host id or *";
			selector_clear(sel);
			return -1;
		}
		sel->host = xstrdup(slash + 1);
	}
	return 0;
}

void
selector_clear(struct selector *sel)
{
	if (sel == NULL)
		return;
	free(sel->team);
	free(sel->host);
	memset(sel, 0, sizeof(*sel));
}

bool
selector_matches(const struct selector *sel, const struct scenario_team *team,
    const char *host_id)
{
	if (sel->host != NULL && strcmp(sel->host, host_id) != 0)
		return false;
	if (sel->any_team)
		return true;
	if (sel->role != ROLE_NONE)
		return team->role == sel->role;
	return strcmp(sel->team, team->id) == 0;
}
