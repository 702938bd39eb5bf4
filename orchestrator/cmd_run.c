/*
 * cmd_run.c: rangectl run FILE: up, then the exercise until it ends.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rangectl/api.h"
#include "rangectl/auth.h"
#include "rangectl/cluster.h"
#include "rangectl/cmd.h"
#include "rangectl/engine.h"
#include "rangectl/http.h"
#include "rangectl/journal.h"
#include "rangectl/netns.h"
#include "rangectl/provision.h"
#include "rangectl/vpn.h"
#include "rangectl/range.h"
#include "rangectl/report.h"
#include "rangectl/score.h"
#include "rangectl/session.h"
#include "rangectl/tls.h"
#include "rangectl/units.h"
#include "rangectl/util.h"
#include "rangectl/view.h"

struct run_args {
	bool test_driver;	/* some node is libvirt's test driver */
	const char *connect;
	struct cmd_nodes nodes;	/* --node, in order */
	const char *listen;	/* NULL: no dashboard */
	const char *web_root;
	const char *tls_cert;
	const char *tls_key;
	const char *state_dir;
	const char *pool_root;
	const char *netns;	/* join this network namespace, or NULL */
	int listen_fd;	/* opened before joining it, or -1 */
	double speed;
	long timeout;
	long linger;	/* seconds the dashboard stays up after the end */
	long keepalive;	/* seconds between pings on event streams */
	long streams_per_person;	/* event streams one person may open */
	long session_idle, session_lifetime;	/* seconds */
	bool self_signed;	/* --tls-self-signed */
	bool insecure_http;
	bool no_tokens;
	bool no_up;
	bool simulate_checks;	/* --simulate-checks, or a rehearsal's default */
	bool wait_for_start;
	bool accept_changes;	/* a changed MSEL or scoring goes on */
	bool reset;	/* move the journal and checkpoint aside first */
	bool json;
	bool quiet;
};

