/*
 * engine_impl.h: the engine's state, shared by its files, each calling
 * only those below it (tools/symgraph.sh fails on a call back up):
 *
 *   engine.c             engine_new/free, the loop, finished work handed on
 *     engine_command.c   commands from other threads, snapshots for them
 *     engine_replay.c    the journal read back; what a run journals first
 *     engine_work.c      firings, links coming back, rounds, the end, timer
 *     engine_libvirt.c   the only one calling libvirt: lifecycle events, a
 *                        lost libvirtd, reconnecting, the nodes'
 *                        connections (references, a link, a revert, a
 *                        console)
 *     engine_checkpoint.c  the replayed state kept beside the journal
 *   engine_state.c       the state's primitives: log, journal, queue, threads,
 *                        links down, names to indexes
 *
 * engine.c calls all of them; engine_command.c calls engine_work.c
 * (engine_fire); engine_work.c and engine_command.c call engine_libvirt.c
 * (the nodes' connections); engine_work.c and engine_replay.c call
 * engine_checkpoint.c; every one calls engine_state.c, which calls none.
 * A lower file never calls up: it returns what happened, or is handed a
 * function pointer.
 * Everything here belongs to the engine's thread unless it says "lock".
 */
#ifndef RANGECTL_ENGINE_IMPL_H
#define RANGECTL_ENGINE_IMPL_H

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>

#include "rangectl/engine.h"
#include "rangectl/event.h"
#include "rangectl/exclock.h"
#include "rangectl/journal.h"
#include "rangectl/round.h"
#include "rangectl/schedule.h"
#include "rangectl/score.h"
#include "rangectl/strmap.h"

enum engine_done_kind {
	DONE_ROUND,	/* a round finished: round */
	DONE_EVENT,	/* a firing, link or revert finished: event to journal */
	DONE_HOST,	/* libvirt says a domain changed state */
	DONE_CONN_LOST,	/* libvirt closed a node's connection: host is the node */
	DONE_CHECKPOINT,	/* a checkpoint written: event is its error, or NULL */
	DONE_NOTE,	/* another part of rangectl's event to journal (engine_note) */
};

/* Work finished on another thread, queued for the engine's (lock). */
struct engine_done {
	struct engine_done *next;
	int kind;	/* enum engine_done_kind */
	struct round round;
	json_t *event;	/* owned */
	size_t host;
	int state;	/* virDomainEventType */
	int detail;
};

/* A controller's command waiting for the engine's thread (lock). */
struct engine_call {
	struct engine_call *next;
	const struct engine_command *cmd;
	json_t **answer;
	int rc;
	char *error;
	bool done;
	/* Answered once the journal is durable up to here (engine's thread). */
	unsigned long long seq;
};

/*
 * What to do once a queued event is durable (ok), or when it never will
 * be (!ok: the journal failed; arg is only freed): a firing's action, a
 * round's log line and checkpoint.
 */
typedef void engine_then_fn(struct engine *e, void *arg, bool ok);

/* An event queued to the journal's writer, not yet durable (engine's). */
struct engine_pending {
	struct engine_pending *next;
	json_t *event;	/* owned */
	unsigned long long seq;	/* of its last line */
	engine_then_fn *then;	/* or NULL */
	void *arg;
};

/* engine_libvirt.c's: the nodes, their connections, libvirt's callbacks. */
struct engine_edge;
struct cluster;
struct cluster_refs;

/* A link_down's link, to come back up at exercise time until. */
struct engine_link {
	size_t host;
	size_t network;
	double until;
	size_t inject;
};

