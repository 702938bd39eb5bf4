/*
 * engine_flag.c: the red teams' flags. Each plan flag gets a fresh random
 * value at the start and at each rotation, written into its file in the
 * guest through the QEMU guest agent on a thread of its own, and
 * journaled (a flag event: its audience is nobody, as the value is a
 * secret); a red team's submission of a current value it has not
 * submitted yet is journaled as a capture, which the ledger scores.
 *
 * A value scores from its flag event on, whether or not it could be
 * written (planted false: a rehearsal writes into no guest, or the guest
 * was away), so that a rehearsal can still score captures; the next
 * rotation writes again. A revert of the host (engine.c) writes the
 * current value again, as the snapshot holds none or an old one.
 *
 * Calls engine_state.c and engine_libvirt.c (the nodes' connections).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_impl.h"
#include "rangectl/agent.h"
#include "rangectl/util.h"

/* Seconds a guest has to write a flag's file. */
#define FLAG_WRITE_TIMEOUT 30
/*
 * Seconds a reverted guest has to write it again: its agent comes back
 * only once the guest runs again (a memory snapshot's qemu-ga reconnects
 * in seconds, a disk snapshot's guest boots first).
 */
#define FLAG_REPLANT_TIMEOUT 180
/* Milliseconds between tries while the guest agent does not answer. */
#define FLAG_RETRY_MS 1000
/* Random bytes of a value: 128 bits, written as 32 hex digits. */
#define FLAG_BYTES 16
/* The longest value a submission may be: "flag{" 32 digits "}". */
#define FLAG_TEXT_MAX (5 + 2 * FLAG_BYTES + 1)

/* A fresh value, "flag{32 hex digits}", new; NULL if libsodium fails. */
static char *
fresh_value(void)
{
	unsigned char bytes[FLAG_BYTES];
	char hex[2 * FLAG_BYTES + 1];

	if (sodium_init() < 0)
		return NULL;
	randombytes_buf(bytes, sizeof(bytes));
	sodium_bin2hex(hex, sizeof(hex), bytes, sizeof(bytes));
	sodium_memzero(bytes, sizeof(bytes));
	return xasprintf("flag{%s}", hex);
}

/* The rotation of plan flag i journaled last (0: none yet). */
static long long
rotation_of(const struct engine *e, size_t i)
{
	const struct plan_flag *f = &e->plan->flags[i];
	char *key = engine_flag_key(f->id, e->plan->hosts[f->host].name);
	json_t *st = json_object_get(e->flags, key);

	free(key);
	return st != NULL ? json_integer_value(json_object_get(st,
	    "rotation")) : 0;
}

/*
 * When plan flag i's next value is due: at 0 for the first, then every
 * rotate seconds from the start (so a late write never shifts the rest);
 * -1 for never.
 */
static double
due_at(const struct engine *e, size_t i)
{
	long long n = rotation_of(e, i);

	if (n == 0)
		return 0;
	if (e->plan->flags[i].rotate <= 0)
		return -1;
	return (double)n * (double)e->plan->flags[i].rotate;
}

/* The flag event of plan flag i's value, new. */
static json_t *
flag_event(const struct engine *e, size_t i, const char *value,
    long long rotation, bool planted, const char *error, bool replant)
{
	const struct plan_flag *f = &e->plan->flags[i];
	struct event ev;

	event_init(&ev, EVENT_FLAG);
	ev.u.flag = (struct event_flag){ .flag = f->id, .host =
	    e->plan->hosts[f->host].name, .team = f->team->id, .value = value,
	    .rotation = rotation, .planted = planted, .error = error,
	    .replant = replant };
	return event_encode(&ev);
}

struct plant_job {
	struct engine *e;
	size_t flag;
	long long rotation;
	char *value;	/* own; a secret */
	bool replant;	/* the current value again, after a revert */
};

/*
 * The file's folder is made, the file written by root with mode 0600:
 * the path (rules_flag.c) and the value ([a-z0-9{}]) need no quoting
 * beyond the single quotes. What is at the path goes first, so that the
 * file is a new one: writing into an old one would keep its mode and
 * owner (a blue team's chmod 644, say), and a symbolic link there would
 * send the value elsewhere.
 */
static char *
plant_command(const char *path, const char *value)
{
	const char *slash = strrchr(path, '/');
	char *dir = xstrndup(path, slash > path ? (size_t)(slash - path) : 1);
	char *cmd = xasprintf("umask 077 && mkdir -p '%s' && rm -f '%s' && "
	    "printf '%%s\\n' '%s' > '%s'", dir, path, value, path);

	free(dir);
	return cmd;
}

