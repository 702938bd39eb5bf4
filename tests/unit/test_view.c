/*
 * test_view.c: the dashboard's view restored from its checkpoint and the
 * journal after it answers as the view of the whole journal does; a
 * checkpoint that is damaged, foreign or no longer matches its journal
 * is left aside for a full replay. Run on the golden journals of
 * tests/journals (formats 1 to 3, one written in parts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "rangectl/journal.h"
#include "rangectl/util.h"
#include "rangectl/view.h"

static const char *const journals[] = {
	"complete", "edge", "engine-api", "engine-paused", "engine-rehearsal",
	"escapes", "interrupted", "parts", "pending", "resumed",
};

static char *
read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = xmalloc((size_t)n + 1);
	if (fread(text, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	text[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return text;
}

static void
write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f != NULL) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
}

/* A state folder holding the first len bytes of text as its journal. */
static char *
state_with(const char *text, size_t len)
{
	char *dir = xstrdup("/tmp/rc-test-view.XXXXXX"), *path;

	if (mkdtemp(dir) == NULL)
		abort();
	path = xasprintf("%s/%s", dir, JOURNAL_FILE);
	write_text(path, text, len);
	free(path);
	return dir;
}

static void
remove_state(char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
	free(dir);
}

/* The exercise's name, from the journal's first line. */
static char *
exercise_of(const char *text)
{
	json_error_t jerr;
	json_t *o = json_loadb(text, strcspn(text, "\n"), 0, &jerr);
	char *name = xstrdup(json_string_value(json_object_get(o, "name")) ?:
	    "?");

	json_decref(o);
	return name;
}

/* Every answer of the view's API, and its hosts, as one text. */
static char *
answers(struct view *v)
{
	struct view_counts c;
	json_t *all;
	char *text;

	view_counts(v, &c);
	all = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:O, s:{s:I, "
	    "s:I, s:I, s:I, s:I}, s:I}", "exercise", view_exercise(v),
	    "scores", view_scores(v), "uptime", view_uptime(v, NULL), "history",
	    view_history(v), "hosts", view_hosts(v, NULL), "injects",
	    view_injects(v), "messages", view_messages(v, NULL), "reports",
	    view_reports(v, NULL), "seen", v->hosts, "counts", "rounds",
	    (json_int_t)c.rounds, "up", (json_int_t)c.checks_up, "down",
	    (json_int_t)c.checks_down, "firings", (json_int_t)c.firings,
	    "failed", (json_int_t)c.results_failed, "last_seq",
	    (json_int_t)v->last_seq);
	/* And the whole model, the penalties and lists no route shows yet. */
	json_object_set_new(all, "report", report_to_json(&v->report));
	json_object_set_new(all, "events", json_integer((json_int_t)
	    v->report.events));
	text = json_dumps(all, JSON_SORT_KEYS | JSON_INDENT(1));
	json_decref(all);
	return text;
}

/* The view of dir's journal (its checkpoint if any, then the rest). */
static char *
answers_of(const struct plan *plan, const char *dir)
{
	struct view v;
	char *error = NULL, *text = NULL;

	if (CHECK(view_init(&v, plan, dir, &error) == 0))
		text = answers(&v);
	else
		fprintf(stderr, "view_init: %s\n", error);
	free(error);
	view_clear(&v);
	return text;
}

/*
 * Where the line that ends at byte end of text begins; whether it is a
 * whole event's last line (not a head or a part), and its seq.
 */
static bool
event_ends_at(const char *text, size_t end, long long *seq)
{
	size_t start = end - 1;
	json_t *o;
	bool whole;

	while (start > 0 && text[start - 1] != '\n')
		start--;
	o = json_loadb(text + start, end - start, 0, NULL);
	*seq = json_integer_value(json_object_get(o, "seq"));
	whole = o != NULL && json_object_get(o, "parts") == NULL &&
	    json_object_get(o, "part_of") == NULL;
	json_decref(o);
	return whole;
}

/*
 * Writes into dir the view's checkpoint as a run would, taken after the
 * line of text that ends at byte end: the view of the journal up to it,
 * checkpointed at that line's seq, offset and hash. 1 when written.
 */
