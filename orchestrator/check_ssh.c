/*
 * check_ssh.c: ssh checks through libssh, all at once on the calling
 * thread.
 *
 * Each probe is a non-blocking libssh session driven step by step: the
 * handshake, then a login with a password or a key when the check names a
 * user, then the check's command on a channel, whose output must hold
 * expect and whose exit status must be 0. libssh's non-blocking calls
 * return SSH_AGAIN until their step is done; the sessions' sockets are
 * polled together, and every session is driven again after each poll
 * (a step may be waiting to write, which a poll for reading would miss,
 * so the poll never waits longer than SSH_TICK_MS). Each probe ends at
 * its own deadline, its session freed whatever step it was at.
 *
 * The host's key is not verified: a check asks whether the service
 * works, and the range's hosts are rebuilt with new keys at will. Neither
 * ~/.ssh/config nor a known_hosts file is read, so that the controller's
 * own settings change no check.
 */
#include "check_impl.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libssh/libssh.h>

#include "rangectl/util.h"

#define SSH_TICK_MS 10
#define SSH_MAX_OUTPUT 4096	/* bytes of a command's output kept */

enum sess_step {
	SESS_CONNECT,
	SESS_AUTH,
	SESS_OPEN,
	SESS_EXEC,
	SESS_READ,
	SESS_STATUS,
};

/* One session: all it owns is given back by sess_clear(). */
struct sess_slot {
	struct check_probe *probe;	/* borrowed; NULL when free */
	ssh_session session;
	ssh_channel channel;
	ssh_key key;
	int step;	/* enum sess_step */
	double start;
	char *out;	/* the command's output, NUL-terminated */
	size_t n_out;
};

struct sess_batch {
	int timeout_ms;
	struct check_probe **probes;	/* borrowed */
	size_t n, next, active;
	size_t max;	/* sessions at once: check_limit_in_flight() */
	struct sess_slot *slots;	/* max of them */
	struct pollfd *fds;	/* max of them, for sess_wait() */
};

static void
sess_clear(struct sess_batch *b, struct sess_slot *s)
{
	if (s->channel != NULL)
		ssh_channel_free(s->channel);
	if (s->session != NULL)
		ssh_free(s->session);	/* closes its socket unsent */
	ssh_key_free(s->key);
	free(s->out);
	memset(s, 0, sizeof(*s));
	b->active--;
}

static void
sess_finish(struct sess_batch *b, struct sess_slot *s, bool up)
{
	s->probe->up = up;
	s->probe->seconds = mono_now() - s->start;
	if (up)
		s->probe->reason[0] = '\0';
	sess_clear(b, s);
}

static void __attribute__((format(printf, 3, 4)))
sess_fail(struct sess_batch *b, struct sess_slot *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->probe->reason, sizeof(s->probe->reason), fmt, ap);
	va_end(ap);
	sess_finish(b, s, false);
}

/*
 * libssh's last error in the words other kinds use where they mean the
 * same ("connection refused"), its own otherwise.
 */
static void
sess_fail_libssh(struct sess_batch *b, struct sess_slot *s, const char *doing)
{
	const char *err = ssh_get_error(s->session);

	if (strstr(err, "refused") != NULL)
		sess_fail(b, s, "connection refused");
	else if (strstr(err, "unreachable") != NULL)
		sess_fail(b, s, "host unreachable");
	else
		sess_fail(b, s, "%s: %.80s", doing, err[0] ? err : "unknown "
		    "error");
}

