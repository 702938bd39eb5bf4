/*
 * progress.h: telling the user how long work is going, on a terminal as
 * a bar redrawn in place, elsewhere as plain lines (logs stay readable).
 */
#ifndef RANGECTL_PROGRESS_H
#define RANGECTL_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

struct progress {
	FILE *out;
	bool tty;
	bool quiet;
	const char *step;	/* what is being done, borrowed */
	size_t done;
	size_t total;
	pthread_mutex_t lock;	/* workers report from several threads */
};

void progress_init(struct progress *p, FILE *out, bool quiet);
void progress_destroy(struct progress *p);
/* Starts a step of total units; a plain line says so off a terminal. */
void progress_step(struct progress *p, const char *step, size_t total);
/* One more unit done; thread-safe. */
void progress_tick(struct progress *p);
/* A line of its own (a note or a warning), not lost under the bar. */
void progress_note(struct progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Ends the current step. */
void progress_end(struct progress *p);

#endif
