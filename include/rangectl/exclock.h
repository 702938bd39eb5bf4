/*
 * exclock.h: the exercise clock, as pure arithmetic over a monotonic time
 * the caller passes in (so tests need no sleeping, and the engine arms its
 * timerfd from exclock_mono_at()).
 *
 * States go pending -> running <-> paused -> ended. Exercise time runs at
 * speed times the monotonic clock while running, stands still otherwise,
 * and never passes the duration.
 */
#ifndef RANGECTL_EXCLOCK_H
#define RANGECTL_EXCLOCK_H

enum exclock_state {
	EXCLOCK_PENDING,
	EXCLOCK_RUNNING,
	EXCLOCK_PAUSED,
	EXCLOCK_ENDED,
};

struct exclock {
	enum exclock_state state;
	double speed;	/* exercise seconds per real second, > 0 */
	double duration;	/* exercise seconds */
	double offset;	/* exercise time at anchor */
	double anchor;	/* monotonic seconds of the last start or resume */
};

void exclock_init(struct exclock *c, double duration, double speed);
/* Exercise seconds at monotonic time mono. */
double exclock_now(const struct exclock *c, double mono);
/*
 * Transitions at monotonic time mono; each returns 0, or -1 when not
 * allowed from the current state (the state is unchanged).
 */
int exclock_start(struct exclock *c, double mono);
int exclock_pause(struct exclock *c, double mono);
int exclock_resume(struct exclock *c, double mono);
int exclock_stop(struct exclock *c, double mono);
/* Resumes a clock that stood at offset (after a replay), running or not. */
void exclock_restore(struct exclock *c, enum exclock_state state,
    double offset, double mono);
/* The monotonic time at which exercise time t comes, or -1 if it cannot
 * come while the clock stands (paused, pending, ended). */
double exclock_mono_at(const struct exclock *c, double t);
const char *exclock_state_name(enum exclock_state state);

#endif
