/*
 * outage.c: the rules that tell an attack's outage from a team's own
 * (outage.h). Pure: the ledger calls it with what the journal says.
 */
#include "rangectl/outage.h"

#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

enum outage_reach
outage_reach_of(const char *action)
{
	static const char *const host[] = { "shutdown", "destroy", "reboot",
		"revert" };
	size_t i;

	if (action == NULL)
		return OUTAGE_REACH_NONE;
	if (strcmp(action, "link_down") == 0)
		return OUTAGE_REACH_NETWORK;
	for (i = 0; i < ARRAY_SIZE(host); i++)
		if (strcmp(action, host[i]) == 0)
			return OUTAGE_REACH_HOST;
	return OUTAGE_REACH_NONE;
}

void
outage_msel_clear(struct outage_msel *m)
{
	size_t i, j;

	if (m == NULL)
		return;
	for (i = 0; i < m->n_injects; i++) {
		free(m->injects[i].id);
		for (j = 0; j < m->injects[i].n_breaks; j++)
			free(m->injects[i].breaks[j]);
		free(m->injects[i].breaks);
	}
	free(m->injects);
	m->injects = NULL;
	m->n_injects = 0;
}

void
outage_msel_set(struct outage_msel *m, const struct event_msel *injects,
    size_t n)
{
	size_t i, j;

	outage_msel_clear(m);
	m->injects = xcalloc(n + 1, sizeof(*m->injects));
	for (i = 0; i < n; i++) {
		struct outage_inject *inj = &m->injects[i];

		inj->id = xstrdup(injects[i].id);
		inj->reach = outage_reach_of(injects[i].action);
		inj->breaks = xcalloc(injects[i].n_breaks + 1,
		    sizeof(*inj->breaks));
		for (j = 0; j < injects[i].n_breaks; j++)
			inj->breaks[j] = xstrdup(injects[i].breaks[j]);
		inj->n_breaks = injects[i].n_breaks;
	}
	m->n_injects = n;
}

const struct outage_inject *
outage_inject_find(const struct outage_msel *m, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < m->n_injects; i++)
		if (strcmp(m->injects[i].id, id) == 0)
			return &m->injects[i];
	return NULL;
}

bool
outage_breaks(const struct outage_inject *inj, const char *host,
    const char *service, bool exec)
{
	size_t i, n = strlen(host);

	if (inj->reach == OUTAGE_REACH_HOST ||
	    (inj->reach == OUTAGE_REACH_NETWORK && !exec))
		return true;
	for (i = 0; i < inj->n_breaks; i++) {
		const char *b = inj->breaks[i];

		if (strncmp(b, host, n) == 0 && b[n] == '/' &&
		    strcmp(b + n + 1, service) == 0)
			return true;
	}
	return false;
}

void
outage_window_clear(struct outage_window *w)
{
	free(w->inject);
	memset(w, 0, sizeof(*w));
}

void
outage_open(struct outage_window *w, const char *inject, long long firing)
{
	outage_window_clear(w);
	w->inject = xstrdup(inject);
	w->firing = firing;
}

void
outage_settle(struct outage_window *w, const char *inject, long long firing,
    bool hit, double t)
{
	/* A later firing took the window over: this result is not its. */
	if (w->inject == NULL || strcmp(w->inject, inject) != 0 ||
	    w->firing != firing)
		return;
	w->settled = true;
	w->missed = !hit;
	w->settled_t = t;
}

enum outage_cause
outage_round(struct outage_window *w, bool up, bool simulated,
    double started)
{
	if (!up)
		return w->inject != NULL && (!w->missed || simulated) ?
		    OUTAGE_ATTACK : OUTAGE_SELF;
	/*
	 * A pass before the result came may be the round that ran while the
	 * action did: it proves nothing yet.
	 */
	if (w->inject != NULL && w->settled && started >= w->settled_t)
		outage_window_clear(w);
	return OUTAGE_SELF;
}

long long
outage_extra(long weight, long long points)
{
	return ((long long)weight - 1000) * points;
}

long long
outage_points(long long thousandths)
{
	return thousandths >= 0 ? (thousandths + 500) / 1000 :
	    -((-thousandths + 500) / 1000);
}
