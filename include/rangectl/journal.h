/*
 * journal.h: the exercise's memory, one JSON event per line.
 *
 * An event counts once its line is written whole and fsync'd: once
 * journal_append() has returned 0, or the writer's durable mark has
 * passed it (journal_writer_*, below). A crash can only leave a last line cut
 * short, which never counted: opening the journal again cuts it away, and
 * replay never sees it. Everything the engine knows can be rebuilt by
 * replaying the journal from its first line.
 */
#ifndef RANGECTL_JOURNAL_H
#define RANGECTL_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define JOURNAL_FILE "journal.jsonl"
/* No line of ours comes near this; a longer line is damage, not data. */
#define JOURNAL_LINE_MAX (1024 * 1024)
/*
 * An event whose line would be longer (a round of thousands of checks) is
 * written as a head and parts, each line at most this long: the head has
 * every field with its lists empty and "parts": N; each part line (type
 * JOURNAL_PART) has "part_of" the head's seq, "part" 1 to N, "of" N and
 * the lists' next entries. Replay puts the event together again, so that
 * every reader gets it whole, as if written in one line; an event whose
 * parts a crash cut short never counted, and journal_open() cuts it away.
 * Journals of format 3 (event.h) on.
 */
#define JOURNAL_PART_BYTES (256 * 1024)
#define JOURNAL_PART "part"

struct journal {
	int fd;
	char *path;
	unsigned long long seq;	/* of the last event written or replayed */
	size_t dropped_bytes;	/* of a cut-off last line removed at open */
	unsigned long long size;	/* bytes: where the next event goes */
	unsigned long long last_hash;	/* FNV-1a of the last line, newline included */
	unsigned long long syncs;	/* fdatasyncs done, for /metrics */
	double sync_seconds;	/* their total time */
	double sync_max;	/* the longest */
};

/*
 * Opens (creating if needed, mode 0600) DIR/journal.jsonl for appending,
 * after cutting away a last line left incomplete by a crash. Reads the
 * sequence number of the last event, so appends go on from it. Returns 0,
 * or -1 with *error set (the caller frees it).
 */
int journal_open(struct journal *j, const char *dir, char **error);
/*
 * Adds "seq" to event and writes it as one line, keys sorted (or as a head
 * and parts, when longer than JOURNAL_PART_BYTES), then fsyncs.
 * Returns 0 once the event counts, or -1 with *error set: the caller must
 * then stop the clock, since nothing may score unrecorded. Borrows event.
 */
int journal_append(struct journal *j, json_t *event, char **error);
void journal_close(struct journal *j);

/*
 * journal_append()'s steps, for a writer that syncs several events at
 * once (journal_writer_*): the line(s) of event with the next seq
 * (event's "seq" set), new, and how many lines (more than one for an
 * event written in parts), or NULL with *error set; j is not changed.
 */
char *journal_encode(const struct journal *j, json_t *event, size_t *lines,
    char **error);
/* j's position once text (lines lines, journal_encode()'s) follows it. */
void journal_advance(struct journal *j, const char *text, size_t lines);
/* Writes len bytes of text whole, then fdatasync (timed): 0, or -1 and errno. */
int journal_write_synced(struct journal *j, const char *text, size_t len);

/*
 * Group commit: a thread of its own writes what journal_queue() hands it
 * and fdatasyncs it, taking everything queued meanwhile into one write
 * and one fdatasync. So a slow disk delays events, but never by more than
 * the sync they wait for plus one: a queue of events never drains at one
 * sync each.
 *
 * While the writer runs, j is shared: journal_queue()'s caller (one
 * thread) moves j->seq, size and last_hash to the position queued, the
 * writer's thread uses j->fd and its fsync figures only; read the durable
 * position and those figures through journal_durable().
 */
struct journal_writer;
/*
 * For tests: milliseconds the writer waits before each batch, a disk
 * that stalls on every sync, so that a crash test finds events queued
 * and not yet durable wherever it kills (tests/engine/burst.sh).
 */
