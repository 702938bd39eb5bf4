/*
 * exclock.c: exercise time from monotonic time.
 */
#include "rangectl/exclock.h"

void
exclock_init(struct exclock *c, double duration, double speed)
{
	c->state = EXCLOCK_PENDING;
	c->speed = speed > 0 ? speed : 1;
	c->duration = duration;
	c->offset = 0;
	c->anchor = 0;
}

double
exclock_now(const struct exclock *c, double mono)
{
	double t = c->offset;

	if (c->state == EXCLOCK_RUNNING && mono > c->anchor)
		t += (mono - c->anchor) * c->speed;
	return t < c->duration ? t : c->duration;
}

int
exclock_start(struct exclock *c, double mono)
{
	if (c->state != EXCLOCK_PENDING)
		return -1;
	c->state = EXCLOCK_RUNNING;
	c->anchor = mono;
	return 0;
}

int
exclock_pause(struct exclock *c, double mono)
{
	if (c->state != EXCLOCK_RUNNING)
		return -1;
	c->offset = exclock_now(c, mono);
	c->state = EXCLOCK_PAUSED;
	return 0;
}

int
exclock_resume(struct exclock *c, double mono)
{
	if (c->state != EXCLOCK_PAUSED)
		return -1;
	c->state = EXCLOCK_RUNNING;
	c->anchor = mono;
	return 0;
}

int
exclock_stop(struct exclock *c, double mono)
{
	if (c->state == EXCLOCK_ENDED)
		return -1;
	c->offset = exclock_now(c, mono);
	c->state = EXCLOCK_ENDED;
	return 0;
}

void
exclock_restore(struct exclock *c, enum exclock_state state, double offset,
    double mono)
{
	c->state = state;
	c->offset = offset < c->duration ? offset : c->duration;
	c->anchor = mono;
}

double
exclock_mono_at(const struct exclock *c, double t)
{
	if (c->state != EXCLOCK_RUNNING)
		return -1;
	if (t <= c->offset)
		return c->anchor;
	return c->anchor + (t - c->offset) / c->speed;
}

const char *
exclock_state_name(enum exclock_state state)
{
	switch (state) {
	case EXCLOCK_PENDING: return "pending";
	case EXCLOCK_RUNNING: return "running";
	case EXCLOCK_PAUSED: return "paused";
	case EXCLOCK_ENDED: return "ended";
	}
	return "unknown";
}
