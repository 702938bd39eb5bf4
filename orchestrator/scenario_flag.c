/*
 * scenario_flag.c: the scenario's flags, decoded (each value on its own;
 * rules_flag.c checks how they fit the rest).
 *
 * A file of its own rather than a block of scenario.c, which only names
 * its decoder in the top mapping's table and its free in scenario_free().
 */
#include <stddef.h>
#include <stdlib.h>

#include "rangectl/scenario.h"
#include "rangectl/schema.h"
#include "rangectl/util.h"

#define FLAG_FIELD(key, type, member, req, min, max) \
	{ key, type, offsetof(struct scenario_flag, member), req, min, max, \
	  NULL, NULL }

static const struct schema_field flag_fields[] = {
	FLAG_FIELD("id", SCHEMA_ID, id, true, 0, SCENARIO_NAME_MAX),
	FLAG_FIELD("on", SCHEMA_STRING, on, true, 0, 0),
	FLAG_FIELD("path", SCHEMA_STRING, path, true, 0, 0),
	FLAG_FIELD("points", SCHEMA_INT, points, false, 0, 1000000),
	FLAG_FIELD("penalty", SCHEMA_INT, penalty, false, 0, 1000000),
	FLAG_FIELD("rotate", SCHEMA_DURATION, rotate, false, 0, 0),
};

/* A flag is worth 50 to red and, unless told, costs its owner as much. */
static void
init_flag(void *obj)
{
	struct scenario_flag *f = obj;

	f->points = 50;
	f->penalty = -1;
}

void
scenario_decode_flags(struct schema_ctx *ctx, const struct ynode *value,
    void *obj, const char *what)
{
	struct scenario *sc = obj;

	(void)what;
	schema_decode_list(ctx, value, "flag", NULL, flag_fields,
	    ARRAY_SIZE(flag_fields), sizeof(*sc->flags), init_flag,
	    (void **)&sc->flags, &sc->n_flags);
}

void
scenario_flags_free(struct scenario *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->n_flags; i++) {
		free(sc->flags[i].id);
		free(sc->flags[i].on);
		free(sc->flags[i].path);
	}
	free(sc->flags);
	sc->flags = NULL;
	sc->n_flags = 0;
}
