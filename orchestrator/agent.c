/*
 * agent.c: commands run in a guest through the QEMU guest agent, and the
 * JSON and base64 that carry them.
 *
 * Everything the guest sends back is untrusted: a trainee may own the
 * machine and its agent. So every answer is checked member by member,
 * and outputs are cut at AGENT_OUTPUT_CAP whatever the agent claims.
 */
#include "rangectl/agent_libvirt.h"

#include <jansson.h>
#include <libvirt/libvirt-qemu.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rangectl/cluster.h"
#include "rangectl/util.h"
#include "rangectl/virt.h"

/*
 * The pause between two guest-exec-status polls: short at first, since
 * most checks finish in milliseconds, then growing to spare the agent.
 */
#define AGENT_POLL_FIRST_MS 5
#define AGENT_POLL_MAX_MS 100

/* A decoded output before it is committed to a result. */
struct agent_output {
	char *data;	/* owned */
	size_t len;
	bool truncated;
};

static void
agent_sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
	    .tv_nsec = (long)(ms % 1000) * 1000000L };

	/* Cut short by a signal, the next poll merely comes sooner. */
	nanosleep(&ts, NULL);
}

/* The value of one base64 character, or -1 if it is not one. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decodes one group of four characters into out; returns its byte count
 * (1 to 3), or -1 if invalid. Padding may end only the last group, and
 * the bits it leaves over must be zero, so each output has one encoding.
 */
static int
b64_group(const char *g, bool last, unsigned char out[3])
{
	unsigned long bits = 0;
	int pad = 0;

	if (last && g[3] == '=')
		pad = g[2] == '=' ? 2 : 1;
	for (int i = 0; i < 4 - pad; i++) {
		int v = b64_value((unsigned char)g[i]);

		if (v < 0)
			return -1;
		bits = bits << 6 | (unsigned long)v;
	}
	bits <<= 6 * pad;
	if (bits & ((1UL << (8 * pad)) - 1))
		return -1;
	out[0] = (unsigned char)(bits >> 16);
	out[1] = (unsigned char)(bits >> 8);
	out[2] = (unsigned char)bits;
	return 3 - pad;
}

int
agent_base64_decode(const char *in, size_t cap, char **out, size_t *out_len,
    bool *truncated)
{
	size_t len = strlen(in), total, n = 0;
	char *buf;

	*out = NULL;
	*out_len = 0;
	*truncated = false;
	if (len % 4 != 0)
		return -1;
	total = len / 4 * 3;
	if (len > 0)
		total -= (in[len - 1] == '=') + (in[len - 2] == '=');
	/* Only what is kept is allocated, however long the input. */
	buf = xmalloc((total < cap ? total : cap) + 1);
	for (size_t i = 0; i < len; i += 4) {
		unsigned char bytes[3];
		int got = b64_group(in + i, i + 4 == len, bytes);

		if (got < 0) {
			free(buf);
			return -1;
		}
		for (int k = 0; k < got && n < cap; k++)
			buf[n++] = (char)bytes[k];
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	*truncated = total > cap;
	return 0;
}

char *
agent_exec_request(const char *command)
{
	json_t *req;
	char *text;

	/* json_pack checks that the strings are UTF-8, and fails if not. */
	req = json_pack("{s:s, s:{s:s, s:[s, s], s:b}}",
	    "execute", "guest-exec",
	    "arguments",
	    "path", "/bin/sh",
	    "arg", "-c", command,
	    "capture-output", 1);
	if (req == NULL)
		return NULL;
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	return text;
}

/* The guest-exec-status request for pid; the caller frees it. */
static char *
agent_status_request(long pid)
{
	json_t *req = json_pack("{s:s, s:{s:I}}",
	    "execute", "guest-exec-status",
	    "arguments", "pid", (json_int_t)pid);
	char *text = json_dumps(req, JSON_COMPACT);

	json_decref(req);
	return text;
}

/*
 * How much of s fits in max bytes without splitting a UTF-8 character:
 * jansson hands out only valid UTF-8, and a cut one would not go back in.
 */
static int
agent_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return (int)n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return (int)n;
}

