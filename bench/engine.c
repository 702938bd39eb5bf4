/*
 * bench/engine.c: the exercise engine's three costs, measured side by side
 * in one run, each a median over RUNS repeats (interleaved, so that the
 * machine's noise falls on all of them alike):
 *
 *   1. how late 1,000 timed injects fire at --speed 100, through the real
 *      engine on libvirt's test driver, measured when each message is
 *      shown (the engine's observer, once durable); and what one
 *      journal_append (write + fdatasync) costs;
 *   2. how long a round of 1,000 checks of mixed kinds takes (check_run):
 *      tcp, http, smtp, pop3 and icmp to servers that answer, and 100 of
 *      every libcurl kind (http, https, ftp, smtp, imap, pop3, ldap) and
 *      ssh to a server that never answers;
 *   3. how long engine_new() takes to replay a journal of 100,000 events.
 *
 *	build/bench/engine [RUNS]	(default 5)
 *
 * and, for bench/compare, one figure alone (one line: its name and the
 * value of each run):
 *
 *	build/bench/engine --lateness RUNS	inject lateness (to its action:
 *		the message shown), real ms: median, p99, max; how many more
 *		than 50 ms late; the journal's fdatasyncs and the longest;
 *		the p99 of the decision to fire (the journal's "late")
 *	build/bench/engine --fsync RUNS	a bare fdatasync of one small
 *		write, N_APPENDS of them paced as the injects: median, p99,
 *		max (ms), how many took more than 50 ms, and how many injects
 *		fall due in the first (d - 50) ms of those (any writer's floor)
 *	build/bench/engine --overlap RUNS	the floor of any journal that
 *		syncs an intent first, measured: N_APPENDS appends paced
 *		alike, each synced at once on its own thread, overlapping:
 *		how many were more than 50 ms late, and the p99 (ms)
 *	build/bench/engine --round RUNS	the check round alone: its time
 *					over the timeout, each run
 *	build/bench/engine --write-state DIR [paused|ended [EVENTS]]
 *		DIR/replay.yaml and its journal of EVENTS events (default
 *		100,000), its clock ended (or
 *		paused, for a run that serves the dashboard), with the
 *		checkpoints the engine and the dashboard's view leave (for
 *		`rangectl run DIR/replay.yaml --state DIR`)
 *	build/bench/engine --parse RUNS	the replay's parse per byte, on
 *		one thread: every line of the 100,000-event journal through
 *		json_loadb() and event_decode() (every replay's path before
 *		event_scan_round()), then through journal_read_from()'s
 *		path (event_scan_round(), the rest as before); MB/s of each
 *		and their ratio, each run (rotated)
 *	build/bench/engine --restart DIR RUNS	the restart of such a
 *		folder in this process: the view from its checkpoint, then
 *		engine_new, ms each, and the peak RSS
 *
 * Every socket is on 127.0.0.1; every file is under a mkdtemp() folder in
 * $TMPDIR (or /tmp), removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "rangectl/check.h"
#include "rangectl/engine.h"
#include "rangectl/event.h"
#include "rangectl/event_scan.h"
#include "rangectl/inject.h"
#include "rangectl/journal.h"
#include "rangectl/plan.h"
#include "rangectl/scenario.h"
#include "rangectl/util.h"
#include "rangectl/view.h"
#include "rangectl/virt.h"

#define MAX_RUNS 51

#define N_INJECTS 1000
#define INJECT_EVERY 2		/* exercise seconds between two injects */
#define SPEED 100.0
#define N_APPENDS 1000

#define N_PROBES 1000
#define N_SILENT 100		/* every tenth probe */
#define CHECK_TIMEOUT_MS 1000
#define ANSWER "HTTP/1.0 200 OK\r\n\r\nrangectl"

#define N_TRUTH 1000		/* --observations: injects with truth */
#define N_OBSERVATIONS 10000	/* and observations during the run */

#define N_EVENTS 100000
#define REPLAY_WALL0 1795000000.0

/* ---- small helpers ----------------------------------------------------- */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v; its median. v[0] and v[n - 1] are then the min and max. */
static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), compare);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The nearest-rank percentile p (0..1] of v, sorted. */
static double
percentile(const double *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p * (double)n);

	return v[rank > 0 ? rank - 1 : 0];
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
remove_tree(const char *dir)
{
	if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "bench: cannot remove '%s': %s\n", dir,
		    strerror(errno));
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "bench: %s: %s\n", what, why);
	exit(1);
}

/* A hung engine or round must not hang `make bench`: say so and stop. */
static void
on_alarm(int signo)
{
	static const char msg[] = "bench: no result within the watchdog's time: "
	    "something hangs\n";

	(void)signo;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void
watchdog(unsigned seconds)
{
	signal(SIGALRM, on_alarm);
	alarm(seconds);
}

/*
 * The plan of a scenario in YAML text, which is freed at once as in
 * range_load(); exits when either fails.
 */
static struct plan *
load(const char *text, const char *path)
{
	struct diag_list diags;
	struct scenario *sc;
	struct plan *plan;

	diag_list_init(&diags);
	sc = scenario_load_buffer(text, strlen(text), path, &diags);
	plan = sc ? plan_build(sc, &diags) : NULL;
	scenario_free(sc);
	if (plan == NULL) {
		diag_print(&diags, path, stderr);
		exit(1);
	}
	diag_list_clear(&diags);
	return plan;
}

static void
machine(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256], *model = NULL;

	while (f != NULL && model == NULL && fgets(line, sizeof(line), f))
		if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
			model = xstrdup(strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = '\0';
		}
	if (f != NULL)
		fclose(f);
	printf("machine: nproc %ld, %s\n", sysconf(_SC_NPROCESSORS_ONLN),
	    model ? model : "unknown CPU");
	free(model);
}

/* ---- 1. inject lateness ----------------------------------------------- */

/*
 * One blue team with one host, N_INJECTS message injects INJECT_EVERY
 * exercise seconds apart (a message needs no domain, so the test driver
 * needs nothing provisioned), and rounds with nothing to check.
 */
static char *
lateness_scenario(bool with_truth)
{
	struct strbuf sb;
	int i;

	strbuf_init(&sb);
	strbuf_printf(&sb, "version: 1\nexercise: {name: lateness, duration: "
	    "%ds}\nimages:\n  app: {kernel: vmlinuz, initrd: app.cpio.gz}\n"
	    "teams:\n  - {id: ro, role: blue, members: [ana]}\n"
	    "networks:\n  - {id: lan, cidr: 10.0.0.0/24}\nhosts:\n"
	    "  - {id: web, team: ro, image: app, memory: 64M, nics: [{network: "
	    "lan, ip: .10}]}\ninjects:\n", (N_INJECTS + 1) * INJECT_EVERY);
	for (i = 1; i <= N_INJECTS; i++)
		strbuf_printf(&sb, "  - {id: m%d, at: %ds, action: message, to: ro, "
		    "text: \"message %d of %d\"}\n", i, i * INJECT_EVERY, i,
		    N_INJECTS);
	/*
	 * With truth: N_TRUTH manual injects that never fire, each an attack
	 * on ro whose truth the observations are matched against (issue 14's
	 * size: 10 red addresses, so each is an indicator of a hundred).
	 */
	for (i = 1; with_truth && i <= N_TRUTH; i++)
		strbuf_printf(&sb, "  - {id: t%d, trigger: manual, action: exec, "
		    "target: ro/web, command: \"true\", truth: {technique: T1059, "
		    "indicators: [{type: ipv4, value: \"10.99.0.%d\"}, {type: url, "
		    "value: \"http://{target.ip}/p%d\"}]}}\n", i, 10 + i % 10, i);
	strbuf_append(&sb, "scoring: {interval: 60s, timeout: 1s}\n");
	return strbuf_steal(&sb);
}

/* Late by more than this (real ms) is what a cascade would show. */
#define LATE_MS 50.0

/* What one engine run's journal says, and what its observer saw. */
struct late_read {
	double *late;	/* real ms, one per message shown (its action) */
	size_t n;
	double *decided;	/* real ms: the journal's "late", the decision's */
	size_t injects;
	size_t results;
	char *last_clock;
	struct engine *e;	/* for the clock, once made */
};

