/*
 * view.c: the API's picture of the exercise, fed by journaled events.
 */
#include "rangectl/view.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "rangectl/event.h"
#include "rangectl/intel.h"
#include "rangectl/journal.h"
#include "rangectl/util.h"

int
view_may_see_team(const struct auth_user *u, const char *team)
{
	if (u == NULL || u->role != AUTH_TRAINEE)
		return 1;
	return team != NULL && u->team != NULL && strcmp(u->team->id, team) == 0;
}

static json_t *
host_entry(struct view *v, const char *name)
{
	json_t *h = json_object_get(v->hosts, name);

	if (h == NULL) {
		h = json_pack("{s:s, s:n, s:{}}", "state", "unknown", "reason",
		    "services");
		json_object_set_new(v->hosts, name, h);
	}
	return h;
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * While view_restore_lazy()'s thread rebuilds the report's lists: a
 * route that reads them waits for it (wait_whole), and one that reads
 * only the ledger or the hosts, restored before the API started, waits
 * only when events are queued that it has not taken in (wait_ledger).
 * Called before the read lock: the restorer holds the write lock while
 * it puts the lists in place.
 */
static void
wait_whole(struct view *v)
{
	pthread_mutex_lock(&v->wait_lock);
	while (v->restoring)
		pthread_cond_wait(&v->restored, &v->wait_lock);
	pthread_mutex_unlock(&v->wait_lock);
}

static void
wait_ledger(struct view *v)
{
	pthread_mutex_lock(&v->wait_lock);
	while (v->restoring && v->queued_ledger > 0)
		pthread_cond_wait(&v->restored, &v->wait_lock);
	pthread_mutex_unlock(&v->wait_lock);
}

/* Whether view_restore_lazy()'s thread is still at work. */
static bool
is_restoring(struct view *v)
{
	bool r;

	pthread_mutex_lock(&v->wait_lock);
	r = v->restoring;
	pthread_mutex_unlock(&v->wait_lock);
	return r;
}

/*
 * Queues event (taken: a new reference) when the view is being
 * restored; else returns false and leaves event to the caller. The
 * engine's thread only appends here, and never waits for the restore.
 */
static bool
queue_if_restoring(struct view *v, json_t *event)
{
	const char *type = json_string_value(json_object_get(event, "type"));
	bool queued = false;

	pthread_mutex_lock(&v->wait_lock);
	if (v->restoring) {
		/*
		 * A host event changes the lists and hosts only, a range
		 * event the range only (report.c's apply_host, apply_range).
		 */
		if (type == NULL || (strcmp(type, "host") != 0 &&
		    strcmp(type, "range") != 0))
			v->queued_ledger++;
		json_array_append_new(v->queued, event);
		queued = true;
	}
	pthread_mutex_unlock(&v->wait_lock);
	return queued;
}

static void note_host(struct view *v, const struct event_host *host);

/*
 * queue_if_restoring(), and a host event's state noted in the hosts at
 * once, since the hosts route does not wait for the lists (taken again
 * from the queue later: the same state). Write lock, then wait_lock,
 * as the restorer takes them.
 */
static bool
queue_event(struct view *v, json_t *event, const struct event *ev)
{
	bool queued;

	if (ev == NULL || ev->type != EVENT_HOST)
		return queue_if_restoring(v, event);
	pthread_rwlock_wrlock(&v->lock);
	queued = queue_if_restoring(v, event);
	if (queued)
		note_host(v, &ev->u.host);
	pthread_rwlock_unlock(&v->lock);
	return queued;
}

/*
 * A round: each host's services as the round found them. A service as it
 * was is left alone: most rounds change nothing, and a replay of a week's
 * journal passes through 90,000 of them. A round lists a host's checks
 * together, so its services are looked up once for them (jansson's
 * lookups were a fifth of a replay).
 */
static void
note_round(struct view *v, const struct event_round *round)
{
	json_t *services = NULL, *was, *reason;
	const char *host = NULL;
	size_t i;

	for (i = 0; i < round->n_checks; i++) {
		const struct event_check *c = &round->checks[i];

		if (host == NULL || strcmp(host, c->host) != 0) {
			services = json_object_get(host_entry(v, c->host),
			    "services");
			host = c->host;
		}
		was = json_object_get(services, c->service);
		reason = json_object_get(was, "reason");
		if (was != NULL && json_is_true(json_object_get(was, "up")) ==
		    c->up && (c->reason == NULL ? json_is_null(reason) :
		    json_is_string(reason) && strcmp(json_string_value(reason),
		    c->reason) == 0))
			continue;
		json_object_set_new(services, c->service, json_pack("{s:b, s:o}",
		    "up", c->up, "reason", c->reason ? json_string(c->reason) :
		    json_null()));
	}
}

static void
note_host(struct view *v, const struct event_host *host)
{
	json_t *h = host_entry(v, host->name);

	json_object_set_new(h, "state", json_string(host->state));
	json_object_set_new(h, "reason", host->reason ?
	    json_string(host->reason) : json_null());
}

static void
note_intel(struct view *v, const json_t *event, const char *team)
{
	json_array_append_new(v->intel, json_deep_copy(event));
	if (json_object_get(v->intel_first, team) == NULL)
		json_object_set(v->intel_first, team, json_object_get(event,
		    "wall"));
}

/*
 * Takes in event ev (decoded; NULL when it did not decode, error says
 * why), and its JSON event (NULL for a round read without a tree); the
 * caller holds the write lock. Returns whether it
 * is to be kept as it is: a round is kept as what it left, and one that
 * does not decode not at all.
 */
static bool
take_decoded(struct view *v, const struct event *ev, const json_t *event,
    const char *error)
{
	char *why = NULL;

	v->version++;
	if (ev == NULL || report_apply_event(&v->report, ev, &why) < 0) {
		/* Not expected of the engine's own events; keep going. */
		fprintf(stderr, "rangectl: the dashboard's view skips %s\n",
		    ev == NULL ? error : why);
		free(why);
	}
	/* Not a round: every other event has its JSON (event_scan.h). */
	if (ev != NULL && ev->type == EVENT_INTEL && event != NULL)
		note_intel(v, event, ev->u.intel.team);
	if (ev != NULL && ev->type == EVENT_ROUND)
		note_round(v, &ev->u.round);
	else if (ev != NULL && ev->type == EVENT_HOST)
		note_host(v, &ev->u.host);
	else if (ev != NULL && ev->type == EVENT_RANGE && event != NULL) {
		/* The digests GET /range answers: the last journaled. */
		json_decref(v->range);
		v->range = json_deep_copy(event);
	}
	return ev != NULL && ev->type != EVENT_ROUND;
}

/* take_decoded() of event, decoded here as the engine and report do. */
static bool
take(struct view *v, const json_t *event, json_int_t seq)
{
	struct event ev;
	char *error = NULL;
	bool ok, keep_it;

	v->report.events++;
	ok = event_decode(event, seq > 0 ? (unsigned long long)seq :
	    v->report.events, &ev, &error) == 0;
	keep_it = take_decoded(v, ok ? &ev : NULL, event, error);
	if (ok)
		event_clear(&ev);
	free(error);
	return keep_it;
}

/* Adds n bytes of text to the kept events. */
static void
keep(struct view *v, const char *text, size_t n)
{
	xgrow(&v->kept, &v->kept_alloc, v->kept_len + n + 1, 1);
	memcpy(v->kept + v->kept_len, text, n);
	v->kept_len += n;
	v->kept[v->kept_len] = '\0';
}

/* Takes an event in; the caller holds the write lock. */
static void
apply_locked(struct view *v, const json_t *event)
{
	json_int_t seq = json_integer_value(json_object_get(event, "seq"));
	char *line;

	/* The same event twice (the view's checkpoint, then the engine's replay). */
	if (seq > 0 && seq <= v->last_seq)
		return;
	if (seq > 0)
		v->last_seq = seq;
	if (!take(v, event, seq))
		return;
	line = json_dumps(event, JSON_COMPACT | JSON_SORT_KEYS);
	if (line != NULL) {
		keep(v, line, strlen(line));
		keep(v, "\n", 1);
	}
	free(line);
}

/* je as a JSON event of its own, for the queue; NULL when none can be. */
static json_t *
replayed_json(const struct journal_event *je)
{
	json_t *made;

	if (je->json != NULL)
		return json_deep_copy(je->json);
	if (je->text != NULL)
		return json_loadb(je->text, je->len, 0, NULL);
	if (je->ev == NULL)
		return NULL;
	made = event_encode(je->ev);
	json_object_set_new(made, "seq", json_integer((json_int_t)je->seq));
	json_object_set_new(made, "wall", json_real(je->ev->wall));
	return made;
}

void
view_apply_replayed(struct view *v, const struct journal_event *je)
{
	json_t *made = NULL;
	const json_t *event = je->json;
	char *line;

	if (is_restoring(v)) {
		json_t *copy = replayed_json(je);

		if (copy != NULL && queue_event(v, copy, je->ev))
			return;
		json_decref(copy);
	}
	pthread_rwlock_wrlock(&v->lock);
	/* The same event twice (the view's checkpoint, then the engine's replay). */
	if (je->seq <= (unsigned long long)v->last_seq)
		goto cleanup;
	v->last_seq = (json_int_t)je->seq;
	v->report.events++;
	if (!take_decoded(v, je->ev, je->json, je->error))
		goto cleanup;
	/* Kept as journaled; read without a tree, it is written back. */
	if (je->text != NULL) {
		keep(v, je->text, je->len);
		goto cleanup;
	}
	if (event == NULL) {
		event = made = event_encode(je->ev);
		json_object_set_new(made, "seq", json_integer((json_int_t)je->seq));
		json_object_set_new(made, "wall", json_real(je->ev->wall));
	}
	line = json_dumps(event, JSON_COMPACT | JSON_SORT_KEYS);
	if (line != NULL) {
		keep(v, line, strlen(line));
		keep(v, "\n", 1);
	}
	free(line);
cleanup:
	pthread_rwlock_unlock(&v->lock);
	json_decref(made);
}

static int
replay_one(const struct journal_event *je, void *ctx)
{
	view_apply_replayed(ctx, je);
	return 0;
}

/* An empty view of plan's exercise. */
static void
view_empty(struct view *v, const struct plan *plan)
{
	memset(v, 0, sizeof(*v));
	pthread_rwlock_init(&v->lock, NULL);
	pthread_mutex_init(&v->wait_lock, NULL);
	pthread_cond_init(&v->restored, NULL);
	v->plan = plan;
	v->hosts = json_object();
	v->intel = json_array();
	v->intel_first = json_object();
	report_init(&v->report);
}

int
view_init(struct view *v, const struct plan *plan, const char *state_dir,
    char **error)
{
	unsigned long long seq, offset;
	char *path;
	long n;

	if (state_dir == NULL) {
		view_empty(v, plan);
		return 0;
	}
	view_restore(v, plan, state_dir, &seq, &offset, NULL);
	path = xasprintf("%s/%s", state_dir, JOURNAL_FILE);
	n = journal_read_from(path, offset, seq + 1, replay_one, v, error);
	free(path);
	return n < 0 ? -1 : 0;
}

/* ---- the checkpoint ------------------------------------------------------ */

#define VIEW_CHECKPOINT_VERSION 2

static void count_firings(const struct report *r, size_t *firings,
    size_t *failed);

/*
 * What /metrics counts in the report's lists, for a restart's first
 * answers (view_restore_lazy()); a checkpoint without it is read all the
 * same, /metrics then waits for the lists.
 */
static json_t *
counts_json(struct view *v)
{
	size_t firings, failed;

	count_firings(&v->report, &firings, &failed);
	return json_pack("{s:I, s:I}", "firings", (json_int_t)firings,
	    "results_failed", (json_int_t)failed);
}

/*
 * The checkpoint's first line (where it was taken, and the state), new;
 * *bin (new, *len bytes) the report's records that follow it.
 */
static char *
checkpoint_head(struct view *v, unsigned long long seq,
    unsigned long long offset, unsigned long long line_hash, char **bin,
    size_t *len)
{
	char hash[17];
	json_t *head;
	char *text;

	snprintf(hash, sizeof(hash), "%016llx", line_hash);
	head = json_pack("{s:i, s:s, s:I, s:I, s:s, s:o, s:O, s:o}", "version",
	    VIEW_CHECKPOINT_VERSION, "exercise", v->plan->exercise, "seq",
	    (json_int_t)seq, "offset", (json_int_t)offset, "line_hash", hash,
	    "report", report_state_to_json(&v->report, bin, len), "hosts",
	    v->hosts, "counts", counts_json(v));
	text = json_dumps(head, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(head);
	return text;
}

/*
 * A checkpoint of the view as text, taken on the engine's thread (the
 * only one that changes the view) and written wherever the caller likes:
 * the write's fdatasync must not hold the engine's clock.
 */
struct view_saving {
	char *path;	/* where it goes */
	char *head;	/* its first line */
	char *bin;	/* the report's records */
	size_t len;
	char *kept;	/* the kept events, a copy */
	size_t kept_len;
};

void
view_saving_free(struct view_saving *s)
{
	if (s == NULL)
		return;
	free(s->path);
	free(s->head);
	free(s->bin);
	free(s->kept);
	free(s);
}

struct view_saving *
view_checkpoint_take(struct view *v, const char *state_dir,
    unsigned long long seq, unsigned long long offset,
    unsigned long long line_hash, bool force, char **error)
{
	struct view_saving *s = NULL;

	*error = NULL;
	/* Half restored, it is not taken: the next checkpoint will be. */
	if (!force && is_restoring(v))
		return NULL;
	wait_whole(v);
	/* Only the engine's thread changes the view: readers go on. */
	pthread_rwlock_rdlock(&v->lock);
	if ((unsigned long long)v->last_seq != seq || seq == v->saved_seq ||
	    (!force && seq < v->saved_seq + VIEW_CHECKPOINT_EVERY))
		goto cleanup;
	s = xcalloc(1, sizeof(*s));
	s->path = xasprintf("%s/%s", state_dir, VIEW_CHECKPOINT);
	s->head = checkpoint_head(v, seq, offset, line_hash, &s->bin, &s->len);
	if (s->head == NULL) {
		*error = xasprintf("cannot write the dashboard's checkpoint '%s': "
		    "its state does not serialize", s->path);
		view_saving_free(s);
		s = NULL;
		goto cleanup;
	}
	s->kept = xmalloc(v->kept_len + 1);
	memcpy(s->kept, v->kept ? v->kept : "", v->kept_len);
	s->kept_len = v->kept_len;
	/* Taken: the next is due VIEW_CHECKPOINT_EVERY events on. */
	v->saved_seq = seq;
cleanup:
	pthread_rwlock_unlock(&v->lock);
	return s;
}

int
view_saving_write(const struct view_saving *s, char **error)
{
	char *tmp = xasprintf("%s.tmp", s->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0 || write_all(fd, s->head, strlen(s->head)) < 0 ||
	    write_all(fd, "\n", 1) < 0 || write_all(fd, s->bin, s->len) < 0 ||
	    write_all(fd, s->kept, s->kept_len) < 0 ||
	    fdatasync(fd) < 0 || rename(tmp, s->path) < 0) {
		*error = xasprintf("cannot write the dashboard's checkpoint '%s': "
		    "%s", s->path, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	free(tmp);
	return rc;
}

int
view_checkpoint(struct view *v, const char *state_dir,
    unsigned long long seq, unsigned long long offset,
    unsigned long long line_hash, bool force, char **error)
{
	unsigned long long saved = v->saved_seq;
	struct view_saving *s = view_checkpoint_take(v, state_dir, seq, offset,
	    line_hash, force, error);
	int rc;

	if (s == NULL)
		return *error != NULL ? -1 : 0;
	rc = view_saving_write(s, error);
	if (rc < 0)
		v->saved_seq = saved;	/* not written: still due */
	view_saving_free(s);
	return rc < 0 ? -1 : 1;
}

/*
 * Whether head is a checkpoint of plan's exercise that the journal at
 * journal still holds the line of; else *why says why not.
 */
static bool
head_usable(const json_t *head, const struct plan *plan, const char *journal,
    const char **why)
{
	const char *name = json_string_value(json_object_get(head, "exercise"));
	const char *hash = json_string_value(json_object_get(head, "line_hash"));
	json_int_t offset = json_integer_value(json_object_get(head, "offset"));

	*why = NULL;
	if (json_integer_value(json_object_get(head, "version")) !=
	    VIEW_CHECKPOINT_VERSION)
		*why = "it is of another version";
	else if (name == NULL || strcmp(name, plan->exercise) != 0)
		*why = "it is of another exercise";
	else if (hash == NULL || offset <= 0 ||
	    json_integer_value(json_object_get(head, "seq")) <= 0 ||
	    !json_is_object(json_object_get(head, "hosts")))
		*why = "it is damaged";
	else if (!journal_line_matches(journal, (unsigned long long)offset,
	    strtoull(hash, NULL, 16), (unsigned long long)json_integer_value(
	    json_object_get(head, "seq"))))
		*why = "the journal no longer holds the line it was taken at";
	return *why == NULL;
}

/* A kept event of the checkpoint, taken in; -1 for a damaged one. */
static int
kept_one(const struct journal_event *je, void *ctx)
{
	struct view *v = ctx;

	if (je->ev == NULL || je->text == NULL)
		return -1;
	v->report.events++;
	take_decoded(v, je->ev, je->json, je->error);
	keep(v, je->text, je->len);
	return 0;
}

/*
 * The kept events after the records (from byte offset of the checkpoint
 * at path), each taken in: parsed and decoded on the reader's threads
 * (journal_read_sparse()), most of a restart's time. -1 for a damaged one.
 */
static int
take_kept(struct view *v, const char *path, long offset)
{
	char *error = NULL;
	long n = offset < 0 ? -1 : journal_read_sparse(path,
	    (unsigned long long)offset, kept_one, v, &error);

	free(error);
	return n < 0 ? -1 : 0;
}

/*
 * The report's records after the checkpoint's head, mapped rather than
 * read: 5.6 MB at 100,000 events, whose fread copied through stdio what
 * the page cache holds already, into as much memory again. A checkpoint
 * is replaced by a rename, never rewritten in place, so what is mapped
 * stays as it was. Where it cannot be mapped, it is read (copy).
 */
struct records {
	void *map;	/* own: map_len bytes from a page's start */
	size_t map_len;
	char *copy;	/* own, when not mapped */
	const char *bin;	/* the records: in map or copy */
	size_t len;
};

static void
records_clear(struct records *rec)
{
	if (rec->map != NULL)
		munmap(rec->map, rec->map_len);
	free(rec->copy);
	memset(rec, 0, sizeof(*rec));
}

/* The records after the head, the head's count of bytes, into *rec; f after them. */
static int
read_records(FILE *f, const json_t *head, struct records *rec)
{
	json_int_t n = json_integer_value(json_object_get(json_object_get(head,
	    "report"), "bytes"));
	long at = ftell(f), page = sysconf(_SC_PAGESIZE);
	struct stat st;
	off_t base;

	memset(rec, 0, sizeof(*rec));
	/*
	 * No more than the file holds after the head: a damaged count
	 * allocates nothing, and nothing is mapped beyond its end (a read
	 * there is a SIGBUS).
	 */
	if (n <= 0 || at < 0 || page <= 0 || fstat(fileno(f), &st) < 0 ||
	    n > st.st_size - at)
		return -1;
	base = at - at % page;
	rec->len = (size_t)n;
	rec->map_len = (size_t)(at - base) + rec->len;
	rec->map = mmap(NULL, rec->map_len, PROT_READ, MAP_PRIVATE, fileno(f),
	    base);
	if (rec->map != MAP_FAILED) {
		rec->bin = (const char *)rec->map + (at - base);
	} else {
		rec->map = NULL;
		rec->copy = xmalloc(rec->len);
		rec->bin = rec->copy;
		if (pread(fileno(f), rec->copy, rec->len, at) != (ssize_t)rec->len) {
			records_clear(rec);
			return -1;
		}
	}
	return fseek(f, at + (long)n, SEEK_SET);
}

/* view_restore() from the open checkpoint f; *why when it cannot. */
static int
restore_from(struct view *v, FILE *f, const char *path, const char *journal,
    unsigned long long *offset, const char **why, char **error)
{
	struct records rec = { 0 };
	char *line = NULL;
	size_t size = 0;
	json_t *head = NULL;
	ssize_t n = getline(&line, &size, f);
	int rc = -1;

	head = n > 0 ? json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES,
	    NULL) : NULL;
	if (head == NULL)
		*why = "it is damaged";
	else if (!head_usable(head, v->plan, journal, why))
		;
	else if (read_records(f, head, &rec) < 0)
		*why = "its records are cut short";
	else if (take_kept(v, path, ftell(f)) < 0)
		*why = "one of its events is damaged";
	else if (report_state_restore(&v->report, json_object_get(head,
	    "report"), rec.bin, rec.len, error) < 0)
		*why = NULL;	/* *error says it */
	else
		rc = 0;
	if (rc == 0) {
		json_decref(v->hosts);
		v->hosts = json_incref(json_object_get(head, "hosts"));
		v->last_seq = json_integer_value(json_object_get(head, "seq"));
		v->saved_seq = (unsigned long long)v->last_seq;
		*offset = (unsigned long long)json_integer_value(json_object_get(
		    head, "offset"));
	}
	json_decref(head);
	free(line);
	records_clear(&rec);
	return rc;
}

void
view_restore(struct view *v, const struct plan *plan, const char *state_dir,
    unsigned long long *seq, unsigned long long *offset, FILE *log)
{
	char *path = xasprintf("%s/%s", state_dir, VIEW_CHECKPOINT);
	char *journal = xasprintf("%s/%s", state_dir, JOURNAL_FILE);
	FILE *f = fopen(path, "re");
	const char *why = NULL;
	char *error = NULL;

	view_empty(v, plan);
	*seq = *offset = 0;
	if (f == NULL && errno != ENOENT)
		error = xasprintf("cannot read it: %s", strerror(errno));
	if (f != NULL && restore_from(v, f, path, journal, offset, &why,
	    &error) == 0)
		*seq = (unsigned long long)v->last_seq;
	if ((why != NULL || error != NULL) && log != NULL)
		fprintf(log, "note: the dashboard's checkpoint '%s' is not used "
		    "(%s); replaying the whole journal\n", path, why ? why : error);
	if (why != NULL || error != NULL) {
		view_clear(v);
		view_empty(v, plan);
	}
	if (f != NULL)
		fclose(f);
	free(error);
	free(journal);
	free(path);
}

/* ---- the checkpoint, in two halves (view_restore_lazy()) ----------------- */

/*
 * Why two halves: a callgrind of view_restore() on a 100,000-event
 * journal's checkpoint counts 476 M instructions, and nine tenths of
 * them rebuild the report's lists from the kept events (jansson's parse
 * of each, report_apply_event(), freeing the trees). The first answers
 * of a restarted dashboard (scores, hosts, /metrics' rounds) read none
 * of that: the ledger and the hosts are in the checkpoint's head and
 * records. So the head is restored at once and the lists on a thread;
 * every route that reads the lists waits for it under wait_lock, and
 * events handed in meanwhile are queued rather than taken, since a
 * round's penalties depend on the compromises the lists hold. The
 * engine's thread only ever appends to the queue.
 */
struct view_lists_job {
	struct view *v;
	json_t *head;	/* the checkpoint's first line (own) */
	struct records rec;	/* its records (own) */
	char *path, *journal;	/* own */
	long kept_at;	/* where its kept events begin */
	unsigned long long seq;	/* where it was taken */
	FILE *log;
	bool thread;	/* run on a thread of its own (restore_lists()) */
};

static void
lists_job_free(struct view_lists_job *job)
{
	if (job == NULL)
		return;
	json_decref(job->head);
	records_clear(&job->rec);
	free(job->path);
	free(job->journal);
	free(job);
}

/* Replays into ctx's view the journal's events up to ctx's seq. */
struct replay_until {
	struct view *v;
	unsigned long long seq;
};

static int
replay_until_one(const struct journal_event *je, void *ctx)
{
	struct replay_until *u = ctx;

	if (je->seq > u->seq)
		return -1;
	view_apply_replayed(u->v, je);
	return 0;
}

/*
 * The whole view as the checkpoint has it, in s (emptied first): its
 * kept events, then its report state, as restore_from() does; or, when
 * those are damaged (the head was sound), the journal up to its seq.
 * Returns whether the hosts are s's own (the journal's).
 */
static bool
build_whole(struct view_lists_job *job, struct view *s)
{
	struct replay_until u = { .v = s, .seq = job->seq };
	char *error = NULL;

	view_empty(s, job->v->plan);
	if (take_kept(s, job->path, job->kept_at) == 0 &&
	    report_state_restore(&s->report, json_object_get(job->head,
	    "report"), job->rec.bin, job->rec.len, &error) == 0)
		return false;
	if (job->log != NULL)
		fprintf(job->log, "note: the dashboard's checkpoint '%s' is not "
		    "used (%s); replaying the journal up to it\n", job->path,
		    error ? error : "one of its events is damaged");
	free(error);
	error = NULL;
	view_clear(s);
	view_empty(s, job->v->plan);
	journal_read_from(job->journal, 0, 1, replay_until_one, &u, &error);
	free(error);
	return true;
}

/* Swaps what the lazy half holds between a and b (the write lock held). */
static void
swap_lists(struct view *a, struct view *b, bool hosts)
{
	struct report r = a->report;
	json_t *j;
	char *k;
	size_t n;

	a->report = b->report;
	b->report = r;
#define SWAP(f, tmp) do { tmp = a->f; a->f = b->f; b->f = tmp; } while (0)
	SWAP(intel, j);
	SWAP(intel_first, j);
	SWAP(range, j);
	SWAP(kept, k);
	SWAP(kept_len, n);
	SWAP(kept_alloc, n);
	if (hosts)
		SWAP(hosts, j);
#undef SWAP
	a->version++;
}

/* Takes in the queued events, in order, then ends the restore. */
static void
drain_queue(struct view *v)
{
	json_t *batch;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&v->wait_lock);
		if (json_array_size(v->queued) == 0) {
			v->restoring = false;
			v->queued_ledger = 0;
			pthread_cond_broadcast(&v->restored);
			pthread_mutex_unlock(&v->wait_lock);
			return;
		}
		batch = v->queued;
		v->queued = json_array();
		pthread_mutex_unlock(&v->wait_lock);
		for (i = 0; i < json_array_size(batch); i++)
			apply_locked(v, json_array_get(batch, i));
		json_decref(batch);
	}
}

/*
 * The lists thread's nice value, as the hashing thread's (http.c): on
 * two cores, rebuilding the lists at the same priority as the start took
 * half of the core the engine's checkpoint and the server's start were
 * on, and delayed the first answer, which needs none of it. A nice of 10
 * gives those about nine times its share of a contended core; on an idle
 * one, it runs as fast.
 */
#define VIEW_LISTS_NICE 10

static void *
restore_lists(void *arg)
{
	struct view_lists_job *job = arg;
	struct view *v = job->v, s;
	bool hosts;

	if (job->thread)
		thread_background("rangectl-lists", VIEW_LISTS_NICE);
	hosts = build_whole(job, &s);

	pthread_rwlock_wrlock(&v->lock);
	swap_lists(v, &s, hosts);
	drain_queue(v);
	pthread_rwlock_unlock(&v->lock);
	view_clear(&s);
	lists_job_free(job);
	return NULL;
}

/*
 * The checkpoint's first kept event, the exercise's, taken in: the
 * ledger's teams come from it. -1 when it is not there.
 */
static int
take_exercise(struct view *v, FILE *f)
{
	char *line = NULL;
	size_t size = 0;
	ssize_t n = getline(&line, &size, f);
	json_t *event = n > 0 ? json_loadb(line, (size_t)n, 0, NULL) : NULL;
	const char *type = str(event, "type");
	int rc = -1;

	if (type != NULL && strcmp(type, "exercise") == 0) {
		take(v, event, json_integer_value(json_object_get(event, "seq")));
		rc = v->report.started ? 0 : -1;
	}
	json_decref(event);
	free(line);
	return rc;
}

/* The checkpoint's counts for /metrics, when it has them (counts_json()). */
static void
read_counts(struct view *v, const json_t *counts)
{
	const json_t *f = json_object_get(counts, "firings");
	const json_t *r = json_object_get(counts, "results_failed");

	if (!json_is_integer(f) || !json_is_integer(r) ||
	    json_integer_value(f) < 0 || json_integer_value(r) < 0)
		return;
	v->has_counts = true;
	v->head_firings = (size_t)json_integer_value(f);
	v->head_failed = (size_t)json_integer_value(r);
}

/*
 * The head's half of view_restore_lazy(); its job (new) for the rest.
 * Of the report, only what the routes that do not wait for the lists
 * read (the ledger: scores, history, uptime, coalition, /metrics'
 * rounds): swap_lists() replaces this report with the whole one, and
 * the penalties were a third of this half's time (35,000 of them, four
 * strings each, at 100,000 events).
 */
static struct view_lists_job *
restore_head(struct view *v, FILE *f, const char *path, const char *journal,
    unsigned long long *offset)
{
	struct view_lists_job *job = xcalloc(1, sizeof(*job));
	char *line = NULL, *error = NULL;
	size_t size = 0;
	ssize_t n = getline(&line, &size, f);
	const char *why;

	job->head = n > 0 ? json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES,
	    NULL) : NULL;
	free(line);
	if (job->head == NULL || !head_usable(job->head, v->plan, journal,
	    &why) || read_records(f, job->head, &job->rec) < 0 ||
	    (job->kept_at = ftell(f)) < 0 || take_exercise(v, f) < 0 ||
	    report_state_restore_ledger(&v->report, json_object_get(job->head,
	    "report"), job->rec.bin, job->rec.len, &error) < 0) {
		free(error);
		lists_job_free(job);
		return NULL;
	}
	json_decref(v->hosts);
	v->hosts = json_incref(json_object_get(job->head, "hosts"));
	read_counts(v, json_object_get(job->head, "counts"));
	v->last_seq = json_integer_value(json_object_get(job->head, "seq"));
	v->saved_seq = (unsigned long long)v->last_seq;
	job->seq = (unsigned long long)v->last_seq;
	*offset = (unsigned long long)json_integer_value(json_object_get(
	    job->head, "offset"));
	job->path = xstrdup(path);
	job->journal = xstrdup(journal);
	return job;
}

