/*
 * view.h: what the HTTP API shows, kept up to date from the journal.
 *
 * The view is the after-action report (report.c) fed every event as the
 * engine journals it, plus each host's last state and service results,
 * behind a read-write lock: HTTP threads read it and never wait for
 * libvirt or the engine. Answers are filtered for the caller: a trainee
 * sees their own team's hosts, messages and reports only.
 */
#ifndef RANGECTL_VIEW_H
#define RANGECTL_VIEW_H

#include <jansson.h>
#include <pthread.h>

#include "rangectl/auth.h"
#include "rangectl/plan.h"
#include "rangectl/report.h"

struct view {
	pthread_rwlock_t lock;
	const struct plan *plan;	/* borrowed */
	struct report report;
	json_t *hosts;	/* name -> {"state","reason","services":{id:{up,reason}}} */
	unsigned long version;	/* bumped by every event */
	long long last_seq;	/* of the last event taken in; older ones are skipped */
	char *scores_text;	/* GET /scores, serialized once per version */
	unsigned long scores_version;
};

/*
 * A view of plan's exercise, from the journal in state_dir as it stands
 * (none yet is fine), or empty when state_dir is NULL (for a view fed by
 * the engine's observer, replay included). Returns 0, or -1 with *error.
 */
int view_init(struct view *v, const struct plan *plan, const char *state_dir,
    char **error);
void view_clear(struct view *v);
/* Takes in one journaled event (the engine's observer calls it). */
void view_apply(struct view *v, const json_t *event);

/* Each returns a new JSON value for caller u (NULL u: everything). */
json_t *view_exercise(struct view *v);
json_t *view_scores(struct view *v);
/* The scores as JSON text (a new copy, *len bytes): serialized once per
 * change, since it is the busiest route. */
char *view_scores_text(struct view *v, size_t *len);
/*
 * Uptime and the SLA per team, host and check (score_uptime_to_json()),
 * new; a trainee gets its own team's only.
 */
json_t *view_uptime(struct view *v, const struct auth_user *u);
json_t *view_history(struct view *v);
json_t *view_hosts(struct view *v, const struct auth_user *u);
json_t *view_injects(struct view *v);
json_t *view_messages(struct view *v, const struct auth_user *u);
json_t *view_reports(struct view *v, const struct auth_user *u);
/* The team id of a report, or NULL; copied into team (size n). */
int view_report_team(struct view *v, const char *id, char *team, size_t n);

/* Figures for /metrics. */
struct view_counts {
	size_t rounds;
	size_t checks_up;	/* in each host's last round */
	size_t checks_down;
	size_t firings;
	size_t results_failed;	/* per target */
};
void view_counts(struct view *v, struct view_counts *c);

/* Whether u may see what concerns team (NULL: everyone). */
int view_may_see_team(const struct auth_user *u, const char *team);

#endif
