/*
 * strlist.c: a list of strings with their positions.
 */
#include "rangectl/strlist.h"

#include <stdlib.h>

#include "rangectl/util.h"

void
strlist_clear(struct strlist *list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	free(list->pos);
	list->items = NULL;
	list->pos = NULL;
	list->count = 0;
}

void
strlist_copy(struct strlist *to, const struct strlist *from)
{
	size_t i;

	to->count = from->count;
	to->items = xcalloc(from->count + 1, sizeof(*to->items));
	to->pos = xcalloc(from->count + 1, sizeof(*to->pos));
	for (i = 0; i < from->count; i++) {
		to->items[i] = xstrdup(from->items[i]);
		to->pos[i] = from->pos[i];
	}
}