/* Opens the session; on failure the probe has its result already. */
static void
sess_start(struct sess_batch *b, struct sess_slot *s, struct check_probe *p)
{
	struct in_addr in = { .s_addr = htonl(p->addr) };
	char host[INET_ADDRSTRLEN];
	unsigned port = (unsigned)p->port;
	int no = 0;

	*s = (struct sess_slot){ .probe = p, .start = mono_now() };
	b->active++;
	if (p->port < 1 || p->port > 65535) {
		sess_fail(b, s, "port %d is out of range", p->port);
		return;
	}
	if (p->key != NULL &&
	    ssh_pki_import_privkey_file(p->key, NULL, NULL, NULL, &s->key) !=
	    SSH_OK) {
		/* Its path is not quoted: where a secret lies is one too. */
		sess_fail(b, s, "cannot read the check's private key");
		return;
	}
	s->session = ssh_new();
	if (s->session == NULL) {
		sess_fail(b, s, "cannot create an ssh session");
		return;
	}
	inet_ntop(AF_INET, &in, host, sizeof(host));
	if (ssh_options_set(s->session, SSH_OPTIONS_HOST, host) < 0 ||
	    ssh_options_set(s->session, SSH_OPTIONS_PORT, &port) < 0 ||
	    ssh_options_set(s->session, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(s->session, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") < 0 ||
	    ssh_options_set(s->session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS,
	    "/dev/null") < 0 ||
	    (p->user != NULL &&
	    ssh_options_set(s->session, SSH_OPTIONS_USER, p->user) < 0)) {
		sess_fail_libssh(b, s, "cannot set the session's options");
		return;
	}
	ssh_set_blocking(s->session, 0);
}

static void
sess_login(struct sess_batch *b, struct sess_slot *s)
{
	int rc = s->key != NULL ?
	    ssh_userauth_publickey(s->session, NULL, s->key) :
	    ssh_userauth_password(s->session, NULL, s->probe->password ?
	    s->probe->password : "");

	if (rc == SSH_AUTH_AGAIN)
		return;
	if (rc == SSH_AUTH_SUCCESS)
		s->step = SESS_OPEN;
	else if (rc == SSH_AUTH_ERROR)
		sess_fail_libssh(b, s, "login failed");
	else
		sess_fail(b, s, "login denied for user '%.40s'", s->probe->user);
}

/* Reads what the command wrote; stderr is read and dropped. */
static void
sess_read(struct sess_slot *s)
{
	char junk[1024];
	int got;

	if (s->out == NULL)
		s->out = xcalloc(1, SSH_MAX_OUTPUT + 1);
	while (s->n_out < SSH_MAX_OUTPUT && (got = ssh_channel_read_nonblocking(
	    s->channel, s->out + s->n_out, (uint32_t)(SSH_MAX_OUTPUT -
	    s->n_out), 0)) > 0)
		s->n_out += (size_t)got;
	/* What no comparison reads still has to leave the window. */
	while (ssh_channel_read_nonblocking(s->channel, junk, sizeof(junk),
	    s->n_out < SSH_MAX_OUTPUT ? 1 : 0) > 0)
		;
	while (ssh_channel_read_nonblocking(s->channel, junk, sizeof(junk),
	    1) > 0)
		;
	s->out[s->n_out] = '\0';
	if (ssh_channel_is_eof(s->channel) || ssh_channel_is_closed(s->channel))
		s->step = SESS_STATUS;
}

/* The command has ended: its status, then its output, decide. */
static void
sess_judge(struct sess_batch *b, struct sess_slot *s)
{
	int status = ssh_channel_get_exit_status(s->channel);
	const char *expect = s->probe->expect;

	/* The status may come after the end of the output. */
	if (status < 0 && !ssh_channel_is_closed(s->channel))
		return;
	if (status > 0)
		sess_fail(b, s, "the command exited with status %d", status);
	else if (expect != NULL && expect[0] != '\0' &&
	    strstr(s->out, expect) == NULL)
		sess_fail(b, s, "output lacks '%.60s'", expect);
	else
		sess_finish(b, s, true);
}

/* Takes the session as far as it goes without waiting. */
static void
sess_drive(struct sess_batch *b, struct sess_slot *s)
{
	int rc, step;

	do {
		step = s->step;
		switch (step) {
		case SESS_CONNECT:
			rc = ssh_connect(s->session);
			if (rc == SSH_ERROR)
				sess_fail_libssh(b, s, "no ssh handshake");
			else if (rc == SSH_OK && s->probe->user == NULL)
				sess_finish(b, s, true);
			else if (rc == SSH_OK)
				s->step = SESS_AUTH;
			break;
		case SESS_AUTH:
			sess_login(b, s);
			if (s->probe != NULL && s->step == SESS_OPEN &&
			    s->probe->run == NULL)
				sess_finish(b, s, true);
			break;
		case SESS_OPEN:
			if (s->channel == NULL)
				s->channel = ssh_channel_new(s->session);
			rc = s->channel == NULL ? SSH_ERROR :
			    ssh_channel_open_session(s->channel);
			if (rc == SSH_ERROR)
				sess_fail_libssh(b, s, "cannot open a channel");
			else if (rc == SSH_OK)
				s->step = SESS_EXEC;
			break;
		case SESS_EXEC:
			rc = ssh_channel_request_exec(s->channel, s->probe->run);
			if (rc == SSH_ERROR)
				sess_fail_libssh(b, s, "cannot run the command");
			else if (rc == SSH_OK)
				s->step = SESS_READ;
			break;
		case SESS_READ:
			sess_read(s);
			break;
		default:
			sess_judge(b, s);
			break;
		}
	} while (s->probe != NULL && s->step != step);
}

static void
sess_expire(struct sess_batch *b, struct sess_slot *s)
{
	double secs = b->timeout_ms / 1000.0;

	if (s->step == SESS_CONNECT)
		sess_fail(b, s, "no ssh handshake within %g s", secs);
	else if (s->step == SESS_AUTH)
		sess_fail(b, s, "no login within %g s", secs);
	else
		sess_fail(b, s, "the command did not end within %g s", secs);
}

/* Fills free slots, drives and expires; returns the ms to wait at most. */
static int
sess_round(struct sess_batch *b)
{
	double now, next = -1;

	for (size_t i = 0; i < b->max; i++) {
		struct sess_slot *s = &b->slots[i];

		if (s->probe == NULL && b->next < b->n)
			sess_start(b, s, b->probes[b->next++]);
		if (s->probe != NULL)
			sess_drive(b, s);
	}
	now = mono_now();
	for (size_t i = 0; i < b->max; i++) {
		struct sess_slot *s = &b->slots[i];
		double due = s->start + b->timeout_ms / 1000.0;

		if (s->probe == NULL)
			continue;
		if (due <= now)
			sess_expire(b, s);
		else if (next < 0 || due < next)
			next = due;
	}
	if (next < 0)
		return 0;
	return (int)((next - now) * 1000.0) + 1 < SSH_TICK_MS ?
	    (int)((next - now) * 1000.0) + 1 : SSH_TICK_MS;
}

static void
sess_wait(struct sess_batch *b, int wait_ms)
{
	struct pollfd *fds = b->fds;
	nfds_t n = 0;

	for (size_t i = 0; i < b->max; i++) {
		struct sess_slot *s = &b->slots[i];
		socket_t fd = s->probe != NULL ? ssh_get_fd(s->session) :
		    SSH_INVALID_SOCKET;

		if (fd != SSH_INVALID_SOCKET)
			fds[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	}
	poll(fds, n, wait_ms);
}

void
check_ssh_run(struct check_probe **probes, size_t n, int timeout_ms)
{
	struct sess_batch *b;

	if (n == 0)
		return;
	b = xcalloc(1, sizeof(*b));
	b->timeout_ms = timeout_ms;
	b->probes = probes;
	b->n = n;
	b->max = check_limit_in_flight(n);
	b->slots = xcalloc(b->max, sizeof(*b->slots));
	b->fds = xcalloc(b->max, sizeof(*b->fds));
	while (b->active > 0 || b->next < b->n) {
		int wait = sess_round(b);

		if (b->active > 0)
			sess_wait(b, wait);
	}
	free(b->slots);
	free(b->fds);
	free(b);
}
