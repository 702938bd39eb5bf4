/*
 * engine_state.c: the engine's state and what every other piece of it
 * needs: the log, the journal (an event written, then applied to the
 * ledger and to what a checkpoint notes), the queue of finished work,
 * threads in flight, links still down, the plan's names to indexes.
 *
 * The bottom of the engine: it calls no other engine file (engine_impl.h
 * says who calls whom).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_impl.h"
#include "rangectl/inject.h"
#include "rangectl/util.h"

double
engine_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
engine_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
engine_log(struct engine *e, const char *fmt, ...)
{
	long t = (long)exclock_now(&e->clock, engine_mono());
	va_list ap;
	char *line;

	if (e->opts.log == NULL)
		return;
	fprintf(e->opts.log, "[%ld:%02ld:%02ld] ", t / 3600, t / 60 % 60,
	    t % 60);
	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	/* Titles and reasons come from players: no escape reaches a terminal. */
	str_put_visible(e->opts.log, line);
	free(line);
	fputc('\n', e->opts.log);
	fflush(e->opts.log);
}

/* What a checkpoint must know of the journal's last events. */
static void
note_journaled(struct engine *e, const struct event *ev)
{
	char *key;

	e->last_t = ev->t;
	e->last_wall = ev->wall;
	if (ev->type == EVENT_CLOCK) {
		e->clock_journaled = e->clock.state;
		e->speed_journaled = e->clock.speed;
	} else if (ev->type == EVENT_INJECT) {
		key = engine_firing_key(ev->u.inject.id, ev->u.inject.firing);
		json_object_set_new(e->open_firings, key, event_strings_json(
		    ev->u.inject.targets, ev->u.inject.n_targets));
		free(key);
	} else if (ev->type == EVENT_INJECT_RESULT) {
		key = engine_firing_key(ev->u.inject_result.id,
		    ev->u.inject_result.firing);
		json_object_del(e->open_firings, key);
		free(key);
	} else if (ev->type == EVENT_FLAG || ev->type == EVENT_CAPTURE) {
		engine_note_flag(e, ev);
	}
}

/*
 * What a journaled event changes: the ledger (under the lock, for
 * engine_snapshot's readers) and what a checkpoint notes. The event was
 * made here, so one that does not decode is a bug, said in the log.
 */
static void
apply_journaled(struct engine *e, const json_t *event)
{
	struct event ev;
	char *error = NULL;

	if (event_decode(event, 0, &ev, &error) < 0) {
		engine_log(e, "warning: the engine journaled a malformed event: "
		    "%s", error);
		free(error);
		return;
	}
	pthread_mutex_lock(&e->lock);
	if (score_apply(&e->ledger, &ev, &error) < 0)
		engine_log(e, "warning: %s", error);
	pthread_mutex_unlock(&e->lock);
	note_journaled(e, &ev);
	event_clear(&ev);
	free(error);
}

/* The journal failed: the clock stops, with why said once. */
static void
journal_failed(struct engine *e, const char *error)
{
	if (e->failure != NULL)
		return;
	e->failure = xasprintf("%s; the clock is stopped at %.0f s and nothing "
	    "more is scored. Free the space or fix the folder, then run "
	    "again: it resumes from the journal", error, exercise_now(e));
	pthread_mutex_lock(&e->lock);
	exclock_pause(&e->clock, engine_mono());
	pthread_mutex_unlock(&e->lock);
	engine_log(e, "error: %s", e->failure);
}

/* The writer's thread: a batch is durable (or failed), wake the loop. */
static void
journal_notify(void *ctx)
{
	struct engine *e = ctx;
	uint64_t one = 1;

	if (write(e->wakefd, &one, sizeof(one)) < 0)
		return;	/* the counter is already non-zero: it will wake */
}

/* Starts the journal's writer (engine_new, once the journal is open). */
int
engine_journal_start(struct engine *e, char **error)
{
	e->durable = (struct journal_mark){ .seq = e->journal.seq, .size =
	    e->journal.size, .hash = e->journal.last_hash };
	e->writer = journal_writer_start(&e->journal, journal_notify, e, error);
	return e->writer != NULL ? 0 : -1;
}

/*
 * Queues event (stolen: made by event_encode()) at the exercise time now
 * (unless it has its own "t") for the journal's writer; once it is
 * durable, engine_journal_drain() applies it, shows it to the observer
 * and calls then(e, arg, true), in the order queued. more: the next
 * event queued belongs with this one in one write (a message inject's
 * three events). Returns 0, or -1 when the journal failed already (then
 * is called with !ok at once): nothing counts unrecorded.
 */
