/*
 * engine_checkpoint.c: what replaying the journal up to some event gave,
 * kept beside it so that a restart reads only the events after it.
 *
 * The journal stays the only truth: a checkpoint names the sequence
 * number, byte offset and hash of the last line it covers, and is used
 * only while the journal still holds that very line there. Anything else
 * (a missing, damaged or foreign checkpoint, a journal cut or replaced)
 * means a full replay, which gives the same state, only slower. It is
 * written after every round (tmp, fsync, rename: never half of one).
 *
 * It holds the engine's state only: the ledger's totals and last round
 * (the engine serves no history), its SLA rule, checks' records and
 * reports' grades, injects fired, links still down, hosts' journaled
 * states, reports' teams, firings without results, the clock.
 *
 * Version 2 added the ledger's "score" (uptime, SLA, grades as they
 * stand) and the "timeline" the journal runs by (engine_timeline.c): a checkpoint of version 1 lacks it, so it is not used, and the
 * whole journal is replayed once (the log says why). Version 3 adds the
 * score's "outages" (issue 14: each check's failed rounds by cause and
 * the attack's window open on it): an older checkpoint is not used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_impl.h"
#include "rangectl/util.h"

#define CHECKPOINT_VERSION 3

static json_t *
teams_json(const struct engine *e)
{
	json_t *teams = json_object();
	size_t i;

	for (i = 0; i < e->ledger.n_teams; i++) {
		const struct score_team *t = &e->ledger.teams[i];

		json_object_set_new(teams, t->team->id, json_pack("{s:I, s:I, s:I, "
		    "s:I, s:I, s:I, s:I, s:I, s:I}", "availability",
		    t->availability, "penalties", t->penalties, "sla", t->sla,
		    "reports", t->reports, "adjustments", t->adjustments,
		    "flags", t->flags, "flags_lost", t->flags_lost, "captured",
		    (json_int_t)t->captured, "lost", (json_int_t)t->lost));
	}
	return teams;
}

static json_t *
injects_json(const struct engine *e)
{
	json_t *injects = json_object();
	size_t i, j;

	for (i = 0; i < e->plan->n_injects; i++) {
		bool scheduled = false;

		if (e->firings[i] == 0)
			continue;
		for (j = 0; j < e->schedule.n; j++)
			if (e->schedule.items[j].inject == i)
				scheduled = e->schedule.items[j].fired;
		json_object_set_new(injects, e->plan->injects[i].id,
		    json_pack("{s:I, s:b}", "firings", (json_int_t)e->firings[i],
		    "scheduled", scheduled));
	}
	return injects;
}

static json_t *
links_json(const struct engine *e)
{
	json_t *links = json_array();
	size_t i;

	for (i = 0; i < e->n_links; i++)
		json_array_append_new(links, json_pack("{s:s, s:s, s:f, s:s}",
		    "host", e->plan->hosts[e->links[i].host].name, "network",
		    e->plan->networks[e->links[i].network].name, "until",
		    e->links[i].until, "inject",
		    e->plan->injects[e->links[i].inject].id));
	return links;
}

static json_t *
hosts_json(const struct engine *e)
{
	json_t *hosts = json_object();
	size_t i;

	for (i = 0; i < e->plan->n_hosts; i++)
		if (e->journaled_state[i] != NULL)
			json_object_set_new(hosts, e->plan->hosts[i].name,
			    json_string(e->journaled_state[i]));
	return hosts;
}

static json_t *
checkpoint_json(const struct engine *e)
{
	const struct score_round *last = e->ledger.n_rounds ?
	    &e->ledger.rounds[e->ledger.n_rounds - 1] : NULL;
	char hash[17];
	json_t *doc;

	/* The position durable and applied: never one still queued. */
	snprintf(hash, sizeof(hash), "%016llx", e->durable.hash);
	doc = json_pack("{s:i, s:o, s:o, s:s, s:I, s:I, s:s, s:I, s:{s:I, s:f}, s:o, "
	    "s:o, s:o, s:o, s:O, s:O, s:i, s:f, s:f, s:f}", "version",
	    CHECKPOINT_VERSION, "score", score_state_to_json(&e->ledger),
	    "timeline", e->timeline ? json_incref(e->timeline) : json_null(),
	    "exercise", e->plan->exercise, "seq",
	    (json_int_t)e->durable.seq, "offset", (json_int_t)e->durable.size,
	    "line_hash", hash, "next_round", (json_int_t)e->next_round,
	    "last_round", "n", (json_int_t)(last ? last->n : 0), "at", last ?
	    last->at : 0.0, "teams", teams_json(e), "injects", injects_json(e),
	    "links", links_json(e), "hosts", hosts_json(e), "reports",
	    e->reports, "open_firings", e->open_firings, "clock",
	    e->clock_journaled, "speed", e->speed_journaled, "last_t",
	    e->last_t, "last_wall", e->last_wall);
	/* The flags' values: a restart must still know which ones score. */
	json_object_set(doc, "flags", e->flags);
	/* The teams' observations: the next one's id. */
	json_object_set(doc, "intel", e->intel);
	return doc;
}

