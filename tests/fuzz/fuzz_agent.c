/*
 * fuzz_agent.c: libFuzzer entry for the parsers of the guest agent's
 * answers, which come from a guest a trainee may own. Run by `make fuzz`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rangectl/agent.h"
#include "rangectl/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What every answer must leave true, whatever it said. */
static void
check_result(const struct agent_result *res, bool exited)
{
	if (!exited)
		return;
	if (res->out == NULL || res->err == NULL ||
	    res->out_len > AGENT_OUTPUT_CAP || res->err_len > AGENT_OUTPUT_CAP ||
	    res->out[res->out_len] != '\0' || res->err[res->err_len] != '\0' ||
	    (res->signal != 0 && res->exit_code != 128 + res->signal))
		abort();
}

/* An error goes into the journal's JSON, so it must be valid UTF-8. */
static void
check_error(const char *error)
{
	json_t *text;

	if (error == NULL)
		abort();
	text = json_string(error);
	if (text == NULL)
		abort();
	json_decref(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libvirt hands over a string: whatever follows a NUL is lost. */
	char *answer = xstrndup((const char *)data, size), *error = NULL;
	struct agent_result res;
	bool exited = false;
	long pid = 0;

	memset(&res, 0, sizeof(res));
	if (agent_parse_exec_status(answer, &res, &exited, &error) < 0)
		check_error(error);
	else
		check_result(&res, exited);
	free(error);
	error = NULL;
	agent_result_clear(&res);
	if (agent_parse_exec_pid(answer, &pid, &error) < 0)
		check_error(error);
	free(error);
	free(answer);
	return 0;
}
