/*
 * journal_read.c: a journal read back, streamed from a byte offset, line
 * by line in order: as JSON (journal_replay_from()) or decoded as well
 * (journal_read_from(), where round lines skip the JSON tree:
 * event_scan_round()).
 */
#include "rangectl/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "rangectl/event_scan.h"
#include "rangectl/util.h"

/*
 * Bytes read at once: whole lines of it are parsed, what is left of the
 * last moves to the front. More than a line's limit, so that a line too
 * long is found as one.
 */
#define READ_CHUNK (4 * 1024 * 1024)
/* Lines parsed at once, across threads: bounds the memory of a replay. */
#define JOURNAL_BATCH 4096
#define JOURNAL_THREADS 4

/* One line of a batch, parsed (and decoded, when asked). */
struct line {
	char *text;
	size_t len;
	json_t *json;	/* NULL where not JSON, or read by event_scan_round() */
	json_error_t jerr;
	int decoded;	/* 1: ev holds it; -1: error says why not; 0: not yet */
	struct event ev;
	char *error;
};

/* An event written in parts, being put together: its head, the parts in. */
struct journal_join {
	json_t *head;	/* NULL when none is open */
	long seq;	/* the head's */
	long parts, got;
};

/* A journal being read. */
struct reader {
	const char *path;
	bool decode;	/* journal_read_from(): events decoded too */
	/*
	 * journal_read_sparse(): a selection of a journal's lines, whose seq
	 * only increase; no parts, no round scanner (the line is kept).
	 */
	bool sparse;
	long last;	/* then the seq of the last line */
	int (*each_json)(const json_t *event, void *ctx);
	int (*each)(const struct journal_event *je, void *ctx);
	void *ctx;
	struct line *lines;
	size_t n, lines_alloc;
	size_t next;	/* the next line to parse, taken under lock */
	pthread_mutex_t lock;
	long first;	/* the sequence number of the first event read */
	long count;	/* lines handed on so far, or -1 */
	size_t chunk;	/* bytes read at once */
	struct journal_join jn;
	char **error;
};

/* Parses (and decodes) line l. */
static void
parse_line(const struct reader *rd, struct line *l)
{
	const json_t *parts;
	const char *type;

	if (rd->decode && !rd->sparse && event_scan_round(l->text, l->len,
	    &l->ev)) {
		l->decoded = 1;
		return;
	}
	l->json = json_loadb(l->text, l->len, JSON_REJECT_DUPLICATES, &l->jerr);
	if (!rd->decode || !json_is_object(l->json))
		return;
	/* An event in parts is decoded once put together (hand_on()). */
	parts = json_object_get(l->json, "parts");
	type = json_string_value(json_object_get(l->json, "type"));
	if (parts != NULL || (type != NULL && strcmp(type, JOURNAL_PART) == 0))
		return;
	l->decoded = event_decode(l->json, 0, &l->ev, &l->error) == 0 ? 1 : -1;
}

static void *
parse_some(void *arg)
{
	struct reader *rd = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&rd->lock);
		i = rd->next++;
		pthread_mutex_unlock(&rd->lock);
		if (i >= rd->n)
			return NULL;
		parse_line(rd, &rd->lines[i]);
	}
}