static int
read_event(const json_t *ev, void *ctx)
{
	struct late_read *r = ctx;
	const char *type = json_string_value(json_object_get(ev, "type"));

	if (type == NULL)
		return 0;
	if (strcmp(type, "inject") == 0 && r->injects < N_INJECTS) {
		r->decided[r->injects++] = json_number_value(json_object_get(ev,
		    "late")) / SPEED * 1000.0;
	} else if (strcmp(type, "inject_result") == 0) {
		r->results++;
	} else if (strcmp(type, "clock") == 0) {
		const char *state = json_string_value(json_object_get(ev, "state"));

		free(r->last_clock);
		r->last_clock = xstrdup(state ? state : "(none)");
	}
	return 0;
}

/*
 * The engine's observer: a message event is handed on once durable,
 * which is when its inject's action (the message shown) happens. Its
 * lateness is the exercise time now, by the engine's own clock, less
 * the inject's time ("mK" is at K * INJECT_EVERY), in real ms: the
 * decision's delay, the queue and the sync it waited for, all of it.
 */
static void
watch_event(void *ctx, const json_t *ev)
{
	struct late_read *r = ctx;
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *id = json_string_value(json_object_get(ev, "inject"));
	json_t *snap;
	double elapsed;

	if (r->e == NULL || type == NULL || strcmp(type, "message") != 0 ||
	    id == NULL || id[0] != 'm' || r->n >= N_INJECTS)
		return;
	snap = engine_snapshot(r->e);
	elapsed = json_number_value(json_object_get(snap, "elapsed"));
	json_decref(snap);
	r->late[r->n++] = (elapsed - (double)(strtol(id + 1, NULL, 10) *
	    INJECT_EVERY)) / SPEED * 1000.0;
}

/*
 * --observations: a thread that hands the engine N_OBSERVATIONS
 * observations of team ro, as the API does (engine_call), spread over
 * the run, while the injects fire: each is journaled and matched against
 * N_TRUTH injects' truth where durable events are applied.
 */
struct obs_flood {
	pthread_t thread;
	struct engine *e;
	volatile bool stop;
	long recorded, refused;
};
static struct obs_flood *flood;

static json_t *
observation(long i)
{
	char red[32], url[64], junk[32];

	snprintf(red, sizeof(red), "10.99.0.%ld", 10 + i % 10);
	snprintf(url, sizeof(url), "http://10.0.0.10/p%ld", 1 + i % N_TRUTH);
	snprintf(junk, sizeof(junk), "198.51.100.%ld", i % 250);
	return json_pack("{s:s, s:n, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}], "
	    "s:n, s:n}", "tlp", "TLP:AMBER", "technique", "indicators", "type",
	    "ipv4", "value", red, "type", "url", "value", url, "type", "ipv4",
	    "value", junk, "text", "seen");
}

static void *
flood_loop(void *arg)
{
	struct obs_flood *f = arg;
	double every = (double)(N_INJECTS + 1) * INJECT_EVERY / SPEED /
	    N_OBSERVATIONS, next = now();
	long i = 0;

	while (!f->stop && i < N_OBSERVATIONS) {
		json_t *o = observation(i), *answer = NULL;
		struct engine_command cmd = { .kind = ENGINE_INTEL, .by = "ana",
		    .arg = "ro", .json = o };
		char *error = NULL;

		if (engine_call(f->e, &cmd, &answer, &error) == 0) {
			f->recorded++;
			i++;
		} else {
			f->refused++;	/* not started yet, or ended */
		}
		json_decref(answer);
		json_decref(o);
		free(error);
		next += every;
		while (now() < next && !f->stop)
			usleep(200);
	}
	return NULL;
}

static void
flood_start(struct obs_flood *f, struct engine *e)
{
	f->e = e;
	f->stop = false;
	f->recorded = f->refused = 0;
	if (pthread_create(&f->thread, NULL, flood_loop, f) != 0)
		die("cannot start the observations' thread", strerror(errno));
}

static void
flood_stop(struct obs_flood *f)
{
	f->stop = true;
	pthread_join(f->thread, NULL);
}

/* How many of the n values of v (sorted) are over limit. */
static size_t
count_over(const double *v, size_t n, double limit)
{
	size_t k = 0;

	while (k < n && v[n - 1 - k] > limit)
		k++;
	return k;
}

/*
 * One run of the engine, in real ms: its lateness median, p99 and max,
 * how many injects were more than LATE_MS late, the journal's syncs and
 * the longest of them, and the p99 of the journal's "late" (the decision
 * to fire, before its sync: what this bench measured before issue 16).
 */
static void
run_lateness(const struct plan *plan, struct virt *virt, const char *tmp,
    double out[7])
{
	struct engine_opts opts = { .speed = SPEED, .observe = watch_event };
	struct late_read r = { .late = xcalloc(N_INJECTS, sizeof(double)),
	    .decided = xcalloc(N_INJECTS, sizeof(double)) };
	char *dir = xasprintf("%s/lateness", tmp), *path, *error = NULL;
	struct engine *e;
	json_t *snap;
	double t0;
	long n;
	int rc;

	opts.state_dir = dir;
	opts.observe_ctx = &r;
	watchdog((unsigned)((N_INJECTS + 1) * INJECT_EVERY / SPEED) * 3 + 10);
	e = engine_new(plan, virt, &opts, &error);
	if (e == NULL)
		die("engine_new", error);
	r.e = e;
	if (flood != NULL)
		flood_start(flood, e);
	t0 = now();
	rc = engine_run(e, &error);
	if (flood != NULL)
		flood_stop(flood);
	if (rc != 0)
		die("engine_run did not end the exercise", error ? error :
		    "interrupted");
	snap = engine_snapshot(e);
	out[4] = json_number_value(json_object_get(json_object_get(snap,
	    "journal"), "syncs"));
	out[5] = json_number_value(json_object_get(json_object_get(snap,
	    "journal"), "sync_max")) * 1e3;
	json_decref(snap);
	engine_free(e);
	alarm(0);
	t0 = now() - t0;
	path = xasprintf("%s/%s", dir, JOURNAL_FILE);
	n = journal_replay(path, read_event, &r, &error);
	if (n < 0)
		die("reading the journal back", error);
	if (r.n != N_INJECTS || r.injects != N_INJECTS || r.results !=
	    N_INJECTS || r.last_clock == NULL ||
	    strcmp(r.last_clock, "ended") != 0) {
		fprintf(stderr, "bench: the journal of %.1f s holds %zu inject and "
		    "%zu inject_result events, %zu messages were seen (want %d "
		    "each), last clock '%s'\n", t0, r.injects, r.results, r.n,
		    N_INJECTS, r.last_clock ? r.last_clock : "(none)");
		exit(1);
	}
	qsort(r.late, r.n, sizeof(double), compare);
	out[0] = percentile(r.late, r.n, 0.5);
	out[1] = percentile(r.late, r.n, 0.99);
	out[2] = r.late[r.n - 1];
	out[3] = (double)count_over(r.late, r.n, LATE_MS);
	qsort(r.decided, r.injects, sizeof(double), compare);
	out[6] = percentile(r.decided, r.injects, 0.99);
	remove_tree(dir);
	free(r.decided);
	free(r.late);
	free(r.last_clock);
	free(path);
	free(dir);
}

/* The median, p99 and max of one journal_append (write + fdatasync), ms. */
static void
run_appends(const char *tmp, double out[3])
{
	double *t = xcalloc(N_APPENDS, sizeof(double)), t0;
	char *dir = xasprintf("%s/appends", tmp), *error = NULL;
	struct journal j;
	int i;

	if (journal_open(&j, dir, &error) < 0)
		die("journal_open", error);
	for (i = 0; i < N_APPENDS; i++) {
		json_t *ev = json_pack("{s:s, s:s, s:s, s:i, s:f, s:f, s:f, s:b, "
		    "s:n, s:[s], s:f, s:f}", "type", "inject", "id", "recon",
		    "action", "exec", "firing", 1, "scheduled", 300.0, "actual",
		    300.004, "late", 0.004, "manual", 0, "by", "targets",
		    "reh-ro-web", "t", 300.004, "wall", REPLAY_WALL0 + 300.004);

		t0 = now();
		if (journal_append(&j, ev, &error) < 0)
			die("journal_append", error);
		t[i] = (now() - t0) * 1e3;
		json_decref(ev);
	}
	journal_close(&j);
	qsort(t, N_APPENDS, sizeof(double), compare);
	out[0] = percentile(t, N_APPENDS, 0.5);
	out[1] = percentile(t, N_APPENDS, 0.99);
	out[2] = t[N_APPENDS - 1];
	remove_tree(dir);
	free(dir);
	free(t);
}

