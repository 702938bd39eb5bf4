/*
 * truth.c: the forms of ATT&CK technique ids and of indicators.
 *
 * Hand-written: each is a few lines of syntax (RFC 1035 labels, a URL's
 * scheme and host, hex digests) that no library of the project checks
 * alone; inet_pton() does the addresses.
 */
#include "rangectl/truth.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "rangectl/scenario.h"

#define DOMAIN_MAX 253
#define LABEL_MAX 63

static bool
digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return false;
	return true;
}

int
truth_technique_check(const char *text, const char **why)
{
	size_t n = strlen(text);

	if (text[0] != 'T' || !(n == 5 || n == 9) || !digits(text + 1, 4) ||
	    (n == 9 && (text[5] != '.' || !digits(text + 6, 3)))) {
		*why = "expected T and four digits, then optionally a dot and "
		    "three digits, as in T1059 or T1491.002";
		return -1;
	}
	return 0;
}

/* Dot-separated labels of letters, digits and inner hyphens. */
static bool
domain_ok(const char *p, size_t n)
{
	size_t label = 0, i;

	if (n == 0 || n > DOMAIN_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if (p[i] == '.') {
			if (label == 0 || p[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)p[i]) && !(p[i] == '-' && label > 0))
			return false;
		if (++label > LABEL_MAX)
			return false;
	}
	return label > 0 && p[n - 1] != '-';
}

static bool
hex_ok(const char *value, size_t n)
{
	size_t i;

	if (strlen(value) != n)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)value[i]))
			return false;
	return true;
}

static bool
printable(const char *value)
{
	const char *p;

	for (p = value; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return *value != '\0';
}

/* scheme://host[:port][/rest], the host a name or an address. */
static bool
url_ok(const char *value)
{
	const char *p = value, *host, *end;
	unsigned char buf[16];
	char text[64];

	if (!printable(value) || !isalpha((unsigned char)*p))
		return false;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0)
		return false;
	host = p + 3;
	if (*host == '[') {
		end = strchr(host, ']');
		if (end == NULL || (size_t)(end - host - 1) >= sizeof(text))
			return false;
		memcpy(text, host + 1, (size_t)(end - host - 1));
		text[end - host - 1] = '\0';
		return inet_pton(AF_INET6, text, buf) == 1;
	}
	end = host + strcspn(host, ":/?#");
	return domain_ok(host, (size_t)(end - host));
}

static bool
email_ok(const char *value)
{
	const char *at = strrchr(value, '@');

	return printable(value) && at != NULL && at != value &&
	    memchr(value, '@', (size_t)(at - value)) == NULL &&
	    domain_ok(at + 1, strlen(at + 1));
}

static bool
file_name_ok(const char *value)
{
	const char *p;

	if (*value == '\0' || strcmp(value, ".") == 0 ||
	    strcmp(value, "..") == 0)
		return false;
	for (p = value; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == '/' || *p == '\\')
			return false;
	return true;
}

int
truth_indicator_check(int type, const char *value, const char **why)
{
	unsigned char buf[16];

	*why = NULL;
	switch (type) {
	case INDICATOR_IPV4:
		if (inet_pton(AF_INET, value, buf) != 1)
			*why = "expected a dotted IPv4 address";
		break;
	case INDICATOR_IPV6:
		if (inet_pton(AF_INET6, value, buf) != 1)
			*why = "expected an IPv6 address";
		break;
	case INDICATOR_DOMAIN:
		if (!domain_ok(value, strlen(value)))
			*why = "expected dot-separated labels of letters, digits "
			    "and inner hyphens";
		break;
	case INDICATOR_URL:
		if (!url_ok(value))
			*why = "expected scheme://host and an optional path, "
			    "without spaces";
		break;
	case INDICATOR_EMAIL:
		if (!email_ok(value))
			*why = "expected local-part@domain";
		break;
	case INDICATOR_MD5:
	case INDICATOR_SHA1:
	case INDICATOR_SHA256:
		if (!hex_ok(value, type == INDICATOR_MD5 ? 32 :
		    type == INDICATOR_SHA1 ? 40 : 64))
			*why = type == INDICATOR_MD5 ? "expected 32 hex digits" :
			    type == INDICATOR_SHA1 ? "expected 40 hex digits" :
			    "expected 64 hex digits";
		break;
	case INDICATOR_FILE_NAME:
		if (!file_name_ok(value))
			*why = "expected a file's name, without a folder";
		break;
	default:
		*why = "not a known indicator type";
		break;
	}
	return *why == NULL ? 0 : -1;
}
