/*
 * http_path.c: the pure parts of the server: which file a path names,
 * its media type, the listening address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rangectl/http.h"

#define HTTP_PATH_MAX 256

static int
path_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '/';
}

/* No empty, "." or ".." segment, and no dot file. */
static int
segments_ok(const char *p)
{
	while (*p != '\0') {
		if (*p == '/' || *p == '.')
			return 0;
		p = strchr(p, '/');
		if (p == NULL)
			return 1;
		p++;
	}
	return 0;	/* a trailing slash: an empty segment */
}

int
http_static_path(const char *url, char *out, size_t n)
{
	const char *rel;
	size_t i;
	int len;

	if (url == NULL || url[0] != '/' || strlen(url) > HTTP_PATH_MAX)
		return -1;
	for (i = 0; url[i] != '\0'; i++)
		if (!path_char_ok(url[i]))
			return -1;	/* %, \, NUL (cut), spaces, ... */
	if (strcmp(url, "/") == 0)
		rel = "index.html";
	else
		rel = url + 1;
	if (!segments_ok(rel))
		return -1;
	if (strncmp(rel, "vendor/xterm/", 13) == 0)
		len = snprintf(out, n, "node_modules/@xterm/xterm/%s", rel + 13);
	else if (strncmp(rel, "vendor/novnc/", 13) == 0)
		len = snprintf(out, n, "node_modules/@novnc/novnc/%s", rel + 13);
	else if (strncmp(rel, "node_modules/", 13) == 0)
		return -1;	/* only through vendor/ */
	else
		len = snprintf(out, n, "%s", rel);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

const char *
http_content_type(const char *path)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

int
http_parse_listen(const char *text, char *addr, size_t addr_size,
    unsigned *port)
{
	const char *colon = text ? strrchr(text, ':') : NULL;
	char *end;
	unsigned long p;

	if (colon == NULL || colon == text || (size_t)(colon - text) >= addr_size)
		return -1;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p == 0 || p > 65535)
		return -1;
	memcpy(addr, text, (size_t)(colon - text));
	addr[colon - text] = '\0';
	*port = (unsigned)p;
	return 0;
}