void
view_restore_lazy(struct view *v, const struct plan *plan,
    const char *state_dir, unsigned long long *seq,
    unsigned long long *offset, FILE *log)
{
	char *path = xasprintf("%s/%s", state_dir, VIEW_CHECKPOINT);
	char *journal = xasprintf("%s/%s", state_dir, JOURNAL_FILE);
	FILE *f = fopen(path, "re");
	struct view_lists_job *job;

	view_empty(v, plan);
	*seq = *offset = 0;
	job = f != NULL ? restore_head(v, f, path, journal, offset) : NULL;
	if (f != NULL)
		fclose(f);
	if (job == NULL) {
		/* No checkpoint, or one to judge (and say why) whole. */
		view_clear(v);
		view_restore(v, plan, state_dir, seq, offset, log);
		goto cleanup;
	}
	*seq = job->seq;
	job->v = v;
	job->log = log;
	v->queued = json_array();
	v->restoring = true;
	job->thread = true;
	if (pthread_create(&v->restorer, NULL, restore_lists, job) == 0) {
		v->restorer_started = true;
	} else {
		job->thread = false;	/* this one: not to be lowered */
		restore_lists(job);
	}
cleanup:
	free(journal);
	free(path);
}

void
view_clear(struct view *v)
{
	if (v == NULL)
		return;
	if (v->restorer_started)
		pthread_join(v->restorer, NULL);
	json_decref(v->queued);
	pthread_mutex_destroy(&v->wait_lock);
	pthread_cond_destroy(&v->restored);
	report_clear(&v->report);
	json_decref(v->hosts);
	json_decref(v->intel);
	json_decref(v->intel_first);
	json_decref(v->range);
	free(v->scores_text);
	free(v->kept);
	pthread_rwlock_destroy(&v->lock);
	memset(v, 0, sizeof(*v));
}

