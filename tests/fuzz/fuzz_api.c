/*
 * fuzz_api.c: libFuzzer entry for the HTTP API's request handling (the
 * routes, roles and bodies of api.c) and the static file paths of
 * http_path.c: what anyone who reaches the dashboard's port may send.
 * Run by `make fuzz`.
 *
 * An input is FLAGS METHOD \0 PATH \0 TOKEN \0 [AFTER \0 LIMIT \0] BODY:
 * the first byte picks who calls (bit 0: the controller, by an
 * Authorization header; else bit 1: another user of the scenario, chosen
 * by bits 2 to 5; else the TOKEN as the raw header), TOKEN is also the
 * ?token= of the query string, bit 6 says that ?after= and ?limit= follow
 * it, and BODY runs to the end (NULs and all).
 *
 * The answer's rules: JSON, an error in every 4xx; a 429 with its
 * Retry-After; a token from the query taken on streams and consoles only;
 * another team's host answered to a trainee exactly as a host that does
 * not exist. BODY, when a JSON object, is also a journaled event for the
 * live streams' encoder (api_event_for()), for every user: each message
 * "event: NAME\ndata: JSON\n\n", the JSON on one line, and no inject for
 * a trainee.
 *
 * Set up once: scenarios/demo.yaml, its credentials in a temporary state
 * folder, a view and an engine replayed from a short journal (reports r1
 * and r2, a round, a message, an adjustment) on libvirt's test driver.
 * The engine never runs and refuses calls at once, so every command that
 * is allowed ends in 409; one that answers 409 for a user who may not
 * give it is a hole in the authorization, and aborts.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "rangectl/api.h"
#include "rangectl/auth.h"
#include "rangectl/engine.h"
#include "rangectl/http.h"
#include "rangectl/range.h"
#include "rangectl/util.h"
#include "rangectl/view.h"
#include "rangectl/virt.h"

#ifndef FUZZ_SCENARIO
#define FUZZ_SCENARIO "scenarios/demo.yaml"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the engine replays and the view shows: a run of the demo so far. */
static const char *const journal[] = {
	"{\"type\":\"exercise\",\"seq\":1,\"t\":0,\"wall\":1795879371.3,"
	"\"name\":\"demo\",\"title\":\"rangectl demo\",\"duration\":1800,"
	"\"interval\":60,\"timeout\":5,\"scenario\":\"scenarios/demo.yaml\","
	"\"teams\":[{\"id\":\"ro\",\"name\":\"Romania\",\"role\":\"blue\"},"
	"{\"id\":\"md\",\"name\":\"Moldova\",\"role\":\"blue\"},{\"id\":\"red\","
	"\"name\":\"Red team\",\"role\":\"red\"},{\"id\":\"white\",\"name\":"
	"\"Exercise control\",\"role\":\"white\"}],\"hosts\":[],"
	/* demo.yaml's timeline: run refuses a journal whose timeline differs. */
	"\"injects\":["
	"{\"action\":\"exec\",\"at\":120,\"id\":\"recon\",\"targets\":[\"demo-ro-web\",\"demo-md-web\"],"
	    "\"title\":\"Red scans both web servers\",\"to\":[],"
	    "\"truth\":{\"effects\":[],\"resolved\":[{\"indicators\":[{\"type\":\"ipv4\",\"value\":\"100.64.0.66\"}],"
	    "\"target\":\"demo-ro-web\",\"team\":\"ro\"},{\"indicators\":[{\"type\":\"ipv4\",\"value\":\"100.64.0.66\"}],"
	    "\"target\":\"demo-md-web\",\"team\":\"md\"}],\"technique\":\"T1046\"}},"
	"{\"action\":\"exec\",\"at\":480,\"breaks\":[\"demo-ro-web/http\",\"demo-md-web/http\"],\"id\":\"deface\","
	    "\"targets\":[\"demo-ro-web\",\"demo-md-web\"],"
	    "\"title\":\"Red defaces the web servers\",\"to\":[],"
	    "\"truth\":{\"effects\":[\"web.http\"],\"resolved\":[{\"indicators\":[{\"type\":\"url\",\"value\":"
	    "\"http://10.1.1.10/index.html\"}],\"target\":\"demo-ro-web\",\"team\":\"ro\"},{\"indicators\":[{\"type\":"
	    "\"url\",\"value\":\"http://10.2.1.10/index.html\"}],\"target\":\"demo-md-web\",\"team\":\"md\"}],"
	    "\"technique\":\"T1491.002\"}},"
	"{\"action\":\"message\",\"at\":540,\"id\":\"brief\",\"targets\":[],"
	    "\"title\":\"Control tells everyone the clock is running\",\"to\":[\"ro\",\"md\",\"red\",\"white\"]},"
	"{\"action\":\"link_down\",\"at\":840,\"id\":\"cut-md\",\"targets\":[\"demo-md-gw\"],"
	    "\"title\":\"Moldova's uplink goes down for five minutes\",\"to\":[]},"
	"{\"action\":\"reboot\",\"at\":1320,\"id\":\"reboot-ro\",\"targets\":[\"demo-ro-web\"],"
	    "\"title\":\"Romania's web server reboots\",\"to\":[]},"
	"{\"action\":\"message\",\"at\":null,\"id\":\"press\",\"targets\":[],"
	    "\"title\":\"A journalist calls\",\"to\":[\"ro\",\"md\"]}]}",
	"{\"type\":\"host\",\"seq\":2,\"t\":0,\"wall\":1795879371.3,\"name\":"
	"\"demo-ro-web\",\"team\":\"ro\",\"state\":\"running\",\"reason\":"
	"\"found running\"}",
	"{\"type\":\"host\",\"seq\":3,\"t\":0,\"wall\":1795879371.3,\"name\":"
	"\"demo-md-web\",\"team\":\"md\",\"state\":\"crashed\",\"reason\":"
	"\"it crashed\"}",
	"{\"type\":\"clock\",\"seq\":4,\"t\":0,\"wall\":1795879371.4,\"by\":"
	"\"control\",\"reason\":\"started\",\"speed\":60,\"state\":\"running\"}",
	"{\"type\":\"round\",\"seq\":5,\"t\":60.2,\"wall\":1795879372.4,\"n\":1,"
	"\"at\":60,\"late\":0.02,\"checks\":[{\"host\":\"demo-ro-web\",\"kind\":"
	"\"http\",\"points\":5,\"reason\":null,\"service\":\"http\",\"team\":"
	"\"ro\",\"up\":true},{\"host\":\"demo-md-web\",\"kind\":\"http\","
	"\"points\":0,\"reason\":\"network unreachable\",\"service\":\"http\","
	"\"team\":\"md\",\"up\":false}],\"compromises\":[]}",
	"{\"type\":\"report\",\"seq\":6,\"t\":63.6,\"wall\":1795879372.5,\"id\":"
	"\"r1\",\"team\":\"ro\",\"author\":\"ana\",\"title\":\"Scan seen\","
	"\"body\":\"nc from kali\",\"inject\":\"recon\"}",
	"{\"type\":\"report\",\"seq\":7,\"t\":67.8,\"wall\":1795879372.6,\"id\":"
	"\"r2\",\"team\":\"md\",\"author\":\"ion\",\"title\":\"Defaced\","
	"\"body\":\"\",\"inject\":null}",
	"{\"type\":\"grade\",\"seq\":8,\"t\":71.3,\"wall\":1795879372.6,\"by\":"
	"\"control\",\"comment\":\"good\",\"points\":5,\"report\":\"r1\","
	"\"team\":\"ro\"}",
	"{\"type\":\"adjustment\",\"seq\":9,\"t\":74.4,\"wall\":1795879372.7,"
	"\"by\":\"control\",\"points\":-3,\"reason\":\"late\",\"team\":\"md\"}",
	"{\"type\":\"inject\",\"seq\":10,\"t\":77.6,\"wall\":1795879372.7,"
	"\"action\":\"message\",\"actual\":77.6,\"by\":\"control\",\"firing\":1,"
	"\"id\":\"press\",\"late\":0,\"manual\":true,\"scheduled\":null,"
	"\"targets\":[]}",
	"{\"type\":\"message\",\"seq\":11,\"t\":77.6,\"wall\":1795879372.7,"
	"\"by\":\"control\",\"inject\":\"press\",\"text\":\"A journalist calls\","
	"\"to\":[\"ro\",\"md\"]}",
	"{\"type\":\"inject_result\",\"seq\":12,\"t\":77.7,\"wall\":"
	"1795879372.7,\"firing\":1,\"id\":\"press\",\"results\":[]}",
	"{\"type\":\"clock\",\"seq\":13,\"t\":80,\"wall\":1795879372.8,\"by\":"
	"\"control\",\"reason\":\"paused\",\"speed\":60,\"state\":\"paused\"}",
};

