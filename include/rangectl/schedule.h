/*
 * schedule.h: which timed injects are due, and which have fired.
 *
 * Fired means journaled: replay marks every inject the journal says fired,
 * so none fires twice, and those whose time passed while rangectl was down
 * come out of schedule_due() at once, for the engine to fire them late.
 */
#ifndef RANGECTL_SCHEDULE_H
#define RANGECTL_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

#include "rangectl/plan.h"

struct schedule_item {
	size_t inject;	/* index in plan.injects */
	long at;	/* exercise seconds */
	bool fired;
};

struct schedule {
	struct schedule_item *items;	/* timed injects by time, then MSEL order */
	size_t n;
};

void schedule_init(struct schedule *s, const struct plan *plan);
void schedule_clear(struct schedule *s);
/* Marks a timed inject fired; false if it was already (or is manual). */
bool schedule_mark_fired(struct schedule *s, size_t inject);
/*
 * The unfired injects due at exercise time t, in order, as a new array of
 * plan indexes (the caller frees it); *count of them.
 */
size_t *schedule_due(const struct schedule *s, double t, size_t *count);
/* The time of the next unfired inject, or -1 when none is left. */
double schedule_next_at(const struct schedule *s);

#endif
