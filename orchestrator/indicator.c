/*
 * indicator.c: an indicator value's one limit, check and normal form
 * (indicator.h), shared by reports, observations and matching.
 */
#include "rangectl/indicator.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "rangectl/scenario.h"
#include "rangectl/truth.h"

int
indicator_check(int type, const char *value, size_t len, const char **why)
{
	if (strlen(value) != len) {
		*why = "it holds a NUL";
		return -1;
	}
	if (len > INDICATOR_VALUE_MAX) {
		*why = "it is over 1024 bytes";
		return -1;
	}
	return truth_indicator_check(type, value, why);
}

static void
lower(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
}

/* The bytes of url's scheme and authority: "HTTP://Host:80" of a URL. */
static size_t
url_head(const char *url)
{
	const char *sep = strstr(url, "://");

	if (sep == NULL)
		return 0;
	sep += 3;
	return (size_t)(sep - url) + strcspn(sep, "/?#");
}

char *
indicator_normalize(int type, const char *value, char *out, size_t size)
{
	unsigned char addr[16];
	int family = type == INDICATOR_IPV4 ? AF_INET : AF_INET6;

	if ((type == INDICATOR_IPV4 || type == INDICATOR_IPV6) &&
	    inet_pton(family, value, addr) == 1)
		return inet_ntop(family, addr, out, (socklen_t)size) != NULL ?
		    out : NULL;
	if ((size_t)snprintf(out, size, "%s", value) >= size)
		return NULL;
	switch (type) {
	case INDICATOR_DOMAIN:
	case INDICATOR_EMAIL:
	case INDICATOR_MD5:
	case INDICATOR_SHA1:
	case INDICATOR_SHA256:
		lower(out, size);
		break;
	case INDICATOR_URL:
		lower(out, url_head(out));
		break;
	default:
		break;
	}
	return out;
}