/*
 * The message of an {"error":{"class":...,"desc":...}} answer; the guest
 * wrote its words, so they are cut short before they go in a journal.
 */
static char *
agent_error_text(const char *what, const json_t *err)
{
	const char *klass = json_string_value(json_object_get(err, "class"));
	const char *desc = json_string_value(json_object_get(err, "desc"));

	if (desc == NULL && klass == NULL)
		return xasprintf("the guest agent refused %s without saying "
		    "why", what);
	if (desc == NULL || klass == NULL) {
		desc = desc != NULL ? desc : klass;
		return xasprintf("the guest agent refused %s: %.*s", what,
		    agent_cut(desc, 200), desc);
	}
	return xasprintf("the guest agent refused %s: %.*s (%.*s)", what,
	    agent_cut(desc, 200), desc, agent_cut(klass, 60), klass);
}

/*
 * Parses an answer to the command what and finds its "return" object.
 * Returns the whole answer (the caller decrefs it; *ret points into it),
 * or NULL with *error set.
 */
static json_t *
agent_answer(const char *answer, const char *what, json_t **ret,
    char **error)
{
	json_error_t jerr;
	json_t *root = json_loads(answer, JSON_REJECT_DUPLICATES, &jerr);

	if (root == NULL) {
		/* jansson quotes a bit of the input, which may be cut inside
		 * a character: found by fuzz_agent. */
		for (char *p = jerr.text; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		*error = xasprintf("the answer to %s is not JSON: %s", what,
		    jerr.text);
		return NULL;
	}
	*ret = json_object_get(root, "return");
	if (!json_is_object(root)) {
		*error = xasprintf("the answer to %s is not a JSON object",
		    what);
	} else if (json_object_get(root, "error") != NULL) {
		*error = agent_error_text(what, json_object_get(root, "error"));
	} else if (!json_is_object(*ret)) {
		*error = xasprintf("the answer to %s has no 'return' object",
		    what);
	} else {
		return root;
	}
	json_decref(root);
	return NULL;
}

int
agent_parse_exec_pid(const char *answer, long *pid, char **error)
{
	json_t *ret = NULL, *root = agent_answer(answer, "guest-exec", &ret,
	    error);
	json_t *value;
	int rc = -1;

	if (root == NULL)
		return -1;
	value = json_object_get(ret, "pid");
	if (!json_is_integer(value) || json_integer_value(value) <= 0 ||
	    json_integer_value(value) > LONG_MAX) {
		*error = xstrdup("the answer to guest-exec has no 'pid' that "
		    "is a positive integer");
		goto cleanup;
	}
	*pid = (long)json_integer_value(value);
	rc = 0;
cleanup:
	json_decref(root);
	return rc;
}

/*
 * Reads the optional boolean member name of obj into *value (false when
 * absent). Returns 0, or -1 with *error set when it has another type.
 */
static int
status_bool(const json_t *obj, const char *name, bool *value, char **error)
{
	const json_t *v = json_object_get(obj, name);

	*value = false;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v)) {
		*error = xasprintf("the answer to guest-exec-status has a '%s' "
		    "that is not true or false", name);
		return -1;
	}
	*value = json_is_true(v);
	return 0;
}

/*
 * Decodes the optional base64 member name of obj into *out (empty when
 * absent), its flag of truncation by the agent being flag_name.
 * Returns 0, or -1 with *error set and *out left empty.
 */
static int
status_output(const json_t *obj, const char *name, const char *flag_name,
    struct agent_output *out, char **error)
{
	const json_t *v = json_object_get(obj, name);
	bool cut_by_agent;

	*out = (struct agent_output){ NULL, 0, false };
	if (status_bool(obj, flag_name, &cut_by_agent, error) < 0)
		return -1;
	if (v == NULL) {
		out->data = xstrdup("");
	} else if (!json_is_string(v) ||
	    agent_base64_decode(json_string_value(v), AGENT_OUTPUT_CAP,
	    &out->data, &out->len, &out->truncated) < 0) {
		*error = xasprintf("the answer to guest-exec-status has a '%s' "
		    "that is not a base64 string", name);
		return -1;
	}
	out->truncated = out->truncated || cut_by_agent;
	return 0;
}