void
view_apply(struct view *v, const json_t *event)
{
	if (is_restoring(v)) {
		json_t *copy = json_deep_copy(event);
		const char *type = json_string_value(json_object_get(event,
		    "type"));
		struct event ev;
		char *error = NULL;
		bool host = type != NULL && strcmp(type, "host") == 0 &&
		    event_decode(event, 1, &ev, &error) == 0, queued;

		queued = queue_event(v, copy, host ? &ev : NULL);
		if (host)
			event_clear(&ev);
		free(error);
		if (queued)
			return;
		json_decref(copy);
	}
	pthread_rwlock_wrlock(&v->lock);
	apply_locked(v, event);
	pthread_rwlock_unlock(&v->lock);
}

json_t *
view_exercise(struct view *v)
{
	json_t *ex;

	wait_whole(v);
	pthread_rwlock_rdlock(&v->lock);
	ex = json_pack("{s:s, s:o, s:s, s:f, s:I}", "name", v->plan->exercise,
	    "title", v->plan->title ? json_string(
	    v->plan->title) : json_null(), "state",
	    v->report.state, "elapsed", v->report.elapsed, "duration",
	    (json_int_t)v->plan->duration);
	pthread_rwlock_unlock(&v->lock);
	return ex;
}

json_t *
view_range(struct view *v)
{
	json_t *r;

	wait_whole(v);
	pthread_rwlock_rdlock(&v->lock);
	if (v->range == NULL)
		r = json_pack("{s:[], s:[], s:n, s:n}", "teams", "differ", "t",
		    "wall");
	else
		r = json_pack("{s:O, s:O, s:O, s:O}", "teams", json_object_get(
		    v->range, "teams"), "differ", json_object_get(v->range,
		    "differ"), "t", json_object_get(v->range, "t"), "wall",
		    json_object_get(v->range, "wall"));
	pthread_rwlock_unlock(&v->lock);
	return r;
}