static void
print_scores(const json_t *snap, bool json)
{
	const json_t *teams = json_object_get(json_object_get(snap, "scores"),
	    "teams");
	size_t i;

	if (json) {
		json_dumpf(snap, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		return;
	}
	/* RANK is within the team's role: blue and red apart, white none. */
	printf("%-12s %-6s %4s %8s %8s %8s %8s %8s %8s\n", "TEAM", "ROLE",
	    "RANK", "SCORE", "AVAIL", "PENALTY", "SLA", "REPORTS", "ADJUST");
	for (i = 0; i < json_array_size(teams); i++) {
		const json_t *t = json_array_get(teams, i);
		const json_t *rank = json_object_get(t, "rank");
		char place[24] = "-";

		if (json_is_integer(rank))
			snprintf(place, sizeof(place), "%lld",
			    (long long)json_integer_value(rank));
		printf("%-12s %-6s %4s %8lld %8lld %8lld %8lld %8lld %8lld\n",
		    json_string_value(json_object_get(t, "id")),
		    json_string_value(json_object_get(t, "role")), place,
		    (long long)json_integer_value(json_object_get(t, "score")),
		    (long long)json_integer_value(json_object_get(t,
		    "availability")), (long long)json_integer_value(
		    json_object_get(t, "penalties")), (long long)
		    json_integer_value(json_object_get(t, "sla")), (long long)
		    json_integer_value(json_object_get(t, "reports")),
		    (long long)json_integer_value(json_object_get(t,
		    "adjustments")));
	}
}

static int
provision(struct range *range, struct cluster *cl, const struct run_args *a,
    json_t **event)
{
	struct provision_counts counts = { 0 };
	struct cmd_digests digests = { 0 };
	char *error = NULL;
	int rc = 0;

	if (a->no_up) {
		/* The range is up already: its digests all the same. */
		if (cmd_range_digests(range, cl, &digests, &error) == 0) {
			cmd_range_warn("run", &digests);
			*event = cmd_range_event(&digests);
		} else {
			fprintf(stderr, "rangectl run: %s\n", error);
			rc = -1;
		}
		cmd_digests_clear(&digests);
		free(error);
		return rc;
	}
	if (cmd_up_range(range, cl, a->pool_root, a->timeout, a->quiet,
	    &counts, event, &error) < 0) {
		fprintf(stderr, "rangectl run: %s\n", error);
		free(error);
		return -1;
	}
	if (!a->quiet)
		fprintf(stderr, "range '%s' is up (%zu hosts)\n",
		    range->plan->exercise, range->plan->n_hosts);
	return 0;
}

/* The dashboard's side of a run: who may call, what they see, the server. */
struct dashboard {
	struct auth auth;
	struct session_table sessions;
	char *tls_cert, *tls_key;	/* --tls-self-signed's files */
	struct view view;
	struct api api;
	struct http *http;
	bool view_ready;
	const char *state_dir;	/* borrowed: where the view's checkpoint goes */
	bool quiet;
	/* Where the engine's last checkpoint stands (opts.checkpointed). */
	unsigned long long mark_seq, mark_offset, mark_hash;
	/* Writes the view's checkpoint off the engine's thread, one at a time. */
	pthread_t saver;
	bool saver_started;
	atomic_bool saving;
	struct vpn_host vpn;
	bool vpn_on;
};

/* The engine's observer: every journaled event to the view, then out. */
static void
observe(void *ctx, const json_t *event)
{
	struct dashboard *d = ctx;

	if (!d->view_ready)
		return;
	view_apply(&d->view, event);
	http_publish(d->http, event);
}

/* The events engine_new() replays: to the view, decoded once. */
static void
observe_replayed(void *ctx, const struct journal_event *je)
{
	struct dashboard *d = ctx;

	if (d->view_ready)
		view_apply_replayed(&d->view, je);
}

/* The view's checkpoint could not be written: error (freed) says why. */
static void
note_unsaved(bool quiet, char *error)
{
	if (!quiet)
		fprintf(stderr, "note: %s; a restart will replay the whole "
		    "journal into the dashboard\n", error);
	free(error);
}

/* One view checkpoint on its way to the disk (the saver owns it). */
struct view_job {
	struct view_saving *saving;
	atomic_bool *busy;
	bool quiet;
};

static void *
write_view(void *arg)
{
	struct view_job *job = arg;
	char *error = NULL;

	if (view_saving_write(job->saving, &error) < 0)
		note_unsaved(job->quiet, error);
	view_saving_free(job->saving);
	atomic_store(job->busy, false);
	free(job);
	return NULL;
}

/* Waits for the saver's last write, if any. */
static void
wait_saver(struct dashboard *d)
{
	if (d->saver_started)
		pthread_join(d->saver, NULL);
	d->saver_started = false;
}

/* The view's checkpoint where the engine's stands, written now. */
static void
save_view(struct dashboard *d, bool force)
{
	char *error = NULL;

	wait_saver(d);
	if (!d->view_ready || d->mark_seq == 0)
		return;
	if (view_checkpoint(&d->view, d->state_dir, d->mark_seq, d->mark_offset,
	    d->mark_hash, force, &error) < 0)
		note_unsaved(d->quiet, error);
}

/*
 * The engine's checkpoint was taken: the view's may follow, when due.
 * On the engine's thread, which alone changes the view: the checkpoint
 * is taken here as text, and written (with its fdatasync, which a busy
 * disk may stretch) by the saver, so that the clock does not wait. While
 * the saver still writes, this one is left to the next checkpoint.
 */
static void
checkpointed(void *ctx, unsigned long long seq, unsigned long long offset,
    unsigned long long line_hash)
{
	struct dashboard *d = ctx;
	struct view_saving *saving;
	struct view_job *job;
	char *error = NULL;

	d->mark_seq = seq;
	d->mark_offset = offset;
	d->mark_hash = line_hash;
	if (!d->view_ready || atomic_load(&d->saving))
		return;
	wait_saver(d);
	saving = view_checkpoint_take(&d->view, d->state_dir, seq, offset,
	    line_hash, false, &error);
	if (saving == NULL) {
		if (error != NULL)
			note_unsaved(d->quiet, error);
		return;
	}
	job = xcalloc(1, sizeof(*job));
	*job = (struct view_job){ .saving = saving, .busy = &d->saving,
	    .quiet = d->quiet };
	atomic_store(&d->saving, true);
	if (pthread_create(&d->saver, NULL, write_view, job) == 0)
		d->saver_started = true;
	else
		write_view(job);
}

/*
 * Where web/ is: --web; web/ of the source tree when this binary is in a
 * build folder of it; share/rangectl/web of the installation this binary
 * is part of (as rangectl-virt it is in PREFIX/libexec/rangectl, as
 * rangectl in PREFIX/bin), wherever PREFIX and DESTDIR put it; else where
 * `make install` was told to put it. The caller frees the result.
 */
static char *
find_web_root(const char *given)
{
	static const char *const places[][2] = {
		{ "../web", "package.json" },
		{ "../../share/rangectl/web", "index.html" },
		{ "../share/rangectl/web", "index.html" },
	};
	char exe[4096], *dir, *file;
	ssize_t n;
	size_t i;

	if (given != NULL)
		return xstrdup(given);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		dir = strrchr(exe, '/');
		if (dir != NULL)
			*dir = '\0';
		for (i = 0; dir != NULL && i < ARRAY_SIZE(places); i++) {
			file = xasprintf("%s/%s/%s", exe, places[i][0], places[i][1]);
			if (access(file, R_OK) == 0) {
				file[strlen(file) - strlen(places[i][1]) - 1] = '\0';
				return file;
			}
			free(file);
		}
	}
	return xstrdup(RANGECTL_DATADIR "/web");
}

/* Each live dashboard holds a socket: allow as many as the system does. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* --tls-self-signed: the pair made (or found) in the state folder. */
static int
self_signed(struct http_opts *hopts, const char *state_dir,
    const char *listen, struct dashboard *d)
{
	char fingerprint[TLS_FINGERPRINT_LEN + 1], *error = NULL;

	if (tls_self_signed(state_dir, listen, &d->tls_cert, &d->tls_key,
	    fingerprint, &error) < 0) {
		fprintf(stderr, "rangectl run: %s\n", error);
		free(error);
		return -1;
	}
	hopts->tls_cert = d->tls_cert;
	hopts->tls_key = d->tls_key;
	fprintf(stderr, "certificate: %s, self-signed; players check its "
	    "SHA-256 fingerprint:\n  %s\n", d->tls_cert, fingerprint);
	return 0;
}

