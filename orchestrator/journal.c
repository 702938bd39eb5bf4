/*
 * journal.c: an append-only, fsync'd log of JSON lines, and its replay.
 */
#include "rangectl/journal.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rangectl/util.h"

/*
 * Cuts the file back to just after its last newline: what follows is the
 * start of an event whose write never finished, so it never counted.
 */
static int read_last_seq(struct journal *j, char **error);

static int
cut_partial_line(struct journal *j, char **error)
{
	off_t size = lseek(j->fd, 0, SEEK_END), end = size;
	char c;

	while (end > 0) {
		if (pread(j->fd, &c, 1, end - 1) != 1) {
			*error = xasprintf("cannot read journal '%s': %s", j->path,
			    strerror(errno));
			return -1;
		}
		if (c == '\n')
			break;
		end--;
	}
	if (end < size && ftruncate(j->fd, end) < 0) {
		*error = xasprintf("cannot cut the incomplete last line of journal "
		    "'%s': %s", j->path, strerror(errno));
		return -1;
	}
	j->dropped_bytes = (size_t)(size - end);
	return 0;
}

/*
 * How many lines, counting the last one (event), an event left incomplete
 * at the journal's end spans: a head of parts (journal_append()) or a part
 * short of the last, whose write a crash cut; 0 when none. *head is that
 * event's seq.
 */
static long
lines_to_head(const json_t *event, json_int_t *head)
{
	const char *type = json_string_value(json_object_get(event, "type"));
	json_int_t part = json_integer_value(json_object_get(event, "part"));
	json_int_t seq = json_integer_value(json_object_get(event, "seq"));

	*head = seq;
	if (json_object_get(event, "parts") != NULL)
		return 1;
	*head = json_integer_value(json_object_get(event, "part_of"));
	if (type != NULL && strcmp(type, JOURNAL_PART) == 0 && part >= 1 &&
	    part < json_integer_value(json_object_get(event, "of")) &&
	    *head >= 1 && seq - *head == part)
		return (long)part + 1;
	return 0;
}

/* The seq of the line of j beginning at start, or 0. */
static json_int_t
seq_at(const struct journal *j, off_t start)
{
	char *line = xmalloc(JOURNAL_LINE_MAX + 1);
	ssize_t n = pread(j->fd, line, JOURNAL_LINE_MAX, start);
	json_t *event;
	json_int_t seq;
	char *nl;

	if (n <= 0 || (nl = memchr(line, '\n', (size_t)n)) == NULL) {
		free(line);
		return 0;
	}
	event = json_loadb(line, (size_t)(nl - line), 0, NULL);
	seq = json_object_get(event, "parts") != NULL ? json_integer_value(
	    json_object_get(event, "seq")) : 0;
	json_decref(event);
	free(line);
	return seq;
}

/*
 * Cuts the journal back to the head (seq head) of the event written in
 * parts whose last line written begins at start and is lines lines from
 * it: its parts were not all written, so it never counted. Then reads
 * the last event again.
 */
static int
cut_lines(struct journal *j, off_t start, long lines, json_int_t head,
    char **error)
{
	char c;

	while (--lines > 0 && start > 0)
		for (start--; start > 0 && pread(j->fd, &c, 1, start - 1) == 1 &&
		    c != '\n'; start--)
			;
	if (lines > 0 || seq_at(j, start) != head) {
		*error = xasprintf("the last event of journal '%s' was written in "
		    "parts, and its head, event %lld, is not where they say: not "
		    "cutting it", j->path, (long long)head);
		return -1;
	}
	if (ftruncate(j->fd, start) < 0) {
		*error = xasprintf("cannot cut the incomplete last event of "
		    "journal '%s': %s", j->path, strerror(errno));
		return -1;
	}
	j->dropped_bytes += j->size - (unsigned long long)start;
	j->seq = 0;
	return read_last_seq(j, error);
}

/*
 * The sequence number of the last event, from the last line alone: the
 * whole journal is read by whoever replays it, not once more here.
 */
