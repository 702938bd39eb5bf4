/*
 * progress.c: a progress bar or progress lines.
 */
#include "rangectl/progress.h"

#include <stdarg.h>
#include <unistd.h>

#define BAR_WIDTH 30

void
progress_init(struct progress *p, FILE *out, bool quiet)
{
	p->out = out;
	p->tty = isatty(fileno(out));
	p->quiet = quiet;
	p->step = NULL;
	p->done = 0;
	p->total = 0;
	pthread_mutex_init(&p->lock, NULL);
}

void
progress_destroy(struct progress *p)
{
	pthread_mutex_destroy(&p->lock);
}

/* Redraws the bar; the caller holds the lock. */
static void
draw(struct progress *p)
{
	size_t filled = p->total ? p->done * BAR_WIDTH / p->total : BAR_WIDTH;
	size_t i;

	fprintf(p->out, "\r%-28s [", p->step);
	for (i = 0; i < BAR_WIDTH; i++)
		fputc(i < filled ? '#' : ' ', p->out);
	fprintf(p->out, "] %zu/%zu", p->done, p->total);
	fflush(p->out);
}

void
progress_step(struct progress *p, const char *step, size_t total)
{
	if (p->quiet)
		return;
	pthread_mutex_lock(&p->lock);
	p->step = step;
	p->done = 0;
	p->total = total;
	if (p->tty)
		draw(p);
	else
		fprintf(p->out, "%s: %zu to do\n", step, total);
	pthread_mutex_unlock(&p->lock);
}

void
progress_tick(struct progress *p)
{
	if (p->quiet)
		return;
	pthread_mutex_lock(&p->lock);
	p->done++;
	if (p->tty)
		draw(p);
	pthread_mutex_unlock(&p->lock);
}

void
progress_note(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&p->lock);
	if (p->tty && p->step != NULL)
		fputs("\r\033[K", p->out);
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
	if (p->tty && p->step != NULL && !p->quiet)
		draw(p);
	pthread_mutex_unlock(&p->lock);
}

void
progress_end(struct progress *p)
{
	if (p->quiet || p->step == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->tty) {
		draw(p);
		fputc('\n', p->out);
	} else {
		fprintf(p->out, "%s: %zu done\n", p->step, p->done);
	}
	p->step = NULL;
	pthread_mutex_unlock(&p->lock);
}