/*
 * The appends' pace, the injects' (one every INJECT_EVERY / SPEED s):
 * moves *next on to the next one's due time and sleeps until then (not
 * at all when it is past).
 */
static void
pace_next(double *next)
{
	double t0 = now();
	struct timespec ts;

	*next += INJECT_EVERY / SPEED;
	if (t0 < *next) {
		ts.tv_sec = (time_t)(*next - t0);
		ts.tv_nsec = (long)((*next - t0 - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

/* An append's 200 bytes: a line, as an event of the journal is. */
static void
append_line(char line[200])
{
	memset(line, 'x', 199);
	line[199] = '\n';
}

/*
 * The physical limit of a synced append: N_APPENDS pwrite of 200 bytes
 * at the end of a file, each followed by fdatasync, one every
 * INJECT_EVERY / SPEED s as the injects fall due (or at once after the
 * last, if it took longer): their median, p99 and max in ms, how many
 * took more than LATE_MS, and how many injects due meanwhile those
 * stalls cover.
 */
static void
run_fsyncs(const char *tmp, double out[5])
{
	double *t = xcalloc(N_APPENDS, sizeof(double)), t0, next = now();
	char *path = xasprintf("%s/fsyncs", tmp), line[200];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600), i;

	if (fd < 0)
		die(path, strerror(errno));
	append_line(line);
	for (i = 0; i < N_APPENDS; i++) {
		pace_next(&next);
		t0 = now();
		if (write(fd, line, sizeof(line)) != (ssize_t)sizeof(line) ||
		    fdatasync(fd) < 0)
			die(path, strerror(errno));
		t[i] = (now() - t0) * 1e3;
	}
	close(fd);
	unlink(path);
	qsort(t, N_APPENDS, sizeof(double), compare);
	out[0] = percentile(t, N_APPENDS, 0.5);
	out[1] = percentile(t, N_APPENDS, 0.99);
	out[2] = t[N_APPENDS - 1];
	out[3] = (double)count_over(t, N_APPENDS, LATE_MS);
	/*
	 * A sync of d ms stalls whatever falls due in its first d - LATE_MS
	 * ms by more than LATE_MS, however it is written: the injects due
	 * every INJECT_EVERY / SPEED s in those windows are the floor of how
	 * many any journal must have that late under this load.
	 */
	out[4] = 0;
	for (i = 0; i < N_APPENDS; i++)
		if (t[i] > LATE_MS)
			out[4] += floor((t[i] - LATE_MS) / (INJECT_EVERY / SPEED *
			    1e3)) + 1;
	free(path);
	free(t);
}

/* One append's sync in run_overlapped(): when it began and ended. */
struct overlap_sync {
	int fd;
	double start, end;
	pthread_t thread;
};

static void *
overlap_sync(void *arg)
{
	struct overlap_sync *o = arg;

	o->start = now();
	if (fdatasync(o->fd) < 0)
		die("fdatasync", strerror(errno));
	o->end = now();
	return NULL;
}

/*
 * The floor of any journal that syncs an inject's intent before its
 * action, measured rather than modelled: N_APPENDS appends paced as the
 * injects, each written at its due time and synced at once on a thread of
 * its own, never waiting for a sync already under way (which no writer
 * could do better). An append is durable when the first sync that began
 * after its write ends (fdatasync covers every byte written before it).
 * out: how many were more than LATE_MS late, and the p99 of lateness, ms.
 */
static void
run_overlapped(const char *tmp, double out[2])
{
	struct overlap_sync *o = xcalloc(N_APPENDS, sizeof(*o));
	double *due = xcalloc(N_APPENDS, sizeof(double)), *wrote =
	    xcalloc(N_APPENDS, sizeof(double)), *late = xcalloc(N_APPENDS,
	    sizeof(double)), next = now(), durable;
	char *path = xasprintf("%s/overlapped", tmp), line[200];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600), i, j;
	pthread_attr_t attr;

	if (fd < 0)
		die(path, strerror(errno));
	append_line(line);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < N_APPENDS; i++) {
		pace_next(&next);
		due[i] = next;
		if (write(fd, line, sizeof(line)) != (ssize_t)sizeof(line))
			die(path, strerror(errno));
		wrote[i] = now();
		o[i].fd = fd;
		if (pthread_create(&o[i].thread, &attr, overlap_sync, &o[i]) != 0)
			die("pthread_create", strerror(errno));
	}
	for (i = 0; i < N_APPENDS; i++)
		pthread_join(o[i].thread, NULL);
	pthread_attr_destroy(&attr);
	for (i = 0; i < N_APPENDS; i++) {
		durable = o[i].end;
		for (j = i + 1; j < N_APPENDS; j++)
			if (o[j].start >= wrote[i] && o[j].end < durable)
				durable = o[j].end;
		late[i] = (durable - due[i]) * 1e3;
	}
	close(fd);
	unlink(path);
	qsort(late, N_APPENDS, sizeof(double), compare);
	out[0] = (double)count_over(late, N_APPENDS, LATE_MS);
	out[1] = percentile(late, N_APPENDS, 0.99);
	free(path);
	free(late);
	free(wrote);
	free(due);
	free(o);
}

/* ---- 2. a round with silent servers ------------------------------------ */

/* What a server says: nothing, an http answer, or a mail server's lines. */
enum server_kind { SERVER_SILENT, SERVER_HTTP, SERVER_SMTP, SERVER_POP3 };

/* A server on 127.0.0.1 with its own epoll thread. */
struct server {
	int kind;	/* enum server_kind; silent: accept, read, never answer */
	int lfd;
	int stopfd;
	int epfd;
	int port;
	pthread_t thread;
};

/* One accepted connection: what came of the request so far. */
struct conn {
	int fd;
	size_t len;
	char buf[1024];
};

static void
conn_close(struct conn *c)
{
	close(c->fd);	/* also leaves the epoll set */
	free(c);
}

static void
server_accept(struct server *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn *c;
	int fd;

	while ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) >= 0) {
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		/* The mail servers speak first; failures show as the check's. */
		if (s->kind == SERVER_SMTP)
			(void)!send(fd, "220 bench ESMTP\r\n", 17, MSG_NOSIGNAL);
		else if (s->kind == SERVER_POP3)
			(void)!send(fd, "+OK bench\r\n", 11, MSG_NOSIGNAL);
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			conn_close(c);
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		fprintf(stderr, "bench: server cannot accept: %s\n",
		    strerror(errno));
}

/* smtp: 250 to every line (EHLO); pop3: -ERR to every one (CAPA). */
static void
server_lines(const struct server *s, struct conn *c)
{
	const char *eol;

	while ((eol = memchr(c->buf, '\n', c->len)) != NULL) {
		size_t used = (size_t)(eol - c->buf) + 1;

		if (s->kind == SERVER_SMTP)
			(void)!send(c->fd, "250 bench\r\n", 11, MSG_NOSIGNAL);
		else
			(void)!send(c->fd, "-ERR\r\n", 6, MSG_NOSIGNAL);
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
}

/* Reads what came; answers a whole request (if s answers) and closes. */
static void
server_read(const struct server *s, struct conn *c)
{
	ssize_t r;

	for (;;) {
		if (c->len == sizeof(c->buf))
			c->len = 0;	/* the silent one reads and forgets */
		r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			conn_close(c);	/* the client is done (or gone) */
			return;
		}
		c->len += (size_t)r;
		if (s->kind == SERVER_SMTP || s->kind == SERVER_POP3) {
			server_lines(s, c);
			continue;
		}
		if (s->kind == SERVER_HTTP &&
		    memmem(c->buf, c->len, "\r\n\r\n", 4)) {
			if (send(c->fd, ANSWER, sizeof(ANSWER) - 1,
			    MSG_NOSIGNAL) < 0)
				fprintf(stderr, "bench: server cannot answer: %s\n",
				    strerror(errno));
			conn_close(c);
			return;
		}
	}
}