/*
 * The scenario's VPN, for its people to download their files from the
 * dashboard: on libvirt's test driver, keys and files but no interface
 * (there are no bridges to join).
 */
static int
start_vpn(struct dashboard *d, struct range *range, const char *state_dir,
    const struct run_args *a)
{
	char *error = NULL;
	int rc = vpn_host_start(&d->vpn, range->plan, state_dir, a->test_driver,
	    &error);

	d->vpn_on = rc == 0;
	if (rc < 0) {
		fprintf(stderr, "rangectl run: %s\n", error);
		free(error);
		vpn_host_stop(&d->vpn);
		return -1;
	}
	if (rc == 1) {
		vpn_host_stop(&d->vpn);
		return 0;
	}
	d->api.vpn = &d->vpn;
	if (!a->quiet)
		fprintf(stderr, "vpn: %zu team endpoint(s)%s; people download "
		    "their files from the dashboard\n", d->vpn.vpn.n_teams,
		    d->vpn.made ? (d->vpn.wireguard_go ? " (wireguard-go)" :
		    " (the kernel's WireGuard)") : " (none made on the test "
		    "driver)");
	return 0;
}

static int
dashboard_start(struct dashboard *d, struct range *range,
    struct engine *e, const char *state_dir, const struct run_args *a)
{
	struct http_opts hopts = { .listen = a->listen, .tls_cert = a->tls_cert,
	    .tls_key = a->tls_key, .ping_seconds = (unsigned)a->keepalive,
	    .streams_per_person = (unsigned)a->streams_per_person,
	    .use_listen_fd = a->listen_fd >= 0, .listen_fd = a->listen_fd };
	char *error = NULL, *web;

	if (auth_load(&d->auth, range->plan->teams,
	    range->plan->n_teams, &range->plan->instructors, state_dir, &error) < 0) {
		fprintf(stderr, "rangectl run: %s\n", error);
		free(error);
		return -1;
	}
	d->api = (struct api){ .plan = range->plan, .engine = e, .auth =
	    &d->auth, .view = &d->view, .no_tokens = a->no_tokens };
	if (a->listen == NULL)
		return 0;
	if (session_table_init(&d->sessions, &d->auth, state_dir,
	    a->session_idle, a->session_lifetime, &error) < 0) {
		fprintf(stderr, "rangectl run: %s\n", error);
		free(error);
		return -1;
	}
	d->api.sessions = &d->sessions;
	if (start_vpn(d, range, state_dir, a) < 0)
		return -1;
	raise_fd_limit();
	if (a->self_signed && self_signed(&hopts, state_dir, a->listen,
	    d) < 0)
		return -1;
	web = find_web_root(a->web_root);
	hopts.web_root = web;
	d->http = http_start(&d->api, &hopts, &error);
	free(web);
	if (d->http == NULL) {
		fprintf(stderr, "rangectl run: %s\n", error);
		free(error);
		return -1;
	}
	fprintf(stderr, "dashboard: %s://%s/\naccounts: rangectl users %s "
	    "(passwords and invitations)\n", hopts.tls_cert ? "https" :
	    "http", a->listen, state_dir);
	if (!a->no_tokens)
		fprintf(stderr, "tokens: %s/credentials.json (an API key per "
		    "member and instructor)\n", state_dir);
	return 0;
}

static void
dashboard_stop(struct dashboard *d)
{
	wait_saver(d);
	http_stop(d->http);
	d->http = NULL;
	if (d->vpn_on)
		vpn_host_stop(&d->vpn);
	d->vpn_on = false;
	d->api.vpn = NULL;
	api_clear(&d->api);
	session_table_clear(&d->sessions);
	free(d->tls_cert);
	free(d->tls_key);
	d->tls_cert = d->tls_key = NULL;
	if (d->view_ready)
		view_clear(&d->view);
	d->view_ready = false;
	auth_clear(&d->auth);
}

/*
 * After the end, the dashboard stays up a while: the controller's "stop"
 * gets its answer, and every page its last events and final scores.
 * INT or TERM cut it short. The signals are blocked: wait for them.
 */
static void
linger(struct dashboard *d, const struct run_args *a)
{
	struct timespec ts = { .tv_sec = a->linger };
	sigset_t set;

	if (d->http == NULL || a->linger <= 0)
		return;
	if (!a->quiet)
		fprintf(stderr, "the exercise has ended; the dashboard stays up "
		    "for %ld s (Ctrl-C to leave now)\n", a->linger);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	while (sigtimedwait(&set, NULL, &ts) < 0 && errno == EINTR)
		;
}

/*
 * What run() makes of its state folder before it builds anything: the
 * engine replayed but not started, and the dashboard's view fed by the
 * same pass over the journal (prepare()).
 */
struct prepared {
	const struct run_args *a;
	struct dashboard d;
	struct engine_opts opts;
	char *state_dir;	/* owned; opts and d borrow it */
	struct engine *e;	/* NULL until prepare() */
};

/* Drops what prepare() made; again is harmless. */
static void
prepared_clear(struct prepared *p)
{
	engine_free(p->e);
	p->e = NULL;
	dashboard_stop(&p->d);
	free(p->state_dir);
	p->state_dir = NULL;
}