struct engine {
	const struct plan *plan;	/* borrowed */
	/*
	 * The nodes and their libvirt connections, held by the libvirt edge
	 * (engine_libvirt.c) and seen by the rest only through its calls;
	 * n_nodes is how many.
	 */
	struct engine_edge *edge;
	size_t n_nodes;
	struct engine_opts opts;
	char *state_dir;
	/*
	 * The journal: its position queued (journal.seq, size, last_hash:
	 * the engine's thread's), the writer that makes it durable (group
	 * commit, journal_writer.c), the events queued and not yet durable,
	 * in order, and the position durable and applied, which is what a
	 * checkpoint may name.
	 */
	struct journal journal;
	struct journal_writer *writer;
	struct engine_pending *pending;
	struct engine_pending *pending_tail;
	struct journal_mark durable;
	struct engine_call *waiting;	/* calls answered once durable */
	bool checkpoint_wanted;	/* a round counted: write one when quiet */
	bool checkpoint_busy;	/* one is being written on its thread */
	struct exclock clock;	/* written under lock, for snapshots */
	struct schedule schedule;
	struct score_ledger ledger;	/* written under lock */
	unsigned long long syncs;	/* the journal's fsync figures (lock) */
	double sync_seconds;
	double sync_max;
	struct strmap hosts;	/* libvirt name -> plan index + 1 */
	unsigned *firings;	/* per inject: how many times it fired */
	bool *fired;	/* per inject: at least once (its compromise counts) */
	bool *running;	/* per host */
	char **down_reason;	/* per host: why it is not running, or NULL */
	char **journaled_state;	/* per host: last state journaled, or NULL */
	struct engine_link *links;
	size_t n_links;
	size_t links_alloc;
	json_t *reports;	/* report id -> team id, as journaled */
	json_t *intel;	/* team id -> its observations journaled (a count) */
	json_t *open_firings;	/* "id#firing" -> targets: no result journaled */
	double last_t;	/* t and wall of the last event journaled */
	double last_wall;
	int clock_journaled;	/* enum exclock_state of the last clock event */
	double speed_journaled;	/* and its speed */
	long next_round;
	bool round_busy;
	size_t inflight;	/* threads whose result is still to come */
	bool stopping;	/* a signal: finish what runs, start nothing */
	/*
	 * Set by the engine's thread once it only waits for its threads to
	 * end (the clock ended, a stop, a failure): read by threads that
	 * would otherwise retry for long (a flag's write to a guest whose
	 * agent is away), so that they give up at once.
	 */
	atomic_bool winding_down;
	char *failure;	/* why the engine had to stop, or NULL */
	double resumed_gap;	/* exercise seconds that passed while down */
	bool resumed;	/* the journal held a running clock */
	unsigned long long replayed;	/* events read by engine_new */
	unsigned long long replayed_seq;	/* the last one the engine took */
	/*
	 * The MSEL and scoring the journal runs by (engine_timeline.c): the
	 * exercise event's, or the last change event's; and a change the run
	 * accepted, to journal at its start (NULL: none).
	 */
	json_t *timeline;
	json_t *pending_change;
	/* opts.range_event's copy, until engine_begin() journals it. */
	json_t *range_event;
	/*
	 * The flags as journaled (engine_note_flag): "ID@HOST" -> {"value",
	 * "rotation", "captured": [red team ids]}; values are secrets, kept
	 * here and in the checkpoint only. flag_busy: per plan flag, a value
	 * is being written into its guest (engine_flag.c); flag_again: its
	 * host was reverted meanwhile, so the value current once the write is
	 * done is written again.
	 */
	json_t *flags;
	bool *flag_busy;
	bool *flag_again;

	pthread_mutex_t lock;
	pthread_cond_t answered;
	struct engine_done *done_head;	/* lock */
	struct engine_done *done_tail;	/* lock */
	struct engine_call *calls;	/* lock */
	bool accepting;	/* lock: calls will be answered (until the loop ends) */
	int wakefd;
	int timerfd;
	int sigfd;
	int epfd;
};