json_t *
view_scores(struct view *v)
{
	json_t *s;

	wait_ledger(v);
	pthread_rwlock_rdlock(&v->lock);
	s = score_to_json(&v->report.ledger);
	pthread_rwlock_unlock(&v->lock);
	return s;
}

json_t *
view_coalition(struct view *v)
{
	json_t *doc, *order = json_array();
	size_t i;

	wait_ledger(v);
	pthread_rwlock_rdlock(&v->lock);
	doc = detect_to_json(&v->report.ledger.detect);
	json_object_set_new(doc, "measured",
	    json_boolean(v->report.ledger.detecting));
	for (i = 0; i < v->report.ledger.n_teams; i++)
		if (v->report.ledger.teams[i].team->role == ROLE_BLUE)
			json_array_append_new(order, json_string(
			    v->report.ledger.teams[i].team->id));
	pthread_rwlock_unlock(&v->lock);
	json_object_set_new(doc, "teams_order", order);
	return doc;
}

char *
view_scores_text(struct view *v, size_t *len)
{
	char *text;

	wait_ledger(v);
	pthread_rwlock_rdlock(&v->lock);
	if (v->scores_text == NULL || v->scores_version != v->version) {
		/* Upgrade: another reader may have made it meanwhile. */
		pthread_rwlock_unlock(&v->lock);
		pthread_rwlock_wrlock(&v->lock);
		if (v->scores_text == NULL || v->scores_version != v->version) {
			json_t *s = score_to_json(&v->report.ledger);

			free(v->scores_text);
			v->scores_text = json_dumps(s, JSON_COMPACT |
			    JSON_PRESERVE_ORDER);
			v->scores_version = v->version;
			json_decref(s);
		}
	}
	text = xstrdup(v->scores_text);
	pthread_rwlock_unlock(&v->lock);
	*len = strlen(text);
	return text;
}