int
engine_journal_then(struct engine *e, json_t *event, bool more,
    engine_then_fn *then, void *arg)
{
	struct engine_pending *p;
	unsigned long long seq = 0;
	char *error = NULL;

	if (json_object_get(event, "t") == NULL)
		json_object_set_new(event, "t", json_real(exercise_now(e)));
	json_object_set_new(event, "wall", json_real(round(engine_wall() *
	    1000.0) / 1000.0));
	if (e->failure == NULL && (seq = journal_queue(e->writer, event, more,
	    &error)) == 0)
		journal_failed(e, error);
	free(error);
	if (seq == 0) {
		if (then != NULL)
			then(e, arg, false);
		json_decref(event);
		return -1;
	}
	p = xcalloc(1, sizeof(*p));
	*p = (struct engine_pending){ .event = event, .seq = seq, .then = then,
	    .arg = arg };
	if (e->pending_tail != NULL)
		e->pending_tail->next = p;
	else
		e->pending = p;
	e->pending_tail = p;
	return 0;
}

int
engine_journal(struct engine *e, json_t *event)
{
	return engine_journal_then(e, event, false, NULL, NULL);
}

/*
 * Applies, in order, every queued event now durable: the ledger, what a
 * checkpoint notes, the observer, its then. After a failed batch, the
 * rest never will be: dropped, and the clock stopped.
 */
void
engine_journal_drain(struct engine *e)
{
	struct engine_pending *p;
	struct journal_mark mark;
	char *error = NULL;
	int rc;

	if (e->writer == NULL)
		return;
	rc = journal_durable(e->writer, &mark, &error);
	while ((p = e->pending) != NULL && (p->seq <= mark.seq || rc < 0)) {
		if ((e->pending = p->next) == NULL)
			e->pending_tail = NULL;
		if (p->seq <= mark.seq) {
			apply_journaled(e, p->event);
			if (e->opts.observe != NULL)
				e->opts.observe(e->opts.observe_ctx, p->event);
		} else {
			journal_failed(e, error);
		}
		if (p->then != NULL)
			p->then(e, p->arg, p->seq <= mark.seq);
		json_decref(p->event);
		free(p);
	}
	e->durable = mark;
	pthread_mutex_lock(&e->lock);
	e->syncs = mark.syncs;
	e->sync_seconds = mark.sync_seconds;
	e->sync_max = mark.sync_max;
	pthread_mutex_unlock(&e->lock);
	free(error);
}

/* Waits until everything queued is durable, and applies it. */
void
engine_journal_flush(struct engine *e)
{
	if (e->writer == NULL)
		return;
	journal_writer_flush(e->writer);
	engine_journal_drain(e);
}

/* Flushes and stops the writer (engine_free); NULL-safe in e->writer. */
void
engine_journal_stop(struct engine *e)
{
	engine_journal_flush(e);
	journal_writer_stop(e->writer);
	e->writer = NULL;
}

/* Journals a clock change already made to e->clock. */
int
engine_clock_event(struct engine *e, const char *reason, const char *by)
{
	struct event ev;

	engine_log(e, "clock %s (%s)", exclock_state_name(e->clock.state),
	    reason);
	/* At the instant of the change, not after the journal's own time. */
	event_init(&ev, EVENT_CLOCK);
	ev.has_t = true;
	ev.t = round(e->clock.offset * 1000.0) / 1000.0;
	ev.u.clock = (struct event_clock){ .state = e->clock.state, .has_speed =
	    true, .speed = e->clock.speed, .reason = reason, .by = by };
	return engine_journal(e, event_encode(&ev));
}

/* Hands finished work to the engine's thread and wakes it. */
void
engine_post(struct engine *e, struct engine_done *d)
{
	uint64_t one = 1;

	pthread_mutex_lock(&e->lock);
	d->next = NULL;
	if (e->done_tail != NULL)
		e->done_tail->next = d;
	else
		e->done_head = d;
	e->done_tail = d;
	pthread_mutex_unlock(&e->lock);
	if (write(e->wakefd, &one, sizeof(one)) < 0)
		return;	/* the counter is already non-zero: it will wake */
}