/*
 * Runs cmd in the host of plan flag i, trying again while its guest agent
 * does not answer (a guest just reverted, or rebooting) until seconds have
 * passed or the engine winds down (an exercise that ended or was stopped
 * must not wait for a guest that stays away). Returns agent_exec_host()'s,
 * with *res and *error of the last try.
 */
static int
plant_exec(struct engine *e, const struct cluster_refs *refs, size_t host,
    const char *cmd, int seconds, struct agent_result *res, char **error)
{
	double deadline = mono_now() + seconds, left;
	struct timespec pause = { FLAG_RETRY_MS / 1000,
	    (FLAG_RETRY_MS % 1000) * 1000000L };
	int rc;

	for (;;) {
		left = deadline - mono_now();
		rc = agent_exec_host(refs, host, cmd, left >= 1 ? (int)left : 1,
		    res, error);
		if (rc == 0 || deadline - mono_now() <= FLAG_RETRY_MS / 1000.0 ||
		    atomic_load(&e->winding_down))
			return rc;
		free(*error);
		*error = NULL;
		agent_result_clear(res);
		nanosleep(&pause, NULL);
	}
}

static void *
plant_thread(void *arg)
{
	struct plant_job *job = arg;
	struct engine *e = job->e;
	const struct plan_flag *f = &e->plan->flags[job->flag];
	struct engine_done *d = xcalloc(1, sizeof(*d));
	struct cluster_refs *refs = engine_refs(e);
	struct agent_result res = { 0 };
	char *cmd = plant_command(f->path, job->value), *error = NULL;
	bool ok;

	ok = plant_exec(e, refs, f->host, cmd, job->replant ?
	    FLAG_REPLANT_TIMEOUT : FLAG_WRITE_TIMEOUT, &res, &error) == 0 &&
	    res.exit_code == 0;
	engine_refs_drop(refs);
	if (!ok && error == NULL)
		error = xasprintf("writing '%s' in %s exited %d%s%.200s", f->path,
		    e->plan->hosts[f->host].name, res.exit_code, res.err_len ?
		    ": " : "", res.err_len ? res.err : "");
	d->kind = DONE_EVENT;
	d->event = flag_event(e, job->flag, job->value, job->rotation, ok,
	    error, job->replant);
	agent_result_clear(&res);
	sodium_memzero(cmd, strlen(cmd));
	free(cmd);
	free(error);
	sodium_memzero(job->value, strlen(job->value));
	free(job->value);
	free(job);
	engine_post(e, d);
	return NULL;
}

/*
 * Writes value (owned, a secret) as plan flag i's rotation: on a thread,
 * or simulated in a rehearsal.
 */
static void
write_value(struct engine *e, size_t i, char *value, long long rotation,
    bool replant)
{
	struct plant_job *job;

	e->flag_busy[i] = true;
	if (e->opts.simulate_checks) {
		/* Journaled at once: engine_note_flag() clears flag_busy. */
		engine_journal(e, flag_event(e, i, value, rotation, false,
		    "not planted: a rehearsal writes into no guest", replant));
		sodium_memzero(value, strlen(value));
		free(value);
		return;
	}
	job = xcalloc(1, sizeof(*job));
	*job = (struct plant_job){ .e = e, .flag = i, .rotation = rotation,
	    .value = value, .replant = replant };
	engine_spawn(e, plant_thread, job);
}

/* Gives plan flag i its next value. */
static void
plant(struct engine *e, size_t i)
{
	char *value = fresh_value();

	if (value == NULL) {
		engine_log(e, "warning: libsodium could not start: flag '%s' gets "
		    "no value", e->plan->flags[i].id);
		return;
	}
	write_value(e, i, value, rotation_of(e, i) + 1, false);
}

/* Writes plan flag i's current value again, if it has one. */
static void
replant(struct engine *e, size_t i)
{
	const struct plan_flag *f = &e->plan->flags[i];
	char *key = engine_flag_key(f->id, e->plan->hosts[f->host].name);
	json_t *st = json_object_get(e->flags, key);
	const char *value = json_string_value(json_object_get(st, "value"));

	free(key);
	if (value == NULL)
		return;	/* none yet: the first plant writes it */
	engine_log(e, "flag '%s' on %s: writing value %lld again after the "
	    "revert", f->id, e->plan->hosts[f->host].name,
	    (long long)json_integer_value(json_object_get(st, "rotation")));
	write_value(e, i, xstrdup(value), json_integer_value(json_object_get(st,
	    "rotation")), true);
}

void
engine_flags_after_revert(struct engine *e, size_t host)
{
	size_t i;

	for (i = 0; i < e->plan->n_flags; i++) {
		if (e->plan->flags[i].host != host)
			continue;
		/* A write in flight may have gone in before the revert. */
		if (e->flag_busy[i])
			e->flag_again[i] = true;
		else
			replant(e, i);
	}
}