/* Takes "downtime" out of o and of every object in its lists. */
static void
strip_downtime(json_t *o)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_del(o, "downtime");
	json_object_foreach(o, key, v) {
		for (i = 0; json_is_array(v) && i < json_array_size(v); i++)
			if (json_is_object(json_array_get(v, i)))
				strip_downtime(json_array_get(v, i));
	}
}

json_t *
view_uptime(struct view *v, const struct auth_user *u)
{
	bool trainee = u != NULL && u->role == AUTH_TRAINEE;
	json_t *up;

	wait_ledger(v);
	pthread_rwlock_rdlock(&v->lock);
	/* A trainee's own team only: another's outages are for staff. */
	up = score_uptime_to_json(&v->report.ledger, trainee ?
	    (u->team != NULL ? u->team->id : "") : NULL);
	pthread_rwlock_unlock(&v->lock);
	/*
	 * Which failures an attack caused tells a team it was attacked:
	 * finding that out is its own work (issue 14 point 3), so a blue or
	 * red trainee gets no split while the exercise runs (the report has
	 * it after); staff and white do.
	 */
	if (trainee && (u->team == NULL || u->team->role != ROLE_WHITE))
		strip_downtime(up);
	return up;
}

json_t *
view_history(struct view *v)
{
	json_t *h;

	wait_ledger(v);
	pthread_rwlock_rdlock(&v->lock);
	h = json_pack("{s:o}", "rounds", score_history_to_json(
	    &v->report.ledger));
	pthread_rwlock_unlock(&v->lock);
	return h;
}