/* Starts fn(arg) on a detached thread counted in flight. */
void
engine_spawn(struct engine *e, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t thread;

	e->inflight++;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thread, &attr, fn, arg) != 0) {
		/* No thread to spare: run it here, late rather than never. */
		fn(arg);
	}
	pthread_attr_destroy(&attr);
}

/*
 * Frees what came after the loop ended (libvirt's lifecycle events, a lost
 * connection): nothing is left to act on it.
 */
void
engine_drop_done(struct engine *e)
{
	struct engine_done *d, *next;

	pthread_mutex_lock(&e->lock);
	d = e->done_head;
	e->done_head = e->done_tail = NULL;
	pthread_mutex_unlock(&e->lock);
	for (; d != NULL; d = next) {
		next = d->next;
		if (d->kind == DONE_ROUND)
			round_clear(&d->round);
		json_decref(d->event);
		free(d);
	}
}

/* A link_down with a duration: each target's link comes back by itself. */
void
engine_note_link_down(struct engine *e, size_t inject, double from)
{
	const struct plan_inject *pi = &e->plan->injects[inject];
	size_t i, net;

	if (pi->action != ACTION_LINK_DOWN || pi->duration <= 0)
		return;
	for (i = 0; i < pi->n_targets; i++) {
		net = inject_nic_network(e->plan, pi->targets[i], pi->nic);
		if (net == PLAN_NONE)
			continue;
		xgrow(&e->links, &e->links_alloc, e->n_links + 1,
		    sizeof(*e->links));
		e->links[e->n_links++] = (struct engine_link){ .host =
		    pi->targets[i], .network = net, .until = from +
		    (double)pi->duration, .inject = inject };
	}
}

/* A link is up again (restored, or by a link_up): nothing left to do. */
void
engine_forget_link(struct engine *e, size_t host, size_t network)
{
	size_t i = 0;

	while (i < e->n_links)
		if (e->links[i].host == host && e->links[i].network == network)
			e->links[i] = e->links[--e->n_links];
		else
			i++;
}

size_t
engine_host_index(const struct engine *e, const char *name)
{
	uintptr_t v = name ? (uintptr_t)strmap_get(&e->hosts, name) : 0;

	return v ? (size_t)(v - 1) : PLAN_NONE;
}

size_t
engine_inject_index(const struct engine *e, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < e->plan->n_injects; i++)
		if (strcmp(e->plan->injects[i].id, id) == 0)
			return i;
	return PLAN_NONE;
}

char *
engine_firing_key(const char *id, long long firing)
{
	return xasprintf("%s#%lld", id, firing);
}

/* ---- flags ------------------------------------------------------------ */

char *
engine_flag_key(const char *id, const char *host)
{
	return xasprintf("%s@%s", id, host);
}

/* A fresh value replaces the last (and who took it); a capture is noted. */
void
engine_note_flag(struct engine *e, const struct event *ev)
{
	const char *id = ev->type == EVENT_FLAG ? ev->u.flag.flag :
	    ev->u.capture.flag;
	const char *host = ev->type == EVENT_FLAG ? ev->u.flag.host :
	    ev->u.capture.host;
	char *key = engine_flag_key(id, host);
	json_t *st = json_object_get(e->flags, key);
	size_t i;

	if (ev->type == EVENT_FLAG) {
		/* A value written again after a revert keeps who captured it. */
		if (!ev->u.flag.replant || st == NULL || json_integer_value(
		    json_object_get(st, "rotation")) != ev->u.flag.rotation)
			json_object_set_new(e->flags, key, json_pack("{s:s, s:I, "
			    "s:[]}", "value", ev->u.flag.value, "rotation",
			    (json_int_t)ev->u.flag.rotation, "captured"));
		for (i = 0; i < e->plan->n_flags; i++)
			if (strcmp(e->plan->flags[i].id, id) == 0 && strcmp(
			    e->plan->hosts[e->plan->flags[i].host].name, host) == 0)
				e->flag_busy[i] = false;
	} else if (st != NULL && json_integer_value(json_object_get(st,
	    "rotation")) == ev->u.capture.rotation) {
		json_t *who = json_object_get(st, "captured"), *v;

		/* The command noted it already when it queued the event. */
		json_array_foreach(who, i, v)
			if (strcmp(json_string_value(v), ev->u.capture.team) == 0)
				goto cleanup;
		json_array_append_new(who, json_string(ev->u.capture.team));
	}
cleanup:
	free(key);
}
