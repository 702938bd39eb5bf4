/*
 * test_journal_writer.c: the journal's group commit: events queued while
 * a sync runs share the next one, a group is written whole, everything
 * queued is durable after a flush and replays in order, and a batch that
 * cannot be written stops the writer with the sentence of the event.
 */
#include "harness.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "rangectl/journal.h"
#include "rangectl/util.h"

static char *
fresh_dir(void)
{
	char *dir = xstrdup("/tmp/rangectl-jwriter-XXXXXX");

	CHECK(mkdtemp(dir) != NULL);
	return dir;
}

static void
remove_dir(char *dir)
{
	char *file = xasprintf("%s/%s", dir, JOURNAL_FILE);

	unlink(file);
	rmdir(dir);
	free(file);
	free(dir);
}

static void
count_notify(void *ctx)
{
	__atomic_add_fetch((int *)ctx, 1, __ATOMIC_SEQ_CST);
}

static unsigned long long
queue_value(struct journal_writer *w, int value, bool more, char **error)
{
	json_t *ev = json_pack("{s:s, s:i}", "type", "round", "value", value);
	unsigned long long seq = journal_queue(w, ev, more, error);

	json_decref(ev);
	return seq;
}

struct seen {
	long events;
	long long last_value;
	bool in_order;
};

static int
check_order(const json_t *ev, void *ctx)
{
	struct seen *s = ctx;
	long long v = json_integer_value(json_object_get(ev, "value"));

	s->in_order = s->in_order && v == s->last_value + 1;
	s->last_value = v;
	s->events++;
	return 0;
}

TEST(events_queued_during_a_sync_share_the_next)
{
	char *dir = fresh_dir(), *error = NULL, *path;
	struct seen seen = { .in_order = true };
	struct journal_mark mark;
	struct journal_writer *w;
	struct journal j;
	int notified = 0, i;

	/* Every sync stalls 20 ms: 200 events queued at once cannot take
	 * 200 syncs, and the first batch is one event alone. */
	setenv(JOURNAL_DELAY_ENV, "20", 1);
	CHECK_INT_EQ(journal_open(&j, dir, &error), 0);
	w = journal_writer_start(&j, count_notify, &notified, &error);
	unsetenv(JOURNAL_DELAY_ENV);
	if (!CHECK(w != NULL))
		return;
	for (i = 1; i <= 200; i++)
		CHECK_INT_EQ(queue_value(w, i, false, &error), (unsigned)i);
	journal_writer_flush(w);
	CHECK_INT_EQ(journal_durable(w, &mark, &error), 0);
	CHECK_INT_EQ(mark.seq, 200);
	CHECK_INT_EQ(mark.size, j.size);
	CHECK(mark.hash == j.last_hash);
	CHECK(mark.syncs >= 1 && mark.syncs <= 20);
	journal_writer_stop(w);
	/* One wake-up per batch, each after the batch was durable. */
	CHECK_INT_EQ(notified, (int)mark.syncs);
	journal_close(&j);
	path = xasprintf("%s/%s", dir, JOURNAL_FILE);
	CHECK_INT_EQ(journal_replay(path, check_order, &seen, &error), 200);
	CHECK(seen.in_order);
	/* Reopened, the journal goes on where the writer left it. */
	CHECK_INT_EQ(journal_open(&j, dir, &error), 0);
	CHECK_INT_EQ(j.seq, 200);
	journal_close(&j);
	free(path);
	remove_dir(dir);
}

TEST(a_group_is_written_only_once_whole)
{
	char *dir = fresh_dir(), *error = NULL;
	struct journal_mark mark;
	struct journal_writer *w;
	struct journal j;
	int notified = 0;

	CHECK_INT_EQ(journal_open(&j, dir, &error), 0);
	w = journal_writer_start(&j, count_notify, &notified, &error);
	if (!CHECK(w != NULL))
		return;
	CHECK_INT_EQ(queue_value(w, 1, true, &error), 1);
	CHECK_INT_EQ(queue_value(w, 2, true, &error), 2);
	usleep(50000);
	/* Its last event not queued yet: nothing of it reached the disk. */
	CHECK_INT_EQ(journal_durable(w, &mark, &error), 0);
	CHECK_INT_EQ(mark.seq, 0);
	CHECK_INT_EQ(mark.syncs, 0);
	CHECK_INT_EQ(queue_value(w, 3, false, &error), 3);
	journal_writer_flush(w);
	CHECK_INT_EQ(journal_durable(w, &mark, &error), 0);
	CHECK_INT_EQ(mark.seq, 3);
	CHECK_INT_EQ(mark.syncs, 1);
	journal_writer_stop(w);
	journal_close(&j);
	remove_dir(dir);
}

TEST(a_failed_batch_stops_the_writer_with_its_event)
{
	char *dir = fresh_dir(), *error = NULL, *want;
	struct journal_mark mark;
	struct journal_writer *w;
	struct journal j;
	int notified = 0, fd;

	CHECK_INT_EQ(journal_open(&j, dir, &error), 0);
	w = journal_writer_start(&j, count_notify, &notified, &error);
	if (!CHECK(w != NULL))
		return;
	CHECK_INT_EQ(queue_value(w, 1, false, &error), 1);
	journal_writer_flush(w);
	/* The journal's descriptor now refuses writes, as a full disk does. */
	fd = open("/dev/null", O_RDONLY);
	CHECK(fd >= 0 && dup2(fd, j.fd) == j.fd);
	close(fd);
	CHECK_INT_EQ(queue_value(w, 2, false, &error), 2);
	journal_writer_flush(w);
	CHECK_INT_EQ(journal_durable(w, &mark, &error), -1);
	CHECK_INT_EQ(mark.seq, 1);
	want = xasprintf("cannot write event 2 to journal '%s/%s': Bad file "
	    "descriptor", dir, JOURNAL_FILE);
	CHECK_STR_EQ(error, want);
	free(error);
	error = NULL;
	/* Nothing is queued after it: a gap would break the sequence. */
	CHECK_INT_EQ(queue_value(w, 3, false, &error), 0);
	CHECK_STR_EQ(error, want);
	free(error);
	free(want);
	journal_writer_stop(w);
	journal_close(&j);
	remove_dir(dir);
}
