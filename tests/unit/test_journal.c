/*
 * test_journal.c: appending, reopening, replaying, and surviving a crash
 * that cut the last line short.
 */
#include "harness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rangectl/journal.h"
#include "rangectl/util.h"

/* A fresh state folder under /tmp; the caller frees the name. */
static char *
fresh_dir(void)
{
	char *dir = xstrdup("/tmp/rangectl-journal-XXXXXX");

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

static int
append_type(struct journal *j, const char *type, int value)
{
	json_t *ev = json_pack("{s:s, s:i}", "type", type, "value", value);
	char *error = NULL;
	int rc = journal_append(j, ev, &error);

	if (rc < 0)
		fprintf(stderr, "%s\n", error);
	free(error);
	json_decref(ev);
	return rc;
}

struct tally {
	long events;
	long long sum;
	long long last_seq;
};

static int
add_up(const json_t *ev, void *ctx)
{
	struct tally *t = ctx;

	t->events++;
	t->sum += json_integer_value(json_object_get(ev, "value"));
	t->last_seq = json_integer_value(json_object_get(ev, "seq"));
	return 0;
}

static long
replay(const char *dir, struct tally *t, char **error)
{
	char *path = xasprintf("%s/%s", dir, JOURNAL_FILE);
	long n;

	memset(t, 0, sizeof(*t));
	n = journal_replay(path, add_up, t, error);
	free(path);
	return n;
}

TEST(append_reopen_replay)
{
	char *dir = fresh_dir(), *error = NULL;
	struct journal j;
	struct tally t;
	struct stat st;
	int i;

	if (!CHECK(journal_open(&j, dir, &error) == 0))
		return;
	for (i = 1; i <= 10; i++)
		CHECK_INT_EQ(append_type(&j, "round", i), 0);
	journal_close(&j);
	/* Reopened, it goes on from the last sequence number. */
	CHECK_INT_EQ(journal_open(&j, dir, &error), 0);
	CHECK_INT_EQ(j.seq, 10);
	CHECK_INT_EQ(append_type(&j, "round", 100), 0);
	CHECK_INT_EQ(fstat(j.fd, &st), 0);
	CHECK_INT_EQ(st.st_mode & 0777, 0600);
	journal_close(&j);
	CHECK_INT_EQ(replay(dir, &t, &error), 11);
	CHECK_INT_EQ(t.sum, 155);
	CHECK_INT_EQ(t.last_seq, 11);
	remove_dir(dir);
}

TEST(a_line_cut_by_a_crash_never_counted)
{
	char *dir = fresh_dir(), *error = NULL, *path;
	static const char partial[] = "{\"seq\":4,\"type\":\"rou";
	struct journal j;
	struct tally t;
	int fd;

	if (!CHECK(journal_open(&j, dir, &error) == 0))
		return;
	append_type(&j, "a", 1);
	append_type(&j, "b", 2);
	append_type(&j, "c", 3);
	journal_close(&j);
	path = xasprintf("%s/%s", dir, JOURNAL_FILE);
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK_INT_EQ(write(fd, partial, sizeof(partial) - 1),
	    (long)sizeof(partial) - 1);
	close(fd);
	/* Replay stops before it... */
	CHECK_INT_EQ(replay(dir, &t, &error), 3);
	/* ...and opening cuts it, so the next event takes its place. */
	CHECK_INT_EQ(journal_open(&j, dir, &error), 0);
	CHECK_INT_EQ(j.dropped_bytes, sizeof(partial) - 1);
	CHECK_INT_EQ(append_type(&j, "d", 4), 0);
	journal_close(&j);
	CHECK_INT_EQ(replay(dir, &t, &error), 4);
	CHECK_INT_EQ(t.sum, 10);
	free(path);
	remove_dir(dir);
}

/* Writes text as the whole journal of dir. */
static void
write_journal(const char *dir, const char *text)
{
	char *path = xasprintf("%s/%s", dir, JOURNAL_FILE);
	FILE *f = fopen(path, "w");

	if (CHECK(f != NULL)) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

TEST(damage_is_an_error_with_the_line)
{
	static const struct {
		const char *text;
		const char *says;
	} cases[] = {
		{ "{\"seq\":1}\nnot json\n", "line 2 is not a JSON object" },
		{ "{\"seq\":1}\n[1,2]\n", "line 2 is not a JSON object" },
		{ "{\"seq\":1}\n{\"seq\":3}\n", "line 2 is out of sequence" },
		{ "{\"seq\":1,\"seq\":1}\n", "line 1 is not a JSON object" },
		{ "{\"type\":\"x\"}\n", "line 1 is out of sequence" },
	};
	struct tally t;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *dir = fresh_dir(), *error = NULL;

		write_journal(dir, cases[i].text);
		CHECK_INT_EQ(replay(dir, &t, &error), -1);
		CHECK(error != NULL && strstr(error, cases[i].says) != NULL);
		if (error != NULL && strstr(error, cases[i].says) == NULL)
			fprintf(stderr, "got: %s\n", error);
		free(error);
		remove_dir(dir);
	}
}

TEST(missing_journal_is_empty_and_bad_folder_is_an_error)
{
	struct journal j;
	struct tally t;
	char *error = NULL;

	CHECK_INT_EQ(replay("/tmp/rangectl-journal-does-not-exist", &t, &error),
	    0);
	CHECK_INT_EQ(journal_open(&j, "/proc/rangectl-no", &error), -1);
	CHECK(error != NULL && strstr(error, "/proc/rangectl-no") != NULL);
	free(error);
	journal_close(NULL);
}

/* Each event's list "items" (its length), and the longest line. */
static int
count_items(const json_t *ev, void *ctx)
{
	struct tally *t = ctx;

	t->events++;
	t->sum += (long long)json_array_size(json_object_get(ev, "items"));
	t->last_seq = json_integer_value(json_object_get(ev, "seq"));
	CHECK(json_object_get(ev, "parts") == NULL);
	return 0;
}

static size_t
longest_line(const char *path, size_t *lines)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, most = 0;
	ssize_t n;

	*lines = 0;
	while (f != NULL && (n = getline(&line, &cap, f)) > 0) {
		(*lines)++;
		if ((size_t)n > most)
			most = (size_t)n;
	}
	free(line);
	if (f != NULL)
		fclose(f);
	return most;
}