/* Parses the batch's lines on up to JOURNAL_THREADS threads. */
static void
parse_batch(struct reader *rd)
{
	pthread_t threads[JOURNAL_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus > 1 ? (size_t)cpus : 1, i, started = 0;

	if (n > JOURNAL_THREADS)
		n = JOURNAL_THREADS;
	if (rd->n < 64)
		n = 1;	/* not worth a thread */
	rd->next = 0;
	for (i = 1; i < n; i++)
		if (pthread_create(&threads[started], NULL, parse_some, rd) == 0)
			started++;
	parse_some(rd);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}

/* Checks one parsed line is the next event: 0, or -1 with *error set. */
static int
check_line(const struct reader *rd, const struct line *l, long number)
{
	const json_t *seq = json_object_get(l->json, "seq");
	const char *path = rd->path;

	if (l->len > JOURNAL_LINE_MAX && !rd->sparse) {
		*rd->error = xasprintf("journal '%s' line %ld is longer than %d "
		    "bytes", path, number, JOURNAL_LINE_MAX);
	} else if (l->json == NULL && l->decoded != 1) {
		*rd->error = xasprintf("journal '%s' line %ld is not a JSON object: "
		    "%s", path, number, l->jerr.text);
	} else if (l->json != NULL && !json_is_object(l->json)) {
		*rd->error = xasprintf("journal '%s' line %ld is not a JSON object: "
		    "another JSON value", path, number);
	} else if (l->json != NULL ? !json_is_integer(seq) ||
	    json_integer_value(seq) != number : l->ev.seq !=
	    (unsigned long long)number) {
		*rd->error = xasprintf("journal '%s' line %ld is out of sequence: "
		    "expected event %ld", path, number, number);
	} else {
		return 0;
	}
	return -1;
}

/*
 * Adds the part line event (seq number) to the open head. 0, 1 when the
 * event is no part, or -1 with *error.
 */
static int
join_part(struct reader *rd, json_t *event, long number)
{
	struct journal_join *jn = &rd->jn;
	const char *type = json_string_value(json_object_get(event, "type"));
	const char *key;
	json_t *v, *into;

	if (type == NULL || strcmp(type, JOURNAL_PART) != 0) {
		if (jn->head == NULL)
			return 1;
		*rd->error = xasprintf("journal '%s' line %ld is not part %ld of "
		    "event %ld, which has %ld", rd->path, number, jn->got + 1,
		    jn->seq, jn->parts);
		return -1;
	}
	if (jn->head == NULL || json_integer_value(json_object_get(event,
	    "part_of")) != jn->seq || json_integer_value(json_object_get(event,
	    "part")) != jn->got + 1) {
		*rd->error = xasprintf("journal '%s' line %ld is a part of no event "
		    "before it", rd->path, number);
		return -1;
	}
	json_object_foreach(event, key, v) {
		if (!json_is_array(v))
			continue;
		into = json_object_get(jn->head, key);
		if (!json_is_array(into)) {
			*rd->error = xasprintf("journal '%s' line %ld has a list '%s' "
			    "that event %ld lacks", rd->path, number, key, jn->seq);
			return -1;
		}
		json_array_extend(into, v);
	}
	jn->got++;
	return 0;
}

/*
 * One whole event to the caller: event (NULL when l was read without a
 * tree), decoded as l says or, for one put together, here. 0, or -2 when
 * the caller stopped.
 */
static int
deliver(struct reader *rd, const json_t *event, struct line *l, long seq)
{
	struct journal_event je = { .seq = (unsigned long long)seq,
	    .json = event, .text = l != NULL && l->json != NULL ? l->text : NULL,
	    .len = l != NULL ? l->len : 0 };
	struct event joined;
	char *error = NULL;
	int rc;

	if (!rd->decode)
		return rd->each_json(event, rd->ctx) < 0 ? -2 : 0;
	if (l != NULL && l->decoded != 0) {
		je.ev = l->decoded == 1 ? &l->ev : NULL;
		je.error = l->error;
		return rd->each(&je, rd->ctx) < 0 ? -2 : 0;
	}
	if (event_decode(event, 0, &joined, &error) == 0)
		je.ev = &joined;
	je.error = error;
	rc = rd->each(&je, rd->ctx) < 0 ? -2 : 0;
	if (je.ev != NULL)
		event_clear(&joined);
	free(error);
	return rc;
}

/*
 * Hands on one checked line: an event whole, or the head of one written in
 * parts once its last part is in (its "parts" removed, so that it reads as
 * if written in one line). 0, -1 with *error set, or -2.
 */
static int
hand_on(struct reader *rd, struct line *l, long number)
{
	struct journal_join *jn = &rd->jn;
	const json_t *parts;
	int rc;

	if (l->json == NULL) {	/* a round, read by event_scan_round() */
		if (jn->head == NULL)
			return deliver(rd, NULL, l, number);
		*rd->error = xasprintf("journal '%s' line %ld is not part %ld of "
		    "event %ld, which has %ld", rd->path, number, jn->got + 1,
		    jn->seq, jn->parts);
		return -1;
	}
	parts = json_object_get(l->json, "parts");
	if ((rc = join_part(rd, l->json, number)) < 0)
		return -1;
	if (rc == 1 && parts != NULL) {
		if (!json_is_integer(parts) || json_integer_value(parts) < 1) {
			*rd->error = xasprintf("journal '%s' line %ld: 'parts' must be "
			    "a whole number from 1", rd->path, number);
			return -1;
		}
		jn->head = json_incref(l->json);
		jn->seq = number;
		jn->parts = (long)json_integer_value(parts);
		jn->got = 0;
		return 0;
	}
	if (rc == 1)
		return deliver(rd, l->json, l, number);
	if (jn->got < jn->parts)
		return 0;
	json_object_del(jn->head, "parts");
	rc = deliver(rd, jn->head, NULL, jn->seq);
	json_decref(jn->head);
	jn->head = NULL;
	return rc;
}

/* Frees what the batch's lines hold. */
static void
clear_batch(struct reader *rd)
{
	size_t i;

	for (i = 0; i < rd->n; i++) {
		json_decref(rd->lines[i].json);
		if (rd->lines[i].decoded == 1)
			event_clear(&rd->lines[i].ev);
		free(rd->lines[i].error);
	}
	rd->n = 0;
}

/*
 * The number a line of a sparse read must have: its own seq when that
 * comes after last, else one that check_line() refuses.
 */
static long
seq_of(const struct line *l, long last)
{
	json_int_t seq = json_integer_value(json_object_get(l->json, "seq"));

	return seq > last ? (long)seq : last + 1;
}

/* Parses the batch and hands its events on in order. */
static void
apply_batch(struct reader *rd)
{
	long number;
	size_t i;
	int rc;

	parse_batch(rd);
	for (i = 0; i < rd->n && rd->count >= 0; i++) {
		number = rd->sparse ? seq_of(&rd->lines[i], rd->last) : rd->first +
		    rd->count;
		if (check_line(rd, &rd->lines[i], number) < 0) {
			rd->count = -1;
		} else if ((rc = hand_on(rd, &rd->lines[i], number)) == -1) {
			rd->count = -1;
		} else if (rc == -2) {
			*rd->error = xasprintf("replay of journal '%s' stopped at "
			    "event %ld", rd->path, rd->jn.head != NULL ? rd->jn.seq :
			    rd->first + rd->count);
			rd->count = -1;
		} else {
			rd->count++;
			rd->last = number;
		}
	}
	clear_batch(rd);
}

/*
 * Takes the whole lines of buf (len bytes) into batches and hands them
 * on; the bytes of the last line, without its newline, are not taken.
 * Returns how many bytes were taken.
 */
static size_t
take_lines(struct reader *rd, char *buf, size_t len)
{
	char *p = buf, *nl;

	while (rd->count >= 0 && (nl = memchr(p, '\n', len - (size_t)(p -
	    buf))) != NULL) {
		xgrow(&rd->lines, &rd->lines_alloc, rd->n + 1, sizeof(*rd->lines));
		rd->lines[rd->n] = (struct line){ .text = p, .len = (size_t)(nl -
		    p) + 1 };
		rd->n++;
		p = nl + 1;
		if (rd->n == JOURNAL_BATCH)
			apply_batch(rd);
	}
	if (rd->count >= 0 && rd->n > 0)
		apply_batch(rd);
	return (size_t)(p - buf);
}

/*
 * Skips a line longer than the buffer: -1 with *error when it ends with
 * a newline (too long), 0 when the file ends first (a line a crash cut
 * short, which never counted).
 */
static int
skip_long_line(struct reader *rd, int fd, char *buf)
{
	ssize_t n;

	while ((n = read(fd, buf, rd->chunk)) > 0)
		if (memchr(buf, '\n', (size_t)n) != NULL) {
			*rd->error = xasprintf("journal '%s' line %ld is longer than "
			    "%d bytes", rd->path, rd->first + rd->count,
			    JOURNAL_LINE_MAX);
			return -1;
		}
	return n < 0 ? -1 : 0;
}

/* Reads fd to its end in chunks, handing every whole line on. */
static void
stream(struct reader *rd, int fd)
{
	char *buf = xmalloc(rd->chunk);
	size_t len = 0, taken;
	ssize_t n;

	/* A last line without its newline was cut off by a crash: it never
	 * counted, so replay stops before it. */
	while (rd->count >= 0 && (n = read(fd, buf + len, rd->chunk - len)) !=
	    0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*rd->error = xasprintf("cannot read journal '%s': %s",
			    rd->path, strerror(errno));
			rd->count = -1;
			break;
		}
		len += (size_t)n;
		taken = take_lines(rd, buf, len);
		memmove(buf, buf + taken, len - taken);
		len -= taken;
		if (len == rd->chunk && rd->count >= 0 &&
		    skip_long_line(rd, fd, buf) < 0) {
			if (*rd->error == NULL)
				*rd->error = xasprintf("cannot read journal '%s': %s",
				    rd->path, strerror(errno));
			rd->count = -1;
		} else if (len == rd->chunk) {
			break;
		}
	}
	free(buf);
}

