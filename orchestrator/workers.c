/*
 * workers.c: a bounded set of threads taking jobs from a shared counter.
 */
#include "rangectl/workers.h"

#include <pthread.h>
#include <stdatomic.h>

struct workers {
	atomic_size_t next;
	size_t count;
	void (*job)(void *ctx, size_t i);
	void *ctx;
};

static void *
workers_loop(void *arg)
{
	struct workers *w = arg;
	size_t i;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->count)
		w->job(w->ctx, i);
	return NULL;
}

void
workers_run(size_t count, unsigned threads,
    void (*job)(void *ctx, size_t i), void *ctx)
{
	struct workers w = { .count = count, .job = job, .ctx = ctx };
	pthread_t tids[64];
	unsigned n = 0, i;

	atomic_init(&w.next, 0);
	if (threads > 64)
		threads = 64;
	if (threads > count)
		threads = (unsigned)count;
	/* The calling thread works too; a failed create only means fewer. */
	for (i = 1; i < threads; i++)
		if (pthread_create(&tids[n], NULL, workers_loop, &w) == 0)
			n++;
	workers_loop(&w);
	for (i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
}