/*
 * Reads how an exited command ended: its exit code, or 128 + the signal
 * that killed it, as a shell would say. Returns 0, or -1 with *error set.
 */
static int
status_exit(const json_t *ret, int *exit_code, int *signal, char **error)
{
	const json_t *code = json_object_get(ret, "exitcode");
	const json_t *sig = json_object_get(ret, "signal");

	if (sig != NULL) {
		if (!json_is_integer(sig) || json_integer_value(sig) < 1 ||
		    json_integer_value(sig) > 127) {
			*error = xstrdup("the answer to guest-exec-status has "
			    "a 'signal' that is not a number from 1 to 127");
			return -1;
		}
		*signal = (int)json_integer_value(sig);
		*exit_code = 128 + *signal;
		return 0;
	}
	/* Windows guests report codes such as 0xC0000005 as negative ints. */
	if (!json_is_integer(code) || json_integer_value(code) < INT_MIN ||
	    json_integer_value(code) > INT_MAX) {
		*error = xstrdup("the answer to guest-exec-status says the "
		    "command exited but has no integer 'exitcode' or 'signal'");
		return -1;
	}
	*signal = 0;
	*exit_code = (int)json_integer_value(code);
	return 0;
}

/* Replaces what res holds with how the command ended; takes out and err. */
static void
status_commit(struct agent_result *res, int exit_code, int signal,
    struct agent_output *out, struct agent_output *err)
{
	free(res->out);
	free(res->err);
	res->exit_code = exit_code;
	res->signal = signal;
	res->out = out->data;
	res->out_len = out->len;
	res->out_truncated = out->truncated;
	res->err = err->data;
	res->err_len = err->len;
	res->err_truncated = err->truncated;
}

int
agent_parse_exec_status(const char *answer, struct agent_result *res,
    bool *exited, char **error)
{
	json_t *ret = NULL, *root;
	struct agent_output out = { NULL, 0, false }, err = { NULL, 0, false };
	int exit_code = -1, signal = 0, rc = -1;
	bool done;

	root = agent_answer(answer, "guest-exec-status", &ret, error);
	if (root == NULL)
		return -1;
	if (!json_is_boolean(json_object_get(ret, "exited"))) {
		*error = xstrdup("the answer to guest-exec-status has no "
		    "'exited' that is true or false");
		goto cleanup;
	}
	done = json_is_true(json_object_get(ret, "exited"));
	if (done && (status_exit(ret, &exit_code, &signal, error) < 0 ||
	    status_output(ret, "out-data", "out-truncated", &out, error) < 0 ||
	    status_output(ret, "err-data", "err-truncated", &err, error) < 0))
		goto cleanup;
	if (done)
		status_commit(res, exit_code, signal, &out, &err);
	*exited = done;
	rc = 0;
cleanup:
	if (rc < 0) {
		free(out.data);
		free(err.data);
	}
	json_decref(root);
	return rc;
}

void
agent_result_clear(struct agent_result *res)
{
	if (res == NULL)
		return;
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}

/*
 * Sends request (the command what) to the agent of dom, waiting no longer
 * than until deadline, and at least a second, as libvirt counts in whole
 * seconds. Returns the answer (the caller frees it), or NULL with *error.
 */
static char *
agent_call(virDomainPtr dom, const char *request, const char *what,
    double deadline, char **error)
{
	/* Asked first: every libvirt call, virDomainGetName too, frees the
	 * thread's last error, which virt_last_error() points into. */
	const char *name = virDomainGetName(dom);
	double left = deadline - mono_now();
	int seconds = left >= 1.0 ? (int)left : 1;
	char *answer = virDomainQemuAgentCommand(dom, request, seconds, 0);

	if (answer == NULL)
		*error = xasprintf("the guest agent of '%s' did not answer "
		    "%s: %s", name, what, virt_last_error());
	return answer;
}