static json_t *
host_json(struct view *v, const struct plan_host *h)
{
	json_t *ips = json_array(), *services = json_array(), *seen;
	const json_t *entry = json_object_get(v->hosts, h->name);
	size_t i;

	for (i = 0; i < h->n_nics; i++)
		json_array_append_new(ips, json_string(h->nics[i].ip_text));
	seen = json_object_get(entry, "services");
	for (i = 0; i < h->n_services; i++) {
		const json_t *s = json_object_get(seen, h->services[i].id);

		json_array_append_new(services, json_pack("{s:s, s:s, s:I, s:O, "
		    "s:O}", "id", h->services[i].id, "check",
		    check_kind_name(h->services[i].kind), "points",
		    (json_int_t)h->services[i].points, "up", s ?
		    json_object_get(s, "up") : json_null(), "reason", s &&
		    json_object_get(s, "reason") ? json_object_get(s, "reason") :
		    json_null()));
	}
	return json_pack("{s:s, s:o, s:s, s:O, s:o, s:o, s:b}", "name",
	    h->name, "team", h->team ? json_string(h->team->id) : json_null(),
	    "state", entry ? str(entry, "state") : "unknown", "reason", entry &&
	    json_object_get(entry, "reason") ? json_object_get(entry,
	    "reason") : json_null(), "ips", ips, "services", services,
	    "screen", h->hw.graphics == GRAPHICS_VNC);
}

