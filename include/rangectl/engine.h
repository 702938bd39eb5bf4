/*
 * engine.h: the exercise engine: the clock, the MSEL, the scoring rounds
 * and the journal, joined to libvirt.
 *
 * One thread (the one in engine_run) owns the engine's state and is the
 * only writer of the journal. It sleeps in epoll on a timerfd armed for
 * the next thing due (an inject, a round, a link coming back, the end),
 * an eventfd that other threads ring (finished work, libvirt events,
 * commands) and, when asked, a signalfd. Rounds and firings run on
 * threads of their own, so a slow guest never holds the clock.
 *
 * No libvirt type here: the engine's connections are held by its libvirt
 * edge (engine_libvirt.c), and what needs one (a console) asks the engine.
 */
#ifndef RANGECTL_ENGINE_H
#define RANGECTL_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rangectl/plan.h"

struct engine;
struct journal_event;
struct virt;
struct MHD_UpgradeResponseHandle;

struct engine_opts {
	const char *state_dir;	/* holds journal.jsonl; made if missing */
	double speed;	/* exercise seconds per real second, > 0 */
	int exec_timeout;	/* seconds an exec inject may run; 0: default */
	bool wait_for_start;	/* stay pending until a start command */
	/*
	 * Go on by a scenario whose MSEL or scoring changed since the
	 * exercise began (journaled as a change event); without it, such a
	 * restart is refused.
	 */
	bool accept_changes;
	/*
	 * A rehearsal: no check is sent, each round's results are drawn
	 * from the injects fired (round_simulate()) and journaled as
	 * simulated.
	 */
	bool simulate_checks;
	bool signals;	/* SIGINT/SIGTERM stop, SIGUSR1 pauses, SIGUSR2 resumes */
	FILE *log;	/* one line per event, or NULL for none */
	/*
	 * Called with every event of the journal (borrowed for the call):
	 * those replayed by engine_new(), then each new one once it is
	 * journaled, on the engine's thread; e.g. to feed the HTTP API's view
	 * and its live updates. Must not block. NULL for none.
	 */
	void (*observe)(void *ctx, const json_t *event);
	/*
	 * When set, called instead of observe with the events engine_new()
	 * replays, decoded already (journal_read_from(): a round's JSON is
	 * not built), e.g. view_apply_replayed().
	 */
	void (*observe_replayed)(void *ctx, const struct journal_event *je);
	void *observe_ctx;
	/*
	 * When set, called with each event the engine replays itself (from
	 * its checkpoint's place on, or from the journal's first), before
	 * the engine takes it, decoded when it could be (je->ev NULL and
	 * je->error set when not): -1 with *why set (new) stops the replay,
	 * and engine_replayed() fails with *why as its error, word for word.
	 * For checks of the caller's own in the replay's one pass.
	 */
	int (*check_replayed)(void *ctx, const struct journal_event *je,
	    char **why);
	void *check_ctx;
	/*
	 * What the observer holds already (a state restored from a
	 * checkpoint of its own, view_restore()): every event up to
	 * observed_seq, whose line ends at byte observed_offset of the
	 * journal (0 and 0: none). A replay is handed only the events after
	 * it; when the engine's own checkpoint is further on, the replay
	 * starts at the observer's place and hands the events up to the
	 * engine's checkpoint to the observer alone: one pass over the
	 * journal for both.
	 */
	unsigned long long observed_seq, observed_offset;
	/*
	 * Called on the engine's thread (with observe_ctx) each time the
	 * engine's checkpoint is written: the seq of the last event, the
	 * byte offset its line ends at and that line's hash, as the
	 * checkpoint names them, so that the observer may checkpoint its own
	 * state at the same place. Must not block long. NULL for none.
	 */
	void (*checkpointed)(void *ctx, unsigned long long seq,
	    unsigned long long offset, unsigned long long line_hash);
	/*
	 * A range event (event.h, format 5: each team's digests, taken by
	 * `up`), journaled at the start of the run, before the clock; NULL
	 * for none. Borrowed until engine_new() returns (it keeps a copy).
	 */
	const json_t *range_event;
};

enum engine_command_kind {
	ENGINE_START,
	ENGINE_PAUSE,
	ENGINE_RESUME,
	ENGINE_STOP,
	ENGINE_FIRE,	/* arg: inject id */
	ENGINE_ADJUST,	/* arg: team id; points, text: the reason */
	ENGINE_REPORT,	/* arg: team id; text: title; body; inject (or NULL) */
	ENGINE_GRADE,	/* arg: report id; points; text: comment (or NULL) */
	ENGINE_REVERT,	/* arg: host name */
	ENGINE_FLAG,	/* arg: red team id; text: the flag submitted */
	ENGINE_INTEL,	/* arg: blue team id; json: what intel_check() made */
};

/* A controller's command; every string is borrowed for the call. */
struct engine_command {
	int kind;	/* enum engine_command_kind */
	const char *by;	/* who asked: a member name */
	const char *arg;
	long long points;
	const char *text;
	const char *body;
	const char *inject;
	/* ENGINE_REPORT: what the team saw, checked by the API (or NULL, 0) */
	const char *technique;
	const struct event_indicator *indicators;
	size_t n_indicators;
	const json_t *json;
};

/*
 * Opens the journal of opts->state_dir and replays it: the clock, the
 * injects already fired, the scores. plan and virt are borrowed and must
 * outlive the engine. Returns the engine, or NULL with *error set (the
 * caller frees it) when the journal cannot be opened or is damaged.
 */
struct engine *engine_new(const struct plan *plan, struct virt *virt,
    const struct engine_opts *opts, char **error);
struct cluster;
/*
 * The same for a range over the nodes of cl (borrowed, must outlive the
 * engine): every host is reached through its node's connection, and a
 * node lost is reconnected on its own, its hosts' checks and injects
 * failing meanwhile and no other's.
 */
