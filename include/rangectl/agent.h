/*
 * agent.h: commands run inside a guest through the QEMU guest agent.
 *
 * agent_exec() sends guest-exec of "/bin/sh -c COMMAND" with its output
 * captured, then polls guest-exec-status until the command exits or the
 * time is up. The agent cannot kill what it started, so a command that
 * outlives its timeout keeps running in the guest; the result says so.
 *
 * What libvirt adds (libvirt 9.0, seen on a real guest):
 * - Before a command, unless the last one went well, libvirt sends
 *   guest-sync with a timeout of its own of 5 s: a hung agent costs about
 *   5 s per call, whatever timeout the caller gave.
 * - The whole answer travels as one string: over 4 MiB (about 3 MiB of
 *   output, base64-encoded) libvirt cannot send it ("Unable to encode
 *   message payload") and the output is lost; over 10 MiB libvirt stops
 *   using the agent of that domain (still so 15 s later, when we tried).
 *   Commands must keep their output small.
 * - An agent error answer never reaches us as JSON: libvirt turns it into
 *   its own error ("unable to execute QEMU agent command ...").
 *
 * The JSON and base64 parts are pure functions, testable without libvirt.
 * What takes a libvirt domain (agent_exec, agent_ping) is declared in
 * agent_libvirt.h, for the libvirt edge; this header names no libvirt
 * type, so that round.c, which runs checks through agent_exec_host(),
 * does not include libvirt.h.
 */
#ifndef RANGECTL_AGENT_H
#define RANGECTL_AGENT_H

#include <stdbool.h>
#include <stddef.h>

struct cluster_refs;

/* The most of each of stdout and stderr kept, in bytes; the rest is cut. */
#define AGENT_OUTPUT_CAP (64 * 1024)

struct agent_result {
	long pid;		/* in the guest */
	int exit_code;		/* 128 + signal when killed; -1 until exited */
	int signal;		/* the signal that killed it, or 0 */
	char *out;		/* decoded stdout, NUL-terminated (may hold NULs) */
	size_t out_len;
	char *err;		/* decoded stderr, the same */
	size_t err_len;
	bool timed_out;		/* still running when the time was up */
	bool out_truncated;	/* by AGENT_OUTPUT_CAP or by the agent itself */
	bool err_truncated;
};

/*
 * agent_exec() (agent_libvirt.h) in plan host `host`, its domain looked up here through its
 * node's connection in refs (borrowed): -1 with *error set also when the
 * node is away ("no connection to libvirt") or there is no such domain
 * ("domain not found: ..."). For callers that see no libvirt (round.c).
 */
int agent_exec_host(const struct cluster_refs *refs, size_t host,
    const char *command, int timeout_seconds, struct agent_result *res,
    char **error);
/* Frees what res holds and zeroes it; NULL-safe. */
void agent_result_clear(struct agent_result *res);

/*
 * The guest-exec request for command, as compact JSON; the caller frees
 * it. NULL when command is not valid UTF-8 (JSON cannot carry it).
 */
char *agent_exec_request(const char *command);
/*
 * The pid out of a guest-exec answer. Returns 0, or -1 with *error set
 * (the caller frees it) when the answer is an error or malformed.
 */
int agent_parse_exec_pid(const char *answer, long *pid, char **error);
/*
 * Reads a guest-exec-status answer into res (its pid and timed_out
 * untouched): *exited says whether the command has finished; if so, the
 * exit code, signal and decoded outputs (empty strings when the agent
 * sent none) replace what res held (the caller clears it). Returns 0, or
 * -1 with *error set (the caller frees it) and res unchanged.
 */
int agent_parse_exec_status(const char *answer, struct agent_result *res,
    bool *exited, char **error);
/*
 * Decodes padded base64 (RFC 4648, standard alphabet, no whitespace),
 * keeping at most cap bytes. On success returns 0 and sets *out (the
 * caller frees it; NUL-terminated), *out_len and *truncated (more than
 * cap bytes were encoded). Returns -1, *out NULL, on invalid input,
 * which includes bits left over after the last byte that are not zero
 * (so each output has one encoding), checked past the cap too.
 */
int agent_base64_decode(const char *in, size_t cap, char **out,
    size_t *out_len, bool *truncated);

#endif
