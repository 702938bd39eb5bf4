/*
 * fuzz_journal.c: libFuzzer entry for reading a journal, which anyone can
 * hand to `rangectl report` (and a damaged disk to `rangectl run`). Each
 * line of the input is one event: decoded through the event table, and
 * applied to a report, in order, as report_load() does. Then the input
 * once more as a journal file, through journal_replay(), which puts
 * events written in parts together before anyone reads them (format 3),
 * and through journal_read_from(), which decodes round lines without
 * jansson (event_scan_round(): each line is also checked to decode the
 * same both ways).
 * Run by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "rangectl/event.h"
#include "rangectl/event_scan.h"
#include "rangectl/journal.h"
#include "rangectl/report.h"
#include "rangectl/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * An event that decodes must encode to one that decodes to the same
 * again: what the engine writes back (an exercise event, lost results)
 * is read by the next run.
 */
static void
check_round_trip(const struct event *ev)
{
	json_t *once = event_encode(ev), *twice;
	struct event back;
	char *error = NULL, *a, *b;

	if (once == NULL || event_decode(once, 1, &back, &error) < 0)
		abort();
	twice = event_encode(&back);
	a = json_dumps(once, JSON_SORT_KEYS | JSON_COMPACT);
	b = json_dumps(twice, JSON_SORT_KEYS | JSON_COMPACT);
	if (a == NULL || b == NULL || strcmp(a, b) != 0)
		abort();
	free(a);
	free(b);
	event_clear(&back);
	json_decref(once);
	json_decref(twice);
}

/* A decoded event as text, to compare two decodings. */
static char *
text_of(const struct event *ev)
{
	json_t *o = event_encode(ev);
	char *text;

	json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
	json_object_set_new(o, "wall", json_real(ev->wall));
	text = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(o);
	return text;
}

/*
 * The round scanner against the general path: what it reads, jansson and
 * event_decode() read the same; what it leaves, it leaves untouched.
 */
static void
check_scan(const char *line, size_t len)
{
	char *copy = malloc(len + 1), *a, *b;
	json_t *o;
	struct event fast, slow;
	char *error = NULL;

	if (copy == NULL)
		return;
	memcpy(copy, line, len);
	if (event_scan_round(copy, len, &fast) == 1) {
		o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(o) || event_decode(o, 0, &slow, &error) < 0)
			abort();
		a = text_of(&fast);
		b = text_of(&slow);
		if (a == NULL || b == NULL || strcmp(a, b) != 0 ||
		    fast.seq != slow.seq)
			abort();
		free(a);
		free(b);
		event_clear(&fast);
		event_clear(&slow);
		json_decref(o);
	} else if (memcmp(copy, line, len) != 0) {
		abort();
	}
	free(error);
	free(copy);
}

/* One line: 0 to go on, -1 where report_load would stop. */
static int
one_line(struct report *r, const char *line, size_t len, unsigned long long n)
{
	json_t *o;
	struct event ev;
	char *error = NULL;
	int rc = 0;

	check_scan(line, len);
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	json_object_set_new(o, "seq", json_integer((json_int_t)n));
	if (event_decode(o, n, &ev, &error) == 0) {
		check_round_trip(&ev);
		event_clear(&ev);
	} else if (error == NULL || strncmp(error, "event ", 6) != 0) {
		abort();	/* every refusal names its line */
	}
	free(error);
	error = NULL;
	if (report_apply(r, o, &error) < 0) {
		if (error == NULL)
			abort();
		rc = -1;
	}
	free(error);
	json_decref(o);
	return rc;
}

/* journal_replay()'s each: an event, whole, to the report. */
static int
replayed(const json_t *event, void *ctx)
{
	char *error = NULL;
	int rc = report_apply(ctx, event, &error);

	if (rc < 0 && error == NULL)
		abort();
	if (json_object_get(event, "parts") != NULL)
		abort();	/* a head is handed on only once whole */
	free(error);
	return rc;
}

/* journal_read_from()'s each: decoded, or why not. */
static int
read_one(const struct journal_event *je, void *ctx)
{
	(void)ctx;
	if ((je->ev == NULL) == (je->error == NULL))
		abort();
	if (je->ev != NULL && je->ev->seq != je->seq)
		abort();
	return 0;
}

/* data as a journal file (a memfd), replayed into a report. */
static void
replay_file(const uint8_t *data, size_t size)
{
	int fd = memfd_create("journal", 0);
	char path[64], *error = NULL;
	struct report r;

	if (fd < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		report_init(&r);
		if (journal_replay(path, replayed, &r, &error) < 0 && error ==
		    NULL)
			abort();
		report_clear(&r);
		free(error);
		error = NULL;
		/* The same file streamed and decoded, rounds by the scanner. */
		if (journal_read_from(path, 0, 1, read_one, NULL, &error) < 0 &&
		    error == NULL)
			abort();
	}
	free(error);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct report r;
	unsigned long long n = 1;

	report_init(&r);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (one_line(&r, p, (size_t)(nl - p), n++) < 0)
			break;
		p = nl + 1;
	}
	/* What the report's renderers read must hold together too. */
	json_decref(report_to_json(&r));
	report_clear(&r);
	replay_file(data, size);
	return 0;
}