struct engine *engine_new_cluster(const struct plan *plan, struct cluster *cl,
    const struct engine_opts *opts, char **error);
/*
 * engine_new() in two steps, for a caller that must know what the journal
 * holds before it builds anything, without reading the journal twice:
 * engine_replayed() reads the journal (from the engine's checkpoint when
 * one matches it) and opens nothing, connects nothing, writes nothing;
 * the caller looks (engine_ended(), engine_changes_check()); then
 * engine_start() or engine_start_cluster() opens the journal for writing.
 * These take from run (borrowed for the call) what a caller may learn
 * only once its nodes are open, in place of engine_replayed()'s: its
 * range_event (copied) and simulate_checks (`run` simulates on libvirt's
 * test driver); the rest stays engine_replayed()'s. NULL or -1 with
 * *error set (the caller frees it); after a failed start the engine is
 * still the caller's to free.
 */
struct engine *engine_replayed(const struct plan *plan,
    const struct engine_opts *opts, char **error);
/* Whether the journal's clock ended; *t: its last event's exercise time. */
bool engine_ended(const struct engine *e, double *t);
/*
 * The journal's MSEL and scoring against the plan's: 0 when alike, or
 * different and opts->accept_changes (a change event is journaled at the
 * start), else -1 with *error naming every difference.
 */
int engine_changes_check(struct engine *e, char **error);
int engine_start(struct engine *e, struct virt *virt,
    const struct engine_opts *run, char **error);
int engine_start_cluster(struct engine *e, struct cluster *cl,
    const struct engine_opts *run, char **error);
/*
 * Runs the exercise until its clock ends, a stop command, or (with
 * opts->signals) SIGINT or SIGTERM, which let the current round and
 * firings finish first. Returns 0 when the exercise ended, 1 when it was
 * interrupted (it resumes from the journal next time), -1 with *error set
 * when it had to stop: the journal could not be written.
 */
int engine_run(struct engine *e, char **error);
/*
 * Hands a command to the engine's thread and waits for its answer: 0, or
 * -1 with *error set (the caller frees it) when it is not allowed now
 * (pausing a paused clock, an unknown inject...). Calls made before
 * engine_run() starts wait for it. *answer (when answer
 * is not NULL) may receive a new object: a filed report's {"id"}, a
 * captured flag's {"points"}. Safe from any thread
 * but the engine's own while engine_run() runs.
 */
int engine_call(struct engine *e, const struct engine_command *cmd,
    json_t **answer, char **error);
/*
 * Journals event (taken) on the engine's thread without waiting for it:
 * what the HTTP server witnesses (a login). Returns 0 when queued, or -1
 * (event freed) when the engine no longer takes calls. Any thread.
 */
int engine_note(struct engine *e, json_t *event);
/*
 * Makes engine_call() refuse at once ("not running"), for an engine that
 * will never run (tests, fuzzing); engine_run() does so itself when done.
 */
void engine_refuse_calls(struct engine *e);
/* The exercise time now, the clock's state name, and the ledger's scores:
 * {"state","elapsed","duration","speed","scores":{...}}, new. */
json_t *engine_snapshot(struct engine *e);
/*
 * Opens plan host `host`'s serial console (kind CONSOLE_SERIAL) or its
 * screen (CONSOLE_SCREEN, console.h) through its node's connection
 * and relays it over the upgraded WebSocket on sock (console.h), on a
 * thread of its own; then closes the upgraded connection with
 * MHD_upgrade_action(urh, CLOSE). extra: the bytes the server read past
 * the handshake (copied). A console that cannot open (its node away, no
 * such domain...) is told to the browser in the close message. Returns 0
 * once the thread runs, or -1 with *error set (the caller frees it) when
 * it could not start, having closed the connection. Any thread.
 */
int engine_console(struct engine *e, size_t host, int kind,
    struct MHD_UpgradeResponseHandle *urh, int sock, const char *extra,
    size_t extra_size, char **error);
/*
 * The journal's first event for plan: the exercise, its teams, injects
 * and hosts, all that `rangectl report` needs besides the events. New.
 */
json_t *engine_exercise_event(const struct plan *plan);

/*
 * The MSEL and scoring an exercise runs by (engine_timeline.c): the
 * timeline keys of an exercise or change event's object (the plan's:
 * of engine_exercise_event()'s), new; what differs from was to now, as sentences ("inject 'deface': at
 * 0:15:00, now 0:20:00"), a new list, maybe empty; and the refusal of a
 * restart by a changed scenario, naming each difference, new.
 */
json_t *engine_timeline_of(const json_t *event);
json_t *engine_timeline_diff(const json_t *was, const json_t *now);
char *engine_timeline_refusal(const struct plan *plan,
    const char *state_dir, const json_t *lines);

/*
 * What a state folder's checkpoint says of its exercise, read without an
 * engine (run's check of the folder before it connects), so that a long
 * journal is read only from where the checkpoint was taken.
 */
struct engine_peek {
	json_t *timeline;	/* own; NULL in a journal before format 3 */
	bool ended;	/* the clock had ended */
	double t;	/* exercise seconds of the last event */
	unsigned long long offset;	/* the journal goes on from this byte */
	unsigned long long first_seq;	/* ...with this event */
};
/*
 * 1 with *peek filled (engine_peek_clear() frees it) when state_dir holds
 * a checkpoint of exercise, of this release, whose journal is still the
 * one it was taken from; else 0 (then read the whole journal).
 */
int engine_checkpoint_peek(const char *state_dir, const char *exercise,
    struct engine_peek *peek);
void engine_peek_clear(struct engine_peek *peek);
void engine_free(struct engine *e);

#endif