static void *
server_loop(void *arg)
{
	struct server *s = arg;
	struct epoll_event evs[64];
	int n, i;

	for (;;) {
		n = epoll_wait(s->epfd, evs, (int)ARRAY_SIZE(evs), -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &s->stopfd)
				return NULL;
			if (evs[i].data.ptr == s)
				server_accept(s);
			else
				server_read(s, evs[i].data.ptr);
		}
		if (n < 0 && errno != EINTR)
			die("server epoll_wait", strerror(errno));
	}
}

static void
server_start(struct server *s, int kind)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct epoll_event ev = { .events = EPOLLIN };
	socklen_t len = sizeof(sa);
	int one = 1;

	s->kind = kind;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->lfd, 4096) < 0 || getsockname(s->lfd,
	    (struct sockaddr *)&sa, &len) < 0)
		die("cannot listen on 127.0.0.1", strerror(errno));
	s->port = ntohs(sa.sin_port);
	s->stopfd = eventfd(0, EFD_CLOEXEC);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.ptr = s;
	if (s->stopfd < 0 || s->epfd < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev) < 0)
		die("cannot set up a server", strerror(errno));
	ev.data.ptr = &s->stopfd;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->stopfd, &ev) < 0)
		die("cannot set up a server", strerror(errno));
	if (pthread_create(&s->thread, NULL, server_loop, s) != 0)
		die("cannot start a server thread", "pthread_create failed");
}

/* Stops the thread. Connections still open are the kernel's to close. */
static void
server_stop(struct server *s)
{
	uint64_t one = 1;

	if (write(s->stopfd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		die("cannot stop a server", strerror(errno));
	pthread_join(s->thread, NULL);
	close(s->lfd);
	close(s->stopfd);
	close(s->epfd);
}

/* The live servers of the round, by kind. */
struct servers {
	struct server http, smtp, pop3, silent;
};

/*
 * 1,000 probes, every tenth to the silent server (of every libcurl kind
 * and ssh in turn), the others tcp, http, smtp, pop3 and icmp (to
 * 127.0.0.1, which always answers) in turn: the round's seconds.
 */
static double
run_round(const struct servers *sv)
{
	static const int live_kinds[] = { CHECK_TCP, CHECK_HTTP, CHECK_SMTP,
	    CHECK_POP3, CHECK_ICMP };
	static const int quiet_kinds[] = { CHECK_HTTP, CHECK_HTTPS, CHECK_FTP,
	    CHECK_SMTP, CHECK_IMAP, CHECK_POP3, CHECK_LDAP, CHECK_SSH };
	struct check_probe *p = xcalloc(N_PROBES, sizeof(*p));
	size_t i, up = 0, silent_down = 0;
	double t0;

	for (i = 0; i < N_PROBES; i++) {
		size_t every = N_PROBES / N_SILENT;
		bool quiet = i % every == every - 1;
		int kind = quiet ? quiet_kinds[i / every % ARRAY_SIZE(quiet_kinds)] :
		    live_kinds[i % ARRAY_SIZE(live_kinds)];

		p[i].addr = INADDR_LOOPBACK;
		p[i].kind = kind;
		p[i].port = quiet ? sv->silent.port : kind == CHECK_SMTP ?
		    sv->smtp.port : kind == CHECK_POP3 ? sv->pop3.port :
		    sv->http.port;
		p[i].expect_body = kind == CHECK_HTTP ? "rangectl" : NULL;
		p[i].insecure = true;	/* https: verify: false, as on a range */
	}
	watchdog(CHECK_TIMEOUT_MS / 1000 * 10 + 10);
	t0 = now();
	check_run(p, N_PROBES, CHECK_TIMEOUT_MS);
	t0 = now() - t0;

	alarm(0);
	for (i = 0; i < N_PROBES; i++) {
		up += p[i].up;
		silent_down += !p[i].up && p[i].port == sv->silent.port;
	}
	if (up != N_PROBES - N_SILENT || silent_down != N_SILENT) {
		for (i = 0; i < N_PROBES; i++)
			if (p[i].up == (p[i].port == sv->silent.port)) {
				fprintf(stderr, "bench: probe %zu (%s to port %d): "
				    "%s\n", i, check_kind_name(p[i].kind),
				    p[i].port, p[i].up ? "up" : p[i].reason);
				break;
			}
		fprintf(stderr, "bench: %zu of %d probes up, want exactly %d: the "
		    "round's time would mean nothing\n", up, N_PROBES,
		    N_PROBES - N_SILENT);
		exit(1);
	}
	free(p);
	return t0;
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2 * N_PROBES + 64)
		fprintf(stderr, "bench: warning: only %llu file descriptors for "
		    "%d client and %d server sockets\n",
		    (unsigned long long)rl.rlim_cur, N_PROBES, N_PROBES);
}

/* ---- 3. replay of a long journal --------------------------------------- */

/* The rehearsal's range (tests/engine/rehearsal.yaml), for a long time. */
static const char replay_scenario[] =
	"version: 1\n"
	"exercise: {name: replay, title: Replay bench, duration: 2000h}\n"
	"images: {appliance: {kernel: vmlinuz, initrd: app.cpio.gz}}\n"
	"teams:\n"
	"  - {id: ro, role: blue, name: Romania, members: [ana]}\n"
	"  - {id: md, role: blue, name: Moldova, members: [ion]}\n"
	"  - {id: red, role: red, members: [eve]}\n"
	"  - {id: white, role: white, members: [control]}\n"
	"networks:\n"
	"  - {id: internet, cidr: 100.64.0.0/24}\n"
	"  - {id: dmz, per_team: blue, cidr: \"10.{team.index}.1.0/24\", "
	"gateway: gw}\n"
	"hosts:\n"
	"  - {id: gw, per_team: blue, image: appliance, memory: 64M, router: "
	"true, nics: [{network: internet, ip: auto}, {network: dmz, ip: .1}]}\n"
	"  - id: web\n"
	"    per_team: blue\n"
	"    image: appliance\n"
	"    memory: 64M\n"
	"    nics: [{network: dmz, ip: .10}]\n"
	"    services:\n"
	"      - {id: http, check: http, port: 80, expect_body: rangectl, "
	"points: 5}\n"
	"      - {id: ssh, check: tcp, port: 22, points: 1}\n"
	"      - {id: httpd, check: exec, command: \"pidof httpd\", points: 2}\n"
	"  - {id: kali, team: red, image: appliance, memory: 64M, nics: "
	"[{network: internet, ip: .66}]}\n"
	"injects:\n"
	"  - {id: recon, at: 2m, from: red/kali, target: blue/web, action: exec,"
	" command: \"nc -z -w1 {target.ip} 80\"}\n"
	"  - {id: deface, at: 8m, target: blue/web, action: exec, command: "
	"\"echo defaced > /www/index.html\", compromise: {check: http, port: "
	"80, expect_body: defaced, penalty: 10}}\n"
	"  - {id: brief, at: 9m, action: message, to: \"*\", text: \"red is "
	"active\"}\n"
	"  - {id: halt-ro, at: 10m30s, target: ro/web, action: shutdown}\n"
	"  - {id: boot-ro, at: 12m30s, target: ro/web, action: start}\n"
	"  - {id: cut-md, at: 14m, target: md/gw, action: link_down, nic: "
	"internet, duration: 5m}\n"
	"  - {id: press, trigger: manual, action: message, to: blue, text: "
	"\"a journalist calls\"}\n"
	"scoring: {interval: 60s, timeout: 1s}\n";

/* Writing the journal: where it stands. */
struct gen {
	FILE *f;
	const struct plan *plan;
	unsigned long long seq;
	size_t bytes;
	json_t *link_up;	/* a link event due, or NULL */
	double link_at;
	long reports;
	unsigned press;
	bool defaced;
	size_t md_web;	/* the host that crashes now and then */
};

/* Writes ev (stolen) as the next line, at exercise time t. */
static void
emit(struct gen *g, json_t *ev, double t)
{
	char *text;

	t = round(t * 1000.0) / 1000.0;
	json_object_set_new(ev, "seq", json_integer((json_int_t)++g->seq));
	json_object_set_new(ev, "t", json_real(t));
	json_object_set_new(ev, "wall", json_real(REPLAY_WALL0 + t));
	text = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL || fprintf(g->f, "%s\n", text) < 0)
		die("cannot write the journal", strerror(errno));
	g->bytes += strlen(text) + 1;
	free(text);
	json_decref(ev);
}