/* The checkpoint's text written to path: NULL, or why not (new). */
static char *
write_file(const char *path, const char *text, unsigned long long seq)
{
	char *tmp = xasprintf("%s.tmp", path), *why = NULL;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t len = text ? strlen(text) : 0;

	/* A checkpoint that cannot be written only makes restarts slower. */
	if (fd < 0 || text == NULL || write(fd, text, len) != (ssize_t)len ||
	    fdatasync(fd) < 0 || rename(tmp, path) < 0) {
		why = xasprintf("note: no checkpoint at event %llu (%s): a restart "
		    "will replay the whole journal", seq, strerror(errno));
		unlink(tmp);
	}
	if (fd >= 0)
		close(fd);
	free(tmp);
	return why;
}

/* The checkpoint's text now, new (NULL if it cannot be encoded). */
static char *
checkpoint_text(const struct engine *e)
{
	json_t *doc = checkpoint_json(e);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(doc);
	return text;
}

/*
 * The observer may keep its own state at the checkpoint's place: the
 * durable position, every event up to which the engine has applied and
 * shown (on the engine's thread, with nothing queued).
 */
static void
tell_observer(struct engine *e)
{
	if (e->opts.checkpointed != NULL)
		e->opts.checkpointed(e->opts.observe_ctx, e->durable.seq,
		    e->durable.size, e->durable.hash);
}

void
engine_checkpoint_write(struct engine *e)
{
	char *path = xasprintf("%s/%s", e->state_dir, ENGINE_CHECKPOINT);
	char *text = checkpoint_text(e), *why;

	why = write_file(path, text, e->durable.seq);
	if (why != NULL)
		engine_log(e, "%s", why);
	else
		tell_observer(e);
	free(why);
	free(text);
	free(path);
}

/* A checkpoint's text on its way to the disk, off the engine's thread. */
struct checkpoint_job {
	struct engine *e;
	char *path;
	char *text;
	unsigned long long seq;
};

static void *
checkpoint_thread(void *arg)
{
	struct checkpoint_job *job = arg;
	struct engine_done *d = xcalloc(1, sizeof(*d));
	char *why = write_file(job->path, job->text, job->seq);

	d->kind = DONE_CHECKPOINT;
	d->event = why != NULL ? json_string(why) : NULL;
	free(why);
	engine_post(job->e, d);
	free(job->path);
	free(job->text);
	free(job);
	return NULL;
}

void
engine_checkpoint_start(struct engine *e)
{
	struct checkpoint_job *job;

	/* One at a time: the next waits (wanted) for this one's file. */
	if (e->checkpoint_busy || e->pending != NULL)
		return;
	job = xcalloc(1, sizeof(*job));
	*job = (struct checkpoint_job){ .e = e, .path = xasprintf("%s/%s",
	    e->state_dir, ENGINE_CHECKPOINT), .text = checkpoint_text(e), .seq =
	    e->durable.seq };
	e->checkpoint_wanted = false;
	e->checkpoint_busy = true;
	engine_spawn(e, checkpoint_thread, job);
	tell_observer(e);
}

static void
restore_teams(struct engine *e, const json_t *teams, const json_t *last)
{
	struct score_round *r;
	size_t i;

	for (i = 0; i < e->ledger.n_teams; i++) {
		struct score_team *t = &e->ledger.teams[i];
		const json_t *o = json_object_get(teams, t->team->id);

		t->availability = json_integer_value(json_object_get(o,
		    "availability"));
		t->penalties = json_integer_value(json_object_get(o, "penalties"));
		t->sla = json_integer_value(json_object_get(o, "sla"));
		t->reports = json_integer_value(json_object_get(o, "reports"));
		t->adjustments = json_integer_value(json_object_get(o,
		    "adjustments"));
		t->flags = json_integer_value(json_object_get(o, "flags"));
		t->flags_lost = json_integer_value(json_object_get(o,
		    "flags_lost"));
		t->captured = (long)json_integer_value(json_object_get(o,
		    "captured"));
		t->lost = (long)json_integer_value(json_object_get(o, "lost"));
	}
	if (json_integer_value(json_object_get(last, "n")) <= 0)
		return;
	/* The last round only: its number is what the engine shows. */
	xgrow(&e->ledger.rounds, &e->ledger.rounds_alloc, 1,
	    sizeof(*e->ledger.rounds));
	r = &e->ledger.rounds[0];
	e->ledger.n_rounds = 1;
	r->n = (long)json_integer_value(json_object_get(last, "n"));
	r->at = json_number_value(json_object_get(last, "at"));
	r->scores = xcalloc(e->ledger.n_teams + 1, sizeof(*r->scores));
	for (i = 0; i < e->ledger.n_teams; i++)
		r->scores[i] = score_total(&e->ledger.teams[i]);
}

