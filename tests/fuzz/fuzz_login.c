/*
 * fuzz_login.c: libFuzzer entry for the login body's parser
 * (session_parse_login), which anyone on the network may send without a
 * token. Run by `make fuzz`; seeds in tests/fuzz/login/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rangectl/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a parse must leave true: bounded strings without NUL, or nothing. */
static void
check_field(const char *s, size_t max)
{
	if (s != NULL && (s[0] == '\0' || strlen(s) > max))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name, *invite, *password, *error = NULL;
	json_t *text;
	int rc = session_parse_login((const char *)data, size, &name, &invite,
	    &password, &error);

	if (rc == 0) {
		if (password == NULL || (name == NULL) == (invite == NULL) ||
		    error != NULL)
			abort();
		check_field(name, ACCOUNT_NAME_MAX);
		check_field(invite, AUTH_TOKEN_MAX);
		check_field(password, ACCOUNT_PASSWORD_MAX);
	} else {
		/* The error is answered as JSON: a sentence, valid UTF-8. */
		if (name != NULL || invite != NULL || password != NULL ||
		    error == NULL || (text = json_string(error)) == NULL)
			abort();
		json_decref(text);
	}
	free(name);
	free(invite);
	free(password);
	free(error);
	return 0;
}