static json_t *
names(const struct plan *plan, const size_t *hosts, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(plan->hosts[hosts[i]].name));
	return a;
}

static json_t *
team_ids(const struct plan_inject *pi)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < pi->n_to; i++)
		json_array_append_new(a, json_string(pi->to[i]->id));
	return a;
}

static json_t *
host_event(const struct plan_host *h, const char *state, const char *why)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "host", "name",
	    h->name, "team", h->team->id, "state", state, "reason", why);
}

/* One firing: its inject event, what it does, its inject_result. */
static void
emit_firing(struct gen *g, size_t i, double t, const char *by)
{
	const struct plan_inject *pi = &g->plan->injects[i];
	const struct plan_inject *src = pi;
	unsigned firing = by ? ++g->press : 1;
	json_t *results = json_array();
	size_t k, net;

	emit(g, json_pack("{s:s, s:s, s:s, s:I, s:o, s:f, s:f, s:b, s:o, s:o}",
	    "type", "inject", "id", src->id, "action", action_name(src->action),
	    "firing", (json_int_t)firing, "scheduled", by ? json_null() :
	    json_real(t), "actual", t + 0.004, "late", by ? 0.0 : 0.004,
	    "manual", by != NULL, "by", by ? json_string(by) : json_null(),
	    "targets", names(g->plan, pi->targets, pi->n_targets)), t + 0.004);
	if (src->action == ACTION_MESSAGE)
		emit(g, json_pack("{s:s, s:s, s:o, s:s, s:o}", "type", "message",
		    "inject", src->id, "to", team_ids(pi), "text", src->text,
		    "by", by ? json_string(by) : json_null()), t + 0.004);
	for (k = 0; k < pi->n_targets; k++) {
		const struct plan_host *h = &g->plan->hosts[pi->targets[k]];
		json_t *r = json_pack("{s:s, s:o, s:b, s:n, s:o, s:s, s:s, s:f}",
		    "host", h->name, "via", pi->n_from ? json_string(
		    g->plan->hosts[pi->from[0]].name) : json_null(), "ok", 1,
		    "error", "exit", src->action == ACTION_EXEC ? json_integer(0) :
		    json_null(), "out", src->action == ACTION_EXEC ? "80/tcp open\n" :
		    "", "err", "", "seconds", 0.25);

		if (src->command != NULL)
			json_object_set_new(r, "command", json_string(src->command));
		json_array_append_new(results, r);
		net = src->action == ACTION_LINK_DOWN ? inject_nic_network(g->plan,
		    pi->targets[k], src->nic) : PLAN_NONE;
		if (net == PLAN_NONE)
			continue;
		emit(g, json_pack("{s:s, s:s, s:s, s:b, s:s, s:b, s:n}", "type",
		    "link", "host", h->name, "network", g->plan->networks[net].name,
		    "up", 0, "inject", src->id, "ok", 1, "error"), t + 0.2);
		json_decref(g->link_up);
		g->link_up = json_pack("{s:s, s:s, s:s, s:b, s:s, s:b, s:n}", "type",
		    "link", "host", h->name, "network", g->plan->networks[net].name,
		    "up", 1, "inject", src->id, "ok", 1, "error");
		g->link_at = t + (double)src->duration;
	}
	emit(g, json_pack("{s:s, s:s, s:I, s:o}", "type", "inject_result", "id",
	    src->id, "firing", (json_int_t)firing, "results", results), t + 0.3);
	if (src->action == ACTION_SHUTDOWN || src->action == ACTION_START)
		for (k = 0; k < pi->n_targets; k++)
			emit(g, host_event(&g->plan->hosts[pi->targets[k]],
			    src->action == ACTION_START ? "running" : "shutoff",
			    src->action == ACTION_START ? "booted" :
			    "the guest shut down"), t + 0.5);
	if (src->compromise != NULL)
		g->defaced = true;
}

/* A round of every service, and of the defacement once it fired. */
static json_t *
round_event(const struct gen *g, long n, double at)
{
	json_t *checks = json_array(), *comps = json_array();
	size_t i, j;

	for (i = 0; i < g->plan->n_hosts; i++) {
		const struct plan_host *h = &g->plan->hosts[i];

		for (j = 0; h->team && j < h->n_services; j++) {
			const struct scenario_check *c = &h->services[j];
			bool up = (n + (long)(i * 7 + j * 3)) % 17 != 0;

			json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:s, "
			    "s:b, s:I, s:o}", "team", h->team->id, "host", h->name,
			    "service", c->id, "kind", check_kind_name(c->kind), "up",
			    up, "points", (json_int_t)(up ? c->points : 0), "reason",
			    up ? json_null() : json_string("no answer within 1 s")));
		}
		if (g->defaced && h->n_services > 0) {
			bool active = (n + (long)i) % 5 == 0;

			json_array_append_new(comps, json_pack("{s:s, s:s, s:s, s:s, "
			    "s:b, s:I, s:o}", "team", h->team->id, "host", h->name,
			    "inject", "deface", "kind", "http", "active", active,
			    "penalty", (json_int_t)(active ? 10 : 0), "reason", active ?
			    json_null() : json_string("body lacks 'defaced'")));
		}
	}
	return json_pack("{s:s, s:I, s:f, s:f, s:o, s:o}", "type", "round", "n",
	    (json_int_t)n, "at", at, "late", 0.002, "checks", checks,
	    "compromises", comps);
}

/* The controllers' part: a report and its grade, adjustments, a crash. */
static void
emit_people(struct gen *g, long n, double t)
{
	const struct plan_host *md_web = &g->plan->hosts[g->md_web];
	const char *team = n % 80 ? "ro" : "md";

	if (n % 40 == 0) {
		char *id = xasprintf("r%ld", ++g->reports);

		emit(g, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "type",
		    "report", "id", id, "team", team, "author", n % 80 ? "ana" :
		    "ion", "title", "Defacement of the web server", "body", "We "
		    "found the page changed at 08:12, restored it from the backup "
		    "and closed the upload form that let it in.", "inject", n % 3 ?
		    json_string("deface") : json_null()), t + 20);
		emit(g, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "type", "grade",
		    "report", id, "team", team, "points", (json_int_t)(5 + n % 6),
		    "comment", "clear timeline", "by", "control"), t + 40);
		free(id);
	}
	if (n % 150 == 0)
		emit(g, json_pack("{s:s, s:s, s:I, s:s, s:s}", "type", "adjustment",
		    "team", team, "points", (json_int_t)(n % 300 ? -3 : 2), "reason",
		    "late patching report", "by", "control"), t + 45);
	if (n % 200 == 0)
		emit(g, host_event(md_web, "crashed", "the guest crashed"), t + 50);
	if (n % 200 == 1)
		emit(g, host_event(md_web, "running", "booted"), t + 10);
}

/*
 * Writes path: the exercise, every host found running, the clock, then
 * rounds with the timed injects, firings of the manual one, reports,
 * grades, adjustments and host events among them, to exactly events
 * (N_EVENTS unless --write-state says) with the clock ended last. Returns
 * the file's size in bytes.
 */
static unsigned long long events = N_EVENTS;