/* Wraps a parser's message with the domain it came from. */
static void
agent_bad_answer(virDomainPtr dom, char **error)
{
	char *inner = *error;

	*error = xasprintf("the guest agent of '%s' gave an unusable "
	    "answer: %s", virDomainGetName(dom), inner);
	free(inner);
}

/* Sends guest-exec of command; 0 with *pid, or -1 with *error set. */
static int
agent_start(virDomainPtr dom, const char *command, double deadline,
    long *pid, char **error)
{
	char *request = agent_exec_request(command), *answer = NULL;
	int rc = -1;

	if (request == NULL) {
		*error = xasprintf("the command for '%s' is not valid UTF-8, "
		    "so the guest agent cannot carry it",
		    virDomainGetName(dom));
		return -1;
	}
	answer = agent_call(dom, request, "guest-exec", deadline, error);
	if (answer == NULL)
		goto cleanup;
	if (agent_parse_exec_pid(answer, pid, error) < 0) {
		agent_bad_answer(dom, error);
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(request);
	free(answer);
	return rc;
}

/*
 * Polls guest-exec-status for pid until the command exits or deadline
 * passes (res->timed_out). Returns 0, or -1 with *error set.
 */
static int
agent_wait(virDomainPtr dom, long pid, double deadline,
    struct agent_result *res, char **error)
{
	char *request = agent_status_request(pid), *answer = NULL;
	int delay = AGENT_POLL_FIRST_MS, rc = -1;
	bool exited = false;

	for (;;) {
		double left;

		answer = agent_call(dom, request, "guest-exec-status", deadline,
		    error);
		if (answer == NULL)
			goto cleanup;
		if (agent_parse_exec_status(answer, res, &exited, error) < 0) {
			agent_bad_answer(dom, error);
			goto cleanup;
		}
		free(answer);
		answer = NULL;
		left = deadline - mono_now();
		if (exited || left <= 0)
			break;
		/* The last poll comes just after the deadline. */
		if (delay > left * 1000.0)
			delay = (int)(left * 1000.0) + 1;
		agent_sleep_ms(delay);
		delay = delay * 2 < AGENT_POLL_MAX_MS ? delay * 2 :
		    AGENT_POLL_MAX_MS;
	}
	res->timed_out = !exited;
	rc = 0;
cleanup:
	free(request);
	free(answer);
	return rc;
}

int
agent_exec(virDomainPtr dom, const char *command, int timeout_seconds,
    struct agent_result *res, char **error)
{
	int seconds = timeout_seconds > 1 ? timeout_seconds : 1;
	double deadline = mono_now() + seconds;

	memset(res, 0, sizeof(*res));
	res->exit_code = -1;
	if (agent_start(dom, command, deadline, &res->pid, error) < 0 ||
	    agent_wait(dom, res->pid, deadline, res, error) < 0) {
		agent_result_clear(res);
		res->exit_code = -1;
		return -1;
	}
	return 0;
}

int
agent_exec_host(const struct cluster_refs *refs, size_t host,
    const char *command, int timeout_seconds, struct agent_result *res,
    char **error)
{
	virConnectPtr conn = cluster_refs_host(refs, host);
	const char *name = refs->plan->hosts[host].name;
	virDomainPtr dom;
	int rc;

	memset(res, 0, sizeof(*res));
	res->exit_code = -1;
	if (conn == NULL) {
		*error = xstrdup("no connection to libvirt");
		return -1;
	}
	dom = virDomainLookupByName(conn, name);
	if (dom == NULL) {
		*error = xasprintf("domain not found: %s", virt_last_error());
		return -1;
	}
	rc = agent_exec(dom, command, timeout_seconds, res, error);
	virDomainFree(dom);
	return rc;
}

int
agent_ping(virDomainPtr dom, int timeout_seconds)
{
	/* A fixed request: nothing of ours goes into it. */
	char *answer = virDomainQemuAgentCommand(dom,
	    "{\"execute\":\"guest-ping\"}", timeout_seconds > 1 ?
	    timeout_seconds : 1, 0);

	if (answer == NULL)
		return -1;
	free(answer);
	return 0;
}