/* cmd_open_cluster_checked()'s undo: no node opened after prepare(). */
static void
prepared_undo(void *arg)
{
	prepared_clear(arg);
}

static int
run_engine(struct range *range, struct cluster *cl, struct prepared *p,
    const json_t *range_event)
{
	const struct run_args *a = p->a;
	struct dashboard *d = &p->d;
	struct engine *e = p->e;
	char *error = NULL;
	json_t *snap;
	int rc;

	/* Known once the nodes are open (choose_checks()), after prepare(). */
	p->opts.range_event = range_event;
	p->opts.simulate_checks = a->simulate_checks;
	if (engine_start_cluster(e, cl, &p->opts, &error) < 0) {
		fprintf(stderr, "rangectl run: %s\n", error);
		free(error);
		return EXIT_FAILED;
	}
	if (dashboard_start(d, range, e, p->state_dir, a) < 0)
		return EXIT_FAILED;
	if (!a->quiet)
		fprintf(stderr, "journal: %s/journal.jsonl (speed %g)\n",
		    p->state_dir, a->speed);
	rc = engine_run(e, &error);
	/* The view as the run left it: the next start reads no journal. */
	save_view(d, true);
	if (rc == 0)
		linger(d, a);
	dashboard_stop(d);
	if (rc < 0)
		fprintf(stderr, "rangectl run: %s\n", error);
	snap = engine_snapshot(e);
	if (rc == 1 && !a->quiet)
		fprintf(stderr, "interrupted at %.0f s of %lld s; run the same "
		    "command again to resume\n", json_number_value(
		    json_object_get(snap, "elapsed")), (long long)
		    json_integer_value(json_object_get(snap, "duration")));
	print_scores(snap, a->json);
	if (!a->quiet)
		fprintf(stderr, "the full report: rangectl report %s\n",
		    p->state_dir);
	json_decref(snap);
	free(error);
	return rc < 0 ? EXIT_FAILED : EXIT_OK;
}

/* check_state()'s verdict: the exercise ended, so there is nothing to do. */
#define RUN_ENDED 100

/* The state folder: --state, else state/NAME. New. */
static char *
state_dir_of(const struct run_args *a, const struct range *range)
{
	return a->state_dir ? xstrdup(a->state_dir) :
	    xasprintf("state/%s", range->plan->exercise);
}

/*
 * check_state()'s reading of the journal: the report of its events but
 * the rounds (what the check needs: the exercise, its clock, its
 * timeline; a round's scores would only make it slower), the timeline,
 * and the time of the last event.
 */
struct state_scan {
	struct report *r;
	json_t *timeline;	/* the last exercise or change event's */
	double t;
	char *error;
};

static int
scan_one(const struct journal_event *je, void *ctx)
{
	struct state_scan *s = ctx;

	s->r->events++;
	if (je->ev == NULL) {
		s->error = xstrdup(je->error);
		return -1;
	}
	s->t = je->ev->t;
	if (je->ev->type == EVENT_EXERCISE || je->ev->type == EVENT_CHANGE) {
		json_decref(s->timeline);
		s->timeline = engine_timeline_of(je->json);
	}
	/* A round before the exercise is refused as the report refuses it. */
	if (je->ev->type == EVENT_ROUND && s->r->started)
		return 0;
	return report_apply_event(s->r, je->ev, &s->error);
}

/* The journal's timeline against the plan's, unless the run accepts it. */
static int
check_timeline(const struct range *range, const struct run_args *a,
    const char *dir, const json_t *was)
{
	json_t *ev = engine_exercise_event(range->plan);
	json_t *now = engine_timeline_of(ev), *lines;
	char *text;
	int rc = EXIT_OK;

	lines = engine_timeline_diff(was, now);
	if (json_array_size(lines) > 0 && !a->accept_changes) {
		text = engine_timeline_refusal(range->plan, dir, lines);
		fprintf(stderr, "rangectl run: %s\nnothing was built\n", text);
		free(text);
		rc = EXIT_FAILED;
	}
	json_decref(lines);
	json_decref(now);
	json_decref(ev);
	return rc;
}

/* Says that the exercise ended at t, and that run has nothing to do. */
static int
say_ended(const char *name, const char *dir, double t)
{
	char at[UNITS_CLOCK_SIZE];

	fprintf(stderr, "rangectl run: exercise '%s' in '%s' ended at %s: "
	    "nothing to run, and nothing was built; its report: rangectl "
	    "report %s\n", name, dir, units_format_clock(t, at), dir);
	return RUN_ENDED;
}

/* The journal after a checkpoint: its timeline and clock from there. */
struct tail_scan {
	json_t *timeline;	/* borrowed from the peek, or the tail's own */
	json_t *own;	/* the tail's last exercise or change event's */
	bool ended;
	double t;
};

