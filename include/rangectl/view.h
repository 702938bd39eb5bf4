/*
 * view.h: what the HTTP API shows, kept up to date from the journal.
 *
 * The view is the after-action report (report.c) fed every event as the
 * engine journals it, plus each host's last state and service results,
 * behind a read-write lock: HTTP threads read it and never wait for
 * libvirt or the engine. Answers are filtered for the caller: a trainee
 * sees their own team's hosts, messages and reports only.
 *
 * A restart does not replay the whole journal into it: the view keeps a
 * checkpoint of its own beside the engine's (VIEW_CHECKPOINT, written by
 * view_checkpoint() at a place the engine's checkpoint names), and is
 * restored from it by view_restore(); the engine's replay then hands it
 * the events after it, in the engine's one pass over the journal's tail
 * (engine_opts.observed_seq). A checkpoint that is missing, damaged,
 * foreign or no longer matches the journal means a full replay, which
 * gives the same view.
 */
#ifndef RANGECTL_VIEW_H
#define RANGECTL_VIEW_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

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
	/*
	 * Every event taken in but rounds, as journaled (JSON lines, own):
	 * what the checkpoint keeps to rebuild the report's lists; rounds
	 * are kept as what they left (report_state_to_json()).
	 */
	char *kept;
	size_t kept_len, kept_alloc;	/* no cap: a week's messages are MBs */
	unsigned long long saved_seq;	/* of the last checkpoint written */
	/* The intel events as journaled, in order (rebuilt from kept). */
	json_t *intel;
	json_t *intel_first;	/* team id -> wall of its first observation */
	/* The last range event, as journaled (own); NULL before one. */
	json_t *range;
	/*
	 * view_restore_lazy(): while restoring, the report's lists (and
	 * intel, range, kept) are still being rebuilt by the restorer
	 * thread; events handed in meanwhile wait in queued (own, in
	 * order). Both under wait_lock; restored is signalled when done.
	 */
	pthread_mutex_t wait_lock;
	pthread_cond_t restored;
	bool restoring;
	json_t *queued;
	size_t queued_ledger;	/* of them, those that may change the ledger */
	/*
	 * /metrics' firings and failed results as the checkpoint counted
	 * them, while restoring (has_counts: it did; older ones do not).
	 */
	bool has_counts;
	size_t head_firings, head_failed;
	pthread_t restorer;
	bool restorer_started;
};

/* The view's checkpoint in the state folder. */
#define VIEW_CHECKPOINT "view-checkpoint.jsonl"
/* Events between two checkpoints of the view while a run goes on. */
#define VIEW_CHECKPOINT_EVERY 1000

/*
 * A view of plan's exercise, from the journal in state_dir as it stands
 * (none yet is fine): from its checkpoint and the journal after it, or
 * the whole journal; or empty when state_dir is NULL (for a view fed by
 * the engine's observer, replay included). Returns 0, or -1 with *error.
 */
int view_init(struct view *v, const struct plan *plan, const char *state_dir,
    char **error);
/*
 * Takes in an event of a replay (journal_read_from()), decoded already:
 * what view_apply() does with a journaled event, without decoding it
 * again. Takes the write lock.
 */
struct journal_event;
void view_apply_replayed(struct view *v, const struct journal_event *je);
/*
 * The view of plan's exercise as its checkpoint in state_dir left it,
 * when that checkpoint is of this exercise and the journal still holds
 * the line it was taken at; else empty, with a note on log (when not
 * NULL) saying why. *seq and *offset say where the events it still needs
 * begin: after event *seq, at byte *offset of the journal (0 and 0: all
 * of them). The view is usable either way; view_clear() it after use.
 */
void view_restore(struct view *v, const struct plan *plan,
    const char *state_dir, unsigned long long *seq,
    unsigned long long *offset, FILE *log);
/*
 * view_restore(), in two halves, for a dashboard that must answer soon
 * after a restart: what the ledger's routes (scores, history, uptime,
 * coalition) and the hosts read is restored now; the report's lists
 * (injects, messages, reports, grades, intel, the clock's state) on a
 * thread of its own. Until that is done, a route that reads them waits
 * for it, and events handed in (view_apply(), view_apply_replayed())
 * are queued, and taken in after it in order: no half-restored state is
 * ever seen. A checkpoint that cannot be restored so is restored the
 * whole way now, as by view_restore().
 */
void view_restore_lazy(struct view *v, const struct plan *plan,
    const char *state_dir, unsigned long long *seq,
    unsigned long long *offset, FILE *log);
/*
 * Writes the view's checkpoint in state_dir, taken at event seq whose
 * line ends at byte offset of the journal and hashes to line_hash (as
 * the engine's checkpoint names them), when the view has taken in that
 * event last and, unless force, VIEW_CHECKPOINT_EVERY events came since
 * the last it wrote. Through a temporary file, fdatasync and rename.
 * Returns 1 when written, 0 when not due, -1 with *error set when it
 * could not be written (only the next restart is slower).
 */
int view_checkpoint(struct view *v, const char *state_dir,
    unsigned long long seq, unsigned long long offset,
    unsigned long long line_hash, bool force, char **error);
/*
 * The same in two steps, so that the write (and its fdatasync) may run
 * off the engine's thread: view_checkpoint_take() on the engine's thread
 * takes the checkpoint as text when it is due (new; NULL with *error NULL
 * when not due, NULL with *error set when it cannot be taken), and
 * counts it as taken; view_saving_write() writes it anywhere, once.
 */
struct view_saving;
struct view_saving *view_checkpoint_take(struct view *v,
    const char *state_dir, unsigned long long seq,
    unsigned long long offset, unsigned long long line_hash, bool force,
    char **error);
int view_saving_write(const struct view_saving *s, char **error);
void view_saving_free(struct view_saving *s);
void view_clear(struct view *v);
/* Takes in one journaled event (the engine's observer calls it). */
void view_apply(struct view *v, const json_t *event);

/* Each returns a new JSON value for caller u (NULL u: everything). */
json_t *view_exercise(struct view *v);
json_t *view_scores(struct view *v);
/*
 * Detection and sharing against the truth (issue 14): detect_to_json()
 * of the ledger, with "measured" (false when the exercise has neither
 * truth nor scoring.detection) and "teams_order", the blue teams in
 * the scenario's order. For controllers and instructors only: it names
 * the injects and when each hit each team.
 */
json_t *view_coalition(struct view *v);
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
/*
 * The observations u may see (staff: all; a trainee: those whose "to"
 * holds their team), newest first, as journaled but for type, seq and
 * wall; or, with stix, as a STIX 2.1 bundle (intel.h). New.
 */
json_t *view_intel(struct view *v, const struct auth_user *u, bool stix);

/*
 * Each team's digests of its range, from the last range event (format
 * 5): {teams, differ, t, wall}, or empty lists and null times before
 * one. Everyone's, for everyone: they are the proof of a fair range.
 */
json_t *view_range(struct view *v);
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
