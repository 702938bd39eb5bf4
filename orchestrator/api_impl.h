/*
 * api_impl.h: what the API's route files share, below both of them:
 *   api.c          the routes of the exercise, their roles and bodies
 *   api_account.c  the callers (tokens, sessions) and the accounts' routes
 *   api_answer.c   the answers both write: a JSON body, errors as {"error"}
 */
#ifndef RANGECTL_API_IMPL_H
#define RANGECTL_API_IMPL_H

#include <jansson.h>

#include "rangectl/api.h"

/* Answers status with doc as the body; takes doc (NULL: an empty body). */
void api_answer_json(struct api_response *res, int status, json_t *doc);

/*
 * Answers status with {"error": the text of fmt}; a text that JSON cannot
 * hold (a caller's bytes quoted that are not UTF-8) becomes a plainer one.
 */
void api_answer_error(struct api_response *res, int status,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Seconds on the monotonic clock, or on api->now's when a test sets one. */
double api_now(const struct api *api);

#endif