static void
restore_injects(struct engine *e, const json_t *injects)
{
	size_t i;

	for (i = 0; i < e->plan->n_injects; i++) {
		const json_t *o = json_object_get(injects,
		    e->plan->injects[i].id);

		if (o == NULL)
			continue;
		e->firings[i] = (unsigned)json_integer_value(json_object_get(o,
		    "firings"));
		e->fired[i] = e->firings[i] > 0;
		if (json_is_true(json_object_get(o, "scheduled")))
			schedule_mark_fired(&e->schedule, i);
	}
}

static size_t
network_named(const struct engine *e, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < e->plan->n_networks; i++)
		if (strcmp(e->plan->networks[i].name, name) == 0)
			return i;
	return PLAN_NONE;
}

static void
restore_links_and_hosts(struct engine *e, const json_t *links,
    const json_t *hosts)
{
	size_t i, host, net, inj;

	for (i = 0; i < json_array_size(links); i++) {
		const json_t *l = json_array_get(links, i);

		host = engine_host_index(e, json_string_value(json_object_get(l,
		    "host")));
		net = network_named(e, json_string_value(json_object_get(l,
		    "network")));
		inj = engine_inject_index(e, json_string_value(json_object_get(l,
		    "inject")));
		if (host == PLAN_NONE || net == PLAN_NONE || inj == PLAN_NONE)
			continue;
		xgrow(&e->links, &e->links_alloc, e->n_links + 1,
		    sizeof(*e->links));
		e->links[e->n_links++] = (struct engine_link){ .host = host,
		    .network = net, .until = json_number_value(json_object_get(l,
		    "until")), .inject = inj };
	}
	for (i = 0; i < e->plan->n_hosts; i++) {
		const char *state = json_string_value(json_object_get(hosts,
		    e->plan->hosts[i].name));

		if (state != NULL)
			e->journaled_state[i] = xstrdup(state);
	}
}

/* Whether doc is a checkpoint of exercise taken from this journal. */
static bool
usable(const char *exercise, const json_t *doc, const char *journal)
{
	const char *name = json_string_value(json_object_get(doc, "exercise"));
	const char *hash = json_string_value(json_object_get(doc, "line_hash"));
	json_int_t offset = json_integer_value(json_object_get(doc, "offset"));

	return json_integer_value(json_object_get(doc, "version")) ==
	    CHECKPOINT_VERSION && name != NULL &&
	    strcmp(name, exercise) == 0 && hash != NULL &&
	    offset > 0 && json_integer_value(json_object_get(doc, "seq")) > 0 &&
	    journal_line_matches(journal, (unsigned long long)offset,
	    strtoull(hash, NULL, 16), (unsigned long long)json_integer_value(
	    json_object_get(doc, "seq")));
}

/*
 * Whether doc is a checkpoint of this exercise taken at a byte of the
 * journal past its end: then *size is the journal's size (0 if missing).
 */
static bool
ahead(const struct engine *e, const json_t *doc, const char *journal,
    unsigned long long *size)
{
	const char *name = json_string_value(json_object_get(doc, "exercise"));
	json_int_t offset = json_integer_value(json_object_get(doc, "offset"));
	struct stat st;

	*size = stat(journal, &st) == 0 ? (unsigned long long)st.st_size : 0;
	return name != NULL && strcmp(name, e->plan->exercise) == 0 &&
	    offset > 0 && (unsigned long long)offset > *size;
}

