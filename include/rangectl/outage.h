/*
 * outage.h: whose fault a failed round is, the attack's or the team's
 * (issue 14 point 4), decided from journal events alone.
 *
 * The score ledger (score.h) holds one effect window per service check
 * and calls these on each inject, inject_result and round event; the
 * rules are here, pure, so that a table of cases tests them whole:
 *
 * - An inject fired at a host opens a window on each of the host's checks
 *   it is known to break: every check for a shutdown, destroy, reboot or
 *   revert (its power); every one but exec checks for a link_down (its
 *   network: exec checks reach the guest through its agent); and the
 *   checks its MSEL entry lists in breaks (the scenario's breaks, its
 *   truth's effects, the rehearsal's model of a defacement).
 * - The firing's result on the host settles it: ok (or lost), the host
 *   was hit; failed, it was missed.
 * - A failed round of a check whose window is open and not missed is the
 *   attack's; any other failed round is the team's own. A rehearsal's
 *   simulated round fails checks from the injects fired whatever their
 *   results (round_simulate()), so there a missed window counts too. The
 *   first round that passes once the window is settled closes it: the
 *   service is seen back, however it came back, and from then on a
 *   failure is the team's. A round whose checks began before the result
 *   came (they run at the round's time, the action as it fires) may have
 *   seen the host as it was: its pass closes nothing.
 *
 * docs/internals/score.md says why the window ends there and not at a
 * link's or a host's return.
 */
#ifndef RANGECTL_OUTAGE_H
#define RANGECTL_OUTAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "rangectl/event.h"

enum outage_cause { OUTAGE_SELF, OUTAGE_ATTACK };

/* What an inject's action does to the hosts it fires at. */
enum outage_reach {
	OUTAGE_REACH_NONE,	/* exec, link_up, start, message */
	OUTAGE_REACH_NETWORK,	/* link_down: every check but exec ones */
	OUTAGE_REACH_HOST,	/* shutdown, destroy, reboot, revert: all */
};

/* An inject of the MSEL, as far as outages go. Owns its strings. */
struct outage_inject {
	char *id;
	enum outage_reach reach;
	char **breaks;	/* "HOST/SERVICE" */
	size_t n_breaks;
};

struct outage_msel {
	struct outage_inject *injects;
	size_t n_injects;
};

/* The window an inject's firing opened on one check; inject NULL: none. */
struct outage_window {
	char *inject;	/* own */
	long long firing;
	bool settled;	/* the firing's result on the host came */
	bool missed;	/* and said the action failed there */
	double settled_t;	/* when the result came, exercise seconds */
};

enum outage_reach outage_reach_of(const char *action);
/* Takes the MSEL of an exercise or change event, replacing m's. */
void outage_msel_set(struct outage_msel *m, const struct event_msel *injects,
    size_t n);
void outage_msel_clear(struct outage_msel *m);	/* NULL is safe */
/* The inject id of m, or NULL. */
const struct outage_inject *outage_inject_find(const struct outage_msel *m,
    const char *id);
/* Whether inj, fired at host, breaks its check service (exec: of kind exec). */
bool outage_breaks(const struct outage_inject *inj, const char *host,
    const char *service, bool exec);

/* A firing of inject (its number firing) opens or takes over w. */
void outage_open(struct outage_window *w, const char *inject,
    long long firing);
/* That firing's result on w's host: hit (ok or lost) or missed. */
void outage_settle(struct outage_window *w, const char *inject,
    long long firing, bool hit, double t);
/*
 * A round's result of w's check: the cause of a failure (up false), the
 * window closed by a pass of a round that began (started, exercise
 * seconds) once settled; simulated for a rehearsal's round. Returns
 * OUTAGE_SELF for a pass.
 */
enum outage_cause outage_round(struct outage_window *w, bool up,
    bool simulated, double started);
void outage_window_clear(struct outage_window *w);

/*
 * A weight in thousandths applied to points: (weight - 1000) * points,
 * the thousandths of points a failed round adds to its cost.
 */
long long outage_extra(long weight, long long points);
/* Thousandths of points to whole points, halves away from zero. */
long long outage_points(long long thousandths);

#endif
