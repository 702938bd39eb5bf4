/*
 * journal.c: an append-only, fsync'd log of JSON lines, and its replay.
 */
#include "rangectl/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rangectl/util.h"

/*
 * Cuts the file back to just after its last newline: what follows is the
 * start of an event whose write never finished, so it never counted.
 */
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

/* Replay callback of journal_open: remembers the last sequence number. */
static int
note_seq(const json_t *event, void *ctx)
{
	struct journal *j = ctx;

	j->seq = (unsigned long long)json_integer_value(
	    json_object_get(event, "seq"));
	return 0;
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
	if (cut_partial_line(j, error) < 0 ||
	    journal_replay(j->path, note_seq, j, error) < 0)
		goto fail;
	return 0;
fail:
	journal_close(j);
	return -1;
}

/* Writes all of buf, going on after short writes and signals. */
static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
journal_append(struct journal *j, json_t *event, char **error)
{
	char *line = NULL, *text;
	int rc = -1;

	json_object_set_new(event, "seq", json_integer((json_int_t)j->seq + 1));
	text = json_dumps(event, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL) {
		*error = xasprintf("cannot encode event %llu for journal '%s'",
		    j->seq + 1, j->path);
		return -1;
	}
	line = xasprintf("%s\n", text);
	free(text);
	if (write_all(j->fd, line, strlen(line)) < 0 || fdatasync(j->fd) < 0) {
		*error = xasprintf("cannot write event %llu to journal '%s': %s",
		    j->seq + 1, j->path, strerror(errno));
		/* Whatever part of it reached the file will be cut at open. */
		goto cleanup;
	}
	j->seq++;
	rc = 0;
cleanup:
	free(line);
	return rc;
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

/* Parses one line; checks it is the next event. NULL after *error. */
static json_t *
parse_line(const char *path, const char *line, long number, long long want,
    char **error)
{
	json_error_t jerr;
	json_t *event = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	json_t *seq = json_object_get(event, "seq");

	if (event == NULL || !json_is_object(event)) {
		*error = xasprintf("journal '%s' line %ld is not a JSON object: %s",
		    path, number, event ? "another JSON value" : jerr.text);
	} else if (!json_is_integer(seq) || json_integer_value(seq) != want) {
		*error = xasprintf("journal '%s' line %ld is out of sequence: "
		    "expected event %lld", path, number, want);
	} else {
		return event;
	}
	json_decref(event);
	return NULL;
}

/* Checks and hands on one complete line: 0, or -1 with *error set. */
static int
replay_line(const char *path, const char *line, size_t len, long number,
    int (*each)(const json_t *event, void *ctx), void *ctx, char **error)
{
	json_t *event;
	int rc = 0;

	if (len > JOURNAL_LINE_MAX) {
		*error = xasprintf("journal '%s' line %ld is longer than %d bytes",
		    path, number, JOURNAL_LINE_MAX);
		return -1;
	}
	event = parse_line(path, line, number, number, error);
	if (event == NULL)
		return -1;
	if (each(event, ctx) < 0) {
		*error = xasprintf("replay of journal '%s' stopped at event %ld",
		    path, number);
		rc = -1;
	}
	json_decref(event);
	return rc;
}

long
journal_replay(const char *path, int (*each)(const json_t *event, void *ctx),
    void *ctx, char **error)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long count = 0;

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		*error = xasprintf("cannot read journal '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	/* A last line without its newline was cut off by a crash: it never
	 * counted, so replay stops before it. */
	while ((len = getline(&line, &cap, f)) > 0 && line[len - 1] == '\n') {
		if (replay_line(path, line, (size_t)len, count + 1, each, ctx,
		    error) < 0) {
			count = -1;
			break;
		}
		count++;
	}
	free(line);
	fclose(f);
	return count;
}