static int
read_last_seq(struct journal *j, char **error)
{
	off_t end = lseek(j->fd, 0, SEEK_END), start = end - 1;
	json_t *event, *seq;
	json_error_t jerr;
	json_int_t head;
	long back;
	char *line;
	char c;

	j->size = end > 0 ? (unsigned long long)end : 0;
	if (end <= 0)
		return 0;
	while (start > 0 && pread(j->fd, &c, 1, start - 1) == 1 && c != '\n')
		start--;
	if (end - start > JOURNAL_LINE_MAX) {
		*error = xasprintf("the last line of journal '%s' is longer than "
		    "%d bytes", j->path, JOURNAL_LINE_MAX);
		return -1;
	}
	line = xmalloc((size_t)(end - start) + 1);
	if (pread(j->fd, line, (size_t)(end - start), start) != end - start) {
		*error = xasprintf("cannot read journal '%s': %s", j->path,
		    strerror(errno));
		free(line);
		return -1;
	}
	j->last_hash = hash_bytes(HASH_SEED, line, (size_t)(end - start));
	event = json_loadb(line, (size_t)(end - start), 0, &jerr);
	free(line);
	seq = json_object_get(event, "seq");
	if (!json_is_integer(seq) || json_integer_value(seq) < 1) {
		*error = xasprintf("the last line of journal '%s' is not an event "
		    "with its sequence number", j->path);
		json_decref(event);
		return -1;
	}
	j->seq = (unsigned long long)json_integer_value(seq);
	back = lines_to_head(event, &head);
	json_decref(event);
	return back > 0 ? cut_lines(j, start, back, head, error) : 0;
}

int
journal_open(struct journal *j, const char *dir, char **error)
{
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		*error = xasprintf("cannot make the state folder '%s': %s", dir,
		    strerror(errno));
		return -1;
	}
	j->path = xasprintf("%s/%s", dir, JOURNAL_FILE);
	j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		*error = xasprintf("cannot open journal '%s': %s", j->path,
		    strerror(errno));
		goto fail;
	}
	if (cut_partial_line(j, error) < 0 || read_last_seq(j, error) < 0)
		goto fail;
	return 0;
fail:
	journal_close(j);
	return -1;
}

/* fdatasync, timed: how long an event waits to count is worth watching. */
static int
timed_sync(struct journal *j)
{
	struct timespec a, b;
	double took;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = fdatasync(j->fd);
	clock_gettime(CLOCK_MONOTONIC, &b);
	took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) /
	    1e9;
	j->syncs++;
	j->sync_seconds += took;
	if (took > j->sync_max)
		j->sync_max = took;
	return rc;
}

/* Compact JSON of o with keys sorted, and a newline; NULL if it cannot. */
static char *
line_of(const json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS), *line;

	if (text == NULL)
		return NULL;
	line = xasprintf("%s\n", text);
	free(text);
	return line;
}

/*
 * Appends entry to the part lines of an event being split (parts, a JSON
 * list), under key, in a new part when the last one would grow past
 * JOURNAL_PART_BYTES; *used is the last part's size so far.
 */
static void
part_add(json_t *parts, const char *key, json_t *entry, size_t len,
    size_t *used)
{
	json_t *part = json_array_get(parts, json_array_size(parts) - 1);

	if (part == NULL || *used + len + strlen(key) + 8 > JOURNAL_PART_BYTES) {
		part = json_pack("{s:s}", "type", JOURNAL_PART);
		json_array_append_new(parts, part);
		*used = 128;	/* its type, seq, part_of, part and of */
	}
	if (json_object_get(part, key) == NULL) {
		json_object_set_new(part, key, json_array());
		*used += strlen(key) + 5;
	}
	json_array_append(json_object_get(part, key), entry);
	*used += len + 1;
}

/*
 * The lines of event, whose line would be longer than JOURNAL_PART_BYTES,
 * into *out: the head (every field, its lists empty, "parts": N) and N
 * part lines ("part_of" the head's seq, "part" 1 to N "of" N) holding the
 * lists' entries in order, each line under JOURNAL_PART_BYTES; sequence
 * numbers from j->seq + 1. The number of lines, or 0 with *error set for
 * an entry too long for a line of its own.
 */
static size_t
split_event(const struct journal *j, const json_t *event, char **out,
    char **error)
{
	unsigned long long head = j->seq + 1;
	json_t *first = json_copy((json_t *)event), *parts = json_array(), *v;
	const char *key;
	size_t used = 0, i, len, n = 0;
	char *text;

	json_object_foreach((json_t *)event, key, v) {
		if (!json_is_array(v))
			continue;
		json_object_set_new(first, key, json_array());
		for (i = 0; i < json_array_size(v); i++) {
			text = json_dumps(json_array_get(v, i), JSON_COMPACT |
			    JSON_SORT_KEYS);
			len = text != NULL ? strlen(text) : 0;
			free(text);
			if (len + 256 > JOURNAL_PART_BYTES) {
				*error = xasprintf("event %llu (%s) has an entry of %zu "
				    "bytes in '%s', more than a journal line may hold "
				    "(%d)", head, json_string_value(json_object_get(
				    event, "type")), len, key, JOURNAL_PART_BYTES);
				goto cleanup;
			}
			part_add(parts, key, json_array_get(v, i), len, &used);
		}
	}
	json_object_set_new(first, "parts", json_integer((json_int_t)
	    json_array_size(parts)));
	if ((*out = line_of(first)) == NULL) {
		*error = xasprintf("cannot encode event %llu", head);
		goto cleanup;
	}
	for (i = 0; i < json_array_size(parts); i++) {
		json_t *part = json_array_get(parts, i);
		char *line, *both;

		json_object_set_new(part, "part_of", json_integer((json_int_t)
		    head));
		json_object_set_new(part, "part", json_integer((json_int_t)i + 1));
		json_object_set_new(part, "of", json_integer((json_int_t)
		    json_array_size(parts)));
		json_object_set_new(part, "seq", json_integer((json_int_t)(head +
		    i + 1)));
		line = line_of(part);
		both = xasprintf("%s%s", *out, line);
		free(line);
		free(*out);
		*out = both;
	}
	n = json_array_size(parts) + 1;
cleanup:
	json_decref(parts);
	json_decref(first);
	return n;
}

