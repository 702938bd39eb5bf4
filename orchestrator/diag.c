/*
 * diag.c: collecting and printing positioned problems.
 */
#include "rangectl/diag.h"

#include <stdarg.h>
#include <stdlib.h>

#include "rangectl/util.h"

void
diag_list_init(struct diag_list *list)
{
	list->items = NULL;
	list->count = 0;
	list->alloc = 0;
	list->dropped = 0;
}

void
diag_list_clear(struct diag_list *list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < list->count; i++)
		free(list->items[i].message);
	free(list->items);
	diag_list_init(list);
}

void
diag_vadd(struct diag_list *list, struct pos pos, const char *fmt, va_list ap)
{
	struct diag *d;

	if (list->count >= DIAG_MAX) {
		list->dropped++;
		return;
	}
	xgrow(&list->items, &list->alloc, list->count + 1, sizeof(*list->items));
	d = &list->items[list->count];
	d->pos = pos;
	d->seq = list->count;
	d->message = xvasprintf(fmt, ap);
	list->count++;
}

void
diag_add(struct diag_list *list, struct pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(list, pos, fmt, ap);
	va_end(ap);
}

static int
diag_compare(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;

	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	if (x->pos.col != y->pos.col)
		return x->pos.col < y->pos.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
diag_sort(struct diag_list *list)
{
	if (list->count > 1)
		qsort(list->items, list->count, sizeof(*list->items),
		    diag_compare);
}

void
diag_print(struct diag_list *list, const char *path, FILE *out)
{
	size_t i;

	diag_sort(list);
	for (i = 0; i < list->count; i++) {
		const struct diag *d = &list->items[i];

		if (d->pos.line > 0)
			fprintf(out, "%s:%d:%d: %s\n", path, d->pos.line,
			    d->pos.col, d->message);
		else
			fprintf(out, "%s: %s\n", path, d->message);
	}
	if (list->dropped > 0)
		fprintf(out, "%s: %zu more problems not shown\n", path,
		    list->dropped);
}
