/*
 * indicator.h: one indicator's value, as a report, an observation or a
 * STIX bundle gives it: the one length limit, the one check of its form
 * and the one normal form that matching compares. api_sighting.c
 * (reports), intel.c (observations) and detect.c (the match keys) all
 * use these, so that a sighting matches the truth exactly when an
 * observation of the same indicator would.
 */
#ifndef RANGECTL_INDICATOR_H
#define RANGECTL_INDICATOR_H

#include <stddef.h>

/*
 * Bytes of an indicator's value, as given and as normalized. It fits a
 * match key (detect.h's DETECT_KEY_MAX), so nothing accepted is too long
 * to be matched.
 */
#define INDICATOR_VALUE_MAX 1024

/*
 * Whether value (len bytes, as the request gave it) is a well-formed
 * value of type (enum indicator_type, scenario.h): no NUL inside, at most
 * INDICATOR_VALUE_MAX bytes, and the form truth_indicator_check() asks.
 * Returns 0, or -1 with *why (static) completing "... is not a TYPE:
 * WHY".
 */
int indicator_check(int type, const char *value, size_t len,
    const char **why);

/*
 * value of type in its normal form, written to out (size bytes, NUL
 * ended): IPv4 and IPv6 addresses as inet_ntop() writes them; hashes,
 * domains and whole e-mail addresses in lowercase (docs/internals/
 * coalition.md says why the local part too); a URL's scheme and host in
 * lowercase, its path as given; file names as given. Returns out, or
 * NULL when it does not fit.
 */
char *indicator_normalize(int type, const char *value, char *out,
    size_t size);

#endif
