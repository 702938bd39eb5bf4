/*
 * test_agent.c: the guest agent's requests and answers, base64, and a
 * clean failure on a driver without a guest agent.
 */
#include "harness.h"

#include <jansson.h>
#include <time.h>

#include "rangectl/agent_libvirt.h"
#include "rangectl/util.h"
#include "rangectl/virt.h"

/* A test encoder, to build answers of any content. */
static char *
b64_encode(const unsigned char *p, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		unsigned long bits = (unsigned long)p[i] << 16;

		if (i + 1 < n)
			bits |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < n)
			bits |= p[i + 2];
		*o++ = abc[bits >> 18 & 63];
		*o++ = abc[bits >> 12 & 63];
		*o++ = i + 1 < n ? abc[bits >> 6 & 63] : '=';
		*o++ = i + 2 < n ? abc[bits & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* True when s contains part; says what it was otherwise. */
static bool
has(const char *s, const char *part)
{
	if (s != NULL && strstr(s, part) != NULL)
		return true;
	fprintf(stderr, "  '%s' lacks '%s'\n", s ? s : "(null)", part);
	return false;
}

/* --- the request --- */

TEST(request_is_the_documented_json)
{
	char *req = agent_exec_request("uname -a");

	CHECK_STR_EQ(req, "{\"execute\":\"guest-exec\",\"arguments\":"
	    "{\"path\":\"/bin/sh\",\"arg\":[\"-c\",\"uname -a\"],"
	    "\"capture-output\":true}}");
	free(req);
}

TEST(request_carries_any_text_intact)
{
	static const char cmd[] = "printf '%s\\n' \"a\\\"b\" \t$(id) \x01 é ✓";
	char *req = agent_exec_request(cmd);
	json_t *root = json_loads(req ? req : "", 0, NULL);
	json_t *arg = json_object_get(json_object_get(root, "arguments"), "arg");

	CHECK_INT_EQ(json_array_size(arg), 2);
	CHECK_STR_EQ(json_string_value(json_array_get(arg, 0)), "-c");
	CHECK_STR_EQ(json_string_value(json_array_get(arg, 1)), cmd);
	json_decref(root);
	free(req);
}

TEST(request_refuses_what_is_not_utf8)
{
	static const char *const bad[] = {
		"echo \xff",		/* never valid */
		"echo \xc3",		/* cut short */
		"echo \xc0\xaf",	/* overlong '/' */
		"echo \xed\xa0\x80",	/* a UTF-16 surrogate */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(agent_exec_request(bad[i]) == NULL);
}

TEST(request_of_an_empty_command)
{
	char *req = agent_exec_request("");

	CHECK(has(req, "\"arg\":[\"-c\",\"\"]"));
	free(req);
}

/* --- guest-exec's answer --- */

TEST(pid_of_a_good_answer)
{
	char *error = NULL;
	long pid = 0;

	CHECK_INT_EQ(agent_parse_exec_pid("{\"return\": {\"pid\": 1234}}", &pid,
	    &error), 0);
	CHECK_INT_EQ(pid, 1234);
	CHECK(error == NULL);
	/* Members the agent may add one day are no reason to fail. */
	CHECK_INT_EQ(agent_parse_exec_pid("{\"return\":{\"pid\":7,\"x\":[1]},"
	    "\"id\":3}", &pid, &error), 0);
	CHECK_INT_EQ(pid, 7);
}

TEST(pid_of_an_error_answer)
{
	static const struct {
		const char *answer, *part;
	} cases[] = {
		{ "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Failed to "
		  "execute child process\"}}",
		  "refused guest-exec: Failed to execute child process "
		  "(GenericError)" },
		{ "{\"error\":{\"class\":\"CommandDisabled\"}}",
		  "refused guest-exec: CommandDisabled" },
		{ "{\"error\":{\"desc\":\"no\"}}", "refused guest-exec: no" },
		{ "{\"error\":{}}", "refused guest-exec without saying why" },
		{ "{\"error\":\"oops\"}", "refused guest-exec without saying why" },
		/* An error wins over a return beside it. */
		{ "{\"error\":{\"desc\":\"x\"},\"return\":{\"pid\":1}}",
		  "refused guest-exec: x" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *error = NULL;
		long pid = -5;

		CHECK_INT_EQ(agent_parse_exec_pid(cases[i].answer, &pid, &error),
		    -1);
		CHECK_INT_EQ(pid, -5);
		CHECK(has(error, cases[i].part));
		free(error);
	}
}

TEST(pid_of_malformed_answers)
{
	static const struct {
		const char *answer, *part;
	} cases[] = {
		{ "", "not JSON" },
		{ "pid 12", "not JSON" },
		{ "{\"return\":{\"pid\":12}", "not JSON" },
		{ "{\"return\":{\"pid\":1},\"return\":{\"pid\":2}}", "not JSON" },
		{ "[{\"return\":{\"pid\":1}}]", "not a JSON object" },
		{ "{}", "no 'return' object" },
		{ "{\"return\":12}", "no 'return' object" },
		{ "{\"return\":null}", "no 'return' object" },
		{ "{\"return\":{}}", "'pid'" },
		{ "{\"return\":{\"pid\":\"12\"}}", "'pid'" },
		{ "{\"return\":{\"pid\":12.0}}", "'pid'" },
		{ "{\"return\":{\"pid\":0}}", "'pid'" },
		{ "{\"return\":{\"pid\":-1}}", "'pid'" },
		{ "{\"return\":{\"pid\":true}}", "'pid'" },
		{ "{\"return\":{\"pid\":null}}", "'pid'" },
		{ "{\"return\":{\"pid\":99999999999999999999999}}", "not JSON" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *error = NULL;
		long pid = -5;

		if (!CHECK_INT_EQ(agent_parse_exec_pid(cases[i].answer, &pid,
		    &error), -1))
			fprintf(stderr, "  answer %zu: %s\n", i, cases[i].answer);
		CHECK_INT_EQ(pid, -5);
		CHECK(has(error, cases[i].part));
		free(error);
	}
}

TEST(guest_words_in_errors_are_cut_and_stay_utf8)
{
	struct strbuf desc;
	json_t *answer, *text;
	char *json, *error = NULL;
	long pid;

	strbuf_init(&desc);
	for (int i = 0; i < 1000; i++)
		strbuf_append(&desc, "é");	/* two bytes each */
	answer = json_pack("{s:{s:s, s:s}}", "error", "class", "X",
	    "desc", desc.data);
	json = json_dumps(answer, JSON_COMPACT);
	CHECK_INT_EQ(agent_parse_exec_pid(json, &pid, &error), -1);
	CHECK(error != NULL && strlen(error) < 300);
	/* jansson takes only valid UTF-8: a character cut in half fails. */
	text = json_string(error ? error : "");
	CHECK(text != NULL);
	json_decref(text);
	free(error);
	free(json);
	json_decref(answer);
	strbuf_free(&desc);
}

/*
 * jansson quotes a little of bad input in its message; the message goes
 * into the journal's JSON, so it must still be UTF-8.
 */
TEST(errors_about_non_json_stay_utf8)
{
	static const char *const bad[] = {
		"{\"return\":{\"pid\":\"\xc3\xa9\xc3\"}}",
		"{\"return\":{\"pid\":1 \"\xe2\x9c\x93\xe2\"}}",
		"{\"return\":\xff}",
		"{\"return\":{\"pid\":\"\xe2\x9c",
		"{\"retur\\u0\xc7\x9a\x82}",	/* found by fuzz_agent */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *error = NULL;
		json_t *text;
		long pid;

		CHECK_INT_EQ(agent_parse_exec_pid(bad[i], &pid, &error), -1);
		CHECK(has(error, "not JSON"));
		text = json_string(error ? error : "");
		CHECK(text != NULL);
		json_decref(text);
		free(error);
	}
}

/* --- guest-exec-status's answer --- */

/* A result with something in it, to see that failures leave it alone. */
static void
result_sentinel(struct agent_result *res)
{
	memset(res, 0, sizeof(*res));
	res->pid = 42;
	res->exit_code = -1;
	res->timed_out = true;
}

static bool
result_is_sentinel(const struct agent_result *res)
{
	return res->pid == 42 && res->exit_code == -1 && res->signal == 0 &&
	    res->out == NULL && res->err == NULL && res->timed_out &&
	    !res->out_truncated && !res->err_truncated;
}

TEST(status_still_running)
{
	struct agent_result res;
	char *error = NULL;
	bool exited = true;

	result_sentinel(&res);
	CHECK_INT_EQ(agent_parse_exec_status("{\"return\":{\"exited\":false}}",
	    &res, &exited, &error), 0);
	CHECK(!exited);
	CHECK(result_is_sentinel(&res));
	CHECK(error == NULL);
}

TEST(status_exited_with_output)
{
	struct agent_result res;
	char *error = NULL;
	bool exited = false;

	result_sentinel(&res);
	CHECK_INT_EQ(agent_parse_exec_status("{\"return\":{\"exited\":true,"
	    "\"exitcode\":0,\"out-data\":\"aGVsbG8K\",\"err-data\":\"d2FybgA=\","
	    "\"out-truncated\":false}}", &res, &exited, &error), 0);
	CHECK(exited);
	CHECK_INT_EQ(res.pid, 42);
	CHECK_INT_EQ(res.exit_code, 0);
	CHECK_INT_EQ(res.signal, 0);
	CHECK_STR_EQ(res.out, "hello\n");
	CHECK_INT_EQ(res.out_len, 6);
	CHECK_INT_EQ(res.err_len, 5);
	CHECK(res.err != NULL && memcmp(res.err, "warn\0", 6) == 0);
	CHECK(!res.out_truncated && !res.err_truncated);
	agent_result_clear(&res);
}

TEST(status_without_outputs_gives_empty_strings)
{
	struct agent_result res = { 0 };
	char *error = NULL;
	bool exited = false;

	CHECK_INT_EQ(agent_parse_exec_status("{\"return\":{\"exited\":true,"
	    "\"exitcode\":3}}", &res, &exited, &error), 0);
	CHECK(exited);
	CHECK_INT_EQ(res.exit_code, 3);
	CHECK_STR_EQ(res.out, "");
	CHECK_STR_EQ(res.err, "");
	CHECK_INT_EQ(res.out_len + res.err_len, 0);
	agent_result_clear(&res);
}

TEST(status_killed_by_a_signal)
{
	struct agent_result res = { 0 };
	char *error = NULL;
	bool exited = false;

	CHECK_INT_EQ(agent_parse_exec_status("{\"return\":{\"exited\":true,"
	    "\"signal\":9}}", &res, &exited, &error), 0);
	CHECK(exited);
	CHECK_INT_EQ(res.signal, 9);
	CHECK_INT_EQ(res.exit_code, 137);
	agent_result_clear(&res);
	/* Never both from qemu-ga; if so, the signal is what ended it. */
	CHECK_INT_EQ(agent_parse_exec_status("{\"return\":{\"exited\":true,"
	    "\"exitcode\":0,\"signal\":15}}", &res, &exited, &error), 0);
	CHECK_INT_EQ(res.exit_code, 143);
	agent_result_clear(&res);
}

TEST(status_negative_exit_code_of_windows)
{
	struct agent_result res = { 0 };
	char *error = NULL;
	bool exited = false;

	CHECK_INT_EQ(agent_parse_exec_status("{\"return\":{\"exited\":true,"
	    "\"exitcode\":-1073741819}}", &res, &exited, &error), 0);
	CHECK_INT_EQ(res.exit_code, -1073741819);
	agent_result_clear(&res);
}

TEST(status_truncated_by_the_agent)
{
	struct agent_result res = { 0 };
	char *error = NULL;
	bool exited = false;

	CHECK_INT_EQ(agent_parse_exec_status("{\"return\":{\"exited\":true,"
	    "\"exitcode\":0,\"out-data\":\"YQ==\",\"out-truncated\":true,"
	    "\"err-truncated\":true}}", &res, &exited, &error), 0);
	CHECK(res.out_truncated);
	CHECK(res.err_truncated);
	CHECK_STR_EQ(res.out, "a");
	CHECK_STR_EQ(res.err, "");
	agent_result_clear(&res);
}

TEST(status_output_is_cut_at_the_cap)
{
	size_t n = AGENT_OUTPUT_CAP + 10;
	unsigned char *data = xmalloc(n);
	struct agent_result res = { 0 };
	char *b64, *answer, *error = NULL;
	bool exited = false;

	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 7);
	b64 = b64_encode(data, n);
	answer = xasprintf("{\"return\":{\"exited\":true,\"exitcode\":0,"
	    "\"out-data\":\"%s\",\"err-data\":\"%s\"}}", b64, b64);
	CHECK_INT_EQ(agent_parse_exec_status(answer, &res, &exited, &error), 0);
	CHECK_INT_EQ(res.out_len, AGENT_OUTPUT_CAP);
	CHECK_INT_EQ(res.err_len, AGENT_OUTPUT_CAP);
	CHECK(res.out_truncated && res.err_truncated);
	CHECK(res.out != NULL && memcmp(res.out, data, AGENT_OUTPUT_CAP) == 0);
	CHECK(res.out != NULL && res.out[AGENT_OUTPUT_CAP] == '\0');
	agent_result_clear(&res);
	free(answer);
	free(b64);
	free(data);
}

TEST(status_replaces_what_res_held)
{
	struct agent_result res = { 0 };
	char *error = NULL;
	bool exited = false;

	res.out = xstrdup("old");
	res.err = xstrdup("old");
	CHECK_INT_EQ(agent_parse_exec_status("{\"return\":{\"exited\":true,"
	    "\"exitcode\":1,\"out-data\":\"bmV3\"}}", &res, &exited, &error), 0);
	CHECK_STR_EQ(res.out, "new");
	CHECK_STR_EQ(res.err, "");
	agent_result_clear(&res);
}

TEST(status_of_bad_answers_leaves_res_alone)
{
	static const struct {
		const char *answer, *part;
	} cases[] = {
		{ "", "not JSON" },
		{ "{\"return\":{\"exited\":true", "not JSON" },
		{ "\"exited\"", "not JSON" },
		{ "[]", "not a JSON object" },
		{ "{\"error\":{\"class\":\"GenericError\",\"desc\":\"Invalid "
		  "parameter 'pid'\"}}", "refused guest-exec-status: Invalid "
		  "parameter 'pid' (GenericError)" },
		{ "{\"return\":[]}", "no 'return' object" },
		{ "{\"return\":{}}", "'exited'" },
		{ "{\"return\":{\"exited\":\"yes\"}}", "'exited'" },
		{ "{\"return\":{\"exited\":1}}", "'exited'" },
		{ "{\"return\":{\"exited\":null}}", "'exited'" },
		{ "{\"return\":{\"exited\":true}}", "'exitcode' or 'signal'" },
		{ "{\"return\":{\"exited\":true,\"exitcode\":\"0\"}}",
		  "'exitcode' or 'signal'" },
		{ "{\"return\":{\"exited\":true,\"exitcode\":0.5}}",
		  "'exitcode' or 'signal'" },
		{ "{\"return\":{\"exited\":true,\"exitcode\":4294967296}}",
		  "'exitcode' or 'signal'" },
		{ "{\"return\":{\"exited\":true,\"signal\":\"9\"}}", "'signal'" },
		{ "{\"return\":{\"exited\":true,\"signal\":0}}", "'signal'" },
		{ "{\"return\":{\"exited\":true,\"signal\":-9}}", "'signal'" },
		{ "{\"return\":{\"exited\":true,\"signal\":128}}", "'signal'" },
		{ "{\"return\":{\"exited\":true,\"exitcode\":0,\"out-data\":5}}",
		  "'out-data'" },
		{ "{\"return\":{\"exited\":true,\"exitcode\":0,\"out-data\":null}}",
		  "'out-data'" },
		{ "{\"return\":{\"exited\":true,\"exitcode\":0,\"out-data\":\"YQ\"}}",
		  "'out-data'" },
		{ "{\"return\":{\"exited\":true,\"exitcode\":0,\"out-data\":\"YQ==\","
		  "\"err-data\":\"Y!==\"}}", "'err-data'" },
		{ "{\"return\":{\"exited\":true,\"exitcode\":0,"
		  "\"out-truncated\":\"no\"}}", "'out-truncated'" },
		{ "{\"return\":{\"exited\":true,\"exitcode\":0,"
		  "\"err-truncated\":0}}", "'err-truncated'" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct agent_result res;
		char *error = NULL;
		bool exited = false;

		result_sentinel(&res);
		if (!CHECK_INT_EQ(agent_parse_exec_status(cases[i].answer, &res,
		    &exited, &error), -1))
			fprintf(stderr, "  answer %zu: %s\n", i, cases[i].answer);
		CHECK(result_is_sentinel(&res));
		CHECK(has(error, cases[i].part));
		free(error);
		agent_result_clear(&res);
	}
}

/* While running, the outputs are not the agent's to give: not read. */
TEST(status_running_ignores_the_rest)
{
	struct agent_result res;
	char *error = NULL;
	bool exited = true;

	result_sentinel(&res);
	CHECK_INT_EQ(agent_parse_exec_status("{\"return\":{\"exited\":false,"
	    "\"out-data\":7,\"signal\":\"x\"}}", &res, &exited, &error), 0);
	CHECK(!exited);
	CHECK(result_is_sentinel(&res));
}

/* --- base64 --- */

TEST(base64_vectors_of_rfc4648)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "Zg==", "f" },
		{ "Zm8=", "fo" },
		{ "Zm9v", "foo" },
		{ "Zm9vYg==", "foob" },
		{ "Zm9vYmE=", "fooba" },
		{ "Zm9vYmFy", "foobar" },
		{ "+/+/", "\xfb\xff\xbf" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *out = NULL;
		size_t len = 99;
		bool cut = true;

		CHECK_INT_EQ(agent_base64_decode(cases[i].in, 1024, &out, &len,
		    &cut), 0);
		CHECK_STR_EQ(out, cases[i].out);
		CHECK_INT_EQ(len, strlen(cases[i].out));
		CHECK(!cut);
		free(out);
	}
}

TEST(base64_refuses_invalid_input)
{
	static const char *const bad[] = {
		"Z", "Zg", "Zg=", "Zm9vY",	/* not a whole group */
		"Z===", "====", "=Zg=", "Zg=a",	/* padding misplaced */
		"Zg==Zg==",			/* padding before the end */
		"Zh==", "Zm9=",			/* leftover bits not zero */
		"Zm9v\n", "Zm 9v", "Zm9v====",	/* whitespace, extra padding */
		"Zm9-", "Zm9_",			/* the URL-safe alphabet */
		"Zm9\x80", "\xc3\xa9" "AA",	/* bytes outside ASCII */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *out = (char *)"untouched";
		size_t len = 99;
		bool cut = true;

		if (!CHECK_INT_EQ(agent_base64_decode(bad[i], 1024, &out, &len,
		    &cut), -1))
			fprintf(stderr, "  input %zu: '%s'\n", i, bad[i]);
		CHECK(out == NULL);
		CHECK_INT_EQ(len, 0);
		CHECK(!cut);
		free(out);
	}
}

TEST(base64_keeps_at_most_cap_bytes)
{
	static const struct {
		size_t cap;
		const char *out;
		bool cut;
	} cases[] = {
		{ 0, "", true }, { 1, "f", true }, { 3, "foo", true },
		{ 5, "fooba", true }, { 6, "foobar", false }, { 7, "foobar", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *out = NULL;
		size_t len = 99;
		bool cut = !cases[i].cut;

		CHECK_INT_EQ(agent_base64_decode("Zm9vYmFy", cases[i].cap, &out,
		    &len, &cut), 0);
		CHECK_STR_EQ(out, cases[i].out);
		CHECK_INT_EQ(len, strlen(cases[i].out));
		CHECK_INT_EQ(cut, cases[i].cut);
		free(out);
	}
}

TEST(base64_invalid_after_the_cap_is_still_invalid)
{
	char *out = NULL;
	size_t len;
	bool cut;

	CHECK_INT_EQ(agent_base64_decode("Zm9vYm!y", 2, &out, &len, &cut), -1);
	CHECK(out == NULL);
}

TEST(base64_every_byte_and_length)
{
	unsigned char data[300];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(255 - i);
	for (size_t n = 0; n <= sizeof(data); n++) {
		char *b64 = b64_encode(data, n), *out = NULL;
		size_t len = 0;
		bool cut = true;

		CHECK_INT_EQ(agent_base64_decode(b64, sizeof(data), &out, &len,
		    &cut), 0);
		CHECK_INT_EQ(len, n);
		CHECK(out != NULL && memcmp(out, data, n) == 0 && out[n] == '\0');
		CHECK(!cut);
		free(out);
		free(b64);
	}
}

/* --- the result --- */

TEST(result_clear_is_null_safe_and_zeroes)
{
	struct agent_result res = { .pid = 3, .exit_code = 1, .timed_out = true };

	agent_result_clear(NULL);
	res.out = xstrdup("x");
	res.err = xstrdup("y");
	agent_result_clear(&res);
	CHECK(res.out == NULL && res.err == NULL);
	CHECK_INT_EQ(res.pid + res.exit_code + (long)res.timed_out, 0);
	agent_result_clear(&res);
}

/* --- libvirt --- */

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* test:///default has no guest agent: a clean error, at once. */
TEST(exec_on_the_test_driver_fails_quickly)
{
	struct virt virt;
	struct agent_result res;
	struct timespec t0;
	virDomainPtr dom = NULL;
	char *error = NULL;

	if (!CHECK(virt_open(&virt, "test:///default", &error) == 0))
		return;
	dom = virDomainLookupByName(virt.conn, "test");
	if (!CHECK(dom != NULL))
		goto cleanup;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT_EQ(agent_exec(dom, "true", 5, &res, &error), -1);
	CHECK(seconds_since(&t0) < 1.0);
	CHECK(has(error, "the guest agent of 'test' did not answer guest-exec: "));
	CHECK(has(error, "not supported"));
	CHECK(res.out == NULL && res.err == NULL && !res.timed_out);
	free(error);
	error = NULL;
	CHECK_INT_EQ(agent_ping(dom, 1), -1);
	CHECK(has(virt_last_error(), "not supported"));
	/* Refused before libvirt is asked. */
	CHECK_INT_EQ(agent_exec(dom, "echo \xff", 5, &res, &error), -1);
	CHECK(has(error, "not valid UTF-8"));
	CHECK(has(error, "'test'"));
	agent_result_clear(&res);
cleanup:
	free(error);
	if (dom != NULL)
		virDomainFree(dom);
	virt_close(&virt);
}