static size_t
write_journal(const char *path, const struct plan *plan, const char *last)
{
	struct gen g = { .plan = plan };
	size_t i, next = 0, press = plan->n_injects - 1;
	long n;
	double t = 0;

	for (i = 0; i < plan->n_hosts; i++)
		if (plan->hosts[i].team && strcmp(plan->hosts[i].team->id, "md") == 0 &&
		    strcmp(plan->hosts[i].id, "web") == 0)
			g.md_web = i;
	g.f = fopen(path, "w");
	if (g.f == NULL)
		die(path, strerror(errno));
	emit(&g, engine_exercise_event(plan), 0);
	for (i = 0; i < plan->n_hosts; i++)
		emit(&g, host_event(&plan->hosts[i], "running", "found running"), 0);
	emit(&g, json_pack("{s:s, s:s, s:f, s:s, s:n}", "type", "clock", "state",
	    "running", "speed", 1.0, "reason", "started", "by"), 0);
	/* A round with what comes before it writes at most 16 events. */
	for (n = 1; g.seq < events - 1; n++) {
		t = (double)n * (double)plan->interval;
		for (; next < plan->n_injects && !plan->injects[next].manual &&
		    plan->injects[next].at <= t && g.seq + 16 < events; next++)
			emit_firing(&g, next, (double)plan->injects[next].at, NULL);
		if (g.link_up != NULL && g.link_at <= t && g.seq + 16 < events) {
			emit(&g, g.link_up, g.link_at);
			g.link_up = NULL;
		}
		if (n % 50 == 25 && g.seq + 16 < events)
			emit_firing(&g, press, t - 30, "control");
		if (g.seq + 16 < events)
			emit_people(&g, n, t - 60);
		emit(&g, round_event(&g, n, t), t + 0.8);
	}
	emit(&g, json_pack("{s:s, s:s, s:f, s:s, s:s}", "type", "clock", "state",
	    last, "speed", 1.0, "reason", "stopped", "by", "control"), t + 1);
	json_decref(g.link_up);
	if (fclose(g.f) != 0)
		die(path, strerror(errno));
	return g.bytes;
}

static int
count_event(const json_t *ev, void *ctx)
{
	(void)ev;
	(void)ctx;
	return 0;
}

/* One engine_new + engine_free on dir: seconds. */
static double
time_engine_new(const struct plan *plan, struct virt *virt, const char *dir)
{
	struct engine_opts opts = { .state_dir = dir, .speed = 1 };
	char *error = NULL;
	struct engine *e;
	double t0 = now();

	e = engine_new(plan, virt, &opts, &error);
	if (e == NULL)
		die("engine_new on the long journal", error);
	engine_free(e);
	return now() - t0;
}

/*
 * engine_new on dir without a checkpoint (the whole journal replayed; it
 * leaves a checkpoint), then again resuming from that checkpoint, and
 * journal_replay alone: seconds.
 */
static void
run_replay(const struct plan *plan, struct virt *virt, const char *dir,
    double *full_s, double *resume_s, double *parse_s)
{
	char *path = xasprintf("%s/%s", dir, JOURNAL_FILE), *error = NULL;
	char *checkpoint = xasprintf("%s/checkpoint.json", dir);
	double t0;
	long n;

	watchdog(120);
	unlink(checkpoint);
	*full_s = time_engine_new(plan, virt, dir);
	if (access(checkpoint, R_OK) != 0)
		die("engine_new on the long journal", "it left no checkpoint");
	*resume_s = time_engine_new(plan, virt, dir);
	t0 = now();
	n = journal_replay(path, count_event, NULL, &error);
	*parse_s = now() - t0;
	alarm(0);
	if (n != N_EVENTS)
		die("journal_replay", error ? error : "wrong count of events");
	free(checkpoint);
	free(path);
}

/* ---- one figure alone, for bench/compare ------------------------------- */

/*
 * Prints, for each figure of mode, one line: its name and its value in
 * each of runs runs.
 */
static int
one_figure(const char *mode, int runs)
{
	static const char *const late_names[] = { "inject_lateness_median",
	    "inject_lateness_p99", "inject_lateness_max",
	    "injects_over_50ms", "journal_syncs", "journal_sync_max",
	    "inject_decision_p99" };
	static const char *const sync_names[] = { "fdatasync_median",
	    "fdatasync_p99", "fdatasync_max", "fdatasyncs_over_50ms",
	    "injects_due_in_their_stalls" };
	static const char *const overlap_names[] = { "overlapped_over_50ms",
	    "overlapped_p99" };
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *tmp = xasprintf("%s/bench-engine.XXXXXX", tmpdir), *error = NULL;
	bool lateness = strcmp(mode, "--lateness") == 0;
	bool overlap = strcmp(mode, "--overlap") == 0;
	const char *const *names = lateness ? late_names : overlap ?
	    overlap_names : sync_names;
	size_t n = lateness ? 7 : overlap ? 2 : 5, k;
	static double v[7][MAX_RUNS];
	struct plan *plan = NULL;
	struct virt virt;
	double m[7];
	char *text;
	int r;

	if (mkdtemp(tmp) == NULL)
		die(tmp, strerror(errno));
	if (lateness) {
		text = lateness_scenario(false);
		plan = load(text, "lateness.yaml");
		free(text);
		if (virt_open(&virt, "test:///default", &error) < 0)
			die("virt_open", error);
	}
	for (r = 0; r < runs; r++) {
		if (lateness)
			run_lateness(plan, &virt, tmp, m);
		else if (overlap)
			run_overlapped(tmp, m);
		else
			run_fsyncs(tmp, m);
		for (k = 0; k < n; k++)
			v[k][r] = m[k];
	}
	for (k = 0; k < n; k++) {
		printf("%s", names[k]);
		for (r = 0; r < runs; r++)
			printf(" %.3f", v[k][r]);
		printf("\n");
	}
	if (lateness) {
		virt_close(&virt);
		plan_free(plan);
	}
	remove_tree(tmp);
	free(tmp);
	return 0;
}

/* The replay bench's scenario and journal in dir, and its checkpoint. */
/* The check round alone, for its before/after figure. */
static int
round_figure(int runs)
{
	double ratio[MAX_RUNS], mid;
	struct servers sv;

	raise_nofile();
	server_start(&sv.http, SERVER_HTTP);
	server_start(&sv.smtp, SERVER_SMTP);
	server_start(&sv.pop3, SERVER_POP3);
	server_start(&sv.silent, SERVER_SILENT);
	printf("check_round_over_timeout");
	for (int r = 0; r < runs; r++) {
		ratio[r] = run_round(&sv) * 1e3 / CHECK_TIMEOUT_MS;
		printf(" %.3f", ratio[r]);
		fflush(stdout);
	}
	/* A line of its own: the first is one figure's runs (bench/compare). */
	mid = median(ratio, runs);	/* sorts: then min and max */
	printf("\ncheck round, %d probes of 10 kinds (%d silent), timeout %d ms: "
	    "median %.3fx the timeout (%.3f, %.3f) of %d runs; target: at most "
	    "1.05x\n", N_PROBES, N_SILENT, CHECK_TIMEOUT_MS, mid, ratio[0],
	    ratio[runs - 1], runs);
	server_stop(&sv.http);
	server_stop(&sv.smtp);
	server_stop(&sv.pop3);
	server_stop(&sv.silent);
	return 0;
}

/* The dashboard's view of a run, and its state folder. */
struct bench_view {
	struct view view;
	const char *dir;
};

/* The view as `rangectl run` feeds it: every event... */
static void
feed_view(void *ctx, const json_t *event)
{
	struct bench_view *bv = ctx;

	view_apply(&bv->view, event);
}

/* ...the replayed ones decoded once, as `rangectl run` hands them... */
static void
feed_view_replayed(void *ctx, const struct journal_event *je)
{
	struct bench_view *bv = ctx;

	view_apply_replayed(&bv->view, je);
}

/* ...and its checkpoint where the engine's stands. */
static void
save_view(void *ctx, unsigned long long seq, unsigned long long offset,
    unsigned long long line_hash)
{
	struct bench_view *bv = ctx;
	char *error = NULL;

	if (view_checkpoint(&bv->view, bv->dir, seq, offset, line_hash, true,
	    &error) < 0)
		die("view_checkpoint", error);
}

/*
 * engine_new on dir with the view a run's dashboard has: the journal
 * replayed once for both, and both checkpoints written.
 */
static void
checkpoint_both(const struct plan *plan, struct virt *virt, const char *dir)
{
	struct bench_view bv = { .dir = dir };
	struct engine_opts opts = { .state_dir = dir, .speed = 1, .observe =
	    feed_view, .observe_replayed = feed_view_replayed, .observe_ctx = &bv,
	    .checkpointed = save_view };
	char *error = NULL;
	struct engine *e;

	view_restore(&bv.view, plan, dir, &opts.observed_seq,
	    &opts.observed_offset, stderr);
	e = engine_new(plan, virt, &opts, &error);
	if (e == NULL)
		die("engine_new on the long journal", error);
	engine_free(e);
	view_clear(&bv.view);
}