static int
tail_one(const json_t *event, void *ctx)
{
	struct tail_scan *s = ctx;
	const char *type = json_string_value(json_object_get(event, "type"));

	if (type != NULL && (strcmp(type, "exercise") == 0 ||
	    strcmp(type, "change") == 0)) {
		json_decref(s->own);
		s->own = s->timeline = engine_timeline_of(event);
	} else if (type != NULL && strcmp(type, "clock") == 0) {
		s->ended = strcmp(json_string_value(json_object_get(event,
		    "state")) ?: "", "ended") == 0;
		s->t = json_number_value(json_object_get(event, "t"));
	}
	return 0;
}

/*
 * check_state() for a folder whose checkpoint says where the exercise
 * stood: only the journal after it is read (a week's journal takes
 * seconds to read whole, and the engine reads it from there too).
 */
static int
check_from_checkpoint(const struct range *range, const struct run_args *a,
    const char *dir, const char *path, const struct engine_peek *peek)
{
	struct tail_scan tail = { .timeline = peek->timeline, .ended =
	    peek->ended, .t = peek->t };
	char *error = NULL;
	int rc = EXIT_OK;

	if (journal_replay_from(path, peek->offset, peek->first_seq, tail_one,
	    &tail, &error) < 0) {
		fprintf(stderr, "rangectl run: journal '%s': %s; nothing was "
		    "built\n", path, error);
		rc = EXIT_FAILED;
	} else if (tail.ended) {
		rc = say_ended(range->plan->exercise, dir, tail.t);
	} else if (tail.timeline != NULL) {
		rc = check_timeline(range, a, dir, tail.timeline);
	}
	json_decref(tail.own);
	free(error);
	return rc;
}

/*
 * With --reset, whether the state folder may take this run, before
 * anything connects or is built (prepare() checks so in its replay
 * without it): a journal of another exercise is refused, and one whose
 * exercise ended has nothing left to run (issue 13: run built a whole
 * range before finding either, and re-created the domains of an ended
 * exercise), and a scenario whose MSEL or scoring changed since is
 * refused unless --accept-changes. No journal yet is a new exercise.
 * Returns EXIT_OK to go on, RUN_ENDED, or EXIT_FAILED having said why.
 */
static int
check_journal(const struct range *range, const struct run_args *a)
{
	char *dir = state_dir_of(a, range), *path = xasprintf("%s/%s", dir,
	    JOURNAL_FILE), *error = NULL;
	const char *name = range->plan->exercise;
	struct engine_peek peek;
	struct report r;
	struct state_scan scan = { .r = &r };
	struct stat st;
	int rc = EXIT_OK;

	report_init(&r);
	if (stat(path, &st) < 0 || st.st_size == 0)
		goto cleanup;
	if (engine_checkpoint_peek(dir, name, &peek)) {
		rc = check_from_checkpoint(range, a, dir, path, &peek);
		engine_peek_clear(&peek);
		goto cleanup;
	}
	if (journal_read_from(path, 0, 1, scan_one, &scan, &error) < 0) {
		fprintf(stderr, "rangectl run: journal '%s': %s; nothing was "
		    "built\n", path, scan.error ? scan.error : error);
		rc = EXIT_FAILED;
	} else if (!r.started) {
		goto cleanup;
	} else if (strcmp(r.name, name) != 0) {
		fprintf(stderr, "rangectl run: the journal in '%s' belongs to "
		    "exercise '%s', not '%s'; nothing was built: give another "
		    "--state folder\n", dir, r.name, name);
		rc = EXIT_FAILED;
	} else if (strcmp(r.state, "ended") == 0) {
		rc = say_ended(name, dir, round(scan.t * 1000.0) / 1000.0);
	} else if (scan.timeline != NULL) {
		rc = check_timeline(range, a, dir, scan.timeline);
	}
cleanup:
	report_clear(&r);
	json_decref(scan.timeline);
	free(scan.error);
	free(error);
	free(path);
	free(dir);
	return rc;
}

/*
 * prepare()'s checks of each event the engine replays, in the engine's
 * pass: what check_journal() finds in a pass of its own. The report's
 * checks need the journal from its first event (a replay from the
 * engine's checkpoint is checked as check_from_checkpoint() checks it:
 * its clock and timeline, which the engine holds).
 */
struct journal_check {
	const char *path, *dir, *name;	/* borrowed */
	struct report r;	/* the events but rounds, when whole */
	bool seen, whole;	/* whole: the replay began at event 1 */
	bool refused;	/* the error is ours, and says nothing was built */
};

/* Refuses the replay with "journal 'PATH': WHY"; why is freed. */
static int
refuse(struct journal_check *c, char *why, char **error)
{
	*error = xasprintf("journal '%s': %s; nothing was built", c->path,
	    why);
	free(why);
	c->refused = true;
	return -1;
}

static int
check_event(void *ctx, const struct journal_event *je, char **error)
{
	struct journal_check *c = ctx;
	const struct event *ev = je->ev;
	char *why = NULL;

	if (!c->seen)
		c->whole = je->seq == 1;
	c->seen = true;
	if (ev == NULL)
		return refuse(c, xstrdup(je->error), error);
	if (ev->type == EVENT_EXERCISE && strcmp(ev->u.exercise.name,
	    c->name) != 0) {
		*error = xasprintf("the journal in '%s' belongs to exercise "
		    "'%s', not '%s'; nothing was built: give another --state "
		    "folder", c->dir, ev->u.exercise.name, c->name);
		c->refused = true;
		return -1;
	}
	/* A round before the exercise is refused as the report refuses it. */
	if (!c->whole || (ev->type == EVENT_ROUND && c->r.started))
		return 0;
	if (report_apply_event(&c->r, ev, &why) < 0)
		return refuse(c, why, error);
	return 0;
}

