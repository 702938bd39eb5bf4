/*
 * check_reason.c: the words of a check's reason that every kind shares.
 */
#include "check_impl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *
check_reason_errno(int err, char *buf, size_t size)
{
	switch (err) {
	case ECONNREFUSED: return "connection refused";
	case ECONNRESET: return "connection reset";
	case EHOSTUNREACH: return "host unreachable";
	case ENETUNREACH: return "network unreachable";
	case ETIMEDOUT: return "connection timed out";
	default: return strerror_r(err, buf, size);
	}
}

/*
 * Builds the scrubbed reason apart, so that a password shorter than its
 * mark, or one the mark contains, can neither overflow nor loop.
 */
void
check_reason_scrub(struct check_probe *p)
{
	char out[CHECK_REASON];
	size_t plen = p->password ? strlen(p->password) : 0, o = 0, len, k;
	const char *r = p->reason, *at;

	if (plen == 0)
		return;
	while ((at = strstr(r, p->password)) != NULL && o < sizeof(out) - 1) {
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%.*s***",
		    (int)(at - r), r);
		r = at + plen;
	}
	if (o < sizeof(out) - 1)
		snprintf(out + o, sizeof(out) - o, "%s", r);
	else
		out[sizeof(out) - 1] = '\0';
	/* A reason cut at its size may end with the password's beginning. */
	len = strlen(out);
	for (k = plen - 1; len == sizeof(out) - 1 && k > 0; k--) {
		if (k <= len && memcmp(out + len - k, p->password, k) == 0) {
			memset(out + len - k, '*', k);
			break;
		}
	}
	memcpy(p->reason, out, sizeof(out));
}
