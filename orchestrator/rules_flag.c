/*
 * rules_flag.c: how a scenario's flags fit the rest: ids once, `on` a
 * selector naming some blue team's host (red scores by taking flags from
 * the defenders, so a flag on a red or white host is a mistake), and a
 * path the engine can write through a shell without quoting.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/rules.h"
#include "rangectl/selector.h"
#include "rangectl/strmap.h"
#include "rangectl/util.h"

/* Whether host h of the scenario is some blue team's that sel matches. */
static bool
matches_blue(const struct scenario *sc, const struct selector *sel,
    const struct scenario_host *h)
{
	const struct scenario_team *owner;
	size_t i;

	if (h->id == NULL)
		return false;
	if (h->team != NULL) {
		owner = scenario_team(sc, h->team);
		return owner != NULL && owner->role == ROLE_BLUE &&
		    selector_matches(sel, owner, h->id);
	}
	if (h->per_team != ROLE_BLUE)
		return false;
	for (i = 0; i < sc->n_teams; i++)
		if (sc->teams[i].id != NULL && sc->teams[i].role == ROLE_BLUE &&
		    selector_matches(sel, &sc->teams[i], h->id))
			return true;
	return false;
}

static void
check_on(const struct scenario *sc, struct schema_ctx *ctx,
    const struct scenario_flag *f, const char *what)
{
	struct pos pos = scenario_pos(f->node, "on");
	const struct scenario_team *team;
	struct selector sel;
	const char *why;
	size_t i, found = 0;

	if (selector_parse(f->on, sc, &sel, &why) < 0) {
		schema_error(ctx, pos, "invalid on '%s' in %s: %s", f->on, what,
		    why);
		return;
	}
	team = sel.team != NULL ? scenario_team(sc, sel.team) : NULL;
	for (i = 0; i < sc->n_hosts; i++)
		found += matches_blue(sc, &sel, &sc->hosts[i]);
	if (sel.team != NULL && team == NULL)
		schema_error(ctx, pos, "on '%s' of %s names team '%s', which is "
		    "not defined", f->on, what, sel.team);
	else if (team != NULL && team->role != ROLE_BLUE)
		schema_error(ctx, pos, "on '%s' of %s names team '%s', of role "
		    "%s: flags are planted on blue teams' hosts only", f->on,
		    what, team->id, role_name(team->role));
	else if (sel.role != ROLE_NONE && sel.role != ROLE_BLUE)
		schema_error(ctx, pos, "on '%s' of %s names role '%s': flags are "
		    "planted on blue teams' hosts only", f->on, what,
		    role_name(sel.role));
	else if (sel.host != NULL && scenario_host(sc, sel.host) == NULL)
		schema_error(ctx, pos, "on '%s' of %s names host '%s', which is "
		    "not defined", f->on, what, sel.host);
	else if (found == 0)
		schema_error(ctx, pos, "on '%s' of %s matches no host of a blue "
		    "team", f->on, what);
	selector_clear(&sel);
}

/*
 * An absolute path of plain characters, no "." or ".." part: the engine
 * writes it through the guest's shell as it is.
 */
static const char *
path_problem(const char *path)
{
	const char *p;

	if (path[0] != '/')
		return "it must be absolute";
	if (path[strlen(path) - 1] == '/')
		return "it must name a file, not end with '/'";
	for (p = path; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-", *p) != NULL))
			return "only letters, digits, '/', '.', '_' and '-' may "
			    "be used";
	if (strstr(path, "//") != NULL || strstr(path, "/./") != NULL ||
	    strstr(path, "/../") != NULL ||
	    strcmp(strrchr(path, '/'), "/..") == 0 ||
	    strcmp(strrchr(path, '/'), "/.") == 0)
		return "it may hold no empty, '.' or '..' part";
	return NULL;
}

void
rules_check_flags(const struct scenario *sc, struct schema_ctx *ctx)
{
	struct strmap seen;
	const struct ynode *first;
	char quoted[SCHEMA_QUOTE_MAX];
	const char *why;
	size_t i;

	strmap_init(&seen);
	for (i = 0; i < sc->n_flags; i++) {
		const struct scenario_flag *f = &sc->flags[i];
		char *what = schema_describe("flag", f->node, i, NULL);

		if (f->id != NULL && (first = strmap_add(&seen, f->id,
		    (void *)f->node)) != NULL)
			schema_error(ctx, scenario_pos(f->node, "id"), "duplicate "
			    "flag id '%s' (first defined at line %d)", f->id,
			    first->pos.line);
		if (f->on != NULL)
			check_on(sc, ctx, f, what);
		if (f->path != NULL && (why = path_problem(f->path)) != NULL) {
			schema_quote(f->path, quoted);
			schema_error(ctx, scenario_pos(f->node, "path"), "invalid "
			    "path '%s' in %s: %s", quoted, what, why);
		}
		free(what);
	}
	strmap_clear(&seen);
}