static int
checkpoint_at(const struct plan *plan, const char *dir, const char *text,
    size_t end)
{
	char *part = state_with(text, end), *error = NULL;
	size_t start = end - 1;
	long long seq;
	struct view v;
	int rc = 0;

	while (start > 0 && text[start - 1] != '\n')
		start--;
	if (event_ends_at(text, end, &seq) && view_init(&v, plan, part,
	    &error) == 0) {
		rc = view_checkpoint(&v, dir, (unsigned long long)seq, end,
		    hash_bytes(HASH_SEED, text + start, end - start), true,
		    &error);
		view_clear(&v);
	}
	if (rc < 0)
		fprintf(stderr, "view_checkpoint: %s\n", error);
	free(error);
	remove_state(part);
	return rc;
}

/* Whether dir's checkpoint is used, and from which event. */
static unsigned long long
restored_seq(const struct plan *plan, const char *dir)
{
	unsigned long long seq, offset;
	struct view v;

	view_restore(&v, plan, dir, &seq, &offset, NULL);
	view_clear(&v);
	return seq;
}

/*
 * The answers of the routes that do not wait for the report's lists
 * (the ledger's and the hosts'), as one text, under the read lock: all
 * of one state, before view_restore_lazy()'s swap or after it.
 */
static char *
ledger_answers(struct view *v)
{
	struct view_counts c;
	json_t *all;
	char *text;

	/* The routes' own read locks are taken again: glibc's prefer readers. */
	pthread_rwlock_rdlock(&v->lock);
	view_counts(v, &c);
	all = json_pack("{s:o, s:o, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I}}",
	    "scores", view_scores(v), "uptime", view_uptime(v, NULL), "history",
	    view_history(v), "hosts", view_hosts(v, NULL), "coalition",
	    view_coalition(v), "counts", "rounds", (json_int_t)c.rounds, "up",
	    (json_int_t)c.checks_up, "down", (json_int_t)c.checks_down,
	    "firings", (json_int_t)c.firings, "failed",
	    (json_int_t)c.results_failed);
	pthread_rwlock_unlock(&v->lock);
	text = json_dumps(all, JSON_SORT_KEYS | JSON_INDENT(1));
	json_decref(all);
	return text;
}

static int
apply_rest(const struct journal_event *je, void *ctx)
{
	view_apply_replayed(ctx, je);
	return 0;
}

/*
 * dir's checkpoint restored in two halves (view_restore_lazy()), as a
 * dashboard's restart does: its ledger's answers at once (*first, new),
 * then every answer once the journal's rest is handed in (new).
 */
static char *
lazy_answers_of(const struct plan *plan, const char *dir, char **first)
{
	char *journal = xasprintf("%s/%s", dir, JOURNAL_FILE), *error = NULL,
	    *text = NULL;
	unsigned long long seq, offset;
	struct view v;

	view_restore_lazy(&v, plan, dir, &seq, &offset, NULL);
	*first = ledger_answers(&v);
	if (CHECK(journal_read_from(journal, offset, seq + 1, apply_rest, &v,
	    &error) >= 0))
		text = answers(&v);
	else
		fprintf(stderr, "journal_read_from: %s\n", error);
	view_clear(&v);
	free(error);
	free(journal);
	return text;
}

/* The ledger's answers of dir's checkpoint restored whole (view_restore()). */
static char *
restored_ledger_answers(const struct plan *plan, const char *dir)
{
	unsigned long long seq, offset;
	struct view v;
	char *text;

	view_restore(&v, plan, dir, &seq, &offset, NULL);
	text = ledger_answers(&v);
	view_clear(&v);
	return text;
}

/*
 * The same checkpoint restored in two halves: the ledger's routes answer
 * as the whole restore's do from the first half on, and every route as
 * the whole journal's once the rest is in.
 */
