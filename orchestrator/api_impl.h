/*
 * api_impl.h: what the API's route files share, below both of them:
 *   api.c          the routes of the exercise, their roles and bodies
 *   api_account.c  the callers (tokens, sessions) and the accounts' routes
 *   api_answer.c   the answers both write: a JSON body, errors as {"error"}
 *   api_sighting.c a technique and indicators in a body, checked
 */
#ifndef RANGECTL_API_IMPL_H
#define RANGECTL_API_IMPL_H

#include <jansson.h>

#include "rangectl/api.h"
#include "rangectl/event.h"

/* Answers status with doc as the body; takes doc (NULL: an empty body). */
void api_answer_json(struct api_response *res, int status, json_t *doc);

/*
 * Answers status with {"error": the text of fmt}; a text that JSON cannot
 * hold (a caller's bytes quoted that are not UTF-8) becomes a plainer one.
 */
void api_answer_error(struct api_response *res, int status,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* At most so many indicators in one body, each at most so long. */
#define API_INDICATORS_MAX 64

/*
 * What a body says a team saw: its strings borrowed from the body,
 * the array owned (api_sighting_clear() frees it; NULL-safe).
 */
struct api_sighting {
	const char *technique;	/* or NULL */
	struct event_indicator *indicators;	/* values in values */
	size_t n_indicators;
	json_t *values;	/* own: the values normalized (indicator.h) */
};

/*
 * The optional "technique" and "indicators" of doc, each checked for its
 * form. Returns 0, or -1 having answered 400 with a sentence naming the
 * field.
 */
int api_sighting_parse(const json_t *doc, struct api_sighting *s,
    struct api_response *res);
void api_sighting_clear(struct api_sighting *s);

/* Seconds on the monotonic clock, or on api->now's when a test sets one. */
double api_now(const struct api *api);

#endif