/*
 * The state folder read once, before anything connects or is built
 * (issue 13), by the engine's replay and the dashboard's view together
 * (issue 16: one pass): a journal damaged or of another exercise is
 * refused, one whose exercise ended has nothing left to run, and a
 * scenario whose MSEL or scoring changed since is refused unless
 * --accept-changes. Nothing acts until the pass has ended and passed.
 * Returns EXIT_OK with p->e replayed, RUN_ENDED, or EXIT_FAILED having
 * said why; p is cleared but for EXIT_OK.
 */
static int
prepare(const struct range *range, struct prepared *p)
{
	const struct run_args *a = p->a;
	struct journal_check c = { .name = range->plan->exercise };
	char *error = NULL, *path;
	double t;
	int rc = EXIT_OK;

	p->state_dir = state_dir_of(a, range);
	path = xasprintf("%s/%s", p->state_dir, JOURNAL_FILE);
	c.dir = p->state_dir;
	c.path = path;
	report_init(&c.r);
	p->d = (struct dashboard){ .state_dir = p->state_dir, .quiet =
	    a->quiet };
	/* check_ctx is only called within engine_replayed(). */
	p->opts = (struct engine_opts){ .state_dir = p->state_dir, .speed =
	    a->speed, .wait_for_start = a->wait_for_start, .accept_changes =
	    a->accept_changes, .simulate_checks = a->simulate_checks,
	    .signals = true, .log = a->quiet ? NULL : stderr, .observe_ctx =
	    &p->d, .check_replayed = check_event, .check_ctx = &c };
	/*
	 * The view starts from its own checkpoint (or empty), and the
	 * engine's replay hands it every later event, in the engine's one
	 * pass over the journal: from the view's place when that comes
	 * before the engine's checkpoint. Only the dashboard reads the view:
	 * without one (--listen off) there is none, and a restart takes the
	 * engine's time alone.
	 */
	if (a->listen != NULL) {
		view_restore_lazy(&p->d.view, range->plan, p->state_dir,
		    &p->opts.observed_seq, &p->opts.observed_offset,
		    a->quiet ? NULL : stderr);
		p->d.view_ready = true;
		p->opts.observe = observe;
		p->opts.observe_replayed = observe_replayed;
		p->opts.checkpointed = checkpointed;
	}
	p->e = engine_replayed(range->plan, &p->opts, &error);
	if (p->e == NULL) {
		fprintf(stderr, c.refused ? "rangectl run: %s\n" :
		    "rangectl run: %s; nothing was built\n", error);
		rc = EXIT_FAILED;
	} else if (engine_ended(p->e, &t)) {
		rc = say_ended(c.name, p->state_dir, round(t * 1000.0) / 1000.0);
	} else if (engine_changes_check(p->e, &error) < 0) {
		fprintf(stderr, "rangectl run: %s\nnothing was built\n", error);
		rc = EXIT_FAILED;
	}
	report_clear(&c.r);
	free(path);
	free(error);
	if (rc != EXIT_OK)
		prepared_clear(p);
	return rc;
}

/*
 * cmd_open_cluster_checked()'s check: prepare(), but with --reset, which
 * moves the journal aside once nodes are open, check_journal() alone
 * (prepare() follows the move, on a journal that is no more).
 */
static int
check_state(const struct range *range, void *arg)
{
	struct prepared *p = arg;

	if (p->a->reset)
		return check_journal(range, p->a);
	return prepare(range, p);
}

/*
 * --netns: the dashboard's socket opens here, where browsers are; then the
 * whole process (no thread exists yet) moves to the guests' namespace.
 */
static int
enter_netns(struct run_args *a)
{
	char *error = NULL;

	if (a->netns == NULL)
		return 0;
	if (a->listen != NULL) {
		a->listen_fd = http_listen(a->listen, &error);
		if (a->listen_fd < 0)
			goto fail;
	}
	if (netns_enter(a->netns, &error) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "rangectl run: %s\n", error);
	free(error);
	return -1;
}

/*
 * --reset: DIR/NAME renamed to DIR/NAME.STAMP, never deleted (the exercise
 * it held may still be wanted). 0, or -1 with the reason printed.
 */
static int
move_aside(const char *dir, const char *name, const char *stamp)
{
	char *from = xasprintf("%s/%s", dir, name);
	char *to = xasprintf("%s.%s", from, stamp);
	int rc = 0;

	if (access(to, F_OK) == 0) {
		fprintf(stderr, "rangectl run: cannot move '%s' aside: '%s' exists "
		    "already\n", from, to);
		rc = -1;
	} else if (rename(from, to) == 0) {
		fprintf(stderr, "--reset: '%s' moved to '%s'\n", from, to);
	} else if (errno != ENOENT) {
		fprintf(stderr, "rangectl run: cannot move '%s' aside to '%s': "
		    "%s\n", from, to, strerror(errno));
		rc = -1;
	}
	free(to);
	free(from);
	return rc;
}