static void
check_lazy(const struct plan *plan, const char *dir, const char *full,
    const char *name, size_t at)
{
	char *first = NULL, *whole = restored_ledger_answers(plan, dir);
	char *lazy = lazy_answers_of(plan, dir, &first);

	if (!CHECK(first != NULL && whole != NULL && strcmp(first, whole) == 0))
		fprintf(stderr, "%s: first half at byte %zu:\n%s\nwhole:\n%s\n",
		    name, at, first, whole);
	if (!CHECK(full != NULL && lazy != NULL && strcmp(full, lazy) == 0))
		fprintf(stderr, "%s: lazily restored at byte %zu:\n%s\n"
		    "replayed:\n%s\n", name, at, lazy, full);
	free(first);
	free(whole);
	free(lazy);
}

/*
 * For one journal: a checkpoint after its first event, in its middle
 * and after its last, each restored (whole, and in two halves) and the
 * rest replayed, answers as the whole journal replayed does.
 */
static void
check_journal(const char *name)
{
	char *path = xasprintf("tests/journals/%s.jsonl", name);
	size_t len, ends[3], i, at;
	char *text = read_text(path, &len), *dir, *full, *restored;
	struct plan plan = { 0 };
	long long seq;

	if (!CHECK(text != NULL && len > 0))
		goto cleanup;
	plan.exercise = exercise_of(text);
	dir = state_with(text, len);
	full = answers_of(&plan, dir);
	ends[0] = strcspn(text, "\n") + 1;
	ends[1] = len / 2;
	ends[2] = len;
	for (i = 0; i < 3; i++) {
		/* The end of the first whole event at or after the place. */
		for (at = ends[i]; at < len && (text[at - 1] != '\n' ||
		    !event_ends_at(text, at, &seq)); at++)
			;
		/* A journal that ends with half a line: the last whole one. */
		while (at > 1 && (text[at - 1] != '\n' || !event_ends_at(text,
		    at, &seq)))
			at--;
		if (!CHECK(checkpoint_at(&plan, dir, text, at) == 1)) {
			fprintf(stderr, "%s: no checkpoint at byte %zu\n", name, at);
			continue;
		}
		event_ends_at(text, at, &seq);
		if (!CHECK(restored_seq(&plan, dir) == (unsigned long long)seq))
			fprintf(stderr, "%s: the checkpoint at byte %zu is not "
			    "used\n", name, at);
		restored = answers_of(&plan, dir);
		if (!CHECK(full != NULL && restored != NULL &&
		    strcmp(full, restored) == 0))
			fprintf(stderr, "%s: restored at byte %zu:\n%s\nreplayed:\n"
			    "%s\n", name, at, restored, full);
		free(restored);
		check_lazy(&plan, dir, full, name, at);
	}
	free(full);
	remove_state(dir);
	free(plan.exercise);
cleanup:
	free(text);
	free(path);
}

TEST(restored_answers_as_replayed)
{
	size_t i;

	for (i = 0; i < sizeof(journals) / sizeof(journals[0]); i++)
		check_journal(journals[i]);
}

/* A state folder of engine-rehearsal.jsonl with a checkpoint midway. */
static char *
rehearsal_with_checkpoint(struct plan *plan, char **text, size_t *len)
{
	char *path = xstrdup("tests/journals/engine-rehearsal.jsonl"), *dir;
	size_t at;
	long long seq;

	*text = read_text(path, len);
	free(path);
	if (*text == NULL)
		return NULL;
	plan->exercise = exercise_of(*text);
	dir = state_with(*text, *len);
	for (at = *len / 2; at < *len && ((*text)[at - 1] != '\n' ||
	    !event_ends_at(*text, at, &seq)); at++)
		;
	CHECK(checkpoint_at(plan, dir, *text, at) == 1);
	CHECK(restored_seq(plan, dir) > 0);
	return dir;
}

