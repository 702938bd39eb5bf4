/*
 * test_schedule.c: the MSEL in time order, fired once.
 */
#include "harness.h"

#include "rangectl/range.h"
#include "rangectl/schedule.h"
#include "rangectl/util.h"

TEST(due_in_order_once)
{
	struct diag_list diags;
	struct schedule s;
	struct range r;
	size_t *due, n, i;

	diag_list_init(&diags);
	if (!CHECK(range_load(&r, "scenarios/coalition.yaml", &diags) == 0))
		return;
	schedule_init(&s, r.plan);
	/* Every timed inject is there, none of the manual ones. */
	for (i = n = 0; i < r.plan->n_injects; i++)
		n += !r.plan->injects[i].manual;
	CHECK_INT_EQ(s.n, n);
	for (i = 1; i < s.n; i++)
		CHECK(s.items[i - 1].at <= s.items[i].at);
	due = schedule_due(&s, -1, &n);
	CHECK_INT_EQ(n, 0);
	free(due);
	/* Everything is due at the end; firing marks them once only. */
	due = schedule_due(&s, r.plan->duration, &n);
	CHECK_INT_EQ(n, s.n);
	for (i = 0; i < n; i++)
		CHECK(schedule_mark_fired(&s, due[i]));
	CHECK(!schedule_mark_fired(&s, due[0]));
	free(due);
	due = schedule_due(&s, r.plan->duration, &n);
	CHECK_INT_EQ(n, 0);
	free(due);
	CHECK(schedule_next_at(&s) < 0);
	schedule_clear(&s);
	range_clear(&r);
	diag_list_clear(&diags);
}

TEST(late_injects_come_out_at_once)
{
	struct diag_list diags;
	struct schedule s;
	struct range r;
	size_t *due, n;

	diag_list_init(&diags);
	if (!CHECK(range_load(&r, "scenarios/demo.yaml", &diags) == 0))
		return;
	schedule_init(&s, r.plan);
	/* As after a restart at 10 min with nothing journaled as fired. */
	due = schedule_due(&s, 600, &n);
	CHECK(n >= 2);
	CHECK(r.plan->injects[due[0]].at <= r.plan->injects[due[1]].at);
	CHECK(schedule_next_at(&s) <= 600);
	free(due);
	schedule_clear(&s);
	schedule_clear(NULL);
	range_clear(&r);
	diag_list_clear(&diags);
}