/* --reset: the journal and checkpoint of dir moved aside, tokens kept. */
static int
reset_state(const char *dir)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(stamp, sizeof(stamp), "reset-%Y%m%dT%H%M%S", gmtime_r(&now,
	    &tm));
	/* checkpoint.json: the engine's ENGINE_CHECKPOINT */
	return move_aside(dir, JOURNAL_FILE, stamp) < 0 ||
	    move_aside(dir, "checkpoint.json", stamp) < 0 ||
	    move_aside(dir, VIEW_CHECKPOINT, stamp) < 0 ? -1 : 0;
}

/*
 * A rehearsal on libvirt's test driver has no guest to check: its planned
 * addresses may be anyone's on the controller's network (10.1.1.10 may
 * be a production server), so without --netns to put them in a namespace
 * of their own no check is sent at all, and the results are simulated.
 * Said once, at start.
 */
static void
choose_checks(const struct cluster *cl, struct run_args *a)
{
	bool test_driver = false;

	for (size_t i = 0; i < cl->n; i++)
		test_driver |= cl->nodes[i].test_driver;
	a->test_driver = test_driver;
	if (test_driver && a->netns == NULL)
		a->simulate_checks = true;
	if (a->quiet)
		return;
	if (a->simulate_checks && test_driver && a->netns == NULL)
		fprintf(stderr, "checks: simulated, as libvirt's test driver has "
		    "no guests: no check is sent to the scenario's addresses "
		    "(give --netns NAME to send them inside that namespace)\n");
	else if (a->simulate_checks)
		fprintf(stderr, "checks: simulated (--simulate-checks): no check "
		    "is sent\n");
}

static int
run(const struct cmd_ctx *ctx, const char *file, struct run_args *a)
{
	sigset_t engine_signals, stop_signals;
	json_t *range_event = NULL;
	struct prepared p = { .a = a };
	struct range range;
	struct cluster cl;
	int rc;

	/*
	 * The engine takes its signals through a signalfd, which only works
	 * if no thread can take them first: libvirt's event loop thread,
	 * started when the connection opens, must inherit them blocked.
	 * Interrupting `up` stays as it was: INT and TERM end it.
	 */
	sigemptyset(&engine_signals);
	sigaddset(&engine_signals, SIGINT);
	sigaddset(&engine_signals, SIGTERM);
	sigaddset(&engine_signals, SIGUSR1);
	sigaddset(&engine_signals, SIGUSR2);
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	if (enter_netns(a) < 0)
		return EXIT_FAILED;
	pthread_sigmask(SIG_BLOCK, &engine_signals, NULL);
	rc = cmd_open_cluster_checked(ctx, file, a->connect, &a->nodes, &range,
	    &cl, check_state, prepared_undo, &p);
	if (rc == RUN_ENDED)
		return EXIT_OK;
	if (rc != EXIT_OK)
		return rc;
	choose_checks(&cl, a);
	pthread_sigmask(SIG_UNBLOCK, &stop_signals, NULL);
	if (a->state_dir == NULL && mkdir("state", 0755) < 0 && errno != EEXIST)
		fprintf(stderr, "rangectl run: cannot make folder 'state': %s\n",
		    strerror(errno));
	if (a->reset) {
		char *dir = state_dir_of(a, &range);

		rc = reset_state(dir) < 0 ? EXIT_FAILED : EXIT_OK;
		free(dir);
		/* The view's restorer thread takes no signal of the engine's. */
		pthread_sigmask(SIG_BLOCK, &engine_signals, NULL);
		if (rc == EXIT_OK && (rc = prepare(&range, &p)) == RUN_ENDED)
			rc = EXIT_FAILED;	/* not after a reset */
		pthread_sigmask(SIG_UNBLOCK, &stop_signals, NULL);
	}
	if (rc != EXIT_OK || provision(&range, &cl, a, &range_event) < 0) {
		rc = EXIT_FAILED;
	} else {
		pthread_sigmask(SIG_BLOCK, &engine_signals, NULL);
		rc = run_engine(&range, &cl, &p, range_event);
	}
	prepared_clear(&p);
	json_decref(range_event);
	cluster_close(&cl);
	range_clear(&range);
	return rc;
}

static int
parse_speed(const char *text, double *speed)
{
	char *end;

	errno = 0;
	*speed = strtod(text, &end);
	return errno == 0 && end != text && *end == '\0' && isfinite(*speed) &&
	    *speed > 0 && *speed <= 100000 ? 0 : -1;
}

/* A whole number from lo to hi into *n. Returns 0, or -1. */
static int
parse_count(const char *text, long lo, long hi, long *n)
{
	char *end;

	errno = 0;
	*n = strtol(text, &end, 10);
	return errno == 0 && end != text && *end == '\0' && *n >= lo &&
	    *n <= hi ? 0 : -1;
}

/* A duration option's value into *seconds, or a usage error naming it. */
static int
duration_option(const struct cmd_ctx *ctx, const char *name,
    const char *value, long *seconds)
{
	const char *why;

	if (units_parse_duration(value, seconds, &why) < 0)
		return cmd_usage_error(ctx, "invalid --%s '%s': %s", name, value,
		    why);
	return CMD_GO_ON;
}