json_t *
view_hosts(struct view *v, const struct auth_user *u)
{
	json_t *hosts = json_array();
	size_t i;

	wait_ledger(v);
	pthread_rwlock_rdlock(&v->lock);
	for (i = 0; i < v->plan->n_hosts; i++) {
		const struct plan_host *h = &v->plan->hosts[i];

		if (view_may_see_team(u, h->team ? h->team->id : NULL))
			json_array_append_new(hosts, host_json(v, h));
	}
	pthread_rwlock_unlock(&v->lock);
	return hosts;
}

json_t *
view_injects(struct view *v)
{
	json_t *injects;
	size_t i;

	/*
	 * The injects alone: the whole report (every round) would cost a
	 * long exercise's GET seconds of CPU, which anyone with a token could
	 * ask for again and again.
	 */
	wait_whole(v);
	pthread_rwlock_rdlock(&v->lock);
	injects = report_injects_to_json(&v->report);
	pthread_rwlock_unlock(&v->lock);
	for (i = 0; i < json_array_size(injects); i++) {
		json_t *inj = json_array_get(injects, i);

		json_object_set_new(inj, "state", json_string(json_array_size(
		    json_object_get(inj, "firings")) ? "fired" : "pending"));
	}
	return injects;
}

/*
 * Whether a message's recipients include u: u's team among its teams,
 * or u by name among the people it names one by one. Staff see all.
 */
static int
addressed_to(const json_t *msg, const struct auth_user *u)
{
	const json_t *to = json_object_get(msg, "to");
	const json_t *people = json_object_get(msg, "people");
	size_t i;

	if (u == NULL || u->role != AUTH_TRAINEE)
		return 1;
	for (i = 0; i < json_array_size(to); i++)
		if (view_may_see_team(u, json_string_value(json_array_get(to, i))))
			return 1;
	for (i = 0; i < json_array_size(people); i++) {
		const char *name = json_string_value(json_array_get(people, i));

		if (name != NULL && strcmp(name, u->name) == 0)
			return 1;
	}
	return 0;
}