void
engine_flags_due(struct engine *e, double t)
{
	size_t i;
	double at;

	for (i = 0; i < e->plan->n_flags && e->failure == NULL; i++) {
		if (e->flag_again[i] && !e->flag_busy[i]) {
			e->flag_again[i] = false;
			replant(e, i);
			continue;
		}
		at = due_at(e, i);
		/* A value given at the very end would be of no use. */
		if (!e->flag_busy[i] && at >= 0 && at <= t &&
		    at < (double)e->plan->duration)
			plant(e, i);
	}
}

double
engine_flags_next_at(const struct engine *e)
{
	double next = -1, at;
	size_t i;

	for (i = 0; i < e->plan->n_flags; i++) {
		if (e->flag_again[i] && !e->flag_busy[i])
			return 0;	/* now: a revert's write is waiting */
		at = due_at(e, i);
		if (e->flag_busy[i] || at < 0 || at >= (double)e->plan->duration)
			continue;
		if (next < 0 || at < next)
			next = at;
	}
	return next;
}

/* Whether team is in st's list of who captured its value. */
static bool
captured_by(const json_t *st, const char *team)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(st, "captured"), i, v)
		if (strcmp(json_string_value(v), team) == 0)
			return true;
	return false;
}

/*
 * The plan flag whose current value is text, or PLAN_NONE. Every value
 * is compared in full and in constant time, so that the time taken does
 * not tell how close a guess came.
 */
static size_t
flag_of_value(const struct engine *e, const char *text, json_t **state)
{
	size_t i, found = PLAN_NONE, len = strlen(text);

	for (i = 0; i < e->plan->n_flags; i++) {
		const struct plan_flag *f = &e->plan->flags[i];
		char *key = engine_flag_key(f->id, e->plan->hosts[f->host].name);
		json_t *st = json_object_get(e->flags, key);
		const char *value = json_string_value(json_object_get(st,
		    "value"));

		free(key);
		if (value != NULL && strlen(value) == len &&
		    sodium_memcmp(value, text, len) == 0) {
			found = i;
			*state = st;
		}
	}
	return found;
}

int
engine_flag_submit(struct engine *e, const struct engine_command *cmd,
    json_t **answer, char **error)
{
	const struct scenario_team *team = cmd->arg ? plan_team(e->plan,
	    cmd->arg) : NULL;
	json_t *st = NULL;
	struct event ev;
	size_t i;

	if (team == NULL || team->role != ROLE_RED) {
		*error = xasprintf("there is no red team '%s'", cmd->arg ?
		    cmd->arg : "");
		return -1;
	}
	if (e->clock.state == EXCLOCK_ENDED) {
		*error = xstrdup("the exercise has ended");
		return -1;
	}
	i = cmd->text != NULL && strlen(cmd->text) <= FLAG_TEXT_MAX ?
	    flag_of_value(e, cmd->text, &st) : PLAN_NONE;
	if (i == PLAN_NONE || captured_by(st, team->id)) {
		engine_log(e, "a flag submitted by %s (team %s) scores nothing",
		    cmd->by ? cmd->by : "?", team->id);
		*error = xstrdup(ENGINE_FLAG_REFUSED);
		return -1;
	}
	event_init(&ev, EVENT_CAPTURE);
	ev.u.capture = (struct event_capture){ .flag = e->plan->flags[i].id,
	    .host = e->plan->hosts[e->plan->flags[i].host].name, .owner =
	    e->plan->flags[i].team->id, .team = team->id, .rotation =
	    json_integer_value(json_object_get(st, "rotation")), .points =
	    e->plan->flags[i].points, .penalty = e->plan->flags[i].penalty,
	    .by = cmd->by };
	if (engine_journal(e, event_encode(&ev)) < 0) {
		*error = xstrdup(e->failure);
		return -1;
	}
	/*
	 * Noted now, not when the capture is durable: a second submission
	 * of the same value while the first waits for its sync must be
	 * refused, or the team would score twice.
	 */
	json_array_append_new(json_object_get(st, "captured"),
	    json_string(team->id));
	engine_log(e, "flag '%s' of %s captured by team %s (%s): +%ld, %s -%ld",
	    e->plan->flags[i].id, ev.u.capture.host, team->id, cmd->by ?
	    cmd->by : "?", e->plan->flags[i].points, ev.u.capture.owner,
	    e->plan->flags[i].penalty);
	if (answer != NULL)
		*answer = json_pack("{s:I}", "points",
		    (json_int_t)e->plan->flags[i].points);
	return 0;
}