int
engine_checkpoint_load(struct engine *e, unsigned long long *offset,
    unsigned long long *first_seq, char **error)
{
	unsigned long long size;
	int rc = 0;

	char *path = xasprintf("%s/%s", e->state_dir, ENGINE_CHECKPOINT);
	char *journal = xasprintf("%s/%s", e->state_dir, JOURNAL_FILE);
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	json_int_t version = json_integer_value(json_object_get(doc, "version"));
	char *why = NULL;

	*offset = 0;
	*first_seq = 1;
	if (doc != NULL && version != CHECKPOINT_VERSION) {
		engine_log(e, "note: the checkpoint in '%s' is of version %lld, "
		    "and this rangectl reads version %d; replaying all of the "
		    "journal", e->state_dir, (long long)version,
		    CHECKPOINT_VERSION);
	} else if (doc != NULL && usable(e->plan->exercise, doc, journal) &&
	    score_restore(&e->ledger, json_object_get(doc, "score"),
	    &why) < 0) {
		engine_log(e, "note: %s; replaying all of the journal", why);
		/* What it restored before the fault is forgotten. */
		score_ledger_clear(&e->ledger);
		score_ledger_init(&e->ledger, e->plan->teams,
		    e->plan->n_teams);
	} else if (doc != NULL && usable(e->plan->exercise, doc, journal)) {
		restore_teams(e, json_object_get(doc, "teams"), json_object_get(doc,
		    "last_round"));
		restore_injects(e, json_object_get(doc, "injects"));
		restore_links_and_hosts(e, json_object_get(doc, "links"),
		    json_object_get(doc, "hosts"));
		json_object_update(e->reports, json_object_get(doc, "reports"));
		if (json_is_object(json_object_get(doc, "flags")))
			json_object_update(e->flags, json_object_get(doc, "flags"));
		if (json_is_object(json_object_get(doc, "intel")))
			json_object_update(e->intel, json_object_get(doc, "intel"));
		if (json_is_object(json_object_get(doc, "timeline")))
			e->timeline = json_incref(json_object_get(doc, "timeline"));
		json_object_update(e->open_firings, json_object_get(doc,
		    "open_firings"));
		e->next_round = (long)json_integer_value(json_object_get(doc,
		    "next_round"));
		e->clock_journaled = (int)json_integer_value(json_object_get(doc,
		    "clock"));
		e->speed_journaled = json_number_value(json_object_get(doc,
		    "speed"));
		e->last_t = json_number_value(json_object_get(doc, "last_t"));
		e->last_wall = json_number_value(json_object_get(doc, "last_wall"));
		*offset = (unsigned long long)json_integer_value(json_object_get(
		    doc, "offset"));
		*first_seq = (unsigned long long)json_integer_value(
		    json_object_get(doc, "seq")) + 1;
	} else if (doc != NULL && ahead(e, doc, journal, &size)) {
		*error = xasprintf("the checkpoint '%s' was taken at byte %lld of "
		    "the journal '%s', which has %llu bytes now: the journal was "
		    "emptied, cut short or removed, and replaying what is left "
		    "would run the exercise again from there, firing its injects "
		    "a second time. Put the journal back, or start afresh with "
		    "--reset (which moves both aside)", path, (long long)
		    json_integer_value(json_object_get(doc, "offset")), journal,
		    size);
		rc = -1;
	} else if (doc != NULL) {
		engine_log(e, "note: the checkpoint in '%s' does not match the "
		    "journal; replaying all of it", e->state_dir);
	}
	json_decref(doc);
	free(why);
	free(journal);
	free(path);
	return rc;
}

int
engine_checkpoint_peek(const char *state_dir, const char *exercise,
    struct engine_peek *peek)
{
	char *path = xasprintf("%s/%s", state_dir, ENGINE_CHECKPOINT);
	char *journal = xasprintf("%s/%s", state_dir, JOURNAL_FILE);
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	const json_t *timeline = json_object_get(doc, "timeline");
	int found = doc != NULL && usable(exercise, doc, journal);

	memset(peek, 0, sizeof(*peek));
	if (found) {
		peek->timeline = json_is_object(timeline) ?
		    json_incref((json_t *)timeline) : NULL;
		peek->ended = json_integer_value(json_object_get(doc, "clock")) ==
		    EXCLOCK_ENDED;
		peek->t = json_number_value(json_object_get(doc, "last_t"));
		peek->offset = (unsigned long long)json_integer_value(
		    json_object_get(doc, "offset"));
		peek->first_seq = (unsigned long long)json_integer_value(
		    json_object_get(doc, "seq")) + 1;
	}
	json_decref(doc);
	free(journal);
	free(path);
	return found;
}

void
engine_peek_clear(struct engine_peek *peek)
{
	if (peek == NULL)
		return;
	json_decref(peek->timeline);
	memset(peek, 0, sizeof(*peek));
}
