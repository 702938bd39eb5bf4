/*
 * journal.h: the exercise's memory, one JSON event per line.
 *
 * An event counts once journal_append() has returned 0: by then its line
 * is written whole and fsync'd. A crash can only leave a last line cut
 * short, which never counted: opening the journal again cuts it away, and
 * replay never sees it. Everything the engine knows can be rebuilt by
 * replaying the journal from its first line.
 */
#ifndef RANGECTL_JOURNAL_H
#define RANGECTL_JOURNAL_H

#include <jansson.h>
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
/*
 * Whether the line of the journal at path that ends at byte offset
 * (newline included) hashes to hash: a checkpoint's proof that the
 * journal before it is still the one it was taken from.
 */
int journal_line_matches(const char *path, unsigned long long offset,
    unsigned long long hash);

#endif
