/*
 * api_answer.c: the API's answers and its clock, for api.c, api_account.c
 * and api_vpn.c alike (so that none of them calls another for these).
 */
#include "api_impl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/util.h"

void
api_answer_json(struct api_response *res, int status, json_t *doc)
{
	res->kind = API_ANSWER;
	res->status = status;
	res->content_type = "application/json";
	res->body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	res->body_len = res->body ? strlen(res->body) : 0;
	json_decref(doc);
}

void
api_answer_error(struct api_response *res, int status, const char *fmt, ...)
{
	va_list ap;
	char *text;
	json_t *doc;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	/*
	 * The text may quote the caller's bytes (a method, jansson's "near
	 * '...'") that are not UTF-8, which JSON cannot hold: say less.
	 */
	doc = json_pack("{s:s}", "error", text);
	if (doc == NULL)
		doc = json_pack("{s:s}", "error", "the request is malformed");
	api_answer_json(res, status, doc);
	free(text);
}

double
api_now(const struct api *api)
{
	return api->now != NULL ? api->now() : mono_now();
}
