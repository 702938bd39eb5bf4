/*
 * strlist.c: a list of strings with their positions.
 */
#include "rangectl/strlist.h"

#include <stdlib.h>

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