/* engine_state.c: calls no other engine file */
double engine_mono(void);
double engine_wall(void);
void engine_log(struct engine *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int engine_journal(struct engine *e, json_t *event);
int engine_journal_then(struct engine *e, json_t *event, bool more,
    engine_then_fn *then, void *arg);
int engine_journal_start(struct engine *e, char **error);
void engine_journal_drain(struct engine *e);
void engine_journal_flush(struct engine *e);
void engine_journal_stop(struct engine *e);
int engine_clock_event(struct engine *e, const char *reason, const char *by);
void engine_post(struct engine *e, struct engine_done *d);
void engine_drop_done(struct engine *e);
void engine_spawn(struct engine *e, void *(*fn)(void *), void *arg);
void engine_note_link_down(struct engine *e, size_t inject, double from);
void engine_forget_link(struct engine *e, size_t host, size_t network);
size_t engine_host_index(const struct engine *e, const char *name);
size_t engine_inject_index(const struct engine *e, const char *id);
char *engine_firing_key(const char *id, long long firing);
/* A flag's key in e->flags: "ID@HOST", new. */
char *engine_flag_key(const char *id, const char *host);
/* What a journaled or replayed flag or capture event changes in e->flags. */
void engine_note_flag(struct engine *e, const struct event *ev);
/* One more observation of team journaled (engine_command.c). */
void engine_count_intel(struct engine *e, const char *team);

/* Exercise seconds now, to the millisecond the journal keeps. */
static inline double
exercise_now(const struct engine *e)
{
	return round(exclock_now(&e->clock, engine_mono()) * 1000.0) / 1000.0;
}

/* engine_work.c: calls engine_state.c and engine_checkpoint.c */
int engine_fire(struct engine *e, size_t inject, double scheduled,
    const char *by);
void engine_tick(struct engine *e);
void engine_round_done(struct engine *e, struct round *r);
void engine_arm_timer(struct engine *e);

/*
 * engine_flag.c: calls engine_state.c and engine_libvirt.c. Plants each
 * flag due at t (its first value at the start, a fresh one at each
 * rotation); the exercise time of the next one due (-1: none); a red
 * team's submission (ENGINE_FLAG).
 */
void engine_flags_due(struct engine *e, double t);
double engine_flags_next_at(const struct engine *e);
int engine_flag_submit(struct engine *e, const struct engine_command *cmd,
    json_t **answer, char **error);
/*
 * After host's revert (journaled, ok): the revert brought back a disk
 * without the current flag values, or with old ones, so each flag of
 * host that has a value gets the same value written again (a flag event
 * with replant true), or once the write in flight is done.
 */
void engine_flags_after_revert(struct engine *e, size_t host);
/* The one answer to a flag that does not score, whatever the reason. */
#define ENGINE_FLAG_REFUSED "that is not a flag that scores now"

/* engine_checkpoint.c: calls engine_state.c */
#define ENGINE_CHECKPOINT "checkpoint.json"
/* Events replayed past which engine_new() leaves a checkpoint itself. */
#define ENGINE_CHECKPOINT_AFTER 1000
void engine_checkpoint_write(struct engine *e);
/*
 * The same, its state taken now and its file written on a thread of its
 * own (engine_spawn; DONE_CHECKPOINT comes back): only when nothing
 * queued is still to become durable, so that the state is the journal's.
 */
void engine_checkpoint_start(struct engine *e);
/*
 * Restores e from STATE/checkpoint.json if it matches the journal; the
 * byte offset and sequence number to replay on from, else 0 and 1.
 * Returns 0, or -1 with *error set when the checkpoint is of this
 * exercise and ahead of its journal (emptied, cut or removed): replaying
 * from zero would fire the injects again (`run --reset` starts afresh).
 */
int engine_checkpoint_load(struct engine *e, unsigned long long *offset,
    unsigned long long *first_seq, char **error);

/* engine_replay.c: calls engine_state.c and engine_checkpoint.c */
/* 0, or -1 with *error set: the journal cannot be read or is damaged. */
int engine_replay(struct engine *e, char **error);
/*
 * The clock where the replayed journal left it, at the run's start: a
 * running one ran on meanwhile, until now (not until the replay's end:
 * run builds its range in between).
 */
void engine_restore_clock(struct engine *e);
/*
 * The journal's timeline (engine_timeline.c) against the plan's, once
 * replayed: 0 when alike or accepted (opts.accept_changes), -1 with
 * *error naming every difference (engine_replay.c).
 */
int engine_timeline_check(struct engine *e, char **error);
void engine_introduce(struct engine *e);
void engine_begin(struct engine *e);

/* engine_command.c: calls engine_state.c and engine_work.c */
void engine_answer_calls(struct engine *e);
/* Answers the calls whose events are durable now (or failed). */
void engine_answer_waiting(struct engine *e);
int engine_execute(struct engine *e, const struct engine_command *cmd,
    json_t **answer, char **error);
void engine_log_event(struct engine *e, const json_t *event);

/*
 * engine_libvirt.c, the libvirt edge: calls engine_state.c. It holds the
 * nodes (a copy of cl, or virt alone as a cluster of one; the nodes'
 * array stays the caller's, each node's conn swapped on reconnect under
 * the lock) and sets e->edge and e->n_nodes; engine_edge_free() stops
 * libvirt's callbacks and frees it (NULL-safe).
 */
void engine_edge_new(struct engine *e, struct cluster *cl, struct virt *virt);
void engine_edge_free(struct engine *e);
/* Each for one node, by index. */
void engine_watch_libvirt(struct engine *e, size_t node);
void engine_check_hosts(struct engine *e, size_t node);
void engine_conn_lost(struct engine *e, size_t node);
void engine_reconnect(struct engine *e, size_t node);
/* Whether node's connection is there (engine's thread). */
bool engine_node_up(const struct engine *e, size_t node);
/* When a lost node is next to be tried again (monotonic). */
double engine_reconnect_at(const struct engine *e, size_t node);
void engine_host_changed(struct engine *e, size_t host, int event,
    int detail);
/* The node plan host `host` lives on. */
size_t engine_host_node(const struct engine *e, size_t host);
/*
 * A reference to every node's connection as it is now (NULL: lost), new;
 * engine_refs_drop() gives them back. Any thread.
 */
struct cluster_refs *engine_refs(struct engine *e);
void engine_refs_drop(struct cluster_refs *refs);
/* The connection taken, used and closed here: callers see no libvirt. */
int engine_set_link(struct engine *e, size_t host, size_t network, bool up,
    char **error);
int engine_revert_host(struct engine *e, size_t host, char **error);


#endif
