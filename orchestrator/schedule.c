/*
 * schedule.c: the MSEL in time order.
 */
#include "rangectl/schedule.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

static int
compare_items(const void *a, const void *b)
{
	const struct schedule_item *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->inject < y->inject ? -1 : x->inject > y->inject;
}

void
schedule_init(struct schedule *s, const struct plan *plan)
{
	size_t i;

	s->items = xcalloc(plan->n_injects, sizeof(*s->items));
	s->n = 0;
	for (i = 0; i < plan->n_injects; i++) {
		if (plan->injects[i].manual)
			continue;
		s->items[s->n].inject = i;
		s->items[s->n].at = plan->injects[i].at;
		s->n++;
	}
	qsort(s->items, s->n, sizeof(*s->items), compare_items);
}

void
schedule_clear(struct schedule *s)
{
	if (s == NULL)
		return;
	free(s->items);
	memset(s, 0, sizeof(*s));
}

bool
schedule_mark_fired(struct schedule *s, size_t inject)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->items[i].inject != inject)
			continue;
		if (s->items[i].fired)
			return false;
		s->items[i].fired = true;
		return true;
	}
	return false;
}

size_t *
schedule_due(const struct schedule *s, double t, size_t *count)
{
	size_t *due = xcalloc(s->n + 1, sizeof(*due));
	size_t i;

	*count = 0;
	for (i = 0; i < s->n && s->items[i].at <= t; i++)
		if (!s->items[i].fired)
			due[(*count)++] = s->items[i].inject;
	return due;
}

double
schedule_next_at(const struct schedule *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!s->items[i].fired)
			return (double)s->items[i].at;
	return -1;
}
