/*
 * test_exclock.c: the exercise clock's arithmetic and transitions, with
 * monotonic times given by hand.
 */
#include "harness.h"

#include <math.h>

#include "rangectl/exclock.h"

static bool
near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

TEST(speed_pause_resume)
{
	struct exclock c;

	exclock_init(&c, 4 * 3600, 60);
	CHECK(near(exclock_now(&c, 100), 0));
	CHECK_INT_EQ(exclock_start(&c, 100), 0);
	CHECK(near(exclock_now(&c, 101), 60));	/* one second is a minute */
	CHECK_INT_EQ(exclock_pause(&c, 102), 0);
	CHECK(near(exclock_now(&c, 500), 120));	/* paused: stands still */
	CHECK_INT_EQ(exclock_resume(&c, 600), 0);
	CHECK(near(exclock_now(&c, 601), 180));
	CHECK(near(exclock_mono_at(&c, 240), 602));
	CHECK(near(exclock_now(&c, 10000), 4 * 3600));	/* never past the end */
	CHECK_INT_EQ(exclock_stop(&c, 700), 0);
	CHECK_STR_EQ(exclock_state_name(c.state), "ended");
}

TEST(transitions_that_are_refused)
{
	struct exclock c;

	exclock_init(&c, 3600, 1);
	CHECK_INT_EQ(exclock_pause(&c, 1), -1);
	CHECK_INT_EQ(exclock_resume(&c, 1), -1);
	CHECK_INT_EQ(exclock_start(&c, 1), 0);
	CHECK_INT_EQ(exclock_start(&c, 2), -1);
	CHECK_INT_EQ(exclock_resume(&c, 2), -1);
	CHECK(exclock_mono_at(&c, 10) > 0);
	CHECK_INT_EQ(exclock_pause(&c, 3), 0);
	CHECK(exclock_mono_at(&c, 10) < 0);
	CHECK_INT_EQ(exclock_stop(&c, 4), 0);
	CHECK_INT_EQ(exclock_stop(&c, 5), -1);
	CHECK_INT_EQ(exclock_start(&c, 6), -1);
}

TEST(restore_after_replay)
{
	struct exclock c;

	exclock_init(&c, 3600, 10);
	exclock_restore(&c, EXCLOCK_RUNNING, 1200, 50);
	CHECK(near(exclock_now(&c, 51), 1210));
	exclock_restore(&c, EXCLOCK_PAUSED, 99999, 60);
	CHECK(near(exclock_now(&c, 70), 3600));
}