json_t *
view_messages(struct view *v, const struct auth_user *u)
{
	json_t *out = json_array();
	size_t i;

	wait_whole(v);
	pthread_rwlock_rdlock(&v->lock);
	for (i = 0; i < json_array_size(v->report.messages); i++) {
		json_t *m = json_array_get(v->report.messages, i);

		if (addressed_to(m, u))
			json_array_append_new(out, json_deep_copy(m));
	}
	pthread_rwlock_unlock(&v->lock);
	return out;
}

/*
 * Each graded report's last grade (the last stands), by the report's id
 * (new; its values borrowed from v): one pass over the grades, so that a
 * GET of the reports costs reports + grades, not their product.
 */
static json_t *
last_grades(struct view *v)
{
	json_t *by_report = json_object();
	size_t i;

	for (i = 0; i < json_array_size(v->report.grades); i++) {
		json_t *g = json_array_get(v->report.grades, i);

		if (str(g, "report") != NULL)
			json_object_set(by_report, str(g, "report"), g);
	}
	return by_report;
}

/* The grade of report id in grades (last_grades()), or null. */
static json_t *
grade_of(const json_t *grades, const char *id)
{
	const json_t *found = id != NULL ? json_object_get(grades, id) : NULL;

	return found ? json_pack("{s:O, s:O, s:O, s:O}", "points",
	    json_object_get(found, "points"), "comment", json_object_get(found,
	    "comment") ? json_object_get(found, "comment") : json_null(), "by",
	    json_object_get(found, "by") ? json_object_get(found, "by") :
	    json_null(), "t", json_object_get(found, "t")) : json_null();
}

json_t *
view_reports(struct view *v, const struct auth_user *u)
{
	json_t *out = json_array(), *grades;
	size_t i;

	wait_whole(v);
	pthread_rwlock_rdlock(&v->lock);
	grades = last_grades(v);
	for (i = 0; i < json_array_size(v->report.reports); i++) {
		json_t *r = json_array_get(v->report.reports, i), *copy;

		if (!view_may_see_team(u, str(r, "team")))
			continue;
		copy = json_deep_copy(r);
		json_object_set_new(copy, "grade", grade_of(grades, str(r,
		    "id")));
		json_array_append_new(out, copy);
	}
	json_decref(grades);
	pthread_rwlock_unlock(&v->lock);
	return out;
}

int
view_report_team(struct view *v, const char *id, char *team, size_t n)
{
	int found = 0;
	size_t i;

	wait_whole(v);
	pthread_rwlock_rdlock(&v->lock);
	for (i = 0; i < json_array_size(v->report.reports) && !found; i++) {
		json_t *r = json_array_get(v->report.reports, i);

		if (str(r, "id") && strcmp(str(r, "id"), id) == 0 &&
		    str(r, "team")) {
			snprintf(team, n, "%s", str(r, "team"));
			found = 1;
		}
	}
	pthread_rwlock_unlock(&v->lock);
	return found;
}

void
view_counts(struct view *v, struct view_counts *c)
{
	bool restoring;
	void *it;

	memset(c, 0, sizeof(*c));
	/* Half restored, the firings are the checkpoint's count, if it has one. */
	if (v->has_counts)
		wait_ledger(v);
	else
		wait_whole(v);
	pthread_rwlock_rdlock(&v->lock);
	restoring = is_restoring(v);
	c->rounds = v->report.ledger.n_rounds;
	for (it = json_object_iter(v->hosts); it != NULL;
	    it = json_object_iter_next(v->hosts, it)) {
		json_t *services = json_object_get(json_object_iter_value(it),
		    "services");
		void *s;

		for (s = json_object_iter(services); s != NULL;
		    s = json_object_iter_next(services, s)) {
			if (json_is_true(json_object_get(json_object_iter_value(s),
			    "up")))
				c->checks_up++;
			else
				c->checks_down++;
		}
	}
	if (restoring) {
		c->firings = v->head_firings;
		c->results_failed = v->head_failed;
	} else {
		count_firings(&v->report, &c->firings, &c->results_failed);
	}
	pthread_rwlock_unlock(&v->lock);
}

static void
count_firings(const struct report *r, size_t *firings, size_t *failed)
{
	size_t i, j, k;

	*firings = *failed = 0;
	for (i = 0; i < r->n_injects; i++) {
		const struct report_inject *inj = &r->injects[i];

		*firings += inj->n_firings;
		for (j = 0; j < inj->n_firings; j++)
			for (k = 0; k < inj->firings[j].n_results; k++)
				*failed += !inj->firings[j].results[k].ok;
	}
}

/* Whether u may see observation o: its "to" names u's team, or u is staff. */
static bool
intel_for(const json_t *o, const struct auth_user *u)
{
	const json_t *to = json_object_get(o, "to");
	size_t i;

	if (u == NULL || u->role != AUTH_TRAINEE)
		return true;
	for (i = 0; u->team != NULL && i < json_array_size(to); i++)
		if (strcmp(json_string_value(json_array_get(to, i)) ?
		    json_string_value(json_array_get(to, i)) : "",
		    u->team->id) == 0)
			return true;
	return false;
}

json_t *
view_intel(struct view *v, const struct auth_user *u, bool stix)
{
	json_t *out = json_array(), *copy, *bundle;
	size_t i;

	wait_whole(v);
	pthread_rwlock_rdlock(&v->lock);
	for (i = json_array_size(v->intel); i-- > 0;) {
		json_t *o = json_array_get(v->intel, i);

		if (!intel_for(o, u))
			continue;
		copy = json_deep_copy(o);
		if (!stix) {
			json_object_del(copy, "type");
			json_object_del(copy, "seq");
			json_object_del(copy, "wall");
		}
		json_array_append_new(out, copy);
	}
	if (!stix) {
		pthread_rwlock_unlock(&v->lock);
		return out;
	}
	bundle = intel_stix_export(v->plan, out, v->intel_first);
	pthread_rwlock_unlock(&v->lock);
	json_decref(out);
	return bundle;
}