static int
run_option(const struct cmd_ctx *ctx, int key, const char *value, void *arg)
{
	struct run_args *a = arg;
	long seconds;
	int rc = CMD_GO_ON;

	switch (key) {
	case 'c': a->connect = value; break;
	case 'U': cmd_nodes_add(&a->nodes, value); break;
	case 's': a->state_dir = value; break;
	case 'l': a->listen = strcmp(value, "off") == 0 ? NULL : value; break;
	case 'W': a->web_root = value; break;
	case 'C': a->tls_cert = value; break;
	case 'K': a->tls_key = value; break;
	case 'p': a->pool_root = value; break;
	case 'N': a->netns = value; break;
	case 'n': a->no_up = true; break;
	case 'M': a->simulate_checks = true; break;
	case 'w': a->wait_for_start = true; break;
	case 'A': a->accept_changes = true; break;
	case 'R': a->reset = true; break;
	case 'j': a->json = true; break;
	case 'q': a->quiet = true; break;
	case 'S':
		if (parse_speed(value, &a->speed) < 0)
			rc = cmd_usage_error(ctx, "invalid --speed '%s': give a "
			    "number above 0, at most 100000", value);
		break;
	case 't':
		rc = duration_option(ctx, "timeout", value, &a->timeout);
		break;
	case 'L':
		rc = duration_option(ctx, "linger", value, &a->linger);
		break;
	case 'k':
		rc = duration_option(ctx, "keepalive", value, &seconds);
		if (rc == CMD_GO_ON && (seconds < 1 || seconds > 3600))
			rc = cmd_usage_error(ctx, "invalid --keepalive '%s': "
			    "give 1s to 1h", value);
		if (rc == CMD_GO_ON)
			a->keepalive = seconds;
		break;
	case 'G': a->self_signed = true; break;
	case 'X': a->insecure_http = true; break;
	case 'O': a->no_tokens = true; break;
	case 'I':
		rc = duration_option(ctx, "session-idle", value,
		    &a->session_idle);
		break;
	case 'T':
		rc = duration_option(ctx, "session-lifetime", value,
		    &a->session_lifetime);
		break;
	case 'P':
		if (parse_count(value, 1, HTTP_CONNECTIONS_MAX,
		    &a->streams_per_person) < 0)
			rc = cmd_usage_error(ctx, "invalid --streams-per-person "
			    "'%s': give a whole number from 1 to %d", value,
			    HTTP_CONNECTIONS_MAX);
		break;
	default:
		rc = cmd_usage_error(ctx, "unknown option");
	}
	return rc;
}

/*
 * Safe defaults on a network: plain HTTP only on loopback, unless told;
 * a certificate's two files together; sane session lifetimes.
 */
static int
check_listen(const struct cmd_ctx *ctx, const struct run_args *a)
{
	char addr[64];
	unsigned port;
	bool tls = a->tls_cert != NULL || a->self_signed;

	if ((a->tls_cert == NULL) != (a->tls_key == NULL))
		return cmd_usage_error(ctx, "give --tls-cert and --tls-key "
		    "together");
	if (a->self_signed && a->tls_cert != NULL)
		return cmd_usage_error(ctx, "give --tls-self-signed or --tls-cert, "
		    "not both");
	if (a->session_idle < 1 || a->session_lifetime < a->session_idle)
		return cmd_usage_error(ctx, "a session's idle time must be 1s or "
		    "more, and its lifetime no shorter");
	if (a->listen == NULL || tls || a->insecure_http)
		return CMD_GO_ON;
	if (http_parse_listen(a->listen, addr, sizeof(addr), &port) == 0 &&
	    strncmp(addr, "127.", 4) == 0)
		return CMD_GO_ON;
	return cmd_usage_error(ctx, "--listen %s is not a loopback address, and "
	    "plain HTTP would send passwords, cookies and tokens in clear: give "
	    "--tls-cert and --tls-key, or --tls-self-signed, or --insecure-http "
	    "if you mean it", a->listen);
}

/* The options into *a, then the run; a's node list stays the caller's. */
static int
parse_and_run(struct cmd_ctx *ctx, int argc, char **argv, struct run_args *a)
{
	int rc = cmd_parse_options(ctx, argc, argv, run_option, a);

	if (rc != CMD_GO_ON)
		return rc;
	if (argc - optind != 1)
		return cmd_usage_error(ctx, "give exactly one scenario file");
	rc = check_listen(ctx, a);
	if (rc != CMD_GO_ON)
		return rc;
	return run(ctx, argv[optind], a);
}

int
cmd_run(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct run_args a = { .speed = 1, .timeout = CMD_READY_TIMEOUT,
	    .pool_root = CMD_POOL_ROOT, .listen = HTTP_DEFAULT_LISTEN,
	    .linger = 10, .keepalive = HTTP_SSE_PING_SECONDS, .listen_fd = -1,
	    .streams_per_person = HTTP_STREAMS_PER_PERSON,
	    .session_idle = SESSION_IDLE_DEFAULT,
	    .session_lifetime = SESSION_LIFETIME_DEFAULT };
	int rc = parse_and_run(ctx, argc, argv, &a);

	cmd_nodes_clear(&a.nodes);
	return rc;
}