/*
 * An event of 10,000 entries of 120 bytes (a round of 10,000 checks, 1.2 MB
 * in one line, past the reader's limit) is written in parts under
 * JOURNAL_PART_BYTES each, read back whole with the head's seq; a crash
 * after some of its parts leaves an event that never counted.
 */
TEST(a_long_event_is_written_in_parts_and_read_whole)
{
	char *dir = fresh_dir(), *error = NULL, *path, *pad = xcalloc(101, 1);
	json_t *ev = json_pack("{s:s, s:i, s:[]}", "type", "round", "n", 1,
	    "items");
	struct journal j;
	struct tally t;
	size_t i, lines, most;
	struct stat st;

	memset(pad, 'x', 100);
	for (i = 0; i < 10000; i++)
		json_array_append_new(json_object_get(ev, "items"), json_pack(
		    "{s:I, s:s}", "i", (json_int_t)i, "pad", pad));
	path = xasprintf("%s/%s", dir, JOURNAL_FILE);
	CHECK_INT_EQ(journal_open(&j, dir, &error), 0);
	CHECK_INT_EQ(append_type(&j, "first", 1), 0);
	CHECK_INT_EQ(journal_append(&j, ev, &error), 0);
	CHECK_INT_EQ((long)json_integer_value(json_object_get(ev, "seq")), 2);
	CHECK_INT_EQ(json_array_size(json_object_get(ev, "items")), 10000);
	CHECK_INT_EQ(append_type(&j, "last", 1), 0);
	most = longest_line(path, &lines);
	fprintf(stderr, "# 10,000 entries: %zu lines, the longest %zu bytes\n",
	    lines, most);
	CHECK(most <= JOURNAL_PART_BYTES);
	CHECK(lines > 6);
	CHECK_INT_EQ((long)j.seq, (long)lines);
	journal_close(&j);
	memset(&t, 0, sizeof(t));
	CHECK_INT_EQ(journal_replay(path, count_items, &t, &error), (long)lines);
	CHECK_INT_EQ(t.events, 3);
	CHECK_INT_EQ(t.sum, 10000);
	CHECK_INT_EQ(t.last_seq, (long)lines);
	/* Cut after the head and two parts, and something half written. */
	CHECK(truncate(path, 0) == 0);
	CHECK_INT_EQ(journal_open(&j, dir, &error), 0);
	CHECK_INT_EQ(append_type(&j, "first", 1), 0);
	CHECK_INT_EQ(journal_append(&j, ev, &error), 0);
	journal_close(&j);
	{
		FILE *f = fopen(path, "r");
		char *line = NULL;
		size_t cap = 0, keep = 0;
		ssize_t n;
		int k;

		for (k = 0; f != NULL && k < 4 && (n = getline(&line, &cap, f)) >
		    0; k++)
			keep += (size_t)n;
		free(line);
		if (f != NULL)
			fclose(f);
		CHECK(truncate(path, (off_t)keep + 10) == 0);
	}
	memset(&t, 0, sizeof(t));
	CHECK_INT_EQ(journal_replay(path, count_items, &t, &error), 1);
	CHECK_INT_EQ(t.events, 1);
	CHECK_INT_EQ(journal_open(&j, dir, &error), 0);
	CHECK_INT_EQ((long)j.seq, 1);
	CHECK(stat(path, &st) == 0 && (unsigned long long)st.st_size == j.size);
	CHECK_INT_EQ(append_type(&j, "after", 1), 0);
	journal_close(&j);
	CHECK_INT_EQ(journal_replay(path, count_items, &t, &error), 2);
	free(error);
	free(path);
	free(pad);
	json_decref(ev);
	remove_dir(dir);
}

/*
 * A last line claiming to be a part whose head is not where it says is
 * an error at open, and nothing is cut: a damaged or forged line must not
 * make the journal lose what it holds.
 */
TEST(a_part_without_its_head_is_not_cut)
{
	char *dir = fresh_dir(), *error = NULL, *path;
	struct journal j;
	struct stat st;

	write_journal(dir, "{\"seq\":1,\"type\":\"first\"}\n"
	    "{\"seq\":2,\"type\":\"second\"}\n"
	    "{\"of\":3,\"part\":2,\"part_of\":1,\"seq\":3,\"type\":\"part\"}\n");
	path = xasprintf("%s/%s", dir, JOURNAL_FILE);
	CHECK_INT_EQ(journal_open(&j, dir, &error), -1);
	CHECK(error != NULL && strstr(error, "event 1") != NULL);
	CHECK(stat(path, &st) == 0 && st.st_size == 103);
	free(error);
	free(path);
	remove_dir(dir);
}