TEST(damaged_checkpoint_falls_back)
{
	struct plan plan = { 0 };
	char *text, *dir, *cp, *full, *again, *bytes, *whole;
	size_t len, n, head, records;
	json_t *o;

	dir = rehearsal_with_checkpoint(&plan, &text, &len);
	if (!CHECK(dir != NULL))
		return;
	full = answers_of(&plan, dir);
	cp = xasprintf("%s/%s", dir, VIEW_CHECKPOINT);
	bytes = read_text(cp, &n);
	whole = xmalloc(n + 1);
	memcpy(whole, bytes, n + 1);
	head = strcspn(whole, "\n") + 1;
	o = json_loadb(whole, head, 0, NULL);
	records = (size_t)json_integer_value(json_object_get(json_object_get(o,
	    "report"), "bytes"));
	json_decref(o);
	CHECK(records > 0 && head + records < n);
	/* A byte of its state changed: not JSON any more. */
	bytes[n / 3] = '{';
	bytes[20] = '\x01';
	write_text(cp, bytes, n);
	CHECK(restored_seq(&plan, dir) == 0);
	again = answers_of(&plan, dir);
	CHECK(full && again && strcmp(full, again) == 0);
	free(again);
	/*
	 * Its records a byte short (their count beyond the file's end, where
	 * a mapping must not be read), or whole with no event after them.
	 */
	write_text(cp, whole, head + records - 1);
	CHECK(restored_seq(&plan, dir) == 0);
	write_text(cp, whole, head + records);
	CHECK(restored_seq(&plan, dir) == 0);
	again = answers_of(&plan, dir);
	CHECK(full && again && strcmp(full, again) == 0);
	free(again);
	/* Cut short: its head whole, its kept events not. */
	write_text(cp, "{\"version\":1}\n", 14);
	CHECK(restored_seq(&plan, dir) == 0);
	/* Empty. */
	write_text(cp, "", 0);
	CHECK(restored_seq(&plan, dir) == 0);
	again = answers_of(&plan, dir);
	CHECK(full && again && strcmp(full, again) == 0);
	free(again);
	free(bytes);
	free(whole);
	free(cp);
	free(full);
	free(text);
	free(plan.exercise);
	remove_state(dir);
}

TEST(stale_or_foreign_checkpoint_falls_back)
{
	struct plan plan = { 0 }, other = { .exercise = "another" };
	char *text, *dir, *journal, *full, *again, *changed;
	size_t len;

	dir = rehearsal_with_checkpoint(&plan, &text, &len);
	if (!CHECK(dir != NULL))
		return;
	/* Of another exercise: not used. */
	CHECK(restored_seq(&other, dir) == 0);
	/* The journal replaced by one whose lines differ: not used. */
	changed = xstrdup(text);
	for (char *p = changed; (p = strstr(p, "\"wall\":")) != NULL; p++)
		p[8] = p[8] == '9' ? '8' : '9';
	journal = xasprintf("%s/%s", dir, JOURNAL_FILE);
	write_text(journal, changed, len);
	CHECK(restored_seq(&plan, dir) == 0);
	full = answers_of(&plan, dir);
	CHECK(full != NULL && strstr(full, "\"last_seq\": ") != NULL);
	/* Cut short before the checkpoint's line: not used either. */
	write_text(journal, text, len / 4);
	CHECK(restored_seq(&plan, dir) == 0);
	again = answers_of(&plan, dir);
	CHECK(again != NULL);
	free(again);
	free(full);
	free(journal);
	free(changed);
	free(text);
	free(plan.exercise);
	remove_state(dir);
}

TEST(checkpoint_only_when_due)
{
	struct plan plan = { 0 };
	char *text, *dir, *error = NULL;
	unsigned long long seq, offset;
	struct view v;
	size_t len;

	dir = rehearsal_with_checkpoint(&plan, &text, &len);
	if (!CHECK(dir != NULL))
		return;
	view_restore(&v, &plan, dir, &seq, &offset, NULL);
	/* Not the view's last event: not written. */
	CHECK_INT_EQ(view_checkpoint(&v, dir, seq + 1, offset + 10, 0, true,
	    &error), 0);
	/* Its own place, not forced: fewer than VIEW_CHECKPOINT_EVERY since. */
	CHECK_INT_EQ(view_checkpoint(&v, dir, seq, offset, 0, false, &error), 0);
	view_clear(&v);
	free(text);
	free(plan.exercise);
	remove_state(dir);
}