/* journal_replay_from() and journal_read_from(). */
static long
read_from(struct reader *rd, unsigned long long offset)
{
	int fd = open(rd->path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	*rd->error = NULL;
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		*rd->error = xasprintf("cannot read journal '%s': %s", rd->path,
		    strerror(errno));
		return -1;
	}
	if (lseek(fd, (off_t)offset, SEEK_SET) == (off_t)-1) {
		*rd->error = xasprintf("cannot read journal '%s': %s", rd->path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	/* No more than the file holds, plus one: a short journal, a short
	 * buffer (the fuzzer reads thousands). */
	rd->chunk = READ_CHUNK;
	if (fstat(fd, &st) == 0 && st.st_size >= 0 && (unsigned long long)
	    st.st_size - offset < READ_CHUNK && (unsigned long long)st.st_size >=
	    offset)
		rd->chunk = (size_t)((unsigned long long)st.st_size - offset) + 1;
	pthread_mutex_init(&rd->lock, NULL);
	stream(rd, fd);
	close(fd);
	/* An event whose parts a crash cut short never counted. */
	if (rd->count >= 0 && rd->jn.head != NULL)
		rd->count -= rd->jn.got + 1;
	json_decref(rd->jn.head);
	clear_batch(rd);
	pthread_mutex_destroy(&rd->lock);
	free(rd->lines);
	return rd->count;
}

long
journal_replay(const char *path, int (*each)(const json_t *event, void *ctx),
    void *ctx, char **error)
{
	return journal_replay_from(path, 0, 1, each, ctx, error);
}

long
journal_replay_from(const char *path, unsigned long long offset,
    unsigned long long first_seq, int (*each)(const json_t *event, void *ctx),
    void *ctx, char **error)
{
	struct reader rd = { .path = path, .each_json = each, .ctx = ctx,
	    .first = (long)first_seq, .error = error };

	return read_from(&rd, offset);
}

long
journal_read_from(const char *path, unsigned long long offset,
    unsigned long long first_seq,
    int (*each)(const struct journal_event *je, void *ctx), void *ctx,
    char **error)
{
	struct reader rd = { .path = path, .decode = true, .each = each,
	    .ctx = ctx, .first = (long)first_seq, .error = error };

	return read_from(&rd, offset);
}

long
journal_read_sparse(const char *path, unsigned long long offset,
    int (*each)(const struct journal_event *je, void *ctx), void *ctx,
    char **error)
{
	struct reader rd = { .path = path, .decode = true, .sparse = true,
	    .each = each, .ctx = ctx, .error = error };

	return read_from(&rd, offset);
}