/* The last line of text (which ends with a newline). */
static const char *
last_line(const char *text)
{
	size_t len = strlen(text);
	const char *p = text + len - 1;

	while (p > text && p[-1] != '\n')
		p--;
	return p;
}

char *
journal_encode(const struct journal *j, json_t *event, size_t *lines,
    char **error)
{
	char *line, *all = NULL;

	*lines = 1;
	json_object_set_new(event, "seq", json_integer((json_int_t)j->seq + 1));
	line = line_of(event);
	if (line == NULL) {
		*error = xasprintf("cannot encode event %llu for journal '%s'",
		    j->seq + 1, j->path);
		return NULL;
	}
	if (strlen(line) <= JOURNAL_PART_BYTES)
		return line;
	if ((*lines = split_event(j, event, &all, error)) == 0)
		all = NULL;
	free(line);
	return all;
}

void
journal_advance(struct journal *j, const char *text, size_t lines)
{
	j->seq += lines;
	j->size += strlen(text);
	j->last_hash = hash_bytes(HASH_SEED, last_line(text), strlen(last_line(
	    text)));
}

int
journal_write_synced(struct journal *j, const char *text, size_t len)
{
	return write_all(j->fd, text, len) < 0 || timed_sync(j) < 0 ? -1 : 0;
}

int
journal_append(struct journal *j, json_t *event, char **error)
{
	size_t lines;
	char *all = journal_encode(j, event, &lines, error);

	if (all == NULL)
		return -1;
	if (journal_write_synced(j, all, strlen(all)) < 0) {
		*error = xasprintf("cannot write event %llu to journal '%s': %s",
		    j->seq + 1, j->path, strerror(errno));
		/* Whatever part of it reached the file will be cut at open. */
		free(all);
		return -1;
	}
	journal_advance(j, all, lines);
	free(all);
	return 0;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->path);
	j->path = NULL;
	j->fd = -1;
}

/*
 * Where the line ending at byte end (its newline) of fd begins: read
 * backwards a block at a time, no further than JOURNAL_LINE_MAX; -1 when
 * it cannot be read or is longer.
 */
static off_t
line_start(int fd, off_t end)
{
	char block[4096];
	off_t at = end - 1, from;
	ssize_t n, i;

	while (at > 0 && end - at <= JOURNAL_LINE_MAX) {
		from = at > (off_t)sizeof(block) ? at - (off_t)sizeof(block) : 0;
		n = pread(fd, block, (size_t)(at - from), from);
		if (n != at - from)
			return -1;
		for (i = n - 1; i >= 0; i--)
			if (block[i] == '\n')
				return from + i + 1;
		at = from;
	}
	return at == 0 ? 0 : -1;
}

int
journal_line_matches(const char *path, unsigned long long offset,
    unsigned long long hash, unsigned long long seq)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t start;
	json_t *event = NULL;
	char c, *line = NULL;
	size_t len = 0;
	int ok = 0;

	if (fd >= 0 && offset > 0 && pread(fd, &c, 1, (off_t)offset - 1) == 1 &&
	    c == '\n' && (start = line_start(fd, (off_t)offset)) >= 0) {
		len = (size_t)((off_t)offset - start);
		line = xmalloc(len);
		ok = pread(fd, line, len, start) == (ssize_t)len &&
		    hash_bytes(HASH_SEED, line, len) == hash;
	}
	/* The line is the event the checkpoint names, not only its bytes. */
	if (ok) {
		event = json_loadb(line, len, 0, NULL);
		ok = json_integer_value(json_object_get(event, "seq")) ==
		    (json_int_t)seq;
	}
	json_decref(event);
	free(line);
	if (fd >= 0)
		close(fd);
	return ok;
}
