/*
 * round.h: one scoring round: every service check of every host, and the
 * compromise check of every fired inject on each of its targets, all at
 * once, each bounded by the scoring timeout.
 *
 * The engine fills a round (round_add_*), runs it on a thread of its own
 * (round_run) and journals round_to_event(): a round counts whole or not
 * at all.
 */
#ifndef RANGECTL_ROUND_H
#define RANGECTL_ROUND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "rangectl/check.h"
#include "rangectl/plan.h"

struct cluster_refs;

struct round_item {
	size_t host;	/* plan index */
	const struct scenario_check *check;	/* borrowed from the plan */
	const char *inject;	/* compromise checks: the inject's id */
	bool host_running;	/* false: not probed, down */
	char *host_reason;	/* why the host is not running, or NULL */
	/* results */
	bool up;	/* service up, or compromise active */
	char reason[CHECK_REASON];
};

struct round {
	const struct plan *plan;	/* borrowed */
	long n;
	double at;	/* exercise seconds it was due */
	double late;	/* exercise seconds it started after that */
	int timeout_ms;
	bool simulated;	/* results drawn from the injects, nothing sent */
	struct round_item *items;
	size_t n_items;
	size_t alloc;
};

void round_init(struct round *r, const struct plan *plan, long n, double at,
    int timeout_ms);
void round_clear(struct round *r);
/*
 * Every service of every host. running[i] says whether host i runs, and
 * why not in reasons[i] (borrowed for the round's life; may be NULL).
 */
void round_add_services(struct round *r, const bool *running,
    const char *const *reasons);
/* The compromise check of inject on each of its targets. */
void round_add_compromises(struct round *r, size_t inject, const bool *running,
    const char *const *reasons);
/*
 * A rehearsal's round, where no check may leave the controller: gives
 * every item the result the injects fired so far should give it, and
 * marks the round simulated (round_run() then sends nothing). A service
 * passes unless its host is not running, the link of its first NIC is
 * cut (link_down[host]; exec checks run through the agent and pass), a
 * fired inject on the host lists it in 'breaks', or an exec inject on the
 * host with an http compromise check defaced the page, so that the
 * service's expect_body is no longer in the compromise's. A compromise is
 * active while its host runs and can be reached. fired and link_down are
 * per inject and per host, borrowed for the call.
 */
void round_simulate(struct round *r, const bool *fired, const bool *link_down);

/* What, by the rehearsal's model, a fired inject does to a service check. */
enum round_break {
	ROUND_INTACT,
	ROUND_STOPPED,	/* its breaks list the check */
	ROUND_DEFACED,	/* an exec whose compromise's page lacks the text */
};
/*
 * Whether plan inject pi, fired at the host of service check c, breaks it
 * beyond what its action does to the host (power, link): the knowledge
 * round_simulate() fails checks by, shared with the journal's MSEL
 * (engine_replay.c), which the score ledger attributes outages by.
 */
enum round_break round_inject_breaks(const struct plan_inject *pi,
    const struct scenario_check *c);
/*
 * Runs every item: tcp and http from this thread at once, exec through
 * the guest agents in parallel, each through its host's node's connection
 * in refs (borrowed; NULL, or a NULL connection: those fail, saying so).
 * Ends within about one timeout.
 */
void round_run(struct round *r, const struct cluster_refs *refs);
/*
 * The probe of item i, a network check: its texts with the host's
 * {team.*} and {host.*} filled and its key's path resolved, all owned by
 * the probe until round_probe_clear().
 */
void round_probe(const struct round *r, size_t i, struct check_probe *p);
void round_probe_clear(struct check_probe *p);
/* The round's journal event: {"type":"round","n","at","late",...}, new. */
json_t *round_to_event(const struct round *r);

#endif