static struct {
	char dir[64];
	struct range range;
	struct virt virt;
	struct auth auth;
	struct view view;
	struct engine *engine;
	struct api api;
	char *bearer[16];	/* "Bearer TOKEN" of each user */
	size_t n_bearer;
	const struct auth_user *controller;
} fz;

static void
fail(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_api: %s: %s\n", what, why ? why : "failed");
	exit(1);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
cleanup(void)
{
	size_t i;

	api_clear(&fz.api);
	engine_free(fz.engine);
	view_clear(&fz.view);
	auth_clear(&fz.auth);
	virt_close(&fz.virt);
	range_clear(&fz.range);
	for (i = 0; i < fz.n_bearer; i++)
		free(fz.bearer[i]);
	if (fz.dir[0] != '\0')
		nftw(fz.dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void
write_journal(void)
{
	char *path = xasprintf("%s/journal.jsonl", fz.dir);
	FILE *fp = fopen(path, "w");
	size_t i;

	if (fp == NULL)
		fail(path, "cannot write");
	for (i = 0; i < sizeof(journal) / sizeof(journal[0]); i++)
		fprintf(fp, "%s\n", journal[i]);
	if (fclose(fp) != 0)
		fail(path, "cannot write");
	free(path);
}

/* The tokens are the state folder's: read them back for the callers. */
static void
load_tokens(void)
{
	char *path = xasprintf("%s/%s", fz.dir, AUTH_FILE);
	json_t *doc = json_load_file(path, 0, NULL);
	size_t i;

	for (i = 0; i < fz.auth.n_users && fz.n_bearer < 16; i++) {
		const char *tok = json_string_value(json_object_get(doc,
		    fz.auth.users[i].name));

		if (tok == NULL)
			fail(path, "a user has no token");
		fz.bearer[fz.n_bearer++] = xasprintf("Bearer %s", tok);
		if (fz.auth.users[i].role == AUTH_CONTROLLER)
			fz.controller = &fz.auth.users[i];
	}
	json_decref(doc);
	free(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct engine_opts opts = { .speed = 1 };
	struct diag_list diags;
	char *error = NULL;

	(void)argc;
	(void)argv;
	diag_list_init(&diags);
	if (range_load(&fz.range, FUZZ_SCENARIO, &diags) < 0)
		fail(FUZZ_SCENARIO, "cannot load it (run from the source tree)");
	diag_list_clear(&diags);
	snprintf(fz.dir, sizeof(fz.dir), "/tmp/rc-fuzz-api.XXXXXX");
	if (mkdtemp(fz.dir) == NULL)
		fail(fz.dir, "cannot make it");
	atexit(cleanup);
	write_journal();
	if (auth_load(&fz.auth, fz.range.plan->teams, fz.range.plan->n_teams,
	    &fz.range.plan->instructors, fz.dir, &error) < 0)
		fail("auth_load", error);
	load_tokens();
	if (fz.controller == NULL)
		fail(FUZZ_SCENARIO, "it has no controller");
	if (view_init(&fz.view, fz.range.plan, fz.dir, &error) < 0)
		fail("view_init", error);
	if (virt_open(&fz.virt, "test:///default", &error) < 0)
		fail("virt_open", error);
	opts.state_dir = fz.dir;
	fz.engine = engine_new(fz.range.plan, &fz.virt, &opts, &error);
	if (fz.engine == NULL)
		fail("engine_new", error);
	engine_refuse_calls(fz.engine);
	fz.api = (struct api){ .plan = fz.range.plan, .engine = fz.engine,
	    .auth = &fz.auth, .view = &fz.view };
	return 0;
}

/* Cuts the next NUL-terminated field off *data (the rest if none). */
static char *
field(const uint8_t **data, size_t *size)
{
	const uint8_t *nul = memchr(*data, '\0', *size);
	size_t len = nul ? (size_t)(nul - *data) : *size;
	char *out = xstrndup((const char *)*data, len);

	*data += nul ? len + 1 : len;
	*size -= nul ? len + 1 : len;
	return out;
}

/* A command the engine would have taken (409 here) from u: allowed? */
static bool
may_command(const struct auth_user *u, const char *path)
{
	const char *host;
	size_t i;

	if (u->role == AUTH_CONTROLLER)
		return true;
	if (u->role != AUTH_TRAINEE || u->team == NULL)
		return false;
	if (strcmp(path, "/api/v1/reports") == 0 ||
	    strcmp(path, "/api/v1/reports/") == 0)
		return u->team->role == ROLE_BLUE;
	if (strcmp(path, "/api/v1/flags") == 0 ||
	    strcmp(path, "/api/v1/flags/") == 0)
		return u->team->role == ROLE_RED;
	if (strncmp(path, "/api/v1/hosts/", 14) != 0)
		return false;
	host = path + 14;
	for (i = 0; i < fz.range.plan->n_hosts; i++) {
		const struct plan_host *h = &fz.range.plan->hosts[i];
		size_t n = strlen(h->name);

		if (strncmp(host, h->name, n) == 0 && host[n] == '/')
			return h->team != NULL && h->team == u->team;
	}
	return false;
}

/*
 * The name of the host in a /api/v1/hosts/NAME/... path if it is a host of
 * the plan that u, a trainee, may not see; NULL otherwise.
 */
static const char *
hidden_host(const struct auth_user *u, const char *path)
{
	const char *host = path + 14;
	size_t i;

	if (u == NULL || u->role != AUTH_TRAINEE ||
	    strncmp(path, "/api/v1/hosts/", 14) != 0)
		return NULL;
	for (i = 0; i < fz.range.plan->n_hosts; i++) {
		const struct plan_host *h = &fz.range.plan->hosts[i];
		size_t n = strlen(h->name);

		if (strncmp(host, h->name, n) == 0 && (host[n] == '/' ||
		    host[n] == '\0'))
			return h->team == u->team ? NULL : h->name;
	}
	return NULL;
}

/*
 * Asks again with the hidden host's name swapped for one no plan has: the
 * answer must be the same, byte for byte, or it tells the host is there.
 */
static void
check_no_oracle(const struct api_request *req, const struct api_response *res)
{
	const char *name = hidden_host(res->user, req->path);
	struct api_request again = *req;
	struct api_response other;
	char *path;

	if (name == NULL || res->kind != API_ANSWER)
		return;
	path = xasprintf("/api/v1/hosts/no-such-host%s", req->path + 14 +
	    strlen(name));
	again.path = path;
	api_handle(&fz.api, &again, &other);
	if (other.kind != API_ANSWER || other.status != res->status ||
	    other.body_len != res->body_len ||
	    memcmp(other.body, res->body, res->body_len) != 0)
		abort();
	api_response_clear(&other);
	free(path);
}

/* What every answer must be, whatever was asked. */
static void
check_answer(const struct api_request *req, const struct api_response *res)
{
	json_t *doc;

	if (res->kind == API_EVENTS || res->kind == API_CONSOLE ||
	    res->kind == API_SCREEN) {
		if (res->user == NULL || strcmp(req->method, "POST") == 0)
			abort();
		return;
	}
	/* A token in the query opens nothing but streams and consoles. */
	if (req->token != NULL && res->status < 400)
		abort();
	/* Every 429 says when to come back, and only a 429 does. */
	if ((res->status == 429) != (res->retry_after > 0))
		abort();
	if (res->kind != API_ANSWER || res->status < 200 || res->status > 599 ||
	    res->body == NULL || res->content_type == NULL)
		abort();
	doc = json_loadb(res->body, res->body_len, 0, NULL);
	if (doc == NULL || strlen(res->body) != res->body_len)
		abort();	/* not JSON: the page cannot read it */
	if (res->status >= 400 &&
	    !json_is_string(json_object_get(doc, "error")))
		abort();
	json_decref(doc);
	/*
	 * Nobody known: only 401, 404 for what is no API route at all, or 400
	 * for a token in the query where only the header may carry it.
	 */
	if (res->user == NULL && res->status != 401 && res->status != 404 &&
	    !(res->status == 400 && req->token != NULL))
		abort();
	/* The engine refuses every call: no command may succeed... */
	if (strcmp(req->method, "POST") == 0 && res->status < 300)
		abort();
	/* ...and only those who may give one get as far as the engine. */
	if (res->status == 409 && (res->user == NULL ||
	    !may_command(res->user, req->path)))
		abort();
	/* Players never see the MSEL. */
	if (res->status == 200 && res->user != NULL &&
	    res->user->role == AUTH_TRAINEE &&
	    strncmp(req->path, "/api/v1/injects", 15) == 0)
		abort();
}

static void
check_static(const char *path)
{
	char out[512];
	size_t i;

	if (http_static_path(path, out, sizeof(out)) < 0)
		return;
	/* Inside web/: relative, no dot segment or dot file, tame bytes. */
	if (out[0] == '/' || out[0] == '.' || strstr(out, "/.") != NULL ||
	    strstr(out, "//") != NULL || out[strlen(out) - 1] == '/')
		abort();
	for (i = 0; out[i] != '\0'; i++)
		if (!((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= 'A' &&
		    out[i] <= 'Z') || (out[i] >= '0' && out[i] <= '9') ||
		    strchr("-_./@", out[i]) != NULL))
			abort();
	if (http_content_type(out) == NULL)
		abort();
}

/* One live-stream message: "event: NAME\ndata: JSON\n\n"; *text past it. */
static void
check_message(const char **text, const struct auth_user *u)
{
	const char *s = *text, *nl;
	json_t *doc;

	if (strncmp(s, "event: ", 7) != 0 || (nl = strchr(s, '\n')) == NULL)
		abort();
	if (u != NULL && u->role == AUTH_TRAINEE &&
	    strncmp(s, "event: inject\n", 14) == 0)
		abort();	/* the MSEL, to a player */
	/* A flag's value is a secret: its event goes to nobody. */
	if (strncmp(s, "event: flag\n", 12) == 0)
		abort();
	s = nl + 1;
	if (strncmp(s, "data: ", 6) != 0 || (nl = strchr(s, '\n')) == NULL ||
	    nl[1] != '\n' || memchr(s, '\r', (size_t)(nl - s)) != NULL)
		abort();
	doc = json_loadb(s + 6, (size_t)(nl - s - 6), 0, NULL);
	if (doc == NULL)
		abort();	/* the browser cannot read it */
	json_decref(doc);
	*text = nl + 2;
}

/* The body as a journaled event, through the encoder for every user. */
static void
check_events(const char *body, size_t len)
{
	json_t *event = json_loadb(body, len, 0, NULL);
	size_t i;

	if (!json_is_object(event)) {
		json_decref(event);
		return;
	}
	for (i = 0; i <= fz.auth.n_users; i++) {
		const struct auth_user *u = i < fz.auth.n_users ?
		    &fz.auth.users[i] : NULL;
		char *text = api_event_for(&fz.api, event, u);
		const char *s = text;

		while (s != NULL && *s != '\0')
			check_message(&s, u);
		free(text);
	}
	api_note_event(&fz.api, event);
	json_decref(event);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_request req = { 0 };
	struct api_response res;
	char *method, *path, *token, *after = NULL, *limit = NULL, addr[64];
	unsigned flags, port = 0;

	if (size == 0)
		return 0;
	flags = data[0];
	data++;
	size--;
	method = field(&data, &size);
	path = field(&data, &size);
	token = field(&data, &size);
	if (flags & 0x40) {
		after = field(&data, &size);
		limit = field(&data, &size);
	}
	req.after = after;
	req.limit = limit;
	req.method = method;
	req.path = path;
	req.token = token[0] != '\0' ? token : NULL;
	req.body = size > 0 ? (const char *)data : NULL;
	req.body_len = size;
	req.loopback = (flags & 0x80) != 0;
	if (flags & 1)
		req.authorization = fz.bearer[fz.controller - fz.auth.users];
	else if (flags & 2)
		req.authorization = fz.bearer[((flags >> 2) & 0xf) %
		    fz.n_bearer];
	else
		req.authorization = token;
	api_handle(&fz.api, &req, &res);
	check_answer(&req, &res);
	check_no_oracle(&req, &res);
	api_response_clear(&res);
	if (req.body != NULL)
		check_events(req.body, req.body_len);

	check_static(path);
	if (http_parse_listen(token, addr, sizeof(addr), &port) == 0 &&
	    (port == 0 || port > 65535))
		abort();
	free(method);
	free(path);
	free(token);
	free(after);
	free(limit);
	return 0;
}