/*
 * A restart of dir's engine with the dashboard's view, as `rangectl run`
 * makes it: the view from its checkpoint, then engine_new from its own,
 * the journal's tail replayed once for both. Prints each run's view and
 * engine milliseconds and the peak RSS after the runs.
 */
static int
restart_figure(const char *dir, int runs)
{
	char *yaml = xasprintf("%s/replay.yaml", dir), *error = NULL;
	struct plan *plan = load(replay_scenario, yaml);
	struct bench_view bv = { .dir = dir };
	struct engine_opts opts = { .state_dir = dir, .speed = 1, .observe =
	    feed_view, .observe_replayed = feed_view_replayed, .observe_ctx = &bv };
	struct rusage ru;
	struct virt virt;
	struct engine *e;
	double t0, t1;

	if (virt_open(&virt, "test:///default", &error) < 0)
		die("virt_open", error);
	printf("restart_view_ms restart_engine_ms\n");
	for (int r = 0; r < runs; r++) {
		t0 = now();
		view_restore(&bv.view, plan, dir, &opts.observed_seq,
		    &opts.observed_offset, stderr);
		t1 = now();
		e = engine_new(plan, &virt, &opts, &error);
		if (e == NULL)
			die("engine_new", error);
		printf("%.3f %.3f\n", (t1 - t0) * 1e3, (now() - t1) * 1e3);
		fflush(stdout);
		engine_free(e);
		view_clear(&bv.view);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("peak_rss_mib %.1f\n", (double)ru.ru_maxrss / 1024);
	virt_close(&virt);
	plan_free(plan);
	free(yaml);
	return 0;
}

/* A journal in memory, split in lines (newlines kept out). */
struct lines {
	char *text;	/* the whole file */
	size_t bytes;
	char **line;
	size_t *len, n;
};

static void
lines_read(struct lines *ls, const char *path)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	size_t i, start = 0;

	if (f == NULL || fstat(fileno(f), &st) < 0)
		die(path, strerror(errno));
	ls->bytes = (size_t)st.st_size;
	ls->text = xmalloc(ls->bytes + 1);
	if (fread(ls->text, 1, ls->bytes, f) != ls->bytes)
		die(path, "short read");
	fclose(f);
	ls->line = xcalloc(events + 1, sizeof(*ls->line));
	ls->len = xcalloc(events + 1, sizeof(*ls->len));
	for (i = 0; i < ls->bytes && ls->n <= events; i++)
		if (ls->text[i] == '\n') {
			ls->line[ls->n] = ls->text + start;
			ls->len[ls->n++] = i - start;
			start = i + 1;
		}
}

/*
 * One pass over ls on this thread, by the JSON path alone (scan false) or
 * with event_scan_round() first, as journal_read_from() parses: CPU
 * seconds of this thread. The scanner writes into its line: it reads a
 * copy, as the reader reads a buffer of its own.
 */
