/*
 * journal_writer.c: the journal's group commit. One thread writes and
 * fdatasyncs what journal_queue() hands it, everything queued while it
 * was syncing going into the next write and the next fdatasync; the
 * caller learns what is durable through journal_durable(), woken by
 * notify. So when the disk stalls, the events that fall due meanwhile
 * wait for that one sync and then share one more, instead of draining at
 * one sync each behind it.
 *
 * Hand-written rather than a library's: it is a queue of bytes, a mutex
 * and two condition variables around journal.c's own write and sync.
 */
#include "rangectl/journal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rangectl/util.h"

struct journal_writer {
	struct journal *j;	/* borrowed; this thread uses its fd only */
	void (*notify)(void *ctx);
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work;	/* something ready, or stop */
	pthread_cond_t idle;	/* a batch done */
	/* lock: bytes queued; those up to ready may be written (whole groups) */
	char *buf;
	size_t len, alloc, ready;
	struct journal_mark ready_mark;	/* j's position at ready */
	struct journal_mark durable;	/* lock */
	char *failure;	/* lock: why a batch failed, or NULL */
	bool busy;	/* lock: a batch is being written */
	bool stop;	/* lock */
	long delay_ms;	/* a disk that stalls, for tests (JOURNAL_DELAY_ENV) */
};

/* Writes and syncs one batch taken from the queue; notes the outcome. */
static void
write_batch(struct journal_writer *w, char *batch, size_t len,
    struct journal_mark mark)
{
	int rc = journal_write_synced(w->j, batch, len), err = errno;

	pthread_mutex_lock(&w->lock);
	if (rc == 0) {
		w->durable.seq = mark.seq;
		w->durable.size = mark.size;
		w->durable.hash = mark.hash;
	} else {
		/* Nothing after a failed write: a gap would break the seq. */
		w->failure = xasprintf("cannot write event %llu to journal "
		    "'%s': %s", w->durable.seq + 1, w->j->path, strerror(err));
		w->len = w->ready = 0;
	}
	w->durable.syncs = w->j->syncs;
	w->durable.sync_seconds = w->j->sync_seconds;
	w->durable.sync_max = w->j->sync_max;
	w->busy = false;
	pthread_cond_broadcast(&w->idle);
	pthread_mutex_unlock(&w->lock);
}

static void *
writer_thread(void *arg)
{
	struct journal_writer *w = arg;
	struct journal_mark mark;
	char *batch;
	size_t len;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->ready == 0 && !w->stop)
			pthread_cond_wait(&w->work, &w->lock);
		if (w->ready == 0)
			break;
		/* Take the ready bytes; a group still being queued stays. */
		batch = xmalloc(w->ready);
		memcpy(batch, w->buf, w->ready);
		len = w->ready;
		memmove(w->buf, w->buf + w->ready, w->len - w->ready);
		w->len -= w->ready;
		w->ready = 0;
		mark = w->ready_mark;
		w->busy = true;
		pthread_mutex_unlock(&w->lock);
		if (w->delay_ms > 0)
			nanosleep(&(struct timespec){ .tv_sec = w->delay_ms / 1000,
			    .tv_nsec = w->delay_ms % 1000 * 1000000L }, NULL);
		write_batch(w, batch, len, mark);
		free(batch);
		w->notify(w->ctx);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct journal_writer *
journal_writer_start(struct journal *j, void (*notify)(void *ctx), void *ctx,
    char **error)
{
	struct journal_writer *w = xcalloc(1, sizeof(*w));
	int rc;

	w->j = j;
	w->notify = notify;
	w->ctx = ctx;
	w->durable = (struct journal_mark){ .seq = j->seq, .size = j->size,
	    .hash = j->last_hash, .syncs = j->syncs, .sync_seconds =
	    j->sync_seconds, .sync_max = j->sync_max };
	w->ready_mark = w->durable;
	if (getenv(JOURNAL_DELAY_ENV) != NULL)
		w->delay_ms = strtol(getenv(JOURNAL_DELAY_ENV), NULL, 10);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->idle, NULL);
	rc = pthread_create(&w->thread, NULL, writer_thread, w);
	if (rc != 0) {
		*error = xasprintf("cannot start the journal's writer thread: %s",
		    strerror(rc));
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->work);
		pthread_cond_destroy(&w->idle);
		free(w);
		return NULL;
	}
	return w;
}

unsigned long long
journal_queue(struct journal_writer *w, json_t *event, bool more,
    char **error)
{
	size_t lines, n;
	char *text;

	pthread_mutex_lock(&w->lock);
	if (w->failure != NULL) {
		*error = xstrdup(w->failure);
		pthread_mutex_unlock(&w->lock);
		return 0;
	}
	pthread_mutex_unlock(&w->lock);
	/* j's seq, size and hash are the caller's: encoded off the lock. */
	text = journal_encode(w->j, event, &lines, error);
	if (text == NULL)
		return 0;
	journal_advance(w->j, text, lines);
	n = strlen(text);
	pthread_mutex_lock(&w->lock);
	xgrow(&w->buf, &w->alloc, w->len + n, 1);
	memcpy(w->buf + w->len, text, n);
	w->len += n;
	if (!more) {
		w->ready = w->len;
		w->ready_mark.seq = w->j->seq;
		w->ready_mark.size = w->j->size;
		w->ready_mark.hash = w->j->last_hash;
		pthread_cond_signal(&w->work);
	}
	pthread_mutex_unlock(&w->lock);
	free(text);
	return w->j->seq;
}

int
journal_durable(struct journal_writer *w, struct journal_mark *mark,
    char **error)
{
	int rc = 0;

	pthread_mutex_lock(&w->lock);
	*mark = w->durable;
	if (w->failure != NULL) {
		*error = xstrdup(w->failure);
		rc = -1;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void
journal_writer_flush(struct journal_writer *w)
{
	pthread_mutex_lock(&w->lock);
	/* A group left open (more, never ended) is ended here. */
	if (w->len > w->ready && w->failure == NULL) {
		w->ready = w->len;
		w->ready_mark.seq = w->j->seq;
		w->ready_mark.size = w->j->size;
		w->ready_mark.hash = w->j->last_hash;
		pthread_cond_signal(&w->work);
	}
	while (w->ready > 0 || w->busy)
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

void
journal_writer_stop(struct journal_writer *w)
{
	if (w == NULL)
		return;
	journal_writer_flush(w);
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	/* Its figures are j's again, for whoever reads them next. */
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->idle);
	free(w->failure);
	free(w->buf);
	free(w);
}
