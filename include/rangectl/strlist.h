/*
 * strlist.h: a list of strings, each with the place it was written.
 *
 * The schema decoder fills one from a YAML list of ids (SCHEMA_IDLIST);
 * its own header, so that the decoder needs nothing of the scenario's.
 * The list owns its strings and positions.
 */
#ifndef RANGECTL_STRLIST_H
#define RANGECTL_STRLIST_H

#include <stddef.h>

#include "rangectl/diag.h"

struct strlist {
	char **items;
	struct pos *pos;	/* where each item was written */
	size_t count;
};

/* Frees the items and empties the list; takes NULL. */
void strlist_clear(struct strlist *list);

/* Makes to (empty or cleared) an owned copy of from, items and positions. */
void strlist_copy(struct strlist *to, const struct strlist *from);

#endif