static double
parse_pass(const struct lines *ls, bool scan)
{
	char *copy = xmalloc(ls->bytes + 1), *error = NULL;
	struct timespec a, b;
	json_error_t jerr;
	struct event ev;
	size_t i, decoded = 0;
	json_t *j;

	memcpy(copy, ls->text, ls->bytes);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (i = 0; i < ls->n; i++) {
		char *line = copy + (ls->line[i] - ls->text);

		if (scan && event_scan_round(line, ls->len[i], &ev)) {
			event_clear(&ev);
			decoded++;
			continue;
		}
		j = json_loadb(line, ls->len[i], JSON_REJECT_DUPLICATES, &jerr);
		if (j == NULL)
			die("json_loadb", jerr.text);
		if (event_decode(j, i + 1, &ev, &error) < 0)
			die("event_decode", error);
		event_clear(&ev);
		json_decref(j);
		decoded++;
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	if (decoded != ls->n)
		die("parse_pass", "a line was not decoded");
	free(copy);
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/*
 * --parse RUNS: the replay's parse per byte, JSON path against the
 * scanner's, rotated run by run: lines "parse_json_mb_s", "parse_scan_mb_s"
 * and "parse_speedup", each run's value.
 */
static int
parse_figure(int runs)
{
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *tmp = xasprintf("%s/bench-engine.XXXXXX", tmpdir), *path, *yaml;
	static double json_s[MAX_RUNS], scan_s[MAX_RUNS];
	struct lines ls = { 0 };
	struct plan *plan;
	int r;

	if (mkdtemp(tmp) == NULL)
		die(tmp, strerror(errno));
	yaml = xasprintf("%s/replay.yaml", tmp);
	plan = load(replay_scenario, yaml);
	path = xasprintf("%s/%s", tmp, JOURNAL_FILE);
	write_journal(path, plan, "ended");
	lines_read(&ls, path);
	for (r = 0; r < runs; r++) {
		if (r % 2 == 0) {
			json_s[r] = parse_pass(&ls, false);
			scan_s[r] = parse_pass(&ls, true);
		} else {
			scan_s[r] = parse_pass(&ls, true);
			json_s[r] = parse_pass(&ls, false);
		}
	}
	printf("parse_json_mb_s");
	for (r = 0; r < runs; r++)
		printf(" %.1f", (double)ls.bytes / 1e6 / json_s[r]);
	printf("\nparse_scan_mb_s");
	for (r = 0; r < runs; r++)
		printf(" %.1f", (double)ls.bytes / 1e6 / scan_s[r]);
	printf("\nparse_speedup");
	for (r = 0; r < runs; r++)
		printf(" %.3f", json_s[r] / scan_s[r]);
	printf("\n");
	free(ls.text);
	free(ls.line);
	free(ls.len);
	plan_free(plan);
	remove_tree(tmp);
	free(path);
	free(yaml);
	free(tmp);
	return 0;
}

static int
write_state(const char *dir, const char *last)
{
	char *yaml = xasprintf("%s/replay.yaml", dir);
	char *journal = xasprintf("%s/%s", dir, JOURNAL_FILE), *error = NULL;
	struct plan *plan;
	struct virt virt;
	FILE *f;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		die(dir, strerror(errno));
	f = fopen(yaml, "w");
	if (f == NULL || fputs(replay_scenario, f) < 0 || fclose(f) != 0)
		die(yaml, strerror(errno));
	plan = load(replay_scenario, yaml);
	write_journal(journal, plan, last);
	if (virt_open(&virt, "test:///default", &error) < 0)
		die("virt_open", error);
	checkpoint_both(plan, &virt, dir);
	virt_close(&virt);
	plan_free(plan);
	free(journal);
	free(yaml);
	return 0;
}

/*
 * --observations RUNS: inject lateness with and without observations
 * arriving, in alternating runs of one process, the same 1,000 message
 * injects and 1,000 injects' truth both times (issue 14's speed clause:
 * matching must not delay injects).
 */
static int
observations_figure(int runs)
{
	static double quiet[7][MAX_RUNS], busy[7][MAX_RUNS];
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *tmp = xasprintf("%s/bench-obs.XXXXXX", tmpdir), *text;
	char *error = NULL;
	struct obs_flood f = { 0 };
	struct plan *plan;
	struct virt virt;
	long recorded = 0;
	double m[7];
	int r, k;

	if (mkdtemp(tmp) == NULL)
		die(tmp, strerror(errno));
	text = lateness_scenario(true);
	plan = load(text, "lateness.yaml");
	free(text);
	if (virt_open(&virt, "test:///default", &error) < 0)
		die("virt_open", error);
	for (r = 0; r < runs; r++) {
		flood = NULL;
		run_lateness(plan, &virt, tmp, m);
		for (k = 0; k < 7; k++)
			quiet[k][r] = m[k];
		flood = &f;
		run_lateness(plan, &virt, tmp, m);
		for (k = 0; k < 7; k++)
			busy[k][r] = m[k];
		recorded += f.recorded;
		flood = NULL;
	}
	machine();
	printf("bench/engine --observations: %d runs of each, alternating; "
	    "%d message injects at speed %g, %d injects' truth; real ms, median "
	    "(min, max) of the runs\n", runs, N_INJECTS, SPEED, N_TRUTH);
	for (k = 0; k < 2; k++) {
		double *v = k == 0 ? quiet[1] : busy[1];

		m[k] = median(v, runs);
		printf("  %s: inject lateness p99 %.3f (%.3f, %.3f), median %.3f, "
		    "more than %.0f ms late %.0f\n", k == 0 ? "no observations  " :
		    "with observations", m[k], v[0], v[runs - 1],
		    median(k == 0 ? quiet[0] : busy[0], runs), LATE_MS,
		    median(k == 0 ? quiet[3] : busy[3], runs));
	}
	printf("  observations recorded and matched: %.0f a run (target "
	    "%d); lateness p99 ratio with/without: %.2fx; target: unchanged "
	    "within noise\n", (double)recorded / runs, N_OBSERVATIONS,
	    m[0] > 0 ? m[1] / m[0] : 0.0);
	virt_close(&virt);
	plan_free(plan);
	remove_tree(tmp);
	free(tmp);
	return 0;
}

/* ---- main --------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	static double late[7][MAX_RUNS], append[3][MAX_RUNS], rnd[MAX_RUNS],
	    rep[MAX_RUNS], parse[MAX_RUNS], resume[MAX_RUNS];
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 5, r, k;
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct plan *late_plan, *rep_plan;
	struct servers sv;
	char *tmp, *text, *rep_dir, *rep_path, *error = NULL;
	struct virt virt;
	double m[7];
	size_t bytes;

	if (argc > 3 && strcmp(argv[1], "--restart") == 0)
		return restart_figure(argv[2], (int)strtol(argv[3], NULL, 10));
	if (argc > 4 && strcmp(argv[1], "--write-state") == 0)
		events = strtoull(argv[4], NULL, 10);
	if (events < 100 || events > 10 * N_EVENTS)
		die("--write-state", "give from 100 to 1,000,000 events");
	if (argc > 2 && strcmp(argv[1], "--write-state") == 0)
		return write_state(argv[2], argc > 3 && strcmp(argv[3],
		    "paused") == 0 ? "paused" : "ended");
	if (argc > 2 && strcmp(argv[1], "--observations") == 0) {
		runs = (int)strtol(argv[2], NULL, 10);
		return observations_figure(runs < 1 || runs > MAX_RUNS ? 1 : runs);
	}
	if (argc > 2 && strcmp(argv[1], "--parse") == 0) {
		runs = (int)strtol(argv[2], NULL, 10);
		return parse_figure(runs < 1 || runs > MAX_RUNS ? 1 : runs);
	}
	if (argc > 2 && strcmp(argv[1], "--round") == 0) {
		runs = (int)strtol(argv[2], NULL, 10);
		return round_figure(runs < 1 || runs > MAX_RUNS ? 1 : runs);
	}
	if (argc > 2 && (strcmp(argv[1], "--lateness") == 0 ||
	    strcmp(argv[1], "--fsync") == 0 || strcmp(argv[1], "--overlap") ==
	    0)) {
		runs = (int)strtol(argv[2], NULL, 10);
		return one_figure(argv[1], runs < 1 || runs > MAX_RUNS ? 1 :
		    runs);
	}
	if (runs < 1 || runs > MAX_RUNS)
		runs = 5;
	tmp = xasprintf("%s/bench-engine.XXXXXX", tmpdir);
	if (mkdtemp(tmp) == NULL)
		die(tmp, strerror(errno));
	text = lateness_scenario(false);
	late_plan = load(text, "lateness.yaml");
	free(text);
	rep_path = xasprintf("%s/replay.yaml", tmp);
	rep_plan = load(replay_scenario, rep_path);
	rep_dir = xasprintf("%s/replay", tmp);
	if (mkdir(rep_dir, 0700) < 0)
		die(rep_dir, strerror(errno));
	free(rep_path);
	rep_path = xasprintf("%s/%s", rep_dir, JOURNAL_FILE);
	bytes = write_journal(rep_path, rep_plan, "ended");
	if (virt_open(&virt, "test:///default", &error) < 0)
		die("virt_open", error);
	raise_nofile();
	server_start(&sv.http, SERVER_HTTP);
	server_start(&sv.smtp, SERVER_SMTP);
	server_start(&sv.pop3, SERVER_POP3);
	server_start(&sv.silent, SERVER_SILENT);

	for (r = 0; r < runs; r++) {
		run_lateness(late_plan, &virt, tmp, m);
		for (k = 0; k < 7; k++)
			late[k][r] = m[k];
		run_appends(tmp, m);
		for (k = 0; k < 3; k++)
			append[k][r] = m[k];
		rnd[r] = run_round(&sv);
		run_replay(rep_plan, &virt, rep_dir, &rep[r], &resume[r],
		    &parse[r]);
	}

	machine();
	printf("bench/engine: %d runs, median (min, max) of the runs\n", runs);
	for (k = 0; k < 7; k++)
		m[k] = median(late[k], runs);
	printf("inject lateness (to the message shown), %d message injects at "
	    "speed %g, real ms: median %.3f (%.3f, %.3f), p99 %.3f (%.3f, "
	    "%.3f), max %.3f (%.3f, %.3f); target: p99 under 2 ms\n", N_INJECTS,
	    SPEED, m[0], late[0][0], late[0][runs - 1], m[1], late[1][0],
	    late[1][runs - 1], m[2], late[2][0], late[2][runs - 1]);
	printf("  more than %.0f ms late: %.0f (%.0f, %.0f); journal fdatasyncs "
	    "%.0f (%.0f, %.0f), the longest %.3f ms (%.3f, %.3f)\n", LATE_MS,
	    m[3], late[3][0], late[3][runs - 1], m[4], late[4][0],
	    late[4][runs - 1], m[5], late[5][0], late[5][runs - 1]);
	printf("  the decision to fire (the journal's late, before its sync), "
	    "p99 %.3f ms (%.3f, %.3f)\n", m[6], late[6][0], late[6][runs - 1]);
	for (k = 0; k < 3; k++)
		m[k] = median(append[k], runs);
	printf("journal_append (write + fdatasync), %d events, ms: median %.3f "
	    "(%.3f, %.3f), p99 %.3f (%.3f, %.3f), max %.3f (%.3f, %.3f)\n",
	    N_APPENDS, m[0], append[0][0], append[0][runs - 1], m[1],
	    append[1][0], append[1][runs - 1], m[2], append[2][0],
	    append[2][runs - 1]);
	m[0] = median(rnd, runs);
	printf("check round, %d probes of 10 kinds (%d silent), timeout %d ms: "
	    "%.1f ms (%.1f, %.1f) = %.3fx the timeout, %d up; target: at most "
	    "1.05x\n", N_PROBES, N_SILENT, CHECK_TIMEOUT_MS, m[0] * 1e3,
	    rnd[0] * 1e3, rnd[runs - 1] * 1e3, m[0] * 1e3 / CHECK_TIMEOUT_MS,
	    N_PROBES - N_SILENT);
	m[0] = median(rep, runs);
	m[1] = median(parse, runs);
	m[2] = median(resume, runs);
	printf("restart on a journal of %d events (%.1f MB), engine_new + "
	    "engine_free: from its checkpoint %.1f ms (%.1f, %.1f); target: "
	    "under 1 s\n", N_EVENTS, (double)bytes / 1e6, m[2] * 1e3,
	    resume[0] * 1e3, resume[runs - 1] * 1e3);
	printf("  without a checkpoint (every event replayed) %.1f ms (%.1f, "
	    "%.1f) = %.1f us per event; one journal_replay pass alone %.1f ms "
	    "(%.1f, %.1f) = %.1f MB/s\n", m[0] * 1e3, rep[0] * 1e3,
	    rep[runs - 1] * 1e3, m[0] * 1e6 / N_EVENTS, m[1] * 1e3,
	    parse[0] * 1e3, parse[runs - 1] * 1e3, (double)bytes / 1e6 / m[1]);

	server_stop(&sv.http);
	server_stop(&sv.smtp);
	server_stop(&sv.pop3);
	server_stop(&sv.silent);
	virt_close(&virt);
	remove_tree(tmp);
	plan_free(late_plan);
	plan_free(rep_plan);
	free(rep_dir);
	free(rep_path);
	free(tmp);
	return 0;
}