#define JOURNAL_DELAY_ENV "RANGECTL_TEST_SYNC_DELAY_MS"
/* Where the journal is durable: an event counts once seq reaches it. */
struct journal_mark {
	unsigned long long seq;	/* the last event durable */
	unsigned long long size;	/* bytes, up to the end of its line */
	unsigned long long hash;	/* FNV-1a of its last line */
	unsigned long long syncs;	/* fdatasyncs done, their total time */
	double sync_seconds;
	double sync_max;	/* and the longest */
};
/*
 * Starts the writer of j (open, borrowed until journal_writer_stop()).
 * notify(ctx) is called on the writer's thread after each batch is
 * durable or has failed (e.g. to wake the caller's loop). New, or NULL
 * with *error set.
 */
struct journal_writer *journal_writer_start(struct journal *j,
    void (*notify)(void *ctx), void *ctx, char **error);
/*
 * Encodes event (borrowed; its "seq" set) and queues it; more: another
 * event follows that must be written in the same write (a group that
 * counts whole: nothing of it is handed to the thread before its last).
 * Returns the seq of its last line, or 0 with *error set (it cannot be
 * encoded, or an earlier batch failed: nothing is written after that).
 */
unsigned long long journal_queue(struct journal_writer *w, json_t *event,
    bool more, char **error);
/*
 * The durable position into *mark; 0, or -1 with *error set (new) once a
 * batch failed: the events after mark->seq never count (those the failed
 * write got into the file are cut at the next open, or count there as
 * the journal says; see journal.md).
 */
int journal_durable(struct journal_writer *w, struct journal_mark *mark,
    char **error);
/* Waits until everything queued is durable or has failed. */
void journal_writer_flush(struct journal_writer *w);
/* Flushes, stops the thread and frees w; NULL-safe. */
void journal_writer_stop(struct journal_writer *w);

/*
 * Calls each(event, ctx) for every complete event of the journal at path,
 * in order (one written in parts put together, with its head's seq); each returns 0 to go on, or -1 to stop (with its own error).
 * A missing file is an empty journal. Returns the number of lines, or -1
 * with *error set for a line that is not a JSON object or out of sequence.
 */
long journal_replay(const char *path, int (*each)(const json_t *event,
    void *ctx), void *ctx, char **error);
/*
 * The same from byte offset on, where event first_seq must begin (a
 * checkpoint's place). Returns the number of events read from there.
 */
long journal_replay_from(const char *path, unsigned long long offset,
    unsigned long long first_seq, int (*each)(const json_t *event, void *ctx),
    void *ctx, char **error);
struct event;
/* One event of journal_read_from(), borrowed for the call. */
struct journal_event {
	unsigned long long seq;
	/* Decoded (event_decode()'s), or NULL when it does not decode. */
	const struct event *ev;
	const char *error;	/* then why not: "event N (TYPE): ..." */
	/*
	 * Its JSON; NULL for a round line read without a tree
	 * (event_scan_round(): most of a journal).
	 */
	const json_t *json;
	/* The line it was read from, when one jansson read; else NULL. */
	const char *text;
	size_t len;
};
/*
 * journal_replay_from(), each event also decoded, once, for everyone
 * who reads it (the engine, its ledger and the dashboard's view in one
 * pass). The file is streamed, a few MiB at a time, never read whole. A
 * line that does not decode is handed on all the same (ev NULL, error
 * set): each decides whether that stops the replay.
 */
long journal_read_from(const char *path, unsigned long long offset,
    unsigned long long first_seq,
    int (*each)(const struct journal_event *je, void *ctx), void *ctx,
    char **error);
/*
 * journal_read_from() of a file of journal lines from offset on whose seq
 * only increase, with gaps (events picked from a journal, whole: the
 * dashboard's checkpoint keeps its events so), without the limit on a
 * line's length. Returns the number of lines, or -1.
 */
long journal_read_sparse(const char *path, unsigned long long offset,
    int (*each)(const struct journal_event *je, void *ctx), void *ctx,
    char **error);
/*
 * Whether the line of the journal at path that ends at byte offset
 * (newline included) hashes to hash and is event seq: a checkpoint's
 * proof that the journal before it is still the one it was taken from,
 * and that its seq is that line's (the replay after it begins at seq + 1).
 */
int journal_line_matches(const char *path, unsigned long long offset,
    unsigned long long hash, unsigned long long seq);

#endif
